"""Records are lines (CONTRACT §1), read in bounded memory and time: stray quotes, ragged and
over-long lines are one error row each; /dev/zero, an endless line and an endless pipe of bad
lines cannot make memory grow; odd Parquet types are error rows; no CSV cell is a formula."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.io.lines import MAX_LINE_BYTES
from ketadecide.batch.io.readers import open_jsonl
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from tests.batch.helpers import MINIMAL, read_errors, read_output

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _run(tmp: Path, text: bytes | str, kb: KnowledgeBase, name: str = "in.csv") -> tuple[object, list, list]:
    src = tmp / name
    src.write_bytes(text.encode() if isinstance(text, str) else text)
    out = tmp / "out.csv"
    summary = run_batch(str(src), str(out), kb)
    return summary, read_output(out, "csv"), read_errors(Path(f"{out}.errors.csv"))


def test_a_stray_quote_spoils_one_row_not_the_cohort(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    good = "".join(f"q{i},{20 + i % 60}\n" for i in range(200_000))
    summary, got, errors = _run(tmp_path, 'id,age\np1,"40\n' + good, minimal_kb)
    assert (summary.rows_in, summary.rows_out, summary.error_rows) == (200_001, 200_000, 1)  # type: ignore[attr-defined]
    assert [(e["row"], e["id"]) for e in errors] == [("1", "p1")]
    assert "not closed on its line" in errors[0]["error"]
    assert got[0]["row"] == 2 and got[-1]["row"] == 200_001


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('p2,"40', "not closed on its line"),
        ('"p2,40', "not closed on its line"),
        ('p2,40"', "not closed on its line"),
        ("p2,4\r0", "carriage return"),
        ("p2," + "9" * (MAX_LINE_BYTES + 10), "longer than"),
        ('p2,"' + "x" * (3 * MAX_LINE_BYTES), "longer than"),
        ("p2,40,extra", "fields, the header has 2"),
        ('p2,"4""0', "not closed on its line"),
    ],
)
def test_each_unusable_line_is_one_error_row_and_reading_resumes(
    tmp_path: Path, minimal_kb: KnowledgeBase, line: str, why: str
) -> None:
    text = f'id,age\np1,30\n{line}\np3,31\r\np4,"3"""\n'
    summary, got, errors = _run(tmp_path, text, minimal_kb)
    assert [r["id"] for r in got] == ["p1", "p3"]
    assert [r["row"] for r in got] == [1, 3]
    assert {e["row"] for e in errors} == {"2", "4"}
    assert why in next(e["error"] for e in errors if e["row"] == "2")
    assert summary.rows_in == 4 and summary.accounted  # type: ignore[attr-defined]


def test_a_50_mb_cell_is_one_error_row(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    big = b"id,age\np1," + b"7" * (50 << 20) + b"\np2,40\n"
    _, got, errors = _run(tmp_path, big, minimal_kb)
    assert [r["id"] for r in got] == ["p2"] and [e["row"] for e in errors] == ["1"]
    assert len(errors[0]["id"]) < 300  # the cell is not copied into the errors file


def test_the_same_bad_lines_in_jsonl(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    long = '{"id":"' + "x" * (2 * MAX_LINE_BYTES) + '"}'
    text = '{"id":"a","age":40}\n' + long + '\n{"id":"c","age":\r41}\n{"id":"d","age":42}\n'
    _, got, errors = _run(tmp_path, text, minimal_kb, name="in.jsonl")
    assert [r["id"] for r in got] == ["a", "d"]
    assert [r["row"] for r in got] == [1, 4]
    assert {e["row"] for e in errors} == {"2", "3"}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_dev_zero_is_exit_2_in_bounded_time_and_memory(tmp_path: Path, fmt: str) -> None:
    started = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "ketadecide", "batch", "/dev/zero", "--input-format", fmt, "-o", "r.csv",
         "--data-dir", str(MINIMAL)],
        cwd=tmp_path, capture_output=True, text=True, env=ENV, timeout=60, check=False,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("ketadecide: error: /dev/zero") and len(res.stderr.splitlines()) == 1
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_reading_an_endless_line_holds_little_memory() -> None:
    """256 MiB without a line break: exit 2, and the reader never holds more than a block."""

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    stream = io.BufferedReader(Endless(), buffer_size=1 << 16)
    inp = open_jsonl("endless.jsonl", fh=stream)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="has no end"):
            for _ in inp.batches:
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


