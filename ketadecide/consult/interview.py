"""The consult interview as a pure state machine: it offers steps and receives answers.

No I/O here. A caller (an :class:`~ketadecide.consult.asker.Asker`) shows
:attr:`Interview.current`, reads a line of text, and passes it to :meth:`Interview.answer`,
which returns the notices to show (an error to fix, help, the crisis message, a PHQ-9
score). Order, validation (by the profile's own rules), ``back``, ``?``, skipping, PHQ-9
scoring and the crisis interrupt all live here, so they are tested without a terminal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ketadecide.consult.fields import BP_FIELDS, check_fields, partial_facts
from ketadecide.consult.models import PHQ9_ITEMS, Choice, Question, Section
from ketadecide.consult.questions import QuestionSet
from ketadecide.engine.result import Audience
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import Cited
from ketadecide.predicates import holds
from ketadecide.profile import CRISIS_SUICIDALITY, PROFILE_FIELDS, Profile, parse_profile

NoticeKind = Literal["error", "help", "crisis", "safety", "score", "info", "stopped"]

CRISIS_KEY = "crisis_continue"
RECHECK_KEY = "suicidality_recheck"
#: The finding whose patient wording answers passive ideation or a PHQ-9 item 9 above 0 at once.
SAFETY_FINDING = "safety_assessment_needed"
PHQ9_KEY = "phq9"
BACK_WORDS = frozenset({"back", "b", "<"})
HELP_WORDS = frozenset({"?", "help", "h"})
SKIP_WORDS = frozenset({"skip", "-"})
#: The key of "None of these" on a list question (diagnoses, conditions, medications).
NONE_KEY = "0"
NONE_WORDS = frozenset({"none", "no", "n"})
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
MAX_ANSWER_CHARS = 500

#: Interface words (not clinical facts), in the two registers.
WORDS: dict[str, dict[Audience, str]] = {
    "required": {
        "clinician": "An answer is required here.",
        "patient": "This one is needed to go on. Type ? if you would like help.",
    },
    "first": {
        "clinician": "Already at the first question.",
        "patient": "This is the first question; there is nothing to go back to.",
    },
    "not_on_list": {
        "clinician": "'{token}' is not on the list; use {keys} or the ids shown.",
        "patient": "'{token}' is not one of the choices. Please type a number from {keys}.",
    },
    "ambiguous": {
        "clinician": "'{token}' matches several choices ({which}); type the number.",
        "patient": "'{token}' could mean {which}. Please type the number instead.",
    },
    "whole_number": {
        "clinician": "Expected a whole number{unit}, e.g. {example}.",
        "patient": "Please type a whole number{unit}, for example {example}.",
    },
    "number": {
        "clinician": "Expected a number{unit}, e.g. {example}.",
        "patient": "Please type an amount in numbers{unit}, for example {example}.",
    },
    "yes_no": {
        "clinician": "Answer yes or no (y/n).",
        "patient": "Please answer yes or no.",
    },
    "bp_format": {
        "clinician": "Enter systolic/diastolic in mmHg, e.g. 128/82.",
        "patient": "Please type two numbers with a slash, top number first, for example 120/80.",
    },
    "phq9_gate": {
        "clinician": "Answer yes, no, or the nine item scores (each 0-3), e.g. 1 2 1 0 2 1 1 0 0.",
        "patient": "Please answer yes or no.",
    },
    "phq9_left_out": {
        "clinician": "PHQ-9 left out (all nine items are needed for a score).",
        "patient": "No problem, we left the questionnaire out.",
    },
    "phq9_score": {
        "clinician": "PHQ-9 total {total}/27: {band} (item 9: {item9}).",
        "patient": (
            'Your questionnaire score is {total} out of 27, in the range called "{band}". '
            "It is a screening score, not a diagnosis; your clinician can go through it with you."
        ),
    },
    "skipped": {
        "clinician": "Skipped.",
        "patient": "Skipped.",
    },
    "invalid": {
        "clinician": "{message}.",
        "patient": "That answer does not fit: {message}.",
    },
    "no_skip": {
        "clinician": "Items cannot be skipped one by one; type skip again to leave the PHQ-9 out.",
        "patient": "Type skip again if you would like to leave the whole questionnaire out.",
    },
    "how_choice": {
        "clinician": "Type the number or the id of one choice.",
        "patient": "Type the number of the answer that fits best.",
    },
    "how_multi": {
        "clinician": (
            "Type the numbers or ids of all that apply, comma-separated; 0 or none records that none applies;"
            " Enter or skip leaves the question not asked."
        ),
        "patient": (
            "Type the numbers of all that apply, separated by commas (for example 1,3), or 0 if none apply."
            " Press Enter to skip if you are not sure."
        ),
    },
    "none_of_these": {"clinician": "None of these", "patient": "None of these apply to me"},
    "none_alone": {
        "clinician": "0 (none) cannot be combined with other choices.",
        "patient": "0 means none of these, so it cannot go with other numbers. Please type one or the other.",
    },
    "how_int": {
        "clinician": "Type a whole number.",
        "patient": "Type a whole number.",
    },
    "how_number": {
        "clinician": "Type a number (a $ sign and commas are fine).",
        "patient": "Type an amount in numbers, for example 250.",
    },
    "how_bool": {"clinician": "Answer yes or no.", "patient": "Answer yes or no."},
    "how_bp": {
        "clinician": "Systolic/diastolic in mmHg, e.g. 128/82.",
        "patient": "Top number, a slash, then the bottom number, for example 120/80.",
    },
    "how_nav": {
        "clinician": "'back' returns to the previous question; 'skip' leaves an optional one out.",
        "patient": "Type back to return to the previous question, or skip to leave this one out.",
    },
    "how_back": {
        "clinician": "'back' returns to the previous question.",
        "patient": "Type back to return to the previous question.",
    },
    "safety_gentle": {
        "clinician": "Any suicidal ideation calls for a same-day risk assessment; crisis line 988 (call, text, chat).",
        "patient": (
            "Thank you for telling us. Thoughts like these matter, and help is there. Please talk with your"
            " clinician about them soon, ideally today. You can call or text 988 any time, day or night."
        ),
    },
    "sources": {"clinician": "Sources: {sources}", "patient": ""},
}


def words(key: str, audience: Audience, **values: object) -> str:
    return WORDS[key][audience].format(**values)


@dataclass(frozen=True, slots=True)
class Option:
    """One numbered answer shown with a question."""

    key: str
    """What to type to choose it (``1``, ``2``, ... or a PHQ-9 score ``0``-``3``)."""
    value: Any
    label: str


@dataclass(frozen=True, slots=True)
class Step:
    """What to ask now, worded for the audience."""

    key: str
    """Stable id: a question id, ``phq9.3`` for an item, or ``crisis_continue``."""
    kind: str
    """choice, multi, int, number, bool, bp, phq9, checklist, or phq9_item."""
    text: str
    section_id: str
    section_title: str
    section_number: int
    """1-based."""
    section_count: int
    options: tuple[Option, ...] = ()
    unit: str | None = None
    enter: str | None = None
    """What pressing Enter gives, in words ("None", "skip"), or None when an answer is required."""
    stem: str | None = None
    """Words shown before the text (the PHQ-9 item stem)."""
    item: tuple[int, int] | None = None
    """(n, of) for a PHQ-9 item."""
    can_go_back: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the person between questions."""

    kind: NoticeKind
    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class _InterviewState:
    answers: Mapping[str, Any]
    done: frozenset[str] = frozenset()
    phq_items: tuple[int, ...] | None = None
    """Scores so far while going through the PHQ-9 item by item."""
    crisis_pending: bool = False
    recheck: bool = False
    safety_said: bool = False
    """The gentle safety message was shown (once per consult, not again at PHQ-9 item 9)."""
    stopped: bool = False
    skip_armed: bool = False


