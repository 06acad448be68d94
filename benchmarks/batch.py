"""Benchmark ``ketadecide batch`` against the I/O floor and row-by-row Python.

    python benchmarks/batch.py                         # N = 100k and 1M; both cohorts; CSV and Parquet out
    python benchmarks/batch.py --sizes 1000000 --repeat 3
    python benchmarks/batch.py --variants well-formed --output-formats csv
    python benchmarks/batch.py --with-10m              # also 10M rows (opt-in: slow to generate)

Every number comes from the same run, each measurement in its own child process:
wall time, CPU time (``wait4``), and peak memory as that child's own high-water mark of
resident memory (``VmHWM``), which the child reads from ``/proc/self/status`` as it exits
and writes to a file this script reads. Not ``wait4``'s ``ru_maxrss``: on Linux a child
started by vfork/exec (as ``subprocess`` starts it) inherits its parent's maximum resident
set size at the exec, so that figure is never below this script's own peak (which holds a
generated cohort) and was at times this script's. Each measured command runs as before,
inside a few lines of wrapper (:data:`_PEAK_WRAPPER`: ``runpy`` for ``-m``, ``exec`` for
``-c``) that only adds the report at exit, so the times and their ratios are unchanged. With
``--repeat K`` each measurement is taken K times, interleaved (floor, text floor, batch,
floor, ...), and the median is reported.

* ``batch``: ``ketadecide batch IN -o OUT`` (the full CLI: validation, rules, errors file,
  summary).
* ``text floor``: DuckDB copying the same file to the same output format with every
  column declared as text and nothing else done: ``COPY (SELECT * FROM read_csv(IN,
  columns={...: VARCHAR}, ignore_errors=true)) TO OUT``. The least any program that reads
  the cells must do, so **the target ratio is against this floor**. On the well-formed
  cohort it reads and writes every row; on the ragged one it skips the lines it cannot
  split (0.2% of them), as batch does.
* ``sniffed floor``: the same COPY with DuckDB's sniffer choosing the columns
  (``read_csv(IN)``), reported for comparison with earlier versions of this table. On the
  well-formed cohort it parses typed columns; on the ragged cohort the sniffer gives up
  and reads each line as ONE text column ("floor's columns" says which), so it never
  splits cells and is not a floor for anything that does.
* ``output write``: DuckDB writing batch's own output rows, already in memory, in the
  same format (only the COPY is timed). Batch writes several times the bytes the floors
  write (every row's findings, four times), so this shows what that output alone costs.
* ``python``: ``parse_profile`` + ``evaluate`` row by row, timed on the first
  ``--python-rows`` rows and scaled linearly to N (stated in the table).

Two synthetic cohorts (seeded, schema 2 of the contract: the profile fields of someone
choosing a treatment, ``none`` for a list asked and empty, an empty cell for a question
not asked, the SURE answers and the ``values_*`` ratings where given), run by default:

* ``well-formed``: every line has the header's number of cells; 1% of the rows still fail
  validation (a wrong type, a value out of range, an unknown id, a bad boolean ...).
* ``ragged``: the same rows with 1% malformed lines instead, a fifth of them lines that
  cannot be split into the header's cells (too few or too many).

Results go to ``benchmarks/out/`` (git-ignored); the Markdown table is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from ketadecide.profile import PROFILE_FIELDS, SURE_FIELDS, VALUE_FIELDS  # noqa: E402 - after the path is set

# The contract's fields but a course under way (the cohort is people choosing a treatment).
COLUMNS = [f for f in PROFILE_FIELDS if not f.startswith("course_") and f != "financial_stress"]
VARIANTS = ("well-formed", "ragged")
FORMATS = ("csv", "parquet")

# Cells that fail validation while the line keeps its shape: (column, text).
_BAD_CELLS = (
    ("age", "forty"),
    ("age", "130"),
    ("conditions", "not_a_condition"),
    ("has_driver", "maybe"),
    ("diagnoses", "none;mdd"),
    ("phq9", "1;2;3"),
    ("values_cost", "11"),
    ("insurance", "Commercial"),
)
#: In the well-formed cohort, in place of the ragged cohort's two kinds of malformed line.
_BAD_CELLS_INSTEAD_OF_LINES = (("suicidality", "sometimes"), ("budget_per_session", "$400"))


def _data_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    shipped = ROOT / "data"
    if (shipped / "contraindications.yaml").is_file():
        return shipped
    return ROOT / "tests" / "fixtures" / "kb_minimal"


def _asked(rng: random.Random, ids: list[str], counts: list[int], unasked: float) -> str:
    """A list cell: empty (not asked), ``none`` (asked, none) or ``;``-separated ids."""
    if rng.random() < unasked:
        return ""
    k = rng.choice(counts)
    return ";".join(rng.sample(ids, k)) if k else "none"


def _row(i: int, rng: random.Random, conds: list[str], meds: list[str]) -> dict[str, object]:
    r = rng.random
    sys_bp = rng.randint(95, 175) if r() < 0.8 else ""
    dia_bp = rng.randint(55, min(110, sys_bp - 10)) if sys_bp != "" else ""
    payers = ["commercial"] * 5 + ["medicare"] * 2 + ["medicaid"] * 2 + ["va_tricare", "uninsured", "unknown", ""]
    row: dict[str, object] = {
        "id": f"p{i:08d}",
        "age": rng.randint(18, 85) if r() < 0.97 else rng.randint(12, 17),
        "pregnancy": "" if r() < 0.05 else rng.choice(["none"] * 19 + ["pregnant", "breastfeeding", "planning"]),
        "diagnoses": rng.choice(["mdd", "mdd", "mdd;gad", "mdd;ptsd", "bipolar_depression", "ocd;mdd", "none", ""]),
        "antidepressant_trials": rng.choice(["", "0", "1", "2", "2", "3", "4", "6"]),
        "suicidality": rng.choice(["none"] * 6 + ["passive_ideation"] * 2 + ["unknown", "active_ideation", ""]),
        "phq9": ";".join(str(rng.randint(0, 3)) for _ in range(9)) if r() < 0.6 else "",
        "bp_systolic": sys_bp,
        "bp_diastolic": dia_bp,
        "conditions": _asked(rng, conds, [0, 0, 0, 1, 1, 2], unasked=0.05),
        "medications": _asked(rng, meds, [0, 0, 1, 1, 2], unasked=0.05),
        "insurance": rng.choice(payers),
        "budget_per_session": rng.choice(["", "", "100", "250", "450.5", "800"]),
        "has_driver": rng.choice(["", "true", "false", "yes", "no"]),
        "can_attend_twice_weekly": rng.choice(["", "true", "false"]),
        "prefers_home": rng.choice(["", "true", "false"]),
        "needle_averse": rng.choice(["", "true", "false"]),
        "oral_antidepressant": rng.choice(["", "true", "true", "false"]),
    }
    # The SURE test is asked after the comparison, of some; values are rated by some.
    sure = r() < 0.3
    for f in SURE_FIELDS:
        row[f] = rng.choice(["yes", "no", "true", "1", "0"]) if sure else ""
    rated = r() < 0.4
    for f in VALUE_FIELDS:
        row[f] = rng.randint(0, 10) if rated else ""
    # A next-step plan, of some who were unsure (SURE "no"): leaning, a date, their own words.
    planned = sure and r() < 0.5
    row["plan_leaning"] = rng.choice(["spravato", "iv", "im", "compounded", "unsure"]) if planned else ""
    row["plan_decide_by"] = f"2027-0{rng.randint(1, 9)}-{rng.randint(10, 28)}" if planned and r() < 0.5 else ""
    row["plan_notes"] = "Questions: cost and driving. People: my partner" if planned and r() < 0.5 else ""
    return row


def generate(path: Path, n: int, data_dir: Path, variant: str, *, seed: int = 7, bad_rate: float = 0.01) -> None:
    """N synthetic profiles as CSV; ``bad_rate`` of them (1% by default) malformed as
    ``variant`` says (see the module doc)."""
    from ketadecide.floor import load_knowledge_base

    kb = load_knowledge_base(data_dir)
    conds, meds = list(kb.conditions), list(kb.medications)
    # One stream for the rows, one for the faults: both variants hold the same rows.
    rng, faults = random.Random(seed), random.Random(seed + 1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(n):
            row = _row(i, rng, conds, meds)
            cells = [row[c] for c in COLUMNS]
            if faults.random() < bad_rate:
                kind = faults.randrange(len(_BAD_CELLS) + 2)
                if kind < len(_BAD_CELLS) or variant == "well-formed":
                    column, text = (*_BAD_CELLS, *_BAD_CELLS_INSTEAD_OF_LINES)[kind]
                    cells[COLUMNS.index(column)] = text
                else:
                    cells = cells[:5] if kind == len(_BAD_CELLS) else [*cells, "extra"]
            w.writerow(cells)


class Run(NamedTuple):
    """One child process: wall seconds, peak RSS (MiB), exit code, CPU seconds (user + system)."""

    wall: float
    peak: int
    code: int
    cpu: float


#: Runs ``python -m MODULE ARGS`` or ``python -c CODE ARGS`` (argv[2:]) as Python itself
#: would, and at exit writes the process's own peak resident memory (``VmHWM``, KiB) to the
#: file argv[1]. VmHWM belongs to the process's memory map, which exec makes new, so nothing
#: of the parent's counts (``ru_maxrss`` carries the parent's peak over the exec).
_PEAK_WRAPPER = """
import atexit, runpy, sys
def _report(path=sys.argv[1]):
    try:
        with open("/proc/self/status") as fh:
            peak = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return
    with open(path, "w") as out:
        out.write(peak)
