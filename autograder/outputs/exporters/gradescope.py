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

from autograder.outputs.exporters.base import (STATUS_TEXT, Exporter, fmt_points, is_pending,
                                       sorted_questions, write_csv)
from autograder.results import CheckResult, QuestionResult, StudentResult, load_results, write_json_atomic

KIT_ROOT = Path(__file__).resolve().parents[3]
ZIP_NAME = "gradescope_autograder.zip"
ZIP_CONTENT = ("pyproject.toml", "README.md", "autograder", "source", "release")
SKIPPED = ("__pycache__", ".ipynb_checkpoints")
TEXT = {
    "fr": {"question": "Question {n}", "checks": "{passed}/{total} vérifications réussies.",
           "pending": "{points} pt à corriger à la main.", "by_hand": "Corrigé à la main.",
           "status": "Correction : {status}.", "none": "Le correcteur n'a produit aucun résultat : "
           "prévenez votre enseignant·e."},
    "en": {"question": "Question {n}", "checks": "{passed}/{total} checks passed.",
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
rm -rf /tmp/out
python -m autograder grade /autograder/submission --out /tmp/out --quiet
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


def to_gradescope_results(result: StudentResult, lang: str | None = None) -> dict:
    """Gradescope's results.json for one graded submission."""
    lang = lang if lang in TEXT else (result.lang if result.lang in TEXT else "fr")
    tests = []
    for number, (qid, question) in enumerate(sorted_questions(result), start=1):
        tests.append(_summary_test(qid, number, question, lang))
        tests += [_check_test(qid, f"{number}.{k}", check, lang)
                  for k, check in enumerate(question.checks, start=1)]
    status = STATUS_TEXT[lang].get(result.status, result.status)
    return {
        "score": round(result.score, 4),
        "execution_time": int(round(result.elapsed_s)),
        "output": "\n".join([TEXT[lang]["status"].format(status=status), *result.messages]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student, "status": result.status},
    }


def _summary_test(qid: str, number: int, question: QuestionResult, lang: str) -> dict:
    graded = [c for c in question.checks if not is_pending(c)]
    passed = sum(1 for c in graded if c.passed)
    output = [TEXT[lang]["checks"].format(passed=passed, total=len(graded))]
    pending = sum(c.max_points for c in question.checks if is_pending(c))
    if pending:
        output.append(TEXT[lang]["pending"].format(points=fmt_points(pending)))
    test = {
        "name": TEXT[lang]["question"].format(n=number), "number": str(number),
        "score": question.score, "max_score": question.max_score,
        "output": " ".join(output), "tags": [qid, "summary"], "visibility": "visible",
    }
    if graded:
        test["status"] = "passed" if passed == len(graded) else "failed"
    return test


def _check_test(qid: str, number: str, check: CheckResult, lang: str) -> dict:
    test = {
        "name": f"{qid} · {check.id}", "number": number,
        "score": 0.0 if is_pending(check) else check.points, "max_score": check.max_points,
        "output": f"{TEXT[lang]['by_hand']} {check.message}".strip() if is_pending(check)
        else check.message,
        "tags": [qid, "manual" if is_pending(check) else "auto"], "visibility": "after_published",
    }
    if not is_pending(check):
        test["status"] = "passed" if check.passed else "failed"
    return test


def no_result(lang: str = "fr") -> dict:
    """What Gradescope shows when grading produced nothing (rather than a bare failure)."""
    return {"score": 0.0, "output": TEXT[lang]["none"], "visibility": "visible",
            "stdout_visibility": "hidden", "tests": []}


def build_autograder_zip(path: Path, *, kit_root: Path = KIT_ROOT) -> Path:
    """setup.sh, run_autograder (executable) and the kit's sources, at the root of the zip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, 0o755)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER, 0o755)
        for file in _kit_files(kit_root):
            _add_text(zf, file.relative_to(kit_root).as_posix(), file.read_bytes(), 0o644)
        if not (kit_root / "README.md").is_file():   # pyproject.toml names it: pip needs it
            _add_text(zf, "README.md", "Keras autograder kit\n", 0o644)
    return path


def _kit_files(kit_root: Path) -> list[Path]:
    files = []
    for name in ZIP_CONTENT:
        top = kit_root / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        files += [f for f in candidates if f.is_file() and not _skipped(f.relative_to(kit_root))]
    return files


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
        written = [build_autograder_zip(dest / ZIP_NAME)]
        for result in results:
            path = dest / "results" / f"{result.student}.json"
            write_json_atomic(path, to_gradescope_results(result, self.lang))
            written.append(path)
        summary = [["student", "score", "max_score", "status"]] + [
            [r.student, fmt_points(r.score), fmt_points(r.max_score), r.status] for r in results]
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
