"""Rows per second per worker of ``ketadecide batch --engine spark`` on a real standalone cluster.

    python benchmarks/spark_cluster.py                         # 1M rows
    python benchmarks/spark_cluster.py --rows 1000000 10000000 --repeat 3

The cluster is the one the tests use (``tests/batch/cluster.py``): a master and two workers
on 127.0.0.1, one core and 1200 MB each, started from pyspark's own ``bin/spark-class``.
``ketadecide`` is run by its path from a PATH without the venv, the workers' Python given by
``PYSPARK_PYTHON``, as the README documents for clusters; the cohort is
``benchmarks/spark.py``'s (typed Parquet, 1% bad rows, 100,000-row row groups).

Per size: the whole CLI's wall time (the driver's start-up, the probe and the summary job
included; median of ``--repeat``), and the same for a 10,000-row cohort, run beside it
(interleaved): the fixed cost of a run. Reported: rows / wall / workers, and the marginal
rate, (rows - 10,000) / (wall - the small run's wall) / workers, which is what one more row
costs a worker once the job is running. The load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from tests.batch.cluster import base_env, standalone_cluster  # noqa: E402 - after the path is set

WORKERS = 2
SMALL = 10_000


def _cohort(rows: int, out: Path) -> Path:
    src = out / f"spark_cohort_{rows}.parquet"
    if not src.exists():
        spec = importlib.util.spec_from_file_location("bench_spark", ROOT / "benchmarks" / "spark.py")
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        partial = src.with_suffix(".partial")
        bench.generate(partial, rows)
        partial.replace(src)
    return src


def _run(src: Path, url: str, work: Path, rows: int) -> float:
    out = work / f"out_{rows}"
    summary = work / f"summary_{rows}.json"
    env = base_env() | {"PYSPARK_PYTHON": sys.executable}
    script = Path(sys.executable).parent / "ketadecide"
    cmd = [str(script), "batch", str(src), "--engine", "spark", "--spark-master", url, "-o", str(out)]
    started = time.monotonic()
    proc = subprocess.run(
        [*cmd, "--summary", str(summary), "--no-progress"], capture_output=True, text=True, env=env, check=False
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"the Spark run failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
    counted = json.loads(summary.read_text())
    if counted["rows_in"] != rows or not counted["accounted_for"]:
        raise SystemExit(f"rows not accounted for: {counted}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    small = _cohort(SMALL, args.out)
    sources = {n: _cohort(n, args.out) for n in args.rows}
    results = []
    with tempfile.TemporaryDirectory(dir=args.out) as tmp, standalone_cluster(Path(tmp) / "cluster") as cluster:
        for n, src in sources.items():
            load = os.getloadavg()
            walls: dict[str, list[float]] = {"small": [], "big": []}
            for _ in range(args.repeat):
                walls["small"].append(_run(small, cluster.url, Path(tmp), SMALL))
                walls["big"].append(_run(src, cluster.url, Path(tmp), n))
            big, fixed = statistics.median(walls["big"]), statistics.median(walls["small"])
            results.append(
                {
                    "rows": n,
                    "workers": WORKERS,
                    "wall_s": round(big, 1),
                    "small_run_s": round(fixed, 1),
                    "rows_per_s_per_worker": round(n / big / WORKERS),
                    "marginal_rows_per_s_per_worker": round((n - SMALL) / max(big - fixed, 1e-9) / WORKERS),
                    "runs_s": [round(w, 1) for w in walls["big"]],
                    "load_average_before": [round(x, 2) for x in load],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr)
    (args.out / "spark_cluster_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        "| rows | workers (1 core each) | wall (s) | 10k-row run (s) | rows/s per worker "
        "| marginal rows/s per worker | load average before / after |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['rows']:,} | {r['workers']} | {r['wall_s']} | {r['small_run_s']} "
            f"| {r['rows_per_s_per_worker']:,} | {r['marginal_rows_per_s_per_worker']:,} "
            f"| {r['load_average_before'][0]} / {r['load_average_after'][0]} |"
        )


if __name__ == "__main__":
    main()
