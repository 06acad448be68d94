"""Troubleshooting golden cases (scenarios.yaml): every situation for every modality,
and both sides of each modality's response window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, parse_profile
from ketadecide.troubleshoot.engine import suggest, suggest_for, troubleshooting_file
from tests.scenario_format import load_cases

EXPECT_KEYS = frozenset({"ids", "next_step", "situation", "alternatives"})
#: Same format as the clinical cases (tests/scenario_format.py): the profile is a course's fields.
CASES: list[dict[str, Any]] = load_cases(Path(__file__).parent / "scenarios.yaml", EXPECT_KEYS)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_scenario(case: dict[str, Any], kb: KnowledgeBase) -> None:
    exp = case["expect"]
    assert "ids" in exp, exp
    got = suggest_for(case["profile"], kb)
    by_id = {s.id: s for s in got}
    assert [s.id for s in got] == exp["ids"]
    for sid, phrase in exp.get("next_step", {}).items():
        assert phrase in by_id[sid].next_step.clinician, (sid, by_id[sid].next_step.clinician)
    for sid, phrase in exp.get("situation", {}).items():
        assert phrase in by_id[sid].situation.clinician, (sid, by_id[sid].situation.clinician)
    for sid, alts in exp.get("alternatives", {}).items():
        assert list(by_id[sid].alternatives) == alts
    for s in got:
        assert s.modality == case["profile"]["course_modality"]
        assert s.sources and s.refs and len(s.refs) == len(s.sources)
        assert len(s.alternative_names) == len(s.alternatives)
        for text in (s.situation, s.meaning, s.next_step):
            for wording in (text.clinician, text.patient):
                assert wording and "{" not in wording and "}" not in wording


def test_every_situation_and_modality_is_covered(kb: KnowledgeBase) -> None:
    covered = {(sid, c["profile"].get("course_modality")) for c in CASES for sid in c["expect"]["ids"]}
    situations = troubleshooting_file(kb).situations
    missing = [(s, m) for s in situations for m in MODALITY_IDS if (s, m) not in covered and s != "no_measure"]
    assert not missing
    assert any(sid == "no_measure" for sid, _ in covered)


def test_every_modality_variant_is_exercised(kb: KnowledgeBase) -> None:
    """Each modality-specific text in the data is checked by some scenario phrase."""
    checked = {(sid, c["profile"]["course_modality"]) for c in CASES for sid in c["expect"].get("next_step", {})}
    for sid, situation in troubleshooting_file(kb).situations.items():
        for modality in situation.modalities:
            assert (sid, modality) in checked, (sid, modality)


@pytest.mark.parametrize("modality", MODALITY_IDS)
def test_window_edges(modality: str, kb: KnowledgeBase) -> None:
    """One session short of the window is 'too early'; at the window it is 'no response'."""
    window = troubleshooting_file(kb).courses[modality].judge_after_sessions  # type: ignore[index]
    below = suggest_for({"course_modality": modality, "course_sessions": window - 1, "course_response": "none"}, kb)
    at = suggest_for({"course_modality": modality, "course_sessions": window, "course_response": "none"}, kb)
    assert [s.id for s in below] == ["too_early_to_judge"]
    assert [s.id for s in at] == ["no_response"]


def test_profile_hook_matches_facts(kb: KnowledgeBase) -> None:
    profile = parse_profile({"age": 40, "course_modality": "spravato", "course_sessions": 3, "course_response": "none"})
    assert [s.id for s in suggest(profile, kb)] == ["too_early_to_judge"]


def test_spravato_window_follows_the_label(kb: KnowledgeBase) -> None:
    course = troubleshooting_file(kb).courses["spravato"]
    assert course.judge_after_sessions == 8  # weeks 1-4, twice weekly
    assert any(ref.startswith("spravato_pi") for ref in course.sources)
