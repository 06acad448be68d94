"""``--keep COL,...`` (CONTRACT §5): input columns copied into the results after ``id``, never
checked as profile fields, formula-escaped in CSV; a missing or colliding name is exit 2."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.cli.main import app
from ketadecide.knowledge import KnowledgeBase
from tests.batch.emit_helpers import cohort
from tests.batch.helpers import minimal_dir, read_errors, write_csv

SITES = ["=HYPERLINK(1)", "+1", "-2", "@x", "north", "", "a,b;c", "Zoë"]


def _with_extras(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rnd = random.Random(5)
    return [{**r, "site": rnd.choice(SITES), "visit": str(i)} for i, r in enumerate(rows)]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("out_fmt", ["csv", "jsonl", "parquet"])
def test_kept_columns_follow_id_and_change_nothing_else(
    tmp_path: Path, minimal_kb: KnowledgeBase, out_fmt: str
) -> None:
    rows = cohort(minimal_kb, seeded=200, seed=11)
    extra = _with_extras(rows)
    columns = sorted({k for r in rows for k in r})
    plain, kept = tmp_path / "plain.csv", tmp_path / "kept.csv"
    write_csv(plain, rows, columns)
    write_csv(kept, extra, [*columns, "site", "visit"])
    a = run_batch(str(plain), str(tmp_path / f"a.{out_fmt}"), minimal_kb)
    b = run_batch(str(kept), str(tmp_path / f"b.{out_fmt}"), minimal_kb, keep=("site", "visit"))
    # The kept columns are never profile fields: the same errors, the same rows.
    assert read_errors(tmp_path / f"b.{out_fmt}.errors.csv") == read_errors(tmp_path / f"a.{out_fmt}.errors.csv")
    assert (a.rows_out, a.error_rows) == (b.rows_out, b.error_rows) and a.error_rows > 5
    if out_fmt == "csv":
        got, want = _csv_rows(tmp_path / "b.csv"), _csv_rows(tmp_path / "a.csv")
    elif out_fmt == "jsonl":
        lines = (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()
        got = [json.loads(x) for x in lines]
        want = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    else:
        import pyarrow.parquet as pq

        got, want = pq.read_table(tmp_path / "b.parquet").to_pylist(), pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert list(got[0])[:4] == ["id", "site", "visit", "crisis"]
    assert [{k: v for k, v in r.items() if k not in ("site", "visit")} for r in got] == want
    by_visit = {r["visit"]: r["site"] for r in extra}
    for r in got:
        site = by_visit[str(r["visit"])]
        if out_fmt == "csv":
            # Formula-escaped in CSV; an empty cell stays empty.
            assert r["site"] == ("'" + site if site[:1] in "=+-@" and site else site)
        else:
            assert r["site"] == site  # the CSV cell as it is, an empty one too


def test_jsonl_input_keeps_any_json_value_and_rows_the_reference_decides(
    tmp_path: Path, minimal_kb: KnowledgeBase
) -> None:
    lines = [
        {"id": "a", "age": 40, "site": "=1", "n": 3},
        {"id": "b", "age": "x", "site": "B"},
        # A JSON double PHQ-9 is flagged by the SQL and accepted by the Python reference.
        {"id": "c", "age": 50, "site": "C", "n": 2.5, "phq9": [0.0, 1, 2, 3, 0, 1, 2, 3, 0]},
        {"id": "d", "age": 60},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    summary = run_batch(str(src), str(tmp_path / "o.csv"), minimal_kb, keep=("site", "n"))
    got = _csv_rows(tmp_path / "o.csv")
    assert [(r["id"], r["site"], r["n"]) for r in got] == [("a", "'=1", "3"), ("c", "C", "2.5"), ("d", "", "")]
    assert [(e["row"], e["field"]) for e in read_errors(tmp_path / "o.csv.errors.csv")] == [("2", "age")]
    assert summary.to_dict()["decided_in_python"] >= 1
    run_batch(str(src), str(tmp_path / "o.jsonl"), minimal_kb, keep=("site", "n"))
    out = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [list(r)[:4] for r in out] == [["id", "site", "n", "crisis"]] * 3
    assert [(r["site"], r["n"]) for r in out] == [("=1", "3"), ("C", "2.5"), (None, None)]


def test_without_keep_an_extra_column_is_still_an_unknown_field(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40", "site": "x"}], ["id", "age", "site"])
    summary = run_batch(str(src), str(tmp_path / "o.csv"), minimal_kb)
    assert summary.error_rows == 1
    assert [e["field"] for e in read_errors(tmp_path / "o.csv.errors.csv")] == ["site"]


@pytest.mark.parametrize(
    ("keep", "named"),
    [("site,nope", "'nope'"), ("crisis", "'crisis'"), ("id", "'id'"), ("spravato_status", "'spravato_status'")],
)
def test_a_missing_or_colliding_kept_name_is_exit_2(tmp_path: Path, runner: Any, keep: str, named: str) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40", "site": "x"}], ["id", "age", "site"])
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["batch", str(src), "-o", str(out), "--keep", keep, "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2, res.stderr
    assert "--keep" in res.stderr and named in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def test_keep_on_the_command_line(tmp_path: Path, runner: Any) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40", "site": "@home"}], ["id", "age", "site"])
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["batch", str(src), "-o", str(out), "--keep", "site", "--data-dir", str(minimal_dir())])
    assert res.exit_code == 0, res.stderr
    assert [(r["id"], r["site"]) for r in _csv_rows(out)] == [("a", "'@home")]


def test_evaluate_many_keeps_columns_too(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    from ketadecide.batch.api import evaluate_many
    from ketadecide.errors import InputError

    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40", "site": "=x", "visit": "3"}], ["id", "age", "site", "visit"])
    for keep in (["site", "visit"], "site,visit"):
        run = evaluate_many(src, minimal_kb, keep=keep)
        assert run.table.column_names[:4] == ["id", "site", "visit", "crisis"] and not run.errors
        assert run.table.select(["site", "visit"]).to_pylist() == [{"site": "=x", "visit": "3"}]
    with pytest.raises(InputError, match="nope"):
        evaluate_many(src, minimal_kb, keep=["nope"])
    with pytest.raises(ValueError, match="keep"):
        evaluate_many([{"age": 40}], minimal_kb, keep=["site"])


def test_spark_workers_put_kept_values_in_rows_the_reference_accepts(minimal_kb: KnowledgeBase) -> None:
    """The Spark engine's re-check (run on the executors, here in this process): a flagged row
    the Python reference accepts becomes an output record holding the ``--keep`` values as
    text; a rejected one gives its errors, the kept values never read as fields."""
    import pyarrow as pa

    from ketadecide.batch.spark.workers import recheck

    batch = pa.RecordBatch.from_pydict(
        {
            "__row": [4, 5],
            "id": ["a", "b"],
            "age": ["40", "forty"],
            "__keep_0": pa.array([7, 8], pa.int64()),
            "__keep_1": ["=x", "y"],
        }
    )
    kinds = {"id": "text", "age": "text"}
    out = pa.Table.from_batches(
        list(recheck(iter([batch]), kinds=kinds, kb=minimal_kb, fired=False, fmt="csv", keep=("visit", "site")))
    ).to_pylist()
    accepted = json.loads(out[0]["accepted"])
    assert (out[0]["row"], accepted["id"], accepted["visit"], accepted["site"]) == (4, "a", "7", "=x")
    assert [(r["row"], r["field"], r["accepted"]) for r in out[1:]] == [(5, "age", None)]
