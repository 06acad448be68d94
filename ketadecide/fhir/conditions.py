"""Condition and AllergyIntolerance resources: ``diagnoses``, ``conditions``, and the
pregnancy a condition records (settled with pregnancy observations in :mod:`.pregnancy`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ketadecide.fhir.common import Record, When, effective, status_code
from ketadecide.knowledge.files.codes import Match
from ketadecide.knowledge.jsonvalues import _map

ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
UNCONFIRMED = frozenset({"unconfirmed", "provisional", "differential"})
IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
#: The order diagnoses are listed in the profile.
DIAGNOSIS_ORDER = ["mdd", "bipolar_depression", "ptsd", "gad", "ocd", "chronic_pain", "other"]


@dataclass
class _Evidence:
    active: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


class Conditions:
    """What the record's conditions and allergies say, gathered resource by resource."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.diagnoses: dict[str, _Evidence] = defaultdict(_Evidence)
        self.conditions: dict[str, _Evidence] = defaultdict(_Evidence)
        self.pregnancy_conditions: list[tuple[str, str, When | None]] = []
        """(pregnancy value, ref, onset) of each active condition that records one."""
        self._when: When | None = None

    def condition(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.record.index.concept_text(concept)
        verification = status_code(resource.get("verificationStatus"))
        if verification in IGNORED_VERIFICATION:
            self.record.add("not_counted", f"{what}: verification status '{verification}'; ignored", ref)
            return
        when = effective(resource, "onsetDateTime", "onsetPeriod", "recordedDate")
        if self.record.after_as_of(when, ref, what):
            return
        matches = self.record.index.lookup_concept("condition", concept)
        if not matches:
            self.record.add("not_mapped", f"condition {what}", ref)
            return
        clinical = status_code(resource.get("clinicalStatus"))
        if clinical is None:
            active = not any(k.startswith("abatement") for k in resource)
            if not active:
                clinical = "resolved"
        else:
            active = clinical in ACTIVE_CLINICAL
        if verification in UNCONFIRMED:
            for m in matches:
                self.record.add(
                    "not_counted",
                    f"{m.how} ({m.entry.label}): verification status '{verification}', not counted; confirm",
                    ref,
                )
            return
        self._when = when
        for m in matches:
            self._apply_condition(m, active, clinical or "active", ref)

    def _apply_condition(self, m: Match, active: bool, clinical: str, ref: str) -> None:
        entry = m.entry
        state = "active" if active else clinical
        did_set = False
        for diagnosis in entry.diagnoses:
            ev = self.diagnoses[diagnosis]
            (ev.active if active else ev.resolved).append(ref)
            if active:
                self.record.add("mapped", f"diagnoses += {diagnosis} <- {m.how}", ref, "diagnoses")
                did_set = True
        for condition in entry.conditions:
            ev = self.conditions[condition]
            counts = active or condition in self.record.index.history
            (ev.active if counts else ev.resolved).append(ref)
            if counts:
                why = "" if active else f" ({clinical}, counted as a history)"
                self.record.add("mapped", f"conditions += {condition} <- {m.how}{why}", ref, "conditions")
                did_set = True
        if entry.resolved_as is not None and not active:
            # E.g. a substance use disorder in remission: a history, never the active disorder.
            self.conditions[entry.resolved_as].active.append(ref)
            self.record.add(
                "mapped",
                f"conditions += {entry.resolved_as} <- {m.how} ({clinical}, counted as a history)",
                ref,
                "conditions",
            )
            did_set = True
        if entry.pregnancy is not None and active:
            self.pregnancy_conditions.append((entry.pregnancy, ref, self._when))
            did_set = True
        targets = [
            *entry.diagnoses,
            *entry.conditions,
            *([entry.pregnancy] if entry.pregnancy else []),
        ]
        if did_set:
            if entry.note:
                self.record.add("check", f"{m.how}: {entry.note}", ref)
        elif targets:
            note = f" ({entry.note})" if entry.note else ""
            self.record.add(
                "not_counted",
                f"{m.how} ({entry.label}): {state}, not counted for {', '.join(targets)}{note}",
                ref,
            )
        elif entry.note:
            self.record.add("info", f"{m.how}: {entry.note}", ref)

    def allergy(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.record.index.concept_text(concept)
        verification = status_code(resource.get("verificationStatus"))
        clinical = status_code(resource.get("clinicalStatus")) or "active"
        matches = self.record.index.lookup_concept("allergy", concept)
        if not matches:
            self.record.add("not_mapped", f"allergy {what}", ref)
            return
        state = verification if verification in IGNORED_VERIFICATION else clinical
        for m in matches:
            if verification in IGNORED_VERIFICATION or clinical != "active":
                self.record.add(
                    "not_counted",
                    f"allergy {m.how}: {state}; not counted",
                    ref,
                )
                continue
            for condition in m.entry.conditions:
                self.conditions[condition].active.append(ref)
                self.record.add("mapped", f"conditions += {condition} <- allergy {m.how}", ref, "conditions")

    def finish(self, profile: dict[str, Any]) -> None:
        """Set ``diagnoses`` and ``conditions`` from the active records; report conflicts."""
        diagnoses = [d for d, ev in self.diagnoses.items() if ev.active]
        if diagnoses:
            profile["diagnoses"] = sorted(diagnoses, key=DIAGNOSIS_ORDER.index)
        conditions = sorted(c for c, ev in self.conditions.items() if ev.active)
        if conditions:
            profile["conditions"] = conditions
        for kind, table in (("diagnoses", self.diagnoses), ("conditions", self.conditions)):
            for value, ev in table.items():
                if ev.active and ev.resolved:
                    self.record.add(
                        "conflict",
                        f"{kind} {value}: active in {', '.join(ev.active)} but resolved or "
                        "inactive in "
                        f"{', '.join(ev.resolved)}; rule: an active record wins, so it is counted",
                        None,
                        kind,
                    )
