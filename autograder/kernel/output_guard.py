"""Counts, inside the student's kernel, the output the notebook sends, and stops it at the limit.

The grader's client also counts the output it receives, but a notebook printing in a tight
loop (``while True: print('x' * 100_000)``) produces output far faster than the client reads
it: the kernel kept gigabytes (IPython's output history, stream buffers, sockets) and was
stopped for memory instead of output. The guard counts where the output is made, so the
output limit wins whatever the machine's load. It counts

* the text of the kernel's streams where it is buffered before sending (the pending-text
  buffers of ``ipykernel``'s ``OutStream``, for ``sys.stdout``, ``sys.stderr``, a stream the
  notebook builds itself, and what the kernel captures from file descriptors 1 and 2: a
  ``print`` to ``sys.__stdout__``, ``os.write(1, ...)``, a subprocess' output);
* every message that leaves the kernel on its output channel (``Session.send``, patched on the
  class): displays, display updates, ``execute_result`` and error tracebacks, plus stream text
  that reached a buffer without being counted there.

Past the limit every output is dropped before it is kept anywhere (the kernel's memory cannot
grow with it; IPython 9's in-memory output history is switched off), the echo of file
descriptors 1 and 2 to the grader's log is silenced, and the guard sends the grader a display
message of its private MIME type signed with the per-run secret only the bootstrap cell holds:
the grader stops the kernel with the status ``output-limit``. The marker is sent again before
each later cell runs, in case the first one went out under another cell's header. Nothing is
raised in the notebook, so a ``try``/``except`` cannot swallow it, and replacing
``sys.stdout`` changes nothing: the new stream is one of the kernel's streams, or writes to
file descriptor 1, or keeps its text to itself (then the memory limit applies).

Out of the guard's reach, and stopped by the grader's own count of the output it receives or by
the memory limit instead: a process forked by the notebook (its copy of the guard counts its
own output only), code that sends on the kernel's sockets itself or undoes the patches after
digging the originals out of the guard's closures. See the security model in README.
"""
from __future__ import annotations

import builtins

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

MIME = "application/vnd.keras-autograder.output-limit+json"
_PAYLOAD_TYPES = frozenset({"display_data", "update_display_data", "execute_result", "error"})


