"""Benchmark ``ketadecide batch`` against the I/O floor and row-by-row Python.

    python benchmarks/batch.py                    # N = 100k and 1M, CSV in, Parquet out
    python benchmarks/batch.py --sizes 100000 --output-format csv
    python benchmarks/batch.py --with-10m         # also 10M rows (opt-in: slow to generate)

Every number comes from the same run, each measurement in its own child process:
wall time, and peak memory as that child's maximum resident set size (``wait4``).

* ``batch``: ``ketadecide batch IN -o OUT`` (the full CLI: validation, rules, summary).
* ``floor``: DuckDB copying the same file to the same output format with no rules
  (``COPY (SELECT * FROM read_csv(IN)) TO OUT``): the I/O floor.
* ``parsed floor``: the same COPY with the columns declared (all text, ragged lines
  skipped). Reported beside the floor because DuckDB's CSV sniffer gives up on a file
  with ragged lines and reads each line as ONE text column, so the plain floor copies
  whole lines without splitting them into cells.
* ``python``: ``parse_profile`` + ``evaluate`` row by row, timed on the first
  ``--python-rows`` rows and scaled linearly to N (stated in the table).

The input is synthetic (seeded): a realistic mix of ages, payers, diagnoses, PHQ-9,
blood pressure, conditions and medications, with 1% malformed rows of several kinds.
Results go to ``benchmarks/out/`` (git-ignored); the Markdown table is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from ketadecide.profile import PROFILE_FIELDS  # noqa: E402 - after the path is set

# The contract's fields but a course under way (the cohort is people choosing a treatment).
COLUMNS = [f for f in PROFILE_FIELDS if not f.startswith(("course_", "values_", "sure_")) and f != "financial_stress"]


def _data_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    shipped = ROOT / "data"
    if (shipped / "contraindications.yaml").is_file():
        return shipped
    return ROOT / "tests" / "fixtures" / "kb_minimal"


def generate(path: Path, n: int, data_dir: Path, seed: int = 7) -> None:
    """N synthetic profiles as CSV; 1% malformed (bad type, range, id, boolean, ragged)."""
    from ketadecide.floor import load_knowledge_base

    kb = load_knowledge_base(data_dir)
    conds, meds = list(kb.conditions), list(kb.medications)
    rng = random.Random(seed)
    payers = ["commercial"] * 5 + ["medicare"] * 2 + ["medicaid"] * 2 + ["va_tricare", "uninsured", "unknown", ""]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(n):
            r = rng.random
            sys_bp = rng.randint(95, 175) if r() < 0.8 else ""
            dia_bp = rng.randint(55, min(110, sys_bp - 10)) if sys_bp != "" else ""
            row = [
                f"p{i:08d}",
                rng.randint(18, 85) if r() < 0.97 else rng.randint(12, 17),
                "none" if r() < 0.95 else rng.choice(["pregnant", "breastfeeding", "planning"]),
                rng.choice(["mdd", "mdd", "mdd;gad", "mdd;ptsd", "bipolar_depression", "", "ocd;mdd"]),
                rng.choice(["", "0", "1", "2", "2", "3", "4", "6"]),
                rng.choice(["none"] * 6 + ["passive_ideation", "passive_ideation", "unknown", "active_ideation"]),
                ";".join(str(rng.randint(0, 3)) for _ in range(9)) if r() < 0.6 else "",
                sys_bp,
                dia_bp,
                ";".join(rng.sample(conds, rng.choice([0, 0, 0, 1, 1, 2]))),
                ";".join(rng.sample(meds, rng.choice([0, 0, 1, 1, 2]))),
                rng.choice(payers),
                rng.choice(["", "", "100", "250", "450.5", "800"]),
                rng.choice(["", "true", "false", "yes", "no"]),
                rng.choice(["", "true", "false"]),
                rng.choice(["", "true", "false"]),
                rng.choice(["", "true", "false"]),
            ]
            if r() < 0.01:  # malformed
                kind = rng.randrange(5)
                if kind == 0:
                    row[1] = "forty"
                elif kind == 1:
                    row[1] = "130"
                elif kind == 2:
                    row[9] = "not_a_condition"
                elif kind == 3:
                    row[13] = "maybe"
                else:
                    row = row[:5]  # ragged line
            w.writerow(row)


def _measure(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if proc.stderr is not None:
        proc.stderr.read()
        proc.stderr.close()
    return wall, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


_FLOOR = """
import duckdb, sys
con = duckdb.connect()
fmt = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[sys.argv[3]]
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}')) TO '{sys.argv[2]}' {fmt}")
con.close()
"""

_PARSED_FLOOR = """
import duckdb, sys
con = duckdb.connect()
fmt = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[sys.argv[3]]
cols = open(sys.argv[1], encoding="utf-8").readline().strip().split(",")
spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
opts = f"header=true, delim=',', quote='\\"', escape='\\"', columns={spec}, auto_detect=false, ignore_errors=true"
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}', {opts})) TO '{sys.argv[2]}' {fmt}")
con.close()
"""

_PYTHON = """
import csv, sys, time
from ketadecide.batch.row_checks import check_text_record
from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base
kb = load_knowledge_base(sys.argv[2]); limit = int(sys.argv[3])
t = time.perf_counter(); n = 0
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for i, row in enumerate(csv.DictReader(fh), start=1):
        if i > limit:
            break
        v = check_text_record({k: (x or "") for k, x in row.items() if k is not None}, kb, row=i)
        if v.profile is not None:
            evaluate(v.profile, kb)
        n = i
