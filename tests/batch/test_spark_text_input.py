"""CSV input on ``--engine spark`` against the DuckDB engine on the same files: identical
output rows (values and order), errors file (byte for byte, one line per problem, ``row``
the record's line in the file) and summary. The files hold every kind of bad cell and the
lines only a line reader sees: ragged lines, a quoted cell left open (a line break inside
quotes: two bad lines, as CONTRACT §1 says), a carriage return inside a line, CRLF endings,
empty lines, a line over 64 KiB, a byte-order mark, and ``;`` or tab separators. Spark's
split size is 16 KiB in the tests, so the lines are numbered across many splits. Needs
pyspark and Java (the run's one session: ``tests/batch/conftest.py::spark``)."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.spark.run import run_spark_batch
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.emit_helpers import cohort
from tests.batch.helpers import spark_errors_text

pytestmark = pytest.mark.slow


def hostile_csv(kb: KnowledgeBase, delimiter: str = ",", *, seeded: int = 200) -> bytes:
    """The emitted-SQL tests' cohort as CSV (plus a column that is not a field), with
    hostile lines spread through it."""
    columns = [*PROFILE_FIELDS, "note"]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    rows = cohort(kb, seeded=seeded, seed=9)
    for i, row in enumerate(rows):
        writer.writerow([row.get(c, "") for c in PROFILE_FIELDS] + ["stray" if i % 70 == 0 else ""])
    lines = buf.getvalue().split("\n")[:-1]
    d = delimiter
    hostile = {
        5: f"h-ragged{d}40",  # too few cells
        9: d.join(["h-many", "40", *[""] * len(columns)]),  # too many
        13: f'"h-open{d}40',  # a quote left open: the next line is a line of its own
        14: "",  # an empty line
        21: f"h-cr{d}4\r0" + d * (len(columns) - 2),  # a carriage return inside the line
        30: "h-long" + d + "4" * (70 * 1024) + d * (len(columns) - 2),  # over 64 KiB
        44: f'h-spans{d}"a cell that' + d * (len(columns) - 2),  # a line break inside quotes:
        45: f'goes on here"{d}40' + d * (len(columns) - 2),  # two bad lines (CONTRACT §1)
    }
    for at in sorted(hostile, reverse=True):
        lines.insert(at, hostile[at])
    # CRLF endings on some lines, and a byte-order mark before the header.
    text = "\n".join(line + ("\r" if i % 17 == 3 else "") for i, line in enumerate(lines)) + "\n"
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def _summary(summary: Any) -> dict[str, Any]:
    return {k: v for k, v in summary.to_dict().items() if k not in {"output", "errors_file", "input"}}


def _both(src: Path, kb: KnowledgeBase, spark: Any, tmp: Path) -> tuple[Any, Any]:
    duck = run_batch(str(src), str(tmp / "duck.parquet"), kb)
    sp = run_spark_batch(str(src), str(tmp / "spark_out"), kb, spark=spark, errors=str(tmp / "spark.errors"), fmt="csv")
    assert pq.read_table(tmp / "spark_out").to_pylist() == pq.read_table(tmp / "duck.parquet").to_pylist()
    assert spark_errors_text(tmp / "spark.errors") == (tmp / "duck.parquet.errors.csv").read_text()
    assert _summary(sp) == _summary(duck)
    return duck, sp


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_on_spark_gives_the_duckdb_engines_rows_errors_and_summary(
    tmp_path: Path, rich_kb: KnowledgeBase, spark: Any, delimiter: str
) -> None:
    spark.conf.set("spark.sql.ansi.enabled", "true")
    src = tmp_path / "cohort.csv"
    src.write_bytes(hostile_csv(rich_kb, delimiter))
    assert src.stat().st_size > 8 * 16 * 1024, "many Spark splits"
    duck, _ = _both(src, rich_kb, spark, tmp_path)
    assert duck.rows_out > 300 and duck.error_rows > 60 and duck.accounted
    errors = list(csv.DictReader(io.StringIO(spark_errors_text(tmp_path / "spark.errors"))))
    # Row = the line in the file minus the header's.
    lines = src.read_bytes().split(b"\n")
    for name in ("h-ragged", "h-many", "h-cr", "h-long", "h-spans"):
        row = next(i for i, line in enumerate(lines) if line.startswith(name.encode()))
        assert row in {int(e["row"]) for e in errors}, name
    parts = sorted(p for p in (tmp_path / "spark.errors").iterdir() if p.name.startswith("part-"))
    rows = [int(r["row"]) for p in parts for r in csv.DictReader(p.open())]
    assert rows == sorted(rows)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"id|age\na|40\n", "vertical bar"),
        (b'id,"age\na,40\n', "quote"),
        (b"id,id\na,40\n", "twice"),
        (b"id,age\na,40\nb,4\xff0\n", "UTF-8 text (line 2)"),
        (b"i\xffd,age\na,40\n", "UTF-8 text (in the header)"),
    ],
)
def test_a_csv_that_cannot_be_read_is_refused_as_the_duckdb_engine_refuses_it(
    tmp_path: Path, kb: KnowledgeBase, spark: Any, content: bytes, says: str
) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    with pytest.raises(InputError) as duck:
        run_batch(str(src), str(tmp_path / "duck.parquet"), kb)
    with pytest.raises(InputError) as sp:
        run_spark_batch(
            str(src), str(tmp_path / "out"), kb, spark=spark, errors=str(tmp_path / "out.errors"), fmt="csv"
        )
    assert says in str(sp.value)
    assert str(sp.value) == str(duck.value)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.errors").exists()


def test_the_cli_runs_a_csv_on_spark(tmp_path: Path, kb: KnowledgeBase, spark: Any, monkeypatch: Any) -> None:
    """``ketadecide batch FILE.csv --engine spark``, end to end (the run's session stands in
    for the one the CLI starts), a ``;``-separated file named without ``.csv``."""
    from typer.testing import CliRunner

    from ketadecide.cli.main import app
    from tests.batch.helpers import minimal_dir

    @contextlib.contextmanager
    def shared(_master: str, **_: Any) -> Iterator[Any]:
        yield spark

    monkeypatch.setattr("ketadecide.batch.spark.session.spark_session", shared)
    src = tmp_path / "export.txt"
    src.write_bytes(b"id;age;conditions\na;40;\nb;400;\nc;30;none\n")
    out = tmp_path / "results"
    args = ["batch", str(src), "--input-format", "csv", "--engine", "spark", "-o", str(out)]
    res = CliRunner().invoke(app, [*args, "--data-dir", str(minimal_dir())])
    assert res.exit_code == 0, res.stderr
    assert "3 rows in = 2 results + 1 error rows" in res.stderr
    assert [(r["id"], r["row"]) for r in pq.read_table(out).to_pylist()] == [("a", 1), ("c", 3)]
    errors = spark_errors_text(tmp_path / "results.errors").splitlines()
    assert len(errors) == 2 and errors[1].startswith("2,b,age,")


def test_evaluate_many_reads_a_csv_on_spark(tmp_path: Path, rich_kb: KnowledgeBase, spark: Any) -> None:
    from ketadecide import evaluate_many

    src = tmp_path / "cohort.csv"
    src.write_bytes(hostile_csv(rich_kb, seeded=50))
    duck = evaluate_many(src, rich_kb)
    on_spark = evaluate_many(src, rich_kb, engine="spark", spark=spark)
    assert on_spark.table.equals(duck.table)
    assert on_spark.errors == duck.errors
    assert _summary(on_spark.summary) == _summary(duck.summary)


def test_keep_on_spark_gives_the_duckdb_engines_columns(tmp_path: Path, rich_kb: KnowledgeBase, spark: Any) -> None:
    """``--keep`` on a hostile CSV: the kept column after ``id`` on every result row (rows
    the Python reference decided included), and the same rows, errors and summary."""
    src = tmp_path / "cohort.csv"
    src.write_bytes(hostile_csv(rich_kb, ";"))
    duck = run_batch(str(src), str(tmp_path / "duck.parquet"), rich_kb, keep=("note", "age"))
    sp = run_spark_batch(
        str(src),
        str(tmp_path / "out"),
        rich_kb,
        spark=spark,
        errors=str(tmp_path / "e"),
        fmt="csv",
        keep=("note", "age"),
    )
    got = pq.read_table(tmp_path / "out").to_pylist()
    assert got == pq.read_table(tmp_path / "duck.parquet").to_pylist()
    assert list(got[0])[:4] == ["id", "note", "age", "crisis"]
    assert {r["note"] for r in got} == {"", "stray"}
    assert spark_errors_text(tmp_path / "e") == (tmp_path / "duck.parquet.errors.csv").read_text()
    assert _summary(sp) == _summary(duck)


def test_stream_many_on_spark_never_collects(
    tmp_path: Path, rich_kb: KnowledgeBase, spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``stream_many(..., engine="spark")`` brings the results and errors a partition at a
    time (``toLocalIterator``): no DataFrame holding output rows or row errors is collected
    (``collect``, ``toArrow``, ``toPandas`` are watched), and the rows are evaluate_many's
    on DuckDB, in order."""
    from ketadecide import RowError, evaluate_many, stream_many

    frame_class = type(spark.range(1))  # the session's own DataFrame class (classic or connect)

    collected: list[list[str]] = []
    iterated: list[list[str]] = []
    for method, seen in (("collect", collected), ("toArrow", collected), ("toPandas", collected)):
        real = getattr(frame_class, method)

        def watched(self: Any, *a: Any, _real: Any = real, _seen: list[list[str]] = seen, **k: Any) -> Any:
            _seen.append(list(self.columns))
            return _real(self, *a, **k)

        monkeypatch.setattr(frame_class, method, watched)
    real_iter = frame_class.toLocalIterator

    def local_iterator(self: Any, *a: Any, **k: Any) -> Any:
        iterated.append(list(self.columns))
        return real_iter(self, *a, **k)

    monkeypatch.setattr(frame_class, "toLocalIterator", local_iterator)
    src = tmp_path / "cohort.csv"
    src.write_bytes(hostile_csv(rich_kb, seeded=100))
    chunks, errors = [], []
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "100")  # many small chunks
    try:
        with stream_many(src, rich_kb, engine="spark", spark=spark, keep="note") as stream:
            for item in stream:
                (errors if isinstance(item, RowError) else chunks).append(item)
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    assert iterated == [["row", "id", "field", "error"], ["ipc"]]
    # Only small per-split or per-accepted-row frames were collected, never output rows or errors.
    assert collected, "the watch sees the small collects (split line counts, accepted rows)"
    assert all("crisis" not in cols and "error" not in cols and "line" not in cols for cols in collected)
    duck = evaluate_many(src, rich_kb, keep="note")
    assert len(chunks) > 1 and all(c.num_rows <= 100 for c in chunks)
    import pyarrow as pa

    assert pa.concat_tables(chunks).equals(duck.table)
    assert tuple(errors) == duck.errors
    assert stream.summary is not None and _summary(stream.summary) == _summary(duck.summary)


