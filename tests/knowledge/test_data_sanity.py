"""`data validate` threshold sanity: dead comparisons, swapped BP numbers, non-monotonic screens."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base, validate_data_dir
from tests.conftest import DATA_DIR, MINIMAL_KB

RULE = {
    "name": "Test screen",
    "plain_name": "test screen",
    "clinician": "why",
    "patient": "why",
    "sources": ["test_src"],
    "reviewed": "2026-11-01",
}


def kb_with_screens(tmp_path: Path, screens: dict[str, Any], replace: bool = False) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(MINIMAL_KB, target)
    path = target / "contraindications.yaml"
    data = yaml.safe_load(path.read_text())
    if replace:
        data["screens"].pop("bp_elevated", None)  # keep the others (the clinical floor needs them)
    for rule_id, (when, severity) in screens.items():
        data["screens"][rule_id] = copy.deepcopy({**RULE, "when": when, "severity": severity})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


ALL = dict.fromkeys(("spravato", "iv", "im", "compounded"), "relative")
ABS = dict.fromkeys(("spravato", "iv", "im", "compounded"), "absolute")


def sys_ge(v: float) -> dict[str, Any]:
    return {"field": "bp_systolic", "op": "ge", "value": v}


def dia_ge(v: float) -> dict[str, Any]:
    return {"field": "bp_diastolic", "op": "ge", "value": v}


@pytest.mark.parametrize(
    ("when", "needle"),
    [
        (sys_ge(1800), "'bp_systolic ge 1800' can never be true"),
        ({"any": [sys_ge(1800), dia_ge(110)]}, "'bp_systolic ge 1800' can never be true"),
        ({"field": "age", "op": "lt", "value": 0}, "'age lt 0' can never be true"),
        ({"field": "phq9_item9", "op": "gt", "value": 3}, "can never be true"),
        ({"all": [sys_ge(180), {"field": "bp_systolic", "op": "lt", "value": 140}]}, "can never apply"),
        (
            {"all": [{"field": "age", "op": "lt", "value": 18}, {"field": "age", "op": "ge", "value": 65}]},
            "can never apply",
        ),
        ({"any": [sys_ge(90), dia_ge(140)]}, "systolic threshold 90 is not above diastolic threshold 140: swapped?"),
    ],
)
def test_impossible_thresholds_are_errors(tmp_path: Path, when: dict[str, Any], needle: str) -> None:
    directory = kb_with_screens(tmp_path, {"bad_screen": (when, ABS)})
    report = validate_data_dir(directory)
    assert any(needle in str(p) and "screens.bad_screen.when" in str(p) for p in report.errors), report.errors
    # A dead safety rule must not be used silently by compare either.
    with pytest.raises(InputError):
        load_knowledge_base(directory)


def test_non_monotonic_not_is_warned(tmp_path: Path) -> None:
    # Relative at 140+, but a `not` switches it off at 160+ with nothing taking over.
    when = {"all": [sys_ge(140), {"not": sys_ge(160)}]}
    directory = kb_with_screens(tmp_path, {"bp_band": (when, ALL)}, replace=True)
    report = validate_data_dir(directory)
    assert not report.errors
    text = [str(p) for p in report.warnings]
    assert any("higher or added 'bp_systolic' (159 -> 160)" in t and "bp_band" in t and "'not'" in t for t in text), (
        text
    )


def test_medication_absence_rule_is_warned(tmp_path: Path) -> None:
    when = {"not": {"field": "medications", "op": "contains", "value": "benzodiazepine"}}
    directory = kb_with_screens(tmp_path, {"no_benzo": (when, ALL)})
    text = [str(p) for p in validate_data_dir(directory).warnings]
    assert any("'medications' ([] -> [benzodiazepine])" in t for t in text), text


def test_relative_threshold_above_absolute_is_warned(tmp_path: Path) -> None:
    directory = kb_with_screens(tmp_path, {"bp_rel": (sys_ge(200), ALL), "bp_abs": (sys_ge(180), ABS)}, replace=True)
    text = [str(p) for p in validate_data_dir(directory).warnings]
    assert any("relative bp_systolic threshold (200) is above the absolute one (180)" in t for t in text), text


def test_rule_for_everyone_is_warned(tmp_path: Path) -> None:
    directory = kb_with_screens(tmp_path, {"everyone": ({"field": "age", "op": "ge", "value": 0}, ALL)})
    text = [str(p) for p in validate_data_dir(directory).warnings]
    assert any("applies to every profile" in t and "screens.everyone" in t for t in text), text


def test_shipped_banded_bp_rules_are_monotonic_together() -> None:
    # bp_elevated uses `not` to stop at 180/110, where bp_severe (absolute) takes over:
    # the combination is monotonic, so no warning.
    report = validate_data_dir(DATA_DIR)
    assert not report.errors
    assert not [p for p in report.warnings if "less severe" in str(p) or "band is empty" in str(p)]


def test_cli_reports_threshold_error_with_exit_2(tmp_path: Path) -> None:
    directory = kb_with_screens(tmp_path, {"bad_screen": ({"any": [sys_ge(90), dia_ge(140)]}, ABS)})
    result = CliRunner().invoke(app, ["data", "validate", str(directory)])
    assert result.exit_code == 2
    assert "swapped?" in result.stderr and "Traceback" not in result.output + result.stderr


def test_cli_warning_only_exit_0_and_strict_2(tmp_path: Path) -> None:
    directory = kb_with_screens(
        tmp_path, {"bp_band": ({"all": [sys_ge(140), {"not": sys_ge(160)}]}, ALL)}, replace=True
    )
    ok = CliRunner().invoke(app, ["data", "validate", str(directory)])
    assert ok.exit_code == 0, ok.stderr
    assert "ketadecide: warning:" in ok.stderr and "less severe" in ok.stderr
    strict = CliRunner().invoke(app, ["data", "validate", "--strict", str(directory)])
    assert strict.exit_code == 2
