"""The patient texts of a knowledge base, by key, and the knowledge base in Spanish.

A key is the text's path through the loaded records: ``crisis.patient``,
``modalities.iv.details.onset.patient``, ``questions.sections.safety.questions.suicidality
.choices.none.patient`` (list items by their ``id``, else their ``value``). Only the
patient's register is translated (``patient`` and ``plain_name``); clinician wording,
ids, numbers, dates, sources and citations stay as they are, so a Spanish result has the
same keys and the same numbers as the English one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import LABEL_CONTRAINDICATIONS
from ketadecide.lang.catalog import CATALOG_NAME, Catalog, bundled_path, for_data_dir, norm
from ketadecide.safeyaml import read_text

#: The fields that hold words for a patient.
TEXT_FIELDS = frozenset({"patient", "plain_name"})
#: Names shown to both audiences: a modality's, a glossary term's (the localized knowledge base is only ever
#: used for what a patient reads, so translating them leaves the clinician's English).
_NAMES = re.compile(
    r"modalities\.[a-z_]+\.(name|short_name)|decision\.intro\.glossary\.\d+\.term"
    # The SURE questions and their credit: one wording for both audiences in the data; the
    # Spanish is our own translation, not validated, and its credit says so (issue 28).
    r"|decision\.sure\.items\.\d+\.question|decision\.sure\.credit"
)


def _is_text(key: str, name: str, value: object) -> bool:
    return isinstance(value, str) and (name in TEXT_FIELDS or _NAMES.fullmatch(key) is not None)


#: The optional files with patient texts, by key prefix (the accessor on KnowledgeBase).
EXTRA_FILES: tuple[str, ...] = ("questions", "troubleshooting", "evidence", "values", "decision")
#: The core records with patient texts, by key prefix (attributes of KnowledgeBase).
CORE_PARTS: tuple[str, ...] = (
    "crisis",
    "disclaimer",
    "treatment_resistance",
    "completeness",
    "modalities",
    "conditions",
    "medications",
    "screens",
    "conflicts",
    "stale_reading",
)

#: The consult's own crisis-path messages (questions.yaml ``messages``).
_SAFETY_MESSAGES = tuple(f"questions.messages.{m}." for m in ("crisis_continue", "crisis_stopped", "safety_recheck"))

_SAFETY_PREFIXES = (
    "crisis.",
    "disclaimer.",
    "questions.sections.safety.",
    "troubleshooting.handout.crisis_resources.",
    *_SAFETY_MESSAGES,
)

Status = Literal["translated", "stale", "missing"]


def _item_key(item: object, index: int) -> str:
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        return ident
    if isinstance(item, BaseModel) and "value" in type(item).model_fields:
        value: object = getattr(item, "value")  # noqa: B009 (only some models have it)
        return "null" if value is None else str(value).lower()
    return str(index)


def walk(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every patient text under ``value``: ``(key, English)``."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            child = getattr(value, name)
            key = f"{path}.{name}"
            if _is_text(key, name, child):
                yield key, child
            else:
                yield from walk(child, key)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}.{_item_key(v, i)}")


def rebuild(value: Any, path: str, table: Mapping[str, str]) -> Any:
    """``value`` with each patient text whose key is in ``table`` replaced (same types)."""
    if isinstance(value, BaseModel):
        update: dict[str, Any] = {}
        for name in type(value).model_fields:
            child = getattr(value, name)
            key = f"{path}.{name}"
            new = table.get(key, child) if _is_text(key, name, child) else rebuild(child, key, table)
            if new is not child:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, Mapping):
        changed = {k: rebuild(v, f"{path}.{k}", table) for k, v in value.items()}
        return changed if any(changed[k] is not value[k] for k in value) else value
    if isinstance(value, (tuple, list)):
        items = [rebuild(v, f"{path}.{_item_key(v, i)}", table) for i, v in enumerate(value)]
        return type(value)(items) if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


def _extra(kb: KnowledgeBase, name: str) -> BaseModel | None:
    getter: Callable[[], BaseModel | None] = getattr(kb, name)
    try:
        return getter()
    except InputError:
        return None


def patient_texts(kb: KnowledgeBase) -> dict[str, str]:
    """Every patient text of ``kb`` by key, core records first."""
    out: dict[str, str] = {}
    for part in CORE_PARTS:
        out.update(walk(getattr(kb, part), part))
    for name in EXTRA_FILES:
        model = _extra(kb, name)
        if model is not None:
            out.update(walk(model, name))
    return out


def is_safety(key: str, kb: KnowledgeBase) -> bool:
    """Whether a missing Spanish twin must stop ``--lang es``: the crisis message, the
    disclaimer and the handout's crisis resources (988 in every copy), the safety question and its choices, the label
    contraindications, and the findings shown above everything (suicidal thoughts)."""
    if key.startswith(_SAFETY_PREFIXES):
        return True
    part, _, rest = key.partition(".")
    ident = rest.split(".", 1)[0]
    if part in ("conditions", "medications"):
        return ident in {i for _, i, _ in LABEL_CONTRAINDICATIONS}
    if part == "screens":
        rule = kb.screens.get(ident)
        return bool(rule is not None and rule.headline)
    if part == "conflicts":
        # A conflict with a headline (e.g. PHQ-9 item 9 against "none") is shown above everything.
        conflict = kb.conflicts.get(ident)
        return bool(conflict is not None and conflict.headline is not None)
    return False


@dataclass(frozen=True)
class Coverage:
    """How far a knowledge base's patient texts are in Spanish."""

    catalog: Path
    status: dict[str, Status]
    """Each patient text's key and whether it has a current Spanish twin."""
    safety: frozenset[str]
    """The keys that are safety texts."""
    clinic_changed: frozenset[str]
    """Keys whose English a clinic changed from the bundled text, without a Spanish twin."""
    unused: tuple[str, ...]
    """Catalog keys that name no patient text of this data (left over after a rename)."""

    @property
    def translated(self) -> int:
        return sum(1 for s in self.status.values() if s == "translated")

    def fallbacks(self) -> list[str]:
        return [k for k, s in self.status.items() if s != "translated"]

    def refused(self) -> list[str]:
        """The keys that stop ``--lang es``: safety texts, and clinic-changed texts, without Spanish."""
        return [k for k in self.fallbacks() if k in self.safety or k in self.clinic_changed]

    def problems(self) -> list[Problem]:
        where = str(self.catalog)
        out = []
        for key in self.refused():
            why = "safety text" if key in self.safety else "text changed by this data directory"
            what = "is out of date (its English changed)" if self.status[key] == "stale" else "is missing"
            out.append(Problem(f"the Spanish of this {why} {what}; --lang es is refused until it is added", where, key))
        return out


