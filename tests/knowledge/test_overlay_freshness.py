"""Issue 21 x issue 22: a clinic may shorten a record-freshness window, never lengthen it.

A longer window would let an older blood pressure, PHQ-9, "not pregnant" status or
medication list pass as current, so it is refused (one line naming file and key); a shorter
one only sets old values aside sooner, so it is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge.migrate import to_yaml


def overlay(tmp_path: Path, freshness: dict[str, Any]) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "overlay.yaml").write_text('base: "0.8.0"\n', encoding="utf-8")
    (folder / "contraindications.yaml").write_text(to_yaml({"freshness": freshness}), encoding="utf-8")
    return folder


def test_a_shorter_window_is_kept(tmp_path: Path) -> None:
    kb = load_knowledge_base(
        overlay(tmp_path, {"blood_pressure": {"window_days": 90}, "pregnancy": {"by_value": {"none": 7}}})
    )
    assert kb.freshness["blood_pressure"].window_days == 90
    assert kb.freshness["pregnancy"].by_value["none"] == 7
    assert kb.freshness["pregnancy"].window_days == 294  # untouched


@pytest.mark.parametrize(
    ("edit", "key", "bundled"),
    [
        ({"blood_pressure": {"window_days": 366}}, "freshness.blood_pressure.window_days", "365"),
        ({"phq9": {"window_days": 3650}}, "freshness.phq9.window_days", "30"),
        ({"pregnancy": {"by_value": {"none": 31}}}, "freshness.pregnancy.by_value.none", "30"),
        # a new by_value entry cannot lengthen a value that fell under window_days either
        ({"pregnancy": {"by_value": {"pregnant": 400}}}, "freshness.pregnancy.by_value.pregnant", "294"),
        ({"blood_pressure": {"fields": ["bp_systolic"]}}, "freshness.blood_pressure.fields", "bp_diastolic"),
    ],
)
def test_a_longer_window_is_refused_naming_file_and_key(
    runner: CliRunner, tmp_path: Path, edit: dict[str, Any], key: str, bundled: str
) -> None:
    folder = overlay(tmp_path, edit)
    with pytest.raises(InputError) as caught:
        load_knowledge_base(folder)
    (problem,) = caught.value.problems
    assert problem.field == key and problem.source == str(folder / "contraindications.yaml")
    assert bundled in problem.message
    res = runner.invoke(app, ["data", "validate", str(folder)])
    assert res.exit_code == 2
    errors = [line for line in res.stderr.splitlines() if line.startswith("ketadecide: error:")]
    assert len(errors) == 1 and key in errors[0] and "contraindications.yaml" in errors[0], res.stderr