atexit.register(_report)
mode, target, *rest = sys.argv[2:]
if mode == "-m":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
"""


def _measure(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """One measured child process (its CPU time from ``wait4``: a process waiting for a busy
    core accrues none, so CPU seconds move far less with the machine's load than wall time;
    its peak memory from its own VmHWM, see :data:`_PEAK_WRAPPER`). ``cmd`` is
    ``[python, -m|-c, MODULE|CODE, ARGS...]``."""
    import tempfile

    if len(cmd) < 3 or cmd[1] not in ("-m", "-c"):
        raise ValueError(f"not a python -m/-c command: {cmd[:3]}")
    with tempfile.TemporaryDirectory(prefix="ketadecide-bench-") as tmp:
        report = Path(tmp) / "peak"
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [cmd[0], "-c", _PEAK_WRAPPER, str(report), *cmd[1:]],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if proc.stderr is not None:
            proc.stderr.read()
            proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code == 0 and not report.exists():
            raise SystemExit(f"no peak memory reported (is /proc/self/status readable?): {' '.join(cmd[:3])}")
        peak = int(report.read_text()) // 1024 if report.exists() else 0
    return Run(wall, peak, code, usage.ru_utime + usage.ru_stime)


_SNIFFED_FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
fmt = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[sys.argv[3]]
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}')) TO '{sys.argv[2]}' {fmt}")
con.close()
"""

