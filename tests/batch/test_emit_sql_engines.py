"""``ketadecide batch --emit-sql`` run on real engines: DuckDB (in-process) and PostgreSQL
(a throwaway cluster under a temporary directory, on a unix socket and 127.0.0.1 only,
stopped at the end). Each loads the generated cohort's CSV as text, as the docs show,
runs the emitted SQL and must agree row by row with ``evaluate`` on valid rows and with
the engine's errors file on invalid rows (Spark: ``test_emit_sql_spark.py``)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.emit_helpers import EMITTED_COLUMNS, cohort, compare, emitted, expected


def _load_as_text(con: Any, csv_path: Path) -> None:
    """The docs' example: a table ``cohort`` with every column as text, exactly the CSV cells."""
    con.execute(
        "CREATE TABLE cohort AS SELECT * FROM read_csv(?, header = true, all_varchar = true, "
        "delim = ',', quote = '\"', escape = '\"')",
        [str(csv_path)],
    )


def test_duckdb_runs_the_emitted_sql_on_the_csv_as_text(tmp_path: Path, rich_kb: KnowledgeBase) -> None:
    import duckdb

    exp = expected(tmp_path, cohort(rich_kb), rich_kb)
    con = duckdb.connect()
    try:
        _load_as_text(con, exp.csv_path)
        got = con.sql(emitted(rich_kb, "duckdb", "cohort")).to_arrow_table().to_pylist()
        # The same with a row column the user provides (text, as loaded).
        con.execute('CREATE TABLE numbered AS SELECT *, CAST(ROW_NUMBER() OVER () AS VARCHAR) AS "row" FROM cohort')
        con.execute('DELETE FROM numbered WHERE CAST("row" AS BIGINT) % 2 = 0')
        got_numbered = con.sql(emitted(rich_kb, "duckdb", "numbered", row_column="row")).to_arrow_table().to_pylist()
    finally:
        con.close()
    assert list(got[0]) == EMITTED_COLUMNS
    rows, valid, invalid = compare(got, exp)
    print(f"duckdb: {rows} rows, {valid} valid, {invalid} invalid, 0 mismatches")
    assert valid > 300 and invalid > 80
    assert [r["row"] for r in got_numbered] == list(range(1, rows + 1, 2))
    assert got_numbered == [r for r in got if r["row"] % 2 == 1]


def test_duckdb_on_the_shipped_knowledge_base(tmp_path: Path, kb: KnowledgeBase) -> None:
    import duckdb

    exp = expected(tmp_path, cohort(kb, seeded=200), kb)
    con = duckdb.connect()
    try:
        _load_as_text(con, exp.csv_path)
        got = con.sql(emitted(kb, "duckdb", "cohort")).to_arrow_table().to_pylist()
    finally:
        con.close()
    compare(got, exp)


# --- PostgreSQL -----------------------------------------------------------------------


