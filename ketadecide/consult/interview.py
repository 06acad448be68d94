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
from typing import Any

from ketadecide.consult.answers import (
    BadAnswer,
    number,
    pick,
    pick_many,
    plain_problem,
    whole_number,
    yes_no,
)
from ketadecide.consult.questions import QuestionSet
from ketadecide.consult.steps import Notice, Option, Step
from ketadecide.consult.words import (
    BACK_WORDS,
    HELP_WORDS,
    MAX_ANSWER_CHARS,
    NO,
    NONE_KEY,
    SKIP_WORDS,
    YES,
    words,
)
from ketadecide.engine.result import Audience
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.fields import check_fields, partial_facts
from ketadecide.knowledge.files.questions import Question, Section
from ketadecide.knowledge.models import Cited
from ketadecide.lang import tr, trf
from ketadecide.predicates import holds
from ketadecide.profile import BP_FIELDS, CRISIS_SUICIDALITY, PHQ9_ITEMS, PROFILE_FIELDS, Profile, parse_profile

CRISIS_KEY = "crisis_continue"
RECHECK_KEY = "suicidality_recheck"
#: The finding whose patient wording answers passive ideation or a PHQ-9 item 9 above 0 at once.
SAFETY_FINDING = "safety_assessment_needed"


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
        except BadAnswer as exc:
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

    def _other_name(self, q: Question, options: tuple[Option, ...], word: str) -> Option | None:
        """The choice a plan or carrier name means ("Medi-Cal" -> Medicaid); for a carrier
        selling several kinds ("Aetna"), :class:`BadAnswer` asking which kind, its choices only."""
        typed = " ".join(word.casefold().replace("-", " ").split())
        for other in q.other_names:
            if typed not in {" ".join(n.casefold().replace("-", " ").split()) for n in other.names}:
                continue
            fits = [o for o in options if o.value in other.values]
            if len(fits) == 1:
                return fits[0]
            which = " or ".join(f"{o.key}) {o.label}" for o in fits)
            raise BadAnswer(words("which_kind", self.audience, name=other.names[0], which=which))
        return None

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
            return Step(key, "bool", text, enter=None, **common)
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
                parts.append(tr("Pressing Enter skips this question."))
            else:
                parts.append(trf("Pressing Enter answers: {answer}.", answer=step.enter))
        # Where Enter already skips, "skip" is the same thing by another name.
        nav = "how_back" if step.enter == "skip" else "how_nav"
        parts.append(words(nav, self.audience))
        return Notice("help", " ".join(parts), sources)

    def _safety_notice(self) -> list[Notice]:
        """The immediate word for passive ideation or a PHQ-9 item 9 above 0 (once; both audiences).

        The data's own finding text (``safety_assessment_needed``, with the 988 line) when the
        knowledge base has it, else a built-in line with the same 988 resource.
        """
        if self._state.safety_said:
            return []
        self._state = dataclasses.replace(self._state, safety_said=True)
        finding = self.kb.screens.get(SAFETY_FINDING)
        if finding is None:
            return [Notice("safety", " ".join(words("safety_gentle", self.audience).split()))]
        # The clinician sees the same finding at the moment of the answer, with its sources
        # (it said nothing until the comparison, many questions later).
        sources = self.kb.cite_all(finding.sources) if self.audience == "clinician" else ()
        return [Notice("safety", " ".join(self._w(finding).split()), sources)]

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
            if not word:  # going on is a choice, never the default after a crisis answer
                raise BadAnswer(words("crisis_choose", self.audience))
            go_on = yes_no(word, self.audience)
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
                raise BadAnswer(words("required", self.audience))
            self._set(key, {}, drop=q.fields)
            return [Notice("info", words("skipped", self.audience))]
        values = self._parse(q, text, word)
        return self._store(key, q, values)

    def _empty(self, key: str, q: Question) -> list[Notice]:
        if q.required:
            raise BadAnswer(words("required", self.audience))
        if q.default is not None:
            return self._store(key, q, {q.field: q.default})
        self._set(key, {}, drop=q.fields)
        return []

    def _store(self, key: str, q: Question, values: dict[str, Any]) -> list[Notice]:
        given = {k: v for k, v in values.items() if v is not None}
        try:
            checked = check_fields(given)
        except InputError as exc:
            raise BadAnswer(words("invalid", self.audience, message=plain_problem(exc.problems[0]))) from None
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
            options = self._options(q)
            named = self._other_name(q, options, word)
            if named is not None:
                return {q.field: named.value}
            return {q.field: pick(options, word, self.audience).value}
        if kind in {"multi", "checklist"}:
            terms = None
            if q.field in ("conditions", "medications"):
                from ketadecide.knowledge.terms import id_terms

                terms = id_terms(self.kb, q.field)  # Xanax, lorazepam -> benzodiazepine
            return {q.field: pick_many(self._options(q), word, self.audience, terms)}
        if kind == "int":
            return {q.field: whole_number(word, q.unit, self.audience)}
        if kind == "number":
            return {q.field: number(word, q.unit, self.audience)}
        if kind == "bool":
            return {q.field: yes_no(word, self.audience)}
        if kind == "bp":
            m = re.fullmatch(r"(\d{1,3})\s*/\s*(\d{1,3})\s*(?:mm\s*hg)?", word)
            if not m:
                raise BadAnswer(words("bp_format", self.audience))
            return dict(zip(BP_FIELDS, (int(m.group(1)), int(m.group(2))), strict=True))
        raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover

    # ------------------------------------------------------------------ PHQ-9

    def _accept_phq_gate(self, q: Question, text: str, word: str) -> list[Notice]:
        digits = re.sub(r"[\s,;/]+", "", word)
        if len(digits) == PHQ9_ITEMS and digits.isdigit():
            scores = [int(d) for d in digits]
            if max(scores) > 3:
                raise BadAnswer(words("phq9_gate", self.audience))
            return self._finish_phq(q, tuple(scores))
        if not word or word in NO or word in SKIP_WORDS:
            self._set(q.id, {}, drop=(q.field,))
            return []
        if word in YES:
            self._set(q.id, {}, drop=(q.field,), phq_items=())
            return []
        raise BadAnswer(words("phq9_gate", self.audience))

    def _accept_item(self, q: Question, key: str, text: str, word: str) -> list[Notice]:
        if word in SKIP_WORDS:
            if not self._state.skip_armed:
                self._state = dataclasses.replace(self._state, skip_armed=True)
                raise BadAnswer(words("no_skip", self.audience))
            self._state = dataclasses.replace(self._state, phq_items=None, skip_armed=False)
            return [Notice("info", words("phq9_left_out", self.audience))]
        options = tuple(Option(str(o.value), o.value, self._w(o)) for o in q.options)
        if not word:
            raise BadAnswer(words("required", self.audience))
        score = int(pick(options, word, self.audience).value)
        items = (*(self._state.phq_items or ()), score)
        if len(items) < PHQ9_ITEMS:
            self._state = dataclasses.replace(self._state, phq_items=items, skip_armed=False)
            return []
        return self._finish_phq(q, items)

    def _finish_phq(self, q: Question, items: tuple[int, ...]) -> list[Notice]:
        try:
            checked = check_fields({q.field: list(items)})
        except InputError as exc:  # pragma: no cover - the parsing above keeps to 0-3
            raise BadAnswer(words("invalid", self.audience, message=plain_problem(exc.problems[0]))) from None
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


def missing_required(questions: QuestionSet, given: Mapping[str, Any]) -> list[Problem]:
    """Required answers a pre-fill does not give (for ``--no-input``), one problem each."""
    return [
        Problem("required, but not in the profile and --no-input never asks", field=name)
        for _, _, q in questions.file.questions()
        if q.required
        for name in q.fields
        if name not in given
    ]
