"""``ketadecide batch --engine spark`` at the command line: what it refuses (exit 2, one line
naming the option, nothing written, no Spark started), a missing pyspark, and a run end to
end (the run's shared session stands in for the one the CLI starts; one test starts its own
in a child process to show the JVM says nothing on stderr)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.cli.main import app
from tests.batch.helpers import minimal_dir, spark_errors_text
from tests.conftest import ROOT


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    src = tmp_path / "cohort.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "age": pa.array([40, 400, 30], pa.int64())}), src)
    return src


def _batch(runner: Any, *args: str) -> Any:
    return runner.invoke(app, ["batch", *args, "--data-dir", str(minimal_dir())])


def _one_error_line(res: Any, *words: str) -> None:
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketadecide: error:"), res.stderr
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_standard_input_is_refused_naming_the_option(runner: Any, tmp_path: Path) -> None:
    res = _batch(runner, "-", "--engine", "spark", "-o", str(tmp_path / "out"))
    _one_error_line(res, "--engine spark", "standard input", "INPUT")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ([], ["--engine spark", "-o DIR"]),
        (["-o", "-"], ["--engine spark", "-o DIR"]),
        (["-o", "out.csv"], ["--engine spark", "Parquet only"]),
        (["-o", "out", "--output-format", "jsonl"], ["--engine spark", "Parquet only"]),
        (["-o", "out", "--threads", "2"], ["--threads", "--spark-master"]),
    ],
)
def test_outputs_spark_does_not_write_are_refused(
    runner: Any, cohort: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], words: list[str]
) -> None:
    monkeypatch.chdir(cohort.parent)
    _one_error_line(_batch(runner, str(cohort), "--engine", "spark", *extra), *words)


def test_spark_master_needs_the_spark_engine(runner: Any, cohort: Path) -> None:
    res = _batch(runner, str(cohort), "--spark-master", "local[1]", "-o", str(cohort.parent / "o.parquet"))
    _one_error_line(res, "--spark-master", "--engine spark")


def test_an_output_that_is_the_input_or_holds_it_is_refused(runner: Any, cohort: Path) -> None:
    before = cohort.read_bytes()
    _one_error_line(_batch(runner, str(cohort), "--engine", "spark", "-o", str(cohort)), "same file as the input")
    res = _batch(runner, str(cohort), "--engine", "spark", "-o", str(cohort.parent))
    _one_error_line(res, "would hold the input", "refusing to replace it")
    other = cohort.parent / "notes"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    _one_error_line(_batch(runner, str(cohort), "--engine", "spark", "-o", str(other)), "holding other files")
    assert cohort.read_bytes() == before and (other / "notes.txt").read_text() == "mine"


def test_missing_pyspark_is_one_line_with_the_install_hint(
    runner: Any, cohort: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a))
    res = _batch(runner, str(cohort), "--engine", "spark", "-o", str(cohort.parent / "out"))
    _one_error_line(res, "pyspark", "pip install 'ketadecide[spark]'")
    assert not (cohort.parent / "out").exists()


def test_help_names_the_engine_and_its_limits(runner: Any) -> None:
    res = runner.invoke(app, ["batch", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    for words in (
        "--engine",
        "--spark-master",
        "Parquet, CSV or JSONL file in",
        "default local[*]",
    ):
        assert words in text, words


@pytest.mark.slow
def test_cli_run_on_spark_writes_the_directory_errors_and_summary(
    runner: Any, cohort: Path, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    masters: list[str] = []

    @contextlib.contextmanager
    def shared(master: str, **_: Any) -> Iterator[Any]:
        masters.append(master)
        yield spark

    monkeypatch.setattr("ketadecide.batch.spark.session.spark_session", shared)
    out, summary = cohort.parent / "results", cohort.parent / "summary.json"
    args = [str(cohort), "--engine", "spark", "-o", f"{out}/", "--summary", str(summary)]
    for _ in range(2):  # the second run replaces the first one's directory
        res = _batch(runner, *args, "--spark-master", "local[1]")
        assert res.exit_code == 0, res.stderr
        assert "3 rows in = 2 results + 1 error rows" in res.stderr
    assert masters == ["local[1]", "local[1]"]
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["a", "c"]
    assert (out / "_SUCCESS").exists()
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in out.iterdir())
    errors = spark_errors_text(cohort.parent / "results.errors").splitlines()
    assert errors[0] == "row,id,field,error" and errors[1].startswith("2,b,age,")
    assert json.loads(summary.read_text())["error_rows"] == 1
    assert not [p for p in cohort.parent.iterdir() if p.name.endswith(".ketadecide-tmp")]


@pytest.mark.slow
def test_stale_staging_is_removed_only_when_its_owner_is_gone_and_no_foreign_file_is_deleted(
    runner: Any, cohort: Path, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketadecide.batch.spark.output import _HOST, MARK

    @contextlib.contextmanager
    def shared(_master: str, **_: Any) -> Iterator[Any]:
        yield spark

    monkeypatch.setattr("ketadecide.batch.spark.session.spark_session", shared)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale: dict[str, dict[str, Any] | None] = {
        "dead": {"tool": "ketadecide", "host": _HOST, "pid": int(dead.stdout), "state": "running"},
        "live": {"tool": "ketadecide", "host": _HOST, "pid": os.getpid(), "state": "running"},
        "other-host": {"tool": "ketadecide", "host": "elsewhere", "pid": int(dead.stdout), "state": "running"},
        "unmarked": None,
    }
    for name, mark in stale.items():
        folder = cohort.parent / f".out.{name}.ketadecide-tmp"
        folder.mkdir()
        if mark is not None:
            (folder / MARK).write_text(json.dumps(mark))
    res = _batch(runner, str(cohort), "--engine", "spark", "-o", str(cohort.parent / "out"))
    assert res.exit_code == 0, res.stderr
    left = sorted(p.name for p in cohort.parent.iterdir() if p.name.endswith(".ketadecide-tmp"))
    assert left == [f".out.{n}.ketadecide-tmp" for n in ("live", "other-host", "unmarked")]
    # An earlier output with a file of the user's in it (a name like Spark's) is not replaced.
    (cohort.parent / "out" / "part-2-of-my-thesis.txt").write_text("mine")
    res = _batch(runner, str(cohort), "--engine", "spark", "-o", str(cohort.parent / "out"))
    _one_error_line(res, "holding other files", "part-2-of-my-thesis.txt")
    assert (cohort.parent / "out" / "part-2-of-my-thesis.txt").read_text() == "mine"


@pytest.mark.slow
def test_the_cli_starts_a_quiet_local_session(cohort: Path, spark: Any) -> None:
    """A real ``ketadecide`` process: its own JVM on local[1]; stderr holds only the summary line."""
    out = cohort.parent / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "ketadecide", "batch", str(cohort), "--engine", "spark", "-o", str(out)]
    proc = subprocess.run(
        [*cmd, "--spark-master", "local[1]", "--data-dir", str(minimal_dir())],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"ketadecide: batch: 3 rows in = 2 results + 1 error rows (see {out}.errors)"
    ]
    assert pq.read_table(out).num_rows == 2


def _python_without(folder: Path, module: str) -> Path:
    """A real Python (a venv) with every package this one has but ``module``: its
    site-packages are a farm of links to this interpreter's, ``module`` left out."""
    farm = folder / "site"
    farm.mkdir()
    for entry in map(Path, sys.path):
        if entry.name != "site-packages" or not entry.is_dir():
            continue
        for item in entry.iterdir():
            top = item.name.split("-")[0].split(".")[0].lower()
            if top != module and not (farm / item.name).exists():
                (farm / item.name).symlink_to(item)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    (site,) = (folder / "venv" / "lib").glob("python*/site-packages")
    (site / "farm.pth").write_text(f"{farm}\n")
    return folder / "venv" / "bin" / "python"


