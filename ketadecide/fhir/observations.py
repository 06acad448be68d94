"""Observation resources: blood pressure (``bp_systolic``/``bp_diastolic``, the latest
reading), PHQ-9 answers (passed to :mod:`.phq9`) and pregnancy status (to :mod:`.pregnancy`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketadecide.engine.result import StaleValue
from ketadecide.fhir.common import Record, When, effective, number
from ketadecide.fhir.phq9 import Phq9
from ketadecide.knowledge.jsonvalues import _codings, _list, _map, _str
from ketadecide.profile import BP_DIASTOLIC_RANGE, BP_SYSTOLIC_RANGE

USABLE_OBSERVATION = frozenset({"final", "amended", "corrected"})
MMHG_UNITS = frozenset({"mm[hg]", "mmhg", "mm hg"})


@dataclass(frozen=True)
class _Bp:
    when: When
    systolic: int
    diastolic: int
    ref: str
    how: str


class Observations:
    """What the record's observations say, gathered one by one."""

    def __init__(self, record: Record, phq9: Phq9) -> None:
        self.record = record
        self.phq9 = phq9
        self.bp: list[_Bp] = []
        self.bp_single: dict[str, list[tuple[When, int, str, str]]] = {
            "bp_systolic": [],
            "bp_diastolic": [],
        }
        self.pregnancy_observations: list[tuple[When, str | None, str, str]] = []
        """(when, pregnancy value or None when the answer is not one, ref, how it was read)."""

    def observation(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.record.index.concept_text(concept)
        matches = self.record.index.lookup_concept("observation", concept)
        roles = {m.entry.observation for m in matches}
        components = [c for c in _list(resource.get("component")) if isinstance(c, Mapping)]
        component_roles = {
            m.entry.observation
            for c in components
            for m in self.record.index.lookup_concept("observation", _map(c.get("code")))
        }
        if not matches and not component_roles:
            self.record.add("not_mapped", f"observation {what}", ref)
            return
        status = _str(resource.get("status")) or "unknown"
        if status not in USABLE_OBSERVATION:
            self.record.add(
                "not_counted",
                f"{what}: status '{status}'; only final, amended or corrected results are used",
                ref,
            )
            return
        when = effective(resource, "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued")
        if when is None:
            self.record.add("not_counted", f"{what}: no date; not used (the latest reading cannot be told)", ref)
            return
        if self.record.after_as_of(when, ref, what):
            return
        label = matches[0].how if matches else what
        if "bp_panel" in roles or ({"bp_systolic", "bp_diastolic"} <= component_roles and not roles):
            self._bp_panel(resource, components, when, ref, label)
        elif roles & {"bp_systolic", "bp_diastolic"}:
            role = "bp_systolic" if "bp_systolic" in roles else "bp_diastolic"
            value = self._mmhg(resource, ref, label)
            if value is not None:
                self.bp_single[role].append((when, value, ref, label))
        if roles & {"phq9_panel", "phq9_total"} or any(r and r.startswith("phq9") for r in component_roles):
            for c in components:
                for m in self.record.index.lookup_concept("observation", _map(c.get("code"))):
                    self.phq9.answer(m.entry.observation or "", c, when, ref, m.how)
        for own in roles:
            if own and own.startswith("phq9_") and own != "phq9_panel":
                self.phq9.answer(own, resource, when, ref, label)
        if "pregnancy_status" in roles:
            self._pregnancy_status(resource, when, ref, label)

    def _mmhg(self, holder: Mapping[str, Any], ref: str, label: str) -> int | None:
        quantity = _map(holder.get("valueQuantity"))
        value = number(quantity.get("value"))
        if value is None:
            self.record.add("not_counted", f"{label}: no numeric value; not used", ref)
            return None
        unit = (_str(quantity.get("code")) or _str(quantity.get("unit")) or "").lower()
        if unit and unit not in MMHG_UNITS:
            self.record.add("not_counted", f"{label}: unit '{unit}' is not mmHg; not used", ref)
            return None
        return int(value.to_integral_value())

    def _bp_panel(
        self,
        resource: Mapping[str, Any],
        components: list[Mapping[str, Any]],
        when: When,
        ref: str,
        label: str,
    ) -> None:
        values: dict[str, int] = {}
        for c in components:
            for m in self.record.index.lookup_concept("observation", _map(c.get("code"))):
                if m.entry.observation in {"bp_systolic", "bp_diastolic"}:
                    value = self._mmhg(c, ref, m.how)
                    if value is not None:
                        values[m.entry.observation] = value
        if set(values) != {"bp_systolic", "bp_diastolic"}:
            self.record.add(
                "not_counted",
                f"{label} on {when.text}: needs both a systolic and a diastolic value; not used",
                ref,
            )
            return
        self._add_bp(when, values["bp_systolic"], values["bp_diastolic"], ref, label)

    def _add_bp(self, when: When, systolic: int, diastolic: int, ref: str, label: str) -> None:
        lo_s, hi_s = BP_SYSTOLIC_RANGE
        lo_d, hi_d = BP_DIASTOLIC_RANGE
        if not (lo_s <= systolic <= hi_s and lo_d <= diastolic <= hi_d) or diastolic >= systolic:
            self.record.add(
                "not_counted",
                f"blood pressure {systolic}/{diastolic} on {when.text} is not a plausible reading; not used",
                ref,
            )
            return
        self.bp.append(_Bp(when, systolic, diastolic, ref, label))

    def _pregnancy_status(self, resource: Mapping[str, Any], when: When, ref: str, label: str) -> None:
        concept = _map(resource.get("valueCodeableConcept"))
        for coding in _codings(concept):
            match = self.record.index.lookup("answer", coding)
            if match is None:
                continue
            if match.entry.pregnancy is not None:
                self.pregnancy_observations.append((when, match.entry.pregnancy, ref, f"{label} = {match.how}"))
                return
            self.pregnancy_observations.append((when, None, ref, f"{label} = {match.how}"))
            return
        self.record.add("not_mapped", f"{label}: value {self.record.index.concept_text(concept)}", ref)

    def finish_bp(self, profile: dict[str, Any]) -> None:
        for when, systolic, ref, label in self.bp_single["bp_systolic"]:
            partner = [d for d in self.bp_single["bp_diastolic"] if d[0].moment == when.moment]
            if partner:
                self._add_bp(when, systolic, partner[0][1], ref, label)
            else:
                self.record.add(
                    "not_counted",
                    f"{label} on {when.text}: no diastolic reading at the same time; not used",
                    ref,
                )
        for when, _, ref, label in self.bp_single["bp_diastolic"]:
            if not any(s[0].moment == when.moment for s in self.bp_single["bp_systolic"]):
                self.record.add(
                    "not_counted",
                    f"{label} on {when.text}: no systolic reading at the same time; not used",
                    ref,
                )
        if not self.bp:
            self.record.add("check", "no blood-pressure reading in the record; measure it", None, "bp_systolic")
            return
        latest_day = max(r.when.day for r in self.bp)
        same_day = [r for r in self.bp if r.when.day == latest_day]
        if all(r.when.precision == "time" for r in same_day):
            top = max(r.when.moment for r in same_day)
            tied = [r for r in same_day if r.when.moment == top]
            rule = "the latest time wins"
            if len(tied) > 1:
                rule = "two readings at the same time: the higher one is used"
        else:
            tied = same_day
            rule = "the times cannot order them, so the higher reading is used"
        chosen = max(tied, key=lambda r: (r.systolic, r.diastolic))
        # The window is data (freshness.blood_pressure): an older reading is listed as stale
        # and not used, so it neither raises nor clears a flag as if it were today's.
        reading = f"blood pressure {chosen.systolic}/{chosen.diastolic}"
        if self.record.too_old("bp_systolic", chosen.systolic, chosen.when, chosen.ref, reading):
            window = self.record.windows["bp_systolic"]
            self.record.stale.append(
                StaleValue("bp_diastolic", chosen.diastolic, chosen.when.day, window.days, window.source, chosen.ref)
            )
        else:
            profile["bp_systolic"] = chosen.systolic
            profile["bp_diastolic"] = chosen.diastolic
            self.record.add(
                "mapped",
                f"bp_systolic/bp_diastolic = {chosen.systolic}/{chosen.diastolic} <- {chosen.how} "
                f"on {chosen.when.text} (latest)",
                chosen.ref,
                "bp_systolic",
            )
        for r in self.bp:
            if r is not chosen:
                self.record.add("not_counted", "blood-pressure reading superseded by the one used", r.ref)
        others = [r for r in same_day if r is not chosen]
        if others:
            listed = ", ".join(f"{r.systolic}/{r.diastolic} ({r.when.text})" for r in others)
            self.record.add(
                "conflict",
                f"blood pressure: {len(same_day)} readings on {latest_day.isoformat()} ({listed}); rule: {rule}",
                chosen.ref,
                "bp_systolic",
            )
