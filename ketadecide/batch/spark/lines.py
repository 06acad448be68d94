"""CSV input on Spark: Spark's own text reader splits the file, and every line gets the
number the DuckDB engine gives it, without a row travelling to the driver.

CONTRACT §1: a CSV record is one physical line (a quoted cell cannot hold a line break), so
a record's row is its line number minus the header's. The file is read by Spark's text
source with ``lineSep`` ``\\n`` (a carriage return stays in its line, as in the DuckDB
engine), each line tagged with the start of its split (``_metadata.file_block_start``);
Hadoop's line reader gives every line to exactly one split, in order. Then:

1. :func:`split_counts` (executors): per split, its number of lines, the first line that is
   not UTF-8 and (for the split at byte 0) the header line. Only these few numbers per
   split reach the driver, which turns them into a running total per split
   (:func:`line_offsets`).
2. :func:`parse_splits` (executors): each split's lines, numbered from its offset, cut into
   cells by the DuckDB engine's own line splitter (:func:`ketadecide.batch.io.lines.line_batches`:
   the same separator, quoting and bad-line rules), so the cells, the lines set aside and
   their problems are the DuckDB engine's. A line set aside keeps its row and its errors
   (``__bad``, JSON) instead of cells.
"""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

#: What :func:`split_counts` gives per split.
COUNTS_DDL = "start BIGINT, lines BIGINT, first_bad BIGINT, head BINARY"
#: The column of :func:`parse_splits` holding a set-aside line's errors (JSON), else NULL.
BAD = "__bad"
#: Lines cut into cells at a time (memory per task stays near this many lines).
_CHUNK_LINES = 65536


def read_lines(spark: Any, location: str) -> Any:
    """The file's lines as Spark's text source reads them (``value``), with ``__start``, the
    byte offset of the split each line was read in."""
    lines = spark.read.option("lineSep", "\n").text(location)
    return lines, lines.selectExpr("value", "_metadata.file_block_start AS __start")


def _as_bytes(column: Any) -> list[bytes]:
    """A text column as raw bytes (Spark hands the file's bytes over unchecked)."""
    import pyarrow as pa

    return column.cast(pa.binary()).to_pylist()  # type: ignore[no-any-return]


def _runs(batches: Iterator[Any]) -> Iterator[tuple[int, list[bytes]]]:
    """(split start, its next lines), in the order the task reads them."""
    for batch in batches:
        starts = batch.column("__start").to_pylist()
        values = _as_bytes(batch.column("value"))
        i = 0
        while i < len(starts):
            j = i
            while j < len(starts) and starts[j] == starts[i]:
                j += 1
            yield starts[i], values[i:j]
            i = j


def split_counts(batches: Iterator[Any]) -> Iterator[Any]:
    """Per split read by this task: its start, its line count, the 0-based index of its
    first line that is not UTF-8 (or NULL) and, for the split at byte 0, its first line
    (the header, cut after 64 KiB + 1 bytes)."""
    import pyarrow as pa

    from ketadecide.batch.io.lines import MAX_LINE_BYTES

    counts: dict[int, list[Any]] = {}
    for start, values in _runs(batches):
        entry = counts.setdefault(start, [0, None, None])
        if start == 0 and entry[0] == 0 and values:
            entry[2] = values[0][: MAX_LINE_BYTES + 1]
        if entry[1] is None:
            for k, value in enumerate(values):
                if not value.isascii():
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError:
                        entry[1] = entry[0] + k
                        break
        entry[0] += len(values)
    yield pa.RecordBatch.from_pylist(
        [{"start": s, "lines": n, "first_bad": bad, "head": head} for s, (n, bad, head) in counts.items()],
        schema=pa.schema(
            [("start", pa.int64()), ("lines", pa.int64()), ("first_bad", pa.int64()), ("head", pa.binary())]
        ),
    )


def line_offsets(counts: list[Any]) -> tuple[dict[int, int], int, int | None, bytes | None]:
    """From :func:`split_counts`' rows: the lines before each split (by its start), the
    file's line count, the number (1-based) of its first line that is not UTF-8, and its
    first line."""
    offsets: dict[int, int] = {}
    total = 0
    first_bad: int | None = None
    head: bytes | None = None
    for item in sorted(counts, key=lambda r: r["start"]):
        offsets[item["start"]] = total
        if item["first_bad"] is not None and first_bad is None:
            first_bad = total + item["first_bad"] + 1
        if item["start"] == 0:
            head = item["head"]
        total += item["lines"]
    return offsets, total, first_bad, head


