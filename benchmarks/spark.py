"""Benchmark ``ketadecide batch --engine spark`` against the DuckDB engine on one Parquet cohort.

    python benchmarks/spark.py                      # N = 1M rows, local[*]
    python benchmarks/spark.py --rows 100000 --master 'local[2]'

Both engines run the full CLI on the same file in their own child processes, in the same
run (wall seconds, each engine's best of ``--repeat``): ``ketadecide batch IN -o
OUT.parquet`` and ``ketadecide batch IN --engine spark -o OUT/``. "Spark start-up" is a
child process that only starts and stops the same local session, so the table shows how
much of Spark's time is the JVM. The outputs, errors files and summaries are compared.

The cohort is synthetic (seeded) and typed as a research extract would be: integer ages
and blood pressures, lists of ids, PHQ-9 item lists, booleans; 1% of rows are bad (an age
out of range, an unknown condition id, a PHQ-9 of eight items). Written with 100,000-row
row groups, which is what Spark parallelises over. Results go to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))


def generate(path: Path, n: int, seed: int = 16) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ketadecide.floor import load_knowledge_base
    from ketadecide.predicates import RULE_ENUM_FIELDS
    from ketadecide.profile import PAYERS

    kb = load_knowledge_base(None)
    conds, meds = list(kb.conditions), list(kb.medications)
    rng = random.Random(seed)
    writer = None
    step = 100_000
    for start in range(0, n, step):
        rows = range(start, min(n, start + step))
        bad = {i: rng.choice(("age", "conditions", "phq9")) for i in rows if rng.random() < 0.01}
        systolic = [rng.randint(95, 175) if rng.random() < 0.8 else None for _ in rows]
        table = pa.table(
            {
                "id": [f"p{i}" for i in rows],
                "age": pa.array([400 if bad.get(i) == "age" else rng.randint(16, 90) for i in rows], pa.int32()),
                "diagnoses": pa.array(
                    [rng.sample(["mdd", "ptsd", "gad", "bipolar_depression"], rng.randint(0, 2)) for _ in rows],
                    pa.list_(pa.string()),
                ),
                "antidepressant_trials": pa.array([rng.randint(0, 5) for _ in rows], pa.int64()),
                "suicidality": [rng.choice(RULE_ENUM_FIELDS["suicidality"]) for _ in rows],
                "pregnancy": [rng.choice([*RULE_ENUM_FIELDS["pregnancy"], None]) for _ in rows],
                "phq9": pa.array(
                    [
                        [rng.randint(0, 3) for _ in range(8 if bad.get(i) == "phq9" else 9)]
                        if rng.random() < 0.7 or i in bad
                        else None
                        for i in rows
                    ],
                    pa.list_(pa.int64()),
                ),
                "bp_systolic": pa.array(systolic, pa.int64()),
                "bp_diastolic": pa.array([None if s is None else rng.randint(55, s - 10) for s in systolic]),
                "conditions": pa.array(
                    [
                        ["not_a_condition"] if bad.get(i) == "conditions" else rng.sample(conds, rng.randint(0, 2))
                        for i in rows
                    ],
                    pa.list_(pa.string()),
                ),
                "medications": pa.array([rng.sample(meds, rng.randint(0, 2)) for _ in rows], pa.list_(pa.string())),
                "insurance": [rng.choice(PAYERS) for _ in rows],
                "budget_per_session": [round(rng.uniform(0, 1200), 2) for _ in rows],
                "has_driver": [rng.random() < 0.7 for _ in rows],
                "prefers_home": [rng.random() < 0.3 for _ in rows],
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=step)
    assert writer is not None
    writer.close()


def _timed(cmd: list[str]) -> float:
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed


_START_ONLY = "from ketadecide.batch.spark.session import spark_session\nwith spark_session({master!r}): pass\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    src = args.out / f"spark_cohort_{args.rows}.parquet"
    if not src.exists():
        generate(src, args.rows)
    cli = [sys.executable, "-m", "ketadecide", "batch", str(src), "--no-progress"]
    duck_out, spark_out = args.out / f"duckdb_{args.rows}.parquet", args.out / f"spark_{args.rows}"
    times: dict[str, list[float]] = {"duckdb": [], "spark": [], "start": []}
    for _ in range(args.repeat):
        times["duckdb"].append(_timed([*cli, "-o", str(duck_out), "--summary", f"{duck_out}.summary.json"]))
        spark_cmd = [*cli, "--engine", "spark", "--spark-master", args.master, "-o", str(spark_out)]
        times["spark"].append(_timed([*spark_cmd, "--summary", f"{spark_out}.summary.json"]))
        times["start"].append(_timed([sys.executable, "-c", _START_ONLY.format(master=args.master)]))
    same = _same(duck_out, spark_out)
    result = {
        "rows": args.rows,
        "master": args.master,
        **{f"{k}_s": round(min(v), 2) for k, v in times.items()},
        "identical": same,
    }
    (args.out / "spark_results.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| rows | DuckDB engine (s) | Spark engine (s) | of which Spark start-up (s) | Spark / DuckDB | identical |")
    print("|---:|---:|---:|---:|---:|---|")
    print(
        f"| {args.rows:,} | {result['duckdb_s']:.2f} | {result['spark_s']:.2f} | {result['start_s']:.2f} | "
        f"{result['spark_s'] / result['duckdb_s']:.1f}× | {'yes' if same else 'NO'} |"
    )


def _same(duck_out: Path, spark_out: Path) -> bool:
    """The two engines' results, errors files and summaries (less the file names) agree."""
    import pyarrow.parquet as pq

    def summary(path: Path) -> dict[str, object]:
        data = json.loads(path.read_text())
        return {k: v for k, v in data.items() if k not in {"output", "errors_file"}}

    def spark_errors(folder: Path) -> str:
        # The Spark errors output is a folder of parts, each starting with the header.
        parts = [p.read_text() for p in sorted(folder.iterdir()) if p.name.startswith("part-")]
        header = "row,id,field,error\n"
        return header + "".join(t.removeprefix(header) for t in parts)

    return (
        pq.read_table(duck_out).to_pylist() == pq.read_table(spark_out).to_pylist()
        and Path(f"{duck_out}.errors.csv").read_text() == spark_errors(Path(f"{spark_out}.errors"))
        and summary(Path(f"{duck_out}.summary.json")) == summary(Path(f"{spark_out}.summary.json"))
    )


if __name__ == "__main__":
    main()
