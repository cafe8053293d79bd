"""Manual points without nbgrader: the answers pages, the CSV to fill, merge, and what it rewrites.

Hand-made results (tests/result_factory.py: td_keras_mlp's shape, manual checks q1/q3/q4/q5
pending) and executed notebooks shaped as the grader writes them (markdown cells keep their
nbgrader grade_id); no kernel.
"""
from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import load_assignment
from autograder.cli import main
from autograder.execution.kernel_run import _student_view, build_run_notebook, student_code_cells
from autograder.outputs.answers import GRADES_CSV, ReleaseLayout, find_answers, write_answers
from autograder.outputs.exporters import export
from autograder.outputs.exporters.gradescope import to_gradescope_results
from autograder.outputs.manual import ManualGradesError, merge_manual_grades
from autograder.outputs.report import question_pass_rates, render_report, write_report
from autograder.results import load_results

try:
    from result_factory import make_result, write_results
except ImportError:  # tests/ turned into a package
    from tests.result_factory import make_result, write_results

SPEC = load_assignment("td_keras_mlp")
RELEASE_NB = SPEC.release_dir() / SPEC.notebook_name
MANUAL_IDS = ["q1_answer", "q3_answer", "q4_answer", "q5_answer"]
ELODIE = {"moodle_participant_id": "12345", "full_name": "Élodie Martin", "source": "moodle"}
BRUNO = {"moodle_participant_id": "12346", "full_name": "Bruno Petit", "source": "moodle"}


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def answer_cell(grade_id: str | None, text: str, kind: str = "markdown"):
    meta = {"nbgrader": {"grade_id": grade_id, "solution": True, "grade": True, "points": 1}} if grade_id else {}
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_raw_cell
    return make(text, metadata=meta)


def executed_with_ids(answers: dict[str, str]):
    """An executed notebook as the grader writes it: code cells, then the answer cells with ids."""
    cells = [nbformat.v4.new_markdown_cell("# TD"), nbformat.v4.new_code_cell("x = 1")]
    cells += [answer_cell(cid, text) for cid, text in answers.items()]
    return nbformat.v4.new_notebook(cells=cells)


