"""Gradescope: results.json of one student, and the autograder zip that produces it.

results.json (gradescope-autograders.readthedocs.io/en/latest/specs/): top-level ``score``
(it overrides the sum of the tests), ``execution_time``, ``output``, ``visibility``,
``stdout_visibility``, ``tests[]`` of ``{score, max_score, name, number, output, tags,
visibility, status}``. What the student sees at once: one summary test per question (score,
checks passed, points still to grade by hand) and the execution notes. Each check is its own
test, shown ``after_published`` only; checks graded by hand score 0 until then.

Converter used by ``run_autograder`` inside Gradescope:

    python -m autograder.outputs.exporters.gradescope /tmp/out /autograder/results/results.json
"""
from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from autograder.assignments import KIT_ROOT, AssignmentSpec
from autograder.files import write_json_atomic
from autograder.outputs.assignment import spec_for_results
from autograder.outputs.exporters.base import Exporter, write_csv
from autograder.outputs.texts import format_points, ordered_questions, status_short
from autograder.results import CheckResult, QuestionResult, StudentResult, load_results

ZIP_NAME = "gradescope_autograder.zip"
KIT_CONTENT = ("pyproject.toml", "README.md", "autograder")
COURSE_IN_ZIP = "course"   # an assignment kept outside the kit ships as course/{assignments,source,release}/<name>
SKIPPED = ("__pycache__", ".ipynb_checkpoints")
TEXT = {
    "fr": {"question": "Question {n} – {title}", "checks": "{passed}/{total} vérifications réussies.",
           "pending": "{points} pt à corriger à la main.", "by_hand": "Corrigé à la main.",
           "status": "Correction : {status}.", "none": "Le correcteur n'a produit aucun résultat : "
           "prévenez votre enseignant·e."},
    "en": {"question": "Question {n} – {title}", "checks": "{passed}/{total} checks passed.",
           "pending": "{points} pt to be graded by hand.", "by_hand": "Graded by hand.",
           "status": "Grading: {status}.", "none": "The grader produced no result: "
           "tell your teacher."},
}
SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# The kit needs Python >= 3.10: choose an Ubuntu 22.04 (or newer) base image.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install -q --upgrade pip
/autograder/venv/bin/python -m pip install -q -e /autograder/source
"""
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (files in /autograder/submission).
set -uo pipefail
export PATH=/autograder/venv/bin:$PATH
cd /autograder/source
{course_env}rm -rf /tmp/out
python -m autograder grade /autograder/submission --out /tmp/out --quiet --assignment {assignment}
mkdir -p /autograder/results
python -m autograder.outputs.exporters.gradescope /tmp/out /autograder/results/results.json
"""
INSTRUCTIONS = """
Gradescope

Programming assignment > Configure autograder > upload gradescope_autograder.zip (base image
Ubuntu 22.04 or newer). results/<student>.json show what each student would get.
/ Devoir de programmation > Configurer l'autograder > déposer gradescope_autograder.zip.
results/<étudiant>.json montrent ce que chaque étudiant·e recevrait.
"""


def to_gradescope_results(result: StudentResult, lang: str | None = None,
                          spec: AssignmentSpec | None = None) -> dict:
    """Gradescope's results.json for one graded submission (``spec``: the result's assignment)."""
    lang = lang if lang in TEXT else (result.lang if result.lang in TEXT else "fr")
    spec = spec or spec_for_results([result], where=result.student)
    tests = []
    qids = ordered_questions(result.questions, spec.questions)
    for number, qid in enumerate(qids, start=1):
        question = result.questions[qid]
        title = spec.question_title(qid, lang) if qid in spec.questions else qid
        tests.append(_summary_test(qid, number, title, question, lang))
        tests += [_check_test(qid, f"{number}.{k}", check, lang)
                  for k, check in enumerate(question.checks, start=1)]
    return {
        "score": round(result.score, 4),
        "execution_time": int(round(result.elapsed_s)),
        "output": "\n".join([TEXT[lang]["status"].format(status=status_short(result.status, lang)),
                             *result.messages]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student, "status": result.status,
                       "assignment": spec.name},
    }


def _summary_test(qid: str, number: int, title: str, question: QuestionResult, lang: str) -> dict:
    graded = [c for c in question.checks if not c.pending]
    passed = sum(1 for c in graded if c.passed)
    output = [TEXT[lang]["checks"].format(passed=passed, total=len(graded))]
    pending = question.pending_points
    if pending:
        output.append(TEXT[lang]["pending"].format(points=format_points(pending, "en")))
    test = {
        "name": TEXT[lang]["question"].format(n=number, title=title), "number": str(number),
        "score": question.score, "max_score": question.max_score,
        "output": " ".join(output), "tags": [qid, "summary"], "visibility": "visible",
    }
    if graded:
        test["status"] = "passed" if passed == len(graded) else "failed"
    return test


