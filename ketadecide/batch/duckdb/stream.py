"""The batch core: any :class:`~ketadecide.batch.io.readers.Input` in, a stream of result
chunks and row errors out. Both consumers read this one stream: the CLI's file writers
(:func:`ketadecide.batch.io.writers.run_batch`) and the Python API
(:func:`ketadecide.batch.api.evaluate_many`).

One pass over the input, in bounded memory: the reader hands Arrow batches to DuckDB (in
chunks of :data:`CHUNK_ROWS` rows), DuckDB runs validation plus the compiled rules and
streams result batches back, in input order. The query and the findings decoding each run
a step ahead on a thread of their own; the fallback runs on the consumer's thread. Rows the
SQL flags are re-decided by the Python reference (:mod:`ketadecide.batch.row_checks`), which
gives their row errors or, when it accepts the row, evaluates it with
:func:`ketadecide.engine.evaluate_modalities`.

**Where another engine plugs in.** :func:`stream_results` is the seam: a Spark (or any
other) engine is a second implementation of it, taking the same ``Input`` (or a DataFrame
of the contract's columns) and yielding the same :class:`ResultChunk` and
:class:`~ketadecide.batch.row_checks.RowError` items. It can run the same query --
:func:`batch_sql` is written once for DuckDB, and ``batch.emit.emit_sql`` translates the
rules query with sqlglot (``--dialect spark``) -- and hand its flagged rows to the same
Python row checks. Writers, the summary and the API then work unchanged; only
:func:`_connect` and :func:`_chunked_results` (DuckDB's connection, chunking and result
ordering) are DuckDB's own.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import os
import stat
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

from ketadecide.batch.duckdb.fast_errors import WANTS_RAW, CellProblems, LineProblems, recheck_all
from ketadecide.batch.duckdb.prefetch import prefetched
from ketadecide.batch.engines import ResultChunk
from ketadecide.batch.io.columns import kept_text as _as_text
from ketadecide.batch.io.columns import output_columns, output_row, output_schema
from ketadecide.batch.io.lines import BadLine
from ketadecide.batch.io.readers import Input, drop_before, take_raw
from ketadecide.batch.row_checks import RowError, bad_line_errors, check_row
from ketadecide.batch.sql.compile import (
    INDICATIONS,
    MAX_MASK_RULES,
    quote_ident,
    rule_bits,
    rules_key_query,
    rules_query,
)
from ketadecide.batch.sql.decode import STATUSES, FindingsDecoder, indication_array, status_array
from ketadecide.batch.sql.validate import json_query, list_text_columns, tabular_query
from ketadecide.engine.evaluate import evaluate_modalities
from ketadecide.errors import InputError, Problem, ResourceError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, PROFILE_FIELDS

#: Rows per result batch handed back by DuckDB.
RESULT_BATCH_ROWS = 131072
#: Input rows handed to DuckDB per query. Each chunk is queried and consumed before the next
#: is read, so memory is bounded by the chunk, not the file: DuckDB, given the whole
#: stream, read far ahead of the results it returned and peak memory grew with N.
CHUNK_ROWS = 100_000
#: Lines set aside (unusable, CSV/JSONL) that may wait for the next chunk of records: past
#: this many, the records read so far are queried at once, so that the lines' errors can be
#: written and the lines forgotten (a few good rows among millions of bad lines would
#: otherwise hold them all).
HELD_BAD_LINES = 65_536


class _Accounted:
    """In the results stream: every line the reader has read so far is either in a result
    chunk already handed on or set aside, so the set-aside lines' errors can be written."""


#: The one :class:`_Accounted` marker.
ACCOUNTED = _Accounted()


def memory_limit_mb(threads: int) -> int:
    """DuckDB's memory limit for a run: each thread works on its own part of a chunk (the
    JSON functions most of all), so the limit grows with the threads."""
    return max(512, 192 * threads)


def key_mode(kb: KnowledgeBase, *, json_lines: bool) -> bool:
    """Whether status and findings come from :class:`FindingsDecoder` (the fast path) rather
    than from SQL: unless JSON lines are wanted (they are built in SQL), when the rules fit
    one bit mask."""
    return not json_lines and len(rule_bits(kb)) <= MAX_MASK_RULES


