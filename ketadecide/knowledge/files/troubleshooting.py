"""Pydantic models of ``data/troubleshooting.yaml`` (strict: unknown keys are errors)."""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ketadecide.knowledge.models import Cited, CitedText, RecordId, Strict, Text, Wording
from ketadecide.predicates import Predicate
from ketadecide.profile import MODALITY_IDS, PHQ9_MAX, ModalityId

#: Placeholders a situation text may use; filled in for the course under way.
PLACEHOLDERS: frozenset[str] = frozenset({"modality", "window"})

Fraction = Annotated[float, Field(gt=0, le=1)]


class ResponseDefinitions(CitedText):
    """How change on the PHQ-9 is classified (relative drop from the course's first score)."""

    scale: Literal["phq9"]
    response_min_drop: Fraction
    """A drop of at least this fraction is a response (0.5)."""
    partial_min_drop: Fraction
    """A drop of at least this fraction, but below a response, is a partial response (0.25)."""
    remission_below: Annotated[int, Field(ge=1, le=PHQ9_MAX)]
    """A PHQ-9 total below this is remission (5)."""

    @model_validator(mode="after")
    def _ordered(self) -> ResponseDefinitions:
        if self.partial_min_drop >= self.response_min_drop:
            raise ValueError("partial_min_drop must be below response_min_drop")
        return self


class Titration(CitedText):
    """Which logged sessions count toward the response window."""

    fraction_of_highest_dose: Fraction


class DissociationRule(CitedText):
    """When a log's dissociation ratings add up to 'too intense'."""

    too_intense_values: Annotated[tuple[Literal["severe", "too_intense"], ...], Field(min_length=1)]
    recent_sessions: Annotated[int, Field(ge=1, le=20)]


class CourseRecord(CitedText):
    """When a course of one modality can fairly be judged."""

    judge_after_sessions: Annotated[int, Field(ge=1, le=100)]
    """Sessions at a therapeutic dose before non-response may be called."""
    therapeutic_min_dose: Annotated[float, Field(gt=0)] | None = None
    """A labelled minimum therapeutic dose, when the modality has one (Spravato: 56 mg)."""
    dose_unit: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    estimate: bool


class AlternativeRecord(CitedText):
    """Another treatment a suggestion may point to."""

    name: Text
    plain_name: Text


class Variant(Cited):
    """What changes in a situation for one modality (replaces the generic text it gives)."""

    situation: Wording | None = None
    meaning: Wording | None = None
    next_step: Wording | None = None
    alternatives: tuple[RecordId, ...] | None = None


class Situation(Cited):
    """A troubleshooting rule: when it holds for the course, the suggestion is shown."""

    when: Predicate
    timing: Literal["any", "within_window", "after_window"] = "any"
    situation: Wording
    meaning: Wording
    next_step: Wording
    alternatives: tuple[RecordId, ...] = ()
    modalities: dict[ModalityId, Variant] = Field(default_factory=dict)


class HandoutItemRecord(CitedText):
    """One checklist item or question for the printable handout."""


class HandoutRecord(Strict):
    crisis_resources: CitedText
    """Where to turn in danger (988, emergency room), in words for anyone who reads the page."""
    checklist: Annotated[tuple[HandoutItemRecord, ...], Field(min_length=1)]
    questions: Annotated[tuple[HandoutItemRecord, ...], Field(min_length=1)]


def placeholders_in(text: str) -> set[str]:
    """The ``{name}`` placeholders in ``text`` (a bad format string raises ValueError)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class TroubleshootingFile(Strict):
    """The whole of ``troubleshooting.yaml``."""

    response: ResponseDefinitions
    titration: Titration
    dissociation: DissociationRule
    courses: dict[ModalityId, CourseRecord]
    alternatives: dict[RecordId, AlternativeRecord]
    situations: dict[RecordId, Situation] = Field(min_length=1)
    handout: HandoutRecord

    @model_validator(mode="after")
    def _cross_check(self) -> TroubleshootingFile:
        missing = [m for m in MODALITY_IDS if m not in self.courses]
        if missing:
            raise ValueError(f"courses: every modality needs a window; missing: {', '.join(missing)}")
        problems: list[str] = []
        for sid, sit in self.situations.items():
            refs = [("alternatives", sit.alternatives)]
            texts = [sit.situation, sit.meaning, sit.next_step]
            for mid, variant in sit.modalities.items():
                if variant.alternatives is not None:
                    refs.append((f"modalities.{mid}.alternatives", variant.alternatives))
                texts += [w for w in (variant.situation, variant.meaning, variant.next_step) if w]
            for where, ids in refs:
                for alt in ids:
                    if alt not in self.alternatives:
                        problems.append(f"situations.{sid}.{where}: '{alt}' is not defined under alternatives")
            for wording in texts:
                for text in (wording.clinician, wording.patient):
                    try:
                        names = placeholders_in(text)
                    except ValueError as exc:
                        problems.append(f"situations.{sid}: bad placeholder in {text!r} ({exc})")
                        continue
                    unknown = names - PLACEHOLDERS
                    if unknown:
                        problems.append(
                            f"situations.{sid}: unknown placeholder {{{sorted(unknown)[0]}}} "
                            f"(use {{modality}} or {{window}})"
                        )
        if problems:
            raise ValueError("; ".join(problems))
        return self
