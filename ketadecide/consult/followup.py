"""The two optional steps after the comparison (issue 15), as pure state machines like
:class:`~ketadecide.consult.interview.Interview`: they offer :class:`~ketadecide.consult.steps.Step` s and take answers.

* **Values** ("rate what matters"): one 0-10 question per attribute of ``values.yaml``, worded
  from the data; fills ``values_<id>``.
* **SURE check**: the four SURE questions (O'Connor & Légaré 2008; Légaré et al., Can Fam
  Physician 2010), worded exactly as ``decision.yaml`` holds them (the published wording,
  unchanged, in both audiences; in Spanish our own translation, said to be not validated);
  yes/no; fills ``sure_*``.

Each opens with one yes/no question: Enter (or no) skips the whole step. Inside it, Enter skips
one question. ``back`` and ``?`` work as in the interview. What was pre-filled is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ketadecide.consult.steps import Notice, Option, Step
from ketadecide.consult.words import BACK_WORDS, HELP_WORDS, MAX_ANSWER_CHARS, NO, SKIP_WORDS, YES
from ketadecide.engine.result import Audience
from ketadecide.knowledge.files.decision import DecisionFile
from ketadecide.knowledge.files.values import ValuesFile
from ketadecide.profile import DATE_PATTERN, PLAN_NOTES_MAX, UNSAFE_TEXT_CLASS, VALUE_RANGE
from ketadecide.render.labels import SOMETHING_ELSE, something_else_note

#: The plan's two free-text answers share ``plan_notes`` (with a label each, after the
#: sentence naming a choice other than ketamine, if one was chosen), so each gets a little
#: under half of its 1,000 characters.
PLAN_PART_MAX = (PLAN_NOTES_MAX - 160) // 2
#: How a choice other than ketamine is offered as a leaning (``else:<id>``): recorded as
#: ``plan_leaning: unsure`` with the choice named in ``plan_notes`` (CONTRACT §1).
ELSE_PREFIX = "else:"
#: The plan's answers that are not profile fields: joined into ``plan_notes`` (plan_record).
PLAN_NOTE_PARTS: tuple[tuple[str, str], ...] = (("plan_questions", "questions_label"), ("plan_people", "people_label"))

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
    # After a SURE "no" to knowing the benefits and risks (issue 24 review, defect 7).
    "again_title": {"clinician": "Benefits and harms (optional)", "patient": "What helps and what harms (optional)"},
    "again_gate": {
        "clinician": "Show '{title}' again?",
        "patient": "Would you like to see '{title}' again?",
    },
    "again_help": {
        "clinician": "Each option's first benefit and its most common harm, beside the comparator's number.",
        "patient": "It shows, for each option, how many people it helped and its most common side effect.",
    },
    "plan_title": {"clinician": "Next-step plan (optional)", "patient": "Your next steps (optional)"},
    "plan_gate": {
        "clinician": "Record a next-step plan (leaning, questions, people, decide-by date)?",
        "patient": "Would you like to make a short plan for your next steps? There are 4 short questions.",
    },
    "plan_help": {
        "clinician": "The patient's own plan after a SURE 'no' (Ottawa Personal Decision Guide). It is printed "
        "on the handout and kept by --save; no rule reads it.",
        "patient": "This is your own plan. It is printed on your handout so you can take it with you. "
        "Each question can be skipped.",
    },
    "plan_leaning": {
        "clinician": "Which option is the patient leaning toward?",
        "patient": "Which option are you leaning toward right now?",
    },
    "plan_questions": {
        "clinician": "Questions the patient still wants to ask (free text)",
        "patient": "What questions do you still want to ask? Type them on one line.",
    },
    "plan_people": {
        "clinician": "People the patient wants to involve (free text)",
        "patient": "Who would you like to talk it over with? For example a family member or your doctor.",
    },
    "plan_decide_by": {
        "clinician": "Decide-by date (YYYY-MM-DD)",
        "patient": "By what date would you like to decide? Type it like 2027-01-31.",
    },
    "unsure": {"clinician": "Unsure", "patient": "Not sure yet"},
    "choose": {
        "clinician": "Expected one of the numbers shown.",
        "patient": "Please type one of the numbers shown, or press Enter to skip.",
    },
    "date": {
        "clinician": "Expected a date written YYYY-MM-DD.",
        "patient": "Please type the date like 2027-01-31, or press Enter to skip.",
    },
    "text": {
        "clinician": "Expected plain text of at most {n} characters on one line.",
        "patient": "Please keep it to one line of at most {n} letters.",
    },
    "questions_label": {"clinician": "Questions", "patient": "Questions"},
    "people_label": {"clinician": "Talk it over with", "patient": "Talk it over with"},
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
    """``int`` (0-10), ``bool``, ``choice`` (one of ``options``), ``text`` or ``date``."""
    options: tuple[Option, ...] = ()


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
    gate_only: bool = False
    """The opening question is the whole step (no items): a yes is kept as
    ``answers[section_id] = True``."""
    answers: dict[str, Any] = field(init=False, default_factory=dict)
    """The fields answered here (not the pre-filled ones), in the order asked."""
    _pos: int = field(init=False, default=-1)
    """-1: the opening question; 0..: the index into :attr:`todo`; len(todo): done."""
    _history: list[tuple[int, dict[str, Any]]] = field(init=False, default_factory=list)
    todo: tuple[_Item, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.todo = tuple(i for i in self.items if self.prefill.get(i.field) is None)
        if not self.todo and not self.gate_only:
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
        return Step(item.field, item.kind, item.text, options=item.options, **common)

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
            self._accept(word, text)
        except ValueError as exc:
            return [Notice("error", str(exc))]
        self._history.append(before)
        return []

    def _accept(self, word: str, text: str) -> None:
        if self._pos < 0:
            if not word or word in NO or word in SKIP_WORDS:
                self._pos = len(self.todo)
            elif word in YES:
                self._pos = 0
                if self.gate_only:
                    self.answers[self.section_id] = True
            elif self.gate_only:
                raise ValueError(follow_words("yes_no", self.audience))
            else:
                self._all_at_once(word)
            return
        item = self.todo[self._pos]
        if word and word not in SKIP_WORDS:
            # Free text keeps the person's own letters; everything else reads the lower case.
            self.answers[item.field] = self._parse(item, text if item.kind == "text" else word)
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
        if item.kind == "choice":
            for option in item.options:
                if word in (option.key, option.value):
                    return option.value
            raise ValueError(follow_words("choose", self.audience))
        if item.kind == "date":
            if not re.fullmatch(DATE_PATTERN, word):
                raise ValueError(follow_words("date", self.audience))
            return word
        if item.kind == "text":
            if len(word) > PLAN_PART_MAX or re.search(f"[{UNSAFE_TEXT_CLASS}]", word):
                raise ValueError(follow_words("text", self.audience, n=PLAN_PART_MAX))
            return " ".join(word.split())
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
    """The four SURE questions, in the published wording for both audiences (in Spanish, our
    own translation from the catalog, marked as not validated in its help and credit)."""
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


def again_step(title: str, audience: Audience) -> FollowUp:
    """One yes/no question: show the section ``title`` again?"""
    return FollowUp(
        "again",
        follow_words("again_title", audience),
        follow_words("again_gate", audience, title=title),
        follow_words("again_help", audience),
        (),
        audience,
        gate_only=True,
    )


def plan_step(
    options: Sequence[tuple[str, str]],
    audience: Audience,
    prefill: Mapping[str, Any],
    alternatives: Sequence[tuple[str, str]] = (),
) -> FollowUp:
    """The personal next-step plan after a SURE "no" (Ottawa Personal Decision Guide): the
    option leaned toward (``options``: (modality id, name) of the options open to the
    person; ``alternatives``: (id, name) of the choices other than ketamine, each offered as
    "Something else (not ketamine): <name>") or not sure yet, questions left, people to
    involve, a decide-by date."""
    other = SOMETHING_ELSE[audience]
    choices = [(ident, name) for ident, name in options]
    choices += [(f"{ELSE_PREFIX}{ident}", f"{other}: {name}") for ident, name in alternatives]
    choices.append(("unsure", follow_words("unsure", audience)))
    leaning = tuple(Option(str(i), ident, name) for i, (ident, name) in enumerate(choices, start=1))
    items = (
        _Item("plan_leaning", follow_words("plan_leaning", audience), "choice", leaning),
        _Item("plan_questions", follow_words("plan_questions", audience), "text"),
        _Item("plan_people", follow_words("plan_people", audience), "text"),
        _Item("plan_decide_by", follow_words("plan_decide_by", audience), "date"),
    )
    # Notes already given (a profile file): the two parts that would make them are not asked.
    given = dict(prefill)
    if prefill.get("plan_notes") is not None:
        given.update({part: prefill["plan_notes"] for part, _ in PLAN_NOTE_PARTS})
    return FollowUp(
        "plan",
        follow_words("plan_title", audience),
        follow_words("plan_gate", audience),
        follow_words("plan_help", audience),
        items,
        audience,
        given,
    )


def plan_record(
    answers: Mapping[str, Any], audience: Audience, alternatives: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """The plan step's answers as profile fields: the free-text parts joined, each with its
    label, into ``plan_notes``. A choice other than ketamine (``else:<id>``, named from
    ``alternatives``) is ``plan_leaning: unsure``, the contract's only non-modality value, with
    the choice named first in ``plan_notes``."""
    out = {k: v for k, v in answers.items() if k not in dict(PLAN_NOTE_PARTS)}
    parts: list[str] = []
    leaning = out.get("plan_leaning")
    if isinstance(leaning, str) and leaning.startswith(ELSE_PREFIX):
        out["plan_leaning"] = "unsure"
        names = dict(alternatives)
        parts.append(something_else_note(names.get(leaning[len(ELSE_PREFIX) :], leaning), audience))
    parts += [
        f"{follow_words(label, audience)}: {text}" + ("" if text.endswith((".", "?", "!")) else ".")
        for k, label in PLAN_NOTE_PARTS
        if (text := answers.get(k))
    ]
    if parts:
        out["plan_notes"] = " ".join(parts)
    return out
