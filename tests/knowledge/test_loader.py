"""The strict knowledge-base loader: each mistake is named by file and key path."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ketadecide.errors import InputError
from ketadecide.floor import load_knowledge_base, validate_data_dir
from tests.conftest import MINIMAL_KB


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(MINIMAL_KB, target)
    return target


def edit(directory: Path, name: str, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    path = directory / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def errors_of(directory: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_knowledge_base(directory)
    return [str(p) for p in info.value.problems]


def test_minimal_kb_loads() -> None:
    kb = load_knowledge_base(MINIMAL_KB)
    assert list(kb.modalities) == ["spravato", "iv", "im", "compounded"]
    assert len(kb.sha256) == 64


def test_unknown_key_names_file_and_path(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["conditions"]["psychosis_history"].update(severty={}))
    errs = errors_of(kb_dir)
    assert any("contraindications.yaml" in e and "conditions.psychosis_history.severty" in e for e in errs)


def test_duplicate_key_is_an_error(kb_dir: Path) -> None:
    path = kb_dir / "sources.yaml"
    path.write_text(path.read_text() + "sources:\n  x: {}\n")
    errs = errors_of(kb_dir)
    assert any("sources.yaml" in e and "duplicate key 'sources'" in e for e in errs)


def test_missing_sources_is_an_error(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["conditions"]["current_mania"].pop("sources"))
    errs = errors_of(kb_dir)
    assert any("conditions.current_mania.sources" in e and "missing" in e for e in errs)


def test_empty_sources_is_an_error(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["medications"]["maoi"].update(sources=[]))
    assert any("medications.maoi.sources" in e for e in errors_of(kb_dir))


def test_undefined_source_id(kb_dir: Path) -> None:
    edit(kb_dir, "modalities.yaml", lambda d: d["modalities"]["iv"]["details"]["onset"].update(sources=["nowhere §2"]))
    errs = errors_of(kb_dir)
    assert any("'nowhere'" in e and "modalities.iv.details.onset.sources[0]" in e for e in errs)


def test_missing_contract_condition(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["conditions"].pop("current_mania"))
    assert any("current_mania" in e and "required by the contract" in e for e in errors_of(kb_dir))


def test_missing_modality(kb_dir: Path) -> None:
    edit(kb_dir, "modalities.yaml", lambda d: d["modalities"].pop("im"))
    assert any("missing: im" in e for e in errors_of(kb_dir))


def test_missing_payer(kb_dir: Path) -> None:
    edit(kb_dir, "modalities.yaml", lambda d: d["modalities"]["im"]["coverage"].pop("medicaid"))
    assert any("modalities.im.coverage.medicaid" in e for e in errors_of(kb_dir))


def test_screen_referencing_undefined_condition(kb_dir: Path) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["screens"]["bp_elevated"]["when"] = {"field": "conditions", "op": "contains", "value": "ghost"}

    edit(kb_dir, "contraindications.yaml", change)
    assert any("'ghost'" in e and "screens.bp_elevated.when" in e for e in errors_of(kb_dir))


def test_bad_predicate_names_the_path(kb_dir: Path) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["screens"]["bp_elevated"]["when"] = {"any": [{"field": "bp_systolic", "op": "ge", "value": "high"}]}

    edit(kb_dir, "contraindications.yaml", change)
    assert any("screens.bp_elevated.when.any[0]" in e and "number" in e for e in errors_of(kb_dir))


def test_bad_severity(kb_dir: Path) -> None:
    edit(
        kb_dir, "contraindications.yaml", lambda d: d["conditions"]["psychosis_history"]["severity"].update(iv="maybe")
    )
    assert any("conditions.psychosis_history.severity.iv" in e for e in errors_of(kb_dir))


def test_cost_range_order(kb_dir: Path) -> None:
    edit(kb_dir, "modalities.yaml", lambda d: d["modalities"]["iv"]["cost_per_session_usd"].update(low=900, high=100))
    assert any("modalities.iv.cost_per_session_usd" in e and "greater" in e for e in errors_of(kb_dir))


def test_crisis_must_name_988(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["crisis"].update(patient="Please seek help."))
    assert any("crisis" in e and "988" in e for e in errors_of(kb_dir))


def test_missing_file_and_missing_dir(kb_dir: Path, tmp_path: Path) -> None:
    (kb_dir / "sources.yaml").unlink()
    assert any("sources.yaml" in e and "no such file" in e for e in errors_of(kb_dir))
    assert any("does not exist" in e for e in errors_of(tmp_path / "nope"))


def test_all_problems_reported_together(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["conditions"]["psychosis_history"].update(oops=1))
    edit(kb_dir, "modalities.yaml", lambda d: d["modalities"]["iv"].update(oops=1))
    errs = errors_of(kb_dir)
    assert any("contraindications.yaml" in e for e in errs) and any("modalities.yaml" in e for e in errs)


def test_hash_changes_with_content_and_reviewed_is_oldest(kb_dir: Path) -> None:
    before = load_knowledge_base(kb_dir)
    edit(kb_dir, "contraindications.yaml", lambda d: d["medications"]["maoi"].update(reviewed="2020-02-02"))
    after = load_knowledge_base(kb_dir)
    assert before.sha256 != after.sha256
    assert after.reviewed == dt.date(2020, 2, 2)


def test_validate_warns_on_stale_records(kb_dir: Path) -> None:
    edit(kb_dir, "contraindications.yaml", lambda d: d["medications"]["maoi"].update(reviewed="2020-02-02"))
    report = validate_data_dir(kb_dir, today=dt.date(2026, 11, 23))
    assert not report.errors
    text = "\n".join(str(w) for w in report.warnings)
    assert "medications.maoi.reviewed" in text and "12 months" in text


def test_clinical_floor_is_an_error_however_it_is_broken(kb_dir: Path) -> None:
    # Weakening a label contraindication...
    edit(
        kb_dir,
        "contraindications.yaml",
        lambda d: d["conditions"]["ketamine_hypersensitivity"]["severity"].update(im="relative"),
    )
    errs = errors_of(kb_dir)
    assert any("clinical floor" in e and "hypersensitivity" in e and "im" in e for e in errs)


def test_clinical_floor_catches_a_removed_screen(kb_dir: Path) -> None:
    # ...or deleting the pregnancy screen: both leave a probe profile 'eligible'.
    edit(kb_dir, "contraindications.yaml", lambda d: d["screens"].pop("pregnancy_or_breastfeeding"))
    errs = errors_of(kb_dir)
    assert any("clinical floor" in e and "pregnancy" in e for e in errs)
    assert any("breastfeeding" in e for e in errs)


def test_optional_files_are_validated_when_first_used(tmp_path: Path) -> None:
    """A broken troubleshooting.yaml does not stop a comparison (which never reads it), but
    every command that uses it, and `data validate`, name it."""
    from typer.testing import CliRunner

    from ketadecide.cli.main import app
    from tests.conftest import DATA_DIR, ROOT

    clinic = tmp_path / "clinic"
    shutil.copytree(DATA_DIR, clinic)
    # Read on its own (synthetic test data): as an overlay every file is merged at load,
    # so there a broken file stops every command (checked at the end).
    (clinic / "overlay.yaml").write_text("standalone: synthetic\n")
    (clinic / "troubleshooting.yaml").write_text("situations: [\n")
    runner = CliRunner()
    profile = str(ROOT / "examples" / "trd-commercial.yaml")
    ok = runner.invoke(app, ["compare", "-p", profile, "-f", "json", "--data-dir", str(clinic)])
    assert ok.exit_code == 0, ok.stderr
    for args in (
        ["troubleshoot", "--modality", "iv", "--sessions", "6", "--response", "none"],
        ["compare", "-p", profile, "-f", "html"],  # the handout reads it
        ["data", "validate", str(clinic)],
    ):
        res = runner.invoke(app, [*args, "--data-dir", str(clinic)] if args[0] != "data" else args)
        assert res.exit_code == 2, (args, res.stderr)
        assert "troubleshooting.yaml" in res.stderr and "Traceback" not in res.stderr
    (clinic / "overlay.yaml").unlink()
    res = runner.invoke(app, ["compare", "-p", profile, "-f", "json", "--data-dir", str(clinic)])
    assert res.exit_code == 2 and "troubleshooting.yaml" in res.stderr, "an overlay is merged whole at load"
