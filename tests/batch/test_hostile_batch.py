"""Hostile batch inputs: never a traceback, never a lost row, never a half-written file.

Unlike a single profile, a bad *row* in a batch is not a failed run (CONTRACT §5): it goes
to the errors file and the run completes with exit 0. Only an input that cannot be read
as a whole (not UTF-8, no CSV header, not a file) is exit 2, with one line naming it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.batch.helpers import minimal_dir, read_errors, read_output

OK_CSV = "id,age\nfine,40\n"
CASES: dict[str, tuple[str, bytes, int]] = {
    # name: (file name, bytes, expected exit code)
    "binary_csv": ("in.csv", bytes(range(256)) * 40, 2),
    "binary_jsonl": ("in.jsonl", bytes(range(256)) * 40, 2),
    "latin1_late_row_csv": ("in.csv", OK_CSV.encode() + "caf\xe9,41\n".encode("latin-1"), 2),
    "latin1_jsonl": ("in.jsonl", b'{"age": 40}\n' + '{"id": "caf\xe9", "age": 40}\n'.encode("latin-1"), 2),
    "empty_csv": ("in.csv", b"", 2),
    "header_only_csv": ("in.csv", b"id,age\n", 0),
    "empty_jsonl": ("in.jsonl", b"", 0),
    "bom_crlf_csv": ("in.csv", b"\xef\xbb\xbfid,age\r\nfine,40\r\n", 0),
    "nul_in_cell_csv": ("in.csv", b"id,age\nbad\x00id,40\nfine,41\n", 0),
    "huge_cell_csv": ("in.csv", b"id,age\n" + b"x" * 3_000_000 + b",40\nfine,41\n", 0),
    "deep_json_line": ("in.jsonl", b'{"age": 40, "x": ' + b"[" * 20_000 + b"]" * 20_000 + b'}\n{"age": 41}\n', 0),
    "yaml_tag_as_jsonl": ("in.jsonl", b'!!python/object/apply:os.system ["touch pwned"]\n{"age": 41}\n', 0),
    "ragged_and_quotes_csv": ("in.csv", b'id,age\n"unterminated,40\nfine,41\n', 0),
    "many_columns_csv": (
        "in.csv",
        (",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" * 5000) + "\n").encode(),
        0,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_batch_input(case: str, tmp_path: Path) -> None:
    name, data, expected = CASES[case]
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / "out.csv"
    summary = tmp_path / "summary.json"
    start = time.perf_counter()
    res = CliRunner().invoke(
        app,
        [
            "batch",
            str(src),
            "-o",
            str(out),
            "--summary",
            str(summary),
            "--no-progress",
            "--data-dir",
            str(minimal_dir()),
        ],
    )
    assert time.perf_counter() - start < 20
    assert res.exit_code == expected, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr
    assert not (tmp_path / "pwned").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".out")]
    assert leftovers == []
    if expected == 2:
        assert str(src) in res.stderr
        assert not out.exists()
        return
    counts = json.loads(summary.read_text())
    text = json.dumps(counts)
    # Rows in = rows out + error rows, whatever the input threw at it.
    rows_out = len(read_output(out, "csv"))
    error_rows = {e["row"] for e in read_errors(Path(f"{out}.errors.csv"))}
    assert "rows_in" in text
    assert counts["rows_in"] == rows_out + len(error_rows), (counts, rows_out, error_rows)
    # An echoed id is cut to what identifies the row, never a copy of a hostile cell.
    assert all(len(e["id"]) <= 201 for e in read_errors(Path(f"{out}.errors.csv")))


@pytest.mark.parametrize(
    "columns",
    [("age",), ("id", "age"), ("age", "bp_systolic", "bp_diastolic"), ("age", "suicidality", "conditions")],
)
def test_any_subset_of_columns_runs_on_the_shipped_rules(columns: tuple[str, ...], tmp_path: Path) -> None:
    """Only age is required: a CSV without phq9 (which the shipped PHQ-9 screens read) must
    run, and agree with evaluate(). (A missing column used to be an untyped NULL in SQL.)"""
    from ketadecide.compare import evaluate
    from ketadecide.floor import load_knowledge_base
    from ketadecide.profile import parse_profile
    from tests.conftest import DATA_DIR

    values = {"id": "p1", "age": "40", "bp_systolic": "150", "bp_diastolic": "85", "suicidality": "none"}
    values["conditions"] = "psychosis_history"
    src = tmp_path / "in.csv"
    src.write_text(",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--no-progress", "--data-dir", str(DATA_DIR)])
    assert res.exit_code == 0, res.stderr
    (row,) = read_output(out, "csv")
    typed = {c: (int(values[c]) if c in ("age", "bp_systolic", "bp_diastolic") else values[c]) for c in columns}
    if "conditions" in typed:
        typed["conditions"] = [values["conditions"]]
    expected = evaluate(parse_profile(typed), load_knowledge_base(DATA_DIR))
    for m in expected.modalities:
        assert row[f"{m.id}_status"] == m.status
        assert row[f"{m.id}_findings"] == ";".join(f.id for f in m.findings)


def test_chunked_run_equals_single_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small chunks (bad rows, ragged lines and fallback rows among them) give exactly
    the output and errors of one chunk: order, row numbers and counts survive chunking."""
    import ketadecide.batch.duckdb.stream as run_mod
    from ketadecide.batch.duckdb.run import run_batch
    from ketadecide.floor import load_knowledge_base

    kb = load_knowledge_base(minimal_dir())
    lines = ["id,age,conditions,bp_systolic,bp_diastolic"]
    for i in range(1, 400):
        if i % 37 == 0:
            lines.append(f"ragged{i},40")  # wrong number of cells
        elif i % 23 == 0:
            lines.append(f"bad{i},old,,,")  # not a number
        elif i % 19 == 0:
            lines.append(f"unk{i},40,not_a_condition,,")  # unknown id (decided in Python)
        else:
            lines.append(f"p{i},{18 + i % 60},{'psychosis_history' if i % 5 == 0 else ''},{100 + i % 90},{60 + i % 30}")
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + "\n")
    one = run_batch(str(src), str(tmp_path / "one.csv"), kb)
    monkeypatch.setattr(run_mod, "CHUNK_ROWS", 7)
    monkeypatch.setattr(run_mod, "RESULT_BATCH_ROWS", 5)
    many = run_batch(str(src), str(tmp_path / "many.csv"), kb)
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "many.csv").read_text()
    assert (tmp_path / "one.csv.errors.csv").read_text() == (tmp_path / "many.csv.errors.csv").read_text()
    assert (
        (one.rows_in, one.rows_out, one.error_rows) == (many.rows_in, many.rows_out, many.error_rows) == (399, 351, 48)
    )
