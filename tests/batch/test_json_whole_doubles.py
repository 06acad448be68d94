"""CONTRACT §1: a typed JSON number with no fractional part (``2.0``) is the integer it holds,
in the SQL (rows not flagged) and in the Python reference (flagged rows, profile lines); the
text ``"2.0"`` and the CSV cell ``2.0`` stay input errors."""

from __future__ import annotations

import json
from pathlib import Path

from ketadecide.batch.api import evaluate_many
from ketadecide.batch.row_checks import check_json_line
from ketadecide.knowledge import KnowledgeBase


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(run: object) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != "row"} for r in run.table.to_pylist()]  # type: ignore[attr-defined]


def test_json_whole_doubles_read_as_the_integers(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    base = {"suicidality": "none", "antidepressant_trials": 2, "bp_diastolic": 80}
    ints = [
        {"id": "a", "age": 40, "bp_systolic": 120, **base},
        {"id": "b", "age": 64, "bp_systolic": 150, **base, "phq9": [1, 2, 3, 0, 1, 2, 3, 0, 0]},
    ]
    doubles = [
        {**ints[0], "age": 40.0, "bp_systolic": 120.0, "antidepressant_trials": 2.0},
        {**ints[1], "age": 64.0, "phq9": [1.0, 2, 3.0, 0, 1, 2, 3, 0, 0.0]},
        {"id": "c", "age": 41.5},
        {"id": "d", "age": "40.0"},
        {"id": "e", "age": 1e300},
    ]
    got_ints = evaluate_many(_jsonl(tmp_path / "ints.jsonl", ints), minimal_kb)
    got = evaluate_many(_jsonl(tmp_path / "doubles.jsonl", doubles), minimal_kb)
    assert _rows(got)[:2] == _rows(got_ints) and len(_rows(got)) == 2
    assert [(e.row, e.field) for e in got.errors] == [(3, "age"), (4, "age"), (5, "age")]
    # The whole doubles of the scalar fields are read in SQL, not sent to the reference.
    assert got.summary.to_dict()["decided_in_python"] <= 1


def test_the_reference_reads_json_doubles_as_a_profile_file_would(minimal_kb: KnowledgeBase) -> None:
    ok = check_json_line('{"age": 40.0, "phq9": [0.0, 1, 2, 3, 0, 1, 2, 3, 0]}', minimal_kb, row=1)
    assert ok.profile is not None and ok.profile.age == 40 and ok.profile.phq9 == (0, 1, 2, 3, 0, 1, 2, 3, 0)
    bad_phq9 = '{"age": 40, "phq9": [0.5, 1, 2, 3, 0, 1, 2, 3, 0]}'
    for line in ('{"age": 40.5}', '{"age": "40.0"}', '{"age": NaN}', bad_phq9):
        assert check_json_line(line, minimal_kb, row=1).profile is None, line


def test_the_csv_cell_2_0_stays_an_error(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    src = tmp_path / "c.csv"
    src.write_text("id,age\na,40\nb,40.0\n", encoding="utf-8")
    run = evaluate_many(src, minimal_kb)
    assert [r["id"] for r in run.table.to_pylist()] == ["a"]
    assert [(e.row, e.field) for e in run.errors] == [(2, "age")]
