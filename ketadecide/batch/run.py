"""Running a batch: input stream -> DuckDB (validation + compiled rules) -> output files.

One pass over the input, in bounded memory: the reader hands Arrow batches to DuckDB,
DuckDB streams result batches back, and each is written out at once. Reading, querying
and writing each run a step ahead on a thread of their own (bounded queues); decoding,
the fallback below and the summary run on the caller's thread. Rows the SQL
flags are re-decided by the Python reference, which writes the error message or, when
it accepts the row, evaluates it with the reference engine. Output and errors files are
written to temporary files and renamed into place only when the run completes (the
errors file first, so an output file under its final name always has its errors file).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ketadecide.batch.compile import (
    INDICATIONS,
    MAX_MASK_RULES,
    quote_ident,
    rule_bits,
    rules_key_query,
    rules_query,
)
from ketadecide.batch.decode import STATUSES, FindingsDecoder, indication_array, status_array
from ketadecide.batch.io import Input, drop_before, format_of, open_input, prefetched, take_raw
from ketadecide.batch.reference import (
    Verdict,
    check_cells,
    check_json_line,
    output_columns,
    output_row,
    ragged_id,
    ragged_problem,
)
from ketadecide.batch.validate_sql import json_query, tabular_query
from ketadecide.engine.evaluate import evaluate
from ketadecide.errors import InputError, Problem, ResourceError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.outputs import NamedStream, check_paths, open_output
from ketadecide.profile import MODALITY_IDS

#: Rows per result batch handed back by DuckDB.
RESULT_BATCH_ROWS = 131072
ERROR_COLUMNS = ("row", "id", "field", "error")
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


#: Longest id copied into the errors file (the contract allows ids of up to 200 characters).
MAX_ECHOED_ID = 200


@dataclass
class Summary:
    """What a run did: counts per modality, overall and by payer (CONTRACT §5 summary)."""

    input: str
    output: str
    errors_file: str | None
    rows_in: int = 0
    rows_out: int = 0
    error_rows: int = 0
    decided_in_python: int = 0
    """Valid rows the SQL was unsure of, evaluated by the reference engine instead."""
    crisis: Counter[str] = field(default_factory=Counter)
    """Crisis count by payer."""
    rows_by_payer: Counter[str] = field(default_factory=Counter)
    status: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: {m: defaultdict(Counter) for m in MODALITY_IDS}
    )
    """modality -> payer -> status -> count."""
    indication: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: {m: defaultdict(Counter) for m in MODALITY_IDS}
    )
    """modality -> payer -> indication status -> count."""
    findings: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: {m: defaultdict(Counter) for m in MODALITY_IDS}
    )
    """modality -> payer -> finding id -> count."""

    @property
    def accounted(self) -> bool:
        return self.rows_in == self.rows_out + self.error_rows

    def _block(self, payers: list[str]) -> dict[str, Any]:
        modalities = {}
        for m in MODALITY_IDS:
            status: Counter[str] = Counter()
            indication: Counter[str] = Counter()
            found: Counter[str] = Counter()
            for p in payers:
                status.update(self.status[m].get(p, Counter()))
                indication.update(self.indication[m].get(p, Counter()))
                found.update(self.findings[m].get(p, Counter()))
            block: dict[str, Any] = {s: status.get(s, 0) for s in STATUSES}
            modalities[m] = {
                **block,
                "indication": {i: indication.get(i, 0) for i in INDICATIONS},
                "findings": dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))),
            }
        return {
            "rows": sum(self.rows_by_payer[p] for p in payers),
            "crisis": sum(self.crisis[p] for p in payers),
            "modalities": modalities,
        }

    def to_dict(self) -> dict[str, Any]:
        payers = sorted(self.rows_by_payer)
        return {
            "input": self.input,
            "output": self.output,
            "errors_file": self.errors_file,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "error_rows": self.error_rows,
            "accounted_for": self.accounted,
            "decided_in_python": self.decided_in_python,
            "overall": self._block(payers),
            "by_payer": {p: self._block([p]) for p in payers},
        }


class _Tally:
    """Summary counting from the rule mask: one group-by per batch, decoded per combination."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.bits = rule_bits(kb)
        rules: dict[str, dict[str, Any]] = {
            "condition": kb.conditions,
            "medication": kb.medications,
            "screen": kb.screens,
        }
        self.by_modality = {
            m: [(1 << i, ident) for i, (kind, ident) in enumerate(self.bits) if m in rules[kind][ident].severity]
            for m in MODALITY_IDS
        }
        self.index = {key: i for i, key in enumerate(self.bits)}

    def mask_of(self, result: Any) -> int:
        mask = 0
        for mod in result.modalities:
            for f in mod.findings:
                mask |= 1 << self.index[(f.kind, f.id)]
        return mask

    def update(self, summary: Summary, table: Any, masks: Any) -> None:
        """Count one result table: a few vectorised group-bys by payer (one per modality's
        status, one summing every rule's bit), whatever the number of rows."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if table.num_rows == 0:
            return
        summary.rows_out += table.num_rows
        ins = table.column("insurance")
        bits = {
            f"__b{i}": pc.cast(pc.not_equal(pc.bit_wise_and(masks, 1 << i), 0), pa.int64())
            for i in range(len(self.bits))
        }
        crisis = pc.cast(table.column("crisis"), pa.int64())
        counts = pa.table({"insurance": ins, "__crisis": crisis, **bits})
        aggs = [("__crisis", "sum"), *((b, "sum") for b in bits), ([], "count_all")]
        for row in counts.group_by(["insurance"]).aggregate(aggs).to_pylist():
            payer = row["insurance"]
            summary.rows_by_payer[payer] += row["count_all"]
            summary.crisis[payer] += row["__crisis_sum"]
            for m in MODALITY_IDS:
                found = summary.findings[m][payer]
                for bit, ident in self.by_modality[m]:
                    n = row[f"__b{bit.bit_length() - 1}_sum"]
                    if n:
                        found[ident] += n
        _count_statuses(summary, table)


def _count_statuses(summary: Summary, table: Any) -> None:
    """Status and indication counts by payer: one group-by per modality."""
    for m in MODALITY_IDS:
        col, ind = f"{m}_status", f"{m}_indication"
        grouped = table.select(["insurance", col, ind]).group_by(["insurance", col, ind])
        for row in grouped.aggregate([([], "count_all")]).to_pylist():
            summary.status[m][row["insurance"]][row[col]] += row["count_all"]
            summary.indication[m][row["insurance"]][row[ind]] += row["count_all"]


def _update_summary(summary: Summary, table: Any) -> None:
    """Summary counting from the findings text (when the rules do not fit one mask)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return
    summary.rows_out += table.num_rows
    ins = table.column("insurance")
    for row in table.group_by(["insurance"]).aggregate([("crisis", "sum"), ([], "count_all")]).to_pylist():
        summary.rows_by_payer[row["insurance"]] += row["count_all"]
        summary.crisis[row["insurance"]] += row["crisis_sum"] or 0
    _count_statuses(summary, table)
    for m in MODALITY_IDS:
        lists = pc.split_pattern(table.column(f"{m}_findings"), ";")
        flat = pc.list_flatten(lists)
        if len(flat) == 0:
            continue
        parents = pc.list_parent_indices(lists)
        found = pa.table({"insurance": ins.take(parents), "finding": flat})
        found = found.filter(pc.not_equal(found.column("finding"), ""))
        for row in found.group_by(["insurance", "finding"]).aggregate([([], "count_all")]).to_pylist():
            summary.findings[m][row["insurance"]][row["finding"]] += row["count_all"]