class _Bad(Exception):
    """An answer that does not parse; the message says how to fix it."""


@dataclass
class Interview:
    """One consult: questions in order, answers validated as they are given."""

    questions: QuestionSet
    kb: KnowledgeBase
    audience: Audience = "clinician"
    prefill: Mapping[str, Any] = field(default_factory=dict)
    _state: _InterviewState = field(init=False)
    _history: list[_InterviewState] = field(init=False, default_factory=list)
    _order: list[tuple[int, Section, Question]] = field(init=False)
    asked: list[str] = field(init=False, default_factory=list)
    """Keys of the steps answered, in order (help and back not counted; a re-ask counts again)."""

    def __post_init__(self) -> None:
        prefill = dict(self.prefill)
        unknown = [k for k in prefill if k not in PROFILE_FIELDS]
        if unknown:
            raise InputError([Problem("unknown field (not in the contract)", field=k) for k in unknown])
        self._order = self.questions.file.questions()
        self._state = _InterviewState(
            answers=prefill,
            crisis_pending=prefill.get("suicidality") in CRISIS_SUICIDALITY,
        )

    # ------------------------------------------------------------------ public surface

    def start(self) -> list[Notice]:
        """Notices to show before the first question (the crisis message, if pre-filled)."""
        return [self._crisis_notice()] if self._state.crisis_pending else []

    @property
    def current(self) -> Step | None:
        """The step to ask now, or None when the interview is over."""
        key = self._next_key()
        return None if key is None else self._step(key)

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def stopped(self) -> bool:
        """True when the person chose to stop after the crisis message."""
        return self._state.stopped

    @property
    def answers(self) -> dict[str, Any]:
        """The fields given so far (pre-filled or answered), in contract order."""
        given = self._state.answers
        return {k: given[k] for k in PROFILE_FIELDS if k in given}

    def profile(self) -> Profile:
        """The finished profile; :class:`InputError` when a required answer is missing."""
        return parse_profile(self.answers, source="consult")

    def skipped_questions(self) -> list[str]:
        """Question ids not asked: pre-filled, or their ``ask_if`` did not hold."""
        shown = {k.split(".")[0] for k in self.asked}
        return [q.id for _, _, q in self._order if q.id not in shown]

    def answer(self, text: str) -> list[Notice]:
        """Take one line typed for :attr:`current`; return what to show before the next step."""
        key = self._next_key()
        if key is None:
            raise RuntimeError("the interview is over; there is nothing to answer")
        text = text.strip()[:MAX_ANSWER_CHARS]
        word = text.lower()
        if word in HELP_WORDS:
            return [self._help(key)]
        if word in BACK_WORDS:
            return self._back()
        self.asked.append(key)
        before = self._state
        try:
            notices = self._accept(key, text, word)
        except _Bad as exc:
            # A bad answer changes nothing, except arming "skip" to leave the PHQ-9 out.
            armed = self._state.skip_armed and word in SKIP_WORDS
            self._state = dataclasses.replace(before, skip_armed=armed)
            return [Notice("error", str(exc))]
        if self._state is not before:
            self._history.append(dataclasses.replace(before, skip_armed=False))
        return notices

    # ------------------------------------------------------------------ order

    def _question(self, key: str) -> tuple[int, Section, Question]:
        if key in {CRISIS_KEY, RECHECK_KEY}:
            key = self._safety_question()[2].id
        base = key.split(".")[0]
        return next(t for t in self._order if t[2].id == base)

    def _safety_question(self) -> tuple[int, Section, Question]:
        return next(t for t in self._order if t[2].field == "suicidality")

    def _facts(self) -> dict[str, Any]:
        return partial_facts(self._state.answers)

    def _next_key(self) -> str | None:
        s = self._state
        if s.stopped:
            return None
        if s.crisis_pending:
            return CRISIS_KEY
        if s.recheck and RECHECK_KEY not in s.done:
            return RECHECK_KEY
        facts: dict[str, Any] | None = None
        for _, _, q in self._order:
            if any(self.prefill.get(f) is not None for f in q.fields):
                continue
            if q.ask_if is not None:
                facts = facts if facts is not None else self._facts()
                if not holds(q.ask_if, facts):
                    continue
            if q.kind == "phq9":
                if q.id not in s.done:
                    return q.id
                if s.phq_items is not None:
                    return f"{q.id}.{len(s.phq_items) + 1}"
                continue
            if q.id not in s.done:
                return q.id
        return None

    # ------------------------------------------------------------------ wording

    def _w(self, item: Any) -> str:
        return str(getattr(item, self.audience))

    def _options(self, q: Question) -> tuple[Option, ...]:
        # A list question opens with "0) None of these": the answer "asked, none" ([]), which
        # Enter never gives (Enter and skip leave the question not asked).
        none = (Option(NONE_KEY, None, words("none_of_these", self.audience)),)
        if q.kind == "checklist":
            assert q.checklist is not None
            rules = getattr(self.kb, q.checklist)
            return none + tuple(
                Option(str(i), ident, rule.name if self.audience == "clinician" else rule.plain_name)
                for i, (ident, rule) in enumerate(rules.items(), start=1)
            )
        listed = tuple(Option(str(i), c.value, self._w(c)) for i, c in enumerate(q.choices, start=1))
        return none + listed if q.kind == "multi" else listed

    def _enter(self, q: Question) -> str | None:
        if q.required:
            return None
        if q.default is not None:
            label = next((self._w(c) for c in q.choices if c.value == q.default), str(q.default))
            return label
        if q.kind == "choice":
            none_choice = next((c for c in q.choices if c.value is None), None)
            if none_choice is not None:
                return self._w(none_choice)
        if q.kind == "phq9":
            return "no"
        return "skip"

    def _step(self, key: str) -> Step:
        index, section, q = self._question(key)
        common: dict[str, Any] = {
            "section_id": section.id,
            "section_title": self._w(section.title),
            "section_number": index + 1,
            "section_count": len(self.questions.file.sections),
            "can_go_back": bool(self._history),
        }
        if key == CRISIS_KEY:
            text = self._w(self.questions.file.messages.crisis_continue)
            return Step(key, "bool", text, enter="yes", **common)
        if "." in key:
            n = int(key.split(".")[1])
            return Step(
                key,
                "phq9_item",
                self._w(q.items[n - 1]),
                options=tuple(Option(str(o.value), o.value, self._w(o)) for o in q.options),
                enter=None,
                stem=self._w(self.questions.file.messages.phq9_items),
                item=(n, PHQ9_ITEMS),
                **common,
            )
        return Step(
            key,
            q.kind,
            self._w(q),
            options=self._options(q) if q.kind in {"choice", "multi", "checklist"} else (),
            unit=q.unit,
            enter=self._enter(q),
            **common,
        )

    def _help(self, key: str) -> Notice:
        _, _, q = self._question(key)
        step = self._step(key)
        parts: list[str] = []
        sources: tuple[str, ...] = ()
        if q.help is not None and key != CRISIS_KEY and "." not in key:
            parts.append(self._w(q.help))
            if isinstance(q.help, Cited) and self.audience == "clinician":
                sources = tuple(self.questions.cite(r) for r in q.help.sources)
        if "." in key and q.scoring is not None and self.audience == "clinician":
            sources = tuple(self.questions.cite(r) for r in q.scoring.sources)
        how = {
            "choice": "how_choice",
            "phq9_item": "how_choice",
            "multi": "how_multi",
            "checklist": "how_multi",
            "int": "how_int",
            "number": "how_number",
            "bool": "how_bool",
            "bp": "how_bp",
            "phq9": "phq9_gate",
        }[step.kind]
        # A list question's own help already says how to type the numbers: saying it again in
        # generic words (and then what Enter and skip do, twice more) repeats one thing three times.
        if not (parts and step.kind in {"multi", "checklist"}):
            parts.append(words(how, self.audience))
        said_enter = any("enter" in p.lower() for p in parts)
        if step.enter is not None and not said_enter:
            if self.audience == "clinician":
                parts.append(f"Enter: {step.enter}.")
            elif step.enter == "skip":
                parts.append("Pressing Enter skips this question.")
            else:
                parts.append(f"Pressing Enter answers: {step.enter}.")
        # Where Enter already skips, "skip" is the same thing by another name.
        nav = "how_back" if step.enter == "skip" else "how_nav"
        parts.append(words(nav, self.audience))
        return Notice("help", " ".join(parts), sources)

    def _safety_notice(self) -> list[Notice]:
        """The kind, immediate word for passive ideation or a PHQ-9 item 9 above 0 (patients; once).

        The data's own finding text (``safety_assessment_needed``, with the 988 line) when the
        knowledge base has it, else a built-in line with the same 988 resource.
        """
        if self.audience != "patient" or self._state.safety_said:
            return []
        self._state = dataclasses.replace(self._state, safety_said=True)
        finding = self.kb.screens.get(SAFETY_FINDING)
        text = self._w(finding) if finding is not None else words("safety_gentle", self.audience)
        return [Notice("safety", " ".join(text.split()))]

    def _crisis_notice(self) -> Notice:
        crisis = self.kb.crisis
        sources = self.kb.cite_all(crisis.sources) if self.audience == "clinician" else ()
        return Notice("crisis", self._w(crisis), sources)

    # ------------------------------------------------------------------ answers

    def _back(self) -> list[Notice]:
        if not self._history:
            return [Notice("info", words("first", self.audience))]
        self._state = self._history.pop()
        return []

    def _set(self, done_key: str, values: Mapping[str, Any], drop: tuple[str, ...] = (), **changes: Any) -> None:
        answers = {k: v for k, v in self._state.answers.items() if k not in drop}
        answers.update(values)
        self._state = dataclasses.replace(
            self._state,
            answers=answers,
            done=self._state.done | {done_key},
            skip_armed=False,
            **changes,
        )

    def _accept(self, key: str, text: str, word: str) -> list[Notice]:
        if key == CRISIS_KEY:
            go_on = True if not word else _yes_no(word, self.audience)
            self._state = dataclasses.replace(
                self._state,
                crisis_pending=False,
                stopped=not go_on,
                done=self._state.done | {key},
            )
            if not go_on:
                return [Notice("stopped", self._w(self.questions.file.messages.crisis_stopped))]
            return []
        _, _, q = self._question(key)
        if "." in key:
            return self._accept_item(q, key, text, word)
        if q.kind == "phq9":
            return self._accept_phq_gate(q, text, word)
        if not word:
            return self._empty(key, q)
        if word in SKIP_WORDS:
            if q.required:
                raise _Bad(words("required", self.audience))
            self._set(key, {}, drop=q.fields)
            return [Notice("info", words("skipped", self.audience))]
        values = self._parse(q, text, word)
        return self._store(key, q, values)

    def _empty(self, key: str, q: Question) -> list[Notice]:
        if q.required:
            raise _Bad(words("required", self.audience))
        if q.default is not None:
            return self._store(key, q, {q.field: q.default})
        self._set(key, {}, drop=q.fields)
        return []

    def _store(self, key: str, q: Question, values: dict[str, Any]) -> list[Notice]:
        given = {k: v for k, v in values.items() if v is not None}
        try:
            checked = check_fields(given)
        except InputError as exc:
            raise _Bad(words("invalid", self.audience, message=_plain(exc.problems[0]))) from None
        self._set(key, checked, drop=q.fields)
        if q.field == "suicidality" and checked.get("suicidality") in CRISIS_SUICIDALITY:
            self._state = dataclasses.replace(self._state, crisis_pending=True)
            return [self._crisis_notice()]
        if q.field == "suicidality" and checked.get("suicidality") == "passive_ideation":
            return self._safety_notice()
        return []

    def _parse(self, q: Question, text: str, word: str) -> dict[str, Any]:
        kind = q.kind
        if kind == "choice":
            return {q.field: _pick(self._options(q), word, self.audience).value}
        if kind in {"multi", "checklist"}:
            return {q.field: _pick_many(self._options(q), word, self.audience)}
        if kind == "int":
            return {q.field: _int(word, q.unit, self.audience)}
        if kind == "number":
            return {q.field: _number(word, q.unit, self.audience)}
        if kind == "bool":
            return {q.field: _yes_no(word, self.audience)}
        if kind == "bp":
            m = re.fullmatch(r"(\d{1,3})\s*/\s*(\d{1,3})\s*(?:mm\s*hg)?", word)
            if not m:
                raise _Bad(words("bp_format", self.audience))
            return dict(zip(BP_FIELDS, (int(m.group(1)), int(m.group(2))), strict=True))
        raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover

    # ------------------------------------------------------------------ PHQ-9

    def _accept_phq_gate(self, q: Question, text: str, word: str) -> list[Notice]:
        digits = re.sub(r"[\s,;/]+", "", word)
        if len(digits) == PHQ9_ITEMS and digits.isdigit():
            scores = [int(d) for d in digits]
            if max(scores) > 3:
                raise _Bad(words("phq9_gate", self.audience))
            return self._finish_phq(q, tuple(scores))
        if not word or word in NO or word in SKIP_WORDS:
            self._set(q.id, {}, drop=(q.field,))
            return []
        if word in YES:
            self._set(q.id, {}, drop=(q.field,), phq_items=())
            return []
        raise _Bad(words("phq9_gate", self.audience))

    def _accept_item(self, q: Question, key: str, text: str, word: str) -> list[Notice]:
        if word in SKIP_WORDS:
            if not self._state.skip_armed:
                self._state = dataclasses.replace(self._state, skip_armed=True)
                raise _Bad(words("no_skip", self.audience))
            self._state = dataclasses.replace(self._state, phq_items=None, skip_armed=False)
            return [Notice("info", words("phq9_left_out", self.audience))]
        options = tuple(Option(str(o.value), o.value, self._w(o)) for o in q.options)
        if not word:
            raise _Bad(words("required", self.audience))
        score = int(_pick(options, word, self.audience).value)
        items = (*(self._state.phq_items or ()), score)
        if len(items) < PHQ9_ITEMS:
            self._state = dataclasses.replace(self._state, phq_items=items, skip_armed=False)
            return []
        return self._finish_phq(q, items)

    def _finish_phq(self, q: Question, items: tuple[int, ...]) -> list[Notice]:
        try:
            checked = check_fields({q.field: list(items)})
        except InputError as exc:  # pragma: no cover - the parsing above keeps to 0-3
            raise _Bad(words("invalid", self.audience, message=_plain(exc.problems[0]))) from None
        suicidality = self._state.answers.get("suicidality")
        recheck = items[8] > 0 and suicidality in (None, "unknown")
        self._set(q.id, checked, phq_items=None, recheck=recheck)
        if recheck:
            # Asked again now, even if it was answered "unknown" or skipped before.
            self._state = dataclasses.replace(self._state, done=self._state.done - {RECHECK_KEY})
        notices = [self._score_notice(q, items)]
        if items[8] > 0 and suicidality not in CRISIS_SUICIDALITY:
            notices += self._safety_notice()
        if recheck:
            notices.append(Notice("info", self._w(self.questions.file.messages.safety_recheck)))
        return notices

    def _score_notice(self, q: Question, items: tuple[int, ...]) -> Notice:
        assert q.scoring is not None
        total = sum(items)
        band = next(b for b in q.scoring.bands if b.low <= total <= b.high)
        sources = tuple(self.questions.cite(r) for r in q.scoring.sources) if self.audience == "clinician" else ()
        text = words("phq9_score", self.audience, total=total, band=self._w(band), item9=items[8])
        return Notice("score", text, sources)


