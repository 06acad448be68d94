"""``ketadecide.evaluate_many``: the batch engine from Python.

    from ketadecide import evaluate_many

    run = evaluate_many("cohort.csv")              # or a list of profiles / mappings
    run.table                                      # pyarrow.Table, one row per valid input row
    df = run.table.to_pandas()                     # a pandas DataFrame (pandas installed)
    run.errors                                     # [RowError(row=7, id='p7', field='age', error=...)]
    run.summary.to_dict()                          # counts per modality, overall and by payer

For a cohort too large to hold, :func:`stream_many` gives the same rows chunk by chunk::

    stream = stream_many("cohort.parquet", engine="spark", spark=spark)
    for item in stream:            # pyarrow.Table chunks in input order, and RowError items
        ...
    stream.summary                 # once the stream is done

Results are identical to calling :func:`ketadecide.evaluate` on each profile. The result
chunks and row errors come straight from the engine's stream (:meth:`ketadecide.batch.engines.Engine.results`;
for DuckDB the stream the CLI's writers consume too); nothing is written or parsed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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


class BatchStream:
    """What :func:`stream_many` gives: iterate it for the results as ``pyarrow.Table`` chunks
    (input order, the :attr:`BatchRun.table` columns) and the row errors as
    :class:`RowError` items (rows ascending, a row's problems together), as the engine
    produces them; then :attr:`summary`. Only one chunk is held at a time (on Spark, one
    partition's batch: nothing is collected). Use it as a context manager, or :meth:`close`
    it, when stopping early."""

    def __init__(self, name: str, items: Any, kb: KnowledgeBase, keep: tuple[str, ...]) -> None:
        from ketadecide.batch.io.columns import output_schema
        from ketadecide.batch.io.summary import SummaryCounter

        self._name = name
        self._items = items
        self.schema = output_schema(keep=keep)
        """The chunks' columns (``pyarrow.Schema``)."""
        self._counter = SummaryCounter(kb)
        self._done = False
        self.summary: Summary | None = None
        """The run's summary, once every item has been read (None before)."""

    def __iter__(self) -> Iterator[Any]:
        try:
            for item in self._items:
                if isinstance(item, RowError):
                    self._counter.add_error(item)
                    yield item
                else:
                    self._counter.add_results(item.table, item.fired, item.decided_in_python)
                    yield item.table.cast(self.schema)
            self.summary = self._counter.summary(input=self._name, output=None, errors_file=None)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the engine's stream (its DuckDB connection, its Spark jobs' iterators)."""
        self._items.close()

    def __enter__(self) -> BatchStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def stream_many(
    source: str | PathLike[str] | Iterable[Profile | Mapping[str, Any]],
    kb: KnowledgeBase | None = None,
    *,
    input_format: str | None = None,
    engine: str = "duckdb",
    spark: Any = None,
    keep: Iterable[str] = (),
) -> BatchStream:
    """:func:`evaluate_many`'s rows and errors as a stream (:class:`BatchStream`), never all
    held at once: for ``engine="spark"``, the results and errors come to this process a
    partition at a time instead of being collected."""
    from ketadecide import load_knowledge_base
    from ketadecide.batch.engines import engine_for

    picked = engine_for(engine)
    picked.require()
    kb = kb if kb is not None else load_knowledge_base()
    kept = tuple(keep.split(",")) if isinstance(keep, str) else tuple(keep)  # "site,visit" as on the CLI
    name, items = picked.results(source, kb, input_format=input_format, spark=spark, keep=kept)
    return BatchStream(name, items, kb, kept)


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
    Parquet or CSV file (``source``: any path that session reads); the results, row errors
    and summary are the DuckDB engine's, gathered here into one table (use
    :func:`stream_many` for a cohort this process should not hold).

    ``keep`` names input columns copied into the table after ``id``, as text, never checked
    as profile fields (``--keep``; a file only). A name the file lacks or that is an output
    column raises :class:`~ketadecide.errors.InputError`.
    """
    import pyarrow as pa

    kept = tuple(keep.split(",")) if isinstance(keep, str) else tuple(keep)
    with stream_many(source, kb, input_format=input_format, engine=engine, spark=spark, keep=kept) as stream:
        tables: list[Any] = []
        errors: list[RowError] = []
        for item in stream:
            if isinstance(item, RowError):
                errors.append(item)
            else:
                tables.append(item)
        assert stream.summary is not None  # the stream was read to its end
        table = pa.concat_tables(tables) if tables else stream.schema.empty_table()
        return BatchRun(table, tuple(errors), stream.summary)


__all__ = ["BatchRun", "BatchStream", "RowError", "Summary", "evaluate_many", "stream_many"]
