"""Inputs: turn the paths given to ``grade`` into one ``Submission`` per student.

Accepted, for each path (detected in this order):

* a ``.zip`` file: a Moodle "Download all submissions" archive (folders or the older flat
  layout), or any other zip, extracted and read like a folder;
* an nbgrader course root or its ``submitted/`` folder:
  ``submitted/<student>/<assignment>/*.ipynb``;
* a Gradescope submission folder (``/autograder/submission``): the notebook it holds, the
  student's identity from ``submission_metadata.json`` (in the folder or next to it);
* an already extracted Moodle download (folders ``Full Name_<id>_assignsubmission_file``);
* a folder of notebooks, one per student (id = file stem);
* a single ``.ipynb`` file (id = file stem).

Which assignment: with ``assignment`` given, an nbgrader tree yields only that assignment's
folders; without it, every ``submitted/<student>/<assignment>/`` folder. Each submission keeps
what its layout says of its assignment (``folder_assignment``: the nbgrader folder;
``lms_title``: the Moodle archive or folder name, the Gradescope assignment title) for
``autograder.assignments.detection``, which decides.

Nothing here raises for one bad entry: a Moodle folder without a notebook, a corrupt nested
zip or a non-notebook file becomes a ``Submission`` with ``notebook=None`` and a ``problem``
(English / French). Archives are extracted under ``workdir`` only, with no path traversal,
no links, no dot files or ``__MACOSX``, and a cap on the total extracted size.
"""
from __future__ import annotations

import json
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_EXTRACTED_BYTES = 500 * 2**20   # total for one input archive, nested zips included
MAX_EXTRACTED_FILES = 20_000
MAX_ZIP_DEPTH = 3                   # zip in a zip in a zip
MOODLE_ENTRY = re.compile(
    r"^(?P<name>[^_/]*)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<rest>.*))?$"
)
GRADESCOPE_METADATA = "submission_metadata.json"


@dataclass
class Submission:
    student: str                 # filesystem-safe, unique in the batch: result file name
    notebook: Path | None        # None when nothing gradable was found (see problem)
    identity: dict = field(default_factory=dict)
    problem: str | None = None   # why there is no notebook, "English / français"
    folder_assignment: str | None = None   # nbgrader tree: submitted/<student>/<this>/
    lms_title: str | None = None           # Moodle download name, Gradescope assignment title


class ExtractionError(Exception):
    """An archive that cannot be (safely) extracted."""


def collect_submissions(paths: list[Path], workdir: Path, *,
                        assignment: str | None = None) -> list[Submission]:
    """One submission per student found in ``paths``, sorted by student id, ids unique.

    ``assignment``: the one to grade, if known (picks nbgrader folders and, among several
    notebooks of one student, the one named after it)."""
    found: list[Submission] = []
    for index, path in enumerate(paths):
        scratch = _Scratch(Path(workdir) / "extracted" / f"{index}-{safe_id(Path(path).stem)}")
        found.extend(_collect_path(Path(path), assignment, scratch))
    found.sort(key=lambda s: (s.student, str(s.notebook or ""), s.problem or ""))
    return sorted(_unique_ids(found), key=lambda s: s.student)


def _collect_path(path: Path, assignment: str | None, scratch: "_Scratch") -> list[Submission]:
    if path.is_dir():
        return _collect_dir(path, assignment, scratch, title=path.name)
    if path.suffix.lower() == ".zip":
        return _collect_zip(path, assignment, scratch)
    if path.suffix.lower() == ".ipynb":
        return [Submission(safe_id(path.stem), path, {"source": "file", "file_name": path.name})]
    return [_problem(path.stem, {"source": "file", "file_name": path.name},
                     f"not a Jupyter notebook (.ipynb): {path.name}",
                     f"pas un carnet Jupyter (.ipynb) : {path.name}")]


