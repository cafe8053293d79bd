"""Auto-vérification du TD « Keras & perceptron multi-couches ».

Dans le carnet : ``check("q3")`` affiche, pour la question 3, si le **contrat** est respecté
(les noms demandés existent, ont le bon type, les modèles ont été entraînés) et des indices
sinon. Ce n'est pas la correction : elle vérifie en plus l'architecture, les paramètres,
la validation et la régularisation de vos modèles. ``check()`` ne lève jamais d'erreur.
Pour les messages en anglais : ``check("q3", lang="en")``.
"""
from __future__ import annotations

CONTRACT = {
    "q1": {"arrays": ["X_train", "X_test", "y_train", "y_test", "Xb_train", "Xb_test", "yb_train", "yb_test"],
           "texts": ["type_mnist", "type_boston"]},
    "q2": {"models": ["model_q2"]},
    "q3": {"models": ["model_q3_1", "model_q3_2", "model_q3_3"]},
    "q4": {"ints": ["n_params_q3_3"], "models": ["model_q4"]},
    "q5": {"history_dicts": ["histories_q5"]},
    "q6": {"models": ["model_q6"], "histories": ["history_q6"]},
    "q7": {"models": ["model_q7"], "histories": ["history_q7"]},
}
Q5_KEYS = ("q2", "q3_1", "q3_2", "q3_3", "q4")

TEXT = {
    "fr": {
        "missing": "`{}` n'est pas défini : exécutez la cellule qui le crée (sans erreur).",
        "not_array": "`{}` devrait être un tableau numpy (renvoyé par prepare_mnist / prepare_boston).",
        "not_text": "`{}` devrait valoir \"classification\" ou \"regression\".",
        "not_int": "`{}` devrait être un entier (count_params() renvoie un entier).",
        "not_model": "`{}` devrait être un modèle Keras (keras.Sequential ou keras.Model).",
        "not_trained": "`{}` n'a pas encore été entraîné : appelez {}.fit(...).",
        "not_history": "`{}` devrait être l'objet History renvoyé par fit : history = model.fit(...).",
        "no_val": "`{}` ne contient pas de val_accuracy : avez-vous gardé des données de validation ?",
        "not_dict": "`{}` devrait être un dictionnaire de clés {}.",
        "missing_keys": "il manque les clés {} dans `{}`.",
        "ok": "{} : contrat respecté ({} vérifié(s)). La correction vérifie aussi le contenu.",
        "ko": "{} : {} point(s) à revoir avant de rendre.",
        "unknown": "Question inconnue {!r} ; choisissez parmi {}.",
    },
    "en": {
        "missing": "`{}` is not defined: run the cell that creates it (without errors).",
        "not_array": "`{}` should be a numpy array (returned by prepare_mnist / prepare_boston).",
        "not_text": "`{}` should be \"classification\" or \"regression\".",
        "not_int": "`{}` should be an integer (count_params() returns an integer).",
        "not_model": "`{}` should be a Keras model (keras.Sequential or keras.Model).",
        "not_trained": "`{}` has not been trained yet: call {}.fit(...).",
        "not_history": "`{}` should be the History object returned by fit: history = model.fit(...).",
        "no_val": "`{}` has no val_accuracy: did you hold out validation data?",
        "not_dict": "`{}` should be a dictionary with keys {}.",
        "missing_keys": "keys {} are missing from `{}`.",
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


def _problems(question: str, ns: dict, t: dict) -> tuple[list[str], int]:
    spec, problems, seen = CONTRACT[question], [], 0
    for kind, names in spec.items():
        for name in names:
            seen += 1
            if name not in ns:
                problems.append(t["missing"].format(name))
                continue
            problems.extend(_kind_problems(kind, name, ns[name], t))
    return problems, seen


def _kind_problems(kind: str, name: str, value, t: dict) -> list[str]:
    if kind == "arrays":
        return [] if hasattr(value, "shape") and hasattr(value, "dtype") else [t["not_array"].format(name)]
    if kind == "texts":
        return [] if isinstance(value, str) else [t["not_text"].format(name)]
    if kind == "ints":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [t["not_int"].format(name)]
    if kind == "models":
        if not _is_model(value):
            return [t["not_model"].format(name)]
        return [] if _trained(value) else [t["not_trained"].format(name, name)]
    if kind == "histories":
        return _history_problems(name, value, t)
    if kind == "history_dicts":
        if not isinstance(value, dict):
            return [t["not_dict"].format(name, list(Q5_KEYS))]
        missing = [k for k in Q5_KEYS if k not in value]
        problems = [t["missing_keys"].format(missing, name)] if missing else []
        for key in Q5_KEYS:
            if key in value:
                problems.extend(_history_problems(f"{name}[{key!r}]", value[key], t))
        return problems
    return []


def _history_problems(name: str, value, t: dict) -> list[str]:
    if not _is_history(value):
        return [t["not_history"].format(name)]
    return [] if "val_accuracy" in value.history else [t["no_val"].format(name)]


def check(question: str, lang: str = "fr") -> bool:
    """Print whether the contract of ``question`` ("q1" … "q7") is met; never raises."""
    t = TEXT.get(lang, TEXT["fr"])
    question = str(question).lower()
    if question not in CONTRACT:
        print(t["unknown"].format(question, ", ".join(CONTRACT)))
        return False
    problems, seen = _problems(question, _namespace(), t)
    label = question.upper()
    if not problems:
        print("✔ " + t["ok"].format(label, seen))
        return True
    print("✘ " + t["ko"].format(label, len(problems)))
    for problem in problems:
        print("   - " + problem)
    return False