def release_without_ids(answers: dict[str, str]):
    """The release notebook answered, every cell's metadata lost (a notebook rebuilt by hand)."""
    nb = nbformat.read(str(RELEASE_NB), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        cell.metadata = {}
    return nb


@pytest.fixture
def graded_dir(tmp_path: Path) -> Path:
    """Four students: ids kept (with HTML in an answer), ids lost, placeholders left, no notebook."""
    out = tmp_path / "out"
    results = [make_result("moodle_12345", identity=ELODIE), make_result("moodle_12346", ratio=0.5, identity=BRUNO),
               make_result("chloe"), make_result("dan", status="invalid-notebook")]
    write_results(out, results)
    executed = out / "executed"
    executed.mkdir()
    nbformat.write(executed_with_ids({
        "q1_answer": "MNIST : 784 pixels, <script>alert('x')</script> classification.",
        "q3_answer": "Une couche cachée aide.", "q4_answer": "134 794 paramètres.",
        "q5_answer": "Les courbes de validation montrent un sur-apprentissage."}),
        str(executed / "moodle_12345.ipynb"))
    nbformat.write(release_without_ids({"q1_answer": "Bruno : régression pour Boston.",
                                        "q3_answer": "Bruno sur la profondeur.",
                                        "q4_answer": "Bruno : profond contre large."}),
                   str(executed / "moodle_12346.ipynb"))
    nbformat.write(executed_with_ids({cid: "VOTRE RÉPONSE ICI" for cid in MANUAL_IDS}), str(executed / "chloe.ipynb"))
    return out


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict], columns=("student", "name", "check", "max", "points", "comment")):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def fill(path: Path, grades: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Fill the CSV ``answers`` wrote: (student, check) -> (points, comment)."""
    rows = read_rows(path)
    for row in rows:
        if (row["student"], row["check"]) in grades:
            row["points"], row["comment"] = grades[(row["student"], row["check"])]
    write_rows(path, rows)


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
            and p.name != GRADES_CSV}


# ---------------------------------------------------------------- executed notebooks keep the answers

def test_executed_notebook_keeps_text_cells_and_their_grade_ids():
    nb = nbformat.read(str(RELEASE_NB), as_version=4)
    run_nb = build_run_notebook(student_code_cells(nb), ["X_train"], True)
    for cell in run_nb.cells:     # as if it ran
        if cell.metadata.get("role") == "student":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {cell.metadata['index']}\n")]
    view = _student_view(run_nb, nb)
    kinds = [c.cell_type for c in view.cells]
    assert kinds.count("markdown") == sum(c.cell_type == "markdown" for c in nb.cells)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_tests")]
    assert kinds.count("code") == sum(c.cell_type == "code" for c in nb.cells) - len(tests)
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in view.cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "markdown"}
    assert sorted(answers) == MANUAL_IDS
    assert set(answers["q1_answer"].metadata["nbgrader"]) <= {"grade_id", "solution", "grade", "points"}
    assert all(c.outputs[0]["text"].startswith("ran ") for c in view.cells if c.cell_type == "code")
    # the notebook order is kept: the q1 answer comes after q1's statement and before q2's
    sources = [c.source for c in view.cells]
    assert sources.index(answers["q1_answer"].source) > next(k for k, s in enumerate(sources) if s.startswith("## 1."))
    nbformat.validate(view)


# ---------------------------------------------------------------- finding the answers

def test_answers_found_by_id_then_by_place_and_placeholders_are_no_answer():
    layout = ReleaseLayout.of(nbformat.read(str(RELEASE_NB), as_version=4))
    by_id = find_answers(executed_with_ids({"q1_answer": "A", "q3_answer": "VOTRE RÉPONSE ICI"}), MANUAL_IDS, layout)
    assert (by_id["q1_answer"].text, by_id["q1_answer"].found) == ("A", "metadata")
    assert not by_id["q3_answer"].answered and by_id["q3_answer"].found == "metadata"
    assert by_id["q4_answer"].found == "missing"
    lost = find_answers(release_without_ids({"q1_answer": "one", "q3_answer": "three", "q4_answer": "four"}),
                        MANUAL_IDS, layout)
    # q3 and q4 share one statement: mapped in order; q5's placeholder left: no answer
    assert {cid: (a.text, a.found) for cid, a in lost.items() if a.answered} == {
        "q1_answer": ("one", "position"), "q3_answer": ("three", "position"), "q4_answer": ("four", "position")}
    assert not lost["q5_answer"].answered
    # the answer cell left as released, the answer written in a cell added under it
    nb = executed_with_ids({"q1_answer": "VOTRE RÉPONSE ICI"})
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("written below"))
    assert (lambda a: (a.text, a.found))(find_answers(nb, MANUAL_IDS, layout)["q1_answer"]) == ("written below", "below")
    # an extra note under a statement shared by two answers: ambiguous, every text shown
    nb = release_without_ids({"q3_answer": "three", "q4_answer": "four"})
    nb.cells.insert(next(k for k, c in enumerate(nb.cells) if c.source == "three"), nbformat.v4.new_markdown_cell("note"))
    both = find_answers(nb, MANUAL_IDS, layout)
    assert both["q3_answer"].found == both["q4_answer"].found == "ambiguous"
    assert "note" in both["q4_answer"].text and "four" in both["q4_answer"].text


# ---------------------------------------------------------------- answers pages and CSV

def test_answers_pages_show_every_answer_beside_the_rubric(graded_dir):
    written = write_answers(out_dir=graded_dir)
    folder = graded_dir / "answers"
    assert [p.name for p in written] == ["index.html", *(f"{c}.html" for c in MANUAL_IDS), GRADES_CSV]
    q1 = plain((folder / "q1_answer.html").read_text(encoding="utf-8"))
    assert "<script>alert" not in q1 and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in q1
    assert "Réponse attendue : prepare_mnist aplatit" in q1           # the rubric of the SPEC
    assert "Barème (1 pt)" in q1 and "Question 1" in q1 and 'lang="fr"' in q1
    assert "Bruno : régression pour Boston." in q1 and "trouvée par sa place" in q1
    assert re.search(r'data-student="chloe" data-state="no-answer"', q1)
    assert re.search(r'data-student="dan" data-state="no-notebook"', q1) and "pas de carnet exécuté" in q1
    assert "Élodie Martin" in q1 and "<link" not in q1 and "<script" not in q1   # self-contained, escaped
    q4 = plain((folder / "q4_answer.html").read_text(encoding="utf-8"))
    assert "134 794 paramètres." in q4 and "Bruno : profond contre large." in q4
    assert "Bruno sur la profondeur." not in q4                  # q3's answer stays on q3's page
    index = plain((folder / "index.html").read_text(encoding="utf-8"))
    for cid in MANUAL_IDS:
        assert f'href="{cid}.html"' in index
    assert re.search(r'data-check="q1_answer">.*?2 / 4.*?0 / 4', index, re.S)   # answered, graded
    assert "python -m autograder merge" in index


def test_answers_pages_in_english(graded_dir):
    write_answers(out_dir=graded_dir, lang="en")
    page = (graded_dir / "answers" / "q5_answer.html").read_text(encoding="utf-8")
    assert 'lang="en"' in page and "Expected answer: the val_accuracy curves" in page
    assert "no executed notebook" in page and "Rubric" in page


def test_csv_is_prefilled_one_row_per_student_and_manual_check(graded_dir):
    write_answers(out_dir=graded_dir)
    raw = (graded_dir / GRADES_CSV).read_bytes()
    assert raw.startswith("\ufeff".encode())                       # spreadsheets read the accents
    rows = read_rows(graded_dir / GRADES_CSV)
    assert list(rows[0]) == ["student", "name", "check", "max", "points", "comment"]
    assert [(r["student"], r["check"]) for r in rows] == [
        (s, c) for s in ("chloe", "dan", "moodle_12345", "moodle_12346") for c in MANUAL_IDS]
    assert {r["points"] for r in rows} == {""} and {r["max"] for r in rows} == {"1"}
    assert rows[8]["name"] == "Élodie Martin"


def test_answers_again_keeps_the_filled_rows_and_adds_the_missing_ones(graded_dir):
    write_answers(out_dir=graded_dir)
    fill(graded_dir / GRADES_CSV, {("chloe", "q1_answer"): ("0", "vide")})
    rows = [r for r in read_rows(graded_dir / GRADES_CSV) if r["student"] != "dan"]
    write_rows(graded_dir / GRADES_CSV, rows)
    write_answers(out_dir=graded_dir)
    again = read_rows(graded_dir / GRADES_CSV)
    assert again[:len(rows)] == rows                                # kept as the instructor left them
    assert [(r["student"], r["check"]) for r in again[len(rows):]] == [("dan", c) for c in MANUAL_IDS]


# ---------------------------------------------------------------- merge

def test_merge_folds_points_and_comments_into_every_output(graded_dir):
    write_report(out_dir=graded_dir)
    export(out_dir=graded_dir, to="moodle")
    write_answers(out_dir=graded_dir)
    fill(graded_dir / GRADES_CSV, {("moodle_12345", "q1_answer"): ("1", "Complet & précis <b>"),
                                   ("moodle_12346", "q3_answer"): ("0,5", "Il manque les chiffres."),
                                   ("moodle_12346", "q4_answer"): ("0", "")})
    summary = merge_manual_grades(out_dir=graded_dir, csv_path=graded_dir / GRADES_CSV)
    assert (summary.graded, summary.pending, sorted(summary.changed)) == (3, 13, ["moodle_12345", "moodle_12346"])
    results = {r.student: r for r in load_results(graded_dir)}
    elodie, bruno = results["moodle_12345"], results["moodle_12346"]
    q1 = next(c for c in elodie.questions["q1"].checks if c.id == "q1_answer")
    assert (q1.passed, q1.points, q1.graded_by_hand, q1.comment) == (True, 1.0, True, "Complet & précis <b>")
    assert (elodie.questions["q1"].score, elodie.score) == (2.0, 17.0)
    q3 = next(c for c in bruno.questions["q3"].checks if c.id == "q3_answer")
    assert (q3.passed, q3.points, q3.graded_by_hand) == (False, 0.5, True)
    assert bruno.score == 8.5 and results["chloe"].score == 16.0
    # feedback page: the comment, escaped, and "graded by hand"
    page = plain((graded_dir / "feedback" / "moodle_12345.html").read_text(encoding="utf-8"))
    assert "Commentaire de l&#39;enseignant·e : Complet &amp; précis &lt;b&gt;" in page
    assert "corrigé à la main" in page and "Note : 17 " in page
    assert "3 points restent à corriger à la main" in page
    # grades.csv
    grades = {r["student"]: r for r in read_rows(graded_dir / "grades.csv")}
    assert (grades["moodle_12345"]["q1"], grades["moodle_12345"]["total"]) == ("2", "17")
    assert (grades["moodle_12346"]["q3"], grades["moodle_12346"]["total"]) == ("2", "8.5")
    # Moodle worksheet, redone by merge (it existed)
    with open(graded_dir / "export" / "moodle" / "moodle_grading_worksheet.csv", newline="", encoding="utf-8") as fh:
        sheet = {row["Identifiant"]: row for row in csv.DictReader(fh)}
    assert sheet["Participant12345"]["Note"] == "17,00"
    assert "dont 1 pt corrigés à la main" in sheet["Participant12345"]["Feedback par commentaires"]
    assert sheet["Participant12346"]["Note"] == "8,50"
    # report, redone: fewer pending checks
    report = (graded_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'data-check="q1_answer">.*?<td class="count">3</td>', report, re.S)
    # the answers pages show the grade given, once written again
    write_answers(out_dir=graded_dir)
    answers = plain((graded_dir / "answers" / "q3_answer.html").read_text(encoding="utf-8"))
    assert "Note donnée : 0,5 / 1" in answers and "Il manque les chiffres." in answers


def test_merge_again_replaces_the_earlier_points(graded_dir):
    write_answers(out_dir=graded_dir)
    path = graded_dir / GRADES_CSV
    fill(path, {("chloe", "q1_answer"): ("1", "bien")})
    merge_manual_grades(out_dir=graded_dir, csv_path=path)
    path.unlink()                                                  # lost: written again from the results
    write_answers(out_dir=graded_dir)
    row = next(r for r in read_rows(path) if (r["student"], r["check"]) == ("chloe", "q1_answer"))
    assert (row["points"], row["comment"]) == ("1", "bien")
    fill(path, {("chloe", "q1_answer"): ("0.25", "relu : moins bien")})
    merge_manual_grades(out_dir=graded_dir, csv_path=path)
    chloe = next(r for r in load_results(graded_dir) if r.student == "chloe")
    check = next(c for c in chloe.questions["q1"].checks if c.id == "q1_answer")
    assert (check.points, check.comment, chloe.score) == (0.25, "relu : moins bien", 16.25)
    fill(path, {("chloe", "q1_answer"): ("", "")})                  # emptied: to grade again
    merge_manual_grades(out_dir=graded_dir, csv_path=path)
    chloe = next(r for r in load_results(graded_dir) if r.student == "chloe")
    check = next(c for c in chloe.questions["q1"].checks if c.id == "q1_answer")
    assert (check.passed, check.points, check.graded_by_hand, chloe.score) == (None, 0.0, False, 16.0)


def test_a_file_listing_some_students_leaves_the_others_alone(graded_dir):
    write_answers(out_dir=graded_dir)
    fill(graded_dir / GRADES_CSV, {("chloe", "q1_answer"): ("1", "")})
    merge_manual_grades(out_dir=graded_dir, csv_path=graded_dir / GRADES_CSV)
    partial = graded_dir / "partial.csv"
    write_rows(partial, [{"student": "dan", "check": "q5_answer", "points": "1"}], ("student", "check", "points"))
    merge_manual_grades(out_dir=graded_dir, csv_path=partial)
    scores = {r.student: r.score for r in load_results(graded_dir)}
    assert (scores["chloe"], scores["dan"]) == (17.0, 17.0)


def test_semicolons_and_decimal_commas_of_a_french_spreadsheet(graded_dir):
    path = graded_dir / "excel.csv"
    path.write_text("\ufeffstudent;check;points;comment\nchloe;q1_answer;0,5;bien; mais court\n"
                    'chloe;q3_answer;1;"a;b"\n', encoding="utf-8")
    with pytest.raises(ManualGradesError, match=r"line 2: 5 fields for 4 columns"):
        merge_manual_grades(out_dir=graded_dir, csv_path=path)
    path.write_text("student;check;points;comment\nchloe;q1_answer;0,5;bien, mais court\n", encoding="utf-8")
    merge_manual_grades(out_dir=graded_dir, csv_path=path)
    chloe = next(r for r in load_results(graded_dir) if r.student == "chloe")
    assert chloe.score == 16.5


def test_a_windows_spreadsheet_csv_is_read(graded_dir):
    path = graded_dir / "excel.csv"
    path.write_bytes("student;check;points;comment\nchloe;q1_answer;1;très précis\n".encode("cp1252"))
    merge_manual_grades(out_dir=graded_dir, csv_path=path)
    chloe = next(r for r in load_results(graded_dir) if r.student == "chloe")
    assert next(c for c in chloe.questions["q1"].checks if c.id == "q1_answer").comment == "très précis"


def test_an_executed_notebook_of_an_older_grader_says_to_grade_again(graded_dir):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
                   str(graded_dir / "executed" / "chloe.ipynb"))
    write_answers(out_dir=graded_dir)
    page = plain((graded_dir / "answers" / "q1_answer.html").read_text(encoding="utf-8"))
    assert re.search(r'data-student="chloe" data-state="missing"', page) and "--force" in page
    assert f"python -m autograder merge {graded_dir} {graded_dir}/{GRADES_CSV}" in page


BAD_LINES = {
    "unknown student": ("nobody,q1_answer,1,", r"line 3: unknown student 'nobody'"),
    "unknown check": ("chloe,q9_answer,1,", r"line 3: 'q9_answer' is not a manual check of td_keras_mlp"),
    "automatic check": ("chloe,q1_check1,1,", r"line 3: 'q1_check1' is not a manual check"),
    "not a number": ("chloe,q3_answer,un,", r"line 3: points 'un' is not a number"),
    "fraction": ("chloe,q3_answer,1/2,", r"line 3: points '1/2' is not a number"),
    "above the max": ("chloe,q3_answer,1.5,", r"line 3: points 1.5 out of \[0, 1\]"),
    "negative": ("chloe,q3_answer,-1,", r"line 3: points -1 out of \[0, 1\]"),
    "not finite": ("chloe,q3_answer,nan,", r"line 3: points 'nan' is not a number"),
    "duplicate": ("chloe,q1_answer,0,", r"line 3: chloe / q1_answer already given on line 2"),
    "extra field": ("chloe,q3_answer,1,bien, très bien", r"line 3: 5 fields for 4 columns"),
    "no student": (",q3_answer,1,", r"line 3: no student"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_is_named_and_nothing_is_written(graded_dir, case):
    report = graded_dir / "report" / "index.html"     # merge would rewrite it: it must not
    report.parent.mkdir()
    report.write_text('<!DOCTYPE html>\n<html lang="fr"></html>\n', encoding="utf-8")
    line, message = BAD_LINES[case]
    path = graded_dir / "grades_to_merge.csv"
    path.write_text(f"student,check,points,comment\nchloe,q1_answer,1,ok\n{line}\n", encoding="utf-8")
    before = snapshot(graded_dir)
    with pytest.raises(ManualGradesError, match=message) as caught:
        merge_manual_grades(out_dir=graded_dir, csv_path=path)
    assert "nothing was merged" in str(caught.value)
    assert snapshot(graded_dir) == before


def test_every_bad_line_is_reported_at_once_and_a_missing_column_too(graded_dir):
    path = graded_dir / "bad.csv"
    path.write_text("student,check,points\nchloe,q1_answer,2\nnobody,q3_answer,1\nchloe,q4_answer,1\n", encoding="utf-8")
    with pytest.raises(ManualGradesError) as caught:
        merge_manual_grades(out_dir=graded_dir, csv_path=path)
    assert [line for line, _ in caught.value.errors] == [2, 3]
    path.write_text("student,question,score\nchloe,q1_answer,1\n", encoding="utf-8")
    with pytest.raises(ManualGradesError, match=r"line 1: missing column\(s\) check, points"):
        merge_manual_grades(out_dir=graded_dir, csv_path=path)


def test_cli_answers_and_merge(graded_dir, capsys):
    assert main(["answers", str(graded_dir), "--lang", "en"]) == 0
    assert str(graded_dir / GRADES_CSV) in capsys.readouterr().out
    fill(graded_dir / GRADES_CSV, {("dan", "q1_answer"): ("2", "")})
    before = snapshot(graded_dir)
    assert main(["merge", str(graded_dir), str(graded_dir / GRADES_CSV)]) == 2
    err = capsys.readouterr().err
    assert "nothing was merged" in err and "line 6: points 2 out of [0, 1]" in err
    assert snapshot(graded_dir) == before
    fill(graded_dir / GRADES_CSV, {("dan", "q1_answer"): ("1", "ok")})
    assert main(["merge", str(graded_dir), str(graded_dir / GRADES_CSV)]) == 0
    out = capsys.readouterr().out
    assert "1 manual grade(s) merged, 15 still to grade; 1 result(s) changed" in out
    assert "dan.json" in out and "grades.csv" in out


# ---------------------------------------------------------------- exports and report carry them

def test_gradescope_and_nbgrader_views_of_a_check_graded_by_hand(graded_dir):
    write_answers(out_dir=graded_dir)
    fill(graded_dir / GRADES_CSV, {("chloe", "q1_answer"): ("0.5", "partiel")})
    merge_manual_grades(out_dir=graded_dir, csv_path=graded_dir / GRADES_CSV)
    chloe = next(r for r in load_results(graded_dir) if r.student == "chloe")
    data = to_gradescope_results(chloe, "fr", SPEC)
    test = next(t for t in data["tests"] if t["name"].endswith("q1_answer"))
    assert (test["score"], test["status"], test["tags"]) == (0.5, "failed", ["q1", "manual"])
    assert "Corrigé à la main" in test["output"] and "partiel" in test["output"]
    assert data["score"] == 16.5
    from autograder.outputs.exporters.nbgrader import auto_score

    q1 = chloe.questions["q1"]
    assert auto_score(q1, 1, lambda c: c.id == "q1_answer") == 1.0    # the manual half is not automatic


def test_nbgrader_gradebook_gets_the_manual_score_and_comment(graded_dir, tmp_path, monkeypatch):
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
    head = ScriptDirectory.from_config(config).get_current_head()
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: head)
    course = tmp_path / "course"
    course.mkdir()
    db = f"sqlite:///{course / 'gradebook.db'}"
    with nbgrader.api.Gradebook(db) as gb:
        gb.add_assignment("td_keras_mlp")
        gb.add_notebook("td_keras_mlp", "td_keras_mlp")
        gb.add_grade_cell("q1_tests", "td_keras_mlp", "td_keras_mlp", max_score=1, cell_type="code")
        gb.add_grade_cell("q1_answer", "td_keras_mlp", "td_keras_mlp", max_score=1, cell_type="markdown")
        gb.add_solution_cell("q1_answer", "td_keras_mlp", "td_keras_mlp")
    write_answers(out_dir=graded_dir)
    fill(graded_dir / GRADES_CSV, {("chloe", "q1_answer"): ("0.5", "partiel")})
    merge_manual_grades(out_dir=graded_dir, csv_path=graded_dir / GRADES_CSV)
    export(out_dir=graded_dir, to="nbgrader", dest=tmp_path / "n", course_root=course, course_id="default_course")
    with nbgrader.api.Gradebook(db) as gb:
        answer = gb.find_grade("q1_answer", "td_keras_mlp", "td_keras_mlp", "chloe")
        assert (answer.manual_score, answer.needs_manual_grade) == (0.5, False)
        assert gb.find_comment("q1_answer", "td_keras_mlp", "td_keras_mlp", "chloe").manual_comment == "partiel"
        assert gb.find_grade("q1_tests", "td_keras_mlp", "td_keras_mlp", "chloe").auto_score == 1.0
        pending = gb.find_grade("q1_answer", "td_keras_mlp", "td_keras_mlp", "dan")
        assert pending.manual_score is None


def test_report_counts_pending_manual_points_as_pending_not_failed():
    results = [make_result("a"), make_result("b")]           # every automatic check passed, 4 pending each
    assert dict(question_pass_rates(results, tuple(SPEC.questions)))["q1"] == 100.0   # not 50 %
    html = plain(render_report(results, "fr", SPEC))
    row = re.search(r'<tr class="question" data-question="q1">.*?</tr>', html, re.S).group(0)
    assert 'class="num rate ok">100 %' in row and "2 copie(s), 2 pt" in row and 'class="todo"' in row
    graded = copy.deepcopy(results)
    for result in graded:
        check = next(c for c in result.questions["q1"].checks if c.id == "q1_answer")
        check.passed, check.points, check.graded_by_hand = False, 0.0, True
    rates = dict(question_pass_rates(graded, tuple(SPEC.questions)))
    assert rates["q1"] == 50.0 and rates["q2"] == 100.0           # a failed answer counts, once graded
    row = re.search(r'data-question="q1">.*?</tr>', plain(render_report(graded, "en", SPEC)), re.S).group(0)
    assert "50 %" in row and "100 %" in row and "0 %" in row     # overall, automatic, by hand
    json.dumps([r.to_dict() for r in graded])                    # results stay plain data


# ---------------------------------------------------------------- end to end (a real grading)

@pytest.mark.slow
def test_grade_write_answers_merge_and_see_the_points_everywhere(tmp_path):
    """The issue's "done when": grade a class (tests/course's iris_mlp, as a Moodle download),
    write manual points for two students in the CSV, merge, and see them in the feedback pages,
    grades.csv, the report and the Moodle worksheet."""
    import os
    import shutil
    import subprocess
    import sys

    from autograder.assignments import COURSE_ROOT_ENV

    kit, course = Path(__file__).resolve().parents[1], Path(__file__).resolve().parent / "course"
    env = {**os.environ, COURSE_ROOT_ENV: str(course)}

    def autograder(*args) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                              text=True, cwd=kit, env=env, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    download, out = tmp_path / "moodle", tmp_path / "out"
    for pid, full_name, sample in (("101", "Alice Martin", "alice"), ("102", "Bruno Petit", "bruno")):
        folder = download / f"{full_name}_{pid}_assignsubmission_file_"
        folder.mkdir(parents=True)
        shutil.copy(course / "submissions" / "iris_mlp" / f"{sample}.ipynb", folder / "iris_mlp.ipynb")
    autograder("grade", download, "--out", out, "--assignment", "iris_mlp", "--quiet")
    autograder("report", out)
    autograder("export", out, "--to", "moodle")
    before = {r["student"]: r["total"] for r in read_rows(out / "grades.csv")}
    assert before == {"moodle_101": "3", "moodle_102": "2"}

    autograder("answers", out)
    page = plain((out / "answers" / "analysis_answer.html").read_text(encoding="utf-8"))
    assert "Le réseau confond surtout versicolor et virginica." in page     # from the executed notebook
    assert "Alice Martin" in page and "setosa" in page
    fill(out / GRADES_CSV, {("moodle_101", "analysis_answer"): ("1", "Très bonne lecture de la matrice."),
                            ("moodle_102", "analysis_answer"): ("0,5", "Dites pourquoi elles se ressemblent.")})
    merged = autograder("merge", out, out / GRADES_CSV)
    assert "2 manual grade(s) merged, 0 still to grade; 2 result(s) changed" in merged.stdout

    bruno = plain((out / "feedback" / "moodle_102.html").read_text(encoding="utf-8"))
    assert "Dites pourquoi elles se ressemblent." in bruno and "corrigé à la main" in bruno
    assert "à corriger à la main" not in bruno and "provisoire" not in bruno
    after = {r["student"]: (r["analysis"], r["total"]) for r in read_rows(out / "grades.csv")}
    assert after == {"moodle_101": ("1", "4"), "moodle_102": ("0.5", "2.5")}
    report = plain((out / "report" / "index.html").read_text(encoding="utf-8"))
    assert "Aucune correction manuelle en attente." in report
    assert re.search(r'data-question="analysis">.*?75 %', report, re.S)
    with open(out / "export" / "moodle" / "moodle_grading_worksheet.csv", newline="", encoding="utf-8") as fh:
        sheet = {row["Identifiant"]: row for row in csv.DictReader(fh)}
    assert (sheet["Participant101"]["Note"], sheet["Participant102"]["Note"]) == ("4,00", "2,50")
    assert "dont 0,5 pt corrigés à la main" in sheet["Participant102"]["Feedback par commentaires"]
