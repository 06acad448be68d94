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
from collections.abc import Iterator, Mapping
from typing import Any

from ketadecide.batch.io.columns import output_columns, output_row, output_schema
from ketadecide.batch.row_checks import RowError, check_row
from ketadecide.batch.sql.compile import rule_bits
from ketadecide.engine.evaluate import evaluate_modalities
from ketadecide.knowledge.base import KnowledgeBase

#: What :func:`recheck` gives per problem (or per accepted row: ``accepted`` set).
RECHECK_DDL = "row BIGINT, n INT, id STRING, field STRING, error STRING, accepted STRING"
#: The rule bit mask column kept beside the output columns (for the summary's findings).
FIRED = "__fired"


def output_ddl(*, fired: bool) -> str:
    """The output columns as a Spark schema (DDL), plain types as the files hold them."""
    import pyarrow as pa

    spark_type = {pa.string(): "STRING", pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT", pa.int8(): "TINYINT"}
    columns = [f"`{f.name}` {spark_type[f.type]}" for f in output_schema()]
    return ", ".join([*columns, f"`{FIRED}` BIGINT"] if fired else columns)


def fired_mask(kb: KnowledgeBase, result: Any) -> int:
    """The rule bit mask of one evaluated result (``batch.compile.rule_bits`` order)."""
    index = {key: i for i, key in enumerate(rule_bits(kb))}
    mask = 0
    for mod in result.modalities:
        for f in mod.findings:
            mask |= 1 << index[(f.kind, f.id)]
    return mask


def recheck(batches: Iterator[Any], *, kinds: Mapping[str, str], kb: KnowledgeBase, fired: bool) -> Iterator[Any]:
    """Flagged rows (``__row`` and the input's raw cells) -> row errors and accepted records."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("row", pa.int64()),
            ("n", pa.int32()),
            ("id", pa.string()),
            ("field", pa.string()),
            ("error", pa.string()),
            ("accepted", pa.string()),
        ]
    )
    for batch in batches:
        out: list[dict[str, Any]] = []
        for cells in batch.to_pylist():
            row = cells.pop("__row")
            verdict = check_row("parquet", kinds, cells, kb, row)
            if verdict.profile is not None:
                result = evaluate_modalities(verdict.profile, kb)
                record = output_row(result, verdict.profile, row)
                if fired:
                    record[FIRED] = fired_mask(kb, result)
                out.append({"row": row, "n": 0, "accepted": json.dumps(record)})
                continue
            for n, problem in enumerate(verdict.problems):
                e = RowError.of(row, verdict.row_id, problem)
                out.append({"row": row, "n": n, "id": e.id, "field": e.field, "error": e.error})
        if out:
            yield pa.RecordBatch.from_pylist(out, schema=schema)


def finish(
    batches: Iterator[Any], *, kb: KnowledgeBase, decode: bool, accepted: Mapping[int, dict[str, Any]], fired: bool
) -> Iterator[Any]:
    """The rules query's rows -> output rows, in row order: flagged rows dropped, the
    reference's accepted records (``accepted``, by row) in their place."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ketadecide.batch.sql.decode import FindingsDecoder

    decoder = FindingsDecoder(kb) if decode else None
    schema = output_schema()
    names = [*output_columns(), FIRED] if fired else output_columns()
    if fired:
        schema = schema.append(pa.field(FIRED, pa.int64()))
    for batch in batches:
        table = pa.Table.from_batches([batch])
        if decoder is not None:
            table = decoder.expand(table)
        table = table.rename_columns(["row" if c == "__row" else c for c in table.column_names])
        flag = table.column("__flag")
        back = []
        if pc.any(flag).as_py():
            back = [accepted[r] for r in table.filter(flag).column("row").to_pylist() if r in accepted]
            table = table.filter(pc.invert(flag))
        out = table.select(names).cast(schema)
        if back:
            out = pa.concat_tables([out, pa.Table.from_pylist(back, schema=schema)]).sort_by("row")
        yield from out.to_batches()


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


__all__ = ["FIRED", "RECHECK_DDL", "count", "finish", "fired_mask", "output_ddl", "recheck"]
