"""The shape of ``data/codes.yaml``: which record codes mean which profile values.

Every entry is a cited, dated record (like the rest of the knowledge base). An entry says
which kind of record it reads (a condition, a medication, an allergy, an observation or
an answer to a question), in which code system, which codes (exact, or prefixes for the
hierarchical ICD-10-CM and ATC), and what they set in the profile. An entry that sets
nothing must say why in ``note``: the code is then reported as *read, informational only*,
never silently dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ketadecide.errors import Problem
from ketadecide.knowledge.jsonvalues import _codings, _str
from ketadecide.knowledge.models import (
    LABEL_CONTRAINDICATIONS,
    Cited,
    ContraindicationsFile,
    RecordId,
    Strict,
    Text,
    unknown_ids,
)
from ketadecide.profile import Diagnosis, Pregnancy

SystemName = Literal["icd10cm", "snomed", "loinc", "rxnorm", "atc"]
RecordKind = Literal["condition", "medication", "allergy", "observation", "answer"]
ObservationRole = Literal[
    "bp_panel",
    "bp_systolic",
    "bp_diastolic",
    "phq9_panel",
    "phq9_total",
    "phq9_item_1",
    "phq9_item_2",
    "phq9_item_3",
    "phq9_item_4",
    "phq9_item_5",
    "phq9_item_6",
    "phq9_item_7",
    "phq9_item_8",
    "phq9_item_9",
    "pregnancy_status",
]
Tag = Literal["antidepressant", "ketamine"]
CodeText = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\S+$")]
NameText = Annotated[str, Field(min_length=3, max_length=60, pattern=r"^[a-z][a-z0-9 -]*$")]

#: What a code looks like in each system (codes.yaml writes ICD-10-CM with its dot).
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "icd10cm": re.compile(r"^[A-Z]([0-9][0-9A-Z]?(\.[0-9A-Z]{1,4})?)?$"),
    "atc": re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$"),
    "snomed": re.compile(r"^[1-9][0-9]{5,17}$"),
    "rxnorm": re.compile(r"^[1-9][0-9]{0,8}$"),
    "loinc": re.compile(r"^([0-9]{1,7}-[0-9]|LA[0-9]{1,6}-[0-9])$"),
}


def normalize_code(system: str, code: str) -> str:
    """The form codes are compared in: ICD-10-CM without its dot, ATC upper-case."""
    code = code.strip()
    if system == "icd10cm":
        return code.replace(".", "").upper()
    if system == "atc":
        return code.upper()
    return code


#: Record codes (and, for allergies, allergen names) that every codes.yaml must keep mapping
#: to the labels' contraindications: the bundled data's ICD-10-CM and SNOMED CT condition
#: codes, and its allergy codes (ATC) and names for ketamine and esketamine. Keyed by the
#: condition ids of :data:`~ketadecide.knowledge.models.LABEL_CONTRAINDICATIONS` (and only
#: those: checked below), so the label list is stated once. A clinic may add codes, never
#: drop or re-point these: a record of an aneurysm that maps to nothing would hide an
#: absolute contraindication.
_LABEL_CODES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ketamine_hypersensitivity": (
        ("allergy", "atc", "N01AX03"),
        ("allergy", "atc", "N01AX14"),
        ("allergy", "atc", "N06AX27"),
        ("allergy", "name", "ketamine"),
        ("allergy", "name", "esketamine"),
    ),
    "aneurysmal_vascular_disease": (
        ("condition", "icd10cm", "I71"),
        ("condition", "icd10cm", "I72"),
        ("condition", "icd10cm", "I67.1"),
        ("condition", "snomed", "432119003"),
    ),
    "arteriovenous_malformation": (
        ("condition", "icd10cm", "Q28.0"),
        ("condition", "icd10cm", "Q28.2"),
        ("condition", "icd10cm", "Q27.3"),
    ),
    "intracerebral_hemorrhage_history": (
        ("condition", "icd10cm", "I61"),
        ("condition", "icd10cm", "I69.1"),
        ("condition", "snomed", "274100004"),
    ),
}
LABEL_CONTRAINDICATION_CODES: tuple[tuple[str, str, str, str, str], ...] = tuple(
    (what, ident, record, system, code)
    for what, ident, _ in LABEL_CONTRAINDICATIONS
    for record, system, code in _LABEL_CODES[ident]
)
"""(what, condition id, record kind, system or ``name``, code or name): the codes floor."""
if set(_LABEL_CODES) != {ident for _, ident, _ in LABEL_CONTRAINDICATIONS}:  # pragma: no cover - a coding slip
    raise AssertionError("_LABEL_CODES must cover exactly the label contraindications")


class CodeSystem(Cited):
    """A terminology: the URIs a FHIR ``Coding.system`` may carry for it, and how to match."""

    name: Text
    uris: Annotated[tuple[Annotated[str, Field(pattern=r"^(https?|urn):\S+$")], ...], Field(min_length=1)]
    match: Literal["exact", "prefix"]


class CodeEntry(Cited):
    """Codes of one system, in one kind of record, and what they mean for the profile."""

    record: RecordKind
    system: SystemName
    label: Text
    """What the codes are, e.g. 'Bipolar disorder, current episode manic'."""
    codes: tuple[CodeText, ...] = ()
    """Exact codes, or prefixes for a system matched by prefix (the longest prefix wins)."""
    names: tuple[NameText, ...] = ()
    """Medicines and allergens only: words matched in the record's text when no code matched."""
    diagnoses: tuple[Diagnosis, ...] = ()
    conditions: tuple[RecordId, ...] = ()
    medications: tuple[RecordId, ...] = ()
    pregnancy: Pregnancy | None = None
    observation: ObservationRole | None = None
    score: Annotated[int, Field(ge=0, le=3)] | None = None
    """Answers only: the PHQ-9 item score this answer code stands for."""
    tags: tuple[Tag, ...] = ()
    note: Text | None = None
    resolved_as: RecordId | None = None
    """Conditions only: what a record of these codes that is *not* active (resolved, in
    remission, inactive) counts as, e.g. a substance use disorder in remission counts as
    ``substance_use_disorder_history``, never as the active disorder."""
    """Shown in the report: what a clinician should know (required when nothing is set)."""

    @model_validator(mode="after")
    def _consistent(self) -> CodeEntry:
        if not self.codes and not self.names:
            raise ValueError("give 'codes', 'names' or both")
        if self.names and self.record not in {"medication", "allergy"}:
            raise ValueError("'names' are matched only for medication and allergy records")
        for code in self.codes:
            if not CODE_PATTERNS[self.system].match(code):
                raise ValueError(f"'{code}' is not a valid {self.system} code")
        sets = {
            "diagnoses": bool(self.diagnoses),
            "conditions": bool(self.conditions),
            "medications": bool(self.medications),
            "pregnancy": self.pregnancy is not None,
            "observation": self.observation is not None,
            "score": self.score is not None,
            "resolved_as": self.resolved_as is not None,
        }
        allowed = {
            "condition": {"diagnoses", "conditions", "pregnancy", "resolved_as"},
            "medication": {"medications"},
            "allergy": {"conditions"},
            "observation": {"observation"},
            "answer": {"score", "pregnancy"},
        }[self.record]
        wrong = sorted(k for k, v in sets.items() if v and k not in allowed)
        if wrong:
            raise ValueError(f"a {self.record} entry cannot set {', '.join(wrong)}")
        if self.record == "observation" and self.observation is None:
            raise ValueError("an observation entry must give its 'observation' role")
        if not any(sets.values()) and not self.tags and self.note is None:
            raise ValueError("an entry that sets nothing must say why in 'note'")
        return self


