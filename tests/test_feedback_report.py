"""Feedback pages, grades.csv and the class report, on synthetic results (no TensorFlow)."""
from __future__ import annotations

import csv
import html as htmllib
import re

import pytest

from autograder.outputs.feedback import render_feedback, write_feedback
from autograder.outputs.grades_table import write_grades_csv
from autograder.outputs.report import common_mistakes, pending_manual_checks, write_report
from autograder.results import STATUSES, save_result
from feedback_factory import MANUAL_CHECKS, make_result, synthetic_class

PNG = '<img src="data:image/png;base64,'


def _text(html: str) -> str:
    """Visible text: style and tags stripped, entities decoded, all spaces normalized."""
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", re.sub(r"<code>(.*?)</code>", r"`\1`", html, flags=re.S), flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(body).replace("\u00a0", " "))


def _class_dir(tmp_path, results):
    for result in results:
        save_result(result, tmp_path)
    (tmp_path / "results").mkdir(exist_ok=True)
    return tmp_path


# ---------------------------------------------------------------- feedback

def test_feedback_shows_score_title_and_failed_message():
    result = make_result("bruno.petit", failed={"q2_output_layer"}, manual_passed=True)
    html = render_feedback(result)
    text = _text(html)
    assert "TD : Keras & perceptron multi-couches" in text
    assert "bruno.petit" in text
    assert "Note : 19 / 20" in text
    assert "utilisez &#39;softmax&#39;" in html  # the failed check's message, escaped
    assert "2 / 3" in text                        # Q2 score
    assert html.count('class="failed"') == 1
    assert "à revoir" in text and "✗" in html


def test_feedback_escapes_html_from_messages_and_notes():
    evil = "<script>alert('x')</script> y_train[0] < 1 & 'ok'"
    result = make_result("eve", failed={"q3_architectures"},
                         messages_override={"q3_architectures": evil},
                         messages=["la cellule 12 a levé NameError: name '<b>X</b>'"])
    html = render_feedback(result)
    assert "<script>" not in html and "<b>X</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; y_train[0] &lt; 1 &amp; &#39;ok&#39;" in html
    assert "&lt;b&gt;X&lt;/b&gt;" in html


def test_feedback_marks_manual_checks_pending():
    html = render_feedback(make_result("chloe"))
    text = _text(html)
    assert html.count('<li class="pending">') == len(MANUAL_CHECKS)
    assert text.count("à corriger à la main") >= len(MANUAL_CHECKS)
    assert "4 points restent à corriger à la main" in text
    graded = render_feedback(make_result("chloe", manual_passed=True))
    assert 'class="pending"' not in graded and "provisoire" not in graded


def test_feedback_shows_check_id_only_as_small_meta():
    html = render_feedback(make_result("dan", failed={"q6_l1_every_layer"}))
    for match in re.finditer(r"q6_l1_every_layer", html):
        assert html[:match.start()].endswith('<span class="check-id">')


def test_empty_message_falls_back_to_a_sentence():
    result = make_result("ana", failed={"q7_no_l1"}, messages_override={"q7_no_l1": ""})
    assert "Cette vérification a échoué." in _text(render_feedback(result))


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "graded"])
def test_feedback_explains_every_non_graded_status(status):
    result = make_result("zoe", status=status, questions=() if status == "crashed" else None,
                         messages=["détail technique"])
    text = _text(render_feedback(result))
    assert "Ce qui s'est passé" in text and "Que faire ?" in text
    assert "détail technique" in text


def test_status_explanations_differ():
    explanations = {
        s: _text(render_feedback(make_result("zoe", status=s))).split("Que faire ?")[1][:80]
        for s in STATUSES if s != "graded"
    }
    assert len(set(explanations.values())) == len(explanations)
    assert "Ce qui s'est passé" not in _text(render_feedback(make_result("zoe")))


def test_invalid_notebook_without_questions():
    result = make_result("gaelle", status="invalid-notebook", questions=())
    text = _text(render_feedback(result))
    assert "Notebook illisible" in text and "Aucune question" in text and "Note : 0 / 20" in text


def test_feedback_in_english():
    result = make_result("bob", failed={"q5_validation_split"}, status="timeout")
    html = render_feedback(result, lang="en")
    text = _text(html)
    assert '<html lang="en">' in html
    for label in ("Score: 15 / 20", "Question 5", "to be graded by hand", "passed", "to fix",
                  "Time limit reached", "What can you do?"):
        assert label in text, label
    for french in ("à corriger à la main", "Que faire", "réussi", "Note :"):
        assert french not in text, french


