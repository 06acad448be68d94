"""Reading batch inputs as a stream of Arrow record batches, each row numbered.

Every reader gives an :class:`Input` whose batches carry a ``__row`` column: the record's
1-based position in the input, the CSV header not counted. Lines that cannot even be split
into cells (a ragged CSV line, a JSONL line with a record-separator byte) are not in the
batches; they are reported through ``bad_lines`` with their row number, so nothing is lost.

:func:`open_input` opens a file or stdin (CSV, JSONL, Parquet), :func:`open_profiles` a
caller's iterable of profiles, :func:`open_fhir` FHIR bundles. CSV and JSONL are split into
physical lines by :mod:`ketadecide.batch.io.lines` before any parser sees them.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ketadecide.batch.io.lines import MAX_LINE_BYTES, BadLine, int_range, line_batches
from ketadecide.engine.result import RecordNotes
from ketadecide.errors import InputError, Problem
from ketadecide.files import open_for_reading, reading_error
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile

FORMATS = ("csv", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: The numbering columns every batch ends with.
POSITION_COLUMNS = (pa.field("__row", pa.int64()), pa.field("__seq", pa.int64()))
#: Record separator: cannot occur unescaped in valid JSON, so it splits nothing that matters.
JSONL_DELIMITER = "\x1e"


#: Inputs that are no table of profiles, with what to do instead (following the generic
#: "give --input-format csv" advice with a PDF only led to "not valid UTF-8 text").
_OTHER_KINDS = {
    ".xlsx": "an Excel workbook: save the sheet as CSV (File > Save As > CSV) and give that file",
    ".xls": "an Excel workbook: save the sheet as CSV (File > Save As > CSV) and give that file",
    ".pdf": "a PDF: batch reads a table of profiles, one per row (CSV, JSONL or Parquet)",
    ".yaml": "one profile (YAML): use `ketadecide compare --profile FILE`; batch reads many, one per row",
    ".yml": "one profile (YAML): use `ketadecide compare --profile FILE`; batch reads many, one per row",
    ".json": "one profile (JSON): use `ketadecide compare --profile FILE`; or, for many, one JSON object "
    "per line in a .jsonl file",
}


def _wrong_kind(path: Path, suffix: str) -> str:
    if path.is_dir():
        return "is a folder: give one CSV, JSONL or Parquet file"
    if suffix in _OTHER_KINDS:
        return f"this looks like {_OTHER_KINDS[suffix]}"
    return ""


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
    if what == "input" and location != "-":
        wrong = _wrong_kind(Path(location), suffix)
        if wrong:
            raise InputError(Problem(wrong, location))
    raise InputError(
        Problem(
            f"cannot tell the {what} format from the name; give --{what}-format csv, jsonl or parquet",
            location,
        )
    )


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
    notes: dict[int, RecordNotes] = field(default_factory=dict)
    """Record notes (stale values, record conflicts) of a FHIR input, by row: those rows are
    decided by the reference engine, which reads them (CONTRACT §3 ``stale``)."""
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
        seq = int_range(self._done, n)
        return [self._rows(n), seq]

    def _rows(self, n: int) -> pa.Array:
        first = self._done + 1
        self._done += n
        if not self._skipped:
            return int_range(first, n)
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
    try:
        if location == "-" or not os.path.isfile(location):
            return None
    except OSError:
        return None
    try:
        with open(location, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
    except OSError:
        return None


#: The separators a CSV file may use, as spreadsheets save them: "CSV (comma delimited)",
#: Excel's in locales whose decimal mark is a comma, and "Text (tab delimited)".
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_OTHER_SEPARATORS = {"|": "a vertical bar", ":": "a colon", "^": "a caret"}


def sniff_delimiter(header: str, name: str) -> str:
    """The file's separator, from its header line only (``;`` is also the list separator
    inside cells, so data lines cannot tell): the first of comma, semicolon, tab that the
    header holds outside quotes; a header naming one column is read with commas. A header
    separated by something else is refused (exit 2) naming it."""
    outside = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    for delimiter in DELIMITERS:
        if delimiter in outside:
            return delimiter
    for mark, what in _OTHER_SEPARATORS.items():
        if mark in outside:
            raise InputError(
                Problem(
                    f"the header line seems to be separated by {what} ('{mark}'); batch reads files separated by "
                    "commas, semicolons or tabs: save it as CSV (comma delimited)",
                    name,
                )
            )
    return ","


def csv_header(first: bytes, name: str) -> tuple[list[str], str]:
    """The columns and the separator of a CSV file, from its first line (``first``, its raw
    bytes, at most :data:`MAX_LINE_BYTES` + 1 of them); exit 2 naming the file when the line
    is no usable header. Shared by every engine that reads CSV."""
    if len(first) > MAX_LINE_BYTES:
        raise InputError(Problem(f"the header line is longer than {MAX_LINE_BYTES // 1024} KiB", name))
    if not first.strip(b"\r\n"):
        raise InputError(Problem("the file is empty; expected a header line naming the columns", name))
    if first[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "Unicode Text" and Windows editors' "Unicode" are UTF-16 with this mark.
        raise InputError(Problem("the file is UTF-16 text; save it as CSV UTF-8 and try again", name))
    try:
        header_text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem("not valid UTF-8 text (in the header)", name)) from None
    header_text = header_text.removesuffix("\n").removesuffix("\r")
    if header_text.count('"') % 2 or "\r" in header_text:
        raise InputError(Problem("the header line has a quote that is not closed on its line", name))
    delimiter = sniff_delimiter(header_text, name)
    try:
        header = next(csv.reader([header_text], delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(Problem(f"cannot read the header line: {exc}", name)) from None
    seen: set[str] = set()
    for col in header:
        if col in seen:
            raise InputError(Problem(f"the header names column '{col}' twice", name))
        seen.add(col)
    return header, delimiter


def open_csv(location: str, *, progress: bool = False, fh: IO[bytes] | None = None) -> Input:
    name = "<stdin>" if location == "-" else location
    if fh is None:
        fh, name = _open_binary(location)
    try:
        first = fh.readline(MAX_LINE_BYTES + 1)
    except OSError as exc:
        raise reading_error(exc, name) from None
    header, delimiter = csv_header(first, name)
    bad: list[BadLine] = []
    schema = pa.schema([*(pa.field(c, pa.string()) for c in header), *POSITION_COLUMNS])
    est = _estimate_rows(location) if progress else None
    stash: deque[pa.RecordBatch] = deque()
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True)
    return Input(
        name=name,
        fmt="csv",
        columns=dict.fromkeys(header, "text"),
        schema=schema,
        batches=line_batches(
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
    schema = pa.schema([pa.field("line", pa.string()), *POSITION_COLUMNS])
    est = _estimate_rows(location) if progress else None
    stash: deque[pa.RecordBatch] = deque()
    parse = pacsv.ParseOptions(delimiter=JSONL_DELIMITER, quote_char=False, double_quote=False)
    return Input(
        name=name,
        fmt="jsonl",
        columns={"line": "json"},
        schema=schema,
        batches=line_batches(fh, name, columns=["line"], parse=parse, schema=schema, bad=bad, stash=stash, expected=1),
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
            *POSITION_COLUMNS,
        ]
    )
    numberer = _Numberer([])
    stash: deque[pa.RecordBatch] = deque()
    raw_schema = pa.schema([*schema, *POSITION_COLUMNS])

    def gen() -> Iterator[pa.RecordBatch]:
        try:
            for batch in pf.iter_batches(batch_size=65536):
                arrays = []
                for col, kind, target in zip(batch.columns, kinds.values(), casts, strict=True):
                    if kind == "other":
                        # TRUE where a value is given, NULL where not: a false here would read
                        # as a value and flag every row, for the reference to decide.
                        arrays.append(pc.if_else(col.is_valid(), True, None))
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
    wanted = pa.array(sorted(set(rows)), pa.int64())
    for batch in list(stash):  # a copy: the reader thread may append meanwhile
        numbers = batch.column("__row")
        if numbers[0].as_py() > rows[-1]:
            break
        idx = pc.indices_nonzero(pc.is_in(numbers, value_set=wanted))
        if not len(idx):
            continue
        for record in batch.take(idx).to_pylist():
            record.pop("__seq")
            out[record.pop("__row")] = record
        if len(out) == len(wanted):
            break
    return out


def drop_before(stash: deque[pa.RecordBatch], row: int) -> None:
    """Forget raw batches that end before ``row``."""
    while stash and stash[0].column("__row")[-1].as_py() < row:
        stash.popleft()


#: Profiles turned into JSON lines per batch (for a caller's iterable and FHIR bundles).
_CHUNK = 65536


def _json_line(item: object) -> str:
    if isinstance(item, Profile):
        item = item.to_record()
    try:
        return json.dumps(item, ensure_ascii=False, allow_nan=False, default=_not_json)
    except (TypeError, ValueError):
        # Not representable as JSON: hand on something the row check will reject, by row.
        return "{not JSON}"


def _not_json(value: object) -> object:
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(type(value).__name__)


def _json_lines_input(name: str, lines: Callable[[list[BadLine]], Iterator[str]]) -> Input:
    """Input from generated JSON lines. ``lines`` receives the list of set-aside records
    (``BadLine``) and may add to it as it goes; their rows are skipped in numbering and
    reported as row errors."""
    schema = pa.schema([pa.field("line", pa.string()), *POSITION_COLUMNS])
    bad: list[BadLine] = []
    numberer = _Numberer(bad)
    inp = Input(name=name, fmt="jsonl", columns={"line": "json"}, schema=schema, batches=iter(()), bad_lines=bad)

    def batch(chunk: list[str]) -> pa.RecordBatch:
        out = pa.RecordBatch.from_arrays([pa.array(chunk, pa.string()), *numberer.next(len(chunk))], schema=schema)
        inp.stash.append(out)
        return out

    def gen() -> Iterator[pa.RecordBatch]:
        chunk: list[str] = []
        for line in lines(bad):
            chunk.append(line)
            if len(chunk) >= _CHUNK:
                yield batch(chunk)
                chunk = []
        if chunk:
            yield batch(chunk)

    inp.batches = gen()
    return inp


def open_profiles(items: Iterable[Profile | Mapping[str, Any]]) -> Input:
    """A caller's profiles (or plain mappings, read as JSON profiles are: strictly typed)."""
    inp = _json_lines_input("<profiles>", lambda _bad: (_json_line(item) for item in items))
    inp.read_ahead = False  # the caller's iterable is consumed on the caller's thread only
    return inp


def open_fhir(location: str, kb: KnowledgeBase, as_of: date | None = None) -> Input:
    """Bundles (a folder of ``*.json`` or an NDJSON file): each mapped profile becomes a JSON
    line, and a bundle that cannot be read is set aside with its own problems, so it becomes
    a row error under its row number."""
    from ketadecide.fhir import iter_bundle_records

    notes: dict[int, RecordNotes] = {}

    def lines(bad: list[BadLine]) -> Iterator[str]:
        for row, item in iter_bundle_records(location, kb, as_of):
            if isinstance(item, InputError):
                bad.append(BadLine(row, "", 0, 0, item.problems))
            else:
                profile, note = item
                if note.stale or note.conflicts:
                    notes[row] = note
                yield _json_line(profile)

    inp = _json_lines_input(location, lines)
    inp.notes = notes
    return inp


__all__ = [
    "DELIMITERS",
    "FORMATS",
    "JSONL_DELIMITER",
    "BadLine",
    "Input",
    "csv_header",
    "drop_before",
    "format_of",
    "open_fhir",
    "open_input",
    "open_profiles",
    "take_raw",
]
