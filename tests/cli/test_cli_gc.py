"""The console script switches the cycle collector off for a quick start; the commands that
run long (batch, an interview) switch it back on before their work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT
from tests.consult.consult_helpers import TYPICAL


@pytest.fixture
def collector_off() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def test_batch_runs_with_the_collector_on(collector_off: None, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["batch", str(ROOT / "examples" / "cohort.csv"), "-o", str(out)])
    assert result.exit_code in (0, 3), result.stderr
    assert gc.isenabled()


def test_an_interview_runs_with_the_collector_on(collector_off: None) -> None:
    result = CliRunner().invoke(app, ["consult", "-f", "json"], input="".join(f"{a}\n" for a in TYPICAL))
    assert result.exit_code == 0, result.stderr
    assert gc.isenabled()


def test_the_console_script_starts_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from ketadecide.cli import main

    seen: list[bool] = []
    monkeypatch.setattr(main, "build_app", lambda only=None: lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr("sys.argv", ["ketadecide", "compare", "-h"])
    was = gc.isenabled()
    try:
        with pytest.raises(SystemExit):
            main.run()
    finally:
        if was:
            gc.enable()
    assert seen == [False]