def cells_schema(header: list[str]) -> Any:
    """The rows :func:`parse_splits` gives: the header's columns as text, ``__row``,
    ``__seq``, and :data:`BAD`."""
    import pyarrow as pa

    return pa.schema(
        [
            *(pa.field(c, pa.string()) for c in header),
            pa.field("__row", pa.int64()),
            pa.field("__seq", pa.int64()),
            pa.field(BAD, pa.string()),
        ]
    )


def parse_splits(
    batches: Iterator[Any],
    *,
    offsets: Mapping[int, int],
    header: list[str],
    delimiter: str,
    name: str,
    fmt: str = "csv",
) -> Iterator[Any]:
    """This task's lines as the DuckDB engine's CSV (or JSONL) reader cuts them: a row of
    cells per line, numbered ``line - 1`` (the CSV header is line 1; a JSONL line is a row
    of one cell, ``line``, numbered by its line), or, for a line set aside, its row errors
    (:func:`~ketadecide.batch.row_checks.bad_line_errors`) as JSON in :data:`BAD`."""
    seen: dict[int, int] = {}
    pending: list[bytes] = []
    first = 0  # the file's line number (1-based) of pending[0]
    for start, values in _runs(batches):
        done = seen.get(start, 0)
        seen[start] = done + len(values)
        line = offsets[start] + done + 1
        if pending and line != first + len(pending):
            yield from _cut(pending, first, header=header, delimiter=delimiter, name=name, fmt=fmt)
            pending = []
        if not pending:
            first = line
        pending.extend(values)
        if len(pending) >= _CHUNK_LINES:
            yield from _cut(pending, first, header=header, delimiter=delimiter, name=name, fmt=fmt)
            pending = []
    if pending:
        yield from _cut(pending, first, header=header, delimiter=delimiter, name=name, fmt=fmt)


def _cut(lines: list[bytes], first: int, *, header: list[str], delimiter: str, name: str, fmt: str) -> Iterator[Any]:
    """Consecutive lines (the first is the file's line ``first``) -> record batches."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from ketadecide.batch.io.lines import BadLine, line_batches
    from ketadecide.batch.row_checks import bad_line_errors

    skip = 1 if fmt == "csv" else 0  # the header's line
    if first == 1 and skip:
        lines, first = lines[1:], 2
    if not lines:
        return
    shift = first - 1 - skip  # line_batches numbers the lines it is given from 1; row = line - skip
    schema = cells_schema(header)
    position = pa.schema([*schema][:-1])
    bad: list[BadLine] = []
    if fmt == "csv":
        parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True)
    else:  # as readers.open_jsonl: one cell per line, split on a byte JSON never holds unescaped
        parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False)
    text = io.BytesIO(b"\n".join(lines) + b"\n")
    stash: deque[Any] = deque(maxlen=0)  # the raw batches are not looked back at here
    for batch in line_batches(
        text, name, columns=header, parse=parse, schema=position, bad=bad, stash=stash, expected=len(header)
    ):
        if not batch.num_rows:
            continue  # lines set aside, and no record: they are all in ``bad``, written below
        rows = pc.add(batch.column("__row"), shift)
        columns = [*batch.columns[: len(header)], rows, pc.subtract(rows, 1), pa.nulls(len(rows), pa.string())]
        yield pa.RecordBatch.from_arrays(columns, schema=schema)
    if bad:
        out: dict[str, list[Any]] = {c: [None] * len(bad) for c in header}
        out["__row"] = [b.row + shift for b in bad]
        out["__seq"] = [b.row + shift - 1 for b in bad]
        out[BAD] = [
            json.dumps(
                [
                    [e.id, e.field, e.error]
                    for e in bad_line_errors(
                        fmt,
                        header,
                        row=b.row + shift,
                        text=b.text,
                        expected=b.expected,
                        actual=b.actual,
                        problems=b.reasons(),
                    )
                ]
            )
            for b in bad
        ]
        yield pa.RecordBatch.from_pydict(out, schema=schema)


__all__ = ["BAD", "COUNTS_DDL", "cells_schema", "line_offsets", "parse_splits", "read_lines", "split_counts"]
