"""Round trips for every input and output format, stdin/stdout, and CONTRACT §1 CSV parsing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.cli.main import app
from ketadecide.compare import evaluate
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import Profile, parse_profile
from tests.batch.helpers import minimal_dir, read_errors, read_output, reference_csv, write_csv

PROFILES: list[dict[str, Any]] = [
    {
        "id": "a",
        "age": 40,
        "diagnoses": ["mdd", "ptsd"],
        "conditions": ["psychosis_history"],
        "insurance": "commercial",
        "antidepressant_trials": 3,
    },
    {
        "id": "b",
        "age": 16,
        "medications": ["maoi", "opioid"],
        "has_driver": False,
        "suicidality": "active_ideation",
        "insurance": "medicare",
    },
    {
        "id": "c",
        "age": 70,
        "bp_systolic": 150,
        "bp_diastolic": 95,
        "phq9": [3, 3, 3, 3, 3, 3, 3, 3, 1],
        "budget_per_session": 150.5,
    },
    {
        "age": 33,
        "conditions": ["ketamine_hypersensitivity", "current_mania", "ketamine_hypersensitivity"],
        "pregnancy": "pregnant",
    },
]


def expected_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    from ketadecide.batch.io.columns import output_row

    out = []
    for n, record in enumerate(PROFILES, start=1):
        p = parse_profile(record)
        out.append(output_row(evaluate(p, kb), p, n))
    return out


def _csv_cell(v: Any) -> str:
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def write_input(path: Path, fmt: str) -> None:
    if fmt == "csv":
        write_csv(path, [{k: _csv_cell(v) for k, v in p.items()} for p in PROFILES])
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(p) + "\n" for p in PROFILES))
    else:
        columns = sorted({k for p in PROFILES for k in p})
        pq.write_table(pa.Table.from_pylist([{c: p.get(c) for c in columns} for p in PROFILES]), path)


@pytest.mark.parametrize("in_fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("out_fmt", ["csv", "jsonl", "parquet"])
def test_round_trip(tmp_path: Path, minimal_kb: KnowledgeBase, in_fmt: str, out_fmt: str) -> None:
    src = tmp_path / f"in.{in_fmt}"
    write_input(src, in_fmt)
    out = tmp_path / f"out.{out_fmt}"
    summary = run_batch(str(src), str(out), minimal_kb)
    assert read_output(out, out_fmt) == expected_rows(minimal_kb)
    assert read_errors(Path(f"{out}.errors.csv")) == []
    assert (summary.rows_in, summary.rows_out, summary.error_rows) == (4, 4, 0)
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("in_fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("out_fmt", ["csv", "jsonl", "parquet"])
def test_stdin_to_stdout(  # noqa: PLR0917 - pytest fixtures
    tmp_path: Path,
    runner: Any,
    minimal_kb: KnowledgeBase,
    in_fmt: str,
    out_fmt: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    src = tmp_path / f"in.{in_fmt}"
    write_input(src, in_fmt)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(
        app,
        ["batch", "-", "--output-format", out_fmt, "--data-dir", str(minimal_dir())],
        input=src.read_bytes(),
    )
    assert res.exit_code == 0, res.stderr
    out = tmp_path / f"stdout.{out_fmt}"
    out.write_bytes(res.stdout_bytes)
    assert read_output(out, out_fmt) == expected_rows(minimal_kb)
    assert "4 rows in = 4 results + 0 error rows" in res.stderr


def test_csv_value_parsing(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    """CONTRACT §1 in CSV: ';' lists, booleans in any case, empty = not given, phq9 digits."""
    rows = [
        {
            "id": "x",
            "age": "42",
            "diagnoses": "mdd;ptsd",
            "medications": "maoi;opioid",
            "has_driver": "YES",
            "prefers_home": "0",
            "needle_averse": "True",
            "financial_stress": "no",
            "phq9": "0;1;2;3;0;1;2;3;1",
            "budget_per_session": "",
            "pregnancy": "",
            "insurance": "",
        },
    ]
    write_csv(tmp_path / "in.csv", rows)
    run_batch(str(tmp_path / "in.csv"), str(tmp_path / "o.parquet"), minimal_kb)
    (got,) = read_output(tmp_path / "o.parquet", "parquet")
    p = Profile(
        id="x",
        age=42,
        diagnoses=("mdd", "ptsd"),
        medications=("maoi", "opioid"),
        has_driver=True,
        prefers_home=False,
        needle_averse=True,
        financial_stress=False,
        phq9=(0, 1, 2, 3, 0, 1, 2, 3, 1),
    )
    from ketadecide.batch.io.columns import output_row

    assert got == output_row(evaluate(p, minimal_kb), p, 1)
    assert got["insurance"] == "unknown" and got["spravato_findings"] == "maoi;opioid"  # profile order


def test_reference_matches_profile_for_text(minimal_kb: KnowledgeBase) -> None:
    from ketadecide.batch.row_checks import check_cells

    v = check_cells(
        {
            "age": "42",
            "has_driver": "No",
            "phq9": "1;1;1;1;1;1;1;1;1",
            "conditions": "current_mania",
        },
        minimal_kb,
    )
    assert v.profile == Profile(age=42, has_driver=False, phq9=(1,) * 9, conditions=("current_mania",))
    assert check_cells({"age": "4.5"}, minimal_kb).profile is None
    assert check_cells({"age": "42", "phq9": "1;1;1"}, minimal_kb).profile is None


def test_csv_reference_helper_agrees_with_itself(minimal_kb: KnowledgeBase) -> None:
    # guards the helper used by the differential tests
    rows = [{"age": "40"}, {"age": "x"}]
    out, bad = reference_csv(rows, minimal_kb)
    assert [r["row"] for r in out] == [1] and bad == {2}