def batch_sql(
    inp: Input, kb: KnowledgeBase, *, json_lines: bool, source: str = "__input", kept: Sequence[str] = ()
) -> str:
    """The whole per-run query: validation, then the compiled rules, in input order.
    ``kept`` (``--keep``) columns that are not profile fields are not validated."""
    columns = {k: v for k, v in inp.columns.items() if k in PROFILE_FIELDS or k not in kept}
    if inp.fmt == "jsonl":
        validation = json_query(kb, source, kept, bad_bits=True)
    else:
        validation, _ = tabular_query(columns, kb, source, bad_bits=True)
    # Which checks a flagged row failed: see fast_errors.
    bad = ["__bad", "__bad_cell"]
    passthrough = ["__row", "__seq", "__flag", *bad]
    if key_mode(kb, json_lines=json_lines):
        texts = list_text_columns(columns)
        query = rules_key_query(kb, f"({validation})", passthrough=passthrough, list_texts=texts)
        return f"SELECT * EXCLUDE (__row), __row AS row FROM ({query})"
    mask = len(rule_bits(kb)) <= MAX_MASK_RULES
    query = rules_query(kb, f"({validation})", passthrough=passthrough, fired_mask=mask)
    cols = [c for c in output_columns() if c != "row"]
    select = ", ".join(quote_ident(c) for c in cols)
    extra = ""
    if json_lines:
        pack = ", ".join(f"{quote_ident(c)} := {'__row' if c == 'row' else quote_ident(c)}" for c in output_columns())
        extra = f", to_json(struct_pack({pack})) AS __json"
    if mask:
        extra += ", __fired"
    extra += "".join(f", {c}" for c in bad)
    return f"SELECT {select}, __row AS row, __seq, __flag{extra} FROM ({query})"


def stream_results(
    inp: Input,
    kb: KnowledgeBase,
    *,
    json_lines: bool = False,
    dictionary: bool | None = None,
    threads: int | None = None,
    keep: Sequence[str] = (),
) -> Generator[ResultChunk | RowError, None, None]:
    """Evaluate every row of ``inp``: yields, in input order, each step's row errors (rows
    ascending, a row's problems together) and then its :class:`ResultChunk`.

    ``json_lines`` also gives each row as a JSON line. ``dictionary`` (default: whatever is
    cheapest) lets status, indication, findings and missing be dictionary arrays. Close the
    generator when done early: it holds a DuckDB connection. Raises :class:`InputError`
    when the input itself cannot be read, :class:`ResourceError` when memory runs out.
    ``keep`` (``--keep``) names input columns copied, as text, into each result row after ``id``.
    """
    fast = key_mode(kb, json_lines=json_lines)
    schema = output_schema(dictionary=fast if dictionary is None else dictionary and fast, keep=keep)
    sql = batch_sql(inp, kb, json_lines=json_lines, kept=keep)
    decoder = FindingsDecoder(kb) if fast else None
    masks = _Masks(kb) if len(rule_bits(kb)) <= MAX_MASK_RULES else None
    set_aside = _SetAside(inp)
    # Flagged rows whose one bad text cell gives their errors (None: re-check every row).
    cells: CellProblems | LineProblems | None = None
    if recheck_all():
        pass
    elif inp.fmt == "jsonl":
        cells = LineProblems(kb, keep)
    else:
        cells = CellProblems(kb, frozenset(k for k, kind in inp.columns.items() if kind == "text"))
    con = _connect(threads)
    # The query and the decoding each run a step ahead, on a thread of their own, while this
    # one re-decides flagged rows (Python) and counts: three stages of about equal cost.
    results = _chunked_results(con, sql, inp, connect=lambda: _connect(threads))
    if inp.read_ahead:
        results = prefetched(results, depth=1, name="ketadecide-query")
    if decoder is not None:
        results = _expanded(results, decoder)
        if inp.read_ahead:
            results = prefetched(results, depth=1, name="ketadecide-decode")
    try:
        for expanded in results:
            if expanded is ACCOUNTED:
                yield from set_aside.errors(last_row=None)
                continue
            table = expanded
            set_aside.decided += table.num_rows
            rows_col = table.column("row")
            first_row, last_row = rows_col[0].as_py(), rows_col[-1].as_py()
            errors: list[RowError] = []
            lines = table.column("__json").to_pylist() if json_lines else None
            decided = 0
            if keep:  # before the fallback: it forgets raw rows before the first flagged one
                table = with_kept(inp, table, keep)
            if inp.notes:
                table = _flag_noted(table, inp.notes)
            if _any(table.column("__flag")):
                table, lines, decided = _fallback(
                    inp, kb, table=table, json_lines=lines, errors=errors, masks=masks, keep=keep, cells=cells
                )
            if keep and lines is not None:
                lines = kept_in_lines(table, lines, keep)
            errors.sort(key=lambda e: e.row)
            # With the lines that could not be split into cells, up to this chunk's last row
            # (and past it, up to the next record): in row order, made as they are written.
            yield from heapq.merge(errors, set_aside.errors(last_row=last_row), key=lambda e: e.row)
            fired = table.column("__fired") if "__fired" in table.column_names else None
            out = table.select(schema.names).cast(schema)
            yield ResultChunk(out, fired, None if lines is None else tuple(lines), decided)
            drop_before(inp.stash, first_row)
        yield from set_aside.errors(last_row=None, rest=True)
    finally:
        try:
            results.close()  # release the chunk's DuckDB view before the connection goes
        finally:
            con.close()


