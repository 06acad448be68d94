"""Reading batch inputs as a stream of Arrow record batches, each row numbered.

Every reader yields batches with a ``__row`` column: the record's 1-based position in
the input, the CSV header not counted. Lines that cannot even be split into cells (a
ragged CSV line, a JSONL line with a record-separator byte) are not in the batches;
they are reported through ``bad_lines`` with their row number, so nothing is lost.

CSV and JSONL records are physical lines (CONTRACT §1), and this module splits them
itself, in bounded blocks, before any parser sees them: a quoted cell left open at the end
of its line (a stray quote), a carriage return inside a line, or a line longer than
:data:`MAX_LINE_BYTES` is one bad row, and reading goes on at the next line. Nothing is
held beyond one block and one line, so no input (``/dev/zero``, one endless line) can make
memory grow: a line with no end within :data:`MAX_SKIP_BYTES` stops the run (exit 2).
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import io
import os
import sys
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ketadecide.errors import InputError, Problem
from ketadecide.files import open_for_reading, reading_error

T = TypeVar("T")
FORMATS = ("csv", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Bytes of input parsed at a time (memory per batch stays near this, whatever the file size).
BLOCK_SIZE = 2 << 20
#: The numbering columns every batch ends with.
NUMBER_FIELDS = (pa.field("__row", pa.int64()), pa.field("__seq", pa.int64()))
#: Record separator: cannot occur unescaped in valid JSON, so it splits nothing that matters.
_JSONL_DELIMITER = "\x1e"
#: The longest record line (CSV or JSONL): far beyond any profile; so no cell is larger.
MAX_LINE_BYTES = 64 * 1024
#: How far past :data:`MAX_LINE_BYTES` an over-long line is skipped to find its end before
#: the input is declared unreadable (bounds the time spent on ``/dev/zero``).
MAX_SKIP_BYTES = 256 << 20
#: Characters of a bad line kept to find its id for the errors file.
_KEPT_TEXT = 1024
_UNCLOSED_QUOTE = "a quoted cell is not closed on its line (a CSV record is one line: a cell cannot hold a line break)"
_CARRIAGE_RETURN = "a carriage return inside the line (a record is one line)"
_TOO_LONG = f"the line is longer than {MAX_LINE_BYTES // 1024} KiB (no profile is this large)"


def format_of(location: str, explicit: str | None, *, what: str) -> str:
    """The format named explicitly, else implied by the file's extension."""
    if explicit is not None:
        fmt = explicit.lower()
        if fmt not in FORMATS:
            raise InputError(Problem(f"unknown {what} format '{explicit}' (csv, jsonl or parquet)"))
        return fmt
    suffix = Path(location).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise InputError(
        Problem(
            f"cannot tell the {what} format from the name; give --{what}-format csv, jsonl or parquet",
            location,
        )
    )


@dataclass
class BadLine:
    row: int
    text: str
    expected: int
    actual: int
    problems: tuple[Problem, ...] = ()
    """Why the record was set aside, when a reader knows better than 'cannot be split'."""


@dataclass
class Input:
    """An opened input: its kind, its columns (for CSV/Parquet) and a batch stream."""

    name: str
    fmt: str
    columns: dict[str, str]
    """Input column -> validation kind (``text``, ``int``, ... see validate_sql)."""
    schema: pa.Schema
    """Schema of the batches handed to DuckDB (``__row`` last)."""
    batches: Iterator[pa.RecordBatch]
    bad_lines: list[BadLine] = field(default_factory=list)
    """Rows that could not be split into cells, appended as they are met."""
    header: list[str] = field(default_factory=list)
    total_rows: int | None = None
    """Number of records when known cheaply (Parquet metadata), else an estimate or None."""
    close: Any = None
    stash: deque[pa.RecordBatch] = field(default_factory=deque)
    """The raw batches (input cells + ``__row``) already handed on, oldest first; the
    runner reads flagged rows' cells from here and drops batches it has passed."""
    release_bad_lines: bool = False
    """Whether the runner may forget the ``bad_lines`` it has written (the reader numbers
    its rows itself, so it never looks back at them): memory stays bounded."""
    read_ahead: bool = True
    """Whether ``batches`` may be read (and queried) ahead on other threads. False for a
    caller's own iterable, which must run on the caller's thread (a database cursor, say,
    may be tied to it)."""


