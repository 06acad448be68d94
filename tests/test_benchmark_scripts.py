"""The benchmark scripts run and report what they claim (a smoke run on a small N, so
they cannot rot unnoticed; the real numbers come from running them by hand)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


@pytest.mark.slow
def test_batch_benchmark_measures_batch_floors_and_row_by_row(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/batch.py", "--sizes", "3000", "--python-rows", "300", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads((tmp_path / "batch_results.json").read_text())
    # 1% malformed rows go to the errors file, and every row is accounted for.
    assert result["accounted_for"] is True
    assert result["rows_out"] + result["error_rows"] == 3000
    assert 0 < result["error_rows"] < 100
    for key in ("batch_s", "floor_s", "parsed_floor_s", "python_s_estimated"):
        assert result[key] > 0, key
    # Ratios are of the unrounded times; the reported seconds are rounded to 0.01 s.
    assert result["ratio_to_floor"] == pytest.approx(result["batch_s"] / result["floor_s"], rel=0.1)
    assert result["floor_columns"] in (1, 17)
    assert "| 3,000 | parquet |" in proc.stdout


@pytest.mark.slow
def test_startup_benchmark_times_compare_against_its_floor(tmp_path: Path) -> None:
    report = tmp_path / "startup.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/startup.py", "--runs", "1", "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr  # 1: over the target, which a smoke run may be
    result = json.loads(report.read_text())
    names = {"compare", "compare, no cache", "compare, table", "floor", "import typer, rich"}
    assert set(result["median_wall_ms"]) == names == set(result["median_cpu_ms"])
    assert result["wall_ratio_to_floor"]["floor"] == 1.0
    assert all(value > 0 for value in result["median_cpu_ms"].values())
