"""Public checks: the student's self-check runs the checks an instructor made public, with the
grader's verdict and message, and nothing of a hidden check ships (issue 16)."""
from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.assignments import available_assignments, load_assignment
from autograder.checks.messages import CATALOG, lookup
from autograder.checks.registry import checks_of
from autograder.release import KIT_ROOT, render_self_check
from autograder.self_check_kit import build_kit, reach
from conftest import CORPUS, RELEASE_DIR

COURSE = KIT_ROOT / "tests" / "course"


def released_assignments() -> list[tuple[str, Path | None]]:
    """(name, course root) of every assignment with a release: the kit's and the test course's."""
    found = [(name, None) for name in available_assignments() if (KIT_ROOT / "release" / name).is_dir()]
    found += [(p.name, COURSE) for p in sorted((COURSE / "release").iterdir()) if p.is_dir()]
    return found


RELEASED = released_assignments()
IDS = [name for name, _ in RELEASED]


def release_text(name: str, root: Path | None) -> str:
    folder = (root or KIT_ROOT) / "release" / name
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.iterdir()) if p.is_file())


def library_lines() -> set[str]:
    """Code lines of the kit's public check library and in-kernel modules (shipped by design)."""
    import autograder
    package = Path(autograder.__file__).parent
    return {line.strip() for folder in ("checks", "kernel") for path in (package / folder).glob("*.py")
            for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20}


def library_names() -> set[str]:
    """Names the shipped library itself defines (a hidden helper named like one of them,
    e.g. a method ``candidates``, cannot be told apart by name)."""
    return {match.group(1) for line in library_lines()
            for match in re.finditer(r"\b(?:def|class)\s+(\w+)", line)}


def _lines(function) -> set[str]:
    source = inspect.getsource(inspect.unwrap(function))
    return {line.strip() for line in source.splitlines()
            if len(line.strip()) > 20 and not line.strip().startswith(("@", "def "))}


# ----------------------------------------------------------------------------- nothing hidden ships
@pytest.mark.parametrize("name, root", RELEASED, ids=IDS)
def test_the_release_holds_no_hidden_check(name, root):
    """No hidden check's function name, id, code line (one that no public check shares) or
    message (one that no public check can emit) is in any released file."""
    spec = load_assignment(name, root)
    text = release_text(name, root)
    every = checks_of(spec.hidden_checks_module())
    public, hidden = [c for c in every if c.public], [c for c in every if not c.public]
    module = spec.hidden_checks_module()
    helpers = [f for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__
               and not hasattr(f, "check_spec")]
    shared = set().union(set(), *(_lines(f) for f in [c.function for c in public] + helpers))
    shared |= library_lines()       # a line the public library also has reveals nothing of the check
    for check in hidden:
        function = inspect.unwrap(check.function)
        assert function.__name__ not in text, f"{name}: hidden check {function.__name__} named in the release"
        assert not re.search(rf"\b{re.escape(check.id)}\b", text), f"{name}: hidden check id {check.id} in the release"
        leaked = [line for line in _lines(check.function) - shared if line in text]
        assert leaked == [], f"{name}: code of hidden check {check.id} in the release: {leaked}"
    everything, shipped = reach(spec, public=False), reach(spec, public=True)
    for module_name, names in everything.reached.items():    # helpers only hidden checks use
        for helper in names - shipped.reached.get(module_name, set()):
            if module_name == module.__name__ and len(helper) > 3 and helper not in library_names():
                # a function's definition or call, a constant's name (a local variable that
                # happens to share a helper's lowercase name is no leak)
                pattern = (rf"\b{re.escape(helper)}\b" if helper.isupper()
                           else rf"\bdef {re.escape(helper)}\b|\b{re.escape(helper)}\(")
                assert not re.search(pattern, text), \
                    f"{name}: hidden helper {helper} shipped"
    hidden_only = everything.keys - shipped.keys
    assert hidden or not hidden_only
    for key in sorted(hidden_only):
        for lang, message in lookup(key).items():
            assert message not in text, f"{name}: message {key!r} ({lang}) of a hidden check in the release"


