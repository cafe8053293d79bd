"""What a passed check verified: success notes, localized like the failures.

A failed check says what is wrong (``CheckFailed``); a passed one says what was verified, so
that the feedback teaches on success too ("structure de `model` : 64 → Dense(32, relu) ×3 →
Dense(10, softmax)", "`model` a 134 794 paramètres", "validation_split=0.2"). A note is a
message key and its parameters, looked up in the same catalogs as the failures (the generic
``CATALOG`` of ``messages.py``, whose note keys start with ``ok.``, or an assignment's own keys
registered with :func:`~autograder.checks.messages.register_messages`).

* Every ``expect_*`` of the library records a note when it passes (it is an
  :func:`expectation`): a check made of ``expect_*`` calls needs nothing more.
* A check records its own note with :func:`verified` (or ``sub.note(key, **params)``), e.g.
  after testing facts itself; ``with quietly():`` drops the notes of the expectations inside
  (a loop over five histories that the check sums up in one note of its own).
* An expectation called by another expectation records nothing: only the outermost one speaks
  (``expect_epochs`` says how many epochs, not also that the model was trained).

The grader collects the notes of each check (:func:`collect_notes`, used by the pytest plugin
and the nbgrader bridge): a passed check's verdict message is its notes, one per line. Outside
a collection (a check function called directly), :func:`verified` records nothing and only
checks the key.

Numbers are written as people read them in each language (:func:`number`: ``134 794`` with a
narrow no-break space and ``0,3`` in French, ``134,794`` and ``0.3`` in English), as a
:class:`~autograder.checks.messages.Localized` parameter.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable, Iterator

from autograder.checks.messages import Localized, lookup, message

NOTE_PREFIX = "ok."             # generic note keys in CATALOG: "ok.structure", "ok.loss", ...
THOUSANDS_FR = "\u202f"         # French thousands separator: a narrow no-break space
NOTE_SEPARATOR = "\n"           # between the notes of one check in its verdict message


@dataclass(frozen=True)
class Note:
    """One thing a check verified: a message key and its parameters."""

    key: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return message(self.key, lang, **self.params)


_notes: ContextVar[list[Note] | None] = ContextVar("autograder_notes", default=None)
_depth: ContextVar[int] = ContextVar("autograder_expectation_depth", default=0)
_quiet: ContextVar[bool] = ContextVar("autograder_quiet", default=False)


def verified(key: str, **params) -> Note:
    """Record that a check verified something (``verified("ok.loss", name="m", loss="mse")``).

    The key must exist in a catalog (``UnknownMessageKey`` at once otherwise). The note is
    kept when a collection is open, outside ``quietly()``, and when it is not said by an
    expectation that another expectation called."""
    lookup(key)
    note = Note(key, dict(params))
    notes = _notes.get()
    if notes is not None and not _quiet.get() and _depth.get() <= 1:
        notes.append(note)
    return note


def expectation(function: Callable) -> Callable:
    """Mark a function as an expectation: the notes of the expectations it calls are dropped,
    its own are kept (when it is not itself called by an expectation)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            return function(*args, **kwargs)
        finally:
            _depth.reset(token)

    return run


@contextmanager
def quietly() -> Iterator[None]:
    """No note is recorded inside the block (the check sums it up with its own note)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextmanager
def collect_notes() -> Iterator[list[Note]]:
    """Collect the notes recorded inside the block (one check's run)."""
    notes: list[Note] = []
    token, depth = _notes.set(notes), _depth.set(0)
    try:
        yield notes
    finally:
        _notes.reset(token)
        _depth.reset(depth)


def notes_text(notes: list[Note], lang: str | None = None) -> str:
    """The notes of one check in ``lang``, one per line, each said once, in order."""
    return NOTE_SEPARATOR.join(dict.fromkeys(note.text(lang) for note in notes))


def note_lines(text: str) -> list[str]:
    """The notes of a verdict message (the inverse of :func:`notes_text`)."""
    return [line for line in text.split(NOTE_SEPARATOR) if line.strip()]


# ----------------------------------------------------------------------------- numbers
def _number_text(value, lang: str, digits: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (digits is None and float(value).is_integer()):
        text = f"{int(value):,}"
    elif digits is None:
        text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    else:
        text = f"{value:,.{digits}f}"
    if lang == "fr":
        return text.replace(",", THOUSANDS_FR).replace(".", ",")
    return text


def number(value, digits: int | None = None, *, sign: bool = False) -> Localized:
    """A number for a message: ``134 794`` / ``0,3`` in French, ``134,794`` / ``0.3`` in English
    (``digits``: that many decimals; ``sign``: a ``+`` before positive numbers)."""
    def text(lang: str) -> str:
        body = _number_text(value, lang, digits)
        return f"+{body}" if sign and isinstance(value, (int, float)) and value > 0 else body

    return Localized(fr=text("fr"), en=text("en"))


def counted(count: int, fr: tuple[str, str], en: tuple[str, str]) -> Localized:
    """A count and its noun, singular or plural as each language wants (French: singular for
    0 and 1): ``counted(10, ("époque", "époques"), ("epoch", "epochs"))``."""
    one = Localized(fr=fr[0], en=en[0])
    many = Localized(fr=fr[1], en=en[1])
    plural = {"fr": abs(count) >= 2, "en": abs(count) != 1}
    value = number(count)
    return Localized(**{lang: f"{value[lang]} {(many if plural[lang] else one)[lang]}" for lang in ("fr", "en")})


EPOCHS = (("époque", "époques"), ("epoch", "epochs"))


def epochs_text(count: int) -> Localized:
    """``10 époques`` / ``10 epochs``; ``1 époque`` / ``1 epoch``."""
    return counted(count, *EPOCHS)


def shape_text(shape) -> Localized:
    """An array shape for a message: ``(60 000, 64)`` in French, ``(60000, 64)`` in English
    (as Python prints it: a comma there already separates the dimensions)."""
    def text(lang: str) -> str:
        dims = [("?" if d is None else _number_text(d, lang, None) if lang == "fr" else str(d)) for d in shape]
        return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"

    return Localized(fr=text("fr"), en=text("en"))
