"""Shared fixtures. All test data is synthetic: no real person's record, anywhere."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
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
