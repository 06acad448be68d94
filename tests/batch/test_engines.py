"""Every batch engine (``ketadecide.batch.engines.ENGINES``, through the ``engine`` fixture's
one parameter) against the single-profile reference, run the way the CLI runs it: a
:class:`~ketadecide.batch.engines.BatchJob` handed to :func:`~ketadecide.batch.engines.run_job`.

The cohort holds every candidate cell of every field, valid and invalid, as text columns of
a Parquet file (the CSV rules apply to text columns) -- the one input format every engine reads.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.engines import ENGINES, BatchJob, engine_for, run_job
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.emit_helpers import cohort
from tests.batch.helpers import minimal_dir, read_engine_errors, reference_csv

pytestmark = pytest.mark.slow


def _parquet(rows: list[dict[str, str]], path: Path) -> Path:
    columns = {f: pa.array([r.get(f) or None for r in rows], pa.string()) for f in PROFILE_FIELDS}
    pq.write_table(pa.table(columns), path, row_group_size=128)  # several row groups: several partitions
    return path


def _output(engine: str, tmp: Path) -> Path:
    return tmp / ("out" if engine == "spark" else "out.parquet")


def test_every_engine_gives_the_references_rows_errors_and_summary(
    tmp_path: Path, minimal_kb: KnowledgeBase, engine: str
) -> None:
    rows = cohort(minimal_kb, seeded=300, seed=23)
    expected, bad = reference_csv(rows, minimal_kb)
    src = _parquet(rows, tmp_path / "cohort.parquet")
    out = _output(engine, tmp_path)
    errors = tmp_path / "errors.csv"
    summary = run_job(BatchJob(input=str(src), output=str(out), errors=str(errors), data_dir=minimal_dir()), engine)
    assert pq.read_table(out).to_pylist() == expected
    assert {int(e["row"]) for e in read_engine_errors(errors)} == bad
    assert summary.rows_in == len(rows) == summary.rows_out + summary.error_rows
    assert summary.error_rows == len(bad) > 20 and summary.rows_out > 200


def test_the_table_names_every_engine_and_each_is_one_object(engine: str) -> None:
    picked = engine_for(engine)
    assert picked.name == engine and engine in ENGINES
    with pytest.raises(ValueError, match="duckdb or spark"):
        engine_for("nope")
    from ketadecide.cli.batch import Engine

    assert {e.value for e in Engine} == set(ENGINES), "the CLI's --engine choices are the table's"


def test_integral_doubles_are_whole_numbers_on_every_engine(
    tmp_path: Path, minimal_kb: KnowledgeBase, engine: str
) -> None:
    """CONTRACT §1: a typed double with no fractional part (pandas writes 2.0 for an integer
    column with gaps) is the integer it holds; a fraction, NaN or an infinity is an error."""
    ids = ["a", "b", "c", "d", "e", "f"]
    ages = [40.0, 41.5, float("nan"), float("inf"), 64.0, None]
    systolic = [120.0, 120.0, 120.0, 120.0, None, 130.0]
    doubles = pa.table({"id": ids, "age": pa.array(ages, pa.float64()), "bp_systolic": systolic})
    ints = pa.table(
        {"id": ["a", "e"], "age": pa.array([40, 64], pa.int64()), "bp_systolic": pa.array([120, None], pa.int64())}
    )
    pq.write_table(doubles, tmp_path / "doubles.parquet")
    pq.write_table(ints, tmp_path / "ints.parquet")
    got = {}
    for name in ("doubles", "ints"):
        out, errors = tmp_path / f"{name}-out{'' if engine == 'spark' else '.parquet'}", tmp_path / f"{name}.err.csv"
        job = BatchJob(input=str(tmp_path / f"{name}.parquet"), output=str(out), errors=str(errors))
        run_job(job, engine)
        rows = [{k: v for k, v in r.items() if k != "row"} for r in pq.read_table(out).to_pylist()]
        got[name] = (rows, read_engine_errors(errors))
    assert got["doubles"][0] == got["ints"][0] and [r["id"] for r in got["doubles"][0]] == ["a", "e"]
    assert [(e["row"], e["field"]) for e in got["doubles"][1]] == [
        ("2", "age"),
        ("3", "age"),
        ("4", "age"),
        ("6", "age"),
    ]


def test_keep_copies_columns_on_every_engine(tmp_path: Path, engine: str) -> None:
    """``--keep`` (CONTRACT §5) on every engine: the named columns after ``id``, as text
    (a typed value as JSON writes it, a whole double as its integer), never checked as
    profile fields; a kept profile field is copied and still read."""
    values = pa.table(
        {
            "id": ["a", "b", "c"],
            "age": pa.array([40, 50, None], pa.int64()),
            "site": ["=x", None, "z"],
            "n": pa.array([1, None, 3], pa.int64()),
            "w": pa.array([2.0, 2.5, float("nan")], pa.float64()),
            "ok": pa.array([True, False, None]),
            "tags": pa.array([["p", "q"], [], None], pa.list_(pa.string())),
        }
    )
    src = tmp_path / "in.parquet"
    pq.write_table(values, src)
    out = _output(engine, tmp_path)
    keep = ("site", "n", "w", "ok", "tags", "age")
    job = BatchJob(input=str(src), output=str(out), errors=str(tmp_path / "e.csv"), keep=keep)
    run_job(job, engine)
    rows = pq.read_table(out).to_pylist()
    assert list(rows[0])[: len(keep) + 2] == ["id", *keep, "crisis"]
    assert [[r[k] for k in ("id", *keep)] for r in rows] == [
        ["a", "=x", "1", "2", "true", '["p", "q"]', "40"],
        ["b", None, None, "2.5", "false", "[]", "50"],
    ]
    assert [(e["row"], e["field"]) for e in read_engine_errors(tmp_path / "e.csv")] == [("3", "age")]
