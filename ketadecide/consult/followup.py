"""The two optional steps after the comparison (issue 15), as pure state machines like
:class:`~ketadecide.consult.interview.Interview`: they offer :class:`~ketadecide.consult.steps.Step` s and take answers.

* **Values** ("rate what matters"): one 0-10 question per attribute of ``values.yaml``, worded
  from the data; fills ``values_<id>``.
* **SURE check**: the four SURE questions (O'Connor & Légaré 2008; Légaré et al., Can Fam
  Physician 2010), worded exactly as ``decision.yaml`` holds them (the published wording,
  unchanged, in both audiences); yes/no; fills ``sure_*``.

Each opens with one yes/no question: Enter (or no) skips the whole step. Inside it, Enter skips
one question. ``back`` and ``?`` work as in the interview. What was pre-filled is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ketadecide.consult.steps import Notice, Step
from ketadecide.consult.words import BACK_WORDS, HELP_WORDS, MAX_ANSWER_CHARS, NO, SKIP_WORDS, YES
from ketadecide.engine.result import Audience
from ketadecide.knowledge.files.decision import DecisionFile
from ketadecide.knowledge.files.values import ValuesFile
from ketadecide.profile import VALUE_RANGE

#: Interface words of the two steps (not clinical facts), in the two registers.
FOLLOW_WORDS: dict[str, dict[Audience, str]] = {
    "values_title": {"clinician": "Values (optional)", "patient": "What matters to you (optional)"},
    "values_gate": {
        "clinician": "Rate what matters to the patient, 0-10 per attribute ({n} questions)? "
        "y, or the {n} ratings at once",
        "patient": "Would you like to rate what matters to you? There are {n} short questions, 0 to 10.",
    },
    "values_help": {
        "clinician": "0 = does not matter, 10 = matters most. The fit then shows how each option matches "
        "these ratings; it is not a recommendation.",
        "patient": "0 means it does not matter to you, 10 means it matters a lot. Then you see how each "
        "option matches what you said. It is not advice on what to choose.",
    },
    "rating": {
        "clinician": "Expected a whole number from 0 to 10.",
        "patient": "Please type a whole number from 0 to 10, or press Enter to skip this one.",
    },
    "ratings_count": {
        "clinician": "y, n, or all {n} ratings (0-10) at once, e.g. {example}.",
        "patient": "Please answer yes or no.",
    },
    # Numbers typed where they do not belong (ratings typed ahead, or at a yes/no question):
    # the first wrong answer says what this prompt takes, so the same line is not met again
    # and again.
    "gate_numbers": {
        "clinician": "This question is y or n (got {got}). y asks the {n} ratings one at a time; "
        "or type all {n} on one line, e.g. {example}.",
        "patient": "This question is yes or no. Type y and the {n} questions are asked one at a time, each 0 to 10.",
    },
    "one_rating": {
        "clinician": "One rating at a time: this question takes one whole number from 0 to 10 "
        "(got {got}); the others are asked next.",
        "patient": "One number at a time, please: type one whole number from 0 to 10 for this question. "
        "The next questions come after it.",
    },
    "yes_no_not_rating": {
        "clinician": "This question is yes or no, not a rating: answer y or n; Enter skips.",
        "patient": "This question is yes or no, not a number from 0 to 10. Please answer yes or no, "
        "or press Enter to skip.",
    },
    "sure_title": {"clinician": "SURE check (optional)", "patient": "Are you ready to decide? (optional)"},
    "sure_gate": {
        "clinician": "Ask the four SURE questions (yes/no)?",
        "patient": "Would you like to answer 4 yes-or-no questions about how ready you feel to decide?",
    },
    "sure_help": {
        "clinician": "The SURE test (O'Connor & Légaré 2008; Légaré et al., Can Fam Physician 2010), "
        "wording unchanged. A score of 3 or less suggests decisional conflict.",
        "patient": "These 4 questions come from a short published test called SURE. Each no points to "
        "something that can help you decide.",
    },
    "yes_no": {
        "clinician": "Answer y or n; Enter skips.",
        "patient": "Please answer yes or no, or press Enter to skip.",
    },
    "first": {
        "clinician": "Already at the first question of this step.",
        "patient": "This is the first question here; there is nothing to go back to.",
    },
    "how_back": {
        "clinician": "'back' returns to the previous question.",
        "patient": "Type back to return to the previous question.",
    },
}


def follow_words(key: str, audience: Audience, **values: object) -> str:
    from ketadecide.lang import tr

    text = FOLLOW_WORDS[key][audience]
    return (tr(text) if audience == "patient" else text).format(**values)


@dataclass(frozen=True, slots=True)
class _Item:
    field: str
    text: str
    kind: str
    """``int`` (0-10) or ``bool``."""


@dataclass
class FollowUp:
    """One optional step: a yes/no opening question, then its items; answers by profile field."""

    section_id: str
    title: str
    gate: str
    help_text: str
    items: tuple[_Item, ...]
    audience: Audience = "clinician"
    prefill: Mapping[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(init=False, default_factory=dict)
    """The fields answered here (not the pre-filled ones), in the order asked."""
    _pos: int = field(init=False, default=-1)
    """-1: the opening question; 0..: the index into :attr:`todo`; len(todo): done."""
    _history: list[tuple[int, dict[str, Any]]] = field(init=False, default_factory=list)
    todo: tuple[_Item, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.todo = tuple(i for i in self.items if self.prefill.get(i.field) is None)
        if not self.todo:
            self._pos = 0

    # the same surface as Interview, so run_interview and the askers serve both
    def start(self) -> list[Notice]:
        return []

    @property
    def stopped(self) -> bool:
        return False

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def current(self) -> Step | None:
        if self._pos >= len(self.todo):
            return None
        common: dict[str, Any] = {
            "section_id": self.section_id,
            "section_title": self.title,
            "section_number": 0,
            "section_count": 0,
            "can_go_back": bool(self._history),
            "enter": "skip",
        }
        if self._pos < 0:
            return Step(self.section_id, "bool", self.gate, **common)
        item = self.todo[self._pos]
        return Step(item.field, item.kind, item.text, **common)

    def answer(self, text: str) -> list[Notice]:
        step = self.current
        if step is None:
            raise RuntimeError("this step is over; there is nothing to answer")
        text = text.strip()[:MAX_ANSWER_CHARS]
        word = text.lower()
        if word in HELP_WORDS:
            return [Notice("help", f"{self.help_text} {follow_words('how_back', self.audience)}")]
        if word in BACK_WORDS:
            if not self._history:
                return [Notice("info", follow_words("first", self.audience))]
            self._pos, self.answers = self._history.pop()
            return []
        before = (self._pos, dict(self.answers))
        try:
            self._accept(word)
        except ValueError as exc:
            return [Notice("error", str(exc))]
        self._history.append(before)
        return []

    def _accept(self, word: str) -> None:
        if self._pos < 0:
            if not word or word in NO or word in SKIP_WORDS:
                self._pos = len(self.todo)
            elif word in YES:
                self._pos = 0
            else:
                self._all_at_once(word)
            return
        item = self.todo[self._pos]
        if word and word not in SKIP_WORDS:
            self.answers[item.field] = self._parse(item, word)
        else:
            self.answers.pop(item.field, None)
        self._pos += 1

    def _all_at_once(self, word: str) -> None:
        """Every rating typed at the opening question (``7 0 5 10 3 8``)."""
        tokens = [t for t in re.split(r"[\s,;]+", word) if t]
        ints = all(i.kind == "int" for i in self.todo)
        if not ints and _numbers(word):
            raise ValueError(follow_words("yes_no_not_rating", self.audience))
        if not ints or len(tokens) != len(self.todo):
            example = " ".join(str(n) for n in (7, 0, 5, 10, 3, 8, 2, 6, 4, 9)[: len(self.todo)])
            if _numbers(word):
                got = f"{len(tokens)} number{'s' if len(tokens) != 1 else ''}"
                raise ValueError(
                    follow_words("gate_numbers", self.audience, n=len(self.todo), example=example, got=got)
                )
            raise ValueError(follow_words("ratings_count", self.audience, n=len(self.todo), example=example))
        values = {i.field: self._parse(i, t) for i, t in zip(self.todo, tokens, strict=True)}
        self.answers.update(values)
        self._pos = len(self.todo)

    def _parse(self, item: _Item, word: str) -> Any:
        if item.kind == "bool":
            if word in YES:
                return True
            if word in NO:
                return False
            if _numbers(word):
                raise ValueError(follow_words("yes_no_not_rating", self.audience))
            raise ValueError(follow_words("yes_no", self.audience))
        low, high = VALUE_RANGE
        if len(_numbers(word)) > 1:
            shown = word if len(word) <= 30 else word[:27] + "..."
            raise ValueError(follow_words("one_rating", self.audience, got=repr(shown)))
        if not re.fullmatch(r"\d{1,2}", word) or not low <= int(word) <= high:
            raise ValueError(follow_words("rating", self.audience))
        return int(word)


def _numbers(word: str) -> list[str]:
    """The numbers of an answer made of numbers only (``7 0 5, 10``), else ``[]``."""
    tokens = [t for t in re.split(r"[\s,;/]+", word) if t]
    return tokens if tokens and all(re.fullmatch(r"-?\d+(?:\.\d+)?", t) for t in tokens) else []


def values_step(values: ValuesFile, audience: Audience, prefill: Mapping[str, Any]) -> FollowUp:
    """ "Rate what matters": one 0-10 question per attribute, in the data's order and wording."""
    items = tuple(
        _Item(f"values_{ident}", " ".join(str(getattr(a.question, audience)).split()), "int")
        for ident, a in values.attributes.items()
    )
    return FollowUp(
        "values",
        follow_words("values_title", audience),
        follow_words("values_gate", audience, n=len(items)),
        follow_words("values_help", audience),
        items,
        audience,
        prefill,
    )


def sure_step(decision: DecisionFile, audience: Audience, prefill: Mapping[str, Any]) -> FollowUp:
    """The four SURE questions, in the published wording for both audiences."""
    items = tuple(_Item(i.field, i.question, "bool") for i in decision.sure.items)
    return FollowUp(
        "sure",
        follow_words("sure_title", audience),
        follow_words("sure_gate", audience),
        follow_words("sure_help", audience),
        items,
        audience,
        prefill,
    )
