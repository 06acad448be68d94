"""The README's Python snippets run, and what their comments say is what the code returns."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def _run(block: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    return namespace


def test_there_are_two_snippets() -> None:
    assert len(BLOCKS) == 2


def test_the_evaluate_snippet_returns_what_it_says() -> None:
    ns = _run(BLOCKS[0])
    result, sparse = ns["result"], ns["sparse"]
    assert result.modality("spravato").status == "no_flags"  # type: ignore[attr-defined]
    assert result.modality("spravato").indication.status == "on_label"  # type: ignore[attr-defined]
    assert [m.field for m in result.missing] == []  # type: ignore[attr-defined]
    assert sparse.modality("spravato").indication.status == "not_established"  # type: ignore[attr-defined]
    missing = [m.field for m in sparse.missing]  # type: ignore[attr-defined]
    assert missing == ["suicidality", "pregnancy", "diagnoses", "conditions", "medications"]


def test_the_batch_snippet_returns_row_errors_not_dicts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT / "examples")
    assert os.path.exists("cohort.csv")
    ns = _run(BLOCKS[1])
    run = ns["run"]
    first = run.errors[0]  # type: ignore[attr-defined]
    assert not isinstance(first, dict) and (first.row, first.field) == (19, "age")
    assert type(run.table).__name__ == "Table"  # type: ignore[attr-defined]