print(n, time.perf_counter() - t)
"""


def _columns(path: Path, fmt: str) -> int | None:
    """How many columns the floor wrote (1 means it copied whole lines, cells unsplit)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return len(pq.read_schema(path).names)
    if fmt == "csv":
        with path.open(encoding="utf-8") as fh:
            return len(next(csv.reader(fh)))
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--with-10m", action="store_true", help="also run N = 10,000,000 (opt-in)")
    ap.add_argument("--output-format", choices=["parquet", "csv", "jsonl"], default="parquet")
    ap.add_argument("--python-rows", type=int, default=20_000, help="rows timed for the row-by-row baseline")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", type=Path, default=OUT, help="where inputs and results go (default benchmarks/out)")
    args = ap.parse_args()
    sizes = [*args.sizes, *([10_000_000] if args.with_10m else [])]
    data_dir = _data_dir(args.data_dir)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    fmt = args.output_format
    results = []
    for n in sizes:
        src = out_dir / f"cohort_{n}.csv"
        if not src.exists():
            print(f"generating {n:,} rows ...", file=sys.stderr)
            generate(src, n, data_dir)
        out = out_dir / f"results_{n}.{fmt}"
        floor_out = out_dir / f"floor_{n}.{fmt}"
        floor = _measure([sys.executable, "-c", _FLOOR, str(src), str(floor_out), fmt])
        parsed_out = out_dir / f"parsed_floor_{n}.{fmt}"
        parsed = _measure([sys.executable, "-c", _PARSED_FLOOR, str(src), str(parsed_out), fmt])
        batch = _measure(
            [
                sys.executable,
                "-m",
                "ketadecide",
                "batch",
                str(src),
                "-o",
                str(out),
                "--data-dir",
                str(data_dir),
                "--summary",
                str(out_dir / f"summary_{n}.json"),
                "--no-progress",
            ]
        )
        if batch[2] != 0:
            raise SystemExit(f"ketadecide batch failed (exit {batch[2]})")
        py = subprocess.run(
            [sys.executable, "-c", _PYTHON, str(src), str(data_dir), str(args.python_rows)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        py_rows, py_secs = py.stdout.split()
        py_total = float(py_secs) / int(py_rows) * n
        summary = json.loads((out_dir / f"summary_{n}.json").read_text())
        floor_columns = _columns(floor_out, fmt)
        results.append(
            {
                "n": n,
                "format": fmt,
                "batch_s": round(batch[0], 2),
                "batch_peak_mib": batch[1],
                "floor_s": round(floor[0], 2),
                "floor_peak_mib": floor[1],
                "floor_columns": floor_columns,
                "ratio_to_floor": round(batch[0] / floor[0], 2),
                "parsed_floor_s": round(parsed[0], 2),
                "ratio_to_parsed_floor": round(batch[0] / parsed[0], 2),
                "python_s_estimated": round(py_total, 1),
                "python_rows_timed": int(py_rows),
                "speedup_vs_python": round(py_total / batch[0], 1),
                "rows_out": summary["rows_out"],
                "error_rows": summary["error_rows"],
                "accounted_for": summary["accounted_for"],
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr)
    (out_dir / "batch_results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(
        "| N | out | batch (s) | peak RSS (MiB) | I/O floor (s) | floor's columns | batch / floor "
        "| parsed floor (s) | batch / parsed floor "
        "| row-by-row Python (s, est.) | speed-up | rows out + errors |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['n']:,} | {r['format']} | {r['batch_s']} | {r['batch_peak_mib']} "
            f"| {r['floor_s']} | {r['floor_columns']} | "
            f"{r['ratio_to_floor']}× | {r['parsed_floor_s']} | {r['ratio_to_parsed_floor']}× | "
            f"{r['python_s_estimated']} | {r['speedup_vs_python']}× | "
            f"{r['rows_out']:,} + {r['error_rows']:,} |"
        )


if __name__ == "__main__":
    main()
