"""What a person may type for a condition or medication id, and the did-you-mean for an
unknown one: :func:`with_id_hints` rewrites an unknown id's problem to name the id probably
meant, matching ids, plain names and the brand names the knowledge base's plain names
mention (``Xanax`` -> ``benzodiazepine``). Used by every command that reads profiles, and
by batch for its rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ketadecide.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase

ID_FIELDS = ("conditions", "medications")
#: A capitalised word inside the text (not its first word): a brand name in a plain name,
#: "alprazolam (Xanax)", "such as Adderall, Vyvanse". "St John's wort" is not a brand.
_BRAND = re.compile(r"(?<!^)(?<!St )\b([A-Z][a-z]{2,}(?:-[0-9]+)?)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_ID_PROBLEM = re.compile(r"^(conditions|medications)\[([0-9]+)\]$")
_ID_TEXT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PARENTHESES = re.compile(r"\(([^()]{1,60})\)")


def brand_names(plain_name: str, name: str) -> list[str]:
    """Brand names a medication's plain name mentions (words the clinical name lacks)."""
    clinical = name.casefold()
    out: list[str] = []
    for match in _BRAND.finditer(plain_name):
        word = match.group(1)
        if match.start() > 0 and word.casefold() not in clinical and word not in out:
            out.append(word)
    return out


def id_entries(kb: KnowledgeBase, field: str) -> list[dict[str, Any]]:
    """``[{id, name, plain_name, brands}]`` for ``conditions`` or ``medications``."""
    rules = kb.conditions if field == "conditions" else kb.medications
    return [
        {
            "id": ident,
            "name": rule.name,
            "plain_name": rule.plain_name,
            "brands": brand_names(rule.plain_name, rule.name) if field == "medications" else [],
        }
        for ident, rule in rules.items()
    ]


def id_terms(kb: KnowledgeBase, field: str) -> dict[str, str]:
    """Every name a person might type for an id, ``{term: id}``: the id, its names, its
    brand names, and the longer words of its names that belong to that id alone."""
    terms: dict[str, str] = {}
    words: dict[str, set[str]] = {}
    for entry in id_entries(kb, field):
        ident = entry["id"]
        for term in (ident, entry["name"], entry["plain_name"], *entry["brands"]):
            terms.setdefault(term, ident)
        for text in (entry["name"], entry["plain_name"]):
            for inside in _PARENTHESES.findall(text):
                for part in re.split(r"[,/]| or ", inside.removeprefix("e.g. ")):
                    if part.strip():
                        terms.setdefault(part.strip(), ident)
        for text in (entry["name"], entry["plain_name"]):
            for word in _WORD.findall(text):
                if len(word) >= 5:
                    words.setdefault(word.casefold(), set()).add(ident)
    for word, owners in words.items():
        if len(owners) == 1:
            terms.setdefault(word, next(iter(owners)))
    return terms


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


__all__ = ["ID_FIELDS", "brand_names", "id_entries", "id_terms", "with_id_hints"]