def test_the_labs_hidden_failures_are_not_in_its_release():
    """Independent of the analysis: what the L1 / validation / parameter checks of td_keras_mlp say."""
    text = release_text("td_keras_mlp", None)
    for key in ("td_keras_mlp.regularizer_wrong_kind", "regularizer_wrong_kind", "regularizer_missing",
                "td_keras_mlp.param_far", "param_far", "td_keras_mlp.param_value", "dropout_rate",
                "no_validation", "validation_fraction", "td_keras_mlp.task_type", "epochs", "ok.epochs",
                "ok.regularizer_everywhere", "ok.param_count", "ok.validation_split_all"):
        for message in lookup(key).values():
            assert message not in text, key
    for name in ("test_q6_l1_everywhere", "test_q4_param_count", "expect_regularized_run", "N_PARAMS_3",
                 "expect_regularizer_everywhere", "expect_param_count", "expect_validation"):
        assert name not in text, name


@pytest.mark.parametrize("name, root", RELEASED, ids=IDS)
def test_the_shipped_messages_are_those_the_public_checks_emit(name, root):
    """The catalogs in the release hold exactly the keys the public checks can emit, both languages."""
    spec = load_assignment(name, root)
    kit = build_kit(spec) if any(c.public for c in checks_of(spec.hidden_checks_module())) else None
    checker = release_namespace(name, root)
    if kit is None:
        assert checker["KIT"] == {}
        return
    assert set(checker["KIT"]) == set(kit.sources)
    shipped = set(re.findall(r'^    "([\w.]+)": \{\n        "fr"', "\n".join(checker["KIT"].values()), flags=re.M))
    assert shipped == kit.keys
    assert {k for k in kit.keys if k in CATALOG} <= set(CATALOG)
    assert checker["CHECKS"] == {q: {"public": kit.public_ids[q], "hidden": n} for q, n in kit.hidden_counts.items()}


def release_namespace(name: str, root: Path | None) -> dict:
    """The generated lines of a released verification.py (its module namespace, kit not started)."""
    text = ((root or KIT_ROOT) / "release" / name / "verification.py").read_text(encoding="utf-8")
    ns: dict = {}
    exec(compile(text.replace("\n_start_kit()\n", "\n"), "verification.py", "exec"), ns)
    return ns


def test_the_template_speaks_the_runners_mime_type():
    from autograder.checks.self_check import MIME

    assert MIME in (KIT_ROOT / "autograder" / "self_check_template.py").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- the student's side
BLOCKER = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"autograder", "pytest", "_pytest", "nbformat", "nbclient", "IPython"}:
            raise ImportError(f"{name} is not in the student's environment")
