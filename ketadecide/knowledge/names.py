"""The did-you-mean for an unknown condition or medication id: :func:`with_id_hints`
rewrites its problem to name the id probably meant, from what a person may type for each id
(:func:`ketadecide.knowledge.terms.id_terms`: ids, plain names, the brand names they
mention: ``Xanax`` -> ``benzodiazepine``). Used by every command that reads profiles, and by
batch for its rows. It also says what a carrier or state-plan name in ``insurance`` means
(``Aetna``, ``Medi-Cal``), from the same cited data the consult uses
(``questions.yaml`` insurance ``other_names``): never guessed, the problem stays."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ketadecide.errors import InputError, Problem, did_you_mean
from ketadecide.knowledge.terms import id_terms

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase

ID_FIELDS = ("conditions", "medications")
#: The field whose values a plan or carrier name may stand for.
PLAN_FIELD = "insurance"
#: How each kind of plan is named when a carrier's offer is listed.
_PLAN_WORDS = {
    "commercial": "employer",
    "medicare": "Medicare Advantage",
    "medicaid": "Medicaid",
    "va_tricare": "VA/TRICARE",
}
_ID_PROBLEM = re.compile(r"^(conditions|medications)\[([0-9]+)\]$")
_ID_TEXT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def with_id_hints(exc: InputError, data: object, kb: KnowledgeBase) -> InputError:
    """``exc`` with each unknown condition or medication id said plainly, with the id meant."""
    if not isinstance(data, Mapping):
        return exc
    problems = list(exc.problems)
    named = {p.field for p in problems}
    source = next((p.source for p in problems if p.source), None)
    for field in ID_FIELDS:
        # Ids of the right shape that the knowledge base lacks: said now, with the rest, even
        # when another problem stopped the profile before the knowledge base was consulted.
        known = kb.conditions if field == "conditions" else kb.medications
        items = data.get(field)
        for i, item in enumerate(items if isinstance(items, list | tuple) else ()):
            path = f"{field}[{i}]"
            if isinstance(item, str) and _ID_TEXT.match(item) and item not in known and path not in named:
                problems.append(Problem("unknown id", source, path, problems[0].row))
    out = []
    for p in problems:
        match = _ID_PROBLEM.match(p.field or "")
        value = None
        if match:
            items = data.get(match.group(1))
            index = int(match.group(2))
            if isinstance(items, list | tuple) and index < len(items):
                value = items[index]
        plan = plan_name_hint(data.get(PLAN_FIELD), kb) if p.field == PLAN_FIELD else ""
        if plan:
            shown = _shown(data[PLAN_FIELD])
            out.append(Problem(f"expected a kind of plan, got {shown}; {plan}", p.source, p.field, p.row))
        elif match and isinstance(value, str):
            field = match.group(1)
            what = "condition" if field == "conditions" else "medication"
            hint = did_you_mean(value, id_terms(kb, field))
            shown = value if len(value) <= 60 else value[:57] + "..."
            message = f"unknown {what} {shown!r}{hint} (`ketadecide ids {field}` lists them)"
            out.append(Problem(message, p.source, p.field, p.row))
        else:
            out.append(p)
    return InputError(out)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key(text: str) -> str:
    # As the consult compares them: case, hyphens and spacing do not matter.
    return " ".join(text.casefold().replace("-", " ").split())


def _listed(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def plan_name_hint(value: object, kb: KnowledgeBase) -> str:
    """What a carrier or state-plan name typed for ``insurance`` means, and what to write
    (``""`` when it is not one): "Aetna sells employer, Medicare Advantage and Medicaid
    plans: write commercial, medicare or medicaid"; "Medi-Cal is a Medicaid plan: write
    medicaid". The names and what each sells are cited data (``questions.yaml``)."""
    if not isinstance(value, str):
        return ""
    typed = plan_key(value)
    return next((hint for keys, hint in plan_names(kb) if typed in keys), "")


def plan_key(text: str) -> str:
    """A name as the consult compares it: case, hyphens and spacing do not matter."""
    return _key(text)


def plan_names(kb: KnowledgeBase) -> list[tuple[frozenset[str], str]]:
    """Each plan or carrier name group of ``questions.yaml`` (as :func:`plan_key` gives
    them) with its hint; ``[]`` without a questions file."""
    try:
        questions = kb.questions()
    except InputError:
        return []  # no questions file: the plain problem stands
    found = []
    for section in questions.sections:
        for q in section.questions:
            if q.id != PLAN_FIELD:
                continue
            for other in q.other_names:
                name = other.names[0]
                kinds = [_PLAN_WORDS.get(v, v) for v in other.values]
                write = _listed(list(other.values), "or")
                if len(other.values) == 1:
                    hint = f"{name} is a {kinds[0]} plan: write {write}"
                else:
                    hint = f"{name} sells {_listed(kinds, 'and')} plans: write {write}"
                found.append((frozenset(_key(n) for n in other.names), hint))
    return found


__all__ = ["ID_FIELDS", "PLAN_FIELD", "plan_key", "plan_name_hint", "plan_names", "with_id_hints"]