@pytest.mark.parametrize(
    ("fmt", "via", "bad", "good"),
    [
        ("csv", "stdin", b'p,"1\n', None),
        # A file is read in 2 MiB blocks (a pipe gives 64 KiB at a time): 350,000 of these
        # lines in one block, held through the run's stages, grew to 780 MB at 3M lines.
        # A usable line every 100,000: they are queried early, not held for a full chunk.
        ("jsonl", "file", b'{"id":"p","age":\r1}\n', b'{"id":"g","age":40}\n'),
    ],
)
def test_an_endless_pipe_of_bad_lines_keeps_memory_flat(
    tmp_path: Path, fmt: str, via: str, bad: bytes, good: bytes | None
) -> None:
    """Error rows already written are forgotten: the run's memory does not grow with them.

    The child's own high-water mark (VmHWM) is read, not ``ru_maxrss``: on Linux a child
    started by vfork/exec inherits the parent's maxrss, so inside a large pytest process both
    runs read the parent's figure and the comparison could not fail."""
    script = (
        "import sys\n"
        "from ketadecide.batch.duckdb.run import run_batch\n"
        "from ketadecide.floor import load_knowledge_base\n"
        "s = run_batch(sys.argv[2], 'r.csv', load_knowledge_base(sys.argv[1]))\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(s.rows_in, s.rows_out, s.error_rows, hwm.split()[1])\n"
    )

    def peak(lines: int) -> int:
        body = bad * lines if good is None else b"".join(good if i % 100_000 == 7 else bad for i in range(lines))
        data = (b"id,age\n" if fmt == "csv" else b"") + body
        src = "-" if via == "stdin" else f"in.{fmt}"
        if via == "file":
            (tmp_path / src).write_bytes(data)
        res = subprocess.run(
            [sys.executable, "-c", script, str(MINIMAL), src], cwd=tmp_path, input=data if via == "stdin" else None,
            capture_output=True, env=ENV, timeout=300, check=True,
        )  # fmt: skip
        rows_in, rows_out, error_rows, hwm = map(int, res.stdout.split()[-4:])
        usable = 0 if good is None else len(range(7, lines, 100_000))
        assert (rows_in, rows_out, error_rows) == (lines, usable, lines - usable)
        assert sum(1 for _ in (tmp_path / "r.csv.errors.csv").open()) == lines - usable + 1
        return hwm

    small, large = peak(50_000), peak(1_000_000)
    assert large - small < 150 * 1024, (small, large)  # KiB: far less than 1M remembered lines