def test_feedback_rejects_unknown_language():
    with pytest.raises(ValueError, match="lang='de'"):
        render_feedback(make_result("bob"), lang="de")


def test_write_feedback_is_atomic_and_named_after_the_student(tmp_path):
    path = write_feedback(make_result("alice.martin"), tmp_path, lang="fr")
    assert path == tmp_path / "feedback" / "alice.martin.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["alice.martin.html"]  # no temp file left


# ---------------------------------------------------------------- grades.csv

def test_grades_csv_columns_rows_and_numbers(tmp_path):
    results = synthetic_class()[::-1]  # order must not matter
    path = write_grades_csv(results, tmp_path)
    assert path == tmp_path / "grades.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "student", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "total", "max", "status"]
    assert [r[0] for r in rows[1:]] == sorted(r.student for r in results)
    by_student = {r[0]: r for r in rows[1:]}
    assert by_student["bruno.petit"] == [
        "bruno.petit", "1", "2", "3", "3", "1", "2", "2", "14", "20", "graded"]
    assert by_student["gaelle.roux"][1:] == ["0"] * 8 + ["20", "invalid-notebook"]
    for row in rows[1:]:
        assert sum(float(x) for x in row[1:8]) == pytest.approx(float(row[8]))


def test_grades_csv_rounds_to_two_decimals(tmp_path):
    result = make_result("x")
    result.questions["q1"].score, result.score = 1.3333333, 13.3333333
    row = (write_grades_csv([result], tmp_path).read_text().splitlines())[1].split(",")
    assert row[1] == "1.33" and row[8] == "13.33"


# ---------------------------------------------------------------- report

def test_report_renders_plots_and_tables(tmp_path):
    path = write_report(out_dir=_class_dir(tmp_path, synthetic_class()))
    assert path == tmp_path / "report" / "index.html"
    html = path.read_text(encoding="utf-8")
    text = _text(html)
    assert html.count(PNG) == 3  # histogram, per question, per check
    assert "Effectif 8" in text and "Corrigés normalement 5" in text
    assert "Moyenne 10 / 20" in text and "Médiane 11 / 20" in text
    for student, status in (("farid.benali", "timeout"), ("gaelle.roux", "invalid-notebook"),
                            ("hugo.lambert", "crashed")):
        assert f'data-student="{student}" data-status="{status}"' in html
    assert 'data-student="alice.martin"' not in html


def test_common_mistakes_are_counted_by_check(tmp_path):
    results = synthetic_class()
    mistakes = {m.check_id: m for m in common_mistakes(results)}
    assert mistakes["q5_validation_split"].count == 4
    assert mistakes["q2_output_layer"].count == 3
    assert mistakes["q2_output_layer"].students == ["bruno.petit", "chloe.durand", "emma.moreau"]
    assert "validation_split=0.2" in mistakes["q5_validation_split"].example
    assert common_mistakes(results)[0].check_id == "q5_validation_split"  # most frequent first
    html = write_report(out_dir=_class_dir(tmp_path, results)).read_text(encoding="utf-8")
    row = re.search(r'<tr class="mistake" data-check="q2_output_layer">(.*?)</tr>', html, re.S)
    assert '<td class="count">3</td>' in row.group(1)
    assert "utilisez &#39;softmax&#39;" in row.group(1)


def test_pending_manual_checks_are_listed():
    pending = {p.check_id: p for p in pending_manual_checks(synthetic_class())}
    assert set(pending) == MANUAL_CHECKS
    assert pending["q3_comparison"].students == [
        "bruno.petit", "chloe.durand", "emma.moreau", "farid.benali"]


def test_report_of_an_empty_class(tmp_path):
    html = write_report(out_dir=_class_dir(tmp_path, [])).read_text(encoding="utf-8")
    assert PNG not in html
    assert "Aucun résultat" in _text(html)


def test_report_of_an_all_crashed_class(tmp_path):
    results = [make_result(f"s{i}", status="crashed", questions=()) for i in range(3)]
    html = write_report(out_dir=_class_dir(tmp_path, results)).read_text(encoding="utf-8")
    assert html.count(PNG) == 1  # only the histogram has data
    assert html.count('data-status="crashed"') == 3
    assert "Aucune vérification échouée" in _text(html)


def test_report_of_a_single_student_in_english(tmp_path):
    results = [make_result("solo", failed={"q7_dropout_rate"})]
    html = write_report(out_dir=_class_dir(tmp_path, results), lang="en").read_text("utf-8")
    text = _text(html)
    assert html.count(PNG) == 3
    assert "Class size 1" in text and "Mean 15 / 20" in text
    assert "Every grading ended normally." in text
    assert "Dropout(0.9)" in text
