"""Writing a batch run to files: results (CSV, JSONL, Parquet) and the errors file.

:func:`run_batch` is ``ketadecide batch``: it opens the input, consumes the one result
stream (:func:`ketadecide.batch.stream.stream_results`) and writes each chunk at once,
encoding on a thread of its own (:class:`BackgroundWriter`). Output and errors files are
written to temporary files and renamed into place only when the run completes (the errors
file first, so an output file under its final name always has its errors file).
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Callable
from typing import IO, Any

from ketadecide.batch.readers import Input, format_of, open_input
from ketadecide.batch.row_checks import RowError
from ketadecide.batch.stream import ResultChunk, stream_results
from ketadecide.batch.summary import Summary, SummaryCounter
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.outputs import NamedStream, check_paths, open_output

ERROR_COLUMNS = ("row", "id", "field", "error")
#: Python's thread switch interval during a run (seconds; see :func:`run_batch`).
SWITCH_INTERVAL = 0.001
#: First characters a spreadsheet runs as a formula (OWASP "CSV injection"): a CSV cell of
#: ours that starts with one is written with a leading apostrophe, which shows it as text.
FORMULA_START = "=+-@\t\r"
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def inert_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: prefixed with ``'`` if it starts like a formula."""
    return "'" + text if text[:1] in FORMULA_START and text else text


def inert_ids(table: Any) -> Any:
    """``table`` with each ``id`` that starts like a formula prefixed with ``'`` (CSV output)."""
    import pyarrow.compute as pc

    i = table.schema.get_field_index("id")
    ids = table.column(i)
    risky = pc.match_substring_regex(ids, _FORMULA_PATTERN)
    if not pc.any(risky).as_py():
        return table
    fixed = pc.if_else(risky, pc.binary_join_element_wise("'", ids, ""), ids)
    return table.set_column(i, table.schema.field(i), fixed)


class ErrorsWriter:
    """The errors file: CSV with the header ``row,id,field,error``, or JSON lines."""

    def __init__(self, fh: IO[str], jsonl: bool) -> None:
        self._fh = fh
        self._csv = None if jsonl else csv.writer(fh, lineterminator="\n")
        if self._csv is not None:
            self._csv.writerow(ERROR_COLUMNS)

    def write(self, error: RowError) -> None:
        values = (error.row, error.id or "", error.field or "", error.error)
        if self._csv is not None:
            self._csv.writerow([error.row, *(inert_cell(v) for v in values[1:])])
        else:
            self._fh.write(json.dumps(dict(zip(ERROR_COLUMNS, values, strict=True)), ensure_ascii=False) + "\n")


