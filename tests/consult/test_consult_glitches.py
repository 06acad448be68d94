"""Issue 14: the consult's glitches, each pinned where it was seen (synthetic answers only).

Passive ideation or a PHQ-9 item 9 above 0 is answered kindly at once (patients); the help of
a list question says each thing once; the clinician crisis box carries numbered sources, not
citations; in a pseudo-terminal an Enter that accepts a default ends its line, and a wrapped
choice keeps its indent.
"""

from __future__ import annotations

import re

import pytest

from ketadecide.consult.asker import notice_lines
from ketadecide.consult.interview import CRISIS_KEY, Interview
from ketadecide.consult.questions import QuestionSet, load_questions_file
from ketadecide.consult.steps import Notice
from ketadecide.knowledge import KnowledgeBase
from tests.conftest import DATA_DIR
from tests.consult.consult_helpers import TYPICAL_ANSWERS, drive, typed

NINE = "1 1 1 1 1 1 1 1 {item9}"


@pytest.fixture(scope="module")
def questions() -> QuestionSet:
    return load_questions_file(DATA_DIR / "questions.yaml")


def safety(notices: list[tuple[str, Notice]]) -> list[tuple[str, Notice]]:
    return [(k, n) for k, n in notices if n.kind == "safety"]


def to_phq9(first: str = "1") -> list[str]:
    """The lines after ``first`` at the safety question up to the PHQ-9 gate (the typical
    answers, by question id)."""
    lines = typed({**TYPICAL_ANSWERS, "suicidality": first}, until="phq9")
    assert lines[0] == first
    return lines[1:]


def test_passive_ideation_gets_the_datas_kind_words_at_once(questions, kb: KnowledgeBase) -> None:
    iv = Interview(questions, kb, "patient")
    seen = drive(iv, ["2"])
    assert [k for k, _ in safety(seen)] == ["suicidality"]  # at that answer, not at the end
    text = safety(seen)[0][1].text
    assert text == " ".join(kb.screens["safety_assessment_needed"].patient.split())
    assert "988" in text
    assert iv.current is not None and iv.current.key == "diagnoses"  # and the consult goes on


def test_without_the_finding_in_the_data_the_built_in_words_still_give_988(questions, minimal_kb) -> None:
    assert "safety_assessment_needed" not in minimal_kb.screens
    seen = drive(Interview(questions, minimal_kb, "patient"), ["2"])
    assert len(safety(seen)) == 1
    assert "988" in safety(seen)[0][1].text


@pytest.mark.parametrize("item9", [1, 3])
def test_phq9_item9_above_0_gets_the_words_with_the_score(questions, kb, item9: int) -> None:
    iv = Interview(questions, kb, "patient")
    seen = drive(iv, ["1", *to_phq9(), NINE.format(item9=item9)])
    kinds = [n.kind for k, n in seen if k == "phq9"]
    assert kinds == ["score", "safety"]


def test_phq9_item9_at_0_gets_no_safety_words(questions, kb) -> None:
    seen = drive(Interview(questions, kb, "patient"), ["1", *to_phq9(), NINE.format(item9=0)])
    assert safety(seen) == []


def test_item_by_item_the_words_come_right_after_item_9(questions, kb) -> None:
    iv = Interview(questions, kb, "patient")
    seen = drive(iv, ["1", *to_phq9(), "yes", *["0"] * 8, "2"])
    assert [k for k, _ in safety(seen)] == ["phq9.9"]


def test_the_words_are_said_once_not_again_at_item_9(questions, kb) -> None:
    seen = drive(Interview(questions, kb, "patient"), ["2", *to_phq9("2"), NINE.format(item9=2)])
    assert [k for k, _ in safety(seen)] == ["suicidality"]


def test_active_ideation_gets_the_crisis_message_not_the_gentle_one(questions, kb) -> None:
    iv = Interview(questions, kb, "patient")
    seen = drive(iv, ["3"])
    assert [n.kind for _, n in seen] == ["crisis"]
    assert iv.current is not None and iv.current.key == CRISIS_KEY


def test_clinicians_see_the_finding_at_the_moment_of_the_answer_once(questions, kb) -> None:
    """Passive ideation: the clinician sees the same-day assessment line when it is answered
    (it said nothing until the comparison, many questions later), with its sources, once."""
    seen = drive(Interview(questions, kb, "clinician"), ["2", *to_phq9("2"), NINE.format(item9=2)])
    ((_, said),) = safety(seen)
    assert "same-day" in said.text and said.sources


@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("field", ["diagnoses", "conditions", "medications"])
def test_list_help_says_each_thing_once(questions, kb, audience: str, field: str) -> None:
    iv = Interview(questions, kb, audience, {"suicidality": "none"})  # type: ignore[arg-type]
    for _ in range(12):
        if iv.current is None or iv.current.key == field:
            break
        iv.answer({"age": "45"}.get(iv.current.key, ""))
    assert iv.current is not None and iv.current.key == field
    (notice,) = iv.answer("?")
    text = notice.text.lower()
    assert text.count("enter") == 1, notice.text  # what Enter does: once
    assert len(re.findall(r"comma", text)) == 1, notice.text  # how to type several: once
    assert len(re.findall(r"\bskip", text)) <= 1, notice.text
    assert "back" in text  # going back is still explained


def test_help_still_says_what_enter_does_where_the_data_does_not(questions, kb) -> None:
    iv = Interview(questions, kb, "clinician", {"suicidality": "none", "diagnoses": ["mdd"]})
    iv.answer("3")  # trials
    step = iv.current
    assert step is not None and step.key == "earlier_ketamine" and step.enter
    (notice,) = iv.answer("?")
    assert f"Enter: {step.enter}." in notice.text
    assert "'skip' leaves an optional one out" in notice.text  # Enter is not a skip here


def test_clinician_crisis_box_holds_numbered_sources_and_no_citation(questions, kb) -> None:
    (_, crisis), *_ = drive(Interview(questions, kb, "clinician"), ["3"])
    assert crisis.kind == "crisis" and crisis.sources  # the clinician notice is still cited
    lines = notice_lines(crisis, "clinician")
    bars = [i for i, line in enumerate(lines) if set(line) == {"!"}]
    assert len(bars) == 2
    inside = lines[bars[0] : bars[1]]
    after = lines[bars[1] + 1 :]
    assert inside[-1] == "Sources: " + " ".join(f"[{i}]" for i in range(1, len(crisis.sources) + 1))
    for source in crisis.sources:
        assert not any(source[:40] in line for line in inside)
    numbered = [line[:4] for line in after if not line.startswith(" ")]
    assert numbered == [f"[{i}] " for i in range(1, len(crisis.sources) + 1)]
    # Each source in full (a clinician checks it), wrapped at spaces: a word longer than the
    # line (a web address) stands alone on its own line.
    assert " ".join(" ".join(after).split()) == " ".join(
        f"[{i}] {' '.join(s.split())}" for i, s in enumerate(crisis.sources, 1)
    )
    assert all(len(line) <= 80 or len(line.split()) == 1 for line in after)


def test_patient_crisis_box_has_no_sources_at_all(questions, kb) -> None:
    (_, crisis), *_ = drive(Interview(questions, kb, "patient"), ["3"])
    lines = notice_lines(crisis, "patient")
    assert not any("Source" in line for line in lines)
    assert set(lines[-1]) == {"!"}