def _expanded(results: Generator[Any, None, None], decoder: FindingsDecoder) -> Generator[Any, None, None]:
    try:
        for table in results:
            yield table if table is ACCOUNTED else decoder.expand(table)
    finally:
        results.close()  # the chunk's DuckDB view goes before the connection


def _any(column: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(column).as_py())


class _SetAside:
    """The errors of the input's lines set aside (``inp.bad_lines``), each written once every
    record before it is decided, and then forgotten when the reader allows it."""

    def __init__(self, inp: Input) -> None:
        self.inp = inp
        self.decided = 0
        """Records decided so far (the query gives one result row per record, in order)."""
        self.done = 0
        """Lines of ``inp.bad_lines`` written (kept when the reader still needs them)."""

    def errors(self, *, last_row: int | None, rest: bool = False) -> Iterator[RowError]:
        """The errors of the lines that can be written now: those before ``last_row`` (the
        last record decided), those whose records before are all decided, or (``rest``) all."""
        inp = self.inp
        held = inp.bad_lines
        if rest:
            held.sort(key=lambda b: b.row)
        end = self.done
        # The reader only appends (in row order), so this scan and the slice stay valid.
        while end < len(held) and (rest or self._ready(held[end], last_row)):
            end += 1
        for i in range(self.done, end):
            yield from _bad_line_errors(inp, held[i])
        self.done = end
        if inp.release_bad_lines and end:
            del held[:end]  # written; the reader appends only later rows
            self.done = 0

    def _ready(self, line: BadLine, last_row: int | None) -> bool:
        if last_row is not None and line.row <= last_row:
            return True
        return line.before is not None and line.before <= self.decided


def _bad_line_errors(inp: Input, bad: Any) -> list[RowError]:
    return bad_line_errors(
        inp.fmt,
        inp.header,
        row=bad.row,
        text=bad.text,
        expected=bad.expected,
        actual=bad.actual,
        problems=bad.reasons(),
    )


