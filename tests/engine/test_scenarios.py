"""Clinical golden cases: tests/scenarios/*.yaml, one profile and its expected outcome each.

The format (``tests/scenario_format.py``) is shared with the course-report cases; a clinical
case must also say ``why`` (the cited rule it is written from). The expectation keys are
checked strictly so a typo cannot turn a case into one that always passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketadecide.compare import evaluate
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, parse_profile
from tests.scenario_format import load_cases

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
KEYS = frozenset(
    {
        "crisis",
        "status",
        "status_not",
        "findings_include",
        "findings_exclude",
        "no_findings",
        "severity",
        "likely_covered",
        "indication",
        "missing",
        "conflicts",
        "text_includes",
        "text_excludes",
    }
)


def load(path: Path) -> dict[str, Any]:
    (case,) = load_cases(path, KEYS)
    assert "why" in case, path
    return case


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 60


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, kb: KnowledgeBase) -> None:
    case = load(path)
    result = evaluate(parse_profile(case["profile"], source=str(path)), kb)
    exp = case["expect"]
    by_id = {m.id: m for m in result.modalities}

    def modalities(mapping: dict[str, Any]) -> dict[str, Any]:
        assert set(mapping) <= set(MODALITY_IDS), mapping
        return mapping

    if "crisis" in exp:
        assert result.crisis.triggered is exp["crisis"]
    for mid, status in modalities(exp.get("status", {})).items():
        assert by_id[mid].status == status, (mid, [(f.id, f.severity) for f in by_id[mid].findings])
    for mid, status in modalities(exp.get("status_not", {})).items():
        assert by_id[mid].status != status, mid
    for mid, ids in modalities(exp.get("findings_include", {})).items():
        fired = {f.id for f in by_id[mid].findings}
        assert set(ids) <= fired, (mid, set(ids) - fired)
    for mid, ids in modalities(exp.get("findings_exclude", {})).items():
        fired = {f.id for f in by_id[mid].findings}
        assert not set(ids) & fired, (mid, set(ids) & fired)
    for mid in exp.get("no_findings", []):
        assert by_id[mid].findings == (), (mid, [f.id for f in by_id[mid].findings])
    for mid, sevs in modalities(exp.get("severity", {})).items():
        got = {f.id: f.severity for f in by_id[mid].findings}
        for fid, sev in sevs.items():
            assert got.get(fid) == sev, (mid, fid, got.get(fid))
    for mid, covered in modalities(exp.get("likely_covered", {})).items():
        assert by_id[mid].coverage.likely_covered is covered, (mid, by_id[mid].coverage.note.clinician)
    for mid, indication in modalities(exp.get("indication", {})).items():
        assert by_id[mid].indication.status == indication, (mid, by_id[mid].indication.note.clinician)
    if "missing" in exp:
        assert [m.field for m in result.missing] == exp["missing"]
    if "conflicts" in exp:
        assert [c.id for c in result.conflicts] == exp["conflicts"]
    if "text_includes" in exp or "text_excludes" in exp:
        # Every surface a reader sees: JSON and Markdown, both audiences.
        text = "\n".join(
            render(result, audience)  # type: ignore[arg-type]
            for audience in ("clinician", "patient")
        )
        for wanted in exp.get("text_includes", []):
            assert wanted in text, wanted
        for unwanted in exp.get("text_excludes", []):
            assert unwanted not in text, unwanted


def render(result: Any, audience: str) -> str:
    from ketadecide.render.json import render_json
    from ketadecide.render.markdown import render_markdown

    return render_json(result, audience) + render_markdown(result, audience)  # type: ignore[arg-type]