sys.meta_path.insert(0, _Blocked())
"""


def q1_namespace(scaled: bool = True) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    eye = np.eye(10, dtype="float32")
    top = 1.0 if scaled else 255.0
    return {"X_train": rng.uniform(0, top, (60, 784)).astype("float32"), "y_train": eye[rng.integers(0, 10, 60)],
            "X_test": rng.uniform(0, 1, (20, 784)).astype("float32"), "y_test": eye[rng.integers(0, 10, 20)],
            "Xb_train": rng.uniform(0, 1, (40, 13)), "yb_train": rng.uniform(0, 1, (40, 1)),
            "Xb_test": rng.uniform(0, 1.2, (10, 13)), "yb_test": rng.uniform(0, 1, (10, 1)),
            "type_mnist": "classification", "type_boston": "regression"}


@pytest.mark.parametrize("scaled", [True, False], ids=["passes", "fails"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_released_checker_runs_with_numpy_alone_and_says_what_the_grader_says(tmp_path, scaled, lang):
    """The released verification.py, in a process where autograder, pytest and IPython cannot be
    imported, gives the q1 data check the verdict and message the grader's own check gives."""
    import numpy as np

    from autograder.checks.self_check import facts, run_public_checks

    spec = load_assignment("td_keras_mlp")
    ns = q1_namespace(scaled)
    np.savez(tmp_path / "ns.npz", **{k: v for k, v in ns.items() if not isinstance(v, str)})
    shutil.copy(RELEASE_DIR / "verification.py", tmp_path / "verification.py")
    code = BLOCKER + f"""
import json, numpy
import verification
ns = dict(numpy.load("ns.npz"))
ns.update(type_mnist="classification", type_boston="regression")
verification._namespace = lambda: ns
print(json.dumps(verification.public_verdicts("q1", {lang!r})))
result = verification.check("q1", lang={lang!r})
print("RESULT", result)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    notebook = json.loads(proc.stdout.splitlines()[0])
    grader = run_public_checks(spec.hidden_checks_module(), facts(ns, spec.contract_names), "q1", lang)
    assert notebook == grader and len(grader) == 1 and grader[0]["passed"] is scaled
    shown = proc.stdout.split("\n", 1)[1]
    assert grader[0]["message"].split("\n")[0] in shown and shown.strip().endswith("RESULT None")
    assert ("1 vérification(s) cachée(s) à la correction." if lang == "fr" else "1 hidden check(s) at grading.") in shown


def test_check_reports_hidden_checks_of_a_question_without_public_ones(tmp_path, capsys):
    import importlib.util

    path = tmp_path / "verification.py"
    path.write_text(render_self_check(load_assignment("td_keras_mlp")), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("verification_q6", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._namespace = lambda: {}
    assert module.check("q6") is None
    out = capsys.readouterr().out
    assert "2 vérification(s) cachée(s) à la correction." in out and "Vérifications de la correction" not in out
    module.check("q6", lang="en")
    assert "2 hidden check(s) at grading." in capsys.readouterr().out


# ----------------------------------------------------------------------------- grader and notebook agree
def corpus_folders() -> list[Path]:
    """Every test corpus of the kit: tests/submissions and tests/submissions_<assignment>."""
    return [p for p in sorted((KIT_ROOT / "tests").glob("submissions*")) if (p / "expected.json").is_file()]


@pytest.mark.slow
@pytest.mark.parametrize("folder", corpus_folders(), ids=lambda p: p.name)
def test_every_public_verdict_of_the_corpora_is_the_graders(folder, graded_corpus, grade_once):
    """The grader runs each notebook's own self-check after the last harvest (same kernel): for
    every submission, every public check says in the notebook what the grade says."""
    from autograder.results import load_results

    out = graded_corpus("fast") if folder == CORPUS else grade_once(folder, options=("--jobs", "2", "--quiet"))
    results = load_results(out)
    assert results
    for result in results:
        spec = load_assignment(result.assignment)
        public = [c for c in checks_of(spec.hidden_checks_module()) if c.public]
        if not public:
            continue
        report = result.self_check
        assert report.get("ran"), f"{result.student}: the notebook's self-check did not run ({report})"
        assert report["error"] is None, f"{result.student}: {report['error']}"
        assert report["checked"] == len(public)
        assert report["disagreements"] == [], f"{result.student}: {json.dumps(report['disagreements'], ensure_ascii=False)}"


# ----------------------------------------------------------------------------- done when
def _cell_by_id(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.slow
def test_released_notebook_from_a_fresh_copy_sigmoid_and_l2(tmp_path):
    """From a copy of the release: a notebook with a sigmoid output (q2) and L2 instead of L1 (q6),
    every check("qN") cell run twice and a notebook that redefines Dense.get_config to claim
    softmax. check("q2") fails with the grader's own message, check("q6") shows nothing of its
    hidden checks, the self-check changes nothing: the grade is the corpus' expected one."""
    from autograder.execution.kernel_run import Limits, run_notebook
    from autograder.assignments.environment import assignment_kernel_env
    from autograder.grading import assemble, run_hidden_checks, self_check_epilogue

    spec = load_assignment("td_keras_mlp")
    work = tmp_path / "clone"
    shutil.copytree(RELEASE_DIR, work)
    sigmoid = nbformat.read(str(CORPUS / "mistakes_sigmoid_split02.ipynb"), 4)
    l2 = nbformat.read(str(CORPUS / "mistakes_784_no_validation.ipynb"), 4)
    assert "regularizers.l2" in _cell_by_id(l2, "q6_code").source
    _cell_by_id(sigmoid, "q6_code").source = _cell_by_id(l2, "q6_code").source
    cells = []
    for cell in sigmoid.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_tests"):   # the student runs the check cells (twice here)
            call = cell.source.strip().splitlines()[-1]          # check("qN")
            for source in (cell.source, call, call.replace(")", ', lang="en")')):
                cells.append(nbformat.v4.new_code_cell(source))
            continue
        cells.append(cell)
        if grade_id == "q2_code":
            cells.append(nbformat.v4.new_code_cell(
                "_real_get_config = keras.layers.Dense.get_config\n"
                "def _lying_get_config(self):\n"
                "    config = _real_get_config(self)\n"
                "    return {**config, 'activation': 'softmax'}\n"
                "keras.layers.Dense.get_config = _lying_get_config"))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=sigmoid.metadata)
    env, _ = assignment_kernel_env(spec, workdir=work, threads=1, environ={"AUTOGRADER_DATA_SOURCE": "offline"})
    execution = run_notebook(nb, workdir=work, names=spec.contract_names, fast=True, limits=Limits(), env=env,
                             epilogue=self_check_epilogue(spec, "fr"))
    outputs = {}
    for cell in execution.executed.cells:
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        if "check(" in cell.source:
            outputs.setdefault(cell.source.strip().splitlines()[-1], []).append(text)
    verdicts = run_hidden_checks(spec, execution.harvest, "fr", tmp_path)
    by_id = {v["id"]: v for v in verdicts}
    q2 = outputs['check("q2")']
    assert len(q2) == 2 and q2[0] == q2[1], "the same block twice"
    assert not by_id["q2_architecture"]["passed"] and "sigmoid" in by_id["q2_architecture"]["message"]
    assert f"   ✘ {by_id['q2_architecture']['message']}" in q2[0]     # the grader's own message
    assert "True" not in q2[0] and "False" not in q2[0]
    q6 = outputs['check("q6")'][0] + outputs['check("q6", lang="en")'][0]
    assert "2 vérification(s) cachée(s) à la correction." in q6 and "2 hidden check(s) at grading." in q6
    for verdict in (by_id["q6_l1_everywhere"], by_id["q6_model_and_validation"]):
        assert verdict["message"] not in q6
    assert not by_id["q6_l1_everywhere"]["passed"] and "L2" in by_id["q6_l1_everywhere"]["message"]
    assert "L1" not in q6 and "L2" not in q6 and "régularis" not in q6
    # the self-check changed nothing: the grade is the corpus' (sigmoid scenario, q6 of the L2 one)
    expected = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    want = {**expected["mistakes_sigmoid_split02"]["scores"], "q6": expected["mistakes_784_no_validation"]["scores"]["q6"]}
    result = assemble(spec, "clone", verdicts, "fr")
    got = {q: round(r.score - 0, 2) for q, r in result.questions.items()}
    assert got == want, (got, want)
    # and the notebook's self-check, asked by the grader at the end, agrees with the grade
    from autograder.grading import compare_self_check

    report = compare_self_check(spec, verdicts, execution.self_check)
    assert report["ran"] and report["disagreements"] == [] and report["checked"] == 8


