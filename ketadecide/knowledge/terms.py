"""Every name a person may type for a condition or medication id: the id, its clinical and
plain names, the brand names its plain name mentions (``Xanax`` -> ``benzodiazepine``), and
the longer words that belong to one id alone. Used by ``ketadecide ids``, the did-you-mean
for profile files, and the consult, so a name means the same everywhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase

#: A capitalised word inside the text (not its first word): a brand name in a plain name,
#: "alprazolam (Xanax)", "such as Adderall, Vyvanse". "St John's wort" is not a brand.
_BRAND = re.compile(r"(?<!^)(?<!St )\b([A-Z][a-z]{2,}(?:-[0-9]+)?)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
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
