"""Shared helpers for the consult tests (synthetic answers only).

Answers are given by question id (a step's key), never by position: :func:`typed` turns
``{id: answer}`` into the lines a person would type, in the order the bundled questions ask
them, by running the interview itself; every question it is not given an answer for gets
Enter (the question's default, or "skip"). So a question added to ``data/questions.yaml``
needs no edit here or in the tests' scripts unless a test means to answer it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from ketadecide.consult.interview import Interview
from ketadecide.consult.questions import QuestionSet, load_questions
from ketadecide.consult.steps import Notice
from ketadecide.knowledge.base import KnowledgeBase

#: What one step gets: a line, or the lines typed at it in turn (a bad answer re-asked,
#: ``?``, ``back``: the interview comes back to the step and takes the next).
Answer = str | Sequence[str]

#: The answers of a typical profile, by question id (no earlier ketamine, so the course
#: questions are not asked; Enter, the default, for the PHQ-9 and earlier ketamine).
TYPICAL_ANSWERS: dict[str, Answer] = {
    "suicidality": "1",  # none
    "diagnoses": "1",  # mdd
    "antidepressant_trials": "3",
    "age": "45",
    "pregnancy": "1",  # none of these
    "bp": "128/82",
    "conditions": "0",  # none of these (asked, none)
    "medications": "0",  # none of these (asked, none)
    "insurance": "1",  # commercial
    "budget_per_session": "300",
    "has_driver": "y",
    "can_attend_twice_weekly": "y",
    "prefers_home": "n",
    "needle_averse": "n",
}

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

#: Steps a script may take before it is over (a guard: a loop is a broken test, not a hang).
MAX_STEPS = 200


@cache
def _bundled() -> tuple[QuestionSet, KnowledgeBase]:
    from ketadecide.floor import load_knowledge_base
    from tests.conftest import DATA_DIR

    kb = load_knowledge_base(DATA_DIR)
    return load_questions(kb), kb


def interview(audience: str = "clinician", prefill: Mapping[str, Any] | None = None) -> Interview:
    """A new interview over the bundled questions (what a data directory without its own
    ``questions.yaml`` asks, as ``tests/fixtures/kb_minimal``)."""
    questions, kb = _bundled()
    return Interview(questions, kb, audience, dict(prefill or {}))  # type: ignore[arg-type]


def answer_until(iv: Interview, key: str | None, answers: Mapping[str, Answer] = TYPICAL_ANSWERS) -> list[str]:
    """Answer ``iv`` by step key until the step ``key`` is current (``None``: to the end);
    return the lines typed. A step with no answer given gets Enter; a step where Enter is
    not an answer (a required question) and none is given fails the test, as does reaching
    the end before ``key``."""
    queues = {k: [v] if isinstance(v, str) else list(v) for k, v in answers.items()}
    lines: list[str] = []
    while (step := iv.current) is not None and step.key != key:
        assert len(lines) < MAX_STEPS, f"no end after {MAX_STEPS} answers: {lines[-10:]}"
        queue = queues.get(step.key)
        if queue:
            text = queue.pop(0)
        else:
            assert step.enter is not None, f"{step.key!r} needs an answer and the script gives none"
            text = ""
        lines.append(text)
        refused = [n.text for n in iv.answer(text) if n.kind == "error"]
        # A script's last answer for a step is the one meant to stand: refused, it is a broken script.
        assert not (refused and queue == []), f"{step.key!r}: {text!r} refused: {refused}"
    assert key is None or iv.current is not None, f"the interview ended before {key!r}"
    return lines


def typed(
    answers: Mapping[str, Answer] = TYPICAL_ANSWERS,
    *,
    until: str | None = None,
    audience: str = "clinician",
    prefill: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> list[str]:
    """The lines to type for a consult answered by question id: ``answers`` overrides a
    step's answer (``{**TYPICAL_ANSWERS, "age": ["200", "45"]}``); ``until`` stops before
    that step (a consult cut short). ``lang="es"``: a patient's interview in Spanish (the
    answers are Spanish words, understood as ``consult --lang es`` understands them)."""
    if lang == "en":
        return answer_until(interview(audience, prefill), until, answers)
    from ketadecide.i18n.texts import localize
    from ketadecide.lang import use

    _, kb = _bundled()
    spanish = localize(kb).knowledge_base
    with use("es"):
        iv = Interview(load_questions(spanish), spanish, "patient", dict(prefill or {}))
        return answer_until(iv, until, answers)


#: A patient's typical answers as typed in Spanish, by question id (words, not numbers).
SPANISH_ANSWERS: dict[str, Answer] = {
    "suicidality": "No",
    "diagnoses": "depresión",
    "antidepressant_trials": "3",
    "age": "45",
    "pregnancy": "nada",
    "bp": "128/82",
    "conditions": "ninguno",
    "medications": "ninguno",
    "phq9": "no",
    "insurance": "privado",
    "budget_per_session": "300",
    "has_driver": "sí",
    "can_attend_twice_weekly": "sí",
    "prefers_home": "no",
    "needle_averse": "no",
}


def after_phq9() -> str:
    """The question the bundled interview asks after the PHQ-9 (none of ``ask_if``)."""
    questions, _ = _bundled()
    order = [q for _, _, q in questions.file.questions()]
    at = next(i for i, q in enumerate(order) if q.id == "phq9")
    return next(q.id for q in order[at + 1 :] if q.ask_if is None)


#: The lines of a typical consult, in the order the questions are asked.
TYPICAL = typed()


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
