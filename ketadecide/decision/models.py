"""Models of the optional decision-support data files, validated lazily like
``troubleshooting.yaml`` (see :class:`ketadecide.knowledge.loader.LazyExtras`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ketadecide.knowledge.models import Cited, CitedText, RecordId, Strict, Text, Wording
from ketadecide.profile import MODALITY_IDS, SURE_FIELDS, VALUE_ATTRIBUTES

Certainty = Literal["high", "moderate", "low", "very_low"]
CERTAINTIES: tuple[str, ...] = ("high", "moderate", "low", "very_low")
Percent = Annotated[float, Field(ge=0, le=100)]


class Outcome(Cited):
    """One result of one study, with its own comparator: never pooled with another study's."""

    id: RecordId
    label: Wording
    """What was counted, e.g. "Remission (MADRS 10 or less)" / "Got well"."""
    value_pct: Percent
    """Out of 100 people on this option."""
    comparator: Wording
    """What the option was compared with, or that there was no comparison group."""
    comparator_pct: Percent | None = None
    """Out of 100 on the comparator; None when the study had none (or did not report it)."""
    population: Wording
    time_frame: Wording
    design: Literal["rct_blinded", "rct_open_label", "meta_analysis", "uncontrolled_cohort"]
    lower_is_better: bool = False
    """True for harms counted as outcomes (relapse)."""


class AdverseEffect(Cited):
    id: RecordId
    label: Wording
    value_pct: Percent | None = None
    comparator_pct: Percent | None = None
    range_pct: tuple[Percent, Percent] | None = None
    """Low-high across trials, when the source gives a range instead of one figure."""
    comparator_range_pct: tuple[Percent, Percent] | None = None
    comparator: Wording
    time_frame: Wording

    @model_validator(mode="after")
    def _one_figure(self) -> AdverseEffect:
        if (self.value_pct is None) == (self.range_pct is None):
            raise ValueError("give exactly one of value_pct and range_pct")
        return self


class ModalityEvidence(Cited):
    certainty: Certainty
    certainty_reason: Wording
    outcomes: tuple[Outcome, ...] = ()
    adverse_effects: tuple[AdverseEffect, ...] = ()
    no_figures: Wording | None = None
    """Said plainly when there is no figure fit to show "out of 100"."""


class EvidenceFile(Strict):
    certainty_words: dict[Certainty, Wording]
    modalities: dict[RecordId, ModalityEvidence]

    @model_validator(mode="after")
    def _every_modality(self) -> EvidenceFile:
        if set(self.modalities) != set(MODALITY_IDS):
            raise ValueError(f"modalities must be exactly {', '.join(MODALITY_IDS)}")
        if set(self.certainty_words) != set(CERTAINTIES):
            raise ValueError("certainty_words must word every grade")
        return self


class Attribute(Cited):
    """One attribute a person can rate (profile field ``values_<id>``), and where each option stands."""

    label: Wording
    question: Wording
    """Asked in the consult: how much does this matter, 0-10."""
    scores: dict[RecordId, Annotated[int, Field(ge=0, le=10)]]
    """0-10 per modality: how well the option does on this attribute (10 = best)."""
    notes: dict[RecordId, Wording]
    """Why each option scores as it does."""


class FitWording(Strict):
    note: Wording
    helps: Wording
    """Reason template: {label}, {weight}, {score}."""
    hurts: Wording
    neutral: Wording
    """An option scoring the neutral 5 on an attribute neither helps nor hurts: {label}, {weight}, {score}."""
    nothing_rated: Wording
    excluded: Wording
    """Said of options left out because they are contraindicated; {names}."""
    bands: dict[Literal["close", "partial", "little"], Wording]
    """How much of what the person said matters an option matches, in words (never a rank)."""
    strongest: Wording
    """The option's strongest match: {label}."""
    no_strong_match: Wording
    drawback_caution: Wording
    """The most important drawback when a safety caution applies: {names}."""
    drawback_attribute: Wording
    """... when the worst match is a rated attribute: {label}."""
    drawback_evidence: Wording
    """... when the evidence is weak: {certainty}."""
    no_drawback: Wording
    tie: Wording
    """Said when two or more options match equally: {names}."""
    nothing_open: CitedText
    """When every option is contraindicated: say so and point to the alternatives."""


class CostBand(Strict):
    up_to: Annotated[float, Field(ge=0)]
    score: Annotated[int, Field(ge=0, le=10)]


class Derived(Cited):
    """Attribute scores that depend on the person, not on the option alone."""

    cost_bands: tuple[CostBand, ...] = Field(min_length=1)
    """The high end of the person's out-of-pocket estimate per session, to a 0-10 score
    (first band whose ``up_to`` it does not exceed; above every band scores 0)."""
    evidence_by_certainty: dict[Certainty, Annotated[int, Field(ge=0, le=10)]]
    """The evidence attribute follows the certainty grade of evidence.yaml."""
    off_label_certainty: Certainty
    """A labelled drug used outside its indications: its trials do not cover this use."""
    caution_penalty: Annotated[int, Field(ge=0, le=100)]
    """Points taken from the 0-100 fit for each relative (caution) finding."""
    cost_note: Wording
    """The cost attribute's note for one option: {amount}, {basis}."""
    band_at: dict[Literal["close", "partial"], Annotated[int, Field(ge=0, le=100)]]
    """The lowest 0-100 fit that reads "close" and "partial" (below: "little")."""

    @model_validator(mode="after")
    def _bands(self) -> Derived:
        ups = [b.up_to for b in self.cost_bands]
        scores = [b.score for b in self.cost_bands]
        if ups != sorted(ups) or scores != sorted(scores, reverse=True):
            raise ValueError("cost_bands must rise in up_to and fall in score")
        if set(self.band_at) != {"close", "partial"} or self.band_at["close"] <= self.band_at["partial"]:
            raise ValueError("band_at needs close above partial")
        if set(self.evidence_by_certainty) != set(CERTAINTIES):
            raise ValueError(f"evidence_by_certainty needs every certainty: {', '.join(CERTAINTIES)}")
        return self


class ValuesFile(Strict):
    attributes: dict[RecordId, Attribute]
    derived: Derived
    wording: FitWording

    @model_validator(mode="after")
    def _known(self) -> ValuesFile:
        unknown = [a for a in self.attributes if a not in VALUE_ATTRIBUTES]
        if unknown:
            raise ValueError(
                f"attribute(s) {', '.join(unknown)} have no profile field; known: {', '.join(VALUE_ATTRIBUTES)}"
            )
        for ident, attribute in self.attributes.items():
            if set(attribute.scores) != set(MODALITY_IDS) or set(attribute.notes) != set(MODALITY_IDS):
                raise ValueError(f"attribute '{ident}' must score and explain every modality")
        return self


class SureItem(Cited):
    field: Literal["sure_sure", "sure_understand", "sure_values", "sure_support"]
    question: Text
    """The published wording, unchanged (the licence requires it)."""
    next_step: Wording
    """What to do when the answer is no."""


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


class DecisionFile(Strict):
    sure: SureTest
    clinic: ClinicChoice
    about: About
