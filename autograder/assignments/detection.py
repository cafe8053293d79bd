"""Which assignment a submission is: read from the submission, or given by ``--assignment``.

Per submission, the first of these that names a known assignment decides:

1. ``metadata``: the notebook's ``metadata.autograder.assignment`` (written in the source
   notebook, kept by the release, so every student's copy carries it);
2. ``nbgrader``: the nbgrader course tree path ``submitted/<student>/<assignment>/``;
3. ``lms``: the LMS's title of the assignment: a Moodle download's archive or folder name
   (``COURSE-<assignment name>-ID.zip``), a Gradescope ``submission_metadata.json`` title,
   when it contains an assignment's name;
4. ``file name``: the notebook's file name, when it contains an assignment's name
   (``<name>.ipynb``, ``Dupont - <name with dashes>.ipynb``).

For a batch (``choose_assignment``): ``--assignment NAME`` wins, and a submission detected as
another assignment gets a visible note (``mismatch_note``); otherwise the submissions must agree
on one assignment (those that say nothing are graded as it). A batch mixing assignments is
refused with a message saying how to split it; so is a batch where nothing names one.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import METADATA_KEY, UnknownAssignment, available_assignments, load_assignment

PARSE_LIMIT_BYTES = 20 * 2**20     # larger notebooks: only their tail is read for the metadata
TAIL_BYTES = 2**20
_TAIL_METADATA = re.compile(rf'"{METADATA_KEY}"\s*:\s*{{\s*"assignment"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"')
SOURCES = ("metadata", "nbgrader", "lms", "file name")
OPTION = "--assignment"


@dataclass(frozen=True)
class Detection:
    """The assignment a submission says it is (None: it does not say) and what said it."""

    assignment: str | None = None
    source: str = ""     # one of SOURCES, "" when nothing said


class AssignmentChoiceError(ValueError):
    """The batch does not determine one assignment (the message says what to do)."""


# ----------------------------------------------------------------------------- one submission
def notebook_assignment(path: Path | None) -> str | None:
    """``metadata.autograder.assignment`` of a notebook file; None if absent or unreadable.

    A large notebook is not parsed whole here (grading will): its metadata is looked for in its
    last MB, where Jupyter writes it (after the cells)."""
    try:
        if path is None:
            return None
        size = Path(path).stat().st_size
        if size > PARSE_LIMIT_BYTES:
            with open(path, "rb") as fh:
                fh.seek(max(0, size - TAIL_BYTES))
                match = _TAIL_METADATA.search(fh.read().decode("utf-8", errors="replace"))
            return match.group(1) if match else None
        raw = Path(path).read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        meta = json.loads(text).get("metadata", {}).get(METADATA_KEY, {})
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    name = meta.get("assignment") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


def name_in_text(text: str | None, known: list[str]) -> str | None:
    """The known assignment whose name appears in ``text`` as a whole word (case, accents,
    spaces and dashes aside): the longest one; None when none or two of equal length do."""
    if not text:
        return None
    words = _words(text)
    found = [name for name in known if re.search(rf"(?<![a-z0-9]){re.escape(_words(name))}(?![a-z0-9])", words)]
    if not found:
        return None
    found.sort(key=len, reverse=True)
    if len(found) > 1 and len(found[0]) == len(found[1]):
        return None
    return found[0]


def detect_assignment(sub, known: list[str] | None = None) -> Detection:
    """What ``sub`` (a collect.Submission) says it is, by the first source that names a known
    assignment (see the module docstring)."""
    known = available_assignments() if known is None else known
    from_metadata = notebook_assignment(sub.notebook)
    candidates = [
        ("metadata", from_metadata if from_metadata in known else None),
        ("nbgrader", sub.folder_assignment if sub.folder_assignment in known else None),
        ("lms", name_in_text(sub.lms_title, known)),
        ("file name", name_in_text(sub.notebook.stem if sub.notebook else None, known)),
    ]
    for source, name in candidates:
        if name:
            return Detection(name, source)
    return Detection()


# ----------------------------------------------------------------------------- a batch
def choose_assignment(submissions: list, override: str | None = None,
                      known: list[str] | None = None) -> tuple[str, dict[str, Detection]]:
    """The one assignment the batch grades, and what each submission said (by student id).

    UnknownAssignment for an unknown ``override``; AssignmentChoiceError when the submissions
    name several assignments or none (and no override)."""
    known = available_assignments() if known is None else known
    if override is not None and override not in known:
        raise UnknownAssignment(f"unknown assignment {override!r} given to {OPTION} (known: {_list(known)})")
    detections = {sub.student: detect_assignment(sub, known) for sub in submissions}
    if override is not None:
        return override, detections
    groups: dict[str, list[str]] = {}
    for student, detection in detections.items():
        if detection.assignment:
            groups.setdefault(detection.assignment, []).append(student)
    if len(groups) == 1:
        return next(iter(groups)), detections
    if not groups:
        raise AssignmentChoiceError(
            f"cannot tell which assignment to grade: no submission names one (notebook metadata "
            f"{METADATA_KEY}.assignment, nbgrader folder submitted/<student>/<assignment>/, LMS title "
            f"or notebook file name); give {OPTION} NAME (known: {_list(known)})")
    raise AssignmentChoiceError(mixed_message(groups, detections))


def mixed_message(groups: dict[str, list[str]], detections: dict[str, Detection]) -> str:
    """Why a batch mixing assignments is refused, and the commands that split it."""
    lines = ["this batch mixes assignments; grade each one into its own output directory:"]
    for name, students in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        sources = Counter(detections[s].source for s in students)
        said = ", ".join(f"{source}: {count}" for source, count in sources.most_common())
        shown = ", ".join(students[:5]) + (f", ... ({len(students) - 5} more)" if len(students) > 5 else "")
        lines.append(f"  {name}: {len(students)} submission(s) ({said}): {shown}")
    lines += [
        "split it by putting each assignment's notebooks in a folder of its own and running, per folder,",
        "  python -m autograder grade FOLDER --out OUT/<assignment>",
        "or (an nbgrader course tree, or students who handed in the wrong notebook) choose one with",
        f"  python -m autograder grade PATH... {OPTION} NAME --out OUT/NAME",
        f"({OPTION} grades every submission as NAME; the others get a note saying what they looked like)",
    ]
    return "\n".join(lines)


MISMATCH_NOTE = {
    "fr": "Ce carnet semble être celui d'un autre devoir ({detected}, d'après {source}) : il a été corrigé comme {graded}.",
    "en": "This notebook looks like another assignment's ({detected}, from its {source}): it was graded as {graded}.",
}
SOURCE_WORDS = {
    "fr": {"metadata": "ses métadonnées", "nbgrader": "son dossier nbgrader", "lms": "le titre du devoir sur la plateforme",
           "file name": "son nom de fichier"},
    "en": {"metadata": "metadata", "nbgrader": "nbgrader folder", "lms": "LMS assignment title",
           "file name": "file name"},
}


def mismatch_note(detection: Detection | None, graded_as: str, lang: str) -> str | None:
    """The note of a submission graded as ``graded_as`` while it said it was another one."""
    if detection is None or not detection.assignment or detection.assignment == graded_as:
        return None
    lang = lang if lang in MISMATCH_NOTE else "fr"
    source = SOURCE_WORDS[lang].get(detection.source, detection.source)
    return MISMATCH_NOTE[lang].format(detected=_titled(detection.assignment, lang), source=source,
                                      graded=_titled(graded_as, lang))


def _titled(name: str, lang: str) -> str:
    """« title » (name), or the name alone when its description cannot be loaded."""
    try:
        return f"« {load_assignment(name).title_in(lang)} » ({name})"
    except Exception:
        return name


def _words(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text)


def _list(names: list[str]) -> str:
    return ", ".join(names) or "none"