def install(limit_bytes: int, secret: str) -> None:
    """Grader bootstrap: count the kernel's output from now on, drop it past ``limit_bytes``."""
    import io
    import json
    import os
    import sys
    import threading
    from collections import defaultdict

    from ipykernel.iostream import OutStream
    from IPython import get_ipython
    from jupyter_client.session import Session

    shell = get_ipython()
    session, socket = shell.kernel.session, shell.kernel.iopub_socket
    send, buffer_write, dumps, lock = Session.send, io.StringIO.write, json.dumps, threading.Lock()
    describe, size_of, payload_types = _describe, _size, _PAYLOAD_TYPES   # not looked up later
    state = {"counted": 0, "stream_credit": 0, "tripped": False}
    # ipykernel also echoes what reaches file descriptors 1 and 2 to the kernel's own stdout and
    # stderr (the grader's log): silenced past the limit too
    echoes = [s._original_stdstream_copy for s in (sys.stdout, sys.stderr)
              if isinstance(s, OutStream) and getattr(s, "_original_stdstream_copy", None) is not None]
    devnull, dup2 = os.open(os.devnull, os.O_WRONLY), os.dup2

    def current_parent() -> dict:
        try:
            return dict(shell.parent_header or {})
        except Exception:
            return {}

    def signal(parent: dict | None) -> None:
        """Tell the grader (in the current request, and in the writer's if it differs)."""
        content = {"data": {MIME: {"secret": secret, "limit_bytes": limit_bytes, "counted": state["counted"]}},
                   "metadata": {}, "transient": {}}
        parents = [current_parent()]
        if isinstance(parent, dict):
            parent = parent.get("header", parent)   # a whole request, or its header
            if parent.get("msg_id") and parent.get("msg_id") != parents[0].get("msg_id"):
                parents.append(dict(parent))
        for header in parents:
            try:
                send(session, socket, "display_data", content, parent=header, ident=b"display_data")
            except Exception:
                pass

    def admit(size: int, parent: dict | None) -> bool:
        """Count ``size`` more bytes; False (drop them) once past the limit."""
        with lock:
            if state["tripped"]:
                return False
            state["counted"] += size
            if state["counted"] <= limit_bytes:
                return True
            state["tripped"] = True
        for fd in echoes:
            try:
                dup2(devnull, fd)
            except OSError:
                pass
        signal(parent)
        return False

    class CountingBuffer(io.StringIO):
        """A stream's pending text: every path into a kernel stream ends with a write here."""

        def write(self, text):
            if isinstance(text, str):
                if not admit(len(text), None):
                    return len(text)      # dropped, as if written
                with lock:
                    state["stream_credit"] += len(text)
            return buffer_write(self, text)

    def rotate_buffers(self):
        with self._buffer_lock:
            pending, self._buffers = self._buffers, defaultdict(CountingBuffer)
        return pending

    def guarded_send(self, stream, msg_or_type, content=None, parent=None, *args, **kwargs):
        msg_type, shown, owner = describe(msg_or_type, content, parent)
        if msg_type == "stream" or msg_type in payload_types:
            size = size_of(msg_type, shown, dumps)
            if msg_type == "stream":   # counted in its buffer, unless it got there another way
                with lock:
                    counted_already = min(size, state["stream_credit"])
                    state["stream_credit"] -= counted_already
                size -= counted_already
            if state["tripped"] or not admit(size, owner):
                return None
        return send(self, stream, msg_or_type, content, parent, *args, **kwargs)

    def resend_before_each_cell(*_args, **_kwargs) -> None:
        if state["tripped"]:
            signal(None)

    guarded_send.__name__, guarded_send.__doc__ = "send", send.__doc__
    Session.send, OutStream._rotate_buffers = guarded_send, rotate_buffers
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, OutStream):
            for key, pending in rotate_buffers(stream).items():   # keep what was not sent yet
                buffer_write(stream._buffers[key], pending.getvalue())
    # IPython 9 keeps a copy of every printed text and display for its output history: none here,
    # or a notebook printing in a loop grows the kernel's memory whatever is sent
    shell.history_manager.outputs = _NoOutputHistory()
    shell.events.register("pre_run_cell", resend_before_each_cell)
    _forget_source(secret)


class _NoOutputHistory(dict):
    """An output history that keeps nothing (``history_manager.outputs``)."""

    def __contains__(self, key) -> bool:
        return False

    def __getitem__(self, key) -> list:
        return []


def _describe(msg_or_type, content, parent) -> tuple:
    """(type, content, parent header) of what ``Session.send`` was given."""
    if isinstance(msg_or_type, dict):
        return ((msg_or_type.get("header") or {}).get("msg_type"), msg_or_type.get("content") or {},
                msg_or_type.get("parent_header"))
    if isinstance(msg_or_type, str):
        return msg_or_type, content if isinstance(content, dict) else {}, parent
    return None, {}, parent


def _size(msg_type: str, content: dict, dumps) -> int:
    """Bytes of what a message shows: its text, data or traceback."""
    if msg_type == "stream":
        text = content.get("text", "")
        return len(text) if isinstance(text, str) else 0
    shown = content.get("traceback") if msg_type == "error" else content.get("data")
    try:
        return len(dumps(shown or ""))
    except (TypeError, ValueError):
        return len(repr(shown))


def _forget_source(secret: str) -> None:
    """Drop the bootstrap cell's code from linecache, where IPython keeps every cell's source."""
    import linecache

    for key, entry in list(linecache.cache.items()):
        lines = entry[2] if len(entry) > 2 and isinstance(entry[2], list) else []
        if secret and any(secret in line for line in lines):
            del linecache.cache[key]
