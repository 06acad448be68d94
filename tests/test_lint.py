"""ruff and mypy stay clean (both come with the test extra)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _tool(name: str) -> list[str]:
    # Run the linters from the interpreter running the tests, so a stale global copy can't answer.
    if importlib.util.find_spec(name) is None:
        pytest.fail(f"{name} is not installed; install the test extra: pip install '.[test]'")
    return [sys.executable, "-m", name]


def test_ruff_is_clean() -> None:
    proc = subprocess.run([*_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    proc = subprocess.run([*_tool("mypy"), "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


HEAVY_AT_MODULE_LEVEL = (
    "import duckdb",
    "import pyarrow",
    "import sqlglot",
    "import pyspark",
    "from rich.text import Text",
    "from fhir.resources.bundle import Bundle",
    "from ketadecide.render import terminal",
    "from ketadecide.render.terminal_batch import print_summary",
)


def test_a_heavy_import_at_module_level_fails_at_its_line() -> None:
    """ruff's TID253 names the line that would make ``compare`` start slower (the same
    guarantee tests/test_startup.py checks at run time); inside a function it is allowed."""
    probe = "\n".join(HEAVY_AT_MODULE_LEVEL) + "\n\n\ndef used() -> None:\n    import duckdb  # noqa: F401\n"
    proc = subprocess.run(
        [
            *_tool("ruff"),
            "check",
            "--select",
            "TID253",
            "--output-format",
            "concise",
            "--stdin-filename",
            "ketadecide/probe.py",
            "-",
        ],
        cwd=ROOT,
        input=probe,
        capture_output=True,
        text=True,
        check=False,
    )
    flagged = sorted(int(line.split(":")[1]) for line in proc.stdout.splitlines() if "TID253" in line)
    assert flagged == list(range(1, len(HEAVY_AT_MODULE_LEVEL) + 1)), proc.stdout
