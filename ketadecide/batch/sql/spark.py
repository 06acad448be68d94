"""The Spark engine's two queries, built from the DuckDB engine's own query builders.

Nothing here states a rule or a check: the validation is
:func:`~ketadecide.batch.sql.validate.tabular_query` and the rules are
:func:`~ketadecide.batch.sql.compile.rules_key_query` (or
:func:`~ketadecide.batch.sql.compile.rules_query` when the rules do not fit one bit mask),
written in DuckDB's dialect with Spark's forms as placeholders, translated by sqlglot and
filled in by :mod:`ketadecide.batch.sql.dialects` -- the same path as ``--emit-sql --dialect
spark``, so the answers do not depend on ``spark.sql.ansi.enabled``.

The queries read a view with the input's columns plus ``__row`` (the Parquet row index,
1-based) and ``__seq``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketadecide.batch.sql.compile import MAX_MASK_RULES, quote_ident, rule_bits, rules_key_query, rules_query
from ketadecide.batch.sql.dialects import Forms
from ketadecide.batch.sql.validate import tabular_query
from ketadecide.knowledge.base import KnowledgeBase


def uses_decoder(kb: KnowledgeBase) -> bool:
    """Whether findings come from :class:`~ketadecide.batch.sql.decode.FindingsDecoder` (every
    rule fits one bit mask, as in the DuckDB engine's fast path) rather than from SQL."""
    return len(rule_bits(kb)) <= MAX_MASK_RULES


def _spark(query: str, forms: Forms) -> str:
    import sqlglot

    (out,) = sqlglot.transpile(query, read="duckdb", write="spark")
    return forms.fill(out)


def kept_columns(keep: Sequence[str]) -> list[str]:
    """The ``--keep`` columns' names in both queries: ``__keep_<i>``, in ``keep``'s order."""
    return [f"__keep_{i}" for i in range(len(keep))]


def flagged_sql(kinds: dict[str, str], kb: KnowledgeBase, source: str, keep: Sequence[str] = ()) -> str:
    """The rows the validation cannot vouch for: ``__row`` and their raw cells, under the
    input's own column names (for the Python reference to re-check), and the ``keep``
    columns as :func:`kept_columns`."""
    forms = Forms("spark", placeholders=True)
    validation, raw_names = tabular_query(kinds, kb, source, forms, keep_raw=True, carry=keep)
    cells = ", ".join(f"{raw} AS {quote_ident(name)}" for raw, name in zip(raw_names, kinds, strict=True))
    kept = "".join(f", {k}" for k in kept_columns(keep))
    return _spark(f"SELECT __row, {cells}{kept} FROM ({validation}) WHERE __flag", forms)


def results_sql(kinds: dict[str, str], kb: KnowledgeBase, source: str, keep: Sequence[str] = ()) -> str:
    """Validation then the rules, one row per input row with ``__row``, ``__flag``, the raw
    cells (``__raw_<i>``: a flagged row is re-checked where it is) and the ``keep`` columns
    (:func:`kept_columns`, unchecked): the decoder's key columns (:func:`uses_decoder`) or
    the output columns and ``__fired``."""
    forms = Forms("spark", placeholders=True)
    validation, raw_names = tabular_query(kinds, kb, source, forms, keep_raw=True, carry=keep)
    passthrough = ["__row", "__flag", *raw_names, *kept_columns(keep)]
    if uses_decoder(kb):
        query = rules_key_query(kb, f"({validation})", passthrough=passthrough, forms=forms)
    else:
        query = rules_query(kb, f"({validation})", passthrough=passthrough, forms=forms)
    return _spark(query, forms)


def typed_results_sql(kb: KnowledgeBase, source: str, keep: Sequence[str] = ()) -> str:
    """:func:`results_sql` over a view that is already validated (the contract's typed
    columns, ``__row``, ``__flag`` and the ``keep`` columns): JSONL input, validated by
    :func:`~ketadecide.batch.sql.validate.json_query` in each task."""
    forms = Forms("spark", placeholders=True)
    passthrough = ["__row", "__flag", "line", *kept_columns(keep)]
    if uses_decoder(kb):
        query = rules_key_query(kb, f"(SELECT * FROM {source})", passthrough=passthrough, forms=forms)
    else:
        query = rules_query(kb, f"(SELECT * FROM {source})", passthrough=passthrough, forms=forms)
    return _spark(query, forms)


@dataclass(frozen=True)
class SparkQueries:
    """Everything the Spark engine asks of the SQL room for one input, in one call."""

    flagged: str
    """:func:`flagged_sql`: job 1's query."""
    results: str
    """:func:`results_sql`: job 2's query."""
    decode: bool
    """:func:`uses_decoder`: whether job 2's rows are decoder keys."""
    raw: tuple[str, ...] = ()
    """Job 2's columns holding the raw cells, in the input columns' order (``__raw_<i>``;
    ``line`` for JSONL)."""


def spark_queries(kinds: dict[str, str], kb: KnowledgeBase, source: str, keep: Sequence[str] = ()) -> SparkQueries:
    """The Spark engine's two queries over the view ``source`` (columns ``kinds`` validated;
    ``keep``, the ``--keep`` columns, carried through unchecked)."""
    raw = tuple(f"__raw_{i}" for i in range(len(kinds)))  # as tabular_query names them
    return SparkQueries(
        flagged_sql(kinds, kb, source, keep), results_sql(kinds, kb, source, keep), uses_decoder(kb), raw
    )


__all__ = [
    "SparkQueries",
    "flagged_sql",
    "kept_columns",
    "results_sql",
    "spark_queries",
    "typed_results_sql",
    "uses_decoder",
]
