"""``ketadecide.evaluate_many``: the batch engine from Python.

    from ketadecide import evaluate_many

    run = evaluate_many("cohort.csv")              # or a list of profiles / mappings
    run.table                                      # pyarrow.Table, one row per valid input row
    df = run.table.to_pandas()                     # a pandas DataFrame (pandas installed)
    run.errors                                     # [RowError(row=7, id='p7', field='age', error=...)]
    run.summary.to_dict()                          # counts per modality, overall and by payer

Results are identical to calling :func:`ketadecide.evaluate` on each profile. The result
chunks and row errors come straight from the engine's stream (:meth:`ketadecide.batch.engines.Engine.results`;
for DuckDB the stream the CLI's writers consume too); nothing is written or parsed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

from ketadecide.batch.io.summary import Summary
from ketadecide.batch.row_checks import RowError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile


@dataclass(frozen=True)
class BatchRun:
    """The outcome of :func:`evaluate_many`."""

    table: Any
    """A ``pyarrow.Table``: the batch output columns (CONTRACT §5, plus ``row``,
    ``insurance``, ``sure_score`` and per modality the out-of-pocket estimate
    ``<id>_oop_est_low``/``<id>_oop_est_high`` and ``<id>_within_budget``)."""
    errors: tuple[RowError, ...]
    """One entry per problem, rows ascending."""
    summary: Summary

    def to_pandas(self) -> Any:
        """The results as a pandas DataFrame (needs pandas)."""
        return self.table.to_pandas()


def evaluate_many(
    source: str | PathLike[str] | Iterable[Profile | Mapping[str, Any]],
    kb: KnowledgeBase | None = None,
    *,
    input_format: str | None = None,
    engine: str = "duckdb",
    spark: Any = None,
    keep: Iterable[str] = (),
) -> BatchRun:
    """Evaluate many profiles at once: a CSV/JSONL/Parquet file, or an iterable of
    :class:`Profile` objects or plain mappings (read as JSON profiles are: strictly typed).

    Bad rows never stop the run; they are in :attr:`BatchRun.errors` with their row number.

    ``engine="spark"`` runs the rules on the SparkSession ``spark`` (required) over one
    Parquet file (``source``: any path that session reads); the results, row errors and
    summary are the DuckDB engine's, collected to this process.

    ``keep`` names input columns copied into the table after ``id``, as text, never checked
    as profile fields (``--keep``; a file only, DuckDB engine only). A name the file lacks
    or that is an output column raises :class:`~ketadecide.errors.InputError`.
    """
    from ketadecide import load_knowledge_base
    from ketadecide.batch.engines import engine_for

    picked = engine_for(engine)
    picked.require()
    kb = kb if kb is not None else load_knowledge_base()
    kept = tuple(keep.split(",")) if isinstance(keep, str) else tuple(keep)  # "site,visit" as on the CLI
    name, stream = picked.results(source, kb, input_format=input_format, spark=spark, keep=kept)
    try:
        return _collect(stream, kb, name, kept)
    finally:
        stream.close()


def _collect(items: Iterable[Any], kb: KnowledgeBase, name: str, keep: tuple[str, ...] = ()) -> BatchRun:
    """Either engine's stream of result chunks and row errors, gathered into one run."""
    import pyarrow as pa

    from ketadecide.batch.io.columns import output_schema
    from ketadecide.batch.io.summary import SummaryCounter

    schema = output_schema(keep=keep)
    counter = SummaryCounter(kb)
    tables: list[Any] = []
    errors: list[RowError] = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            counter.add_error(item)
        else:
            counter.add_results(item.table, item.fired, item.decided_in_python)
            tables.append(item.table.cast(schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return BatchRun(table, tuple(errors), counter.summary(input=name, output=None, errors_file=None))


__all__ = ["BatchRun", "RowError", "Summary", "evaluate_many"]
