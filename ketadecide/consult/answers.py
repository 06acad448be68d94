"""Reading one typed answer: a choice, several choices, a whole number, an amount, yes or no.
A word that does not parse raises :class:`BadAnswer`, whose message says how to fix it."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ketadecide.consult.steps import Option
from ketadecide.consult.words import NO, NONE_KEY, NONE_WORDS, YES, words
from ketadecide.engine.result import Audience
from ketadecide.errors import Problem
from ketadecide.lang import tr


class BadAnswer(Exception):
    """An answer that does not parse; the message says how to fix it."""


_PLAIN_RANGE = (
    (re.compile(r"^must be at most (\S+), got .*$"), r"it should be \1 or less"),
    (re.compile(r"^must be at least (\S+), got .*$"), r"it should be \1 or more"),
)


def plain_problem(problem: Problem) -> str:
    """The profile's own error message, with its range wording made plain."""
    msg = problem.message
    for pattern, repl in _PLAIN_RANGE:
        msg = pattern.sub(repl, msg)
    return msg[0].lower() + msg[1:] if msg else msg


def yes_no(word: str, audience: Audience) -> bool:
    if word in YES:
        return True
    if word in NO:
        return False
    raise BadAnswer(words("yes_no", audience))


def option_keys(options: tuple[Option, ...]) -> str:
    return f"{options[0].key}-{options[-1].key}" if options else ""


def pick(options: tuple[Option, ...], word: str, audience: Audience) -> Option:
    for o in options:
        if word == o.key.lower():
            return o
    for o in options:
        if (o.value is not None and word == str(o.value).lower()) or word == o.label.lower():
            return o
    if not word.isdigit():
        hits = [
            o
            for o in options
            if (o.value is not None and str(o.value).lower().startswith(word)) or o.label.lower().startswith(word)
        ]
        if not hits:
            hits = _spanish_hits(options, word)
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            which = " or ".join(f"{o.key}) {o.label}" for o in hits[:4])
            raise BadAnswer(words("ambiguous", audience, token=word, which=which))
    raise BadAnswer(words("not_on_list", audience, token=word, keys=option_keys(options)))


def _fold(text: str) -> str:
    """Lower case without accents: "sí", "Sí" and "si" read the same."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _spanish_hits(options: tuple[Option, ...], word: str) -> list[Option]:
    """In Spanish, a word typed with or without accents that starts any word of a choice
    ("privado" for "Seguro privado ...", "intravenosa"): labels put the noun first."""
    from ketadecide.lang import current

    if current() != "es" or len(word) < 3:
        return []
    folded = _fold(word)
    words_of = {o.key: re.findall(r"\w+", _fold(o.label)) for o in options}
    # A choice whose label starts with the word wins over one that only mentions it
    # ("depresión": "Depresión (depresión mayor)", not "Trastorno bipolar (depresión ...)").
    first = [o for o in options if words_of[o.key][:1] and words_of[o.key][0].startswith(folded)]
    return first or [o for o in options if any(w.startswith(folded) for w in words_of[o.key])]


def pick_many(
    options: tuple[Option, ...], word: str, audience: Audience, terms: dict[str, str] | None = None
) -> list[Any]:
    """The values picked; ``[]`` for "none" (asked, none), never for an empty answer.

    ``terms`` maps other names to a value (``{"xanax": "benzodiazepine"}``): a brand or
    generic name is understood as in a profile file."""
    none = False
    chosen: list[Any] = []
    named = {k.casefold(): v for k, v in (terms or {}).items()}
    for token in (t for t in re.split(r"[,;\s]+", word) if t):
        hit = next(
            (o for o in options if token == o.key or (o.value is not None and token == str(o.value).lower())),
            None,
        )
        if hit is None and token.casefold() in named:
            hit = next((o for o in options if o.value == named[token.casefold()]), None)
        if hit is None and token not in NONE_WORDS and len(found := _spanish_hits(options, token)) == 1:
            hit = found[0]
        if hit is None and token in NONE_WORDS:
            hit = next((o for o in options if o.key == NONE_KEY and o.value is None), None)
        if hit is None:
            raise BadAnswer(words("not_on_list", audience, token=token, keys=option_keys(options)))
        if hit.value is None:
            none = True
        elif hit.value not in chosen:
            chosen.append(hit.value)
    if none and chosen:
        raise BadAnswer(words("none_alone", audience))
    return chosen


def strip_unit(word: str, unit: str | None) -> str:
    if unit:
        word = re.sub(rf"\s*{re.escape(unit.lower())}\.?$", "", word)
    return word.strip()


def whole_number(word: str, unit: str | None, audience: Audience) -> int:
    word = strip_unit(word, unit)
    if not re.fullmatch(r"\+?\d{1,6}", word):
        shown = f" ({tr(unit) if audience == 'patient' else unit})" if unit else ""
        raise BadAnswer(words("whole_number", audience, unit=shown, example="3" if not unit else "45"))
    return int(word)


def number(word: str, unit: str | None, audience: Audience) -> float:
    cleaned = strip_unit(word, unit).replace("$", "").replace(",", "").strip()
    shown = f" ({tr(unit) if audience == 'patient' else unit})" if unit else ""
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?|\.\d{1,2}", cleaned):
        raise BadAnswer(words("number", audience, unit=shown, example="300"))
    return float(cleaned)