class _Masks:
    """The rule bit mask of one evaluated result (for rows decided in Python)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.index = {key: i for i, key in enumerate(rule_bits(kb))}

    def of(self, result: Any) -> int:
        mask = 0
        for mod in result.modalities:
            for f in mod.findings:
                mask |= 1 << self.index[(f.kind, f.id)]
        return mask


def default_threads() -> int:
    """DuckDB's threads per connection for a run when ``--threads`` is not given: half the
    cores, from 1 to 4 (a file is queried on two connections at once, see :class:`_Lanes`).

    The run keeps three other threads busy beside the query (reading the input, decoding the
    findings, re-deciding flagged rows and writing), so on two cores a second DuckDB thread
    competes with them: it added about 0.5 CPU-s per million rows of coordination (1M rows,
    10% bad, 5 interleaved pairs at load average 3.4: 9.18 → 8.64 CPU-s and 8.92 → 8.14 s
    median wall with one thread; on an idle machine the wall time is about the same, see
    docs/batch.md)."""
    return max(1, min(4, (os.cpu_count() or 1) // 2))


def _connect(threads: int | None) -> Any:
    """A DuckDB connection for one run (opened and closed on the consumer's thread)."""
    import duckdb

    # Its batches may come back out of order with more than one thread; `_in_order` puts
    # them back.
    n_threads = threads or default_threads()
    config: dict[str, Any] = {
        "memory_limit": f"{memory_limit_mb(n_threads)}MB",
        "preserve_insertion_order": True,
        "threads": n_threads,
        # Never spill to disk: DuckDB's default is a `.tmp` folder in the working directory,
        # which a killed run would leave behind, full of patients' rows.
        "temp_directory": "",
    }
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET enable_progress_bar = false")
    except BaseException:
        con.close()
        raise
    return con


def _chunked_results(
    con: Any, sql: str, inp: Input, connect: Callable[[], Any] | None = None
) -> Generator[Any, None, None]:
    """The rules query's results, in input order, one bounded chunk of input at a time.

    With ``connect`` (a second connection, made when first needed) and a regular file read
    ahead, two chunks are queried at once, each on its own connection (see :class:`_Lanes`).
    Not for a stream: a chunk's results would wait for the next chunk to be read."""
    lanes = _Lanes(con, sql, inp, connect if inp.read_ahead and _regular_file(inp.name) else None)
    pending: list[Any] = []
    rows = 0
    try:
        for batch in prefetched(inp.batches) if inp.read_ahead else inp.batches:
            if batch.num_rows:
                pending.append(batch)
                rows += batch.num_rows
            held = len(inp.bad_lines) if inp.release_bad_lines else 0
            if pending and held >= HELD_BAD_LINES:
                # The held lines go once this chunk's results are handed on: not later.
                yield from lanes.now(pending)
                pending, rows = [], 0
            elif rows >= CHUNK_ROWS:
                yield from lanes.ahead(pending)
                pending, rows = [], 0
            elif not batch.num_rows and not pending:
                # The reader set lines aside and every record before them is in a chunk
                # already yielded: their errors can be written now.
                yield from lanes.drain(0)
                yield ACCOUNTED
        if pending:
            yield from lanes.now(pending)
        yield from lanes.drain(0)
    finally:
        lanes.close()


def _regular_file(name: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(name).st_mode)
    except (OSError, ValueError):
        return False


class _Lanes:
    """Chunks queried on one connection, or on two at once, their results handed on in
    input order.

    On two connections with one DuckDB thread each, a chunk's parsing and planning (about
    40 ms) and its query overlap the other chunk's, with none of the coordination DuckDB's
    own threads need within one query: the 1M-row cohort's query alone took 1.72 s of wall
    time on two cores, against 2.0-2.1 s with two DuckDB threads on one connection and 3.2 s
    with one, at one thread's CPU. At most two chunks are in flight, one per connection.
    """

    def __init__(self, con: Any, sql: str, inp: Input, connect: Callable[[], Any] | None) -> None:
        import collections
        import concurrent.futures

        self._sql = sql
        self._inp = inp
        self._connect = connect
        # One relation per connection for the whole run, made at its first chunk (it binds
        # ``__input``, which must exist then): each read runs its query again over the chunk
        # registered under that name at the time. Making it anew per chunk had DuckDB's
        # Python layer scan the long query's text each time (about 30 ms of CPU per chunk,
        # holding the GIL).
        self._lanes: list[list[Any]] = [[con, None]]
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._inflight: collections.deque[concurrent.futures.Future[list[Any]]] = collections.deque()
        self._turn = 0
        self._next_seq = 0

    def _start(self, batches: list[Any]) -> int:
        start = self._next_seq
        self._next_seq += sum(b.num_rows for b in batches)
        return start

    def _run(self, lane: list[Any], batches: list[Any], start: int) -> Iterator[Any]:
        import duckdb
        import pyarrow as pa

        con = lane[0]
        con.register("__input", pa.Table.from_batches(batches, schema=self._inp.schema))
        results = None
        try:
            if lane[1] is None:
                lane[1] = con.sql(self._sql)
            results = lane[1].to_arrow_reader(RESULT_BATCH_ROWS)
            yield from _in_order(_batches(results, self._inp.name), start=start)
        except duckdb.OutOfMemoryException as exc:
            _raise_if_out_of_memory(str(exc))
            raise
        finally:
            # The open result must go before the view (also when the run is interrupted).
            if results is not None:
                results.close()
            con.unregister("__input")

    def now(self, batches: list[Any]) -> Iterator[Any]:
        """The chunk queried on this thread, once every earlier chunk's results are handed on."""
        yield from self.drain(0)
        yield from self._run(self._lanes[0], batches, self._start(batches))

    def ahead(self, batches: list[Any]) -> Iterator[Any]:
        """The chunk queried on the next free connection while the caller reads on (on this
        thread, as :meth:`now`, when there is one connection); the results of earlier chunks
        that are ready meanwhile are handed on."""
        import concurrent.futures

        if self._connect is None:
            yield from self.now(batches)
            return
        yield from self.drain(1)  # the other connection's chunk may still run; this one's is done
        if self._pool is None:
            self._lanes.append([self._connect(), None])
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="ketadecide-query")
        lane, start = self._lanes[self._turn], self._start(batches)
        self._turn = 1 - self._turn
        self._inflight.append(self._pool.submit(lambda: list(self._run(lane, batches, start))))
        while self._inflight and self._inflight[0].done():
            yield from self._inflight.popleft().result()

    def drain(self, keep: int) -> Iterator[Any]:
        """The results of the oldest chunks in flight, until at most ``keep`` are."""
        while len(self._inflight) > keep:
            yield from self._inflight.popleft().result()

    def close(self) -> None:
        """Stops a query still running (an error, Ctrl-C) and closes the second connection;
        the first is the caller's."""
        if self._pool is None:
            return
        if self._inflight:
            for con, _ in self._lanes:
                with contextlib.suppress(Exception):
                    con.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for con, _ in self._lanes[1:]:
            con.close()