# ----------------------------------------------------------------------------- any plugin, from the flags alone
TOY_SPEC = '''
from autograder.assignments import AssignmentSpec, ContractItem

SPEC = AssignmentSpec(
    name="toy_pub", title={"fr": "Jouet", "en": "Toy"}, questions={"a": 2, "b": 1},
    question_titles={"a": {"fr": "A", "en": "A"}, "b": {"fr": "B", "en": "B"}},
    contract={"a": [ContractItem("x", "array")], "b": [ContractItem("n", "int")]},
)
'''
TOY_MESSAGES = '''
MESSAGES = {
    "toy_pub.too_narrow": {"fr": "JOUET-ETROIT `{name}`", "en": "TOY-NARROW `{name}`"},
    "toy_pub.secret_count": {"fr": "JOUET-SECRET {n}", "en": "TOY-SECRET {n}"},
    "toy_pub.shape": {"fr": "JOUET-FORME `{name}` {actual}", "en": "TOY-SHAPE `{name}` {actual}"},
    "toy_pub.secret_shape": {"fr": "JOUET-FORME-CACHEE", "en": "TOY-HIDDEN-SHAPE"},
    "toy_pub.columns_ok": {"fr": "JOUET-OK {count}", "en": "TOY-OK {count}"},
}
'''
TOY_CHECKS = '''
"""Toy checks: a public one, hidden ones sharing a helper."""
from autograder.checks import CheckFailed, check, register_messages, reworded
from .messages import MESSAGES

register_messages(MESSAGES, owner="toy_pub")
WORDING = {"array_shape": "toy_pub.shape", "param_far": "toy_pub.secret_shape"}
COLUMNS = 3
SECRET_LIMIT = 41


def columns_of(sub, name):
    facts = sub.array(name)
    if len(facts.shape) != 2:
        raise CheckFailed("array_shape", name=name, actual=tuple(facts.shape), expected="(n, 3)")
    return facts.shape[1]


@check("a", 1, public=True)
def test_a_columns(sub):
    with reworded(WORDING):
        count = columns_of(sub, "x")
    if count < COLUMNS:
        raise CheckFailed("toy_pub.too_narrow", name="x")
    sub.note("toy_pub.columns_ok", count=count)


def secret_rule(value):
    return value == SECRET_LIMIT


@check("a", 1)
def test_a_hidden_rows(sub):
    with reworded({"array_shape": "toy_pub.secret_shape"}):
        columns_of(sub, "x")


@check("b", 1)
def test_b_secret_number(sub):
    if not secret_rule(sub.scalar("n")):
        raise CheckFailed("toy_pub.secret_count", n=sub.scalar("n"))
'''


