"""Writing a batch run to files: results (CSV, JSONL, Parquet) and the errors file.

The writers any engine's file run uses: :class:`ResultWriter` encodes result chunks (on a
thread of its own through :class:`BackgroundWriter`), :class:`ErrorsWriter` writes the
errors file (CONTRACT §5). The DuckDB engine's run is
:func:`ketadecide.batch.duckdb.run.run_batch`.
"""

from __future__ import annotations

import contextlib
import csv
import json
from typing import IO, Any

from ketadecide.batch.row_checks import RowError

ERROR_COLUMNS = ("row", "id", "field", "error")
#: First characters a spreadsheet runs as a formula (OWASP "CSV injection"): a CSV cell of
#: ours that starts with one is written with a leading apostrophe, which shows it as text.
FORMULA_START = "=+-@\t\r"
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def inert_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs: prefixed with ``'`` if it starts like a formula."""
    return "'" + text if text[:1] in FORMULA_START and text else text


def inert_ids(table: Any) -> Any:
    """``table`` with each ``id``, and each cell of a ``--keep`` column (the text columns
    before ``crisis``), that starts like a formula prefixed with ``'`` (CSV output)."""
    import pyarrow.compute as pc

    for i in range(table.schema.get_field_index("crisis")):
        cells = table.column(i)
        risky = pc.match_substring_regex(cells, _FORMULA_PATTERN)
        if pc.any(risky).as_py():
            fixed = pc.if_else(risky, pc.binary_join_element_wise("'", cells, ""), cells)
            table = table.set_column(i, table.schema.field(i), fixed)
    return table


class ErrorsWriter:
    """The errors file: CSV with the header ``row,id,field,error``, or JSON lines."""

    def __init__(self, fh: IO[str], jsonl: bool, *, header: bool = True) -> None:
        self._fh = fh
        self._csv = None if jsonl else csv.writer(fh, lineterminator="\n")
        if self._csv is not None and header:
            self._csv.writerow(ERROR_COLUMNS)

    def write(self, error: RowError) -> None:
        row_id, field = error.id or "", error.field or ""
        if self._csv is not None:
            # Spelled out: a batch with many bad rows writes this line per problem.
            self._csv.writerow((error.row, inert_cell(row_id), inert_cell(field), inert_cell(error.error)))
        else:
            values = (error.row, row_id, field, error.error)
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


__all__ = ["BackgroundWriter", "ErrorsWriter", "ResultWriter", "default_errors_path", "inert_cell"]
