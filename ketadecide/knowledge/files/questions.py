"""The shape of ``data/questions.yaml``: the consult's questions, as data a clinic can edit.

Each question names the profile field it fills (``fills``, default: its ``id``), so the
interview needs no code per question. Choice values and defaults are checked against the
profile's own rules when the file is loaded, so a reworded or added question cannot
produce an answer that a profile file would reject.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Discriminator, Field, Tag, model_validator

from ketadecide.errors import Problem
from ketadecide.knowledge.fields import field_problems
from ketadecide.knowledge.models import (
    CONTRACT_SCREEN_FIELDS,
    Cited,
    ContraindicationsFile,
    RecordId,
    Strict,
    Text,
    Wording,
)
from ketadecide.predicates import Predicate
from ketadecide.profile import BP_FIELDS, PHQ9_ITEMS, PHQ9_MAX, PROFILE_FIELDS, Suicidality

Kind = Literal["choice", "multi", "int", "number", "bool", "bp", "phq9", "checklist"]


class Help(Wording):
    """Help for a question that states no clinical fact (so needs no source)."""


class CitedHelp(Cited):
    """Help that states a clinical fact: it cites its source, like every fact in data/."""

    clinician: Text
    patient: Text


def _help_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "cited" if "sources" in value or "reviewed" in value else "plain"
    return "cited" if isinstance(value, CitedHelp) else "plain"


AnyHelp = Annotated[
    Annotated[Help, Tag("plain")] | Annotated[CitedHelp, Tag("cited")],
    Discriminator(_help_kind),
]


class Choice(Strict):
    """One answer to pick. ``value`` is what the profile field gets (``null``: not given)."""

    value: str | int | None
    clinician: Text
    patient: Text


class OtherName(Cited):
    """A name people type for a choice: a state Medicaid programme ("Medi-Cal"), or a carrier
    that sells several kinds of plan ("Aetna": commercial, Medicare Advantage, Medicaid), so
    the name narrows the choices and the consult asks which kind."""

    names: Annotated[tuple[Annotated[str, Field(min_length=2, max_length=60)], ...], Field(min_length=1)]
    values: Annotated[tuple[str, ...], Field(min_length=1)]


class Band(Strict):
    """A PHQ-9 severity band: totals ``low``..``high`` inclusive."""

    low: Annotated[int, Field(ge=0, le=PHQ9_MAX)]
    high: Annotated[int, Field(ge=0, le=PHQ9_MAX)]
    clinician: Text
    patient: Text


class Bands(Cited):
    """The PHQ-9 severity bands, cited (Kroenke et al. 2001)."""

    bands: Annotated[tuple[Band, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _cover_0_to_27(self) -> Bands:
        expected = 0
        for band in self.bands:
            if band.low != expected or band.high < band.low:
                raise ValueError(
                    f"bands must run in order from 0 to {PHQ9_MAX} without gaps or overlaps; "
                    f"expected a band starting at {expected}, got {band.low}-{band.high}"
                )
            expected = band.high + 1
        if expected != PHQ9_MAX + 1:
            raise ValueError(f"bands must end at {PHQ9_MAX}, the last ends at {expected - 1}")
        return self


class Question(Strict):
    """One question of the interview."""

    id: RecordId
    kind: Kind
    fills: str | None = None
    """The profile field the answer goes into; default: ``id``. ``bp`` fills both BP fields."""
    clinician: Text
    patient: Text
    help: AnyHelp | None = None
    choices: tuple[Choice, ...] = ()
    other_names: tuple[OtherName, ...] = ()
    """For ``choice``: names that mean one choice, or narrow to a few (data, with sources)."""
    """For ``choice`` and ``multi``."""
    checklist: Literal["conditions", "medications"] | None = None
    """For ``checklist``: which knowledge-base list to offer (by its plain and clinical names)."""
    default: Any = None
    """Used when the answer is left empty; shown in the prompt."""
    required: bool = False
    ask_if: Predicate | None = None
    """Ask only when this holds for the answers so far (predicate language of the rules)."""
    unit: Annotated[str, Field(max_length=20)] | None = None
    # PHQ-9 only:
    items: tuple[Wording, ...] = ()
    options: tuple[Choice, ...] = ()
    scoring: Bands | None = None

    @property
    def field(self) -> str:
        return self.fills or self.id

    @property
    def fields(self) -> tuple[str, ...]:
        """Every profile field the answer may fill."""
        return BP_FIELDS if self.kind == "bp" else (self.field,)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        kind = self.kind
        if kind == "bp":
            if self.fills not in (None, "bp"):
                raise ValueError("a bp question fills bp_systolic and bp_diastolic; leave 'fills' out")
        elif self.field not in PROFILE_FIELDS:
            raise ValueError(
                f"fills unknown profile field '{self.field}' (set 'fills' to one of: {', '.join(PROFILE_FIELDS)})"
            )
        if kind in {"choice", "multi"} and len(self.choices) < 2:
            raise ValueError(f"a {kind} question needs at least two choices")
        if kind not in {"choice", "multi"} and self.choices:
            raise ValueError(f"'choices' is only for choice and multi questions, not {kind}")
        if (kind == "checklist") != (self.checklist is not None):
            raise ValueError("a checklist question, and only it, names 'checklist: conditions|medications'")
        if kind == "checklist" and self.field != self.checklist:
            raise ValueError(f"a checklist of {self.checklist} must fill '{self.checklist}'")
        if kind == "phq9":
            self._check_phq9()
        elif self.items or self.options or self.scoring:
            raise ValueError("'items', 'options' and 'scoring' are only for the phq9 question")
        if self.required and self.default is not None:
            raise ValueError("a required question has no default (the default would answer it)")
        self._check_values()
        return self

    def _check_phq9(self) -> None:
        if self.field != "phq9":
            raise ValueError("the phq9 question must fill 'phq9'")
        if len(self.items) != PHQ9_ITEMS:
            raise ValueError(f"the PHQ-9 has {PHQ9_ITEMS} items, got {len(self.items)}")
        if [o.value for o in self.options] != [0, 1, 2, 3]:
            raise ValueError("the PHQ-9 options must be the scores 0, 1, 2, 3 in order")
        if self.scoring is None:
            raise ValueError("the phq9 question needs 'scoring' (its severity bands, cited)")

    def _check_values(self) -> None:
        """Choice values and the default must be answers the profile itself accepts."""
        kind = self.kind
        if kind in {"choice", "multi"}:
            seen: set[object] = set()
            for i, choice in enumerate(self.choices):
                if choice.value in seen:
                    raise ValueError(f"choices[{i}]: value {choice.value!r} appears twice")
                seen.add(choice.value)
                if choice.value is None:
                    if kind == "multi":
                        raise ValueError(f"choices[{i}]: a multi question's choices need a value")
                    continue
                value = [choice.value] if kind == "multi" else choice.value
                problems = field_problems({self.field: value})
                if problems:
                    raise ValueError(f"choices[{i}]: {problems[0].message}")
        if self.default is not None and kind not in {"bp", "phq9"}:
            if kind == "choice" and self.default not in {c.value for c in self.choices}:
                raise ValueError(f"default {self.default!r} is not one of the choices' values")
            problems = field_problems({self.field: self.default})
            if problems:
                raise ValueError(f"default: {problems[0].message}")
        elif self.default is not None:
            raise ValueError(f"a {kind} question takes no default")


class Section(Strict):
    id: RecordId
    title: Wording
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]


class Messages(Strict):
    """Words the interview itself says (not tied to one question)."""

    crisis_continue: Wording
    """Asked right after the crisis message: go on with the questions?"""
    crisis_stopped: Wording
    """Said when the person chooses to stop after the crisis message."""
    safety_recheck: Wording
    """Why the safety question comes back after PHQ-9 item 9 was above 0."""
    phq9_items: Wording
    """How to go through the PHQ-9 item by item (stem before each item)."""


class QuestionsFile(Strict):
    """``data/questions.yaml``."""

    sections: Annotated[tuple[Section, ...], Field(min_length=1)]
    messages: Messages

    @model_validator(mode="after")
    def _one_question_per_field(self) -> QuestionsFile:
        ids: set[str] = set()
        filled: dict[str, str] = {}
        for section in self.sections:
            for q in section.questions:
                if q.id in ids:
                    raise ValueError(f"question id '{q.id}' appears twice")
                ids.add(q.id)
                for name in q.fields:
                    if name in filled:
                        raise ValueError(f"questions '{filled[name]}' and '{q.id}' both fill '{name}'")
                    filled[name] = q.id
        age = next((q for s in self.sections for q in s.questions if q.field == "age"), None)
        if age is None or not age.required:
            raise ValueError("a required question must fill 'age' (every profile needs it)")
        return self

    def cross_check(self, contraindications: ContraindicationsFile, source: str) -> list[Problem]:
        """Called by the knowledge-base loader when the file is first used: the clinical floor."""
        return self.floor_problems(source)

    def floor_problems(self, source: str) -> list[Problem]:
        """The clinical floor of the questions, one problem per breach, each naming its key.

        The safety question (suicidality) comes first, is asked of everyone (no ``ask_if``),
        has no default and offers all five answers of the contract. Every other safety-screen
        field (CONTRACT §3 ``missing``) is asked of everyone and has no default: a default would
        record an answer nobody gave, and "not asked" must stay distinguishable from "none".
        """
        problems: list[Problem] = []
        where: dict[str, tuple[str, Question]] = {}
        for i, section in enumerate(self.sections):
            for j, q in enumerate(section.questions):
                for name in q.fields:
                    where.setdefault(name, (f"sections[{i}].questions[{j}]", q))
        for name in CONTRACT_SCREEN_FIELDS:
            if name not in where:
                what = "the safety question" if name == "suicidality" else "a safety-screen field"
                message = f"clinical floor: no question fills '{name}' ({what}); it must be asked"
                problems.append(Problem(message, source, "sections"))
                continue
            key, q = where[name]
            if q.ask_if is not None:
                problems.append(
                    Problem(
                        f"clinical floor: the question filling '{name}' (safety screen) must be asked of "
                        "everyone; remove 'ask_if'",
                        source,
                        f"{key}.ask_if",
                    )
                )
            if q.default is not None:
                problems.append(
                    Problem(
                        f"clinical floor: the question filling '{name}' (safety screen) takes no default; "
                        "a skipped answer stays 'not asked'",
                        source,
                        f"{key}.default",
                    )
                )
        if "suicidality" in where:
            key, q = where["suicidality"]
            if key != "sections[0].questions[0]":
                problems.append(
                    Problem(
                        "clinical floor: the safety question (suicidality) must be the first question",
                        source,
                        key,
                    )
                )
            offered = {c.value for c in q.choices}
            absent = [s for s in get_args(Suicidality) if s not in offered]
            if q.kind != "choice" or absent:
                problems.append(
                    Problem(
                        "clinical floor: the safety question must offer all five suicidality answers"
                        + (f" (missing: {', '.join(absent)})" if absent else ""),
                        source,
                        f"{key}.choices",
                    )
                )
        return problems

    def phq9_bands(self, audience: Literal["clinician", "patient"] = "clinician") -> tuple[tuple[int, int, str], ...]:
        """The PHQ-9 severity bands as ``(low, high, name)``, named for ``audience`` (cited in
        the file; FHIR import names a PHQ-9 total's band with them)."""
        q = next(q for _, _, q in self.questions() if q.kind == "phq9")
        assert q.scoring is not None
        return tuple((b.low, b.high, str(getattr(b, audience))) for b in q.scoring.bands)

    def questions(self) -> list[tuple[int, Section, Question]]:
        """Every question in order, with its section's position."""
        return [(i, s, q) for i, s in enumerate(self.sections) for q in s.questions]
