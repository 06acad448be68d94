"""Splitting CSV and JSONL input into physical lines, in bounded blocks, before any parser sees them.

CSV and JSONL records are physical lines (CONTRACT §1): a quoted cell left open at the end
of its line (a stray quote), a carriage return inside a line, or a line longer than
:data:`MAX_LINE_BYTES` is one bad row (a :class:`BadLine`), and reading goes on at the next
line. Nothing is held beyond one block and one line, so no input (``/dev/zero``, one endless
line) can make memory grow: a line with no end within :data:`MAX_SKIP_BYTES` stops the run
(exit 2).
"""

from __future__ import annotations

import bisect
import io
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ketadecide.errors import InputError, Problem
from ketadecide.files import reading_error

#: Bytes of input parsed at a time (memory per batch stays near this, whatever the file size).
BLOCK_SIZE = 2 << 20
#: Bytes parsed at a time at the start, and while most lines are set aside: a line set aside
#: is held until every record before it is decided, and the run's stages (reading, query,
#: decoding) each hold a few blocks, so blocks of tiny unusable lines (hundreds of thousands
#: in 2 MiB) must be small for memory to stay flat.
SMALL_BLOCK_SIZE = 64 << 10
#: A block that sets aside a line per this many bytes or fewer is followed by small blocks.
_DENSE_BAD_BYTES = 64
#: The numbering columns every batch ends with.
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


@dataclass(slots=True)
class BadLine:
    """A record set aside before parsing (it could not be split into cells), with its row number.

    Slotted, and its reason kept as the shared message text (its :class:`Problem` is made
    when its errors are written): an input of nothing but unusable lines sets aside a
    million of these per few megabytes, and one block's worth is held at a time."""

    row: int
    text: str
    expected: int
    actual: int
    problems: tuple[Problem, ...] = ()
    """Why the record was set aside, when a reader knows better than 'cannot be split'."""
    reason: str = ""
    """The same for this module's own reasons (one shared text; see :meth:`reasons`)."""
    before: int | None = None
    """How many records that reached a batch precede it in the input (None: not known). Its
    errors can be written as soon as those records are decided, before any later one is."""

    def reasons(self) -> tuple[Problem, ...]:
        """Why the record was set aside (empty: its cells could not be counted out)."""
        if self.reason:
            return (*self.problems, Problem(self.reason, row=self.row))
        return self.problems


def _arrow_error(exc: Exception, name: str) -> InputError:
    text = str(exc)
    if "UTF8" in text or "utf8" in text or "UTF-8" in text:
        return InputError(Problem("not valid UTF-8 text", name))
    return InputError(Problem(f"cannot be read ({type(exc).__name__})", name))


def _read_some(fh: IO[bytes], name: str, size: int | None = None) -> bytes:
    """Whatever the stream has (up to ``size``, a block by default): a pipe's rows are read
    as they come."""
    size = size or BLOCK_SIZE
    try:
        read1 = getattr(fh, "read1", None)
        return read1(size) if read1 is not None else fh.read(size)
    except OSError as exc:
        raise reading_error(exc, name) from None


class _Counting:
    """0, 1, 2, ... as an int64 array, grown when a longer one is asked for."""

    values: pa.Array = pa.array(range(1 << 16), pa.int64())


def int_range(start: int, n: int) -> pa.Array:
    """The int64 array ``start, start + 1, ..., start + n - 1``: a slice of one counting
    array plus ``start``. ``pa.array(range(...))`` converts each Python int on its own:
    numbering a million rows (row and sequence numbers) took 0.33 CPU-s that way."""
    import pyarrow.compute as pc

    if len(_Counting.values) < n:
        _Counting.values = pa.array(range(n), pa.int64())
    return pc.add(_Counting.values.slice(0, n), pa.scalar(start, pa.int64()))


def _bad_text(line: bytes) -> str:
    return line[:_KEPT_TEXT].decode("utf-8", "replace").rstrip("\r")


def _line_blocks(
    fh: IO[bytes], name: str, first_line: int, bad: list[BadLine], size: Callable[[], int] | None = None
) -> Iterator[tuple[int, bytes]]:
    """``(number of the first line, bytes of whole lines)``, in bounded blocks (of about
    ``size()`` bytes, asked before each read). A line longer than :data:`MAX_LINE_BYTES`
    that does not fit a block is set aside here (in ``bad``)."""
    line = first_line
    carry = b""
    while True:
        data = _read_some(fh, name, size() if size is not None else None)
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
            bad.append(BadLine(line, _bad_text(buf), 0, 0, reason=_TOO_LONG))
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


#: A line longer than MAX_LINE_BYTES holds at least one whole stripe of this many bytes
#: (at a multiple of it) with no line break.
_STRIPE = (MAX_LINE_BYTES + 1) // 2


def _may_hold_long_line(block: bytes) -> bool:
    """False when no line of ``block`` can be longer than :data:`MAX_LINE_BYTES`: every
    stripe has a line break. One search per stripe instead of splitting the block."""
    return any(block.find(b"\n", start, start + _STRIPE) < 0 for start in range(0, len(block), _STRIPE))