_TEXT_FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
fmt = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[sys.argv[3]]
cols = open(sys.argv[1], encoding="utf-8").readline().strip().split(",")
spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
opts = f"header=true, delim=',', quote='\\"', escape='\\"', columns={spec}, auto_detect=false, ignore_errors=true"
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}', {opts})) TO '{sys.argv[2]}' {fmt}")
con.close()
"""

# The text floor, writing as many columns as batch's output has (the input's text columns
# again and again, cycled): the same read, an output of batch's width. Its bytes are fewer
# than batch's (batch's findings cells are longer than the input's cells), so it is still
# a floor for batch; the width is argv[4].
_WIDTH_FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
fmt = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[sys.argv[3]]
cols = open(sys.argv[1], encoding="utf-8").readline().strip().split(",")
spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
opts = f"header=true, delim=',', quote='\\"', escape='\\"', columns={spec}, auto_detect=false, ignore_errors=true"
width = int(sys.argv[4])
select = ", ".join(f'"{cols[i % len(cols)]}" AS c{i}' for i in range(width))
con.execute(f"COPY (SELECT {select} FROM read_csv('{sys.argv[1]}', {opts})) TO '{sys.argv[2]}' {fmt}")
con.close()
"""

# How long DuckDB takes to write batch's own output rows (read into memory first, not timed)
# in the same format: the output side of the I/O alone. Not a floor for the whole run (it
# reads nothing); shown because batch writes several times the bytes the floors write.
_OUTPUT_WRITE = """
import sys, time, duckdb, pyarrow.csv as pacsv, pyarrow.parquet as pq
src, dst, fmt = sys.argv[1:4]
table = pacsv.read_csv(src) if fmt == "csv" else pq.read_table(src)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.register("results", table)
kind = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv)", "jsonl": "(FORMAT json)"}[fmt]
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM results) TO '{dst}' {kind}")
print(time.perf_counter() - t)
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
    """How many columns a floor wrote (1 means it copied whole lines, cells unsplit)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return len(pq.read_schema(path).names)
    if fmt == "csv":
        with path.open(encoding="utf-8") as fh:
            return len(next(csv.reader(fh)))
    return None


