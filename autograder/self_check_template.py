"""Auto-vérification — __TITLE__.

Dans le carnet : ``check("__QUESTION__")`` affiche, pour cette question, si le **contrat** est
respecté (les noms demandés existent, ont le bon type, les modèles ont été entraînés) et des
indices sinon. Ce n'est pas la correction : elle vérifie en plus le contenu de vos réponses
(architecture, paramètres, validation...). ``check()`` ne lève jamais d'erreur.
Pour les messages en anglais : ``check("__QUESTION__", lang="en")``.
"""
#~ Template of the student-side self-check (importable and testable as is). The release
#~ (autograder/release.py) writes it beside each assignment's notebook as verification.py with
#~ the title and CONTRACT of the assignment's SPEC (lines starting with "#~" are left out). It
#~ runs in the student's notebook with the standard library only (and the objects the student
#~ built): it must never import autograder.
from __future__ import annotations

CONTRACT: dict = {}  # question id -> [{"name", "kind", "keys"?, "metrics"?, "choices"?, "hint"?}]

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


def check(question: str, lang: str = "fr") -> bool:
    """Print whether the contract of ``question`` (one of the contract's question ids) is met; never raises."""
    t = TEXT.get(lang, TEXT["fr"])
    lang = lang if lang in TEXT else "fr"
    question = str(question).lower()
    if question not in CONTRACT:
        print(t["unknown"].format(question, ", ".join(CONTRACT)))
        return False
    problems, seen = _problems(question, _namespace(), t, lang)
    label = question.upper()
    if not problems:
        print("✔ " + t["ok"].format(label, seen))
        return True
    print("✘ " + t["ko"].format(label, len(problems)))
    for problem in problems:
        print("   - " + problem)
    return False
