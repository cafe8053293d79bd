"""The students' bundle of an assignment: one zip to attach to the LMS assignment (e.g. Moodle).

``python -m autograder bundle NAME [--out DIR] [--lang fr|en]`` writes
``DIR/<NAME>-etudiants.zip`` (``<NAME>-students.zip`` in English) holding one folder ``<NAME>/``:
the released notebook, its released files (the SPEC's support files and the self-check) and a
``README.txt`` for the students, in French then English (English first with ``--lang en``):
how to open the notebook, how to use the self-check, where the data come from (the SPEC's
``student_notes``), what to hand in.

The bundle is made from ``release/<NAME>/`` as it is: a release that is missing, incomplete or
older than the source (support files or self-check that differ from what the release would
write now, a notebook that does not name its assignment) is refused with the command to run.
The zip is reproducible: same release, same bytes.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.assignments import METADATA_KEY, SELF_CHECK_FILE, AssignmentSpec, load_assignment
from autograder.files import write_bytes_atomic

README_NAME = "README.txt"
ZIP_SUFFIX = {"fr": "etudiants", "en": "students"}
ZIP_DATE = (2020, 1, 1, 0, 0, 0)   # fixed timestamps: the same release gives the same zip


class BundleError(Exception):
    """The bundle cannot be made (no release, an out-of-date one); the message says what to run."""


@dataclass(frozen=True)
class Bundle:
    path: Path                      # the zip written
    files: tuple[str, ...]          # its members, in order


def bundle_name(spec: AssignmentSpec, lang: str = "fr") -> str:
    return f"{spec.name}-{ZIP_SUFFIX[lang]}.zip"


def release_problems(spec: AssignmentSpec) -> list[str]:
    """Why ``release/<name>/`` cannot be handed to students as it is (empty: it can)."""
    from autograder.release import render_self_check

    release = spec.release_dir()
    notebook = release / spec.notebook_name
    if not notebook.is_file():
        return [f"{notebook} is missing"]
    problems = [f"{release / name} is missing" for name in spec.missing_release_files()]
    source = spec.source_dir()
    for name in spec.support_files:
        released, original = release / name, source / name
        if released.is_file() and original.is_file() and released.read_bytes() != original.read_bytes():
            problems.append(f"{released} differs from {original}")
    check = release / SELF_CHECK_FILE
    if check.is_file() and check.read_text(encoding="utf-8") != render_self_check(spec):
        problems.append(f"{check} is not the self-check of the current SPEC")
    try:
        named = nbformat.read(notebook, as_version=4).metadata.get(METADATA_KEY, {}).get("assignment")
    except Exception as exc:  # noqa: BLE001  an unreadable notebook: say so
        problems.append(f"{notebook} cannot be read ({exc})")
    else:
        if named != spec.name:
            problems.append(f"{notebook} does not name its assignment in its metadata "
                            f"({METADATA_KEY}.assignment = {named!r})")
    return problems


def write_bundle(name: str, *, out_dir: Path | None = None, lang: str = "fr") -> Bundle:
    """Write the students' zip of assignment ``name`` into ``out_dir`` (default: the current
    folder); refuses (:class:`BundleError`) a missing or out-of-date release."""
    if lang not in ZIP_SUFFIX:
        raise ValueError(f"lang must be one of {tuple(ZIP_SUFFIX)}, not {lang!r}")
    spec = load_assignment(name)
    problems = release_problems(spec)
    if problems:
        raise BundleError(
            f"the release of {name} is missing or out of date:\n" + "".join(f"  - {p}\n" for p in problems)
            + f"run `python -m autograder release {name}` first")
    out_dir = Path(out_dir) if out_dir is not None else Path.cwd()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / bundle_name(spec, lang)
    members = [spec.notebook_name, *spec.released_files]
    buffer = io.BytesIO()   # a notebook and a few small files: built in memory, written atomically
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        _add(zf, f"{spec.name}/{README_NAME}", student_readme(spec, lang).encode("utf-8"))
        for member in members:
            _add(zf, f"{spec.name}/{member}", (spec.release_dir() / member).read_bytes())
    write_bytes_atomic(path, buffer.getvalue())
    return Bundle(path=path, files=tuple(f"{spec.name}/{m}" for m in [README_NAME, *members]))


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


# ----------------------------------------------------------------------------- README
def student_readme(spec: AssignmentSpec, lang: str = "fr") -> str:
    """The students' README: both languages, ``lang`` first."""
    other = "en" if lang == "fr" else "fr"
    note = {"fr": "(English version below.)", "en": "(Version française plus bas.)"}[lang]
    first = _readme_in(spec, lang).split("\n", 2)
    first.insert(2, "\n" + note)
    return "\n".join(first) + f"\n\n\n{'#' * 72}\n\n{_readme_in(spec, other)}\n"


def _points(value: float) -> str:
    return f"{value:g}"


