"""`compare --format json --compact`: one profile in well under 10 KB, agreeing with the full
JSON result on every status, indication, finding id and coverage. Synthetic profiles."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_compact_json_is_small_and_agrees_with_the_full_result(path) -> None:
    compact = CliRunner().invoke(app, ["compare", "-p", str(path), "-f", "json", "--compact"])
    full = CliRunner().invoke(app, ["compare", "-p", str(path), "-f", "json"])
    assert compact.exit_code == 0 and full.exit_code == 0, compact.stderr
    assert len(compact.stdout.encode()) < 10_000 and compact.stdout.count("\n") == 1
    small, big = json.loads(compact.stdout), json.loads(full.stdout)
    assert small["compact"] is True and small["knowledge_base"] == big["knowledge_base"]
    assert small["crisis"] == big["crisis"]["triggered"] and small["missing"] == big["missing"]
    for m in big["modalities"]:
        mine = small["modalities"][m["id"]]
        assert mine["status"] == m["status"] and mine["indication"] == m["indication"]["status"]
        assert mine["findings"] == [f["id"] for f in m["findings"]]
        assert mine["likely_covered"] == m["insurance"]["likely_covered"]
        assert mine["cost_per_session_usd"] == m["cost_usd"]["per_session"]


def test_compact_needs_json() -> None:
    res = CliRunner().invoke(app, ["compare", "-p", str(EXAMPLES[0]), "--compact"])
    assert res.exit_code == 2 and "--format json" in res.stderr