def _screen(block: bytes, first_line: int, *, quotes: bool, bad: list[BadLine]) -> tuple[bytes, list[int] | None]:
    """The block without its unusable lines (set aside in ``bad``), and the line numbers of
    the lines kept (None when every line is kept: they are numbered from ``first_line``)."""
    has_quote = quotes and b'"' in block
    lone_cr = b"\r" in block and block.count(b"\r") != block.count(b"\r\n")
    if not has_quote and not lone_cr and len(block) <= MAX_LINE_BYTES:
        return block, None
    if not has_quote and not lone_cr and not _may_hold_long_line(block):
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
        bad.append(BadLine(first_line + i, _bad_text(text), 0, 0, reason=problem))
    return b"\n".join(kept) + b"\n" if kept else b"", numbers


def line_batches(
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
    """Record batches of the lines of ``fh`` (after the header), each row numbered by its line.

    The lines set aside go to ``bad`` in row order, each with ``before`` (how many records
    precede it), before the batch of the records that follow them is yielded. A block that
    gives no record but sets lines aside yields an empty batch: its consumer then knows that
    every line read so far is accounted for, and may write those lines' errors and forget
    them (else an input of nothing but unusable lines is held whole until its end)."""
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    nothing = pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)
    seq = 0
    aside: list[BadLine] = []  # the block's lines set aside (and an over-long line before it)
    small = True  # small blocks until one shows the lines are mostly usable

    def size() -> int:
        return min(SMALL_BLOCK_SIZE, BLOCK_SIZE) if small else BLOCK_SIZE

    for first, raw in _line_blocks(fh, name, 1, aside, size):
        _check_utf8(raw, first, name)
        block, numbers = _screen(raw, first, quotes=parse.quote_char is not False, bad=aside)
        table = _parse(block, parse, convert, columns, name)
        # The line numbers of this block's rows, and its lines set aside, in order.
        lines: Sequence[int] = numbers if numbers is not None else range(first, first + _lines_of(table))
        if table is not None and table.invalid:
            skip = {n - 1 for n, _, _ in table.invalid}
            for n, text, actual in table.invalid:
                aside.append(BadLine(lines[n - 1], text[:_KEPT_TEXT], expected, actual))
            lines = [r for i, r in enumerate(lines) if i not in skip]
            table.invalid.clear()
        small = len(aside) * _DENSE_BAD_BYTES >= len(raw)
        if aside:
            _hand_over(aside, lines, seq, bad)
            if not lines:
                yield nothing
                continue
        if table is None or not lines:
            continue
        rows = int_range(lines.start, len(lines)) if isinstance(lines, range) else pa.array(lines, pa.int64())
        for batch in table.rows.to_batches():
            n = batch.num_rows
            if n == 0:
                continue
            out = pa.RecordBatch.from_arrays([*batch.columns, rows.slice(0, n), int_range(seq, n)], schema=schema)
            rows = rows.slice(n)
            seq += n
            stash.append(out)
            yield out
    if aside:  # an over-long line ended the input
        _hand_over(aside, [], seq, bad)
        yield nothing


@dataclass
class _Parsed:
    rows: pa.Table
    invalid: list[tuple[int, str, int]]
    """``(1-based line within the block, text, cells)`` of each line with the wrong cell count."""

    @property
    def num_rows(self) -> int:
        return int(self.rows.num_rows)


def _parse(
    block: bytes, parse: pacsv.ParseOptions, convert: pacsv.ConvertOptions, columns: list[str], name: str
) -> _Parsed | None:
    """The cells of the block's lines (None for no lines); a line with the wrong number of
    cells is left out and listed in ``invalid``."""
    if not block:
        return None
    invalid: list[tuple[int, str, int]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((int(row.number), row.text, int(row.actual_columns)))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(block),
            read_options=pacsv.ReadOptions(column_names=columns, use_threads=False, block_size=len(block) + 1),
            parse_options=pacsv.ParseOptions(
                delimiter=parse.delimiter,
                quote_char=parse.quote_char,
                double_quote=parse.double_quote,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise _arrow_error(exc, name) from None
    return _Parsed(table, invalid)


def _lines_of(table: _Parsed | None) -> int:
    """The lines the block's table was parsed from: its rows and its lines with the wrong
    number of cells."""
    return table.num_rows + len(table.invalid) if table is not None else 0


def _hand_over(aside: list[BadLine], numbers: Sequence[int], seq: int, bad: list[BadLine]) -> None:
    """Move the block's lines set aside to ``bad``, in row order, each told how many records
    precede it (``seq`` before the block, and the block's own rows ``numbers`` before it)."""
    aside.sort(key=lambda b: b.row)
    for line in aside:
        line.before = seq + bisect.bisect_left(numbers, line.row)
    bad.extend(aside)
    aside.clear()
