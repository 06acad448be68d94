"""Freshness of record values (CONTRACT §3 ``stale``): each value a FHIR import takes carries
its date; a value older than its window (data, cited) is listed and not used; an old value
that would have raised a flag keeps a relative finding; deceased patients are never scored.
Synthetic records only (tests/fhir/synth.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.compare import evaluate
from ketadecide.engine.result import Result
from ketadecide.fhir import bundle_to_profile, to_profile
from ketadecide.fhir.report import MappingReport
from ketadecide.knowledge import KnowledgeBase
from tests.conftest import clinic_data
from tests.fhir.synth import SynthPatient

AS_OF = dt.date(2026, 11, 23)


def person(pid: str = "p") -> SynthPatient:
    return SynthPatient(pid).condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")


def run(p: SynthPatient, kb: KnowledgeBase) -> tuple[dict[str, Any], MappingReport, Result]:
    data, report = bundle_to_profile(p.bundle(AS_OF), kb, AS_OF)
    return data, report, evaluate(to_profile(data, p.id), kb, record=report.notes())


def stale_fields(result: Result) -> list[str]:
    return [s.field for s in result.stale]


def test_windows_are_data_with_sources(kb: KnowledgeBase) -> None:
    windows = {f: r for r in kb.freshness.values() for f in r.fields}
    assert {"bp_systolic", "bp_diastolic", "phq9", "pregnancy", "medications"} <= set(windows)
    assert windows["bp_systolic"].window_days == 365 and windows["phq9"].window_days == 30
    assert windows["pregnancy"].by_value["none"] == 30
    assert all(r.sources for r in kb.freshness.values())


def test_a_22_year_old_severe_reading_is_not_today_but_keeps_a_flag(kb: KnowledgeBase) -> None:
    """Issue 22: a 2004 reading of 182/104 made all four 'contraindicated (bp_severe)' with
    nothing to say it was 8,041 days old."""
    data, _, result = run(person().bp(182, 104, days_ago=8041), kb)
    assert "bp_systolic" not in data
    assert stale_fields(result) == ["bp_systolic", "bp_diastolic"]
    stale = result.stale[0]
    assert (stale.value, stale.window_days, stale.date) == (182, 365, AS_OF - dt.timedelta(days=8041))
    assert "uspstf_hypertension_2021" in stale.source
    for m in result.modalities:
        ids = {f.id: f.severity for f in m.findings}
        assert "bp_severe" not in ids
        assert ids["stale_reading"] == "relative", m.id
        assert ids["bp_not_recorded"] == "info"
        finding = next(f for f in m.findings if f.id == "stale_reading")
        assert "measure or ask again before dosing" in finding.message.clinician
        assert "Severely elevated blood pressure" in finding.message.clinician


def test_an_old_normal_reading_does_not_suppress_bp_not_recorded(kb: KnowledgeBase) -> None:
    """Issue 22: 113/73 from 2020 suppressed 'BP not recorded'."""
    data, _, result = run(person().bp(113, 73, days_ago=2100), kb)
    assert "bp_systolic" not in data
    spravato = result.modality("spravato")
    assert "bp_not_recorded" in {f.id for f in spravato.findings}
    assert "stale_reading" not in {f.id for f in spravato.findings}  # a normal reading raises nothing


def test_a_fresh_reading_is_used_and_the_window_edge_is_inclusive(kb: KnowledgeBase) -> None:
    data, _, result = run(person().bp(150, 95, days_ago=365), kb)
    assert (data["bp_systolic"], data["bp_diastolic"]) == (150, 95)
    assert result.stale == ()
    assert "bp_elevated" in {f.id for f in result.modality("iv").findings}


def test_stale_phq9_with_item9_is_not_current_but_keeps_a_flag(kb: KnowledgeBase) -> None:
    data, report, result = run(person().phq9([3] * 9, days_ago=31), kb)
    assert "phq9" not in data
    assert stale_fields(result) == ["phq9"]
    assert result.stale[0].value == [3] * 9
    assert "stale_reading" in {f.id for f in result.modality("spravato").findings}
    assert any("item 9" in i.message for i in report.of("check"))  # never lost


def test_pregnancy_windows_depend_on_the_value(kb: KnowledgeBase) -> None:
    data, _, result = run(person().pregnancy("none", days_ago=31), kb)
    assert "pregnancy" not in data and stale_fields(result) == ["pregnancy"]
    assert "pregnancy" in [m.field for m in result.missing]
    data, _, _ = run(person().pregnancy("none", days_ago=20), kb)
    assert data["pregnancy"] == "none"
    data, _, _ = run(person().pregnancy("pregnant", days_ago=200), kb)
    assert data["pregnancy"] == "pregnant"
    data, _, result = run(person().pregnancy("pregnant", days_ago=300), kb)
    assert "pregnancy" not in data
    assert "stale_reading" in {f.id for f in result.modality("spravato").findings}


def test_an_old_medication_order_is_stale_and_keeps_its_flag(kb: KnowledgeBase) -> None:
    p = person().medication("atc", "N06AF03", "phenelzine", days_ago=900).medication("rxnorm", "28439", days_ago=10)
    data, _, result = run(p, kb)
    assert data["medications"] == ["lamotrigine"]
    assert [(s.field, s.value) for s in result.stale] == [("medications", ["maoi"])]
    finding = next(f for f in result.modality("iv").findings if f.id == "stale_reading")
    assert "Monoamine oxidase inhibitor" in finding.message.clinician


def test_a_pregnancy_condition_beside_a_not_pregnant_status_is_a_conflict(kb: KnowledgeBase) -> None:
    p = person().pregnancy("none", days_ago=3).condition("icd10cm", "Z33.1", "Pregnant state", onset_days_ago=60)
    data, report, result = run(p, kb)
    assert data["pregnancy"] == "pregnant"
    assert report.record_conflicts == ("pregnancy",)
    assert [c.id for c in result.conflicts] == ["pregnancy_record"]
    assert {m.status for m in result.modalities} == {"incomplete"}


def test_a_clinic_may_shorten_a_window(tmp_path: Path) -> None:
    from ketadecide.floor import load_knowledge_base

    data_dir = clinic_data(
        tmp_path,
        "contraindications.yaml",
        "    window_days: 365\n    note: >-\n      A reading",
        "    window_days: 30\n    note: >-\n      A reading",
    )
    clinic = load_knowledge_base(data_dir)
    data, _, result = run(person().bp(150, 95, days_ago=60), clinic)
    assert "bp_systolic" not in data and stale_fields(result) == ["bp_systolic", "bp_diastolic"]


def test_deceased_patients_are_refused_by_compare_and_an_error_row_in_batch(
    tmp_path: Path, runner: CliRunner, fhir_kb_dir: Path
) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    (folder / "a.json").write_text(person("alive").bp(120, 80, days_ago=3).json(AS_OF))
    (folder / "b.json").write_text(person("gone").deceased(30).json(AS_OF))
    (folder / "c.json").write_text(person("gone-flag").deceased(None).json(AS_OF))
    res = runner.invoke(
        app, ["compare", "--fhir", str(folder / "b.json"), "--as-of", AS_OF.isoformat(), "--data-dir", str(fhir_kb_dir)]
    )
    assert res.exit_code == 2
    assert "deceased" in res.stderr and "Traceback" not in res.stderr
    out = tmp_path / "out.csv"
    res = runner.invoke(
        app,
        ["batch", "--fhir", str(folder), "-o", str(out), "--as-of", AS_OF.isoformat(), "--data-dir", str(fhir_kb_dir)],
    )
    assert res.exit_code == 0, res.stderr
    rows = out.read_text().splitlines()
    assert len(rows) == 2 and rows[1].startswith('"alive",')
    errors = (tmp_path / "out.csv.errors.csv").read_text()
    assert errors.count("Patient.deceased") == 2
    assert "\n2," in errors and "\n3," in errors


def test_stale_values_reach_the_json_result(tmp_path: Path, runner: CliRunner, fhir_kb_dir: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(person().bp(182, 104, days_ago=8041).json(AS_OF))
    res = runner.invoke(
        app,
        [
            "compare",
            "--fhir",
            str(path),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
            "--data-dir",
            str(fhir_kb_dir),
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert [s["field"] for s in data["stale"]] == ["bp_systolic", "bp_diastolic"]
    assert data["stale"][0] | {"source": None, "record": None} == {
        "field": "bp_systolic",
        "value": 182,
        "date": (AS_OF - dt.timedelta(days=8041)).isoformat(),
        "window_days": 365,
        "source": None,
        "record": None,
    }
