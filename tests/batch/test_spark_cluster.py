"""``batch --engine spark`` on a real Spark standalone cluster: a master and two workers on
loopback, started by ``tests/batch/cluster.py``. ketadecide runs by its path from a process
whose PATH lacks the venv (pipx-style), with the workers' Python given by ``PYSPARK_PYTHON``
as the README says; the results, errors and summary must be the DuckDB engine's. A worker
whose output folder is private (not shared storage) must make the run fail clearly, with
nothing under the final names."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.floor import load_knowledge_base
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.cluster import base_env, run_ketadecide, standalone_cluster
from tests.batch.conftest import _require_cluster_tools
from tests.batch.emit_helpers import cohort
from tests.batch.helpers import minimal_dir, spark_errors_text

pytestmark = pytest.mark.slow


def _cohort(folder: Path) -> Path:
    """The emitted-SQL cohort (every kind of bad cell) as text columns, in many row groups."""
    rows = cohort(load_knowledge_base(minimal_dir()), seeded=400, seed=31)
    columns = {f: pa.array([r.get(f) or None for r in rows], pa.string()) for f in PROFILE_FIELDS}
    src = folder / "cohort.parquet"
    pq.write_table(pa.table(columns), src, row_group_size=100)
    return src


def _summary(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return {k: v for k, v in data.items() if k not in {"input", "output", "errors_file"}}


def test_cluster_gives_the_duckdb_engines_rows_errors_and_summary(tmp_path: Path, cluster: Any) -> None:
    src = _cohort(tmp_path)
    duck = tmp_path / "duck.parquet"
    run_batch(str(src), str(duck), load_knowledge_base(minimal_dir()))
    (tmp_path / "duck.json").write_text(
        json.dumps(run_batch(str(src), str(duck), load_knowledge_base(minimal_dir())).to_dict())
    )
    out = tmp_path / "shared" / "out"
    out.parent.mkdir()
    env = base_env() | {"PYSPARK_PYTHON": sys.executable}
    args = ["batch", str(src), "--engine", "spark", "--spark-master", cluster.url, "-o", str(out)]
    proc = run_ketadecide([*args, "--summary", str(tmp_path / "s.json"), "--data-dir", str(minimal_dir())], env)
    assert proc.returncode == 0, proc.stderr + cluster.log()
    assert pq.read_table(out).to_pylist() == pq.read_table(duck).to_pylist()
    assert spark_errors_text(Path(f"{out}.errors")) == Path(f"{duck}.errors.csv").read_text()
    assert _summary(tmp_path / "s.json") == _summary(tmp_path / "duck.json")
    assert len([p for p in out.iterdir() if p.name.startswith("part-")]) > 1, "several tasks"
    # Both workers ran executors for the run (each has the application's folder).
    assert all(list((cluster.folder / f"work{n}").glob("app-*")) for n in (1, 2)), cluster.log()


def test_a_worker_without_ketadecides_python_is_one_line_naming_it(tmp_path: Path, cluster: Any) -> None:
    src = _cohort(tmp_path)
    env = base_env() | {"PYSPARK_PYTHON": "/nonexistent/python3"}
    out = tmp_path / "out"
    proc = run_ketadecide(
        [
            "batch",
            str(src),
            "--engine",
            "spark",
            "--spark-master",
            cluster.url,
            "-o",
            str(out),
            "--data-dir",
            str(minimal_dir()),
        ],
        env,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "/nonexistent/python3" in lines[0] and "PYSPARK_PYTHON" in lines[0], proc.stderr
    assert "bug" not in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_worker_with_a_private_output_folder_fails_clearly_leaving_nothing(tmp_path: Path) -> None:
    _require_cluster_tools(private=True)
    src = _cohort(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    with standalone_cluster(tmp_path / "cluster", private=shared) as running:
        env = base_env() | {"PYSPARK_PYTHON": sys.executable}
        out = shared / "out"
        args = ["batch", str(src), "--engine", "spark", "--spark-master", running.url, "-o", str(out)]
        proc = run_ketadecide([*args, "--data-dir", str(minimal_dir())], env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not every Spark worker" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in shared.iterdir()) == [], "nothing under the final names, no staging left"
