"""consult --fhir reads a record as compare --fhir does: a value older than its window is
listed in `stale` and not used as current (its flag stays as "measure again"), and a
deceased patient is refused (issue 22)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.fhir.synth import SynthPatient

AS_OF = dt.date(2026, 12, 1)


def _bundle(tmp_path: Path, patient: SynthPatient) -> str:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(patient.bundle(as_of=AS_OF)))
    return str(path)


def _patient(**kw: object) -> SynthPatient:
    p = SynthPatient("p-consult", birth_date=dt.date(1980, 5, 1), **kw)  # type: ignore[arg-type]
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    return p


def _consult(runner: CliRunner, bundle: str) -> object:
    return runner.invoke(app, ["consult", "--fhir", bundle, "--as-of", AS_OF.isoformat(), "--no-input", "-f", "json"])


def test_an_old_reading_is_stale_in_the_consult_too(runner: CliRunner, tmp_path: Path) -> None:
    p = _patient()
    p.bp(182, 104, days_ago=8041)
    result = _consult(runner, _bundle(tmp_path, p))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert {s["field"] for s in data["stale"]} & {"bp_systolic", "bp_diastolic"}
    findings = {f["id"] for m in data["modalities"] for f in m["findings"]}
    assert "bp_severe" not in findings, "a 22-year-old reading is not today's blood pressure"
    assert "stale_reading" in findings, "an old reading above the threshold still asks for a new one"


def test_a_deceased_patient_is_refused_by_the_consult(runner: CliRunner, tmp_path: Path) -> None:
    p = _patient(deceased_flag=True)
    result = _consult(runner, _bundle(tmp_path, p))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
