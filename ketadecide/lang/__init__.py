"""Languages for the patient: which one is in use, and the interface words in it.

The language is a context setting (``use("es")``), not an argument threaded through every
renderer: the CLI sets it once per command, and the words that code itself prints (headings,
status words, consult prompts) pass through :func:`tr`. Texts from the data files are
translated once, when the knowledge base is localized (:mod:`ketadecide.i18n.texts`), so
the result carries them like the English. Clinician wording is never translated.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Literal, TypeVar, cast

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")

_LANG: contextvars.ContextVar[Lang] = contextvars.ContextVar("ketadecide_lang", default="en")
#: English interface texts asked for in Spanish that the catalog lacks (shown in English).
_MISSED: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("ketadecide_missed", default=None)


def current() -> Lang:
    """The patient's language for this command (``en`` unless a command set it)."""
    return _LANG.get()


@contextlib.contextmanager
def use(lang: Lang) -> Iterator[set[str]]:
    """Patient texts in ``lang`` inside the block; yields the set of interface texts that
    fell back to English (so the command can say so)."""
    missed: set[str] = set()
    token = _LANG.set(lang)
    token_missed = _MISSED.set(missed)
    try:
        yield missed
    finally:
        _LANG.reset(token)
        _MISSED.reset(token_missed)


def set_lang(lang: Lang) -> set[str]:
    """Set the language for the rest of this context (a CLI command); the fallbacks set."""
    missed: set[str] = set()
    _LANG.set(lang)
    _MISSED.set(missed)
    return missed


#: The language of the error lines a command prints (set from its options before anything
#: is read, so a file error a patient meets is in the patient's language too).
_ERRORS: contextvars.ContextVar[Lang] = contextvars.ContextVar("ketadecide_errors_lang", default="en")


def set_error_lang(lang: Lang) -> None:
    """Error lines in ``lang`` for the rest of this context (a CLI command)."""
    _ERRORS.set(lang)


def error_lang() -> Lang:
    return _ERRORS.get()


def tr_error(text: str) -> str:
    """An error message in the command's error language, when the catalog has it, word for
    word or as a template with values (``must be at most {max}, got {value}``); else as it is
    (not recorded: a parser's own words are not ours to translate)."""
    if _ERRORS.get() == "en":
        return text
    from ketadecide.lang.catalog import error_templates, interface

    flat = " ".join(text.split())
    found = interface().get(flat)
    if found is not None:
        return found
    for pattern, spanish in error_templates():
        match = pattern.fullmatch(flat)
        if match:
            return spanish.format(**match.groupdict())
    return text


def missed() -> frozenset[str]:
    """Interface texts shown in English although Spanish was asked for."""
    found = _MISSED.get()
    return frozenset(found or ())


def tr(text: str) -> str:
    """``text`` (an English interface text, or a template before ``.format``) in the
    current language; English itself when the catalog has no twin (recorded, so the
    command can say a text is still in English)."""
    if _LANG.get() == "en" or not text.strip():
        return text
    from ketadecide.lang.catalog import interface

    found = interface().get(" ".join(text.split()))
    if found is None:
        bucket = _MISSED.get()
        if bucket is not None:
            bucket.add(text)
        return text
    # Keep the English's leading and trailing spacing (texts are often joined).
    lead = text[: len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()) :]
    return lead + found + tail


def trf(template: str, **values: object) -> str:
    """A patient sentence with values in it: the template translated, then filled."""
    return tr(template).format(**values)


#: Month abbreviations in Spanish (a date's numbers stay as in the English).
_MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def month_year(day: dt.date) -> str:
    """``Jan 2026`` in English, ``ene 2026`` in Spanish."""
    if _LANG.get() == "es":
        return f"{_MONTHS_ES[day.month - 1]} {day.year}"
    return f"{day:%b %Y}"


V = TypeVar("V")


def _tr_any(value: object) -> object:
    if isinstance(value, str):
        return tr(value)
    if isinstance(value, Mapping):
        return {k: _tr_any(v) for k, v in value.items()}
    return value


class Registers(dict[str, V]):
    """Words in the two registers, ``{"clinician": ..., "patient": ...}``: the patient's
    come out in the current language (a string, or a mapping of strings), the
    clinician's always in English."""

    def __getitem__(self, key: str) -> V:
        value = super().__getitem__(key)
        if key == "patient" and _LANG.get() != "en":
            return cast(V, _tr_any(value))
        return value

    def get(self, key: str, default: object = None) -> V:
        return self[key] if key in self else cast(V, default)
