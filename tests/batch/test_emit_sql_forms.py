"""The emitted SQL's shape in every dialect: what ``--emit-sql`` prints parses back, has
the CSV output's columns plus ``error``, no placeholder left, the dialect forms where
sqlglot's translation is wrong for the engine, and BigQuery/Snowflake marked untested.
(Running it on the real engines: test_emit_sql_engines.py and test_emit_sql_spark.py.)"""

from __future__ import annotations

from typing import Any

import pytest
import sqlglot

from ketadecide.batch.sql.compile import DIALECTS
from ketadecide.batch.sql.dialects import TEMPLATES, UNTESTED_DIALECTS, fill_placeholders
from ketadecide.batch.sql.emit import emit_sql
from ketadecide.cli.main import app
from ketadecide.knowledge import KnowledgeBase
from tests.batch.emit_helpers import EMITTED_COLUMNS
from tests.batch.helpers import DATA_DIR


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cli_emits_the_text_input_query_in_every_dialect(runner: Any, dialect: str) -> None:
    res = runner.invoke(
        app, ["batch", "--emit-sql", "--dialect", dialect, "--table", "ds.cohort", "--data-dir", str(DATA_DIR)]
    )
    assert res.exit_code == 0, res.stderr
    sql = res.stdout
    assert "KD_" not in sql
    parsed = sqlglot.parse_one(sql.rstrip().rstrip(";"), read=dialect)
    assert [c.alias_or_name for c in parsed.selects] == EMITTED_COLUMNS
    assert ("UNTESTED on a live" in sql) == (dialect in UNTESTED_DIALECTS)


def test_dialect_forms_avoid_what_breaks_or_changes_with_ansi(kb: KnowledgeBase) -> None:
    spark = emit_sql(kb, "spark", "t", text_input=True)
    # No LIST_POSITION, no length() of an array, no SEQUENCE (1..0 is [1, 0] in Spark),
    # no element_at/[] reads (out of range: an error under ANSI, NULL without).
    for banned in ("LIST_POSITION", "SEQUENCE(", "ELEMENT_AT(", "ARRAY_SIZE(", "SIZE("):
        assert banned not in spark.upper().replace("TRY_ELEMENT_AT(", "")
    assert "try_element_at(phq9, 9)" in spark and "array_position(" in spark
    postgres = emit_sql(kb, "postgres", "t", text_input=True)
    for banned in ("TRANSFORM(", "LIST_POSITION", "->", "REGEXP_FULL_MATCH"):
        assert banned not in postgres.upper()


def test_every_dialect_has_every_form() -> None:
    assert set(TEMPLATES) == set(DIALECTS)
    names = set(TEMPLATES["duckdb"])
    for dialect, forms in TEMPLATES.items():
        assert set(forms) == names, dialect


def test_placeholders_are_filled_innermost_first_and_quotes_respected() -> None:
    sql = "SELECT KD_CONTAINS(KD_SPLIT(a), 'x,)'), KD_FILTER_JOIN(b, 'p''q', 'r')"
    out = fill_placeholders(sql, "postgres", [])
    assert out == (
        "SELECT ('x,)' = ANY(string_to_array(a, ';'))), (SELECT string_agg(__t.x, ';' ORDER BY __t.n) "
        "FROM unnest(b) WITH ORDINALITY AS __t(x, n) WHERE __t.x IN ('p''q', 'r'))"
    )
    assert fill_placeholders(r"SELECT KD_CONTAINS(a, 'it\'s')", "spark", []) == r"SELECT array_contains(a, 'it\'s')"
