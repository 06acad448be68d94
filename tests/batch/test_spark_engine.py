"""``batch --engine spark`` against the DuckDB engine on the same Parquet files: identical
output rows (values and order), errors file, summary and exit code, with Spark's
``spark.sql.ansi.enabled`` true and false. The files hold every kind of bad row and every
boundary value, as text columns (the CSV rules) and as typed columns, repeated and shuffled
list items, odd column types, and span several Spark partitions. Needs pyspark and Java
(the run's one session: ``tests/batch/conftest.py::spark``)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide import evaluate_many
from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.row_checks import BOOL_FIELDS, INT_FIELDS, LIST_FIELDS, NUMBER_FIELDS
from ketadecide.batch.spark.run import run_spark_batch
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.emit_helpers import cohort
from tests.batch.helpers import spark_errors_text
from tests.batch.test_differential import text_candidates

pytestmark = pytest.mark.slow


def text_table(kb: KnowledgeBase) -> pa.Table:
    """The emitted-SQL tests' cohort (every candidate cell, valid and invalid, repeated and
    shuffled list items, a seeded mix) as string columns, plus a column that is not a field."""
    rows = cohort(kb, seeded=200, seed=7)
    columns: dict[str, Any] = {f: [r.get(f) or None for r in rows] for f in PROFILE_FIELDS}
    columns["note"] = [None if i % 50 else "stray" for i in range(len(rows))]
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})


def _typed(field: str, cell: str) -> Any:
    """A valid text cell as the typed value a Parquet extract would hold."""
    if cell == "":
        return None
    if field in INT_FIELDS:
        return int(cell)
    if field in NUMBER_FIELDS:
        return float(cell)
    if field in BOOL_FIELDS:
        return cell.lower() in {"true", "yes", "1"}
    if field in LIST_FIELDS:
        return [] if cell == "none" else cell.split(";")
    if field == "phq9":
        return [int(x) for x in cell.split(";")]
    return cell


def _typed_invalid(field: str, kb: KnowledgeBase) -> list[Any]:
    """Typed values each engine must refuse for ``field``."""
    if field in INT_FIELDS:
        return [-1, 10**6, -(2**31)]
    if field in NUMBER_FIELDS:
        return [-0.01, 1e7, float("nan"), float("inf"), float("-inf")]
    if field in LIST_FIELDS:
        ids = list(text_candidates(field, kb)[0][:2])
        return [["unknown_id"], [ids[0], None], [ids[0]] * 101, [ids[0].upper()]]
    if field == "phq9":
        return [[0] * 8, [0] * 10, [4, 0, 0, 0, 0, 0, 0, 0, 0], [-1] * 9, [0, None, 0, 0, 0, 0, 0, 0, 0]]
    if field in BOOL_FIELDS:
        return []
    return [value for value in text_candidates(field, kb)[1] if isinstance(value, str)]


def typed_table(kb: KnowledgeBase, seed: int = 11) -> pa.Table:
    """Typed columns (int32/int64 numbers, doubles, booleans, lists of text, PHQ-9 as a list
    of integers): every valid boundary value and every kind of bad value on an otherwise
    valid row, repeated and shuffled list items, then a seeded mix."""
    rng = random.Random(seed)
    valid = {f: [_typed(f, c) for c in text_candidates(f, kb)[0]] for f in PROFILE_FIELDS}
    invalid = {f: _typed_invalid(f, kb) for f in PROFILE_FIELDS}
    rows: list[dict[str, Any]] = [{"age": 40, f: v} for f in PROFILE_FIELDS for v in valid[f] + invalid[f]]
    for field in ("diagnoses", "conditions", "medications"):
        ids = [x for v in valid[field] if v for x in v][:6]
        rows += [{"age": 40, field: [rng.choice(ids) for _ in range(rng.randint(2, 7))]} for _ in range(6)]
    rows += [{"age": None, "id": "no age"}, {"age": 40, "bp_systolic": 120, "bp_diastolic": 120}]
    for _ in range(300):
        row = {f: rng.choice(valid[f]) for f in PROFILE_FIELDS if f == "age" or rng.random() < 0.7}
        if rng.random() < 0.1:
            f = rng.choice([f for f in PROFILE_FIELDS if invalid[f]])
            row[f] = rng.choice(invalid[f])
        rows.append(row)
    rng.shuffle(rows)
    types = {
        **{f: pa.int64() for f in INT_FIELDS},
        "age": pa.int32(),
        **{f: pa.float64() for f in NUMBER_FIELDS},
        **{f: pa.bool_() for f in BOOL_FIELDS},
        **{f: pa.list_(pa.string()) for f in LIST_FIELDS},
        "phq9": pa.list_(pa.int64()),
    }
    columns = {f: pa.array([r.get(f) for r in rows], types.get(f, pa.string())) for f in PROFILE_FIELDS}
    extra = pa.array([{"x": 1} if i % 97 == 0 else None for i in range(len(rows))], pa.struct([("x", pa.int64())]))
    return pa.table({**columns, "extra": extra})


def odd_table() -> pa.Table:
    """Column types neither engine reads for their field: every row with a value there is an error."""
    return pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "age": pa.array([40, 41, 42, 43], pa.int16()),
            "phq9": pa.array([[1.0] * 9, None, None, None], pa.list_(pa.float64())),
            "diagnoses": pa.array([None, [True], None, None], pa.list_(pa.bool_())),
            "bp_systolic": pa.array([None, None, dt.date(2020, 1, 1), None]),
            "budget_per_session": pa.array([None, None, decimal.Decimal("1.5"), None], pa.decimal128(5, 2)),
            "has_driver": pa.array([None, None, None, "maybe"], pa.string()),  # a string column: the CSV rules
        }
    )


def _write(table: pa.Table, path: Path) -> Path:
    pq.write_table(table, path, row_group_size=64)  # several row groups: several Spark partitions
    return path


def _summary(summary: Any) -> dict[str, Any]:
    return {k: v for k, v in summary.to_dict().items() if k not in {"output", "errors_file"}}


def _both_engines(src: Path, kb: KnowledgeBase, spark: Any, tmp: Path) -> tuple[Any, Any]:
    """Run each engine on ``src``; assert the same rows, errors file and summary."""
    duck = run_batch(str(src), str(tmp / "duck.parquet"), kb)
    sp = run_spark_batch(str(src), str(tmp / "spark_out"), kb, spark=spark, errors=str(tmp / "spark.errors"))
    got = pq.read_table(tmp / "spark_out").to_pylist()
    assert got == pq.read_table(tmp / "duck.parquet").to_pylist()
    assert spark_errors_text(tmp / "spark.errors") == (tmp / "duck.parquet.errors.csv").read_text()
    assert _summary(sp) == _summary(duck)
    return duck, sp


@pytest.mark.parametrize("ansi", ["true", "false"])
@pytest.mark.parametrize("make", [text_table, typed_table], ids=["text", "typed"])
def test_spark_engine_gives_the_duckdb_engines_results(
    tmp_path: Path, rich_kb: KnowledgeBase, spark: Any, ansi: str, make: Any
) -> None:
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    src = _write(make(rich_kb), tmp_path / "cohort.parquet")
    duck, _ = _both_engines(src, rich_kb, spark, tmp_path)
    assert duck.rows_out > 300 and duck.error_rows > 60 and duck.accounted
    parts = sorted(p for p in (tmp_path / "spark_out").iterdir() if p.name.startswith("part-"))
    assert len(parts) > 1 and (tmp_path / "spark_out" / "_SUCCESS").exists()
    # The part files, in name order, hold the rows in input order.
    rows = [r for p in parts for r in pq.read_table(p, columns=["row"]).column("row").to_pylist()]
    assert rows == sorted(rows)


def test_odd_column_types_and_the_shipped_rules(tmp_path: Path, kb: KnowledgeBase, spark: Any) -> None:
    spark.conf.set("spark.sql.ansi.enabled", "true")
    duck, _ = _both_engines(_write(odd_table(), tmp_path / "odd.parquet"), kb, spark, tmp_path)
    assert duck.error_rows == 4
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    duck, _ = _both_engines(_write(typed_table(kb, seed=3), tmp_path / "typed.parquet"), kb, spark, shipped)
    assert duck.rows_out > 300


def test_evaluate_many_on_spark_equals_duckdb(tmp_path: Path, rich_kb: KnowledgeBase, spark: Any) -> None:
    spark.conf.set("spark.sql.ansi.enabled", "false")
    src = _write(typed_table(rich_kb, seed=5), tmp_path / "cohort.parquet")
    duck = evaluate_many(src, rich_kb)
    on_spark = evaluate_many(src, rich_kb, engine="spark", spark=spark)
    assert on_spark.table.equals(duck.table)
    assert on_spark.errors == duck.errors
    assert json.dumps(on_spark.summary.to_dict()) == json.dumps(duck.summary.to_dict())
    assert on_spark.summary.decided_in_python == duck.summary.decided_in_python