def _collect_dir(folder: Path, assignment: str | None, scratch: "_Scratch",
                 title: str | None = None) -> list[Submission]:
    """``title``: the name the user gave the input (folder or archive), a Moodle download's title."""
    if (folder / "submitted").is_dir():
        return collect_nbgrader(folder / "submitted", assignment)
    if folder.name == "submitted":
        return collect_nbgrader(folder, assignment)
    if gradescope_metadata_path(folder) is not None:
        return [collect_gradescope(folder, assignment)]
    children = _visible_children(folder)
    if any(MOODLE_ENTRY.match(_nfc(p.name)) for p in children):
        return collect_moodle_dir(folder, assignment, scratch=scratch, title=title)
    notebooks = [p for p in children if p.is_file() and p.suffix.lower() == ".ipynb"]
    if not notebooks and len(children) == 1 and children[0].is_dir():
        return _collect_dir(children[0], assignment, scratch, title)   # a zip of one folder
    return [Submission(safe_id(nb.stem), nb, {"source": "folder", "file_name": nb.name})
            for nb in notebooks]


def _collect_zip(archive: Path, assignment: str | None, scratch: "_Scratch") -> list[Submission]:
    try:
        target = scratch.extract(archive, "archive")
    except ExtractionError as exc:
        return [_problem(archive.stem, {"source": "zip", "file_name": archive.name},
                         f"unreadable zip archive {archive.name}: {exc}",
                         f"archive zip illisible {archive.name} : {exc}")]
    return _collect_dir(target, assignment, scratch, title=archive.stem)


# --- nbgrader -------------------------------------------------------------------------------

def collect_nbgrader(submitted: Path, assignment: str | None = None) -> list[Submission]:
    """``submitted/<student>/<assignment>/*.ipynb``: that assignment's folders, or every
    assignment folder when ``assignment`` is None; students without one are skipped."""
    found = []
    for student_dir in _visible_children(submitted):
        if not student_dir.is_dir():
            continue
        folders = [student_dir / assignment] if assignment else [
            p for p in _visible_children(student_dir) if p.is_dir()]
        for folder in folders:
            if not folder.is_dir():
                continue
            identity = {"nbgrader_id": student_dir.name, "source": "nbgrader"}
            if (folder / "timestamp.txt").is_file():
                identity["timestamp"] = (folder / "timestamp.txt").read_text(errors="replace").strip()
            sub = _pick_submission(safe_id(student_dir.name), folder, identity, folder.name)
            sub.folder_assignment = folder.name
            found.append(sub)
    return found


# --- Gradescope -----------------------------------------------------------------------------

def gradescope_metadata_path(folder: Path) -> Path | None:
    """``submission_metadata.json`` in the folder, or next to a folder named ``submission``."""
    inside = folder / GRADESCOPE_METADATA
    if inside.is_file():
        return inside
    beside = folder.parent / GRADESCOPE_METADATA
    if folder.name == "submission" and beside.is_file():
        return beside
    return None


def collect_gradescope(folder: Path, assignment: str | None = None) -> Submission:
    metadata = gradescope_metadata_path(folder)
    identity = gradescope_identity(metadata)
    student = identity.get("gradescope_user_id")
    submission = _pick_submission("", folder, identity, assignment)
    submission.lms_title = gradescope_assignment_title(metadata)
    fallback = submission.notebook.stem if submission.notebook else "submission"
    submission.student = safe_id(f"gradescope_{student}" if student else fallback)
    return submission


def gradescope_identity(metadata: Path | None) -> dict:
    """Name, email and ids of the (first) submitter: ``{"users": [{"name", "email", "id"}]}``."""
    identity = {"source": "gradescope"}
    try:
        data = json.loads(metadata.read_text(encoding="utf-8")) if metadata else {}
    except (OSError, ValueError):
        return identity
    if not isinstance(data, dict):
        return identity
    users = data.get("users") or [{}]
    first = users[0] if isinstance(users[0], dict) else {}
    for key, value in (("gradescope_user_id", first.get("id")), ("full_name", first.get("name")),
                       ("email", first.get("email")), ("gradescope_submission_id", data.get("id"))):
        if value not in (None, ""):
            identity[key] = str(value)
    if len(users) > 1:
        identity["group_members"] = [str(u.get("name", "")) for u in users if isinstance(u, dict)]
    return identity


