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