class _Numberer:
    """Row numbers for the records that reached a batch, skipping the ones set aside."""

    def __init__(self, skipped: list[BadLine]) -> None:
        self._skipped = skipped
        self._done = 0

    def next(self, n: int) -> list[pa.Array]:
        """``[__row, __seq]`` for the next ``n`` records: the row number in the input, and
        the record's 0-based position among the records that reached a batch."""
        seq = pa.array(range(self._done, self._done + n), pa.int64())
        return [self._rows(n), seq]

    def _rows(self, n: int) -> pa.Array:
        first = self._done + 1
        self._done += n
        if not self._skipped:
            return pa.array(range(first, first + n), pa.int64())
        # The k-th good record is row k + #{skips i : s_i - i <= k} (skips sorted, i 0-based).
        skips = sorted(b.row for b in self._skipped)
        gaps = [s - i for i, s in enumerate(skips)]
        out: list[int] = []
        k = first
        while k < first + n:
            c = bisect.bisect_right(gaps, k)
            nxt = gaps[c] if c < len(gaps) else first + n
            stop = min(nxt, first + n)
            out.extend(range(k + c, stop + c))
            k = stop
        return pa.array(out, pa.int64())


def _open_binary(location: str) -> tuple[IO[bytes], str]:
    if location == "-":
        return sys.stdin.buffer, "<stdin>"
    return open_for_reading(Path(location), location), location


def _estimate_rows(location: str) -> int | None:
    """Count lines of a regular file quickly (for the progress bar only)."""
    if not is_regular_file(location):
        return None
    try:
        with open(location, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
    except OSError:
        return None


def _arrow_error(exc: Exception, name: str) -> InputError:
    text = str(exc)
    if "UTF8" in text or "utf8" in text or "UTF-8" in text:
        return InputError(Problem("not valid UTF-8 text", name))
    return InputError(Problem(f"cannot be read ({type(exc).__name__})", name))


def _read_some(fh: IO[bytes], name: str) -> bytes:
    """Whatever the stream has (up to a block): a pipe's rows are read as they come."""
    try:
        read1 = getattr(fh, "read1", None)
        return read1(BLOCK_SIZE) if read1 is not None else fh.read(BLOCK_SIZE)
    except OSError as exc:
        raise reading_error(exc, name) from None


def _bad_text(line: bytes) -> str:
    return line[:_KEPT_TEXT].decode("utf-8", "replace").rstrip("\r")


def _line_blocks(fh: IO[bytes], name: str, first_line: int, bad: list[BadLine]) -> Iterator[tuple[int, bytes]]:
    """``(number of the first line, bytes of whole lines)``, in bounded blocks. A line longer
    than :data:`MAX_LINE_BYTES` that does not fit a block is set aside here (in ``bad``)."""
    line = first_line
    carry = b""
    while True:
        data = _read_some(fh, name)
        if not data:
            if carry:
                yield line, carry
            return
        buf = carry + data if carry else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) <= MAX_LINE_BYTES:
                carry = buf
                continue
            bad.append(BadLine(line, _bad_text(buf), 0, 0, (Problem(_TOO_LONG, row=line),)))
            rest = _skip_line(fh, name, line, len(buf))
            line += 1
            if rest is None:
                return
            carry = rest
            continue
        block, carry = buf[: cut + 1], buf[cut + 1 :]
        yield line, block
        line += block.count(b"\n")


def _skip_line(fh: IO[bytes], name: str, line: int, skipped: int) -> bytes | None:
    """Read past the end of an over-long line; what follows it, or None at the end of input."""
    while True:
        data = _read_some(fh, name)
        if not data:
            return None
        end = data.find(b"\n")
        if end >= 0:
            return data[end + 1 :]
        skipped += len(data)
        if skipped > MAX_SKIP_BYTES:
            raise InputError(
                Problem(
                    f"line {line} has no end: over {MAX_SKIP_BYTES >> 20} MiB without a line break "
                    "(records are lines; is this a text file?)",
                    name,
                )
            )


def _check_utf8(block: bytes, first_line: int, name: str) -> None:
    if block.isascii():
        return
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + block.count(b"\n", 0, exc.start)
        raise InputError(Problem(f"not valid UTF-8 text (line {line})", name)) from None


