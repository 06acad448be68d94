"""``--emit-sql``: the rules as one query for another engine (DuckDB, PostgreSQL, Spark, ...).

Composes the two query builders, :mod:`ketadecide.batch.sql.validate` (each text cell
checked as ``batch`` checks it) and :mod:`ketadecide.batch.sql.compile` (the rules), so neither
imports the other's consumer; the per-dialect forms come from :mod:`ketadecide.batch.sql.dialects`.
"""

from __future__ import annotations

import re

from ketadecide.batch.sql.compile import DIALECTS, ERROR_COLUMN, quote_ident, rules_query
from ketadecide.batch.sql.dialects import Forms
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS

#: One part of a table or column name: letters, digits, ``_``, ``$`` and ``-`` (BigQuery
#: project ids), starting with a letter or ``_``. Nothing that could end a comment, a
#: quoted name or a statement (a newline, a quote, ``;``, a bracket) gets into the SQL.
_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_$-]{0,127}")


def check_names(table: str, row_column: str | None) -> None:
    """Refuse (exit 2, naming the option) a ``--table`` that is not up to three dotted
    names, or a ``--row-column`` that is not one name."""
    parts = table.split(".")
    if not (1 <= len(parts) <= 3 and all(_NAME_PART.fullmatch(p) for p in parts)):
        raise InputError(
            Problem(
                "must be a table name, optionally with its schema and catalog (e.g. research.cohort): "
                "letters, digits, '_', '$' or '-', each part starting with a letter or '_'",
                "--table",
            )
        )
    if row_column is not None and not _NAME_PART.fullmatch(row_column):
        raise InputError(
            Problem(
                "must be one column name: letters, digits, '_', '$' or '-', starting with a letter or '_'",
                "--row-column",
            )
        )


def emit_sql(
    kb: KnowledgeBase,
    dialect: str = "duckdb",
    table: str = "profiles",
    *,
    text_input: bool = False,
    row_column: str | None = None,
) -> str:
    """The rules query in ``dialect``, reading the contract's columns from ``table``.

    ``text_input=False``: the columns are typed (lists as arrays); one output row per input
    row with the CSV output's columns but ``row``. ``text_input=True`` (what
    ``ketadecide batch --emit-sql`` prints): the columns are text, exactly the CSV cells
    (NULL or '' is "not given"); the query validates each row as ``batch`` does and gives
    the CSV output's columns (``row`` from ``row_column``, else the table's scan order)
    plus ``error`` (NULL for a valid row, else its first problem; the answer columns of
    an invalid row are NULL), ordered by ``row``.

    Written once, in DuckDB's dialect, and translated with sqlglot; the constructs it
    does not translate faithfully are spelled per dialect by :mod:`ketadecide.batch.sql.dialects`.
    """
    import sqlglot

    from ketadecide.batch.io.columns import output_columns
    from ketadecide.batch.sql.validate import text_table_query

    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r} (one of: {', '.join(DIALECTS)})")
    check_names(table, row_column)
    forms = Forms(dialect, placeholders=dialect != "duckdb")
    table_sql = ".".join(quote_ident(part) for part in table.split("."))
    if not text_input:
        query = rules_query(kb, table_sql, forms=forms)
    else:
        checked = text_table_query(kb, table_sql, forms, row_column)
        rules = rules_query(kb, f"({checked}) AS __checked", passthrough=("__row", "__error"), forms=forms)
        outputs = []
        for column in output_columns():
            if column == "id":
                outputs.append("id")
            elif column == "row":
                outputs.append(f"__row AS {quote_ident('row')}")
            else:
                outputs.append(f"CASE WHEN __error IS NULL THEN {quote_ident(column)} END AS {quote_ident(column)}")
        outputs.append(f"__error AS {quote_ident(ERROR_COLUMN)}")
        query = f"SELECT {', '.join(outputs)} FROM ({rules}) AS __rules ORDER BY __row"
    (out,) = sqlglot.transpile(query, read="duckdb", write=dialect, pretty=True)
    header = _emit_header(dialect, table, row_column) if text_input else ""
    return header + forms.fill(out) + ";\n"


def _emit_header(dialect: str, table: str, row_column: str | None) -> str:
    """The comment that says what the emitted query reads and gives."""
    import textwrap

    from ketadecide.batch.sql.dialects import UNTESTED_DIALECTS

    columns = textwrap.wrap(", ".join(PROFILE_FIELDS), 86)
    rows = (
        f"the column {row_column}"
        if row_column
        else "ROW_NUMBER() in the table's scan order (the load order on DuckDB and Spark; "
        "on PostgreSQL give --row-column)"
    )
    lines = [
        f"ketadecide rules, {dialect} dialect. Reads {table}: the contract's columns as text,",
        "exactly the CSV cells (NULL or '' = not given; list cells ';'-separated, 'none' = asked, none):",
        *(f"  {line}" for line in columns),
        f"Row number: {rows}.",
        "Gives the CSV output's columns plus error: NULL for a valid row, else its first problem",
        "(then the answer columns are NULL). Ordered by row.",
    ]
    if dialect in UNTESTED_DIALECTS:
        lines.append(f"UNTESTED on a live {dialect} engine: review it, and check it on a sample first.")
    return "".join(f"-- {line}\n" for line in lines)
