"""The DuckDB engine's own spellings of the validation (issue 25, speed) decide exactly what
the portable SQL and the Python reference decide, on the cells nearest to each shortcut."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from ketadecide.batch.row_checks import LIST_FIELDS, check_text_record
from ketadecide.batch.sql.validate import (
    OTHER_BAD,
    _engine_text_cell,
    _packed_mask,
    _text_cell,
    allowed_items,
)
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase


@pytest.fixture(scope="module")
def con() -> Any:
    import duckdb

    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def _flags(con: Any, bad: str, cells: list[str | None]) -> list[bool | None]:
    """``bad`` (over the column ``c``) for each cell, in order."""
    import pyarrow as pa

    table = pa.table({"i": list(range(len(cells))), "c": pa.array(cells, pa.string())})
    con.register("__cells", table)
    try:
        rows = con.sql(f"SELECT i, {bad} FROM __cells ORDER BY i").fetchall()
    finally:
        con.unregister("__cells")
    return [flag for _, flag in rows]


def test_the_mask_is_packed_on_exactly_the_rows_a_check_flags(con: Any) -> None:
    # Each check TRUE, FALSE or NULL (a check that came out NULL is OTHER_BAD), every mix.
    bits = [1, 2, 1 << 60]
    values = {"TRUE": True, "FALSE": False, "NULL": None}
    for combo in itertools.product(values, repeat=len(bits)):
        source = "SELECT " + ", ".join(f"CAST({v} AS BOOLEAN) AS b{i}" for i, v in enumerate(combo))
        typed, mask = _packed_mask([f"b{i}" for i in range(len(bits))], bits, source)
        got = con.sql(f"SELECT {mask} FROM ({typed})").fetchall()[0][0]
        want = 0
        for name, bit in zip(combo, bits, strict=True):
            if values[name] is None:
                want |= OTHER_BAD
            elif values[name]:
                want |= bit
        assert got == want, combo


def _list_cells(kb: KnowledgeBase, field: str) -> list[str | None]:
    """Every known id alone, and the cells nearest to one: a separator or space around it,
    another case, one character more or less, two ids, and the empty and ``none`` cells."""
    ids = allowed_items(field, kb)
    cells: list[str | None] = [None, "", "none", "None", ";", " ", "unknown_id"]
    for x in ids:
        cells += [x, f"{x};", f";{x}", f" {x}", f"{x} ", x.upper(), x[:-1], f"{x}x", f"{x};{x}", f"{x};;{x}"]
    cells += [";".join(ids), ";".join([ids[0]] * 101), ";".join([ids[0]] * 100)]
    return cells


@pytest.mark.parametrize("kb_name", ["shipped", "rich"])
def test_a_list_cell_of_one_known_id_is_flagged_as_the_portable_sql_flags_it(
    con: Any, rich_kb: KnowledgeBase, kb_name: str
) -> None:
    kb = load_knowledge_base() if kb_name == "shipped" else rich_kb
    for field in LIST_FIELDS:
        cells = _list_cells(kb, field)
        engine = _flags(con, _engine_text_cell(field, "c", kb)[1], cells)
        portable = _flags(con, _text_cell(field, "c", kb)[1], cells)
        assert engine == portable, field
        for cell, flagged in zip(cells, engine, strict=True):
            verdict = check_text_record({"age": "40", field: cell}, kb)
            # Never an unflagged cell the reference rejects (a flagged one it accepts, such
            # as `None`, is re-decided by the reference).
            assert flagged or not any(p.field == field for p in verdict.problems), (field, cell)
