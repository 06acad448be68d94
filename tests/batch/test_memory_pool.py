"""Memory and start-up of a batch run: on the DuckDB engine pyarrow takes its buffers from
jemalloc (Linux, when the user chose no pool and pyarrow is not yet loaded: see
``batch.deps.prefer_jemalloc``), the objects alive before the run are kept out of the
garbage collector's sight during it, then put back, and pyarrow does not load pandas
during the run (``batch.deps.without_pandas``)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.batch import deps
from ketadecide.cli.main import app
from tests.batch.helpers import minimal_dir, write_csv

_POOL = (
    "import sys; from ketadecide.batch.deps import prefer_jemalloc; chose = prefer_jemalloc(); "
    "import pyarrow as pa; print(chose, pa.default_memory_pool().backend_name)"
)


def _pool_in_child(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != deps.ARROW_POOL_ENV}
    done = subprocess.run(
        [sys.executable, "-c", _POOL], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    assert done.stderr == ""  # no warning about the pool
    return done.stdout.strip()


@pytest.mark.skipif(sys.platform != "linux", reason="the pool is chosen on Linux only (pyarrow's wheels)")
def test_a_fresh_process_takes_jemalloc() -> None:
    assert _pool_in_child() == "True jemalloc"


def test_a_pool_the_user_chose_is_kept() -> None:
    assert _pool_in_child(ARROW_DEFAULT_MEMORY_POOL="system") == "False system"


def test_nothing_changes_once_pyarrow_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow  # noqa: F401 - loaded, as in this test process

    monkeypatch.delenv(deps.ARROW_POOL_ENV, raising=False)
    assert deps.prefer_jemalloc() is False
    assert deps.ARROW_POOL_ENV not in os.environ


@pytest.mark.parametrize(("engine", "asked"), [("duckdb", True), ("spark", False)])
def test_batch_asks_for_it_on_the_duckdb_engine_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str, asked: bool
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(deps, "prefer_jemalloc", lambda: calls.append(True) or False)
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "p1", "age": "40"}])
    out = tmp_path / ("out.csv" if engine == "duckdb" else "out")
    args = ["batch", str(src), "-o", str(out), "--data-dir", str(minimal_dir()), "--engine", engine]
    ran: list[str] = []

    def no_run(job: object, name: str) -> None:
        ran.append(name)
        raise SystemExit(0)  # the engine itself is not what is tested here

    monkeypatch.setattr("ketadecide.cli.batch.run_job", no_run)
    CliRunner().invoke(app, args)
    assert ran == [engine]
    assert calls == ([True] if asked else [])


def _freeze_count_during_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[int]:
    from ketadecide.batch.duckdb.run import run_batch
    from ketadecide.batch.io.writers import ResultWriter
    from ketadecide.floor import load_knowledge_base

    seen: set[int] = set()
    write = ResultWriter.write

    def spy(self: ResultWriter, table: object, lines: tuple[str, ...] | None) -> None:
        seen.add(gc.get_freeze_count())
        write(self, table, lines)

    monkeypatch.setattr(ResultWriter, "write", spy)
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "p1", "age": "40"}, {"id": "p2", "age": "forty"}])
    run_batch(str(src), str(tmp_path / "out.csv"), load_knowledge_base(minimal_dir()))
    return seen


def test_objects_alive_before_the_run_are_frozen_during_it_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()
    during = _freeze_count_during_run(tmp_path, monkeypatch)
    assert during and min(during) > 1000
    assert gc.get_freeze_count() == 0


def test_a_caller_s_own_frozen_objects_are_left_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not an exact count: a frozen object whose last reference goes away is still freed (the
    # CI run of 0.6.0 saw 4 of 326,002 go during the run). What a wrong run would do is far
    # larger: a freeze of its own would add the knowledge base loaded after the caller's
    # freeze (thousands of objects), and an unfreeze would drop the count to 0.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        during = _freeze_count_during_run(tmp_path, monkeypatch)
        assert during and max(during) <= frozen and min(during) > frozen - 1000
        assert frozen - 1000 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


# In a child process: the test process may have loaded pandas already (then nothing is refused).
_NO_PANDAS = """
import sys
from typer.testing import CliRunner
from ketadecide.cli.main import app
args = sys.argv[1:]
done = CliRunner().invoke(app, args)
assert done.exit_code == 0, done.output
print("pandas" in sys.modules)
import pandas as pd, pyarrow as pa
print(pa.Table.from_pandas(pd.DataFrame({"a": [1, 2]})).num_rows)
"""


def test_a_duckdb_run_does_not_load_pandas_and_pandas_works_after_it(tmp_path: Path) -> None:
    pytest.importorskip("pandas")  # what is tested is that it stays unloaded
    src = tmp_path / "in.csv"
    write_csv(src, [{"id": "p1", "age": "40"}, {"id": "p2", "age": "forty"}, {"id": "p3", "age": "50"}])
    out = tmp_path / "out.csv"
    args = ["batch", str(src), "-o", str(out), "--data-dir", str(minimal_dir()), "--no-progress"]
    done = subprocess.run([sys.executable, "-c", _NO_PANDAS, *args], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "2"]
    assert len(out.read_text().splitlines()) == 3  # the header and two rows: the run itself was whole


def test_without_pandas_refuses_it_within_only() -> None:
    code = (
        "import sys\n"
        "from ketadecide.batch.deps import without_pandas\n"
        "with without_pandas() as refused:\n"
        "    try:\n"
        "        import pandas\n"
        "        print('imported')\n"
        "    except ImportError:\n"
        "        print('refused', refused)\n"
        "import pandas\n"
        "print('after', 'pandas' in sys.modules)\n"
    )
    pytest.importorskip("pandas")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["refused", "True", "after", "True"]


def test_without_pandas_changes_nothing_once_pandas_is_loaded() -> None:
    pytest.importorskip("pandas")
    import pandas  # noqa: F401 - loaded, as a caller of the API may have it

    with deps.without_pandas() as refused:
        import pandas as again  # noqa: F401 - still importable

    assert refused is False