#: Runs the CLI with the workers' Python of a local master replaced by argv[1] (a local
#: master's workers otherwise run this very Python, which has everything).
_WITH_WORKERS_PYTHON = """
import sys
import ketadecide.batch.spark.session as session
python, sys.argv = sys.argv[1], ["ketadecide", *sys.argv[2:]]
session.workers_python = lambda master: python
from ketadecide.cli.main import run
run()
"""


@pytest.mark.slow
def test_jsonl_on_workers_without_duckdb_is_one_line_naming_their_python(tmp_path: Path, spark: Any) -> None:
    """JSONL on Spark validates its lines with DuckDB in each task: workers whose Python
    lacks it are refused before any data is read, in one line naming that Python and the
    install command (exit 1: the environment failed, CONTRACT §4), not a task failure in
    the middle of the run. The same workers read CSV, which needs no DuckDB there."""
    python = _python_without(tmp_path, "duckdb")
    imports = "import pyarrow, pyspark, yaml; import duckdb"
    check = subprocess.run([str(python), "-c", imports], capture_output=True, check=False)
    assert b"ModuleNotFoundError: No module named 'duckdb'" in check.stderr, check.stderr  # a real Python without it
    (tmp_path / "in.jsonl").write_text('{"id": "a", "age": 40}\n{"id": "b", "age": 400}\n')
    (tmp_path / "in.csv").write_text("id,age\na,40\nb,400\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {}
    for name in ("in.jsonl", "in.csv"):
        out = tmp_path / f"out-{name.removeprefix('in.')}"
        args = ["batch", str(tmp_path / name), "--engine", "spark", "-o", str(out)]
        runs[name] = subprocess.run(
            [sys.executable, "-c", _WITH_WORKERS_PYTHON, str(python), *args, "--spark-master", "local[1]",
             "--data-dir", str(minimal_dir())],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )  # fmt: skip
    jsonl, csv_run = runs["in.jsonl"], runs["in.csv"]
    assert jsonl.returncode == 1, jsonl.stderr
    lines = jsonl.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketadecide: error:"), jsonl.stderr
    assert str(python) in lines[0] and "duckdb" in lines[0] and "pip install 'ketadecide[batch]'" in lines[0]
    assert "JSONL" in lines[0] and "Traceback" not in jsonl.stderr and "bug" not in jsonl.stderr
    assert not (tmp_path / "out-jsonl").exists() and not (tmp_path / "out-jsonl.errors").exists()
    assert csv_run.returncode == 0, csv_run.stderr
    assert pq.read_table(tmp_path / "out-csv").num_rows == 1
