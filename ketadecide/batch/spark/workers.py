"""What the Spark engine runs on its workers, through ``mapInArrow``: plain functions of
Arrow batches, so that the DuckDB engine's own Python pieces do the work there too.

* :func:`recheck`: flagged rows re-decided by the Python reference
  (:func:`~ketadecide.batch.row_checks.check_row`), as the DuckDB engine's fallback does:
  each problem becomes a row error, an accepted row becomes its output record.
* :func:`finish`: the rules query's rows decoded by
  :class:`~ketadecide.batch.sql.decode.FindingsDecoder` (when it is used), flagged rows
  dropped and the accepted ones put back in their place, cast to the output columns.
* :func:`count`: one partition's :class:`~ketadecide.batch.io.summary.SummaryCounter`, pickled.

A worker imports ketadecide; on a cluster it must be installed there too.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ketadecide.batch.io.columns import kept_text, output_row, output_schema
from ketadecide.batch.io.writers import ErrorsWriter
from ketadecide.batch.row_checks import RowError, check_row
from ketadecide.batch.sql.compile import rule_bits
from ketadecide.engine.evaluate import evaluate_modalities
from ketadecide.knowledge.base import KnowledgeBase

#: What :func:`recheck` gives per problem (or per accepted row: ``accepted`` set).
RECHECK_DDL = "row BIGINT, n INT, id STRING, field STRING, error STRING, accepted STRING, line STRING"
#: The rule bit mask column kept beside the output columns (for the summary's findings).
FIRED = "__fired"


def output_ddl(*, fired: bool, keep: Sequence[str] = ()) -> str:
    """The output columns (with the ``keep`` columns after ``id``) as a Spark schema (DDL),
    plain types as the files hold them."""
    import pyarrow as pa

    spark_type = {
        pa.string(): "STRING",
        pa.bool_(): "BOOLEAN",
        pa.int64(): "BIGINT",
        pa.int8(): "TINYINT",
        pa.float64(): "DOUBLE",
    }
    columns = [f"`{f.name.replace('`', '``')}` {spark_type[f.type]}" for f in output_schema(keep=keep)]
    return ", ".join([*columns, f"`{FIRED}` BIGINT"] if fired else columns)


def fired_mask(kb: KnowledgeBase, result: Any) -> int:
    """The rule bit mask of one evaluated result (``batch.compile.rule_bits`` order)."""
    index = {key: i for i, key in enumerate(rule_bits(kb))}
    mask = 0
    for mod in result.modalities:
        for f in mod.findings:
            mask |= 1 << index[(f.kind, f.id)]
    return mask


def error_line(error: RowError, *, jsonl: bool) -> str:
    """One problem as the errors file writes it (:class:`~ketadecide.batch.io.writers.ErrorsWriter`)."""
    import io

    buf = io.StringIO()
    ErrorsWriter(buf, jsonl, header=False).write(error)
    return buf.getvalue()


def error_header(*, jsonl: bool) -> str | None:
    if jsonl:
        return None
    import io

    buf = io.StringIO()
    ErrorsWriter(buf, jsonl)
    return buf.getvalue()


def _recheck_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("row", pa.int64()),
            ("n", pa.int32()),
            ("id", pa.string()),
            ("field", pa.string()),
            ("error", pa.string()),
            ("accepted", pa.string()),
            ("line", pa.string()),
        ]
    )


def recheck(
    batches: Iterator[Any],
    *,
    kinds: Mapping[str, str],
    kb: KnowledgeBase,
    fired: bool,
    jsonl: bool = False,
    fmt: str = "parquet",
    keep: Sequence[str] = (),
) -> Iterator[Any]:
    """Flagged rows (``__row`` and the input's raw cells, from an input of format ``fmt``)
    -> row errors and accepted records.

    Each problem also comes as ``line``, the errors file's line for it (:func:`headed` puts
    the header before each part's lines, CONTRACT §5). An accepted record holds the
    ``keep`` columns' values (carried as ``__keep_<i>``) as text."""
    import pyarrow as pa

    schema = _recheck_schema()
    for batch in batches:
        out: list[dict[str, Any]] = []
        for cells in batch.to_pylist():
            row = cells.pop("__row")
            kept = {k: kept_text(cells.pop(f"__keep_{i}")) for i, k in enumerate(keep)}
            verdict = check_row(fmt, kinds, cells, kb, row, kept=keep)
            if verdict.profile is not None:
                result = evaluate_modalities(verdict.profile, kb)
                record = output_row(result, verdict.profile, row) | kept
                if fired:
                    record[FIRED] = fired_mask(kb, result)
                out.append({"row": row, "n": 0, "accepted": json.dumps(record)})
                continue
            for n, problem in enumerate(verdict.problems):
                e = RowError.of(row, verdict.row_id, problem)
                line = error_line(e, jsonl=jsonl).rstrip("\n")
                out.append({"row": row, "n": n, "id": e.id, "field": e.field, "error": e.error, "line": line})
        if out:
            yield pa.RecordBatch.from_pylist(out, schema=schema)


def bad_line_rows(batches: Iterator[Any], *, jsonl: bool) -> Iterator[Any]:
    """Lines set aside before parsing (``__row``, their errors as JSON in ``__bad``) -> the
    rows :func:`recheck` gives for a problem."""
    import pyarrow as pa

    schema = _recheck_schema()
    for batch in batches:
        out: list[dict[str, Any]] = []
        for row, bad in zip(batch.column("__row").to_pylist(), batch.column("__bad").to_pylist(), strict=True):
            for n, (row_id, field, error) in enumerate(json.loads(bad)):
                e = RowError(row, row_id, field, error)
                line = error_line(e, jsonl=jsonl).rstrip("\n")
                out.append({"row": row, "n": n, "id": e.id, "field": e.field, "error": e.error, "line": line})
        if out:
            yield pa.RecordBatch.from_pylist(out, schema=schema)


def headed(batches: Iterator[Any], *, header: str | None) -> Iterator[Any]:
    """One part's errors lines (``line``, rows ascending) with the errors file's header
    first (CSV; none for JSON lines): each part is then a whole errors file (CONTRACT §5)."""
    import pyarrow as pa

    for batch in batches:
        if header is not None and batch.num_rows:
            yield pa.RecordBatch.from_pydict({"line": [header.rstrip("\n")]})
            header = None
        yield batch.select(["line"])


def finish(
    batches: Iterator[Any],
    *,
    kb: KnowledgeBase,
    decode: bool,
    fired: bool,
    kinds: Mapping[str, str],
    raw: Sequence[str],
    fmt: str = "parquet",
    keep: Sequence[str] = (),
) -> Iterator[Any]:
    """The rules query's rows -> output rows, in row order: each flagged row re-checked here
    by the Python reference from its raw cells (``raw``, in ``kinds``' order), dropped when
    rejected (its errors come from :func:`recheck`) and put back as the reference's record
    when accepted; the ``keep`` columns (``__keep_<i>``) as text after ``id``. No row goes
    through the driver."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ketadecide.batch.sql.decode import FindingsDecoder

    decoder = FindingsDecoder(kb) if decode else None
    schema = output_schema(keep=keep)
    names = [*schema.names, FIRED] if fired else schema.names
    if fired:
        schema = schema.append(pa.field(FIRED, pa.int64()))
    for batch in batches:
        table = pa.Table.from_batches([batch])
        if decoder is not None:
            table = decoder.expand(table)
        table = table.rename_columns(["row" if c == "__row" else c for c in table.column_names])
        for i, k in enumerate(keep):
            table = table.append_column(k, _kept_texts(table.column(f"__keep_{i}")))
        flag = table.column("__flag")
        back: list[dict[str, Any]] = []
        if pc.any(flag).as_py():
            flagged = table.filter(flag).select(["row", *raw, *keep]).to_pylist()
            back = _accepted(flagged, kb=kb, kinds=kinds, raw=raw, fmt=fmt, keep=keep, fired=fired)
            table = table.filter(pc.invert(flag))
        out = table.select(names).cast(schema)
        if back:
            out = pa.concat_tables([out, pa.Table.from_pylist(back, schema=schema)]).sort_by("row")
        yield from out.to_batches()


def _accepted(
    flagged: list[dict[str, Any]],
    *,
    kb: KnowledgeBase,
    kinds: Mapping[str, str],
    raw: Sequence[str],
    fmt: str,
    keep: Sequence[str],
    fired: bool,
) -> list[dict[str, Any]]:
    """The output records of the flagged rows the Python reference accepts (as
    :func:`recheck` decides them)."""
    out = []
    for item in flagged:
        row = item["row"]
        cells = {name: item[r] for name, r in zip(kinds, raw, strict=True)}
        verdict = check_row(fmt, kinds, cells, kb, row, kept=keep)
        if verdict.profile is None:
            continue
        result = evaluate_modalities(verdict.profile, kb)
        record = output_row(result, verdict.profile, row) | {k: item[k] for k in keep}
        if fired:
            record[FIRED] = fired_mask(kb, result)
        out.append(record)
    return out


def _kept_texts(column: Any) -> Any:
    """A ``--keep`` column as text (:func:`~ketadecide.batch.io.columns.kept_text`)."""
    import pyarrow as pa

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    return pa.array([kept_text(v) for v in column.to_pylist()], pa.string())


def typed_json_schema(keep: Sequence[str] = ()) -> Any:
    """What :func:`validate_json` gives: the contract's typed columns, ``__row``, ``__seq``,
    ``__flag``, the line itself and the ``keep`` values (``__keep_<i>``, text)."""
    import pyarrow as pa

    from ketadecide.batch.sql.validate import sql_type
    from ketadecide.profile import PROFILE_FIELDS

    arrow = {
        "BIGINT[]": pa.list_(pa.int64()),
        "VARCHAR[]": pa.list_(pa.string()),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "VARCHAR": pa.string(),
    }
    fields = [pa.field(f, arrow[sql_type(f)]) for f in PROFILE_FIELDS]
    fields += [pa.field("__row", pa.int64()), pa.field("__seq", pa.int64()), pa.field("__flag", pa.bool_())]
    fields += [pa.field("line", pa.string()), *(pa.field(f"__keep_{i}", pa.string()) for i in range(len(keep)))]
    return pa.schema(fields)


def validate_json(batches: Iterator[Any], *, kb: KnowledgeBase, keep: Sequence[str] = ()) -> Iterator[Any]:
    """JSONL lines (``line``, ``__row``, ``__seq``) -> the DuckDB engine's own JSON validation
    (:func:`~ketadecide.batch.sql.validate.json_query`, run by an in-process DuckDB in this
    task: Spark SQL has no JSON type tests), so the typed values and the flagged rows are
    exactly the DuckDB engine's; with the line and the ``keep`` values beside them."""
    import duckdb
    import pyarrow as pa

    from ketadecide.batch.sql.validate import json_query

    schema = typed_json_schema(keep)
    query = f"SELECT v.*, l.line FROM ({json_query(kb, '__lines', keep)}) AS v JOIN __lines AS l USING (__row)"
    config: dict[str, Any] = {"threads": 1, "temp_directory": "", "preserve_insertion_order": True}
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET enable_progress_bar = false")
        for batch in batches:
            lines = pa.Table.from_batches([batch.select(["line", "__row", "__seq"])])
            con.register("__lines", lines)
            table = con.sql(f"{query} ORDER BY __row").to_arrow_table()
            con.unregister("__lines")
            for i, k in enumerate(keep):
                table = table.append_column(f"__keep_{i}", pa.array(_json_kept(table.column("line"), k), pa.string()))
            yield from table.select(schema.names).cast(schema).to_batches()
    finally:
        con.close()


def _json_kept(lines: Any, key: str) -> list[str | None]:
    """A ``--keep`` key of each JSON line as text, as the DuckDB engine reads it (a line that
    is no JSON object has no kept values: its errors say why)."""
    out: list[str | None] = []
    for line in lines.to_pylist():
        try:
            cells = json.loads(line)
        except ValueError:
            cells = {}
        out.append(kept_text(cells.get(key)) if isinstance(cells, dict) else None)
    return out


def as_ipc(batches: Iterator[Any]) -> Iterator[Any]:
    """Each batch as Arrow IPC stream bytes in one ``ipc`` value: a partition's results reach
    the driver a batch at a time (``toLocalIterator``) as Arrow, not as one Python row each."""
    import pyarrow as pa

    for batch in batches:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        yield pa.RecordBatch.from_pydict({"ipc": [sink.getvalue().to_pybytes()]})


def count(batches: Iterator[Any], *, kb: KnowledgeBase) -> Iterator[Any]:
    """One partition's summary counts (results only), as one pickled
    :class:`~ketadecide.batch.io.summary.SummaryCounter`."""
    import pyarrow as pa

    from ketadecide.batch.io.summary import SummaryCounter

    counter = SummaryCounter(kb)
    for batch in batches:
        table = pa.Table.from_batches([batch])
        fired = table.column(FIRED) if FIRED in table.column_names else None
        counter.add_results(table, fired)
    yield pa.RecordBatch.from_pydict({"counter": [pickle.dumps(counter)]}, schema=pa.schema([("counter", pa.binary())]))


def count_errors(batches: Iterator[Any], *, jsonl: bool) -> Iterator[Any]:
    """Whole errors part files (``value``) -> (problems, distinct rows) each holds (a row's
    problems are always in one part)."""
    import csv
    import io

    import pyarrow as pa

    problems = rows = 0
    for batch in batches:
        for text in batch.column("value").to_pylist():
            if jsonl:
                numbers = [json.loads(line)["row"] for line in text.splitlines() if line.strip()]
            else:
                numbers = [record[0] for record in list(csv.reader(io.StringIO(text)))[1:]]
            problems += len(numbers)
            rows += len(set(numbers))
    yield pa.RecordBatch.from_pydict({"problems": [problems], "rows": [rows]})


__all__ = [
    "FIRED",
    "RECHECK_DDL",
    "as_ipc",
    "bad_line_rows",
    "count",
    "count_errors",
    "error_header",
    "error_line",
    "finish",
    "fired_mask",
    "headed",
    "output_ddl",
    "recheck",
    "typed_json_schema",
    "validate_json",
]
