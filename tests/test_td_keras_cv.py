"""The lab td_keras_cv: its hidden checks on the facts of its solution and on typical mistakes
(fast: stored facts, no kernel). The corpus (tests/test_corpus.py) grades realistic
notebooks for real, in both modes.

``tests/data/td_keras_cv_solution_facts.json`` is the harvest of the solution notebook in fast
mode (``grade_submission(...)[1].harvest``); regenerate it after a change of the harvest format or
of the solution. Each mistake below edits those facts as the student's code would have made them,
and must fail only checks of its own question, with a message in both languages.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from autograder.assignments import load_assignment
from autograder.checks import CheckFailed, Submission, checks_of

SPEC = load_assignment("td_keras_cv")
CHECKS = SPEC.hidden_checks_module()
FACTS = Path(__file__).parent / "data" / "td_keras_cv_solution_facts.json"
AUTOMATIC = {"q1": 4, "q2": 4, "q3": 8}


@pytest.fixture
def facts() -> dict:
    return json.loads(FACTS.read_text(encoding="utf-8"))


def failed(payload: dict) -> dict[str, CheckFailed]:
    sub, found = Submission(copy.deepcopy(payload)), {}
    for spec in checks_of(CHECKS):
        try:
            spec.function(sub)
        except CheckFailed as failure:
            found[spec.id] = failure
    return found


def only(payload: dict, *check_ids: str) -> dict[str, CheckFailed]:
    failures = failed(payload)
    assert sorted(failures) == sorted(check_ids), {k: f.text("fr") for k, f in failures.items()}
    for failure in failures.values():
        assert failure.text("fr") and failure.text("en") and failure.text("fr") != failure.text("en")
    return failures


def test_points_and_public_checks_match_the_spec():
    specs = checks_of(CHECKS)
    per_question = {}
    for spec in specs:
        per_question[spec.question] = per_question.get(spec.question, 0) + spec.points
    assert per_question == AUTOMATIC
    manual = {m.question: m.points for m in SPEC.manual}
    assert {q: per_question[q] + manual[q] for q in AUTOMATIC} == SPEC.questions
    assert {s.id for s in specs if s.public} == {"q1_two_hidden_layers", "q3_regression_model"}


def test_the_solution_passes_every_check(facts):
    assert failed(facts) == {}


def test_a_typed_in_test_score_fails_only_q3_refit(facts):
    facts["values"]["test_score_q3"]["value"] = 0.87
    failures = only(facts, "q3_refit_and_test_score")
    assert "test_score_q3" in failures["q3_refit_and_test_score"].text("fr")


def test_a_score_q1_that_is_not_the_test_score_fails_only_its_check(facts):
    facts["values"]["score_q1"]["value"] = 0.991
    only(facts, "q1_fit_train_score_test")


def test_the_losing_optimizer_reported_fails_only_the_reported_choice(facts):
    results = facts["values"]["search_q2"]["cv_results"]
    loser = results["params"][results["rank_test_score"].index(max(results["rank_test_score"]))]
    facts["values"]["best_optimizer_q2"]["value"] = loser["model_kwargs"]["optimizer"]
    failures = only(facts, "q2_best_optimizer_reported")
    assert loser["model_kwargs"]["optimizer"] in failures["q2_best_optimizer_reported"].text("fr")


def test_epochs_not_set_at_construction_fail_only_that_check(facts):
    clf = facts["values"]["clf_q1"]
    clf["fit_parameters"], clf["fit_parameter_sources"], clf["params"]["fit_kwargs"] = {}, {}, None
    only(facts, "q1_epochs_at_construction")


def test_two_folds_fail_only_the_folds_check_of_q3(facts):
    search = facts["values"]["search_q3"]
    search["n_splits"], search["cv"] = 2, {"class": "int", "n_splits": 2, "text": "2"}
    failures = only(facts, "q3_folds_training_scoring")
    assert "2" in failures["q3_folds_training_scoring"].text("fr")


def test_a_classification_loss_for_boston_fails_only_the_regression_model(facts):
    serial = facts["values"]["search_q3"]["serial"]
    changed = 0
    for fit in facts["fits"]:
        if (fit.get("origin") or {}).get("search") == serial and fit.get("model"):
            fit["model"]["loss"] = "categorical_crossentropy"
            changed += 1
    assert changed
    failures = only(facts, "q3_regression_model")
    assert "categorical_crossentropy" in failures["q3_regression_model"].text("fr")
