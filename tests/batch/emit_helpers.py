"""Shared by the tests that run ``--emit-sql`` on real engines: a generated cohort of CSV
rows (every boundary and every kind of bad cell, repeated and shuffled list items, the
``none`` cell, a seeded mix), what ``evaluate`` and ``ketadecide batch`` say about it, and
the row-by-row comparison of an engine's answer with theirs. Synthetic data only."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.io.columns import output_columns
from ketadecide.batch.sql.compile import ERROR_COLUMN
from ketadecide.batch.sql.emit import emit_sql
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.helpers import read_errors, reference_csv, write_csv
from tests.batch.test_differential import text_candidates

#: The emitted query's columns: the CSV output's, then the error.
EMITTED_COLUMNS: list[str] = [*output_columns(), ERROR_COLUMN]


def _loadable(cell: str, *, nul: bool) -> bool:
    """A cell a warehouse loads from a CSV as the same one text value: no line break (a
    CSV record is one line, so the engine reads such a line as a broken record, not a cell)
    and, for PostgreSQL, no NUL character (its text type cannot hold one)."""
    return "\n" not in cell and "\r" not in cell and (nul or "\x00" not in cell)


def cohort(kb: KnowledgeBase, *, nul: bool = True, seeded: int = 300, seed: int = 16) -> list[dict[str, str]]:
    """Every candidate cell of every field (valid and invalid) on an otherwise valid row,
    list cells with repeated and shuffled ids, then ``seeded`` rows mixing them (about one
    row in five invalid), shuffled."""
    rng = random.Random(seed)
    table = {
        f: tuple([c for c in cells if _loadable(c, nul=nul)] for cells in text_candidates(f, kb))
        for f in PROFILE_FIELDS
    }
    rows: list[dict[str, str]] = []
    for field, (valid, invalid) in table.items():
        for value in [*valid, *invalid]:
            rows.append({"age": "40", field: value})
    for field in ("diagnoses", "conditions", "medications"):
        ids = [c for c in table[field][0] if ";" not in c and c != "none"]
        for _ in range(6):
            picked = [rng.choice(ids) for _ in range(rng.randint(2, 7))]
            rows.append({"age": "40", field: ";".join(picked), "pregnancy": "none", "suicidality": "none"})
    for _ in range(seeded):
        row = {}
        for f, (valid, invalid) in table.items():
            roll = rng.random()
            if f != "age" and roll < 0.3:
                continue
            row[f] = rng.choice(invalid) if roll > 0.993 else rng.choice(valid)
        rows.append(row)
    rng.shuffle(rows)
    return rows


@dataclass
class Expected:
    valid: dict[int, dict[str, Any]]
    """Row number -> the output row ``evaluate`` gives (CSV output columns)."""
    errors: dict[int, set[str]]
    """Row number -> the fields the engine's errors file names for it."""
    csv_path: Path


def expected(tmp: Path, rows: list[dict[str, str]], kb: KnowledgeBase) -> Expected:
    """What ``evaluate`` (valid rows) and ``ketadecide batch`` (its errors file) say."""
    src = tmp / "cohort.csv"
    write_csv(src, rows)
    out, bad = reference_csv(rows, kb)
    run_batch(str(src), str(tmp / "out.csv"), kb)
    errors: dict[int, set[str]] = {}
    for e in read_errors(tmp / "out.csv.errors.csv"):
        errors.setdefault(int(e["row"]), set()).add(e["field"].split("[")[0])  # conditions[1] -> conditions
    assert set(errors) == bad, "the engine and evaluate disagree on which rows are bad"
    assert len(out) + len(bad) == len(rows)
    return Expected({int(r["row"]): r for r in out}, errors, src)


def compare(got: list[dict[str, Any]], exp: Expected) -> tuple[int, int, int]:
    """Assert the engine's rows agree with ``exp`` row by row; returns (rows, valid, invalid)."""
    assert [r["row"] for r in got] == list(range(1, len(exp.valid) + len(exp.errors) + 1)), "row numbers"
    mismatches = []
    for g in got:
        n = g["row"]
        if n in exp.valid:
            want = {**exp.valid[n], ERROR_COLUMN: None}
            if g != want:
                diff = {k: (g.get(k), want.get(k)) for k in EMITTED_COLUMNS if g.get(k) != want.get(k)}
                mismatches.append((n, "valid", diff))
        else:
            error = g[ERROR_COLUMN]
            answers = {k: v for k, v in g.items() if k not in {"id", "row", ERROR_COLUMN} and v is not None}
            field = (error or "").split(":")[0]
            # The first problem: a field the errors file names for the row.
            if error is None or answers or field not in exp.errors[n]:
                mismatches.append((n, "invalid", error, sorted(exp.errors[n]), answers))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:5]}"
    return len(got), len(exp.valid), len(exp.errors)


def emitted(kb: KnowledgeBase, dialect: str, table: str, row_column: str | None = None) -> str:
    """The emitted query without its final ';' (for drivers that run one statement)."""
    return emit_sql(kb, dialect, table, text_input=True, row_column=row_column).rstrip().rstrip(";")
