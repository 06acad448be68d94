"""The batch holes found by trying ``ketadecide batch`` as a hostile user would (issue 25),
each closed and held here: a closed stderr, a missing extra, ``--debug`` after the command,
names in ``--emit-sql``, thousands separators, separators other than the comma."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ketadecide.cli.main import app, hoist_debug
from tests.batch.helpers import minimal_dir, write_csv


def _ketadecide(
    args: list[str], *, close_stderr: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    def close() -> None:
        os.close(2)

    return subprocess.run(
        [sys.executable, "-m", "ketadecide", *args],
        capture_output=not close_stderr,
        stdout=subprocess.PIPE if close_stderr else None,
        preexec_fn=close if close_stderr else None,
        timeout=120,
        check=False,
    )


def test_with_stderr_closed_stdout_holds_only_the_results(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40"}, {"id": "b", "age": "x"}])
    args = ["batch", str(src), "--data-dir", str(minimal_dir())]
    proc = _ketadecide(args, close_stderr=True)
    assert proc.returncode == 0
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith('"id",') and len(lines) == 2, lines
    assert not any("ketadecide" in line for line in lines)
    for fmt in ("jsonl",):
        proc = _ketadecide([*args, "--output-format", fmt], close_stderr=True)
        assert proc.returncode == 0 and all(line.startswith("{") for line in proc.stdout.decode().splitlines())


@pytest.mark.parametrize("command", [["batch", "c.csv", "-o", "o.csv"], ["batch", "--emit-sql"]])
def test_a_missing_batch_extra_names_the_pip_command(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "c.csv").write_text("id,age\na,40\n")
    code = (
        "import sys\n"
        "for name in ('duckdb', 'pyarrow', 'sqlglot'):\n"
        "    sys.modules[name] = None  # as if the [batch] extra were not installed\n"
        f"sys.argv = ['ketadecide', *{command!r}]\n"
        "from ketadecide.cli.main import run\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "ketadecide: error: batch needs duckdb, pyarrow, sqlglot, which are not installed; "
        "install them with: pip install 'ketadecide[batch]'"
    ]
    assert not (tmp_path / "o.csv").exists()


def test_debug_is_accepted_after_the_command(tmp_path: Path) -> None:
    assert hoist_debug(["batch", "x.csv", "--debug"]) == ["--debug", "batch", "x.csv"]
    assert hoist_debug(["batch", "--", "--debug"]) == ["batch", "--", "--debug"]
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "40"}])
    proc = _ketadecide(["batch", str(src), "-o", str(tmp_path / "o.csv"), "--data-dir", str(minimal_dir()), "--debug"])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--table", "x\nDROP TABLE y; --"),
        ("--table", "kd_split(x"),
        ("--table", 'a"b'),
        ("--table", "a.b.c.d"),
        ("--table", ""),
        ("--row-column", "n\n;DROP TABLE y"),
        ("--row-column", "a.b"),
    ],
)
def test_emit_sql_names_must_be_identifiers(runner: Any, option: str, value: str) -> None:
    res = runner.invoke(app, ["batch", "--emit-sql", option, value, "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ketadecide: error: {option}:"), res.stderr
    assert res.stdout == ""


def test_emit_sql_takes_dotted_and_bigquery_names(runner: Any) -> None:
    res = runner.invoke(
        app,
        [
            "batch",
            "--emit-sql",
            "--table",
            "my-project.research.cohort",
            "--row-column",
            "row_no",
            "--data-dir",
            str(minimal_dir()),
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert '"my-project"."research"."cohort"' in res.stdout


def test_the_summary_line_has_thousands_separators(tmp_path: Path, runner: Any) -> None:
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": f"p{i}", "age": "40" if i % 500 else "x"} for i in range(2500)])
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 0, res.stderr
    assert "2,500 rows in = 2,495 results + 5 error rows" in res.stderr


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_give_the_comma_files_results(tmp_path: Path, minimal_kb: Any, delimiter: str) -> None:
    """Excel saves "CSV" with ';' where the decimal mark is a comma; the separator is read
    from the header line (';' is also the list separator inside a cell, quoted there)."""
    import csv

    from ketadecide.batch.duckdb.run import run_batch
    from tests.batch.emit_helpers import cohort
    from tests.batch.helpers import read_errors, read_output

    rows = cohort(minimal_kb, seeded=100, seed=3)
    columns = sorted({k for r in rows for k in r})
    comma, other = tmp_path / "comma.csv", tmp_path / "other.csv"
    write_csv(comma, rows, columns)
    with other.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    a = run_batch(str(comma), str(tmp_path / "a.parquet"), minimal_kb)
    b = run_batch(str(other), str(tmp_path / "b.parquet"), minimal_kb)
    assert read_output(tmp_path / "b.parquet", "parquet") == read_output(tmp_path / "a.parquet", "parquet")
    assert read_errors(tmp_path / "b.parquet.errors.csv") == read_errors(tmp_path / "a.parquet.errors.csv")
    assert a.rows_in == b.rows_in == len(rows) and b.error_rows > 5


def test_another_separator_is_refused_naming_it(tmp_path: Path, runner: Any) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id|age\na|40\n", encoding="utf-8")
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2
    assert "'|'" in res.stderr and "commas, semicolons or tabs" in res.stderr
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_named_as_such_with_what_to_do(tmp_path: Path, runner: Any, encoding: str) -> None:
    # Excel's "Unicode Text" save: UTF-16 with a byte-order mark, which read as "not UTF-8".
    src = tmp_path / "in.csv"
    src.write_bytes("\ufeffid,age\na,40\n".encode(encoding))
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--data-dir", str(minimal_dir())])
    assert res.exit_code == 2
    assert "UTF-16" in res.stderr and "UTF-8" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o.csv").exists()


def test_every_problem_of_a_row_is_in_the_errors_file(tmp_path: Path, minimal_kb: Any) -> None:
    """CONTRACT §5, one line per problem: unknown ids are listed even when the row has
    another problem (they were left out when the profile failed on another field)."""
    from ketadecide.batch.duckdb.run import run_batch
    from tests.batch.helpers import read_errors

    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "a", "age": "forty", "conditions": "nope1;nope2", "medications": "nope3"}])
    run_batch(str(src), str(tmp_path / "o.csv"), minimal_kb)
    fields = [e["field"] for e in read_errors(tmp_path / "o.csv.errors.csv")]
    assert fields == ["age", "conditions[0]", "conditions[1]", "medications[0]"]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"id": "a", "age": "forty", "conditions": ["nope1"], "medications": ["nope3"]}\n')
    run_batch(str(jsonl), str(tmp_path / "j.csv"), minimal_kb)
    fields = [e["field"] for e in read_errors(tmp_path / "j.csv.errors.csv")]
    assert fields == ["age", "conditions[0]", "medications[0]"]


def test_batch_rows_get_the_hints_profile_files_get(tmp_path: Path) -> None:
    from ketadecide.batch.duckdb.run import run_batch
    from ketadecide.floor import load_knowledge_base
    from tests.batch.helpers import read_errors

    src = tmp_path / "in.csv"
    write_csv(
        src,
        [
            {
                "id": "a",
                "age": "40",
                "medications": "Xanax",
                "budget_per_session": "$400",
                "has_driver": "Y",
                "bp_systolic": "150/95",
            }
        ],
    )
    run_batch(str(src), str(tmp_path / "o.csv"), load_knowledge_base(None))
    errors = {e["field"]: e["error"] for e in read_errors(tmp_path / "o.csv.errors.csv")}
    assert "did you mean 'benzodiazepine'" in errors["medications[0]"]
    assert errors["budget_per_session"].endswith("write the number alone, without '$' or commas: 400")
    assert errors["has_driver"].endswith("did you mean true?")
    assert "bp_systolic 150 and bp_diastolic 95" in errors["bp_systolic"]


def test_progress_shows_the_total_a_rate_and_an_eta_that_moves() -> None:
    import io
    import re
    import time

    from ketadecide.render.terminal_batch import progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with progress_bar(screen, width=80) as update:
        for i in range(1, 8):
            update(i * 1500, 12_000)
            time.sleep(0.25)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    frames = [f for f in re.split(r"[\r\n]", text) if "rows" in f]
    assert any("of 12,000 rows" in f for f in frames) and any("rows/s" in f for f in frames)
    etas = {m.group(1) for f in frames if (m := re.search(r"ETA (\d+:\d\d:\d\d)", f))}
    assert len(etas) >= 2, frames
    assert all(len(f) <= 80 for f in frames)


def test_the_summary_table_fits_80_columns_without_cutting_a_word() -> None:
    import io

    from ketadecide import evaluate_many
    from ketadecide.render.terminal_batch import print_summary
    from tests.conftest import ROOT

    data = evaluate_many(ROOT / "examples" / "cohort.csv").summary.to_dict()
    screen = io.StringIO()
    print_summary(data, screen, color=False, width=80)
    lines = screen.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines), "nothing cut"
    assert any("compounded" in line for line in lines) and "18 results" in lines[0]


def test_sigterm_after_the_final_rename_still_exits_0(tmp_path: Path) -> None:
    """The outputs are complete once renamed into place: a SIGTERM then (a supervisor
    stopping the job as it ends) must not turn the run into "interrupted" (exit 143)."""
    src, out = tmp_path / "in.csv", tmp_path / "o.csv"
    write_csv(src, [{"id": "a", "age": "40"}])
    code = (
        "import os, signal, sys, time\n"
        "import ketadecide.batch.duckdb.run as run_mod\n"
        "real = run_mod.all_written\n"
        "def then_stopped():\n"
        "    real()\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(0.2)  # the signal is delivered here\n"
        "run_mod.all_written = then_stopped\n"
        f"sys.argv = ['ketadecide', 'batch', {str(src)!r}, '-o', {str(out)!r}, '--data-dir', {str(minimal_dir())!r}]\n"
        "from ketadecide.cli.main import run\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "1 rows in = 1 results + 0 error rows" in proc.stderr and out.exists()
    assert "interrupted" not in proc.stderr