def _screen(block: bytes, first_line: int, *, quotes: bool, bad: list[BadLine]) -> tuple[bytes, list[int] | None]:
    """The block without its unusable lines (set aside in ``bad``), and the line numbers of
    the lines kept (None when every line is kept: they are numbered from ``first_line``)."""
    has_quote = quotes and b'"' in block
    lone_cr = b"\r" in block and block.count(b"\r") != block.count(b"\r\n")
    if not has_quote and not lone_cr and len(block) <= MAX_LINE_BYTES:
        return block, None
    lines = block.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not has_quote and not lone_cr and max(map(len, lines), default=0) <= MAX_LINE_BYTES:
        return block, None
    kept: list[bytes] = []
    numbers: list[int] = []
    for i, text in enumerate(lines):
        body = text[:-1] if text.endswith(b"\r") else text
        if len(text) > MAX_LINE_BYTES:
            problem = _TOO_LONG
        elif lone_cr and b"\r" in body:
            problem = _CARRIAGE_RETURN
        elif has_quote and body.count(b'"') % 2:
            problem = _UNCLOSED_QUOTE
        else:
            kept.append(text)
            numbers.append(first_line + i)
            continue
        bad.append(BadLine(first_line + i, _bad_text(text), 0, 0, (Problem(problem, row=first_line + i),)))
    return b"\n".join(kept) + b"\n" if kept else b"", numbers


def _line_batches(
    fh: IO[bytes],
    name: str,
    *,
    columns: list[str],
    parse: pacsv.ParseOptions,
    schema: pa.Schema,
    bad: list[BadLine],
    stash: deque[pa.RecordBatch],
    expected: int,
) -> Iterator[pa.RecordBatch]:
    """Record batches of the lines of ``fh`` (after the header), each row numbered by its line."""
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    seq = 0
    for first, raw in _line_blocks(fh, name, 1, bad):
        _check_utf8(raw, first, name)
        block, numbers = _screen(raw, first, quotes=parse.quote_char is not False, bad=bad)
        invalid: list[tuple[int, str, int]] = []

        def on_invalid(row: Any, invalid: list[tuple[int, str, int]] = invalid) -> str:
            invalid.append((int(row.number), row.text, int(row.actual_columns)))
            return "skip"

        table = None
        if block:
            options = pacsv.ParseOptions(
                delimiter=parse.delimiter,
                quote_char=parse.quote_char,
                double_quote=parse.double_quote,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            )
            try:
                table = pacsv.read_csv(
                    io.BytesIO(block),
                    read_options=pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=len(block) + 1),
                    parse_options=options,
                    convert_options=convert,
                )
            except (pa.ArrowInvalid, pa.ArrowException) as exc:
                raise _arrow_error(exc, name) from None
        # The line numbers of this block's rows, and its lines set aside, in order.
        if numbers is None:
            numbers = list(range(first, first + (table.num_rows + len(invalid) if table is not None else 0)))
        if invalid:
            skip = {n - 1 for n, _, _ in invalid}
            for n, text, actual in invalid:
                bad.append(BadLine(numbers[n - 1], text[:_KEPT_TEXT], expected, actual))
            numbers = [r for i, r in enumerate(numbers) if i not in skip]
        if table is None or table.num_rows == 0:
            continue
        rows = pa.array(numbers, pa.int64())
        for batch in table.to_batches():
            n = batch.num_rows
            if n == 0:
                continue
            out = pa.RecordBatch.from_arrays(
                [*batch.columns, rows.slice(0, n), pa.array(range(seq, seq + n), pa.int64())], schema=schema
            )
            rows = rows.slice(n)
            seq += n
            stash.append(out)
            yield out