def gradescope_assignment_title(metadata: Path | None) -> str | None:
    """``assignment.title`` of ``submission_metadata.json`` (what the instructor named it)."""
    try:
        data = json.loads(metadata.read_text(encoding="utf-8")) if metadata else {}
        title = data.get("assignment", {}).get("title")
    except (OSError, ValueError, AttributeError):
        return None
    return title if isinstance(title, str) else None


# --- Moodle ---------------------------------------------------------------------------------

def collect_moodle_dir(root: Path, assignment: str | None = None, *,
                       scratch: "_Scratch", title: str | None = None) -> list[Submission]:
    """An extracted Moodle download: per participant, the best notebook of all their files.

    Nested zips are extracted under ``scratch`` (inside the work directory). ``title``: the
    download's name (``COURSE-ASSIGNMENT-ID``), kept as each submission's ``lms_title``."""
    subs = [
        _moodle_submission(pid, name, files, assignment, scratch)
        for pid, (name, files) in sorted(_moodle_participants(root).items())
    ]
    for sub in subs:
        sub.lms_title = title
    return subs


def _moodle_participants(root: Path) -> dict[str, tuple[str, list[Path]]]:
    """participant id -> (full name, files), from folders or flat ``Name_id_..._file_x`` files."""
    people: dict[str, tuple[str, list[Path]]] = {}
    for entry in _visible_children(root):
        match = MOODLE_ENTRY.match(_nfc(entry.name))
        if not match:
            continue
        name, files = people.setdefault(match["id"], (match["name"].strip(), []))
        files.extend(_visible_files(entry) if entry.is_dir() else [entry])
    return people


def _moodle_submission(pid: str, name: str, files: list[Path], assignment: str | None,
                       scratch: "_Scratch") -> Submission:
    identity = {"moodle_participant_id": pid, "full_name": name, "source": "moodle"}
    notebooks, broken = _notebooks_and_nested(files, scratch, f"moodle_{pid}")
    if notebooks:
        return Submission(f"moodle_{pid}", _best_notebook(notebooks, assignment), identity)
    if broken:
        return _problem(f"moodle_{pid}", identity,
                        "no notebook found; unreadable archive(s): " + ", ".join(broken),
                        "aucun carnet trouvé ; archive(s) illisible(s) : " + ", ".join(broken))
    return _problem(f"moodle_{pid}", identity,
                    "no Jupyter notebook (.ipynb) in this Moodle submission",
                    "aucun carnet Jupyter (.ipynb) dans ce dépôt Moodle")


def _notebooks_and_nested(files: list[Path], scratch: "_Scratch", label: str,
                          depth: int = 0) -> tuple[list[Path], list[str]]:
    """Notebooks among ``files`` and inside the zips among them, recursively."""
    notebooks = [f for f in files if f.suffix.lower() == ".ipynb"]
    broken: list[str] = []
    for index, archive in enumerate(f for f in files if f.suffix.lower() == ".zip"):
        sub_label = f"{label}/{index}-{safe_id(archive.stem)}"
        try:
            if depth >= MAX_ZIP_DEPTH:
                raise ExtractionError("zips nested too deep")
            target = scratch.extract(archive, sub_label)
        except ExtractionError as exc:
            broken.append(f"{archive.name} ({exc})")
            continue
        inner, inner_broken = _notebooks_and_nested(_visible_files(target), scratch,
                                                    sub_label, depth + 1)
        notebooks += inner
        broken += inner_broken
    return notebooks, broken


# --- choosing the notebook ------------------------------------------------------------------

def _pick_submission(student: str, folder: Path, identity: dict, assignment: str | None) -> Submission:
    notebooks = [f for f in _visible_files(folder) if f.suffix.lower() == ".ipynb"]
    if notebooks:
        return Submission(student, _best_notebook(notebooks, assignment), identity)
    return _problem(student, identity, f"no Jupyter notebook (.ipynb) in {folder.name}/",
                    f"aucun carnet Jupyter (.ipynb) dans {folder.name}/")


