"""The handout's page title (printed by a browser in its header) carries no profile id."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_no_profile_id_in_the_page_title(audience: str) -> None:
    for args in (
        ["compare", "-p", str(ROOT / "examples" / "trd-commercial.yaml")],
        ["troubleshoot", "-p", str(ROOT / "examples" / "course-under-way.yaml")],
    ):
        res = CliRunner().invoke(app, [*args, "-f", "html", "-a", audience])
        assert res.exit_code == 0, res.stderr
        title = re.search(r"<title>(.*?)</title>", res.stdout)
        assert title is not None and "example-" not in title.group(1)


def test_the_readme_lists_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Exit codes") :].split("\n## ")[0]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 |", "| 143 |"):
        assert code in table, code
    assert "environment" in table and "disk full" in table