def phq9_band(questions: QuestionSet, total: int, audience: Audience = "clinician") -> str:
    """The severity band of a PHQ-9 total, worded for ``audience``."""
    q = next(q for _, _, q in questions.file.questions() if q.kind == "phq9")
    assert q.scoring is not None
    band = next(b for b in q.scoring.bands if b.low <= total <= b.high)
    return str(getattr(band, audience))


def missing_required(questions: QuestionSet, given: Mapping[str, Any]) -> list[Problem]:
    """Required answers a pre-fill does not give (for ``--no-input``), one problem each."""
    return [
        Problem("required, but not in the profile and --no-input never asks", field=name)
        for _, _, q in questions.file.questions()
        if q.required
        for name in q.fields
        if name not in given
    ]


# ---------------------------------------------------------------------- parsing helpers


_PLAIN_RANGE = (
    (re.compile(r"^must be at most (\S+), got .*$"), r"it should be \1 or less"),
    (re.compile(r"^must be at least (\S+), got .*$"), r"it should be \1 or more"),
)


def _plain(problem: Problem) -> str:
    """The profile's own error message, with its range wording made plain."""
    msg = problem.message
    for pattern, repl in _PLAIN_RANGE:
        msg = pattern.sub(repl, msg)
    return msg[0].lower() + msg[1:] if msg else msg