def _median_runs(runs: dict[str, list[Run]], key: str) -> tuple[float, int]:
    walls = [r.wall for r in runs[key]]
    peaks = [r.peak for r in runs[key]]
    return statistics.median(walls), int(statistics.median(peaks))


def _paired(runs: dict[str, list[Run]], top: str, floor: str, *, cpu: bool = False) -> float:
    """The median over rounds of ``top`` / ``floor`` (wall, or CPU seconds with ``cpu``)."""
    pairs = zip(runs[top], runs[floor], strict=True)
    return round(statistics.median((a.cpu / b.cpu) if cpu else (a.wall / b.wall) for a, b in pairs), 2)


def _python_baseline(src: Path, data_dir: Path, rows: int, n: int) -> tuple[float, int]:
    py = subprocess.run(
        [sys.executable, "-c", _PYTHON, str(src), str(data_dir), str(rows)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    py_rows, py_secs = py.stdout.split()
    return float(py_secs) / int(py_rows) * n, int(py_rows)


#: The environment switch that makes batch re-check every flagged row with the Python
#: reference (the path before the errors were vectorised): same output, measured beside it.
RECHECK_ALL = "KETADECIDE_BATCH_RECHECK_ALL"


def _batch_command(src: Path, out: Path, summary: Path, data_dir: Path) -> list[str]:
    return [
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
        str(summary),
        "--no-progress",
    ]


def _run_one(
    src: Path, out_dir: Path, tag: str, fmt: str, *, data_dir: Path, repeat: int, reference: bool = False
) -> tuple[dict[str, list[Run]], dict[str, Path]]:
    from ketadecide.batch.io.columns import output_columns

    keys = ("sniffed", "text", "width", "batch", *(("reference",) if reference else ()))
    outs = {k: out_dir / f"{k}_{tag}.{fmt}" for k in keys}
    width = str(len(output_columns()))
    commands: dict[str, list[str]] = {
        "sniffed": [sys.executable, "-c", _SNIFFED_FLOOR, str(src), str(outs["sniffed"]), fmt],
        "text": [sys.executable, "-c", _TEXT_FLOOR, str(src), str(outs["text"]), fmt],
        "width": [sys.executable, "-c", _WIDTH_FLOOR, str(src), str(outs["width"]), fmt, width],
        "batch": _batch_command(src, outs["batch"], out_dir / f"summary_{tag}.json", data_dir),
    }
    if reference:
        commands["reference"] = _batch_command(src, outs["reference"], out_dir / f"summary_ref_{tag}.json", data_dir)
    runs: dict[str, list[Run]] = {k: [] for k in (*commands, "output_write")}
    for _ in range(repeat):
        for key, cmd in commands.items():
            result = _measure(cmd, {RECHECK_ALL: "1"} if key == "reference" else None)
            if result[2] != 0:
                raise SystemExit(f"{key} failed (exit {result[2]}): {' '.join(cmd)}")
            runs[key].append(result)
        if fmt != "jsonl":
            written = subprocess.run(
                [sys.executable, "-c", _OUTPUT_WRITE, str(outs["batch"]), str(out_dir / f"rewritten_{tag}.{fmt}"), fmt],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = float(written.stdout.split()[-1])
            runs["output_write"].append(Run(seconds, 0, 0, seconds))
    return runs, outs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--with-10m", action="store_true", help="also run N = 10,000,000 (opt-in)")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), help="cohorts (default: both)")
    ap.add_argument(
        "--output-formats",
        "--output-format",
        nargs="+",
        choices=["parquet", "csv", "jsonl"],
        default=list(FORMATS),
        help="output formats (default: csv parquet)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the median is reported)")
    ap.add_argument("--python-rows", type=int, default=20_000, help="rows timed for the row-by-row baseline")
    ap.add_argument(
        "--bad-rates",
        type=float,
        nargs="+",
        default=[0.01],
        help="shares of bad rows in the cohorts (default 0.01; e.g. 0.01 0.1)",
    )
    ap.add_argument(
        "--with-reference",
        action="store_true",
        help=f"also time batch with every flagged row re-checked in Python ({RECHECK_ALL}=1), interleaved",
    )
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", type=Path, default=OUT, help="where inputs and results go (default benchmarks/out)")
    args = ap.parse_args()
    sizes = [*args.sizes, *([10_000_000] if args.with_10m else [])]
    data_dir = _data_dir(args.data_dir)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    load_before = os.getloadavg()
    for n, variant, bad_rate in [(n, v, b) for n in sizes for b in args.bad_rates for v in args.variants]:
        rate_tag = "" if bad_rate == 0.01 else f"_bad{bad_rate:g}"
        src = out_dir / f"cohort_{variant}_{n}{rate_tag}.csv"
        if not src.exists():
            print(f"generating {n:,} rows ({variant}, {bad_rate:.0%} bad) ...", file=sys.stderr)
            partial = src.with_suffix(".partial")
            generate(partial, n, data_dir, variant, bad_rate=bad_rate)
            partial.replace(src)
        py_total, py_rows = _python_baseline(src, data_dir, args.python_rows, n)
        for fmt in args.output_formats:
            tag = f"{variant}_{n}{rate_tag}"
            load = os.getloadavg()
            runs, outs = _run_one(
                src, out_dir, tag, fmt, data_dir=data_dir, repeat=args.repeat, reference=args.with_reference
            )
            width_s, _ = _median_runs(runs, "width")
            ref_s = _median_runs(runs, "reference")[0] if args.with_reference else None
            batch_s, batch_peak = _median_runs(runs, "batch")
            text_s, text_peak = _median_runs(runs, "text")
            sniffed_s, _ = _median_runs(runs, "sniffed")
            write_s = _median_runs(runs, "output_write")[0] if runs["output_write"] else None
            summary = json.loads((out_dir / f"summary_{tag}.json").read_text())
            results.append(
                {
                    "n": n,
                    "variant": variant,
                    "bad_rate": bad_rate,
                    "format": fmt,
                    "load_average_before": [round(x, 2) for x in load],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                    "repeat": args.repeat,
                    "batch_s": round(batch_s, 2),
                    "batch_peak_mib": batch_peak,
                    "batch_output_bytes": outs["batch"].stat().st_size,
                    "text_floor_s": round(text_s, 2),
                    "text_floor_peak_mib": text_peak,
                    "text_floor_output_bytes": outs["text"].stat().st_size,
                    "ratio_to_text_floor": round(batch_s / text_s, 2),
                    "width_floor_s": round(width_s, 2),
                    "width_floor_columns": _columns(outs["width"], fmt),
                    "width_floor_output_bytes": outs["width"].stat().st_size,
                    "ratio_to_width_floor": round(batch_s / width_s, 2),
                    "reference_s": None if ref_s is None else round(ref_s, 2),
                    "reference_ratio_to_text_floor": None if ref_s is None else round(ref_s / text_s, 2),
                    "sniffed_floor_s": round(sniffed_s, 2),
                    "sniffed_floor_columns": _columns(outs["sniffed"], fmt),
                    "ratio_to_sniffed_floor": round(batch_s / sniffed_s, 2),
                    "output_write_s": None if write_s is None else round(write_s, 2),
                    "batch_runs_s": [round(r.wall, 2) for r in runs["batch"]],
                    "text_floor_runs_s": [round(r.wall, 2) for r in runs["text"]],
                    # Each round's batch beside the floor run just before it: the median of
                    # these pairs moves less with the load than the ratio of two medians.
                    "paired_ratio_to_text_floor": _paired(runs, "batch", "text"),
                    "paired_ratio_to_width_floor": _paired(runs, "batch", "width"),
                    "cpu_ratio_to_text_floor": _paired(runs, "batch", "text", cpu=True),
                    "cpu_ratio_to_width_floor": _paired(runs, "batch", "width", cpu=True),
                    "batch_cpu_s": round(statistics.median(r.cpu for r in runs["batch"]), 2),
                    "text_floor_cpu_s": round(statistics.median(r.cpu for r in runs["text"]), 2),
                    "reference_paired_ratio_to_text_floor": _paired(runs, "reference", "text") if ref_s else None,
                    "reference_cpu_s": (
                        round(statistics.median(r.cpu for r in runs["reference"]), 2) if ref_s else None
                    ),
                    "python_s_estimated": round(py_total, 1),
                    "python_rows_timed": py_rows,
                    "speedup_vs_python": round(py_total / batch_s, 1),
                    "rows_out": summary["rows_out"],
                    "error_rows": summary["error_rows"],
                    "accounted_for": summary["accounted_for"],
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr)
    (out_dir / "batch_results.json").write_text(json.dumps(results, indent=2) + "\n")
    load_after = os.getloadavg()
    print(
        f"load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    print()
    print(
        "| N | cohort | bad rows | out | text floor (s) | batch (s) | batch / text floor "
        "| own-width floor (s) | batch / own-width floor | every flagged row in Python (s) | its / text floor "
        "| peak RSS (MiB) "
        "| MB written: floor / batch | DuckDB writing batch's output alone (s) "
        "| sniffed floor (s) | its columns | batch / sniffed floor "
        "| row-by-row Python (s, est.) | speed-up | rows out + errors |"
    )
    print("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        mb = f"{r['text_floor_output_bytes'] / 1e6:.1f} / {r['batch_output_bytes'] / 1e6:.1f}"
        print(
            f"| {r['n']:,} | {r['variant']} | {r['bad_rate']:.0%} | {r['format']} | {r['text_floor_s']} "
            f"| {r['batch_s']} | {r['ratio_to_text_floor']}× | {r['width_floor_s']} | {r['ratio_to_width_floor']}× "
            f"| {r['reference_s'] if r['reference_s'] is not None else ''} "
            f"| {str(r['reference_ratio_to_text_floor']) + '×' if r['reference_s'] is not None else ''} "
            f"| {r['batch_peak_mib']} | {mb} | {r['output_write_s']} "
            f"| {r['sniffed_floor_s']} | {r['sniffed_floor_columns']} | {r['ratio_to_sniffed_floor']}× "
            f"| {r['python_s_estimated']} | {r['speedup_vs_python']}× "
            f"| {r['rows_out']:,} + {r['error_rows']:,} |"
        )


if __name__ == "__main__":
    main()
