"""``values.yaml``: the attributes a person can rate and where each option stands
(decision support; validated when first used)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ketadecide.knowledge.files.evidence import CERTAINTIES, Certainty
from ketadecide.knowledge.models import Cited, CitedText, RecordId, Strict, Text, Wording
from ketadecide.profile import MODALITY_IDS, VALUE_ATTRIBUTES


class BestMatchWarning(Cited):
    """Said with an option's main drawback whenever this attribute is its best match: what the
    attribute's good score leaves out (fourth IPDAS review D3: "Treatment at home" as the best
    match of an option the FDA has warned about at home)."""

    clinician: Text
    patient: Text


class Attribute(Cited):
    """One attribute a person can rate (profile field ``values_<id>``), and where each option stands."""

    label: Wording
    question: Wording
    """Asked in the consult: how much does this matter, 0-10."""
    scores: dict[RecordId, Annotated[int, Field(ge=0, le=10)]]
    """0-10 per modality: how well the option does on this attribute (10 = best)."""
    notes: dict[RecordId, Wording]
    """Why each option scores as it does."""
    best_match_warning: BestMatchWarning | None = None


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
    drawback_not_advised: Wording
    """The drawback when the label or the FDA advises against the option for this person
    (a rule's ``not_advised``): {names}. It comes before every other drawback."""
    drawback_attribute: Wording
    """... when the worst match is a rated attribute: {label}."""
    drawback_evidence: Wording
    """... when the evidence is weak: {certainty}."""
    no_drawback: Wording
    drawback_harm: Wording | None = None
    """... when a shared caution leaves an option no drawback of its own: its most common
    harm figure, {when}, {value} of 100 {label} ({against} with {who})."""
    shared_caution: Wording | None = None
    """Said once when a caution applies to every fitted option alike: {names}. Each option's
    drawback is then its own (issue 24 review: the same drawback for all says nothing)."""
    tie: Wording
    """Said when two or more options match equally: {names}."""
    nothing_open: CitedText
    """When every option is contraindicated: say so and point to the alternatives."""


class AgeCertainty(Cited):
    """The evidence for some options at an age and over, graded apart from the trials that
    left that age out (issue 24, fourth IPDAS review D2: TRANSFORM-3 in people 65+ missed its
    primary endpoint, yet a 71-year-old's fit called Spravato's proof its best match)."""

    id: RecordId
    """Names the rule, so a clinic's overlay can match it (lists with ids merge by id)."""
    from_age: Annotated[int, Field(ge=0, le=130)]
    certainty: dict[RecordId, Certainty] = Field(min_length=1)
    """The certainty used for each named option's evidence score at this age and over (the
    lower of this and its own grade)."""
    reason: Wording
    """Why, said in the option's match text and as its evidence note."""


class CertaintyCap(Cited):
    """An option whose evidence is graded ``certainty`` (after the indication and age rules)
    never reads as the top band for someone who rated strong proof ``rated_from`` or more
    (fourth IPDAS review D3: issue 24's title, "a fit that never favours the weakest option")."""

    id: RecordId
    certainty: Certainty
    rated_from: Annotated[int, Field(ge=0, le=10)]
    """The person's evidence rating (``values_evidence``) from which the cap applies."""
    band: Literal["partial", "little"]
    """The highest band such an option may reach: its score is capped just below the next."""


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
    cost_sources: Annotated[tuple[str, ...], Field(min_length=1)]
    """The sources behind the person's cost score only (each one of ``sources``): the fit's
    cost row cites these, never the evidence row (issue 24 review, C2)."""
    evidence_sources: Annotated[tuple[str, ...], Field(min_length=1)]
    """The sources behind the evidence score's rules (the indication) only, each one of ``sources``."""
    evidence_by_age: tuple[AgeCertainty, ...] = ()
    """Age-conditioned certainty per option; the evidence row cites a rule's sources when it applies."""
    certainty_caps: tuple[CertaintyCap, ...] = ()

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
        for rule in self.evidence_by_age:
            unknown = [m for m in rule.certainty if m not in MODALITY_IDS]
            if unknown:
                raise ValueError(f"evidence_by_age names unknown option(s): {', '.join(unknown)}")
        stray = [r for r in (*self.cost_sources, *self.evidence_sources) if r not in self.sources]
        if stray:
            raise ValueError(f"cost_sources and evidence_sources must be listed in sources: {', '.join(stray)}")
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