def _readme_in(spec: AssignmentSpec, lang: str) -> str:
    fr = lang == "fr"
    notebook = spec.notebook_name
    title = spec.title_in(lang)
    heading = f"{title}\n{'=' * len(title)}"
    sub = "-"

    def section(text: str) -> str:
        return f"{text}\n{sub * len(text)}"

    support = [f for f in spec.support_files]
    lines = [heading, ""]
    # -- content
    lines.append(section("Contenu du dossier" if fr else "What is in this folder"))
    colon = " :" if fr else ":"
    lines.append(f"* {notebook}{colon} " + ("le carnet à compléter (le seul fichier à rendre) ;" if fr else
                                       "the notebook to complete (the only file to hand in);"))
    for name in support:
        lines.append(f"* {name}{colon} " + ("fourni avec le carnet, utilisé par lui (ne le modifiez pas) ;" if fr else
                                       "provided with the notebook, used by it (do not edit it);"))
    lines.append(f"* {SELF_CHECK_FILE}{colon} " + ("l'auto-vérification (voir plus bas) ;" if fr else
                                              "the self-check (see below);"))
    lines.append(f"* {README_NAME}{colon} " + ("ce fichier." if fr else "this file."))
    lines.append("")
    lines.append("Gardez ces fichiers ensemble dans le même dossier : le carnet les importe." if fr else
                 "Keep these files together in the same folder: the notebook imports them.")
    lines.append("")
    # -- open
    lines.append(section("Ouvrir le carnet" if fr else "Opening the notebook"))
    lines.append(
        f"Décompressez l'archive, puis ouvrez {notebook} depuis ce dossier avec Jupyter (JupyterLab,\n"
        "Jupyter Notebook) ou VS Code. Exécutez les cellules dans l'ordre : la première cellule de code\n"
        "importe les bibliothèques ; si l'une manque, installez-la (pip install ...) puis relancez le noyau.\n"
        "Remplacez chaque `raise NotImplementedError()` par votre code et chaque « VOTRE RÉPONSE ICI »\n"
        "par votre réponse rédigée. Gardez exactement les noms de variables demandés : la correction\n"
        "les cherche." if fr else
        f"Unzip the archive, then open {notebook} from this folder with Jupyter (JupyterLab, Jupyter\n"
        "Notebook) or VS Code. Run the cells in order: the first code cell imports the libraries; if one is\n"
        "missing, install it (pip install ...) and restart the kernel. Replace each\n"
        "`raise NotImplementedError()` with your code and each \"VOTRE RÉPONSE ICI\" (\"your answer here\")\n"
        "with your written answer. Keep the requested variable names exactly: the grading looks for them.")
    lines.append("")
    # -- self-check
    contract = spec.self_check_contract()
    lines.append(section("S'auto-vérifier" if fr else "Checking your work yourself"))
    if contract:
        first = next(iter(contract))
        lines.append(
            "Dans n'importe quelle cellule du carnet :\n\n"
            f"    from verification import check\n    check(\"{first}\")\n\n"
            "affiche si le contrat de la question est respecté (les noms demandés existent, ont le bon\n"
            "type, les modèles ont été entraînés) et des indices sinon. Ce n'est pas la note : la\n"
            f"correction vérifie davantage. Messages en anglais : check(\"{first}\", lang=\"en\").\n"
            "Questions vérifiables :" if fr else
            "In any cell of the notebook:\n\n"
            f"    from verification import check\n    check(\"{first}\", lang=\"en\")\n\n"
            "tells whether the question's contract is met (the requested names exist, have the right\n"
            "type, the models were trained) and gives hints otherwise. It is not the grade: the grading\n"
            "checks more. Questions you can check:")
        for qid in contract:
            lines.append(f"* check(\"{qid}\") : {spec.question_title(qid, lang)}" if fr else
                         f"* check(\"{qid}\"): {spec.question_title(qid, lang)}")
    else:
        lines.append("Ce TP n'a pas d'auto-vérification." if fr else "This assignment has no self-check.")
    lines.append("")
    # -- data
    if spec.student_notes:
        lines.append(section("Les données" if fr else "The data"))
        lines.append(spec.student_notes[lang].rstrip())
        lines.append("")
    # -- hand in
    manual = sum(m.points for m in spec.manual)
    lines.append(section("Ce qu'il faut rendre" if fr else "What to hand in"))
    if fr:
        lines.append(
            f"Uniquement le carnet {notebook}, sous ce nom (ne le renommez pas, ne le compressez pas).\n"
            f"Ne rendez pas {' ni '.join([*support, SELF_CHECK_FILE])} : la correction utilise ses propres copies.\n"
            "Avant de le rendre : menu Noyau → Redémarrer et tout exécuter (Kernel → Restart & Run All),\n"
            "vérifiez qu'il s'exécute de haut en bas sans erreur, puis enregistrez-le.")
        lines.append(f"Barème : {_points(spec.max_score)} points"
                     + (f", dont {_points(manual)} pour les réponses rédigées, corrigées à la main." if manual
                        else ", corrigés automatiquement."))
    else:
        lines.append(
            f"Only the notebook {notebook}, under that name (do not rename it, do not zip it).\n"
            f"Do not hand in {' or '.join([*support, SELF_CHECK_FILE])}: the grading uses its own copies.\n"
            "Before handing it in: menu Kernel → Restart & Run All (\"Redémarrer et tout exécuter\"),\n"
            "check that it runs from top to bottom without error, then save it.")
        lines.append(f"Grading: {_points(spec.max_score)} points"
                     + (f", {_points(manual)} of them for the written answers, graded by hand." if manual
                        else ", graded automatically."))
    return "\n".join(lines).rstrip()
