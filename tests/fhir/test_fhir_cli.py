"""FHIR import through its surfaces: reading/validating bundles, the CLI, batch helpers."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import InputError
from ketadecide.fhir import iter_bundle_profiles, parse_bundle
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import parse_profile
from tests.fhir.fhir_bundles import bp_panel, bundle, condition, make_fhir_kb, med_statement, phq_items, vital

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def problems(text: str) -> list[str]:
    try:
        parse_bundle(text, "b.json")
    except InputError as exc:
        return [str(p) for p in exc.problems]
    raise AssertionError("expected an InputError")


# ---------------------------------------------------------------- malformed bundles


def test_not_json() -> None:
    assert "invalid JSON" in problems("{not json")[0]


def test_duplicate_keys_rejected() -> None:
    assert "duplicate key" in problems('{"resourceType": "Bundle", "resourceType": "Bundle"}')[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "got a list"),
        ({"type": "collection"}, "field 'resourceType': no resourceType"),
        ({"resourceType": "Patient", "id": "x"}, "expected 'Bundle'"),
        ({"resourceType": "Bundle"}, "field 'Bundle.type': required by FHIR R4"),
        ({"resourceType": "Bundle", "type": "collection", "entry": {}}, "must be a list"),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Frobnicate"}}],
            },
            "'Frobnicate' is not a FHIR R4 resource type",
        ),
    ],
)
def test_not_a_bundle(data: Any, expected: str) -> None:
    assert any(expected in p for p in problems(json.dumps(data)))


def test_invalid_resource_names_resource_and_field() -> None:
    bad = condition("F33.1")
    bad["clinicalStatus"] = "active"  # STU3 style
    obs = bp_panel(120, 80, "2026-01-01")
    del obs["status"]
    found = problems(json.dumps(bundle(bad, obs)))
    assert any(f"entry[1] Condition/{bad['id']}.clinicalStatus" in p and "STU3" in p for p in found)
    assert any(f"entry[2] Observation/{obs['id']}.status" in p and "required" in p for p in found)


def test_r5_bundle_is_named_as_such() -> None:
    stmt = med_statement(None)
    del stmt["medicationCodeableConcept"]
    stmt["medication"] = {"concept": {"coding": [{"code": "x"}]}}
    found = problems(json.dumps(bundle(stmt)))
    assert any("FHIR R5" in p and ".medication" in p for p in found)


def test_unread_resource_types_are_not_validated() -> None:
    odd = {"resourceType": "Encounter", "status": "not-a-status", "class": {"code": "AMB"}}
    data = parse_bundle(json.dumps(bundle(odd, condition("F33.1"))), "b.json")
    assert data["entry"][1]["resource"]["resourceType"] == "Encounter"


# ---------------------------------------------------------------- CLI


@pytest.fixture
def good_bundle(tmp_path: Path) -> Path:
    return write(
        tmp_path / "patient.json",
        bundle(
            condition("F33.2"),
            condition("F20.9", clinical="resolved"),
            condition("I10"),
            med_statement("N05BA06", text="lorazepam"),
            bp_panel(142, 91, "2026-11-10T09:00:00Z"),
            phq_items([2, 3, 2, 2, 1, 2, 2, 1, 0], "2026-11-15"),
            vital("29463-7", 70, "2026-11-15", unit="kg"),
        ),
    )


def test_to_profile_round_trip(runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "profile.yaml"
    result = runner.invoke(
        app,
        [
            "fhir",
            "to-profile",
            str(good_bundle),
            "-o",
            str(out),
            "--as-of",
            "2026-11-23",
            "--data-dir",
            str(fhir_kb_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    record = yaml.safe_load(out.read_text())
    assert record == {
        "id": "p1",
        "age": 46,
        "diagnoses": ["mdd"],
        "phq9": [2, 3, 2, 2, 1, 2, 2, 1, 0],
        "bp_systolic": 142,
        "bp_diastolic": 91,
        "conditions": ["psychosis_history"],
        "medications": ["benzodiazepine"],
    }
    parse_profile(record)
    assert "Not mapped" in result.stderr and "29463-7" in result.stderr


def test_compare_fhir_gives_expected_statuses(
    runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, tmp_path: Path
) -> None:
    args = ["--as-of", "2026-11-23", "--data-dir", str(fhir_kb_dir), "-f", "json"]
    result = runner.invoke(app, ["compare", "--fhir", str(good_bundle), *args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    statuses = {m["id"]: m["status"] for m in data["modalities"]}
    # Suicidality is never read from a record and this one gives no pregnancy status: the
    # safety screen stays incomplete (schema 2), whatever the findings.
    assert statuses == {
        "spravato": "incomplete",
        "iv": "incomplete",
        "im": "incomplete",
        "compounded": "incomplete",
    }
    assert data["missing"] == ["suicidality", "pregnancy"]
    assert "left not asked: suicidality, pregnancy" in result.stderr
    findings = {f["id"] for f in data["modalities"][0]["findings"]}
    assert {"psychosis_history", "benzodiazepine", "bp_elevated"} <= findings
    assert "Read into the profile" in result.stderr
    # The same profile through --profile gives the same result.
    profile_file = tmp_path / "p.yaml"
    runner.invoke(
        app,
        [
            "fhir",
            "to-profile",
            str(good_bundle),
            "-o",
            str(profile_file),
            "-q",
            "--as-of",
            "2026-11-23",
            "--data-dir",
            str(fhir_kb_dir),
        ],
    )
    again = runner.invoke(
        app,
        ["compare", "--profile", str(profile_file), "--data-dir", str(fhir_kb_dir), "-f", "json"],
    )
    assert json.loads(again.stdout)["modalities"] == data["modalities"]


@pytest.mark.parametrize("extra", [[], ["--profile", "x.yaml"]])
def test_compare_needs_exactly_one_source(
    runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, extra: list[str]
) -> None:
    args = ["compare", "--data-dir", str(fhir_kb_dir), *extra]
    if extra:
        args += ["--fhir", str(good_bundle)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "exactly one of --profile FILE or --fhir BUNDLE" in result.stderr


def test_malformed_bundle_exits_2(runner: CliRunner, fhir_kb_dir: Path, tmp_path: Path) -> None:
    bad = condition("F33.1")
    bad["onsetDateTime"] = "yesterday"
    path = write(tmp_path / "bad.json", bundle(bad))
    result = runner.invoke(app, ["compare", "--fhir", str(path), "--data-dir", str(fhir_kb_dir)])
    assert result.exit_code == 2
    assert f"ketadecide: error: {path}, field 'entry[1] Condition/{bad['id']}.onsetDateTime'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bundle_without_birth_date_exits_2(runner: CliRunner, fhir_kb_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "nobirth.json", bundle(condition("F33.1"), with_patient=False))
    result = runner.invoke(app, ["fhir", "to-profile", str(path), "--data-dir", str(fhir_kb_dir)])
    assert result.exit_code == 2
    assert "field 'Patient.birthDate'" in result.stderr


def test_missing_fhir_resources_says_how_to_install(
    runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B", None)
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.bundle", None)
    result = runner.invoke(app, ["fhir", "to-profile", str(good_bundle), "--data-dir", str(fhir_kb_dir)])
    assert result.exit_code == 2
    assert "pip install 'ketadecide[fhir]'" in result.stderr


def test_kb_without_codes_yaml(runner: CliRunner, good_bundle: Path) -> None:
    result = runner.invoke(
        app,
        [
            "fhir",
            "to-profile",
            str(good_bundle),
            "--data-dir",
            str(ROOT / "tests/fixtures/kb_minimal"),
        ],
    )
    assert result.exit_code == 2
    assert "no codes.yaml" in result.stderr


def test_codes_yaml_ids_are_cross_checked(runner: CliRunner, tmp_path: Path) -> None:
    directory = make_fhir_kb(tmp_path)
    codes = (
        (directory / "codes.yaml")
        .read_text()
        .replace("conditions: [interstitial_cystitis]", "conditions: [bladder_pain]", 1)
    )
    (directory / "codes.yaml").write_text(codes)
    (directory / "overlay.yaml").write_text("standalone: synthetic\n")  # the id check itself
    result = runner.invoke(app, ["data", "validate", str(directory)])
    assert result.exit_code == 2
    assert (
        "codes.yaml, field 'entries.icd_interstitial_cystitis.conditions[0]': "
        "'bladder_pain' is not a condition id" in result.stderr
    )


def test_plain_compare_does_not_import_fhir_resources(fhir_kb_dir: Path, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 40\n")
    code = (
        "import sys\nfrom ketadecide.cli.main import app\n"
        f"args = ['compare', '--profile', {str(profile)!r}, '--data-dir', {str(fhir_kb_dir)!r}]\n"
        "try:\n    app(args)\n"
        "except SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('fhir')], 'fhir imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- many bundles (for batch)


def test_iter_bundle_profiles_folder_and_ndjson(fhir_kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "bundles"
    folder.mkdir()
    write(folder / "a.json", bundle(condition("F33.1")))
    write(folder / "b.json", "{broken")
    write(folder / "c.json", bundle(condition("F20.9"), birth="1990-01-01"))
    rows = list(iter_bundle_profiles(folder, fhir_kb))
    assert [r for r, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], InputError) and rows[1][1].problems[0].row == 2
    assert isinstance(rows[2][1], dict) and rows[2][1]["conditions"] == ["psychosis_history"]

    ndjson = tmp_path / "bundles.ndjson"
    lines = [
        json.dumps(bundle(condition("F33.1"))),
        "",
        '{"resourceType": "Patient"}',
        json.dumps(bundle()),
    ]
    ndjson.write_text("\n".join(lines) + "\n")
    rows = list(iter_bundle_profiles(ndjson, fhir_kb))
    assert [r for r, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], InputError) and rows[1][1].problems[0].field == "resourceType"


def test_consult_prefills_from_fhir_and_profile_wins(
    runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, tmp_path: Path
) -> None:
    """consult --fhir pre-fills from the record; a --profile given too overrides its fields."""
    common = ["--as-of", "2026-11-23", "--data-dir", str(fhir_kb_dir), "--no-input", "-f", "json"]
    result = runner.invoke(app, ["consult", "--fhir", str(good_bundle), *common])
    assert result.exit_code == 0, result.output
    from_record = json.loads(result.stdout)
    findings = {f["id"] for f in from_record["modalities"][0]["findings"]}
    assert {"psychosis_history", "benzodiazepine", "bp_elevated"} <= findings
    assert "Read into the profile" in result.stderr

    override = write(tmp_path / "p.yaml", "bp_systolic: 120\nbp_diastolic: 80\n")
    result = runner.invoke(app, ["consult", "--fhir", str(good_bundle), "--profile", str(override), *common])
    assert result.exit_code == 0, result.output
    findings = {f["id"] for f in json.loads(result.stdout)["modalities"][0]["findings"]}
    assert "bp_elevated" not in findings and "psychosis_history" in findings


def test_consult_as_of_needs_fhir(runner: CliRunner, fhir_kb_dir: Path) -> None:
    result = runner.invoke(app, ["consult", "--as-of", "2026-11-23", "--no-input", "--data-dir", str(fhir_kb_dir)])
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_batch_reads_a_folder_of_bundles_and_accounts_for_every_one(
    runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path, tmp_path: Path
) -> None:
    """batch --fhir: one result row per readable bundle, in order; a broken bundle goes to the
    errors file under its own row number; the results equal compare --fhir's."""
    folder = tmp_path / "bundles"
    folder.mkdir()
    (folder / "a.json").write_text(good_bundle.read_text())
    (folder / "b.json").write_text('{"resourceType": "Patient"}')  # not a Bundle
    young = bundle(condition("F33.1"), birth="2010-03-01")
    write(folder / "c.json", young)
    out = tmp_path / "out.jsonl"
    args = ["--as-of", "2026-11-23", "--data-dir", str(fhir_kb_dir), "--no-progress"]
    res = runner.invoke(app, ["batch", "--fhir", str(folder), "-o", str(out), *args])
    assert res.exit_code == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["row"] for r in rows] == [1, 3]
    errors = (tmp_path / "out.jsonl.errors.csv").read_text()
    assert errors.splitlines()[1].startswith("2,") and "Bundle" in errors
    assert "3 rows in = 2 results + 1 error rows" in res.stderr
    # The same bundle through compare gives the same statuses.
    single = runner.invoke(
        app,
        [
            "compare",
            "--fhir",
            str(folder / "a.json"),
            "-f",
            "json",
            "--as-of",
            "2026-11-23",
            "--data-dir",
            str(fhir_kb_dir),
        ],
    )
    expected = {m["id"]: m["status"] for m in json.loads(single.stdout)["modalities"]}
    assert {m: rows[0][f"{m}_status"] for m in expected} == expected
    assert rows[1]["spravato_status"] != "eligible"  # 16 years old as of 2026-11-23


def test_batch_fhir_and_input_are_exclusive(runner: CliRunner, fhir_kb_dir: Path, good_bundle: Path) -> None:
    res = runner.invoke(app, ["batch", "x.csv", "--fhir", str(good_bundle), "--data-dir", str(fhir_kb_dir)])
    assert res.exit_code == 2 and "exactly one" in res.stderr