def open_csv(location: str, *, progress: bool = False, fh: IO[bytes] | None = None) -> Input:
    name = "<stdin>" if location == "-" else location
    if fh is None:
        fh, name = _open_binary(location)
    try:
        first = fh.readline(MAX_LINE_BYTES + 1)
    except OSError as exc:
        raise reading_error(exc, name) from None
    if len(first) > MAX_LINE_BYTES:
        raise InputError(Problem(f"the header line is longer than {MAX_LINE_BYTES // 1024} KiB", name))
    if not first.strip(b"\r\n"):
        raise InputError(Problem("the file is empty; expected a header line naming the columns", name))
    try:
        header_text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem("not valid UTF-8 text (in the header)", name)) from None
    header_text = header_text.removesuffix("\n").removesuffix("\r")
    if header_text.count('"') % 2 or "\r" in header_text:
        raise InputError(Problem("the header line has a quote that is not closed on its line", name))
    try:
        header = next(csv.reader([header_text]))
    except csv.Error as exc:
        raise InputError(Problem(f"cannot read the header line: {exc}", name)) from None
    seen: set[str] = set()
    for col in header:
        if col in seen:
            raise InputError(Problem(f"the header names column '{col}' twice", name))
        seen.add(col)
    bad: list[BadLine] = []
    schema = pa.schema([*(pa.field(c, pa.string()) for c in header), *NUMBER_FIELDS])
    est = _estimate_rows(location) if progress else None
    stash: deque[pa.RecordBatch] = deque()
    parse = pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True)
    return Input(
        name=name,
        fmt="csv",
        columns=dict.fromkeys(header, "text"),
        schema=schema,
        batches=_line_batches(
            fh, name, columns=header, parse=parse, schema=schema, bad=bad, stash=stash, expected=len(header)
        ),
        stash=stash,
        bad_lines=bad,
        header=header,
        total_rows=None if est is None else max(est - 1, 0),
        close=fh.close if location != "-" else None,
        release_bad_lines=True,
    )


def open_jsonl(location: str, *, progress: bool = False, fh: IO[bytes] | None = None) -> Input:
    name = "<stdin>" if location == "-" else location
    if fh is None:
        fh, name = _open_binary(location)
    bad: list[BadLine] = []
    schema = pa.schema([pa.field("line", pa.string()), *NUMBER_FIELDS])
    est = _estimate_rows(location) if progress else None
    stash: deque[pa.RecordBatch] = deque()
    parse = pacsv.ParseOptions(delimiter=_JSONL_DELIMITER, quote_char=False, double_quote=False)
    return Input(
        name=name,
        fmt="jsonl",
        columns={"line": "json"},
        schema=schema,
        batches=_line_batches(fh, name, columns=["line"], parse=parse, schema=schema, bad=bad, stash=stash, expected=1),
        stash=stash,
        bad_lines=bad,
        total_rows=est,
        close=fh.close if location != "-" else None,
        release_bad_lines=True,
    )


