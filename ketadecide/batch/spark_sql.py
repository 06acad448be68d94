"""The Spark engine's two queries, built from the DuckDB engine's own query builders.

Nothing here states a rule or a check: the validation is
:func:`~ketadecide.batch.validate_sql.tabular_query` and the rules are
:func:`~ketadecide.batch.compile.rules_key_query` (or
:func:`~ketadecide.batch.compile.rules_query` when the rules do not fit one bit mask),
written in DuckDB's dialect with Spark's forms as placeholders, translated by sqlglot and
filled in by :mod:`ketadecide.batch.dialects` -- the same path as ``--emit-sql --dialect
spark``, so the answers do not depend on ``spark.sql.ansi.enabled``.

The queries read a view with the input's columns plus ``__row`` (the Parquet row index,
1-based) and ``__seq``.
"""

from __future__ import annotations

from typing import Any

from ketadecide.batch.compile import MAX_MASK_RULES, quote_ident, rule_bits, rules_key_query, rules_query
from ketadecide.batch.dialects import Forms
from ketadecide.batch.validate_sql import tabular_query
from ketadecide.knowledge.base import KnowledgeBase


def column_kinds(schema: Any) -> dict[str, str]:
    """Input column -> validation kind for a Spark schema, as ``readers._kind_of`` decides
    it for the Arrow schema of the same Parquet file."""
    from pyspark.sql import types as t

    def kind(dt: Any) -> str:
        if isinstance(dt, t.StringType | t.VarcharType | t.CharType):
            return "text"
        if isinstance(dt, t.BooleanType):
            return "bool"
        if isinstance(dt, t.ByteType | t.ShortType | t.IntegerType | t.LongType):
            return "int"
        if isinstance(dt, t.FloatType | t.DoubleType):
            return "float"
        if isinstance(dt, t.ArrayType):
            inner = kind(dt.elementType)
            if inner == "text":
                return "list_text"
            if inner == "int":
                return "list_int"
        return "other"

    return {f.name: kind(f.dataType) for f in schema.fields}


def uses_decoder(kb: KnowledgeBase) -> bool:
    """Whether findings come from :class:`~ketadecide.batch.decode.FindingsDecoder` (every
    rule fits one bit mask, as in the DuckDB engine's fast path) rather than from SQL."""
    return len(rule_bits(kb)) <= MAX_MASK_RULES


def _spark(query: str, forms: Forms) -> str:
    import sqlglot

    (out,) = sqlglot.transpile(query, read="duckdb", write="spark")
    return forms.fill(out)


def flagged_sql(kinds: dict[str, str], kb: KnowledgeBase, source: str) -> str:
    """The rows the validation cannot vouch for: ``__row`` and their raw cells, under the
    input's own column names (for the Python reference to re-check)."""
    forms = Forms("spark", placeholders=True)
    validation, raw_names = tabular_query(kinds, kb, source, forms, keep_raw=True)
    cells = ", ".join(f"{raw} AS {quote_ident(name)}" for raw, name in zip(raw_names, kinds, strict=True))
    return _spark(f"SELECT __row, {cells} FROM ({validation}) WHERE __flag", forms)


def results_sql(kinds: dict[str, str], kb: KnowledgeBase, source: str) -> str:
    """Validation then the rules, one row per input row with ``__row`` and ``__flag``: the
    decoder's key columns (:func:`uses_decoder`) or the output columns and ``__fired``."""
    forms = Forms("spark", placeholders=True)
    validation, _ = tabular_query(kinds, kb, source, forms)
    passthrough = ["__row", "__flag"]
    if uses_decoder(kb):
        query = rules_key_query(kb, f"({validation})", passthrough=passthrough, forms=forms)
    else:
        query = rules_query(kb, f"({validation})", passthrough=passthrough, forms=forms)
    return _spark(query, forms)


__all__ = ["column_kinds", "flagged_sql", "results_sql", "uses_decoder"]