class _ErrorsWriter:
    def __init__(self, fh: IO[str], jsonl: bool) -> None:
        self._fh = fh
        self._jsonl = jsonl
        self._csv = None if jsonl else csv.writer(fh, lineterminator="\n")
        if self._csv is not None:
            self._csv.writerow(ERROR_COLUMNS)

    def write(self, row: int, row_id: str | None, problem: Problem) -> None:
        # An id is echoed to help find the row, not to copy a hostile cell: a 3 MB "id"
        # (or an unterminated quote that swallowed the file) is cut to what identifies it.
        shown = row_id if row_id is None or len(row_id) <= MAX_ECHOED_ID else row_id[:MAX_ECHOED_ID] + "…"
        values = (row, shown or "", problem.field or "", problem.message)
        if self._csv is not None:
            self._csv.writerow([row, *(inert_cell(v) for v in values[1:])])
        else:
            self._fh.write(json.dumps(dict(zip(ERROR_COLUMNS, values, strict=True)), ensure_ascii=False) + "\n")


class _Output:
    """Writes result tables in the chosen format to a binary stream."""

    def __init__(self, fh: IO[bytes], fmt: str, schema: Any) -> None:
        self.fmt = fmt
        self._fh = fh
        self._writer: Any = None
        self._schema = schema
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

    def write(self, table: Any, json_lines: list[str] | None) -> None:
        if self.fmt == "jsonl":
            if json_lines:
                self._fh.write(("\n".join(json_lines) + "\n").encode("utf-8"))
            return
        if table.num_rows:
            self._writer.write_table(inert_ids(table) if self.fmt == "csv" else table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class _Background:
    """Runs an :class:`_Output`'s writes on a second thread, so that encoding and
    compressing one batch overlaps the query of the next (pyarrow releases the GIL while
    it encodes). At most two batches wait, so memory stays bounded; a write's error is
    raised in the caller's thread at its next write or at close."""

    def __init__(self, output: _Output) -> None:
        import queue
        import threading

        self._out = output
        self._queue: queue.Queue[tuple[Any, list[str] | None] | None] = queue.Queue(maxsize=2)
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

    def write(self, table: Any, json_lines: list[str] | None) -> None:
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


def output_schema(*, dictionary: bool = False) -> Any:
    """The output columns. With ``dictionary``, status, indication, findings and missing are
    dictionary arrays (as :class:`FindingsDecoder` makes them); the files hold plain text
    either way."""
    import pyarrow as pa

    status = pa.dictionary(pa.int8(), pa.string()) if dictionary else pa.string()
    findings = pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string()
    fields = [pa.field("id", pa.string()), pa.field("crisis", pa.bool_()), pa.field("missing", findings)]
    for m in MODALITY_IDS:
        fields += [
            pa.field(f"{m}_status", status),
            pa.field(f"{m}_indication", status),
            pa.field(f"{m}_findings", findings),
            pa.field(f"{m}_likely_covered", pa.bool_()),
        ]
    fields += [pa.field("row", pa.int64()), pa.field("insurance", pa.string())]
    return pa.schema(fields)


def key_mode(kb: KnowledgeBase, out_fmt: str) -> bool:
    """Whether status and findings come from :class:`FindingsDecoder` (the fast path) rather
    than from SQL: for Parquet and CSV output (JSON lines are built in SQL), when the rules
    fit one bit mask."""
    return out_fmt != "jsonl" and len(rule_bits(kb)) <= MAX_MASK_RULES


def batch_sql(inp: Input, kb: KnowledgeBase, *, out_fmt: str, source: str = "__input") -> str:
    """The whole per-run query: validation, then the compiled rules, in input order."""
    if inp.fmt == "jsonl":
        validation = json_query(kb, source)
    else:
        validation, _ = tabular_query(inp.columns, kb, source)
    passthrough = ["__row", "__seq", "__flag"]
    if key_mode(kb, out_fmt):
        query = rules_key_query(kb, f"({validation})", passthrough=passthrough)
        return f"SELECT * EXCLUDE (__row), __row AS row FROM ({query})"
    mask = len(rule_bits(kb)) <= MAX_MASK_RULES
    query = rules_query(kb, f"({validation})", passthrough=passthrough, fired_mask=mask)
    cols = [c for c in output_columns() if c != "row"]
    select = ", ".join(quote_ident(c) for c in cols)
    extra = ""
    if out_fmt == "jsonl":
        pack = ", ".join(f"{quote_ident(c)} := {'__row' if c == 'row' else quote_ident(c)}" for c in output_columns())
        extra = f", to_json(struct_pack({pack})) AS __json"
    if mask:
        extra += ", __fired"
    return f"SELECT {select}, __row AS row, __seq, __flag{extra} FROM ({query})"


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _decide(inp: Input, cells: Any, kb: KnowledgeBase, row: int) -> Verdict:
    if inp.fmt == "jsonl":
        return check_json_line(cells["line"], kb, row=row)
    text_fields = {name for name, kind in inp.columns.items() if kind == "text"}
    return check_cells(cells, kb, row=row, text_fields=text_fields)


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
    stdout: IO[bytes] | None = None,
    errors_stream: IO[str] | None = None,
    threads: int | None = None,
    opened: Input | None = None,
) -> Summary:
    """Run ``batch`` end to end and return its summary. Raises :class:`InputError` when the
    input itself cannot be read (then nothing is written under the final names)."""
    if output in (None, "-"):
        out_fmt = (output_format or "csv").lower()
    else:
        out_fmt = format_of(output, output_format, what="output")
    errors_path = errors or default_errors_path(output, input_location)
    check_paths(
        [input_location] if opened is None else [],
        {"output": output, "errors": errors_path if errors_stream is None else None},
        stdout=stdout is None and output in (None, "-"),
    )
    inp = opened or open_input(input_location, input_format, progress=progress is not None)
    summary = Summary(
        input=inp.name,
        output=output if output not in (None, "-") else "<stdout>",
        errors_file=None if errors_stream is not None else errors_path,
    )
    try:
        with contextlib.ExitStack() as stack:
            if output in (None, "-"):
                out_fh: IO[bytes] = stdout if stdout is not None else NamedStream(sys.stdout.buffer, "standard output")  # type: ignore[assignment]
            else:
                out_fh = stack.enter_context(open_output(str(output), binary=True))
            if errors_stream is not None:
                err_fh: Any = errors_stream
            else:
                err_fh = stack.enter_context(open_output(errors_path))
            errors_jsonl = errors_stream is None and errors_path.lower().endswith(".jsonl")
            _execute(
                inp,
                kb=kb,
                out_fmt=out_fmt,
                out_fh=out_fh,
                err_fh=err_fh,
                errors_jsonl=errors_jsonl,
                summary=summary,
                progress=progress,
                threads=threads,
            )
    finally:
        if inp.close is not None:
            inp.close()
    return summary


