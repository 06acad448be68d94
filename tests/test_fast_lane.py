"""The fast lane (README "Development") leaves out only what it says it leaves out.

``tests/conftest.py`` marks the entries of :data:`FAST_LANE_LEAVES_OUT` ``slow``; the README
lists the same entries, so a reader knows what a green fast run has not checked. An entry
that names no file or test any more would silently put a slow test back in the lane (or
hide a renamed one), so it fails here.
"""

from __future__ import annotations

import ast

from tests.conftest import FAST_LANE_LEAVES_OUT, ROOT

LANE = 'pytest -m "not slow and not terminal" -n 2'


def _test_names(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_entry_names_a_test_that_exists() -> None:
    for entry in FAST_LANE_LEAVES_OUT:
        path, _, name = entry.partition("::")
        assert (ROOT / path).is_file(), f"{entry}: no such file"
        if name:
            assert name in _test_names(path), f"{entry}: no such test"


def test_the_readme_gives_the_command_and_lists_what_it_leaves_out() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert LANE in readme
    missing = [entry for entry in FAST_LANE_LEAVES_OUT if f"`{entry}`" not in readme]
    assert not missing, f"README 'Fast lane' does not list {missing}"


def test_the_lane_list_has_no_overlap() -> None:
    """A listed file is left out whole; a listed test only by name (all its parameters)."""
    assert len(FAST_LANE_LEAVES_OUT) == len(set(FAST_LANE_LEAVES_OUT))
    files = [e for e in FAST_LANE_LEAVES_OUT if "::" not in e]
    for entry in FAST_LANE_LEAVES_OUT:
        if "::" in entry:
            assert entry.split("::")[0] not in files, f"{entry}: its file is left out whole already"
