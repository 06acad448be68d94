"""The published result schema describes `conflicts` and `stale` (CONTRACT §3) as they come out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT
from tests.fhir.synth import SynthPatient

SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())


def test_the_schema_requires_both_lists() -> None:
    assert {"conflicts", "stale"} <= set(SCHEMA["required"])
    assert SCHEMA["properties"]["conflicts"]["items"]["required"] == ["id", "fields", "message", "sources"]
    assert SCHEMA["properties"]["stale"]["items"]["required"] == ["field", "value", "date", "window_days", "source"]


def _compare(runner: CliRunner, args: list[str]) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["compare", *args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    return data  # type: ignore[no-any-return]


def test_a_conflict_validates_and_is_named(runner: CliRunner, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "age: 40\ndiagnoses: [mdd]\nantidepressant_trials: 3\nsuicidality: none\n"
        "phq9: [3, 3, 3, 3, 3, 3, 3, 3, 3]\npregnancy: none\nconditions: []\nmedications: []\n"
    )
    data = _compare(runner, ["--profile", str(profile)])
    assert data["conflicts"], "item 9 above 0 with suicidality none is a conflict"
    assert all(m["status"] != "no_flags" for m in data["modalities"])


def test_a_stale_reading_validates_and_is_listed(runner: CliRunner, tmp_path: Path) -> None:
    p = SynthPatient("p-schema", birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.bp(182, 104, days_ago=8041)
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps(p.bundle(as_of=dt.date.today())))
    data = _compare(runner, ["--fhir", str(bundle)])
    assert [s["field"] for s in data["stale"]], "a 22-year-old blood pressure is stale"
    assert data["stale"][0]["window_days"] >= 1
