"""The JSON result carries what the patient views do for an unweighed option (issue 24,
fourth IPDAS review D4): per modality evidence ``unweighed`` and its note, per outcome
``in_words``; the numbers stay for researchers. Validated against the published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text())


def _result(runner: CliRunner, tmp_path: Path, audience: str, *extra: str) -> dict:  # type: ignore[type-arg]
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "age: 70\ndiagnoses: [mdd]\nantidepressant_trials: 3\nsuicidality: none\npregnancy: none\n"
        "conditions: []\nmedications: []\ninsurance: uninsured\nvalues_home: 8\nvalues_evidence: 9\n"
    )
    res = runner.invoke(app, ["compare", "--profile", str(profile), "-a", audience, "--format", "json", *extra])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    return data  # type: ignore[no-any-return]


def test_the_schema_documents_the_additions() -> None:
    evidence = SCHEMA["$defs"]["modality"]["properties"]["evidence"]["properties"]
    assert {"unweighed", "unweighed_note"} <= set(evidence)
    assert "in_words" in evidence["outcomes"]["items"]["properties"]
    assert SCHEMA["properties"]["schema_version"]["const"] == 2


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_compounded_is_unweighed_with_its_words_and_keeps_its_numbers(
    runner: CliRunner, tmp_path: Path, audience: str
) -> None:
    data = _result(runner, tmp_path, audience)
    assert data["schema_version"] == 2
    by_id = {m["id"]: m for m in data["modalities"]}
    comp = by_id["compounded"]["evidence"]
    assert comp["unweighed"] is True
    assert ("no side-effect counts" if audience == "patient" else "in words") in comp["unweighed_note"]
    assert all(o["in_words"] for o in comp["outcomes"])
    domany = next(o for o in comp["outcomes"] if o["id"] == "domany_remission")
    assert domany["value_pct"] == 27.3 and domany["comparator_pct"] == 0.0  # researchers keep them
    for other in ("spravato", "iv"):
        ev = by_id[other]["evidence"]
        assert ev["unweighed"] is False and ev["unweighed_note"] is None
        assert all(o["in_words"] is None for o in ev["outcomes"])


def test_the_fit_in_json_names_the_age_rule_and_the_warning(runner: CliRunner, tmp_path: Path) -> None:
    data = _result(runner, tmp_path, "patient")
    ranking = {e["id"]: e for e in data["fit"]["ranking"]}
    assert any("65 or older" in n for n in ranking["spravato"]["notes"])
    assert ranking["compounded"]["notes"] == []
    assert "FDA" in ranking["compounded"]["drawback"]


def test_spanish_json_carries_the_spanish_words(runner: CliRunner, tmp_path: Path) -> None:
    data = _result(runner, tmp_path, "patient", "--lang", "es")
    comp = next(m for m in data["modalities"] if m["id"] == "compounded")["evidence"]
    assert comp["unweighed"] is True
    words = {o["id"]: o["in_words"] for o in comp["outcomes"]}
    english = _result(runner, tmp_path, "patient")
    in_english = {
        o["id"]: o["in_words"]
        for o in next(m for m in english["modalities"] if m["id"] == "compounded")["evidence"]["outcomes"]
    }
    # The Spanish twin of each outcome's words (its wording is the data's, checked by tests/i18n).
    for outcome in ("domany_remission", "hull_response"):
        assert words[outcome] and words[outcome] != in_english[outcome], outcome
        assert "pastillas" in words[outcome], words[outcome]
