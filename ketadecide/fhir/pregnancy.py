"""Pregnancy: settled from active pregnancy conditions and the latest pregnancy-status
observation, by rank (pregnant > breastfeeding > planning > none); never "none" by default."""

from __future__ import annotations

from typing import Any

from ketadecide.fhir.common import Record, When
from ketadecide.knowledge.jsonvalues import _map, _str

PREGNANCY_RANK = {"none": 0, "planning": 1, "breastfeeding": 2, "pregnant": 3}


def finish_pregnancy(
    record: Record,
    conditions: list[tuple[str, str, When | None]],
    observations: list[tuple[When, str | None, str, str]],
    profile: dict[str, Any],
) -> None:
    """Set ``pregnancy`` from ``conditions`` ((value, ref, onset) of active ones) and
    ``observations`` ((when, value, ref, how)), and report what was used, superseded, too old
    (the windows are data: freshness.pregnancy) or in conflict."""
    candidates: list[tuple[str, str, str]] = [
        (v, ref, "active condition")
        for v, ref, when in conditions
        if when is None or not record.too_old("pregnancy", v, when, ref, f"pregnancy condition ({v})")
    ]
    if observations:
        when, value, ref, how = max(observations, key=lambda o: o[0].moment)
        for obs in observations:
            if obs[2] != ref:
                record.add("not_counted", "pregnancy status superseded by a later one", obs[2])
        if value is None:
            record.add(
                "check",
                f"{how} on {when.text}: pregnancy status unknown; ask",
                ref,
                "pregnancy",
            )
        elif record.too_old("pregnancy", value, when, ref, how):
            pass
        else:
            candidates.append((value, ref, f"{how} on {when.text}"))
    if not candidates:
        gender = _str(_map(record.patient).get("gender"))
        if gender != "male":
            record.add(
                "check",
                "pregnancy, breastfeeding or plans are not in the record; ask",
                None,
                "pregnancy",
            )
        return
    value, ref, how = max(candidates, key=lambda c: PREGNANCY_RANK[c[0]])
    profile["pregnancy"] = value
    record.add("mapped", f"pregnancy = {value} <- {how}", ref, "pregnancy")
    for other_value, other_ref, other_how in candidates:
        if other_ref != ref:
            record.add(
                "not_counted",
                f"pregnancy = {other_value} ({other_how}): also read; the value used is {value}",
                other_ref,
            )
    others = sorted({c[0] for c in candidates} - {value})
    if "none" in others:
        # A "not pregnant" status beside a pregnancy-related record: a conflict rule of the
        # data (record: pregnancy) names it in the result; the higher-risk value is used.
        record.record_conflicts.add("pregnancy")
    if others:
        record.add(
            "conflict",
            f"pregnancy: the record also says {', '.join(others)}; rule: pregnant > "
            "breastfeeding > planning > none, "
            f"so {value} is used; confirm",
            None,
            "pregnancy",
        )