def _yes_no(word: str, audience: Audience) -> bool:
    if word in YES:
        return True
    if word in NO:
        return False
    raise _Bad(words("yes_no", audience))


def _keys(options: tuple[Option, ...]) -> str:
    return f"{options[0].key}-{options[-1].key}" if options else ""


def _pick(options: tuple[Option, ...], word: str, audience: Audience) -> Option:
    for o in options:
        if word == o.key.lower():
            return o
    for o in options:
        if (o.value is not None and word == str(o.value).lower()) or word == o.label.lower():
            return o
    if not word.isdigit():
        hits = [
            o
            for o in options
            if (o.value is not None and str(o.value).lower().startswith(word)) or o.label.lower().startswith(word)
        ]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            which = " or ".join(f"{o.key}) {o.label}" for o in hits[:4])
            raise _Bad(words("ambiguous", audience, token=word, which=which))
    raise _Bad(words("not_on_list", audience, token=word, keys=_keys(options)))


def _pick_many(options: tuple[Option, ...], word: str, audience: Audience) -> list[Any]:
    """The values picked; ``[]`` for "none" (asked, none), never for an empty answer."""
    none = False
    chosen: list[Any] = []
    for token in (t for t in re.split(r"[,;\s]+", word) if t):
        hit = next(
            (o for o in options if token == o.key or (o.value is not None and token == str(o.value).lower())),
            None,
        )
        if hit is None and token in NONE_WORDS:
            hit = next((o for o in options if o.key == NONE_KEY and o.value is None), None)
        if hit is None:
            raise _Bad(words("not_on_list", audience, token=token, keys=_keys(options)))
        if hit.value is None:
            none = True
        elif hit.value not in chosen:
            chosen.append(hit.value)
    if none and chosen:
        raise _Bad(words("none_alone", audience))
    return chosen


def _strip_unit(word: str, unit: str | None) -> str:
    if unit:
        word = re.sub(rf"\s*{re.escape(unit.lower())}\.?$", "", word)
    return word.strip()


def _int(word: str, unit: str | None, audience: Audience) -> int:
    word = _strip_unit(word, unit)
    if not re.fullmatch(r"\+?\d{1,6}", word):
        shown = f" ({unit})" if unit else ""
        raise _Bad(words("whole_number", audience, unit=shown, example="3" if not unit else "45"))
    return int(word)


def _number(word: str, unit: str | None, audience: Audience) -> float:
    cleaned = _strip_unit(word, unit).replace("$", "").replace(",", "").strip()
    shown = f" ({unit})" if unit else ""
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?|\.\d{1,2}", cleaned):
        raise _Bad(words("number", audience, unit=shown, example="300"))
    return float(cleaned)


def choice_label(choices: tuple[Choice, ...], value: Any, audience: Audience) -> str:
    """The label of the choice with ``value``, for echoing an answer back."""
    return next((str(getattr(c, audience)) for c in choices if c.value == value), str(value))
