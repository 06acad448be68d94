"""Every kind of bad row goes to the errors file with its 1-based row number; good rows stay."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.knowledge import KnowledgeBase
from tests.batch.helpers import read_errors, read_output


def test_csv_bad_rows(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    src = tmp_path / "cohort.csv"
    src.write_text(
        "id,age,has_driver,conditions,colour,bp_systolic,bp_diastolic\n"
        "ok1,40,yes,,,,\n"  # 1 good
        "miss,,yes,,,,\n"  # 2 missing required age
        "type,4.5,yes,,,,\n"  # 3 wrong type
        "range,121,yes,,,,\n"  # 4 out of range
        "unk_col,40,yes,,red,,\n"  # 5 unknown column (with a value)
        "unk_id,40,yes,not_a_condition,,,\n"  # 6 unknown id
        "ragged,40,yes\n"  # 7 ragged line
        "bool,40,maybe,,,,\n"  # 8 bad boolean
        "bp,40,,,,80,90\n"  # 9 systolic not above diastolic
        '"multi\nline",41,no,,,,\n'  # 10, 11: records are lines: two lines, each with a stray quote
        "ok2,50,,psychosis_history,,,\n",  # 12 good
        encoding="utf-8",
    )
    out = tmp_path / "results.csv"
    summary = run_batch(str(src), str(out), minimal_kb)
    got = read_output(out, "csv")
    assert [r["id"] for r in got] == ["ok1", "ok2"]
    assert [r["row"] for r in got] == [1, 12]
    errors = read_errors(Path(f"{out}.errors.csv"))
    by_row = {int(e["row"]): e for e in errors}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert by_row[10]["id"] == "multi" and "not closed on its line" in by_row[10]["error"]
    assert "not closed on its line" in by_row[11]["error"]
    assert by_row[2]["field"] == "age" and "missing" in by_row[2]["error"]
    assert by_row[3]["field"] == "age" and by_row[3]["id"] == "type"
    assert by_row[4]["field"] == "age"
    assert by_row[5]["field"] == "colour" and "unknown field" in by_row[5]["error"]
    assert by_row[6]["field"] == "conditions[0]" and "unknown condition" in by_row[6]["error"]
    assert by_row[7]["id"] == "ragged" and "header has 7" in by_row[7]["error"]
    assert by_row[8]["field"] == "has_driver"
    assert by_row[9]["field"] == "bp_diastolic"
    assert (summary.rows_in, summary.rows_out, summary.error_rows) == (12, 2, 10)
    assert summary.accounted


def test_jsonl_bad_rows_and_jsonl_errors_file(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    lines = [
        '{"id": "ok", "age": 40}',
        '{"id": "t", "age": "40"}',  # wrong type (JSON is strictly typed)
        "{not json",  # bad JSON
        "",  # empty line
        '{"id": "u", "age": 40, "colour": 1}',
        '{"id": "d", "age": 40, "age": 41}',  # duplicate key
        '{"id": "m", "age": 40, "medications": ["nope"]}',
        "[1, 2]",
        # a number as text: JSON is strictly typed, so this is an error like "40" above
        '{"id": "t2", "age": 40, "budget_per_session": "100"}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.parquet"
    errs = tmp_path / "errs.jsonl"
    summary = run_batch(str(src), str(out), minimal_kb, errors=str(errs))
    assert [r["row"] for r in read_output(out, "parquet")] == [1]
    errors = [json.loads(x) for x in errs.read_text().splitlines()]
    assert set(errors[0]) == {"row", "id", "field", "error"}
    assert sorted({e["row"] for e in errors}) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert next(e for e in errors if e["row"] == 9)["field"] == "budget_per_session"
    assert summary.accounted


def test_parquet_typed_columns(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    table = pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "age": pa.array([40, 30, None, 20], pa.int32()),
            "budget_per_session": [100.0, float("nan"), 1.0, None],
            "diagnoses": pa.array([["mdd"], [], None, ["nope"]], pa.list_(pa.string())),
            "has_driver": [True, None, False, True],
        }
    )
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    out = tmp_path / "out.jsonl"
    summary = run_batch(str(src), str(out), minimal_kb)
    assert [r["id"] for r in read_output(out, "jsonl")] == ["a"]
    errors = read_errors(Path(f"{out}.errors.csv"))
    assert {(int(e["row"]), e["field"]) for e in errors} == {
        (2, "budget_per_session"),
        (3, "age"),
        (4, "diagnoses[0]"),
    }
    assert summary.accounted


def test_unreadable_input_exits_2(tmp_path: Path, runner: object) -> None:
    from ketadecide.cli.main import app
    from tests.batch.helpers import minimal_dir

    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet at all")
    res = runner.invoke(app, ["batch", str(bad), "-o", str(tmp_path / "o.csv"), "--data-dir", str(minimal_dir())])  # type: ignore[attr-defined]
    assert res.exit_code == 2
    assert "ketadecide: error:" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o.csv").exists()
    res = runner.invoke(app, ["batch", str(tmp_path / "missing.csv"), "--data-dir", str(minimal_dir())])  # type: ignore[attr-defined]
    assert res.exit_code == 2 and "no such file" in res.stderr
    empty = tmp_path / "e.csv"
    empty.write_text("")
    res = runner.invoke(app, ["batch", str(empty), "--data-dir", str(minimal_dir())])  # type: ignore[attr-defined]
    assert res.exit_code == 2
    dup = tmp_path / "d.csv"
    dup.write_text("age,age\n1,2\n")
    res = runner.invoke(app, ["batch", str(dup), "--data-dir", str(minimal_dir())])  # type: ignore[attr-defined]
    assert res.exit_code == 2 and "twice" in res.stderr


def test_control_characters_in_id_are_errors_in_batch_as_in_compare(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "ok", "age": 40}\n{"id": "\\u001b[31mred", "age": 40}\n{"id": "tab\\there", "age": 40}\n')
    errs = tmp_path / "errs.csv"
    summary = run_batch(str(src), str(tmp_path / "out.csv"), minimal_kb, errors=str(errs))
    assert (summary.rows_out, summary.error_rows) == (1, 2)
    assert "control characters" in errs.read_text()