class HistoryRule(Cited):
    """Condition ids that describe a history: a resolved record of them still counts."""

    conditions: Annotated[tuple[RecordId, ...], Field(min_length=1)]
    note: Text


class CodesFile(Strict):
    """``codes.yaml``: code systems, the history rule, and the code entries."""

    systems: dict[SystemName, CodeSystem]
    history: HistoryRule
    entries: dict[RecordId, CodeEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> CodesFile:
        seen: dict[tuple[str, str, str], str] = {}
        problems = []
        for key, entry in self.entries.items():
            if entry.system not in self.systems:
                problems.append(f"entry '{key}' uses system '{entry.system}', not defined under systems")
            for code in entry.codes:
                ident = (entry.record, entry.system, normalize_code(entry.system, code))
                if ident in seen:
                    problems.append(f"{entry.system} code '{code}' is in both '{seen[ident]}' and '{key}'")
                seen[ident] = key
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def cross_check(self, contraindications: ContraindicationsFile, source: str) -> list[Problem]:
        """Called by the knowledge-base loader: ids used here must be defined there, and the
        codes of the labels' contraindications must still map to them."""
        problems = check_ids(self, contraindications.conditions, contraindications.medications, source)
        return problems + floor_problems(self, source)


def check_ids(
    codes: CodesFile,
    conditions: Mapping[str, object],
    medications: Mapping[str, object],
    source: str,
) -> list[Problem]:
    """Condition and medication ids in ``codes`` missing from contraindications.yaml.

    pydantic checks diagnoses and pregnancy values against the contract's enums; condition
    and medication ids depend on the data directory, so they are checked here.
    """
    known = {"conditions": conditions, "medications": medications}
    places = [
        *((f"entries.{key}.", field, getattr(entry, field)) for key, entry in codes.entries.items() for field in known),
        ("history.", "conditions", codes.history.conditions),
        *(
            (f"entries.{key}.resolved_as", "conditions", (entry.resolved_as,))
            for key, entry in codes.entries.items()
            if entry.resolved_as is not None
        ),
    ]
    return [
        Problem(f"'{ident}' is not a {field[:-1]} id defined in contraindications.yaml", source, f"{at}{field}[{i}]")
        for at, field_name, ids in places
        for field, i, ident in unknown_ids([(field_name, ids)], known)
    ]


_SYSTEM_NAMES = {"icd10cm": "ICD-10-CM", "snomed": "SNOMED CT", "atc": "ATC", "loinc": "LOINC", "rxnorm": "RxNorm"}


def floor_problems(codes: CodesFile, source: str) -> list[Problem]:
    """The clinical floor of codes.yaml: one problem per label-contraindication code (or
    allergen name) that no longer maps to its condition id.

    Each code is looked up the way an imported record's code is (longest prefix for
    ICD-10-CM and ATC), so a more specific entry that re-points part of a range is caught too.
    The key named is the entry that now takes the code, or ``entries`` when none does.
    """
    index = CodeIndex(codes)
    problems: list[Problem] = []
    for what, ident, record, system, code in LABEL_CONTRAINDICATION_CODES:
        if system == "name":
            matches = index.lookup_concept(record, {"text": code})
            shown = f"the {record} name '{code}'"
        else:
            uris = codes.systems[system].uris if system in codes.systems else ()
            coding = {"system": uris[0], "code": code} if uris else {}
            match = index.lookup(record, coding) if coding else None
            matches = [match] if match is not None else []
            shown = f"{_SYSTEM_NAMES.get(system, system)} {code} ({record})"
        if any(ident in m.entry.conditions for m in matches):
            continue
        key = f"entries.{matches[0].key}.conditions" if matches else "entries"
        now = f"it maps to entry '{matches[0].key}' instead" if matches else "no entry maps it"
        problems.append(
            Problem(
                f"clinical floor: {shown} must map to '{ident}' ({what}, a label contraindication); {now}",
                source,
                key,
            )
        )
    return problems


@dataclass(frozen=True)
class Match:
    key: str
    entry: CodeEntry
    how: str
    """How it matched, e.g. ``ICD-10-CM F33.1 'Major depressive disorder...'``."""


class CodeIndex:
    """codes.yaml turned into lookups: (record kind, system, code) -> entry."""

    def __init__(self, codes: CodesFile) -> None:
        self.codes = codes
        self.system_of_uri = {uri: name for name, s in codes.systems.items() for uri in s.uris}
        self.system_label = {name: s.name for name, s in codes.systems.items()}
        self.prefix = {name for name, s in codes.systems.items() if s.match == "prefix"}
        self.table: dict[tuple[str, str], dict[str, tuple[str, CodeEntry]]] = defaultdict(dict)
        self.names: dict[str, list[tuple[re.Pattern[str], str, str, CodeEntry]]] = defaultdict(list)
        for key, entry in codes.entries.items():
            for code in entry.codes:
                self.table[(entry.record, entry.system)][normalize_code(entry.system, code)] = (
                    key,
                    entry,
                )
            for name in entry.names:
                pattern = re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])")
                self.names[entry.record].append((pattern, name, key, entry))
        self.history = frozenset(codes.history.conditions)

    def describe(self, coding: Mapping[str, Any]) -> str:
        system = _str(coding.get("system"))
        name = self.system_of_uri.get(system or "")
        label = self.system_label[name] if name else (system or "no system")
        text = f"{label} {_str(coding.get('code')) or '(no code)'}"
        display = _str(coding.get("display"))
        return f"{text} '{display}'" if display else text

    def lookup(self, record: str, coding: Mapping[str, Any]) -> Match | None:
        system = self.system_of_uri.get(_str(coding.get("system")) or "")
        code = _str(coding.get("code"))
        if system is None or not code:
            return None
        table = self.table.get((record, system), {})
        norm = normalize_code(system, code)
        if system in self.prefix:
            for end in range(len(norm), 0, -1):
                hit = table.get(norm[:end])
                if hit:
                    return Match(hit[0], hit[1], self.describe(coding))
            return None
        hit = table.get(norm)
        return Match(hit[0], hit[1], self.describe(coding)) if hit else None

    def lookup_concept(self, record: str, concept: Mapping[str, Any]) -> list[Match]:
        """Entries matched by a CodeableConcept's codings, else (medicines) by its words."""
        found: dict[str, Match] = {}
        for coding in _codings(concept):
            match = self.lookup(record, coding)
            if match and match.key not in found:
                found[match.key] = match
        if found or record not in self.names:
            return list(found.values())
        text = " ".join(
            t
            for t in [
                _str(concept.get("text")),
                *(_str(c.get("display")) for c in _codings(concept)),
            ]
            if t
        )
        lowered = text.lower()
        for pattern, name, key, entry in self.names[record]:
            if key not in found and pattern.search(lowered):
                found[key] = Match(key, entry, f"'{text}' (matched by the name '{name}', not by a code)")
        return list(found.values())

    def concept_text(self, concept: Mapping[str, Any]) -> str:
        codings = _codings(concept)
        if codings:
            return "; ".join(self.describe(c) for c in codings)
        return f"'{_str(concept.get('text'))}' (text only, no code)" if concept.get("text") else "(no code, no text)"


# ----------------------------------------------------------------------------- small readers