def _execute(
    inp: Input,
    *,
    kb: KnowledgeBase,
    out_fmt: str,
    out_fh: IO[bytes],
    err_fh: Any,
    errors_jsonl: bool,
    summary: Summary,
    progress: Callable[[int, int | None], None] | None,
    threads: int | None,
) -> None:
    import duckdb
    import pyarrow.compute as pc

    schema = output_schema(dictionary=key_mode(kb, out_fmt))
    errors = _ErrorsWriter(err_fh, errors_jsonl)
    # DuckDB threads: one per core, up to 4 (its batches may come back out of order;
    # `_in_order` puts them back).
    n_threads = threads or min(4, os.cpu_count() or 1)
    config: dict[str, Any] = {
        "memory_limit": f"{memory_limit_mb(n_threads)}MB",
        "preserve_insertion_order": True,
        "threads": n_threads,
        # Never spill to disk: DuckDB's default is a `.tmp` folder in the working directory,
        # which a killed run would leave behind, full of patients' rows.
        "temp_directory": "",
    }
    con = duckdb.connect(":memory:", config=config)
    tally = _Tally(kb) if len(rule_bits(kb)) <= MAX_MASK_RULES else None
    chunks: Generator[Any, None, None] | None = None
    writer: _Background | None = None
    try:
        con.execute("SET enable_progress_bar = false")
        # Started inside the `try`, so that whatever fails after it also stops it.
        writer = _Background(_Output(out_fh, out_fmt, schema))
        sql = batch_sql(inp, kb, out_fmt=out_fmt)
        decoder = FindingsDecoder(kb) if key_mode(kb, out_fmt) else None
        ragged_done = 0
        last_row = 0
        # The query runs a step ahead, on its own thread, while this one decodes and writes.
        results = _chunked_results(con, sql, inp)
        if inp.read_ahead:
            results = prefetched(results, depth=2, name="ketadecide-query")
        chunks = results  # closed in `finally`, also when the run is interrupted
        for ordered in results:
            table = ordered if decoder is None else decoder.expand(ordered)
            rows_col = table.column("row")
            first_row = rows_col[0].as_py()
            last_row = rows_col[-1].as_py()
            flag = table.column("__flag")
            error_lines: list[tuple[int, str | None, Problem]] = []
            json_lines = table.column("__json").to_pylist() if out_fmt == "jsonl" else None
            if pc.any(flag).as_py():
                table, json_lines = _fallback(
                    inp,
                    kb=kb,
                    table=table,
                    json_lines=json_lines,
                    error_lines=error_lines,
                    summary=summary,
                    tally=tally,
                )
            # Lines that could not be split into cells, up to this batch's last row.
            while ragged_done < len(inp.bad_lines) and inp.bad_lines[ragged_done].row <= last_row:
                _ragged(inp, inp.bad_lines[ragged_done], error_lines)
                ragged_done += 1
            _write_errors(errors, error_lines, summary)
            out = table.select(schema.names).cast(schema)
            writer.write(out, json_lines)
            if tally is not None:
                tally.update(summary, out, table.column("__fired"))
            else:
                _update_summary(summary, out)
            drop_before(inp.stash, first_row)
            if inp.release_bad_lines and ragged_done:
                del inp.bad_lines[:ragged_done]  # written; the reader appends only later rows
                ragged_done = 0
            summary.rows_in = summary.rows_out + summary.error_rows
            if progress is not None:
                progress(summary.rows_in, inp.total_rows)
        rest: list[tuple[int, str | None, Problem]] = []
        inp.bad_lines.sort(key=lambda b: b.row)
        for bad in inp.bad_lines[ragged_done:]:
            _ragged(inp, bad, rest)
        _write_errors(errors, rest, summary)
        summary.rows_in = summary.rows_out + summary.error_rows
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()  # the temporary file is removed by open_output
        raise
    finally:
        if chunks is not None:
            chunks.close()  # release the chunk's DuckDB view before the connection goes
        con.close()


