"""`ketadecide modalities` and `ketadecide data validate`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import MINIMAL_KB

KB = ["--data-dir", str(MINIMAL_KB)]


def test_list(runner: CliRunner) -> None:
    # At 120 columns, as the golden files: at 80 the table wraps "compounded" in its cell
    # (and pytest-xdist's workers say 80).
    res = runner.invoke(app, ["modalities", *KB], env={"COLUMNS": "120"})
    assert res.exit_code == 0
    for ident in ("spravato", "iv", "im", "compounded"):
        assert ident in res.stdout


def test_one_in_full_with_sources(runner: CliRunner) -> None:
    res = runner.invoke(app, ["modalities", "iv", "--format", "json", *KB])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    (iv,) = data["modalities"]
    assert iv["id"] == "iv"
    assert iv["details"]["onset"]["sources"] == ["Synthetic test source, not clinical"]
    assert set(iv["coverage"]) == {"commercial", "medicare", "medicaid", "va_tricare", "uninsured"}


def test_one_markdown_and_table(runner: CliRunner) -> None:
    for fmt in ("markdown", "table"):
        res = runner.invoke(app, ["modalities", "spravato", "--format", fmt, *KB])
        assert res.exit_code == 0
        assert "Sources" in res.stdout
        assert "Synthetic test source" in res.stdout


def test_unknown_modality(runner: CliRunner) -> None:
    res = runner.invoke(app, ["modalities", "ketamine_pills", *KB])
    assert res.exit_code == 2
    assert "unknown modality" in res.stderr


def test_validate_clean(runner: CliRunner) -> None:
    res = runner.invoke(app, ["data", "validate", str(MINIMAL_KB)])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("OK:")


def test_validate_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "clinic"
    shutil.copytree(MINIMAL_KB, target)
    path = target / "contraindications.yaml"
    data = yaml.safe_load(path.read_text())
    data["conditions"]["psychosis_history"]["severity"]["iv"] = "sometimes"
    path.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["data", "validate", str(target)])
    assert res.exit_code == 2
    assert "conditions.psychosis_history.severity.iv" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_strict_fails_on_warnings(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "clinic"
    shutil.copytree(MINIMAL_KB, target)
    path = target / "contraindications.yaml"
    data = yaml.safe_load(path.read_text())
    data["medications"]["maoi"]["reviewed"] = "2019-01-01"
    path.write_text(yaml.safe_dump(data))
    assert runner.invoke(app, ["data", "validate", str(target)]).exit_code == 0
    res = runner.invoke(app, ["data", "validate", "--strict", str(target)])
    assert res.exit_code == 2
    assert "12 months" in res.stderr