#: One of each kind of line set aside, runs of them, and usable lines between (row order of
#: the errors file must not depend on how the input is cut into blocks and chunks).
_MIXED_LINES = [
    b"p%d,40\n",
    b'p%d,"4\n',
    b"p%d,4,extra\n",
    b"p%d,4\r1\n",
    b"p%d,x\n",
    b"p%d\n",
    b"p%d," + b"9" * (MAX_LINE_BYTES + 5) + b"\n",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_errors_are_in_row_order_however_the_input_is_cut(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Blocks a few lines long, chunks of a few rows and lines set aside written early give
    the same output and errors files, byte for byte, as one block and one chunk; the errors
    file is in row order (a ragged line and a stray quote in one block came out of order
    when the input arrived through a pipe, in small blocks)."""
    import random

    import ketadecide.batch.duckdb.stream as stream_mod
    import ketadecide.batch.io.lines as lines_mod

    rng = random.Random(seed)
    weights = [40, 8, 8, 3, 3, 8, 1]
    picks = rng.choices(range(len(_MIXED_LINES)), weights, k=3000)
    for start in rng.sample(range(2800), 6):  # runs of lines set aside
        n = rng.randrange(20, 200)
        picks[start : start + n] = [rng.choice([1, 2, 5])] * n
    text = b"id,age\n" + b"".join(_MIXED_LINES[k] % i for i, k in enumerate(picks))
    src = tmp_path / "in.csv"
    src.write_bytes(text)

    def run(name: str) -> tuple[bytes, bytes]:
        out = tmp_path / f"{name}.csv"
        run_batch(str(src), str(out), minimal_kb)
        return out.read_bytes(), Path(f"{out}.errors.csv").read_bytes()

    whole = run("whole")
    monkeypatch.setattr(lines_mod, "BLOCK_SIZE", 700)
    monkeypatch.setattr(lines_mod, "SMALL_BLOCK_SIZE", 300)
    monkeypatch.setattr(stream_mod, "CHUNK_ROWS", 50)
    monkeypatch.setattr(stream_mod, "HELD_BAD_LINES", 7)
    cut = run("cut")
    assert cut == whole
    rows = [int(line.split(b",", 1)[0]) for line in whole[1].splitlines()[1:]]
    assert rows == sorted(rows) and len(set(rows)) > 500


def test_odd_parquet_types_are_error_rows_naming_the_field(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    table = pa.table(
        {
            "id": ["a", "b", "c"],
            "age": [40, 41, 42],
            "phq9": pa.array([[1.0] * 9, None, None], pa.list_(pa.float64())),
            "diagnoses": pa.array([None, [True], None], pa.list_(pa.bool_())),
            "bp_systolic": pa.array([None, None, dt.date(2020, 1, 1)]),
            "budget_per_session": pa.array([None, None, decimal.Decimal("1.5")], pa.decimal128(5, 2)),
            "conditions": pa.array([None, None, {"x": 1}]),
        }
    )
    src = tmp_path / "odd.parquet"
    pq.write_table(table, src)
    for phq9 in (pa.list_(pa.bool_()), pa.list_(pa.float32())):
        pq.write_table(pa.table({"age": [40], "phq9": pa.array([None], phq9)}), tmp_path / "n.parquet")
        assert run_batch(str(tmp_path / "n.parquet"), str(tmp_path / "n.csv"), minimal_kb).rows_out == 1
    out = tmp_path / "out.csv"
    summary = run_batch(str(src), str(out), minimal_kb)
    errors = read_errors(Path(f"{out}.errors.csv"))
    fields = {(e["row"], e["field"].split("[")[0]) for e in errors}
    assert {("1", "phq9"), ("2", "diagnoses"), ("3", "bp_systolic"), ("3", "budget_per_session")} <= fields
    assert summary.rows_in == 3 and summary.error_rows == 3


def test_no_csv_output_cell_starts_like_a_formula(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    text = 'id,age\n"=HYPERLINK(""http://x"",""y"")",40\n+1,41\n-2,x\n@SUM(A1),42\n"\tt",43\nok,44\n'
    _, _, errors = _run(tmp_path, text, minimal_kb)
    with (tmp_path / "out.csv").open(newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    with (tmp_path / "out.csv.errors.csv").open(newline="") as fh:
        cells += [c for row in csv.reader(fh) for c in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x","y")' in cells and "'@SUM(A1)" in cells and "ok" in cells
    assert errors[0]["id"] == "'-2"


def test_int_range_counts_from_its_start_at_any_length() -> None:
    from ketadecide.batch.io.lines import int_range

    assert int_range(5, 3).to_pylist() == [5, 6, 7]
    assert int_range(7, 0).to_pylist() == []
    long = int_range(10**12, 200_000)  # longer than the counting array it starts with
    assert long.type == pa.int64() and len(long) == 200_000
    assert long[0].as_py() == 10**12 and long[-1].as_py() == 10**12 + 199_999
    assert int_range(3, 4).to_pylist() == [3, 4, 5, 6]  # the grown array still counts from 0