def _check_test(qid: str, number: str, check: CheckResult, lang: str) -> dict:
    by_hand = check.pending or check.graded_by_hand
    output = f"{TEXT[lang]['by_hand']} {check.message}".strip() if by_hand else check.message
    if check.graded_by_hand and check.comment:
        output = f"{output}\n{check.comment}"
    test = {
        "name": f"{qid} · {check.id}", "number": number,
        "score": 0.0 if check.pending else check.points, "max_score": check.max_points,
        "output": output,
        "tags": [qid, "manual" if by_hand else "auto"], "visibility": "after_published",
    }
    if not check.pending:
        test["status"] = "passed" if check.passed else "failed"
    return test


def no_result(lang: str = "fr") -> dict:
    """What Gradescope shows when grading produced nothing (rather than a bare failure)."""
    return {"score": 0.0, "output": TEXT[lang]["none"], "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def build_autograder_zip(path: Path, spec: AssignmentSpec, *, kit_root: Path = KIT_ROOT) -> Path:
    """setup.sh, run_autograder (executable), the kit's sources and the assignment's plugin,
    source and release, at the root of the zip (under ``course/`` for a course kept outside
    the kit, which run_autograder then names in AUTOGRADER_COURSE_ROOT)."""
    kit_root = Path(kit_root)
    plugin_dir = Path(spec.package_dir).resolve() if spec.package_dir else None
    in_kit = plugin_dir is None or plugin_dir.parent == (kit_root / "autograder" / "assignments").resolve()
    prefix = "" if in_kit else f"{COURSE_IN_ZIP}/"
    trees = [(kit_root / name, name) for name in KIT_CONTENT]
    trees += [(spec.source_dir(), f"{prefix}source/{spec.name}"),
              (spec.release_dir(), f"{prefix}release/{spec.name}")]
    if not in_kit:
        trees.append((plugin_dir, f"{prefix}assignments/{spec.name}"))
    course_env = "" if in_kit else f"export AUTOGRADER_COURSE_ROOT=/autograder/source/{COURSE_IN_ZIP}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, 0o755)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER.format(course_env=course_env, assignment=spec.name),
                  0o755)
        for top, name in trees:
            for file in _tree_files(top):
                relative = file.relative_to(top).as_posix() if top.is_dir() else ""
                _add_text(zf, f"{name}/{relative}".rstrip("/"), file.read_bytes(), 0o644)
        if not (kit_root / "README.md").is_file():   # pyproject.toml names it: pip needs it
            _add_text(zf, "README.md", "Keras autograder kit\n", 0o644)
    return path


def _tree_files(top: Path) -> list[Path]:
    """``top`` itself when it is a file, else its files (caches and hidden files skipped)."""
    if top.is_file():
        return [top]
    if not top.is_dir():
        return []
    return [f for f in sorted(top.rglob("*")) if f.is_file() and not _skipped(f.relative_to(top))]


def _skipped(relative: Path) -> bool:
    return relative.suffix == ".pyc" or any(
        part in SKIPPED or part.startswith(".") for part in relative.parts)


def _add_text(zf: zipfile.ZipFile, name: str, data: str | bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3                       # Unix: the permission bits below are honoured
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


class GradescopeExporter(Exporter):
    name = "gradescope"

    def export(self, results: list[StudentResult], *, out_dir: Path, dest: Path) -> list[Path]:
        written = [build_autograder_zip(dest / ZIP_NAME, self.spec)]
        for result in results:
            path = dest / "results" / f"{result.student}.json"
            write_json_atomic(path, to_gradescope_results(result, self.lang, self.spec))
            written.append(path)
        summary = [["student", "score", "max_score", "status"]] + [
            [r.student, format_points(r.score, "en"), format_points(r.max_score, "en"), r.status]
            for r in results]
        written.append(write_csv(dest / "scores.csv", summary))
        return written + [self.write_readme(dest, INSTRUCTIONS)]


def convert(out_dir: Path, results_json: Path, lang: str | None = None) -> dict:
    """The results.json of the (single) submission graded into ``out_dir``."""
    results = load_results(out_dir) if (Path(out_dir) / "results").is_dir() else []
    data = to_gradescope_results(results[0], lang) if results else no_result(lang or "fr")
    write_json_atomic(Path(results_json), data)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.outputs.exporters.gradescope",
                                     description="grade output folder -> Gradescope results.json")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("results_json", type=Path)
    parser.add_argument("--lang", choices=sorted(TEXT), default=None)
    args = parser.parse_args(argv)
    convert(args.out_dir, args.results_json, args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
