"""``decision.yaml``: the SURE test, choosing a clinic, and who made the decision aid
(decision support; validated when first used)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ketadecide.knowledge.files.evidence import Certainty
from ketadecide.knowledge.models import Cited, CitedText, RecordId, Strict, Text, Wording
from ketadecide.profile import MODALITY_IDS, SURE_FIELDS


class SureItem(Cited):
    field: Literal["sure_sure", "sure_understand", "sure_values", "sure_support"]
    question: Text
    """The published wording, unchanged (the licence requires it)."""
    next_step: Wording
    """What to do when the answer is no."""
    next_step_done: Wording | None = None
    """What to do when the answer is no and the person already did what ``next_step`` asks
    (``sure_values``: something was rated, so the fit is there to look at again)."""
    next_step_no_ideation: Wording | None = None
    """What to do when the answer is no and the person said they have no thoughts of suicide
    (``suicidality: none``; never when it was not asked): the same step without the crisis
    line, which every patient view's closing words already carry."""


class SureTest(Strict):
    title: Text
    credit: Text
    items: tuple[SureItem, ...]
    conflict: Wording
    no_conflict: Wording

    @model_validator(mode="after")
    def _four(self) -> SureTest:
        if tuple(i.field for i in self.items) != SURE_FIELDS:
            raise ValueError(f"items must be the four SURE questions in order: {', '.join(SURE_FIELDS)}")
        return self


class Therapy(Cited):
    offered: Wording
    evidence: Wording
    certainty: Certainty


class Alternative(Cited):
    id: RecordId
    name: Wording
    line: Wording
    good: CitedText | None = None
    """One good point, in the sentence form of the ketamine options (a figure only where a
    cited source gives one; issue 24 review, IPDAS Q4)."""
    harder: CitedText | None = None
    """One harder point, the same way (IPDAS Q5)."""


class About(Cited):
    decision: Wording
    made_by: Wording
    funding: Wording
    review_cycle: Wording
    sponsored: Wording
    """Introduces the list of sources paid for or run by a seller."""
    alternatives: tuple[Alternative, ...]


class ClinicChoice(Strict):
    look_for: tuple[CitedText, ...] = Field(min_length=1)
    red_flags: tuple[CitedText, ...] = Field(min_length=1)
    questions: tuple[CitedText, ...] = ()
    therapy: dict[RecordId, Therapy]

    @model_validator(mode="after")
    def _every_modality(self) -> ClinicChoice:
        if set(self.therapy) != set(MODALITY_IDS):
            raise ValueError(f"therapy must cover exactly {', '.join(MODALITY_IDS)}")
        return self


class GlossaryEntry(Strict):
    term: Annotated[str, Field(min_length=1, max_length=40)]
    clinician: Text
    patient: Text


class Intro(Cited):
    """Page 1 of the handout: the condition and the decision in two sentences, and a glossary."""

    condition: Wording
    """For a person with at least ``condition_min_trials`` antidepressant trials."""
    condition_other: Wording | None = None
    """For fewer trials or an unasked count (IPDAS Q1, issue 24 review): "after at least 2
    antidepressants" is untrue for someone who tried one. Without it, ``condition`` is shown
    to everyone."""
    condition_min_trials: Annotated[int, Field(ge=1, le=10)] = 2
    decision: Wording
    glossary: tuple[GlossaryEntry, ...] = ()


class Checklist(Cited):
    """Steps a clinician ticks for one option (the REMS, prior authorisation): each item is
    cited and dated; shown only where the option is not contraindicated."""

    id: RecordId
    modality: str
    title: Wording
    items: tuple[CitedText, ...] = Field(min_length=1)
    when: Literal["always", "prior_authorization"] = "always"
    """``prior_authorization``: not when the person's payer's coverage record for the option
    says it asks none (``modalities.yaml`` ``coverage.<payer>.prior_authorization: false``)."""

    @model_validator(mode="after")
    def _known_modality(self) -> Checklist:
        if self.modality not in MODALITY_IDS:
            raise ValueError(f"modality must be one of {', '.join(MODALITY_IDS)}")
        return self


class StartStep(Strict):
    """One row of "How to get started": a label and one cited cell per option."""

    id: RecordId
    label: Wording
    options: dict[RecordId, CitedText]

    @model_validator(mode="after")
    def _every_modality(self) -> StartStep:
        if set(self.options) != set(MODALITY_IDS):
            raise ValueError(f"options must cover exactly {', '.join(MODALITY_IDS)}")
        return self


class GetStarted(Cited):
    """How to get started with each option (referral, the insurer's approval, where it is
    given, a first visit): what usually happens and what to ask, never an instruction to start."""

    title: Wording
    note: Wording
    steps: tuple[StartStep, ...] = Field(min_length=1)


class DecisionFile(Strict):
    sure: SureTest
    clinic: ClinicChoice
    about: About
    intro: Intro | None = None
    checklists: tuple[Checklist, ...] = ()
    get_started: GetStarted | None = None