def _pg_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    def __init__(self, root: Path, bindir: Path) -> None:
        self.root = root
        self.bindir = bindir
        self.data = root / "data"
        self.port = _free_port()
        # initdb refuses to run as root: then the cluster belongs to an ordinary user.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = "postgres" if _user_exists("postgres") else "nobody"
            # util-linux's runuser lives in /usr/sbin, which a user's PATH may not list
            runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin") or "runuser"
            self.prefix = [runuser, "-u", user, "--"]
            shutil.chown(root, user)
            root.chmod(0o755)

    def run(self, *args: str, stdin: str | None = None) -> str:
        res = subprocess.run(
            [*self.prefix, *args], input=stdin, capture_output=True, text=True, timeout=300, check=False
        )
        if res.returncode != 0:
            raise AssertionError(f"{args[0]} failed ({res.returncode}): {res.stderr[-2000:]}")
        return res.stdout

    def start(self) -> None:
        initdb, pg_ctl = str(self.bindir / "initdb"), str(self.bindir / "pg_ctl")
        self.run(initdb, "-D", str(self.data), "-E", "UTF8", "--locale=C", "-A", "trust", "-U", "kd")
        options = f"-k {self.root} -p {self.port} -h 127.0.0.1 -c fsync=off -c shared_buffers=16MB"
        self.run(pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def psql(self, sql: str) -> str:
        psql = shutil.which("psql") or str(self.bindir / "psql")
        return self.run(
            psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-p", str(self.port), "-U", "kd",
            "-d", "postgres", "-f", "-", stdin=sql,
        )  # fmt: skip


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("KETADECIDE_REQUIRE_ENGINES"):
            pytest.fail("PostgreSQL server binaries not found, and KETADECIDE_REQUIRE_ENGINES is set")
        pytest.skip("PostgreSQL server binaries not found (.ci/run installs them)")
    # Not under pytest's own temporary root: as root that is private (0700), and the
    # cluster then belongs to another user.
    root = Path(tempfile.mkdtemp(prefix="kd-pg-")) if os.geteuid() == 0 else tmp_path_factory.mktemp("pg")
    pg = Postgres(root, bindir)
    started = time.monotonic()
    try:
        pg.start()
        print(f"postgres cluster up in {time.monotonic() - started:.1f}s")
        yield pg
    finally:
        pg.stop()
        if os.geteuid() == 0:
            shutil.rmtree(root, ignore_errors=True)


def _pg_rows(text: str) -> list[dict[str, Any]]:
    """COPY ... CSV output (NULL as \\N) to typed rows."""
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        typed: dict[str, Any] = {}
        for k, v in r.items():
            if v == "\\N":
                typed[k] = None
            elif k == "crisis" or k.endswith(("_likely_covered", "_within_budget")):
                typed[k] = {"t": True, "f": False}[v]
            elif k.endswith(("_oop_est_low", "_oop_est_high")):
                typed[k] = float(v)
            elif k in ("row", "sure_score"):  # the integer columns
                typed[k] = int(v)
            else:
                typed[k] = v
        rows.append(typed)
    return rows


def test_postgres_runs_the_emitted_sql_on_the_csv_as_text(
    tmp_path: Path, rich_kb: KnowledgeBase, postgres: Postgres
) -> None:
    exp = expected(tmp_path, cohort(rich_kb, nul=False), rich_kb)
    csv_copy = postgres.root / "cohort.csv"
    shutil.copy(exp.csv_path, csv_copy)
    csv_copy.chmod(0o644)
    # The docs' example: every contract column as text, and a row number PostgreSQL gives
    # in the order COPY reads the lines (a table's scan order is not its load order: a
    # plain ROW_NUMBER() misnumbered rows here). The column list is the CSV's header line.
    columns = ", ".join(f'"{f}" text' for f in PROFILE_FIELDS)
    header = exp.csv_path.read_text().split("\n", 1)[0]
    query = emitted(rich_kb, "postgres", "cohort", row_column="row")
    out = postgres.psql(
        f'CREATE TABLE cohort ({columns}, "row" bigint GENERATED ALWAYS AS IDENTITY);\n'
        f"\\copy cohort ({header}) FROM '{csv_copy}' WITH (FORMAT csv, HEADER true)\n"
        f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N');\n"
    )
    got = _pg_rows(out)
    assert list(got[0]) == EMITTED_COLUMNS
    rows, valid, invalid = compare(got, exp)
    print(f"postgres: {rows} rows, {valid} valid, {invalid} invalid, 0 mismatches")
    assert valid > 300 and invalid > 80


def test_duckdb_says_a_plan_name_as_the_reference_does(tmp_path: Path, kb: KnowledgeBase) -> None:
    """``insurance: Aetna`` is an error row in the emitted SQL too, with the same hint as the
    Python reference and ``ketadecide batch`` (issue 26)."""
    import duckdb

    from ketadecide.batch.duckdb.run import run_batch
    from ketadecide.knowledge.names import plan_name_hint
    from tests.batch.helpers import read_errors, write_csv

    names = ["Aetna", "medi-cal", "MediCal", "UHC", "United Healthcare", "Humana", "Blue Cross"]
    rows = [{"age": "40", "insurance": name} for name in names]
    src = tmp_path / "cohort.csv"
    write_csv(src, rows)
    run_batch(str(src), str(tmp_path / "out.csv"), kb)
    reference = {int(e["row"]): e["error"] for e in read_errors(tmp_path / "out.csv.errors.csv")}
    con = duckdb.connect()
    try:
        _load_as_text(con, src)
        got = {r["row"]: r["error"] for r in con.sql(emitted(kb, "duckdb", "cohort")).to_arrow_table().to_pylist()}
    finally:
        con.close()
    for i, name in enumerate(names, start=1):
        hint = plan_name_hint(name, kb)
        if hint:
            assert got[i] == f"insurance: expected a kind of plan; {hint}" and reference[i].endswith(hint), name
        else:
            assert got[i].startswith("insurance: expected one of") and "expected one of" in reference[i]
    assert "Medi-Cal is a Medicaid plan: write medicaid" in got[2] == got[3]
