"""Shared helpers for the consult tests (synthetic answers only)."""

from __future__ import annotations

from collections.abc import Iterable

from ketadecide.consult.interview import Interview
from ketadecide.consult.steps import Notice

#: One answer per question for a typical profile, in the order the bundled questions ask
#: them (no earlier ketamine, so the course questions are not asked).
TYPICAL = [
    "1",  # suicidality: none
    "1",  # diagnoses: mdd
    "3",  # antidepressant trials
    "",  # earlier ketamine: none
    "45",  # age
    "1",  # pregnancy: none of these
    "128/82",  # blood pressure
    "0",  # conditions: none of these (asked, none)
    "0",  # medications: none of these (asked, none)
    "",  # PHQ-9: no
    "1",  # insurance: commercial
    "300",  # budget
    "y",  # driver
    "y",  # twice weekly
    "n",  # home
    "n",  # needles
]

TYPICAL_RECORD = {
    "age": 45,
    "pregnancy": "none",
    "diagnoses": ["mdd"],
    "antidepressant_trials": 3,
    "suicidality": "none",
    "bp_systolic": 128,
    "bp_diastolic": 82,
    "conditions": [],
    "medications": [],
    "insurance": "commercial",
    "budget_per_session": 300.0,
    "has_driver": True,
    "can_attend_twice_weekly": True,
    "prefers_home": False,
    "needle_averse": False,
}


def drive(interview: Interview, answers: Iterable[str]) -> list[tuple[str, Notice]]:
    """Answer the current step with each line; return (step key, notice) for every notice."""
    seen: list[tuple[str, Notice]] = [("start", n) for n in interview.start()]
    for text in answers:
        step = interview.current
        assert step is not None, f"interview ended before answer {text!r}"
        seen.extend((step.key, n) for n in interview.answer(text))
    return seen


def keys_asked(interview: Interview, answers: Iterable[str]) -> list[str]:
    """The step keys in the order they were current while ``answers`` were given."""
    order = []
    for text in answers:
        step = interview.current
        assert step is not None
        order.append(step.key)
        interview.answer(text)
    return order
