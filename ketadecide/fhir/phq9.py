"""PHQ-9 answers from Observations: ``phq9`` (the nine items of the latest day), with its
total and severity band in the report, and item 9 never lost.

The severity bands are data (``questions.yaml``, cited): the caller passes them in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ketadecide.fhir.common import Record, When, number
from ketadecide.knowledge.jsonvalues import _codings, _list, _map
from ketadecide.profile import PHQ9_MAX

ORDINAL_URLS = frozenset(
    {
        "http://hl7.org/fhir/StructureDefinition/ordinalValue",
        "http://hl7.org/fhir/StructureDefinition/itemWeight",
    }
)

#: A PHQ-9 severity band: totals ``low``..``high`` inclusive, and its name.
Band = tuple[int, int, str]


@dataclass(frozen=True)
class _Score:
    when: When
    value: int
    ref: str


class Phq9:
    """The PHQ-9 item answers and totals of the record, gathered one by one."""

    def __init__(self, record: Record, bands: Sequence[Band]) -> None:
        self.record = record
        self.bands = tuple(bands)
        self.phq_items: dict[int, list[_Score]] = defaultdict(list)
        self.phq_totals: list[_Score] = []

    def answer(self, role: str, holder: Mapping[str, Any], when: When, ref: str, label: str) -> None:
        if role == "phq9_total":
            value = number(holder.get("valueInteger", _map(holder.get("valueQuantity")).get("value")))
            if value is None or not (0 <= value <= PHQ9_MAX) or value != value.to_integral_value():
                self.record.add("not_counted", f"{label}: total is not a whole number 0-{PHQ9_MAX}; not used", ref)
                return
            self.phq_totals.append(_Score(when, int(value), ref))
            return
        if not role.startswith("phq9_item_"):
            return
        score = self._score(holder)
        if score is None:
            self.record.add("not_counted", f"{label}: answer is not a score 0-3; not used", ref)
            return
        self.phq_items[int(role.rsplit("_", 1)[1])].append(_Score(when, score, ref))

    def _score(self, holder: Mapping[str, Any]) -> int | None:
        raw = holder.get("valueInteger", _map(holder.get("valueQuantity")).get("value"))
        value = number(raw)
        if value is None:
            concept = _map(holder.get("valueCodeableConcept"))
            for coding in _codings(concept):
                match = self.record.index.lookup("answer", coding)
                if match and match.entry.score is not None:
                    return match.entry.score
                for ext in _list(coding.get("extension")):
                    if _map(ext).get("url") in ORDINAL_URLS:
                        value = number(_map(ext).get("valueDecimal"))
        if value is None or value != value.to_integral_value() or not (0 <= value <= 3):
            return None
        return int(value)

    def finish(self, profile: dict[str, Any]) -> None:
        days = {s.when.day for scores in self.phq_items.values() for s in scores} | {
            t.when.day for t in self.phq_totals
        }
        if not days:
            self.record.add("check", "no PHQ-9 in the record", None, "phq9")
            return
        latest = max(days)
        items: list[int] = []
        refs: set[str] = set()
        for n in range(1, 10):
            scores = [s for s in self.phq_items.get(n, []) if s.when.day == latest]
            if not scores:
                break
            chosen = max(scores, key=lambda s: s.when.moment)
            if len({s.value for s in scores}) > 1:
                self.record.add(
                    "conflict",
                    f"PHQ-9 item {n} has {len(scores)} different answers on "
                    f"{latest.isoformat()}; rule: the latest is used ({chosen.value})",
                    chosen.ref,
                    "phq9",
                )
            items.append(chosen.value)
            refs.add(chosen.ref)
        totals = [t for t in self.phq_totals if t.when.day == latest]
        total = max(totals, key=lambda t: t.when.moment) if totals else None
        if len(items) < 9:
            older = sorted(
                d
                for d in days
                if d < latest and all(any(s.when.day == d for s in self.phq_items.get(n, [])) for n in range(1, 10))
            )
            shown = f" (total {total.value}, {self.band(total.value)})" if total else ""
            present = [n for n in range(1, 10) if any(s.when.day == latest for s in self.phq_items.get(n, []))]
            found = f"items {', '.join(map(str, present))} found" if present else "no item answers"
            msg = (
                f"the latest PHQ-9 ({latest.isoformat()}){shown} lacks item answers "
                f"({found}; all nine are needed); phq9 not set"
            )
            if older:
                msg += f"; the complete one from {older[-1].isoformat()} is older, so it is not used"
            self.record.add("check", msg, total.ref if total else None, "phq9")
            # A positive item 9 must never be lost because the other answers are missing.
            item9 = [s for s in self.phq_items.get(9, []) if s.when.day == latest]
            if item9:
                answer = max(item9, key=lambda s: s.when.moment)
                if answer.value > 0:
                    self.record.add(
                        "check",
                        f"PHQ-9 item 9 (thoughts of death or self-harm) = {answer.value} on {latest.isoformat()}: "
                        "ask about safety now and record suicidality; 988 Lifeline",
                        answer.ref,
                        "phq9",
                    )
            return
        when = max(
            (s.when for n in range(1, 10) for s in self.phq_items[n] if s.when.day == latest), key=lambda w: w.moment
        )
        # The window is data (freshness.phq9): an older form is stale, not the present score.
        stale = self.record.too_old("phq9", items, when, None, f"PHQ-9 {items} (total {sum(items)})")
        if not stale:
            profile["phq9"] = items
        for scores in self.phq_items.values():
            for score in scores:
                if score.ref not in refs:
                    self.record.add("not_counted", "PHQ-9 answer superseded by the one used", score.ref)
        for t in self.phq_totals:
            if t.when.day != latest:
                self.record.add("not_counted", "PHQ-9 total superseded by a later PHQ-9", t.ref)
        where = ", ".join(sorted(refs)[:1]) + (f" and {len(refs) - 1} more" if len(refs) > 1 else "")
        if not stale:
            self.record.add(
                "mapped",
                f"phq9 = {items} (total {sum(items)}, {self.band(sum(items))}) "
                f"<- PHQ-9 of {latest.isoformat()} [{where}]",
                None,
                "phq9",
            )
        if total and total.value != sum(items):
            self.record.add(
                "conflict",
                f"PHQ-9 of {latest.isoformat()}: recorded total {total.value} but the items "
                f"add up to {sum(items)}; rule: the items are used",
                total.ref,
                "phq9",
            )
        if items[8] > 0:
            self.record.add(
                "check",
                f"PHQ-9 item 9 (thoughts of death or self-harm) = {items[8]}: ask about safety now; 988 Lifeline",
                None,
                "phq9",
            )

    def band(self, total: int) -> str:
        """The name of the severity band ``total`` falls in."""
        return next(name for low, high, name in self.bands if low <= total <= high)