class ResultWriter:
    """Writes result tables in the chosen format to a binary stream."""

    def __init__(self, fh: IO[bytes], fmt: str, schema: Any) -> None:
        self.fmt = fmt
        self._fh = fh
        self._writer: Any = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            # No Arrow schema in the file: readers see plain text columns, not the
            # dictionary types this writer is fed.
            self._writer = pq.ParquetWriter(fh, schema, compression="snappy", store_schema=False)
        elif fmt == "csv":
            import pyarrow.csv as pacsv

            self._writer = pacsv.CSVWriter(
                fh,
                schema,
                write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"),
            )

    def write(self, table: Any, json_lines: tuple[str, ...] | None) -> None:
        if self.fmt == "jsonl":
            if json_lines:
                self._fh.write(("\n".join(json_lines) + "\n").encode("utf-8"))
            return
        if table.num_rows:
            self._writer.write_table(inert_ids(table) if self.fmt == "csv" else table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class BackgroundWriter:
    """Runs a :class:`ResultWriter`'s writes on a second thread, so that encoding and
    compressing one batch overlaps the query of the next (pyarrow releases the GIL while
    it encodes). At most two batches wait, so memory stays bounded; a write's error is
    raised in the caller's thread at its next write or at close."""

    def __init__(self, output: ResultWriter) -> None:
        import queue
        import threading

        self._out = output
        self._queue: queue.Queue[tuple[Any, tuple[str, ...] | None] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._aborted = False
        self._thread = threading.Thread(target=self._work, name="ketadecide-writer", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None and not self._aborted:  # else drain without writing
                try:
                    self._out.write(*item)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def write(self, table: Any, json_lines: tuple[str, ...] | None) -> None:
        self._raise()
        self._queue.put((table, json_lines))

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def close(self) -> None:
        """Finish every write, then close the output."""
        self._stop()
        self._raise()
        self._out.close()

    def abort(self) -> None:
        """Stop after the write under way (the run failed; the file will be discarded)."""
        self._aborted = True
        self._stop()
        with contextlib.suppress(Exception):
            self._out.close()


def default_errors_path(output: str | None, input_location: str) -> str:
    """CONTRACT §5: ``OUTPUT.errors.csv``; beside the input when the output is stdout."""
    if output and output != "-":
        return f"{output}.errors.csv"
    if input_location != "-":
        return f"{input_location.rstrip('/')}.errors.csv"
    return "batch.errors.csv"


def run_batch(
    input_location: str,
    output: str | None,
    kb: KnowledgeBase,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    errors: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    threads: int | None = None,
    opened: Input | None = None,
) -> Summary:
    """Run ``batch`` end to end, writing the output and errors files, and return its
    summary. Raises :class:`InputError` when the input itself cannot be read (then nothing
    is written under the final names)."""
    to_stdout = output in (None, "-")
    out_fmt = (output_format or "csv").lower() if to_stdout else format_of(str(output), output_format, what="output")
    errors_path = errors or default_errors_path(output, input_location)
    check_paths(
        [input_location] if opened is None else [],
        {"output": output, "errors": errors_path},
        stdout=to_stdout,
    )
    inp = opened or open_input(input_location, input_format, progress=progress is not None)
    counter = SummaryCounter(kb)
    # Five threads share the cores, and the decoding thread makes hundreds of short Arrow
    # calls per chunk, giving up the GIL for each: at Python's default 5 ms switch interval
    # it waits behind the pure-Python re-checks of flagged rows; 1 ms made whole runs about
    # 10% faster on 2 cores. The process's own setting is put back when the run ends.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
    try:
        with contextlib.ExitStack() as stack:
            if to_stdout:
                out_fh: IO[bytes] = NamedStream(sys.stdout.buffer, "standard output")  # type: ignore[assignment]
            else:
                out_fh = stack.enter_context(open_output(str(output), binary=True))
            err_fh = stack.enter_context(open_output(errors_path))
            _write_run(
                inp,
                kb,
                out_fmt=out_fmt,
                out_fh=out_fh,
                errors=ErrorsWriter(err_fh, errors_path.lower().endswith(".jsonl")),
                counter=counter,
                progress=progress,
                threads=threads,
            )
    finally:
        sys.setswitchinterval(switch)
        if inp.close is not None:
            inp.close()
    return counter.summary(input=inp.name, output="<stdout>" if to_stdout else str(output), errors_file=errors_path)


def _write_run(
    inp: Input,
    kb: KnowledgeBase,
    *,
    out_fmt: str,
    out_fh: IO[bytes],
    errors: ErrorsWriter,
    counter: SummaryCounter,
    progress: Callable[[int, int | None], None] | None,
    threads: int | None,
) -> None:
    from ketadecide.batch.columns import output_schema
    from ketadecide.batch.stream import key_mode

    json_lines = out_fmt == "jsonl"
    schema = output_schema(dictionary=key_mode(kb, json_lines=json_lines))
    writer: BackgroundWriter | None = None
    stream = None
    try:
        writer = BackgroundWriter(ResultWriter(out_fh, out_fmt, schema))
        stream = stream_results(inp, kb, json_lines=json_lines, threads=threads)
        for item in stream:
            if isinstance(item, RowError):
                errors.write(item)
                counter.add_error(item)
                continue
            writer.write(item.table, item.json_lines)
            counter.add_results(item.table, item.fired, item.decided_in_python)
            if progress is not None:
                progress(counter.rows_in, inp.total_rows)
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()  # the temporary file is removed by open_output
        raise
    finally:
        if stream is not None:
            stream.close()


__all__ = ["ErrorsWriter", "ResultChunk", "ResultWriter", "default_errors_path", "inert_cell", "run_batch"]