def coverage(kb: KnowledgeBase, catalog: Catalog | None = None) -> Coverage:
    """Compare ``kb``'s patient texts with the Spanish catalog."""
    cat = catalog or for_data_dir(kb.data_dir)
    texts = patient_texts(kb)
    status: dict[str, Status] = {}
    for key, english in texts.items():
        twin = cat.twin(key, english)
        status[key] = "missing" if twin is None else "translated" if norm(twin.en) == norm(english) else "stale"
    changed: set[str] = set()
    bundled = _bundled_texts(kb)
    if bundled is not None:
        changed = {k for k, en in texts.items() if k in bundled and norm(bundled[k]) != norm(en)}
    return Coverage(
        catalog=cat.path,
        status=status,
        safety=frozenset(k for k in texts if is_safety(k, kb)),
        clinic_changed=frozenset(changed),
        unused=tuple(sorted(k for k in cat.texts if k not in texts)),
    )


def _bundled_texts(kb: KnowledgeBase) -> dict[str, str] | None:
    """The bundled data's patient texts, when ``kb`` is a clinic's own directory."""
    from ketadecide.knowledge.loader import default_data_dir

    if kb.data_dir.resolve() == default_data_dir().resolve():
        return None
    from ketadecide.floor import load_knowledge_base

    return patient_texts(load_knowledge_base(None))


@dataclass(frozen=True)
class Localized:
    knowledge_base: KnowledgeBase
    coverage: Coverage


def localize(kb: KnowledgeBase, catalog: Catalog | None = None) -> Localized:
    """``kb`` with its patient texts in Spanish; :class:`InputError` naming the first key
    when a safety text (or a text the clinic changed) has no current Spanish twin."""
    cat = catalog or for_data_dir(kb.data_dir)
    cov = coverage(kb, cat)
    problems = cov.problems()
    if problems:
        raise InputError(problems[0])
    english = patient_texts(kb)
    table = {k: twin.es for k, s in cov.status.items() if s == "translated" and (twin := cat.twin(k, english[k]))}
    core = {part: rebuild(getattr(kb, part), part, table) for part in CORE_PARTS}
    spanish = replace(kb, sha256=spanish_sha256(kb.sha256, cat.path), extras=_LocalizedExtras(kb.extras, table), **core)
    return Localized(spanish, cov)


def spanish_sha256(data_sha256: str, catalog: Path) -> str:
    """The ``sha256`` of a Spanish result: the data files' hash, then the bytes of the
    catalogs in use (the data directory's ``lang/es.yaml`` for the texts, the bundled one for
    the program's own words), so a changed translation changes the hash. Only a Spanish
    result carries it: an English result's hash covers the data files alone, as before."""
    hasher = hashlib.sha256(f"{data_sha256}\0".encode())
    paths = {CATALOG_NAME: catalog, f"bundled/{CATALOG_NAME}": bundled_path()}
    for name, path in paths.items():
        text = read_text(path, regular_only=True)
        hasher.update(name.encode() + b"\0" + hashlib.sha256(text.encode("utf-8")).digest())
    return hasher.hexdigest()


class _LocalizedExtras(Mapping[str, Any]):
    """The optional files, each translated the first time it is read."""

    def __init__(self, inner: Mapping[str, Any], table: Mapping[str, str]) -> None:
        self._inner = inner
        self._table = table
        self._done: dict[str, Any] = {}

    def _translated(self, name: str, model: Any) -> Any:
        if model is None or not isinstance(model, BaseModel):
            return model
        if name not in self._done:
            self._done[name] = rebuild(model, name.removesuffix(".yaml"), self._table)
        return self._done[name]

    def file(self, spec: Any) -> Any:
        get = getattr(self._inner, "file", None)
        found = get(spec) if callable(get) else self._inner.get(spec.name)
        return self._translated(spec.name, found)

    def __getitem__(self, name: str) -> Any:
        return self._translated(name, self._inner[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def __getattr__(self, name: str) -> Any:  # path_of, sources_of, oldest_review, ...
        return getattr(self._inner, name)