def memory_limit_mb(threads: int) -> int:
    """DuckDB's memory limit for a run: each thread works on its own part of a chunk (the
    JSON functions most of all), so the limit grows with the threads."""
    return max(512, 192 * threads)


#: Input rows handed to DuckDB per query. Each chunk is queried and written before the next
#: is read, so memory is bounded by the chunk, not the file: DuckDB, given the whole
#: stream, read far ahead of the results it returned and peak memory grew with N.
CHUNK_ROWS = 100_000


def _chunked_results(con: Any, sql: str, inp: Input) -> Generator[Any, None, None]:
    """The rules query's results, in input order, one bounded chunk of input at a time."""
    import duckdb
    import pyarrow as pa

    next_seq = 0
    pending: list[Any] = []
    rows = 0

    def run(batches: list[Any]) -> Iterator[Any]:
        nonlocal next_seq
        con.register("__input", pa.Table.from_batches(batches, schema=inp.schema))
        results = None
        try:
            results = con.sql(sql).to_arrow_reader(RESULT_BATCH_ROWS)
            for table in _in_order(_batches(results, inp.name), start=next_seq):
                next_seq += table.num_rows
                yield table
        except duckdb.OutOfMemoryException as exc:
            _raise_if_out_of_memory(str(exc))
            raise
        finally:
            # The open result must go before the view (also when the run is interrupted).
            if results is not None:
                results.close()
            con.unregister("__input")

    for batch in prefetched(inp.batches) if inp.read_ahead else inp.batches:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= CHUNK_ROWS:
            yield from run(pending)
            pending, rows = [], 0
    if pending:
        yield from run(pending)


