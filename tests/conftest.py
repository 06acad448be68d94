"""Shared fixtures. All test data is synthetic: no real person's record, anywhere."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer import _click as click
from typer.testing import CliRunner

from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL_KB = FIXTURES / "kb_minimal"

# The validated-data cache of this test session: its own folder, never the user's. Set
# before any test runs, so in-process commands and child processes alike use it (and so
# most loads in the suite go through the cache's hit path).
TEST_CACHE = Path(tempfile.mkdtemp(prefix="ketadecide-test-cache-"))
os.environ["KETADECIDE_CACHE_DIR"] = str(TEST_CACHE)
os.environ.pop("KETADECIDE_NO_CACHE", None)
# The cache's key lives in a private state folder: this session's own, never the user's.
TEST_STATE = Path(tempfile.mkdtemp(prefix="ketadecide-test-state-"))
os.environ["XDG_STATE_HOME"] = str(TEST_STATE)
# tests/fixtures/kb_minimal is synthetic test data that declares itself standalone (not an
# overlay on the bundled data); only this switch lets it load. Never set for patients.
os.environ["KETADECIDE_SYNTHETIC_DATA"] = "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(TEST_CACHE, ignore_errors=True)
    shutil.rmtree(TEST_STATE, ignore_errors=True)


#: What the fast lane (README "Development": ``pytest -m "not slow and not terminal" -n 2``)
#: leaves out besides the tests marked ``slow`` or ``terminal`` in their own files: the few
#: that take most of the suite's time (property and differential tests over thousands of
#: generated inputs, fuzzing, real PostgreSQL and Chromium, whole-package mypy). Listed
#: here, in one place, so the README can list them too (tests/test_fast_lane.py keeps the
#: two in step and fails on an entry that names no test). CI runs them all.
FAST_LANE_LEAVES_OUT: tuple[str, ...] = (
    "tests/engine/test_properties.py",
    "tests/batch/test_differential.py",
    "tests/batch/test_fast_path.py",
    "tests/batch/test_emit_sql_engines.py",
    "tests/knowledge/test_fuzz_loaders.py",
    "tests/knowledge/test_overlay.py::test_no_random_overlay_makes_anything_weaker",
    "tests/core/test_profile_differential.py",
    "tests/troubleshoot/test_troubleshoot_handout_browser.py",
    "tests/batch/test_lines_and_streams.py::test_an_endless_pipe_of_bad_lines_keeps_memory_flat",
    "tests/batch/test_schema2.py::test_shipped_kb_agrees_and_reaches_both_labelled_indications",
    "tests/knowledge/test_cache.py::test_old_entries_are_pruned",
    "tests/knowledge/test_cache.py::test_every_golden_case_gives_the_same_result_from_the_cache",
    "tests/knowledge/test_data_shipped.py::test_clinical_floor_holds_for_any_profile",
    "tests/knowledge/test_data_shipped.py::test_under_18_never_eligible_for_spravato",
    "tests/test_hostile_matrix.py::test_hostile_input_memory_is_bounded",
    "tests/test_lint.py::test_mypy_is_clean",
    "tests/test_public_types.py::test_a_users_type_checker_sees_the_public_api_types",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        test = item.nodeid.split("[", 1)[0]
        if test in FAST_LANE_LEAVES_OUT or test.split("::", 1)[0] in FAST_LANE_LEAVES_OUT:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _build_each_command_once() -> Iterator[None]:
    """Typer rebuilds the Click command from the app's functions on every ``CliRunner.invoke``
    (10-20 ms: it inspects every command's signature); the suite invokes thousands of times.
    The built command depends only on the app, so each app's is built once. Keyed by the
    app itself (held here), never by ``id()``, which a collected app could hand on."""
    import typer.testing

    original = typer.testing._get_command
    built: dict[typer.Typer, click.Command] = {}

    def cached(app: typer.Typer) -> click.Command:
        if app not in built:
            built[app] = original(app)
        return built[app]

    typer.testing._get_command = cached
    yield
    typer.testing._get_command = original


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base."""
    return load_knowledge_base(DATA_DIR)


@pytest.fixture(scope="session")
def minimal_kb() -> KnowledgeBase:
    """A tiny synthetic knowledge base (not clinical data) for engine mechanics."""
    return load_knowledge_base(MINIMAL_KB)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# ---------------------------------------------------------------- FHIR import (feat/fhir)


@pytest.fixture(scope="session")
def fhir_kb_dir() -> Path:
    """The shipped data directory, with its codes.yaml."""
    return DATA_DIR


@pytest.fixture(scope="session")
def fhir_kb(fhir_kb_dir: Path) -> KnowledgeBase:
    return load_knowledge_base(fhir_kb_dir)


@pytest.fixture(scope="session")
def index(fhir_kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    """The code index of the FHIR test KB's codes.yaml."""
    from ketadecide.fhir import code_index

    return code_index(fhir_kb)


def clinic_data(
    tmp_path: Path, file: str | None = None, old: str = "", new: str = "", *, standalone: bool = False
) -> Path:
    """A clinic's copy of the bundled data directory, with one edit to ``file`` when given:
    ``old`` must appear exactly once and becomes ``new``. A copy is read as an overlay on
    the bundled data; ``standalone`` marks it synthetic test data read on its own, so the
    probe-based clinical floor (the second, independent check) is what judges it."""
    data = tmp_path / "clinic"
    shutil.copytree(DATA_DIR, data)
    if standalone:
        (data / "overlay.yaml").write_text("standalone: synthetic\n", encoding="utf-8")
    if file is not None:
        path = data / file
        text = path.read_text()
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new))
    return data