def _in_order(batches: Iterator[Any], *, start: int = 0) -> Iterator[Any]:
    """Result tables in input order, as soon as they are complete.

    DuckDB runs the query on several threads, each taking whole input batches, so result
    rows arrive in runs of consecutive records that may be out of order. ``__seq`` numbers
    the records 0, 1, 2, ... with no gaps. Each arriving batch is cut where its numbering
    jumps, and the runs (slices, not copies) are handed on in order as soon as the run
    holding the next record has arrived. Only the out-of-order window (about one input
    batch per thread) is ever held back. Putting runs in order, rather than sorting rows,
    copies nothing: sorting each batch took about 0.3 CPU-s per million rows.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    waiting: dict[int, Any] = {}  # runs by their first record's number
    next_seq = start
    for batch in batches:
        seq = batch.column(batch.schema.get_field_index("__seq"))
        jumps = pc.fill_null(pc.not_equal(pc.pairwise_diff(seq), 1), False)
        cuts = [0, *pc.indices_nonzero(jumps).to_pylist(), batch.num_rows]
        for lo, hi in itertools.pairwise(cuts):
            waiting[seq[lo].as_py()] = batch.slice(lo, hi - lo)
        ready = []
        while next_seq in waiting:
            run = waiting.pop(next_seq)
            ready.append(run)
            next_seq += run.num_rows
        if ready:
            yield pa.Table.from_batches(ready)
    if waiting:  # pragma: no cover - every record reaches the result exactly once
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


def _flag_noted(table: Any, notes: Mapping[int, Any]) -> Any:
    """``table`` with its rows that carry record notes (stale values, record conflicts from a
    FHIR import) flagged: the reference engine decides them, with the notes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    noted = pc.is_in(table.column("row"), value_set=pa.array(sorted(notes), pa.int64()))
    flag = pc.or_(pc.fill_null(table.column("__flag"), True), noted)
    return table.set_column(table.schema.get_field_index("__flag"), "__flag", flag)