def test_any_plugin_ships_its_public_checks_from_the_flags_alone(tmp_path, monkeypatch, capsys):
    """A plugin written now (course folder): the kit holds the public check, the helper and
    constant it uses and its messages (its wording included), nothing of the hidden ones; the
    generated checker runs it with the grader's verdicts."""
    import importlib.util

    import numpy as np

    from autograder.checks.self_check import facts, run_public_checks

    plugin = tmp_path / "assignments" / "toy_pub"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(TOY_SPEC)
    (plugin / "messages.py").write_text(TOY_MESSAGES)
    (plugin / "hidden_checks.py").write_text(TOY_CHECKS)
    monkeypatch.setenv("AUTOGRADER_COURSE_ROOT", str(tmp_path))
    spec = load_assignment("toy_pub", tmp_path)
    kit = build_kit(spec)
    text = render_self_check(spec)
    assert kit.public_ids == {"a": ["a_columns"], "b": []} and kit.hidden_counts == {"a": 1, "b": 1}
    assert {"toy_pub.too_narrow", "toy_pub.shape", "toy_pub.columns_ok", "array_shape", "missing"} <= kit.keys
    for hidden in ("test_a_hidden_rows", "test_b_secret_number", "secret_rule", "SECRET_LIMIT", "JOUET-SECRET",
                   "TOY-SECRET", "JOUET-FORME-CACHEE", "TOY-HIDDEN-SHAPE", "toy_pub.secret", "param_far"):
        assert hidden not in text, hidden
    assert "def columns_of" in text and "COLUMNS = 3" in text and "JOUET-ETROIT" in text
    path = tmp_path / "verification.py"
    path.write_text(text, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location("verification_toy", path)
    checker = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(checker)
    for x in (np.zeros((4, 2)), np.zeros((4, 5)), np.zeros(4)):
        ns = {"x": x, "n": 3}
        checker._namespace = lambda ns=ns: ns
        for lang in ("fr", "en"):
            grader = run_public_checks(spec.hidden_checks_module(), facts(ns, spec.contract_names), None, lang)
            assert checker.public_verdicts(None, lang) == grader
    assert [v["passed"] for v in grader] == [False] and "TOY-SHAPE `x` (4,)" in grader[0]["message"]
    checker.check("a")
    out = capsys.readouterr().out
    assert "JOUET-FORME `x` (4,)" in out and "1 vérification(s) cachée(s) à la correction." in out


def test_the_grader_compares_the_notebooks_self_check_with_the_grade(capsys):
    from autograder.cli import _warn_self_check_disagreements
    from autograder.grading import compare_self_check
    from autograder.results import StudentResult

    spec = load_assignment("td_keras_mlp")
    verdicts = [{"id": "q2_architecture", "question": "q2", "passed": False, "message": "sigmoid"},
                {"id": "q2_trained", "question": "q2", "passed": True, "message": "hidden, not compared"},
                {"id": "q2_loss", "question": "q2", "passed": True, "message": "loss ok"}]
    assert compare_self_check(spec, verdicts, None) == {"ran": False, "error": None, "checked": 0, "disagreements": []}
    said = {"verdicts": [{"id": "q2_architecture", "passed": False, "message": "sigmoid"},
                         {"id": "q2_loss", "passed": True, "message": "loss ok"}], "error": None}
    same = compare_self_check(spec, verdicts, said)
    assert same["ran"] and same["disagreements"] == [] and same["checked"] == 2
    said["verdicts"][0] = {"id": "q2_architecture", "passed": True, "message": "fooled"}
    said["verdicts"].pop()
    differ = compare_self_check(spec, verdicts, said)["disagreements"]
    assert differ == [{"id": "q2_architecture", "grader": {"passed": False, "message": "sigmoid"},
                       "notebook": {"passed": True, "message": "fooled"}},
                      {"id": "q2_loss", "grader": {"passed": True, "message": "loss ok"}, "notebook": None}]
    results = [StudentResult("alice", 1, 20, "graded", self_check={"disagreements": differ}),
               StudentResult("bob", 1, 20, "graded", self_check=same)]
    _warn_self_check_disagreements(results)
    err = capsys.readouterr().err
    assert "1 notebook(s) whose self-check gave a public verdict other than the grade (alice)" in err