def _kind_of(t: pa.DataType) -> tuple[str, pa.DataType]:
    """Validation kind of an Arrow type, and the type the column is cast to for DuckDB."""
    if pa.types.is_dictionary(t):
        return _kind_of(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text", pa.string()
    if pa.types.is_boolean(t):
        return "bool", t
    if pa.types.is_integer(t):
        return "int", t
    if pa.types.is_float32(t) or pa.types.is_float64(t):
        return "float", pa.float64()
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner, _ = _kind_of(t.value_type)
        if inner == "text":
            return "list_text", pa.list_(pa.string())
        if inner == "int":
            return "list_int", pa.list_(pa.int64()) if not pa.types.is_uint64(t.value_type) else pa.list_(t.value_type)
    return "other", pa.bool_()


def open_parquet(location: str, *, progress: bool = False) -> Input:
    if location == "-":
        raise InputError(Problem("Parquet cannot be read from standard input; give a file"))
    fh, name = _open_binary(location)
    try:
        pf = pq.ParquetFile(fh)
        schema = pf.schema_arrow
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        fh.close()
        raise InputError(Problem(f"not a readable Parquet file ({exc})", name)) from None
    seen: set[str] = set()
    for col in schema.names:
        if col in seen:
            raise InputError(Problem(f"the file has two columns named '{col}'", name))
        seen.add(col)
    kinds: dict[str, str] = {}
    casts: list[pa.DataType] = []
    for f in schema:
        kind, target = _kind_of(f.type)
        kinds[f.name] = kind
        casts.append(target)
    out_schema = pa.schema(
        [
            *(pa.field(n, t) for n, t in zip(schema.names, casts, strict=True)),
            *NUMBER_FIELDS,
        ]
    )
    numberer = _Numberer([])
    stash: deque[pa.RecordBatch] = deque()
    raw_schema = pa.schema([*schema, *NUMBER_FIELDS])

    def gen() -> Iterator[pa.RecordBatch]:
        try:
            for batch in pf.iter_batches(batch_size=65536):
                arrays = []
                for col, kind, target in zip(batch.columns, kinds.values(), casts, strict=True):
                    if kind == "other":
                        arrays.append(col.is_valid())
                    elif col.type != target:
                        arrays.append(col.cast(target))
                    else:
                        arrays.append(col)
                rows = numberer.next(batch.num_rows)
                stash.append(pa.RecordBatch.from_arrays([*batch.columns, *rows], schema=raw_schema))
                yield pa.RecordBatch.from_arrays([*arrays, *rows], schema=out_schema)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
            raise InputError(Problem(f"cannot be read: {exc}", name)) from None

    return Input(
        name=name,
        fmt="parquet",
        columns=kinds,
        schema=out_schema,
        batches=gen(),
        total_rows=pf.metadata.num_rows,
        close=fh.close,
        header=list(schema.names),
        stash=stash,
    )


def open_input(location: str, fmt: str | None, *, progress: bool = False) -> Input:
    """Open ``location`` (``-`` is stdin: CSV, or JSONL when it starts with ``{``)."""
    if location == "-" and fmt is None:
        stream: Any = sys.stdin.buffer
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(stream)
        peeked = stream.peek(64)
        if peeked.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return open_jsonl(location, progress=progress, fh=stream)
        return open_csv(location, progress=progress, fh=stream)
    kind = format_of(location, fmt, what="input")
    if kind == "csv":
        return open_csv(location, progress=progress)
    if kind == "jsonl":
        return open_jsonl(location, progress=progress)
    return open_parquet(location, progress=progress)


def prefetched(batches: Iterator[T], depth: int = 4, name: str = "ketadecide-reader") -> Generator[T, None, None]:
    """``batches``, produced ahead on a second thread, so that the next ones are being read
    (or queried: pyarrow and DuckDB both work without the GIL) while the consumer works on
    this one. At most ``depth`` items wait. An error is raised here, in the consumer's
    thread, in its place. ``batches`` is run and closed on that thread only (a DuckDB
    connection, say, is then used from one thread)."""
    import queue
    import threading

    done = object()
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
        except BaseException as exc:  # handed to the consumer
            put(exc)
            return
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
        put(done)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ahead.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the consumer stopped early (or finished): let the reader go
        # A reader blocked on a pipe that never speaks again must not keep the process from
        # ending (Ctrl-C, SIGTERM): it is a daemon, holding nothing that needs closing.
        thread.join(timeout=None if sys.exc_info()[0] is None else 2.0)


def take_raw(stash: deque[pa.RecordBatch], rows: list[int]) -> dict[int, dict[str, Any]]:
    """The input cells of the given rows (ascending ``__row`` numbers), as Python values.

    Batches wholly before the first row asked for are dropped from ``stash``: rows come
    back from the query in input order, so they will not be asked for again.
    """
    out: dict[int, dict[str, Any]] = {}
    if not rows:
        return out
    while stash and stash[0].column("__row")[-1].as_py() < rows[0]:
        stash.popleft()
    wanted = set(rows)
    for batch in list(stash):  # a copy: the reader thread may append meanwhile
        numbers = batch.column("__row")
        if numbers[0].as_py() > rows[-1]:
            break
        idx = [i for i, r in enumerate(numbers.to_pylist()) if r in wanted]
        if not idx:
            continue
        for record in batch.take(pa.array(idx, pa.int64())).to_pylist():
            record.pop("__seq")
            out[record.pop("__row")] = record
        if len(out) == len(wanted):
            break
    return out


def drop_before(stash: deque[pa.RecordBatch], row: int) -> None:
    """Forget raw batches that end before ``row``."""
    while stash and stash[0].column("__row")[-1].as_py() < row:
        stash.popleft()


def is_regular_file(location: str) -> bool:
    try:
        return location != "-" and os.path.isfile(location)
    except OSError:
        return False


__all__ = ["FORMATS", "BadLine", "Input", "drop_before", "format_of", "open_input", "prefetched", "take_raw"]