def _in_order(batches: Iterator[Any], *, start: int = 0) -> Iterator[Any]:
    """Result tables in input order, as soon as they are complete.

    DuckDB runs the query on several threads, each taking whole input batches, so result
    rows arrive in runs that may be out of order. ``__seq`` numbers the records 0, 1, 2, ...
    with no gaps: a table is released once every record before it has arrived. Only the
    out-of-order window (about one input batch per thread) is ever held back.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pending: list[Any] = []
    held = 0
    next_seq = start
    for batch in batches:
        pending.append(pa.Table.from_batches([batch]))
        held += batch.num_rows
        table = pa.concat_tables(pending).sort_by("__seq") if len(pending) > 1 else pending[0]
        if len(pending) == 1:
            table = table.sort_by("__seq")
        seq = table.column("__seq")
        # Sorted and unique, so the first k rows are complete iff seq[k-1] == next_seq + k - 1.
        expected = pa.array(range(next_seq, next_seq + table.num_rows), pa.int64())
        matches = pc.equal(seq, expected)
        k = table.num_rows if pc.all(matches).as_py() else pc.index(matches, False).as_py()
        if k:
            yield table.slice(0, k)
            next_seq += k
        rest = table.slice(k)
        pending = [rest] if rest.num_rows else []
        held = rest.num_rows
    if held:  # pragma: no cover - every record reaches the result exactly once
        raise RuntimeError("result rows missing from the query output")


def _batches(results: Any, name: str) -> Iterator[Any]:
    import duckdb
    import pyarrow as pa

    while True:
        try:
            batch = results.read_next_batch()
        except StopIteration:
            return
        except duckdb.Error as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, InputError):
                raise cause from None
            text = str(exc)
            if "InputError" in text or "cannot be read" in text or "UTF-8" in text:
                raise InputError(Problem(f"cannot be read ({text.splitlines()[0]})", name)) from None
            _raise_if_out_of_memory(text)
            raise
        except (OSError, pa.ArrowException) as exc:
            # DuckDB's Arrow stream reports its own failures as pyarrow errors; left as
            # OSError they would read as a failure to write the output file.
            _raise_if_out_of_memory(str(exc))
            raise RuntimeError(f"the rules query failed ({type(exc).__name__})") from exc
        if batch.num_rows:
            yield batch


def _raise_if_out_of_memory(text: str) -> None:
    if "out of memory" in text.lower():
        raise ResourceError(
            "the rules query ran out of memory (DuckDB's limit for this run); nothing was written. "
            "Free some memory and run it again"
        ) from None


def _ragged(inp: Input, bad: Any, out: list[tuple[int, str | None, Problem]]) -> None:
    if bad.problems:
        row_id = ragged_id(bad.text, inp.header) if inp.fmt == "csv" and bad.text else None
        out.extend((bad.row, row_id, p) for p in bad.problems)
    elif inp.fmt == "jsonl":
        problem = Problem("not a valid JSON object on one line", row=bad.row)
        out.append((bad.row, None, problem))
    else:
        out.append(
            (
                bad.row,
                ragged_id(bad.text, inp.header),
                ragged_problem(bad.text, bad.expected, bad.actual, bad.row),
            )
        )


def _write_errors(errors: _ErrorsWriter, lines: list[tuple[int, str | None, Problem]], summary: Summary) -> None:
    lines.sort(key=lambda x: x[0])
    rows = set()
    for row, row_id, problem in lines:
        errors.write(row, row_id, problem)
        rows.add(row)
    summary.error_rows += len(rows)


def _fallback(
    inp: Input,
    *,
    kb: KnowledgeBase,
    table: Any,
    json_lines: list[str] | None,
    error_lines: list[tuple[int, str | None, Problem]],
    summary: Summary,
    tally: _Tally | None,
) -> tuple[Any, list[str] | None]:
    """Re-decide the flagged rows of ``table`` with the reference; merge accepted ones back."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flag = table.column("__flag")
    flagged_rows = table.filter(flag).column("row").to_pylist()
    raw = take_raw(inp.stash, flagged_rows)
    accepted: list[dict[str, Any]] = []
    for row in flagged_rows:
        verdict = _decide(inp, raw[row], kb, row)
        if verdict.profile is not None:
            result = evaluate(verdict.profile, kb, handout=False)
            record = output_row(result, verdict.profile, row)
            record["__flag"] = False
            if tally is not None:
                record["__fired"] = tally.mask_of(result)
            accepted.append(record)
            continue
        for problem in verdict.problems:
            error_lines.append((row, verdict.row_id, problem))
    summary.decided_in_python += len(accepted)
    keep = pc.invert(flag)
    good = table.filter(keep)
    good_json = None
    if json_lines is not None:
        good_json = [line for line, bad in zip(json_lines, flag.to_pylist(), strict=True) if not bad]
        good = good.drop_columns(["__json"])
    if not accepted:
        return good, good_json
    extra = pa.Table.from_pylist(accepted, schema=good.schema)
    for m in MODALITY_IDS:
        for col, values, build in (
            (f"{m}_status", STATUSES, status_array),
            (f"{m}_indication", INDICATIONS, indication_array),
        ):
            if pa.types.is_dictionary(good.schema.field(col).type):
                # The shared dictionary, so that the merged table can still be grouped.
                codes = [values.index(r[col]) for r in accepted]
                extra = extra.set_column(extra.schema.get_field_index(col), good.schema.field(col), build(codes))
    merged = pa.concat_tables([good, extra]).sort_by("row")
    if good_json is None:
        return merged, None
    by_row = dict(zip(good.column("row").to_pylist(), good_json, strict=True))
    names = output_columns()
    by_row.update((r["row"], _json_line({k: r[k] for k in names})) for r in accepted)
    return merged, [by_row[r] for r in merged.column("row").to_pylist()]


__all__ = ["Summary", "batch_sql", "default_errors_path", "output_schema", "run_batch"]
