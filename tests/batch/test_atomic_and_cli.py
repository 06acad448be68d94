"""Atomic output (an interrupted run leaves nothing under the final name), the CLI surface,
the summary, the emitted SQL in every dialect, and the missing-extra message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from ketadecide.batch.io.columns import output_columns
from ketadecide.batch.sql.compile import DIALECTS
from ketadecide.batch.sql.emit import emit_sql
from ketadecide.cli.main import app
from ketadecide.engine.result import STATUSES
from ketadecide.knowledge import KnowledgeBase
from tests.batch.helpers import minimal_dir, read_output, reference_csv, write_csv

ROOT = Path(__file__).resolve().parents[2]

_KILL_SCRIPT = r"""
import sys, time
from pathlib import Path
from ketadecide.batch.duckdb import run as run_mod
from ketadecide.batch.io import writers
from ketadecide.floor import load_knowledge_base

original = writers.ResultWriter.write
def slow_write(self, table, json_lines):
    original(self, table, json_lines)
    Path(sys.argv[3]).touch()   # tell the parent: the first batch is half-written
    time.sleep(60)
writers.ResultWriter.write = slow_write
run_mod.run_batch(sys.argv[1], sys.argv[2], load_knowledge_base(sys.argv[4]))
"""


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_killed_run_leaves_no_file_under_final_name(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"age": str(20 + i % 50)} for i in range(1000)])
    out = tmp_path / f"results.{fmt}"
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(src), str(out), str(ready), str(minimal_dir())], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert any(p.name.startswith(f".{out.name}.") for p in tmp_path.iterdir())  # writing...
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not out.exists()
    assert not Path(f"{out}.errors.csv").exists()


def test_interrupt_in_process_cleans_up(tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ketadecide.batch.io import writers as run_mod

    def boom(self: Any, table: Any, json_lines: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_mod.ResultWriter, "write", boom)
    src = tmp_path / "in.csv"
    write_csv(src, [{"age": "40"}])
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "r.parquet"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_out_of_memory_is_one_clear_line_exit_1(tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ketadecide.batch.duckdb import stream as run_mod

    monkeypatch.setattr(run_mod, "memory_limit_mb", lambda _threads: 1)
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": f"p{i}", "age": str(20 + i % 60)} for i in range(30_000)])
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "r.parquet"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 1
    assert "ran out of memory" in res.stderr and "Traceback" not in res.stderr
    assert "cannot write" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_cli_summary_json(tmp_path: Path, runner: Any, minimal_kb: KnowledgeBase) -> None:
    rows = [
        {
            "age": "40",
            "insurance": "medicare",
            "conditions": "psychosis_history",
            "suicidality": "plan_or_intent",
        },
        {"age": "15", "insurance": "medicare"},
        {"age": "50", "insurance": "commercial", "conditions": "ketamine_hypersensitivity"},
        {"age": "x"},
        # Every screening question answered, nothing found: no_flags.
        {
            "age": "45",
            "insurance": "commercial",
            "suicidality": "none",
            "pregnancy": "none",
            "diagnoses": "mdd",
            "conditions": "none",
            "medications": "none",
            "antidepressant_trials": "3",
        },
    ]
    src = tmp_path / "cohort.csv"
    write_csv(src, rows)
    res = runner.invoke(
        app,
        [
            "batch",
            str(src),
            "-o",
            str(tmp_path / "r.parquet"),
            "--summary",
            str(tmp_path / "s.json"),
            "--data-dir",
            str(minimal_dir()),
        ],
    )
    assert res.exit_code == 0, res.stderr
    s = json.loads((tmp_path / "s.json").read_text())
    assert (s["rows_in"], s["rows_out"], s["error_rows"], s["accounted_for"]) == (5, 4, 1, True)
    assert s["overall"]["crisis"] == 1
    assert s["by_payer"]["medicare"]["rows"] == 2 and s["by_payer"]["medicare"]["crisis"] == 1
    # Counts agree with the results file itself.
    got = read_output(tmp_path / "r.parquet", "parquet")
    seen = set()
    for m in ("spravato", "iv", "im", "compounded"):
        for status in STATUSES:
            assert s["overall"]["modalities"][m][status] == sum(r[f"{m}_status"] == status for r in got)
        for ind in ("on_label", "off_label", "not_established"):
            count = sum(r[f"{m}_indication"] == ind for r in got)
            assert s["overall"]["modalities"][m]["indication"][ind] == count
        seen |= {r[f"{m}_status"] for r in got}
        found: dict[str, int] = {}
        for r in got:
            for f in filter(None, r[f"{m}_findings"].split(";")):
                found[f] = found.get(f, 0) + 1
        assert s["overall"]["modalities"][m]["findings"] == dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    assert s["by_payer"]["medicare"]["modalities"]["spravato"]["findings"] == {
        "active_suicidal_ideation": 1,  # the medicare crisis row
        "age_under_18": 1,
        "psychosis_history": 1,
    }
    assert {"contraindicated", "incomplete", "no_flags"} <= seen
    assert s["overall"]["modalities"]["spravato"]["indication"]["on_label"] == 1
    assert "5 rows in = 4 results + 1 error rows" in res.stderr


def test_summary_table_renders(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    import io

    from ketadecide.batch.duckdb.run import run_batch
    from ketadecide.render.terminal_batch import print_summary

    src = tmp_path / "in.csv"
    write_csv(src, [{"age": "40", "insurance": "medicaid"}, {"age": "nope"}])
    summary = run_batch(str(src), str(tmp_path / "o.csv"), minimal_kb)
    buf = io.StringIO()
    print_summary(summary.to_dict(), buf, color=False, width=120)
    text = buf.getvalue()
    assert "2 rows in = 1 results + 1 error rows (all accounted for)" in text
    assert "medicaid" in text and "spravato" in text
    # The four statuses of schema 2 in the legend and the headers; "eligible" is gone.
    assert "eligible" not in text
    for status in STATUSES:
        assert status in text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_emit_sql_parses_back(minimal_kb: KnowledgeBase, dialect: str) -> None:
    sql = emit_sql(minimal_kb, dialect, "cohort.profiles")
    parsed = sqlglot.parse_one(sql.rstrip().rstrip(";"), read=dialect)
    assert parsed is not None
    assert [c.alias_or_name for c in parsed.selects] == [c for c in output_columns() if c != "row"]


def test_emitted_duckdb_sql_agrees_with_engine(tmp_path: Path, rich_kb: KnowledgeBase) -> None:
    """Execute the --emit-sql DuckDB query on a table of typed profiles; compare with evaluate."""
    import duckdb
    import pyarrow as pa

    from ketadecide.batch.sql.compile import CONTRACT_SQL_TYPES
    from tests.batch.test_differential import text_candidates

    rows = []
    for field in CONTRACT_SQL_TYPES:
        for value in text_candidates(field, rich_kb)[0]:
            rows.append({"age": "40", field: value})
    expected, bad = reference_csv(rows, rich_kb)
    assert not bad
    from ketadecide.batch.row_checks import check_cells

    profiles = [check_cells(r, rich_kb).profile for r in rows]
    records = []
    for p in profiles:
        assert p is not None
        rec = {f: getattr(p, f) for f in CONTRACT_SQL_TYPES}
        for f in ("diagnoses", "conditions", "medications", "phq9"):
            rec[f] = list(rec[f]) if rec[f] is not None else None
        records.append(rec)
    table = pa.Table.from_pylist(
        records,
        schema=pa.schema(
            [
                (
                    f,
                    {
                        "VARCHAR": pa.string(),
                        "BIGINT": pa.int64(),
                        "DOUBLE": pa.float64(),
                        "BOOLEAN": pa.bool_(),
                        "VARCHAR[]": pa.list_(pa.string()),
                        "BIGINT[]": pa.list_(pa.int64()),
                    }[t],
                )
                for f, t in CONTRACT_SQL_TYPES.items()
            ]
        ),
    )
    con = duckdb.connect()
    try:
        con.register("profiles_view", table)
        con.execute("CREATE TABLE my_profiles AS SELECT * FROM profiles_view")
        got = con.sql(emit_sql(rich_kb, "duckdb", "my_profiles").rstrip().rstrip(";")).to_arrow_table().to_pylist()
    finally:
        con.close()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g == {k: v for k, v in e.items() if k != "row"}


def test_emit_sql_cli(runner: Any) -> None:
    res = runner.invoke(
        app,
        [
            "batch",
            "--emit-sql",
            "--dialect",
            "bigquery",
            "--table",
            "ds.cohort",
            "--data-dir",
            str(minimal_dir()),
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert "ds" in res.stdout and "cohort" in res.stdout
    sqlglot.parse_one(res.stdout.strip().rstrip(";"), read="bigquery")


def test_missing_extra_says_how_to_install(runner: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else real(name, *a))
    res = runner.invoke(app, ["batch", str(tmp_path / "x.csv"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2
    assert "pip install 'ketadecide[batch]'" in res.stderr and "duckdb" in res.stderr


def test_compare_path_does_not_import_batch_deps() -> None:
    code = (
        "import sys; from ketadecide.cli import main; "
        "bad = [m for m in ('duckdb', 'pyarrow', 'sqlglot') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        check=False,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_evaluate_many_api(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    import ketadecide
    from ketadecide import Profile
    from ketadecide.batch.row_checks import RowError

    run = ketadecide.evaluate_many(
        [Profile(age=40, id="a"), {"age": 15, "id": "b"}, {"age": "x", "id": "c"}], minimal_kb
    )
    assert run.table.column("id").to_pylist() == ["a", "b"]
    assert run.errors == (RowError(3, "c", "age", "expected a whole number, got 'x'"),)
    src = tmp_path / "in.csv"
    write_csv(src, [{"age": "40"}, {"age": ""}])
    run = ketadecide.evaluate_many(src, minimal_kb)
    assert run.table.num_rows == 1 and run.errors[0].row == 2
    assert run.summary.accounted


def test_threads_option_reaches_the_run_and_gives_the_same_results(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketadecide.batch.duckdb import run as run_mod

    seen: list[Any] = []
    real = run_mod.run_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("threads"))
        return real(*args, **kwargs)

    monkeypatch.setattr(run_mod, "run_batch", spy)
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": f"p{i}", "age": str(15 + i % 70), "bp_systolic": str(120 + i % 70)} for i in range(3000)])
    outs = []
    for threads in ("1", "3"):
        out = tmp_path / f"r{threads}.csv"
        res = runner.invoke(
            app, ["batch", str(src), "-o", str(out), "--threads", threads, "--data-dir", str(minimal_dir())]
        )
        assert res.exit_code == 0, res.stderr
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    assert seen == [1, 3]
    res = runner.invoke(app, ["batch", str(src), "--threads", "0", "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2 and "--threads" in res.stderr
