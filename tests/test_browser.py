"""The pages people read, opened in a real browser (headless Chromium, tests/browser.py).

A page fails on a console error (script error, failed load), a broken image, or, for the
feedback page that students open on their phone, a page wider than a 390 px screen. The class
report must not overflow a phone either outside its tables (which scroll inside their box).
Screenshots of every page opened are kept in tests/artifacts/ (or AUTOGRADER_TEST_ARTIFACTS).

Chromium is the system package (``.ci/run`` installs it): without it these tests are skipped,
except as root (as in CI), where they fail.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.outputs.feedback import write_feedback
from autograder.outputs.report import write_report
from autograder.results import save_result
from browser import DESKTOP, PHONE, Browser, artifacts_dir, chromium_path
from feedback_factory import make_result, synthetic_class

KIT_ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow   # a browser start and a few pages: seconds per test


@pytest.fixture(scope="module")
def browser(request):
    if not chromium_path():
        message = "no Chromium (apt-get install chromium, or CHROMIUM=/path)"
        if os.geteuid() == 0:
            pytest.fail(message + ": as root (CI) the browser tests must run")
        pytest.skip(message)
    with Browser() as chromium:
        yield chromium
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nbrowser screenshots: {artifacts_dir()}")


def shot(name: str) -> Path:
    return artifacts_dir() / f"{name}.png"


@pytest.fixture(scope="module")
def synthetic_out(tmp_path_factory) -> Path:
    """Feedback pages (fr and en) and report of the synthetic class, plus a student whose
    messages are long unbroken words (paths, identifiers): what breaks a phone layout."""
    out = tmp_path_factory.mktemp("browser-class")
    long_word = "X_train_" + "tres_long_identifiant_" * 6 + "/home/etudiant/" + "dossier/" * 8
    results = synthetic_class() + [make_result(
        "long.words", failed={"q2_output_layer", "q5_validation_split"},
        messages_override={"q2_output_layer": long_word}, messages=[long_word])]
    for result in results:
        save_result(result, out)
        write_feedback(result, out, lang="fr")
        write_feedback(result, out / "en", lang="en")
    (out / "results").mkdir(exist_ok=True)
    write_report(out_dir=out)
    shutil.copytree(out / "results", out / "en" / "results")
    write_report(out_dir=out / "en", lang="en")
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.html"))


def test_feedback_pages_fit_a_phone(browser, synthetic_out):
    seen_any = False
    for lang, folder in (("fr", synthetic_out / "feedback"), ("en", synthetic_out / "en" / "feedback")):
        for page in _pages(folder):
            seen = browser.open(page, width=PHONE[0], height=PHONE[1],
                                screenshot=shot(f"feedback-{lang}-{page.stem}-phone"))
            assert seen.problems() == [], f"{page.name} ({lang}): {seen.problems()}"
            seen_any = True
    assert seen_any


def test_feedback_page_on_a_desktop(browser, synthetic_out):
    page = synthetic_out / "feedback" / "long.words.html"
    seen = browser.open(page, width=DESKTOP[0], height=DESKTOP[1], screenshot=shot("feedback-fr-desktop"))
    assert seen.problems() == [] and seen.title


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_has_no_error_nor_broken_image(browser, synthetic_out, lang):
    report = (synthetic_out if lang == "fr" else synthetic_out / "en") / "report" / "index.html"
    desktop = browser.open(report, width=DESKTOP[0], height=DESKTOP[1], screenshot=shot(f"report-{lang}-desktop"))
    assert desktop.problems() == [], desktop.problems()
    phone = browser.open(report, width=PHONE[0], height=PHONE[1], screenshot=shot(f"report-{lang}-phone"))
    assert phone.problems() == [], phone.problems()


def test_the_checker_sees_what_it_must(browser, tmp_path):
    """The checks themselves: a page with each defect is caught."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html><head><meta name='viewport' content='width=device-width'></head>"
                    "<body><img src='missing.png' alt=''><div style='width:700px'>wide</div>"
                    "<script>console.error('boom'); undefinedFunction();</script></body></html>",
                    encoding="utf-8")
    seen = browser.open(page, width=PHONE[0], height=PHONE[1])
    problems = " | ".join(seen.problems())
    assert "console: boom" in problems and "undefinedFunction" in problems
    assert "broken image: missing.png" in problems and "px wide on a 390px screen" in problems
    page.write_text("<!doctype html><html><body><p>no viewport meta</p></body></html>", encoding="utf-8")
    assert browser.open(page, width=PHONE[0], height=PHONE[1]).overflows   # a phone would zoom out


# ----------------------------------------------------------------------------- a real graded class
def _has_command(name: str) -> bool:
    proc = subprocess.run([sys.executable, "-m", "autograder", name, "--help"], capture_output=True, cwd=KIT_ROOT)
    return proc.returncode == 0


def test_pages_of_a_graded_class(browser, graded_corpus, tmp_path):
    """The corpus graded by `grade` (real messages and plots): every feedback page on a phone,
    the report on a desktop and a phone, and the answers pages when the kit writes them."""
    out = tmp_path / "out"
    shutil.copytree(graded_corpus("fast"), out)   # the shared run is read only
    subprocess.run([sys.executable, "-m", "autograder", "report", str(out)], check=True, cwd=KIT_ROOT,
                   capture_output=True)
    pages = _pages(out / "feedback")
    assert pages
    for number, page in enumerate(pages):   # every page is checked; screenshots of a few (they are slow)
        picture = shot(f"graded-feedback-{page.stem}") if number < 3 else None
        seen = browser.open(page, width=PHONE[0], height=PHONE[1], screenshot=picture)
        assert seen.problems() == [], f"{page.name}: {seen.problems()}"
    report = out / "report" / "index.html"
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        seen = browser.open(report, width=width, height=height, screenshot=shot(f"graded-report-{label}"))
        assert seen.problems() == [], f"report ({label}): {seen.problems()}"
    if _has_command("answers"):   # the answers pages of manual grading (python -m autograder answers DIR)
        before = set(out.rglob("*.html"))
        proc = subprocess.run([sys.executable, "-m", "autograder", "answers", str(out)], capture_output=True,
                              text=True, cwd=KIT_ROOT)
        assert proc.returncode == 0, proc.stderr
        answers = sorted(set(out.rglob("*.html")) - before)   # the pages it wrote, wherever they are
        assert answers, f"`answers` wrote no page under {out}: {proc.stdout}"
        for page in answers:
            seen = browser.open(page, width=DESKTOP[0], height=DESKTOP[1], screenshot=shot(f"graded-answers-{page.stem}"))
            assert seen.problems() == [], f"{page.name}: {seen.problems()}"