def _fallback(
    inp: Input,
    kb: KnowledgeBase,
    *,
    table: Any,
    json_lines: list[str] | None,
    errors: list[RowError],
    masks: _Masks | None,
    keep: Sequence[str] = (),
    cells: CellProblems | LineProblems | None = None,
) -> tuple[Any, list[str] | None, int]:
    """Re-decide the flagged rows of ``table`` with the reference; merge accepted ones back.
    Returns the table, its JSON lines and how many rows the reference engine decided.
    With ``cells``, a row whose one bad text cell gives its errors is not re-checked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flag = table.column("__flag")
    flagged = table.filter(flag)
    flagged_rows = flagged.column("row").to_pylist()
    kept = flagged.select(list(keep)).to_pylist() if keep else []
    kept_of = dict(zip(flagged_rows, kept, strict=True)) if keep else {}
    raw: dict[int, dict[str, Any]] = {}
    if cells is not None:
        flagged_rows, raw = _errors_of_cells(inp, flagged, cells, errors)
    else:
        raw = take_raw(inp.stash, flagged_rows)
    accepted: list[dict[str, Any]] = []
    for row in flagged_rows:
        verdict = check_row(inp.fmt, inp.columns, raw[row], kb, row, kept=keep)
        if verdict.profile is not None:
            result = evaluate_modalities(verdict.profile, kb, record=inp.notes.get(row))
            record = output_row(result, verdict.profile, row) | kept_of.get(row, {})
            record["__flag"] = False
            if masks is not None:
                record["__fired"] = masks.of(result)
            accepted.append(record)
            continue
        errors.extend(RowError.of(row, verdict.row_id, problem) for problem in verdict.problems)
    keep = pc.invert(flag)
    good = table.filter(keep)
    good_json = None
    if json_lines is not None:
        good_json = [line for line, bad in zip(json_lines, flag.to_pylist(), strict=True) if not bad]
        good = good.drop_columns(["__json"])
    if not accepted:
        return good, good_json, 0
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
        return merged, None, len(accepted)
    by_row = dict(zip(good.column("row").to_pylist(), good_json, strict=True))
    names = output_columns()
    by_row.update((r["row"], _json_line({k: r[k] for k in names})) for r in accepted)
    return merged, [by_row[r] for r in merged.column("row").to_pylist()], len(accepted)


def _errors_of_cells(
    inp: Input, flagged: Any, cells: CellProblems | LineProblems, errors: list[RowError]
) -> tuple[list[int], dict[int, dict[str, Any]]]:
    """The errors of each flagged row that its bad cells explain (added to ``errors``, in
    the reference's words); returns the other rows, to be re-checked whole, and the raw
    cells read (those rows' among them)."""
    rest: list[int] = []
    later: list[tuple[int, str | None, int]] = []  # rows whose raw cells are wanted
    columns = (flagged.column(c).to_pylist() for c in ("row", "id", "__bad", "__bad_cell"))
    for row, row_id, mask, cell in zip(*columns, strict=True):
        known = WANTS_RAW if isinstance(cells, LineProblems) else cells.of_cell(mask, cell)
        if known is WANTS_RAW:
            later.append((row, row_id, mask))
        elif isinstance(known, tuple):
            errors.extend(RowError.of(row, row_id, each) for each in known)
        else:  # None: re-checked whole
            rest.append(row)
    # One read of the raw batches, in row order (it forgets the batches before its first row).
    raw = take_raw(inp.stash, sorted(rest + [row for row, _, _ in later]))
    for row, row_id, mask in later:
        echoed = row_id
        if isinstance(cells, LineProblems):
            # The id as the reference reads it from the line (the SQL's may differ for text
            # JSON escapes spell oddly).
            found = cells.of(mask, raw[row]["line"])
            problems, echoed = found if found is not None else (None, None)
        else:
            problems = cells.of(mask, None, raw[row])
        if problems is None:
            rest.append(row)
            continue
        errors.extend(RowError.of(row, echoed, problem) for problem in problems)
    rest.sort()
    return rest, raw


def with_kept(inp: Input, table: Any, keep: Sequence[str]) -> Any:
    """``table`` with the ``--keep`` columns of its rows, read from the input's raw batches
    (CONTRACT §5: copied as text, never checked)."""
    import pyarrow as pa

    rows = table.column("row").to_pylist()
    raw = take_raw(inp.stash, rows) if rows else {}
    values: dict[str, list[str | None]] = {k: [] for k in keep}
    for row in rows:
        cells = raw[row]
        if inp.fmt == "jsonl":
            try:
                cells = json.loads(cells["line"])
            except ValueError:
                cells = {}  # a flagged line that is not JSON: its errors say so
            if not isinstance(cells, dict):
                cells = {}
        for k in keep:
            values[k].append(_as_text(cells.get(k)))
    for k in keep:
        table = table.append_column(k, pa.array(values[k], pa.string()))
    return table


def kept_in_lines(table: Any, lines: list[str], keep: Sequence[str]) -> list[str]:
    """Each JSON line with the ``--keep`` values after ``id``. The line's first ``,"crisis":``
    is the key's own: inside the encoded ``id`` a quote is always escaped."""
    values = table.select(list(keep)).to_pylist()
    return [
        line.replace(',"crisis":', "".join(f",{_json_line(k)}:{_json_line(v[k])}" for k in keep) + ',"crisis":', 1)
        for line, v in zip(lines, values, strict=True)
    ]


def _json_line(row: Any) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


__all__ = ["CHUNK_ROWS", "ResultChunk", "batch_sql", "memory_limit_mb", "stream_results"]
