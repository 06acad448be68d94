"""The did-you-mean for an unknown condition or medication id: :func:`with_id_hints`
rewrites its problem to name the id probably meant, from what a person may type for each id
(:func:`ketadecide.knowledge.terms.id_terms`: ids, plain names, the brand names they
mention: ``Xanax`` -> ``benzodiazepine``). Used by every command that reads profiles, and by
batch for its rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ketadecide.errors import InputError, Problem, did_you_mean
from ketadecide.knowledge.terms import id_terms

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase

ID_FIELDS = ("conditions", "medications")
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
        if match and isinstance(value, str):
            field = match.group(1)
            what = "condition" if field == "conditions" else "medication"
            hint = did_you_mean(value, id_terms(kb, field))
            shown = value if len(value) <= 60 else value[:57] + "..."
            message = f"unknown {what} {shown!r}{hint} (`ketadecide ids {field}` lists them)"
            out.append(Problem(message, p.source, p.field, p.row))
        else:
            out.append(p)
    return InputError(out)


__all__ = ["ID_FIELDS", "with_id_hints"]
