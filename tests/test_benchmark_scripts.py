"""The benchmark scripts run and report what they claim (a smoke run on a small N, so
they cannot rot unnoticed; the real numbers come from running them by hand)."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ketadecide.batch.io.columns import output_columns
from ketadecide.profile import PROFILE_FIELDS
from tests.conftest import ROOT

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


@pytest.mark.slow
def test_batch_benchmark_measures_both_cohorts_against_the_floors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/batch.py", "--sizes", "3000", "--python-rows", "300", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "batch_results.json").read_text())
    # By default: both cohorts, CSV and Parquet out.
    assert [(r["variant"], r["format"]) for r in results] == [
        ("well-formed", "csv"),
        ("well-formed", "parquet"),
        ("ragged", "csv"),
        ("ragged", "parquet"),
    ]
    for result in results:
        # 1% malformed rows go to the errors file, and every row is accounted for.
        assert result["accounted_for"] is True
        assert result["rows_out"] + result["error_rows"] == 3000
        assert 0 < result["error_rows"] < 100
        for key in ("batch_s", "text_floor_s", "sniffed_floor_s", "python_s_estimated"):
            assert result[key] > 0, key
        # Ratios are of the unrounded times; the reported seconds are rounded to 0.01 s.
        assert result["ratio_to_text_floor"] == pytest.approx(result["batch_s"] / result["text_floor_s"], rel=0.1)
        # The sniffer splits the well-formed cohort's cells and gives up on the ragged one's.
        # Every cohort column (the contract's fields but a course under way) on the clean cohort.
        cohort_columns = len([f for f in PROFILE_FIELDS if not f.startswith("course_") and f != "financial_stress"])
        assert result["sniffed_floor_columns"] == (cohort_columns if result["variant"] == "well-formed" else 1)
        # The own-width floor writes as many columns as batch does.
        assert result["width_floor_columns"] == len(output_columns())
        assert result["ratio_to_width_floor"] == pytest.approx(result["batch_s"] / result["width_floor_s"], rel=0.1)
        assert result["bad_rate"] == 0.01 and len(result["load_average_before"]) == 3
    assert "| 3,000 | well-formed | 1% | csv |" in proc.stdout
    assert "| 3,000 | ragged | 1% | parquet |" in proc.stdout
    assert proc.stdout.startswith("load average (1, 5, 15 min) before: ")


@pytest.mark.slow
def test_batch_benchmark_times_the_reference_path_on_the_same_output(tmp_path: Path) -> None:
    """``--bad-rates 0.1 --with-reference``: a cohort with 10% bad rows, and batch with every
    flagged row re-checked in Python timed beside batch, writing the same bytes."""
    proc = subprocess.run(
        [
            sys.executable, "benchmarks/batch.py", "--sizes", "2000", "--python-rows", "200", "--out", str(tmp_path),
            "--bad-rates", "0.1", "--variants", "well-formed", "--output-formats", "csv", "--with-reference",
        ],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads((tmp_path / "batch_results.json").read_text())
    assert result["bad_rate"] == 0.1 and 150 < result["error_rows"] < 250
    assert result["reference_s"] > 0
    tag = "well-formed_2000_bad0.1.csv"
    for suffix in ("", ".errors.csv"):
        assert (tmp_path / f"batch_{tag}{suffix}").read_bytes() == (tmp_path / f"reference_{tag}{suffix}").read_bytes()
    assert "| 2,000 | well-formed | 10% | csv |" in proc.stdout


def test_batch_benchmark_peak_memory_is_the_childs_own() -> None:
    """The peak reported for a measured child is its own, not its parent's: on Linux a
    vfork/exec child inherits the parent's ``ru_maxrss``, so a benchmark holding more than
    the child ever does (here 400 MiB of ballast) reported its own peak for the child."""
    spec = importlib.util.spec_from_file_location("bench_batch_peak", ROOT / "benchmarks" / "batch.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ballast = bytearray(400 << 20)
    for i in range(0, len(ballast), 4096):  # resident, page by page
        ballast[i] = 1
    grow = "import sys; x = bytearray(int(sys.argv[1]) << 20); x[::4096] = b'1' * len(x[::4096])"
    small = bench._measure([sys.executable, "-c", grow, "20"])
    large = bench._measure([sys.executable, "-c", grow, "120"])
    code = "import sys; sys.exit(3)"
    assert bench._measure([sys.executable, "-c", code]).code == 3  # the child's exit code, as before
    assert small.code == large.code == 0
    assert 20 <= small.peak < 150 and 120 <= large.peak < 250, (small, large)
    assert 90 <= large.peak - small.peak <= 110  # MiB: what the child itself allocated
    del ballast


def test_benchmark_cohorts_are_schema_2_and_shaped_as_named(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "benchmarks" / "batch.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    counts = {}
    for variant in bench.VARIANTS:
        path = tmp_path / f"{variant}.csv"
        bench.generate(path, 2000, ROOT / "data", variant)
        with path.open(encoding="utf-8", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        counts[variant] = sum(len(r) != len(header) for r in rows)
        assert len(rows) == 2000
        assert {"sure_sure", "values_cost"} <= set(header)
        assert not any(c.startswith("course_") for c in header)
        full = [dict(zip(header, r, strict=True)) for r in rows if len(r) == len(header)]
        for column in ("conditions", "medications", "diagnoses"):
            cells = {r[column] for r in full}
            assert {"none", ""} <= cells, column  # asked-and-none, and not asked
        assert any(r["values_cost"] for r in full)
        assert any(r["sure_sure"] for r in full)
    assert counts["well-formed"] == 0
    assert counts["ragged"] > 0


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


def test_cds_latency_benchmark_reports_first_and_warm_calls() -> None:
    proc = subprocess.run(
        [sys.executable, "benchmarks/cds_latency.py", "--calls", "5", "--starts", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["warm_calls"] == 4 and len(result["first_call_ms"]) == 1
    assert 0 < result["warm_p50_ms"] <= result["warm_p95_ms"]
