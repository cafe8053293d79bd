"""Auto-vérification — __TITLE__.

Dans le carnet : ``check("__QUESTION__")`` affiche, pour cette question, si le **contrat** est
respecté (les noms demandés existent, ont le bon type, les modèles ont été entraînés) et des
indices sinon, puis le verdict des vérifications de la correction que l'enseignant a rendues
**publiques** (le même verdict et le même message qu'à la correction) et le nombre de
vérifications qui restent cachées. Ce n'est pas la note : la correction vérifie davantage.
``check()`` ne lève jamais d'erreur. Pour les messages en anglais : ``check("__QUESTION__", lang="en")``.

Importer ce fichier (``from verification import check``, en haut du carnet) enregistre les
appels à fit / evaluate / predict qui suivent, comme le fait la correction : exécutez le carnet
depuis le début pour que les vérifications les voient.
"""
#~ Template of the student-side self-check (importable and testable as is). The release
#~ (autograder/release.py) writes it beside each assignment's notebook as verification.py with
#~ the title and CONTRACT of the assignment's SPEC and the kit of its public checks (NAMES,
#~ CHECKS, KIT: autograder/self_check_kit.py) in place of the generated lines below (lines
#~ starting with "#~" are left out). It runs in the student's notebook with the standard library,
#~ NumPy and Keras only (and the objects the student built): it must never import autograder.
from __future__ import annotations

CONTRACT: dict = {}  # question id -> [{"name", "kind", "keys"?, "metrics"?, "choices"?, "hint"?}]
NAMES: list = []     # every contract name (what the harvest describes)
CHECKS: dict = {}    # question id -> {"public": [ids of its public checks], "hidden": number of hidden ones}
KIT: dict = {}       # kit module -> its source (the harvest, the public checks and what they use)

TEXT = {
    "fr": {
        "missing": "`{}` n'est pas défini : exécutez la cellule qui le crée (sans erreur).",
        "not_array": "`{}` devrait être un tableau numpy{}.",
        "not_text": "`{}` devrait être une chaîne de caractères{}.",
        "not_choice": "`{}` devrait valoir {}{}.",
        "not_int": "`{}` devrait être un entier{}.",
        "not_number": "`{}` devrait être un nombre{}.",
        "not_model": "`{}` devrait être un modèle Keras (keras.Sequential ou keras.Model){}.",
        "not_trained": "`{}` n'a pas encore été entraîné : appelez {}.fit(...).",
        "not_history": "`{}` devrait être l'objet History renvoyé par fit : history = model.fit(...).",
        "no_val": "`{}` ne contient pas de {} : avez-vous gardé des données de validation ?",
        "no_val_any": "`{}` ne contient aucune mesure de validation (val_...) : avez-vous gardé des données de validation ?",
        "no_metric": "`{}` ne contient pas de {} : compilez le modèle avec metrics=[\"{}\"].",
        "not_dict": "`{}` devrait être un dictionnaire de clés {}.",
        "not_dict_any": "`{}` devrait être un dictionnaire d'objets History (un par entraînement).",
        "empty_dict": "`{}` est vide : ajoutez-y l'objet History de chaque entraînement.",
        "missing_keys": "il manque les clés {} dans `{}`.",
        "or": "ou",
        "ok": "{} : contrat respecté ({} vérifié(s)). La correction vérifie aussi le contenu.",
        "ko": "{} : {} point(s) à revoir avant de rendre.",
        "unknown": "Question inconnue {!r} ; choisissez parmi {}.",
        "public": "Vérifications de la correction rendues publiques :",
        "hidden": "{} vérification(s) cachée(s) à la correction.",
        "kit_error": "Les vérifications publiques n'ont pas pu être lancées ({}).",
        "not_seen": "(`{}` a été entraîné avant `from verification import check` : ses appels à fit n'ont pas été vus ; exécutez le carnet depuis le début.)",
    },
    "en": {
        "missing": "`{}` is not defined: run the cell that creates it (without errors).",
        "not_array": "`{}` should be a numpy array{}.",
        "not_text": "`{}` should be a string{}.",
        "not_choice": "`{}` should be {}{}.",
        "not_int": "`{}` should be an integer{}.",
        "not_number": "`{}` should be a number{}.",
        "not_model": "`{}` should be a Keras model (keras.Sequential or keras.Model){}.",
        "not_trained": "`{}` has not been trained yet: call {}.fit(...).",
        "not_history": "`{}` should be the History object returned by fit: history = model.fit(...).",
        "no_val": "`{}` has no {}: did you hold out validation data?",
        "no_val_any": "`{}` has no validation metric (val_...): did you hold out validation data?",
        "no_metric": "`{}` has no {}: compile the model with metrics=[\"{}\"].",
        "not_dict": "`{}` should be a dictionary with keys {}.",
        "not_dict_any": "`{}` should be a dictionary of History objects (one per training).",
        "empty_dict": "`{}` is empty: put the History object of each training in it.",
        "missing_keys": "keys {} are missing from `{}`.",
        "or": "or",
        "ok": "{}: contract met ({} checked). Grading also checks the content.",
        "ko": "{}: {} point(s) to fix before you hand in.",
        "unknown": "Unknown question {!r}; choose among {}.",
        "public": "Grading checks made public:",
        "hidden": "{} hidden check(s) at grading.",
        "kit_error": "The public checks could not run ({}).",
        "not_seen": "(`{}` was trained before `from verification import check`: its fit calls were not seen; run the notebook from the top.)",
    },
}


