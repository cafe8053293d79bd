"""Atomic file writes: a crash (even ``kill -9``) never leaves a half-written file behind.

Every output of the kit (results, feedback pages, grades.csv, the report, exports) is written
through here: the text goes to a temporary file of the same folder, is flushed to disk, then
replaces the target in one ``os.replace``.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` atomically (parent folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644) -> Path:
    """UTF-8 text, newlines kept as given (no translation)."""
    return write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_json_atomic(path: Path, data, *, mode: int = 0o644) -> Path:
    """JSON (UTF-8, non-ASCII kept, indent 1)."""
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1), mode=mode)
