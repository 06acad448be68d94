"""MedicationStatement and MedicationRequest resources: ``medications`` (active ones), and
the antidepressants found, which the report lists for the person to confirm as trials."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ketadecide.fhir.common import Record, effective
from ketadecide.knowledge.files.codes import Match
from ketadecide.knowledge.jsonvalues import _codings, _list, _map, _str


class Medications:
    """What the record's medication statements and requests say, gathered one by one."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.medications: dict[str, list[str]] = defaultdict(list)
        self.antidepressants: dict[str, list[str]] = {}
        """Antidepressant name -> the statuses it was recorded with."""

    def medication(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("medicationCodeableConcept"))
        if not concept:
            target = _str(_map(resource.get("medicationReference")).get("reference"))
            medication = self.record.by_ref.get(target or "")
            if medication is None:
                contained = [c for c in _list(resource.get("contained")) if isinstance(c, Mapping)]
                medication = next((c for c in contained if target == f"#{c.get('id')}"), None)
            if medication is None:
                self.record.add(
                    "not_mapped",
                    f"medication reference {target or '(none)'} not found in the bundle",
                    ref,
                )
                return
            concept = _map(medication.get("code"))
        what = self.record.index.concept_text(concept)
        status = _str(resource.get("status")) or "unknown"
        when = effective(resource, "effectiveDateTime", "effectivePeriod", "authoredOn", "dateAsserted")
        if self.record.after_as_of(when, ref, what):
            return
        matches = self.record.index.lookup_concept("medication", concept)
        if not matches:
            self.record.add("not_mapped", f"medication {what}", ref)
            return
        active = status == "active" and resource.get("doNotPerform") is not True
        for m in matches:
            if "antidepressant" in m.entry.tags:
                self.antidepressants.setdefault(_medicine_name(concept, m), []).append(status)
            # The window is data (freshness.medications): an "active" order not renewed or
            # confirmed within it is listed as stale, not counted as a current medicine.
            if (
                m.entry.medications
                and active
                and when is not None
                and self.record.too_old("medications", list(m.entry.medications), when, ref, f"{m.how} (active)")
            ):
                continue
            if m.entry.medications and active:
                for med in m.entry.medications:
                    self.medications[med].append(ref)
                    self.record.add("mapped", f"medications += {med} <- {m.how}", ref, "medications")
            elif m.entry.medications:
                self.record.add("not_counted", f"{m.how} ({m.entry.label}): status '{status}', not active", ref)
            elif m.entry.note and "antidepressant" not in m.entry.tags:
                self.record.add("info", f"{m.how}: {m.entry.note}", ref)
            if m.entry.medications and m.entry.note and active:
                self.record.add("check", f"{m.how}: {m.entry.note}", ref)

    def finish(self, profile: dict[str, Any]) -> None:
        """Set ``medications``; ask about the antidepressants (trials are never inferred)."""
        if self.medications:
            profile["medications"] = sorted(self.medications)
        if self.antidepressants:
            listed = ", ".join(
                f"{name} ({'/'.join(sorted(set(st)))})" for name, st in sorted(self.antidepressants.items())
            )
            self.record.add(
                "check",
                f"antidepressants in the record: {listed}. antidepressant_trials is not set: "
                "the record "
                "cannot show whether each trial was adequate (dose, duration) and failed; ask",
                None,
                "antidepressant_trials",
            )


def _medicine_name(concept: Mapping[str, Any], match: Match) -> str:
    text = _str(concept.get("text"))
    if text:
        return text
    for coding in _codings(concept):
        display = _str(coding.get("display"))
        if display:
            return display
    return match.entry.label