def _best_notebook(notebooks: list[Path], assignment: str | None) -> Path:
    """The one named after the assignment (any case, spaces or dashes; when it is not known
    yet, after any known assignment), else the largest."""
    from autograder.assignments import available_assignments

    keys = [_squash(name) for name in ([assignment] if assignment else available_assignments())]
    named = [nb for nb in notebooks if any(key in _squash(nb.stem) for key in keys)]
    pool = named or notebooks
    return sorted(pool, key=lambda nb: (-nb.stat().st_size, str(nb)))[0]


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


# --- safe extraction ------------------------------------------------------------------------

class _Budget:
    """What one input archive may still extract (nested zips share it through the caller)."""

    def __init__(self, max_bytes: int = MAX_EXTRACTED_BYTES, max_files: int = MAX_EXTRACTED_FILES):
        self.bytes = max_bytes
        self.files = max_files

    def take(self, size: int) -> None:
        self.bytes -= size
        if self.bytes < 0:
            raise ExtractionError(f"more than {MAX_EXTRACTED_BYTES // 2**20} MB once extracted")

    def count(self) -> None:
        self.files -= 1
        if self.files < 0:
            raise ExtractionError(f"more than {MAX_EXTRACTED_FILES} files")


def safe_extract(archive: Path, target: Path, budget: _Budget) -> list[Path]:
    """Extract the regular files of ``archive`` under ``target`` (emptied first)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = _member_parts(info)
                if parts:
                    written.append(_extract_member(zf, info, target.joinpath(*parts), budget))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError, ValueError) as exc:
        raise ExtractionError(str(exc) or type(exc).__name__) from exc
    return written


def _member_parts(info: zipfile.ZipInfo) -> tuple[str, ...] | None:
    """Path parts of a member worth extracting; None for folders, links, junk and escapes."""
    mode = info.external_attr >> 16
    if info.is_dir() or stat.S_ISLNK(mode):
        return None
    name = _nfc(_member_name(info)).replace("\\", "/")
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    if any(p in ("..", ".", "__MACOSX") or p.startswith((".", "~$")) for p in parts):
        return None
    return parts


def _member_name(info: zipfile.ZipInfo) -> str:
    """Names without the UTF-8 flag are decoded as cp437 by zipfile: most are really UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: _Budget) -> Path:
    budget.count()
    budget.take(info.file_size)   # zipfile stops at file_size and checks the CRC
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return dest


class _Scratch:
    """Where the archives of one input path are extracted, sharing one size budget."""

    def __init__(self, root: Path):
        self.root = root
        self.budget = _Budget()

    def extract(self, archive: Path, label: str) -> Path:
        target = self.root / label
        safe_extract(archive, target, self.budget)
        return target


# --- small helpers --------------------------------------------------------------------------

def safe_id(text: str) -> str:
    """A file-name-safe student id: ASCII letters, digits, ``.``, ``_`` and ``-``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", _ascii(text)).strip("._-")
    return cleaned[:80] or "student"


def _unique_ids(submissions: list[Submission]) -> list[Submission]:
    """Second and later uses of an id get ``-2``, ``-3``… (never an id already taken)."""
    taken = {sub.student for sub in submissions}
    seen: set[str] = set()
    for sub in submissions:
        if sub.student in seen:
            number = 2
            while f"{sub.student}-{number}" in taken:
                number += 1
            sub.identity.setdefault("duplicate_of", sub.student)
            sub.student = f"{sub.student}-{number}"
            taken.add(sub.student)
        seen.add(sub.student)
    return submissions


def _problem(student: str, identity: dict, english: str, french: str) -> Submission:
    return Submission(safe_id(student), None, identity, f"{english} / {french}")


def _visible_children(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not _is_junk(p.name))


def _visible_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(_is_junk(part) for part in p.relative_to(folder).parts)
    )


def _is_junk(name: str) -> bool:
    return name.startswith((".", "~$")) or name in ("__MACOSX", ".ipynb_checkpoints")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
