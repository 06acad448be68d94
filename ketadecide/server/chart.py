"""One path from FHIR resources to what the cards need: the bundle import's own validation and
mapping (:mod:`ketadecide.fhir`), plus the few record facts that decide whether a card is
relevant at all (antidepressants and ketamine in the record, draft ketamine orders, death).

Used by the server (resources from prefetch and fetches) and by ``serve --simulate`` (bundle
files), so both apply the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ketadecide.fhir.reader import bundle_to_profile, keep_recent_observations, validate_bundle
from ketadecide.fhir.report import MappingReport
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.codes import CodeIndex
from ketadecide.knowledge.jsonvalues import _codings, _list, _map, _str

Agent = Literal["esketamine", "ketamine"]
#: ATC codes of esketamine (N01AX14 anaesthetic, N06AX27 antidepressant); the rest of the
#: ketamine entry of codes.yaml is racemic ketamine.
ESKETAMINE_CODES = frozenset({"N01AX14", "N06AX27"})
ESKETAMINE_WORDS = ("esketamine", "spravato")
#: Route words (dosageInstruction.route) -> the modality of racemic ketamine.
ROUTE_WORDS: tuple[tuple[str, str], ...] = (
    ("intravenous", "iv"),
    ("intramuscular", "im"),
    ("sublingual", "compounded"),
    ("oral", "compounded"),
    ("buccal", "compounded"),
)
#: Medicine statuses that do not show the medicine was ever given or taken.
NOT_TAKEN = frozenset({"entered-in-error", "not-taken", "cancelled", "draft"})


@dataclass(frozen=True)
class Order:
    """A ketamine or esketamine medicine: a draft order, or a course in the record."""

    agent: Agent
    modalities: tuple[str, ...]
    """The modality ids it can be: ``spravato``; one ketamine route; or all three when the route is not given."""

    @property
    def label(self) -> str:
        if self.agent == "esketamine":
            return "Esketamine"
        routes = {"iv": "IV", "im": "IM", "compounded": "oral/sublingual"}
        return f"Ketamine ({routes[self.modalities[0]]})" if len(self.modalities) == 1 else "Ketamine"


@dataclass(frozen=True)
class Chart:
    """What the record says, mapped once."""

    profile: dict[str, Any]
    """The mapped profile dict (CONTRACT §1 fields found in the record; not validated)."""
    report: MappingReport
    antidepressants: frozenset[str]
    """Distinct antidepressants in the record (any status but entered in error)."""
    courses: tuple[Order, ...]
    """Ketamine or esketamine already in the record."""
    deceased: bool
    unobtained: tuple[str, ...] = ()
    """Fields whose data could not be obtained (a failed or timed-out fetch)."""


def as_bundle(resources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A collection Bundle of ``resources``."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if resources:
        bundle["entry"] = [{"resource": dict(r)} for r in resources]
    return bundle


def validate_resources(resources: Sequence[Mapping[str, Any]], name: str, as_of: dt.date) -> list[dict[str, Any]]:
    """``resources`` validated as an imported bundle's are (InputError if not), after keeping
    only the most recent Observations of each code, as the import does (so a record with
    thousands of readings costs what the import's does)."""
    bundle = as_bundle(resources)
    if "entry" in bundle:
        keep_recent_observations(bundle, as_of)
    validate_bundle(bundle, name)
    return [e["resource"] for e in bundle.get("entry", [])]


def merge(resources: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Resources from several keys, each ``Type/id`` once (the first wins)."""
    seen: set[str] = set()
    out = []
    for resource in resources:
        rid = _str(resource.get("id"))
        key = f"{resource.get('resourceType')}/{rid}" if rid else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(dict(resource))
    return out


def chart_of(
    bundle: dict[str, Any],
    kb: KnowledgeBase,
    index: CodeIndex,
    as_of: dt.date,
    *,
    source: str,
    unobtained: Sequence[str] = (),
) -> Chart:
    """Map a validated bundle with the import's mapping, and read the relevance facts."""
    if isinstance(bundle.get("entry"), list):
        keep_recent_observations(bundle, as_of)
    profile, report = bundle_to_profile(bundle, kb, as_of, source=source)
    resources = [r for r in (_map(e).get("resource") for e in _list(bundle.get("entry"))) if isinstance(r, Mapping)]
    patient = next((r for r in resources if r.get("resourceType") == "Patient"), {})
    deceased = patient.get("deceasedBoolean") is True or bool(_str(patient.get("deceasedDateTime")))
    antidepressants: set[str] = set()
    courses: list[Order] = []
    for resource in resources:
        if resource.get("resourceType") not in ("MedicationRequest", "MedicationStatement"):
            continue
        if _str(resource.get("status")) in NOT_TAKEN:
            continue
        concept = medication_concept(resource, resources)
        for match in index.lookup_concept("medication", concept):
            if "antidepressant" in match.entry.tags:
                antidepressants.add(_medicine_key(concept, match.key))
            if "ketamine" in match.entry.tags:
                courses.append(order_of(resource, concept))
    return Chart(
        profile, report, frozenset(antidepressants), tuple(dict.fromkeys(courses)), deceased, tuple(unobtained)
    )


def medication_concept(resource: Mapping[str, Any], resources: Sequence[Mapping[str, Any]] = ()) -> Mapping[str, Any]:
    """The medicine's CodeableConcept: inline, or the referenced (or contained) Medication's code."""
    concept = _map(resource.get("medicationCodeableConcept"))
    if concept:
        return concept
    target = _str(_map(resource.get("medicationReference")).get("reference")) or ""
    for medication in [*(_list(resource.get("contained"))), *resources]:
        med = _map(medication)
        if med.get("resourceType") == "Medication" and target in (f"#{med.get('id')}", f"Medication/{med.get('id')}"):
            return _map(med.get("code"))
    return {}


def _medicine_key(concept: Mapping[str, Any], entry_key: str) -> str:
    """One antidepressant counted once: its code, else its text, within its codes.yaml entry."""
    for coding in _codings(concept):
        code = _str(coding.get("code"))
        if code:
            return f"{entry_key}:{code}"
    return f"{entry_key}:{(_str(concept.get('text')) or '').lower()}"


def order_of(resource: Mapping[str, Any], concept: Mapping[str, Any]) -> Order:
    """Esketamine or ketamine (and its route, when the request gives one)."""
    codes = {(_str(c.get("code")) or "").upper() for c in _codings(concept)}
    words = " ".join(
        [_str(concept.get("text")) or "", *(_str(c.get("display")) or "" for c in _codings(concept))]
    ).lower()
    if codes & ESKETAMINE_CODES or any(w in words for w in ESKETAMINE_WORDS):
        return Order("esketamine", ("spravato",))
    route_words = " ".join(
        " ".join(
            [
                _str(_map(d.get("route")).get("text")) or "",
                *(_str(c.get("display")) or "" for c in _codings(d.get("route"))),
            ]
        )
        for d in (_map(x) for x in _list(resource.get("dosageInstruction")))
    ).lower()
    for word, modality in ROUTE_WORDS:
        if word in route_words:
            return Order("ketamine", (modality,))
    return Order("ketamine", ("iv", "im", "compounded"))


def draft_ketamine_orders(draft_orders: Any, selections: Sequence[str] | None, index: CodeIndex) -> tuple[Order, ...]:
    """Ketamine or esketamine MedicationRequests in ``draftOrders`` (only the selected ones
    when ``selections`` is given, as order-select asks)."""
    bundle = _map(draft_orders)
    resources = [r for r in (_map(e).get("resource") for e in _list(bundle.get("entry"))) if isinstance(r, Mapping)]
    chosen = None if selections is None else set(selections)
    orders: list[Order] = []
    for resource in resources:
        if resource.get("resourceType") != "MedicationRequest":
            continue
        ref = f"MedicationRequest/{_str(resource.get('id')) or ''}"
        if chosen is not None and ref not in chosen:
            continue
        concept = medication_concept(resource, resources)
        if any("ketamine" in m.entry.tags for m in index.lookup_concept("medication", concept)):
            orders.append(order_of(resource, concept))
    return tuple(dict.fromkeys(orders))
