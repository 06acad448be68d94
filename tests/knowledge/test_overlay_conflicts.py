"""Conflict rules (issue 22) and the stale-reading finding are label/crisis floor too: a
clinic's overlay may add its own conflict rule but may not narrow, re-read or reword a
bundled one (issue 21), since a conflict is what keeps "PHQ-9 item 9 above 0" from reading
as "nothing flagged"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketadecide.errors import InputError
from tests.knowledge.test_overlay import _bundled, clinic, outcome

ITEM9 = "phq9_item9_vs_no_suicidality"


def test_every_bundled_conflict_rule_and_the_stale_finding_are_marked_floor() -> None:
    raw = _bundled("contraindications.yaml")
    assert raw["conflicts"], "the bundled data defines conflict rules"
    unmarked = [rule_id for rule_id, rule in raw["conflicts"].items() if not rule.get("floor")]
    assert not unmarked, f"conflict rules without a floor marker: {unmarked}"
    assert raw["stale_reading"].get("floor")


def _narrow(raw: dict[str, Any]) -> None:
    raw.setdefault("conflicts", {})[ITEM9] = {
        "when": {
            "all": [
                {"field": "suicidality", "op": "eq", "value": "none"},
                {"field": "phq9_item9", "op": "gt", "value": 5},
            ]
        }
    }


def _reread(raw: dict[str, Any]) -> None:
    raw.setdefault("conflicts", {})[ITEM9] = {"reads_as": {"suicidality": "none"}}


def _reword(raw: dict[str, Any]) -> None:
    raw.setdefault("conflicts", {})[ITEM9] = {"patient": "Nothing to worry about here."}


def _soften_stale(raw: dict[str, Any]) -> None:
    raw["stale_reading"] = {"clinician": "An old reading: no need to measure again."}


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (_narrow, f"conflicts.{ITEM9}.when"),
        (_reread, f"conflicts.{ITEM9}.reads_as"),
        (_reword, f"conflicts.{ITEM9}.patient"),
        (_soften_stale, "stale_reading.clinician"),
    ],
)
def test_a_bundled_conflict_rule_cannot_be_loosened(tmp_path: Path, edit: Any, key: str) -> None:
    folder = clinic(tmp_path, {"contraindications.yaml": edit}, full_copy=False)
    result = outcome(folder)
    assert isinstance(result, InputError), "accepted"
    assert all(p.source == str(folder / "contraindications.yaml") for p in result.problems)
    assert any((p.field or "").startswith(key) for p in result.problems), result.problems


def test_a_clinic_may_add_its_own_conflict_rule(tmp_path: Path) -> None:
    bundled = _bundled("contraindications.yaml")["conflicts"][ITEM9]

    def add(raw: dict[str, Any]) -> None:
        own = {k: v for k, v in bundled.items() if k != "floor"}
        own["name"] = "A local conflict rule"
        raw.setdefault("conflicts", {})["local_rule"] = own

    result = outcome(clinic(tmp_path, {"contraindications.yaml": add}, full_copy=False))
    assert not isinstance(result, InputError), result
