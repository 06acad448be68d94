from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")
pytest.importorskip("sqlglot")

from ketadecide.batch.engines import ENGINES
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from tests.batch.helpers import build_rich_kb, minimal_dir


@pytest.fixture(scope="session")
def rich_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """Synthetic KB with varied severities, every predicate operator and varied coverage."""
    return build_rich_kb(Path(tmp_path_factory.mktemp("kb")) / "kb_rich")


@pytest.fixture(scope="session")
def minimal_kb() -> KnowledgeBase:
    """The tiny synthetic knowledge base, at schema 2 (see ``helpers.minimal_dir``)."""
    return load_knowledge_base(minimal_dir())


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The one local Spark session of the test run (a JVM starts once: 10-20 s), shared by
    every Spark test. Skipped without pyspark or Java, except under
    KETADECIDE_REQUIRE_ENGINES=1 (CI), where a missing engine is a failure."""
    import os
    import shutil

    if os.environ.get("KETADECIDE_REQUIRE_ENGINES"):
        import pyspark  # noqa: F401

        assert shutil.which("java") or os.environ.get("JAVA_HOME"), "Spark needs Java (default-jre-headless)"
    else:
        pytest.importorskip("pyspark")
        if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
            pytest.skip("Spark needs Java (.ci/run installs default-jre-headless)")
    from ketadecide.batch.spark.session import spark_session

    with spark_session("local[2]") as session:
        # Small cohorts: few shuffle partitions (the emitted query's ORDER BY), and Parquet
        # split finely enough that a test file spans several partitions.
        session.conf.set("spark.sql.shuffle.partitions", "2")
        session.conf.set("spark.sql.files.maxPartitionBytes", "16k")
        session.conf.set("spark.sql.files.openCostInBytes", "1k")
        yield session


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each engine of ``ketadecide.batch.engines.ENGINES`` in turn: the differential tests
    take this one parameter, so a new engine is tested by adding it to the table. The Spark
    engine runs on the test run's one session (the ``spark`` fixture) instead of starting
    its own."""
    name: str = request.param
    if name == "spark":
        shared = request.getfixturevalue("spark")

        @contextlib.contextmanager
        def reuse(_master: str, **_: Any) -> Iterator[Any]:
            yield shared

        monkeypatch.setattr("ketadecide.batch.spark.session.spark_session", reuse)
    return name


def _require_cluster_tools(private: bool) -> None:
    """Skip (or, under KETADECIDE_REQUIRE_ENGINES, fail) without pyspark, Java or, for a
    private folder, root and ``unshare``."""
    import os
    import shutil

    required = bool(os.environ.get("KETADECIDE_REQUIRE_ENGINES"))
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing.append("Java")
    if private and not missing:
        from tests.batch.cluster import can_hide_folders

        if not can_hide_folders():
            missing.append("root and unshare (a worker's private folder)")
    if missing:
        if required:
            pytest.fail(f"a Spark cluster needs {', '.join(missing)} (KETADECIDE_REQUIRE_ENGINES is set)")
        pytest.skip(f"a Spark cluster needs {', '.join(missing)}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Spark standalone master and two one-core workers on loopback (``tests/batch/cluster.py``)."""
    _require_cluster_tools(private=False)
    from tests.batch.cluster import standalone_cluster

    with standalone_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running
