from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")
pytest.importorskip("sqlglot")

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