def _json_value(field: str, cell: str) -> Any:
    """A CSV cell of the cohort as JSON would hold it: valid cells typed, others as text."""
    from tests.batch.test_spark_engine import _typed

    try:
        return _typed(field, cell)
    except (ValueError, TypeError):
        return cell


def hostile_jsonl(kb: KnowledgeBase, *, seeded: int = 150) -> bytes:
    """The cohort as JSON lines (typed where the cell is valid, text where not; a kept key
    ``site`` on some), with the lines only a JSONL reader meets spread through it."""
    import json

    lines = []
    for i, row in enumerate(cohort(kb, seeded=seeded, seed=4)):
        record = {f: _json_value(f, c) for f, c in row.items() if c != ""}
        if i % 40 == 0:
            record["site"] = "north" if i % 80 else 7
        lines.append(json.dumps(record))
    hostile = {
        3: "not json",
        8: "[1, 2]",
        12: '{"id": "j-trailing", "age": 40,}',
        15: '{"id": "j-twice", "age": 40, "age": 41}',
        18: '{"id": "j-double", "age": 40.0, "phq9": [1.0, 0, 0, 0, 0, 0, 0, 0, 0]}',
        22: '{"id": "j-text", "age": "40"}',
        25: "",
        29: '{"id": "j-rs", "age": 40}\x1e',
        33: '{"id": "j-cr", "age":\r 40}',
        37: '{"id": "j-long", "age": 40, "plan_notes": "' + "x" * (70 * 1024) + '"}',
    }
    for at in sorted(hostile, reverse=True):
        lines.insert(at, hostile[at])
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize("keep", [(), ("site",)], ids=["plain", "keep"])
def test_jsonl_on_spark_gives_the_duckdb_engines_rows_errors_and_summary(
    tmp_path: Path, rich_kb: KnowledgeBase, spark: Any, keep: tuple[str, ...]
) -> None:
    src = tmp_path / "cohort.jsonl"
    src.write_bytes(hostile_jsonl(rich_kb))
    assert src.stat().st_size > 6 * 16 * 1024, "many Spark splits"
    duck = run_batch(str(src), str(tmp_path / "duck.parquet"), rich_kb, keep=keep)
    sp = run_spark_batch(
        str(src), str(tmp_path / "out"), rich_kb, spark=spark, errors=str(tmp_path / "e"), fmt="jsonl", keep=keep
    )
    got = pq.read_table(tmp_path / "out").to_pylist()
    assert got == pq.read_table(tmp_path / "duck.parquet").to_pylist()
    assert spark_errors_text(tmp_path / "e") == (tmp_path / "duck.parquet.errors.csv").read_text()
    assert _summary(sp) == _summary(duck)
    assert duck.rows_out > 200 and duck.error_rows > 30 and duck.decided_in_python > 0
    if keep:
        assert {r["site"] for r in got} == {None, "north", "7"}


def test_a_jsonl_that_is_not_utf8_is_refused_naming_the_line(tmp_path: Path, kb: KnowledgeBase, spark: Any) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_bytes(b'{"age": 40}\n{"age": 4\xff0}\n')
    with pytest.raises(InputError) as duck:
        run_batch(str(src), str(tmp_path / "duck.parquet"), kb)
    with pytest.raises(InputError) as sp:
        run_spark_batch(str(src), str(tmp_path / "out"), kb, spark=spark, errors=str(tmp_path / "e"), fmt="jsonl")
    assert str(sp.value) == str(duck.value) and "line 2" in str(sp.value)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    summary = run_spark_batch(
        str(empty), str(tmp_path / "o2"), kb, spark=spark, errors=str(tmp_path / "e2"), fmt="jsonl"
    )
    assert (summary.rows_in, summary.rows_out) == (0, 0)