def _namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    import __main__

    return vars(__main__)


def _is_model(value) -> bool:
    return hasattr(value, "count_params") and hasattr(value, "layers") and hasattr(value, "fit")


def _is_history(value) -> bool:
    return isinstance(getattr(value, "history", None), dict) and hasattr(value, "params")


def _trained(model) -> bool:
    try:
        return int(model.optimizer.iterations.numpy()) > 0
    except Exception:
        return False


def _is_number(value) -> bool:
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _hint(item: dict, lang: str) -> str:
    hint = (item.get("hint") or {}).get(lang)
    return f" ({hint})" if hint else ""


def _choices(choices: list, t: dict) -> str:
    quoted = [f'"{c}"' for c in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {t['or']} {quoted[-1]}"


def _problems(question: str, ns: dict, t: dict, lang: str) -> tuple[list[str], int]:
    problems, seen = [], 0
    for item in CONTRACT[question]:
        seen += 1
        name = item["name"]
        if name not in ns:
            problems.append(t["missing"].format(name))
            continue
        problems.extend(_kind_problems(item, ns[name], t, lang))
    return problems, seen


def _kind_problems(item: dict, value, t: dict, lang: str) -> list[str]:
    kind, name, hint = item["kind"], item["name"], _hint(item, lang)
    if kind == "array":
        return [] if hasattr(value, "shape") and hasattr(value, "dtype") else [t["not_array"].format(name, hint)]
    if kind == "text":
        if isinstance(value, str):
            return []
        if item.get("choices"):
            return [t["not_choice"].format(name, _choices(item["choices"], t), hint)]
        return [t["not_text"].format(name, hint)]
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [t["not_int"].format(name, hint)]
    if kind == "number":
        return [] if _is_number(value) else [t["not_number"].format(name, hint)]
    if kind == "model":
        if not _is_model(value):
            return [t["not_model"].format(name, hint)]
        return [] if _trained(value) else [t["not_trained"].format(name, name)]
    if kind == "history":
        return _history_problems(name, value, item.get("metrics") or [], t)
    if kind == "history_dict":
        return _history_dict_problems(item, value, t)
    return []   # "object": being defined is the contract


def _history_dict_problems(item: dict, value, t: dict) -> list[str]:
    name, keys, metrics = item["name"], item.get("keys") or [], item.get("metrics") or []
    if not isinstance(value, dict):
        return [t["not_dict"].format(name, list(keys)) if keys else t["not_dict_any"].format(name)]
    if not value:
        return [t["missing_keys"].format(list(keys), name)] if keys else [t["empty_dict"].format(name)]
    missing = [k for k in keys if k not in value]
    problems = [t["missing_keys"].format(missing, name)] if missing else []
    for key in keys or list(value):
        if key in value:
            problems.extend(_history_problems(f"{name}[{key!r}]", value[key], metrics, t))
    return problems


def _history_problems(name: str, value, metrics: list, t: dict) -> list[str]:
    if not _is_history(value):
        return [t["not_history"].format(name)]
    if not metrics:
        validated = any(str(key).startswith("val_") for key in value.history)
        return [] if validated else [t["no_val_any"].format(name)]
    return [t["no_val"].format(name, metric) if metric.startswith("val_") else t["no_metric"].format(name, metric, metric)
            for metric in metrics if metric not in value.history]


def check(question: str, lang: str = "fr") -> None:
    """Show the contract of ``question`` (one of the contract's question ids), the verdicts of its
    public checks and how many stay hidden; never raises, returns nothing (the block is printed)."""
    t = TEXT.get(lang, TEXT["fr"])
    lang = lang if lang in TEXT else "fr"
    question = str(question).lower()
    if question not in CONTRACT and question not in CHECKS:
        print(t["unknown"].format(question, ", ".join(dict.fromkeys([*CONTRACT, *CHECKS]))))
        return None
    print("\n".join(report_lines(question, lang)))
    return None


def report_lines(question: str, lang: str = "fr") -> list[str]:
    """The lines ``check(question, lang)`` prints."""
    t = TEXT.get(lang, TEXT["fr"])
    ns, label, lines = _namespace(), question.upper(), []
    if CONTRACT.get(question):
        problems, seen = _problems(question, ns, t, lang)
        if not problems:
            lines.append("✔ " + t["ok"].format(label, seen))
        else:
            lines.append("✘ " + t["ko"].format(label, len(problems)))
            lines += ["   - " + problem for problem in problems]
    checks = CHECKS.get(question) or {}
    if checks.get("public"):
        lines.append(t["public"])
        try:
            verdicts = public_verdicts(question, lang, ns)
        except Exception as exc:   # the kit itself failed: say so, never raise
            verdicts = []
            error = str(exc) if isinstance(exc, KitUnavailable) else f"{type(exc).__name__}: {exc}"[:200]
            lines.append("   " + t["kit_error"].format(error))
        for verdict in verdicts:
            text = str(verdict["message"]).replace("\n", "\n     ")
            lines.append(f"   {'✔' if verdict['passed'] else '✘'} {text}")
        lines += ["   " + t["not_seen"].format(name) for name in _unseen_fits(question, ns)]
    if checks.get("hidden"):
        lines.append(t["hidden"].format(checks["hidden"]))
    return lines


# ----------------------------------------------------------------------------- public checks
KIT_PACKAGE: str = "_autograder_selfcheck"   # the kit's modules are imported under it (generated)
_kit: dict = {}


class KitUnavailable(RuntimeError):
    """The public checks cannot run here (the kit did not load: its reason)."""


class _KitImporter:
    """Serves the modules of KIT under KIT_PACKAGE to ``import`` (each in its own namespace)."""

    def __init__(self, sources: dict):
        self.sources = sources

    def _relative(self, name: str):
        if name == KIT_PACKAGE:
            return ""
        return name[len(KIT_PACKAGE) + 1:] if name.startswith(KIT_PACKAGE + ".") else None

    def find_spec(self, name, path=None, target=None):
        import importlib.util

        relative = self._relative(name)
        if relative is None:
            return None
        package = relative == "" or any(key.startswith(relative + ".") for key in self.sources)
        if not package and relative not in self.sources:
            return None
        return importlib.util.spec_from_loader(name, self, is_package=package)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        relative = self._relative(module.__name__)
        source = self.sources.get(relative)
        if source is not None:
            filename = f"<verification: {relative}>"
            exec(compile(source, filename, "exec"), module.__dict__)


def _start_kit() -> None:
    """Load the kit and install its recorder (at import: the fits that follow are recorded)."""
    if not KIT or _kit:
        return
    try:
        import importlib
        import sys

        if not any(isinstance(finder, _KitImporter) for finder in sys.meta_path):
            sys.meta_path.append(_KitImporter(KIT))
        runner = importlib.import_module(KIT_PACKAGE + ".checks.self_check")
        checks = importlib.import_module(KIT_PACKAGE + ".assignment.public_checks")
        runner.start()
        _kit.update(runner=runner, checks=checks)
    except Exception as exc:   # never break the notebook's imports: check() says what happened
        _kit["error"] = f"{type(exc).__name__}: {exc}"[:200]


def public_verdicts(question: str | None = None, lang: str = "fr", namespace: dict | None = None) -> list[dict]:
    """Verdicts of the public checks (of ``question``, or all): {"id", "question", "passed",
    "points", "max_points", "message"}, as the grader gives them."""
    _start_kit()
    if "runner" not in _kit:
        raise KitUnavailable(_kit.get("error") or "no public check")
    ns = _namespace() if namespace is None else namespace
    return _kit["runner"].public_verdicts(_kit["checks"], ns, NAMES, question, lang)


def _unseen_fits(question: str, ns: dict) -> list[str]:
    """Models of the question trained (their optimizer moved) without any fit seen by the kit."""
    runner = _kit.get("runner")
    if runner is None:
        return []
    unseen = []
    try:
        seen = {record.get("model_id") for record in runner.recorder.records()}
        for item in CONTRACT.get(question, []):
            value = ns.get(item["name"])
            if item["kind"] == "model" and _is_model(value) and _trained(value) and id(value) not in seen:
                unseen.append(item["name"])
    except Exception:
        return []
    return unseen


def _publish_verdicts(lang: str = "fr") -> None:
    """The grader's epilogue: every public verdict, as a display output for the grader to compare."""
    from IPython.display import publish_display_data

    try:
        data = {"verdicts": public_verdicts(None, lang), "error": None}
    except Exception as exc:
        data = {"verdicts": [], "error": f"{type(exc).__name__}: {exc}"[:300]}
    publish_display_data({"application/vnd.keras-autograder.self-check+json": data})


_start_kit()
