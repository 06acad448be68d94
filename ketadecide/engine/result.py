"""Frozen result types. Both wordings (clinician and patient) are kept; renderers choose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from ketadecide.citations import Ref

Status = Literal["contraindicated", "incomplete", "caution", "no_flags"]
"""CONTRACT §3 (schema 2), in order of precedence. ``no_flags`` means only that the answers
given raised no safety flag; it never means eligible or recommended."""
STATUSES: tuple[Status, ...] = get_args(Status)
IndicationStatus = Literal["on_label", "off_label", "not_established"]
Severity = Literal["absolute", "relative", "info"]
Audience = Literal["clinician", "patient"]


@dataclass(frozen=True)
class Worded:
    """One statement in the two wordings every audience-facing text has."""

    clinician: str
    patient: str

    def for_(self, audience: Audience) -> str:
        return self.patient if audience == "patient" else self.clinician


@dataclass(frozen=True)
class Finding:
    """One safety or practical finding for one modality."""

    id: str
    """The rule's id in the knowledge base, e.g. ``bp_elevated``."""
    severity: Severity
    """``absolute`` contraindicates, ``relative`` calls for caution, ``info`` informs."""
    name: Worded
    """Short label: clinical and plain."""
    message: Worded
    """Why it matters for this modality (the rule's text, then any note for this modality)."""
    refs: tuple[Ref, ...]
    """Where it comes from, at least one."""
    kind: Literal["condition", "medication", "screen"]
    """Which part of the profile triggered it."""
    rationale: Worded | None = None
    """The rule's text alone, without the modality's note (for reports that group modalities)."""
    note: Worded | None = None
    """What this modality adds to the rule's text, if anything."""
    headline: bool = False
    """Shown above the comparison in every view (the rule asks for it, e.g. suicidal thoughts)."""
    not_advised: bool = False
    """The label or the FDA advises against this modality for this person (a caution the fit
    names as the main drawback and caps at its lowest band)."""

    @property
    def sources(self) -> tuple[str, ...]:
        """Full citations, one line each."""
        return tuple(r.text for r in self.refs)

    @property
    def advised_against(self) -> bool:
        """A caution the label or the FDA advises against for this person: "not recommended",
        the fit's cap and main drawback (an absolute one contraindicates instead)."""
        return self.not_advised and self.severity == "relative"


@dataclass(frozen=True)
class Coverage:
    payer: str
    """The person's payer type (``unknown`` when not given)."""
    likely_covered: bool | None
    """True, False, or None when it cannot be told."""
    prior_authorization: bool | None
    note: Worded
    refs: tuple[Ref, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class OutOfPocketEstimate:
    """What this person would likely pay: always an estimate, never the list price relabelled.

    ``basis`` is ``plan_share`` when the payer likely covers the option (the payer record's
    coinsurance or copay applied to the price), else ``full_price`` (coverage unlikely or
    unknown: the whole price, and never a savings-programme figure)."""

    per_session: tuple[float, float]
    induction_course: tuple[float, float]
    basis: Literal["plan_share", "full_price"]
    assumptions: Worded
    savings_program: Worded | None
    refs: tuple[Ref, ...]
    course_note: Worded | None = None
    """Whether the first course includes the deductible (issue 24 review, defect 12)."""
    full_price_label: Worded | None = None
    """What the full price is when it is not a cash price (e.g. Medicare's payment rate)."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class Cost:
    per_session: tuple[float, float]
    """US dollars, low-high, list price before any insurance."""
    induction_course: tuple[float, float]
    """Per-session price times the induction's session count, low-high."""
    as_of: dt.date
    estimate: bool
    within_budget: bool | None
    """Whether the stated budget covers what the person would likely pay (the out-of-pocket
    estimate); None when no budget or it depends."""
    budget_note: Worded | None
    refs: tuple[Ref, ...]
    note: str | None = None
    """What the price covers and how it was estimated (from the knowledge base)."""
    out_of_pocket: OutOfPocketEstimate | None = None
    """What this person would likely pay (set by the engine for every modality)."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class Detail:
    """A cited fact about a modality (FDA status, schedule, driving, ...)."""

    key: str
    text: Worded
    refs: tuple[Ref, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class Indication:
    """Whether this use is within the product's labelled indications, shown beside the status."""

    status: IndicationStatus
    basis: str | None
    """The labelled indication that applies (``trd``, ``mdsi``), when on-label."""
    label: Worded
    """Short words for a table cell: "On-label (TRD)", "Off-label", "Not established"."""
    note: Worded
    refs: tuple[Ref, ...]
    needs: tuple[str, ...] = ()
    """When not established: the profile fields whose answers would settle it."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class Missing:
    """A field the safety screen needs and did not get, with what to ask."""

    field: str
    ask: Worded


@dataclass(frozen=True)
class Conflict:
    """Answers that contradict each other (CONTRACT §3 ``conflicts``), and how they are read
    until someone resolves them."""

    id: str
    fields: tuple[str, ...]
    name: str
    message: Worded
    effect: str
    """For the record: what else changes while the conflict stands."""
    reads_as: tuple[tuple[str, object], ...]
    """(field, value) pairs the answers are read with until it is resolved."""
    refs: tuple[Ref, ...]
    headline: Worded | None = None
    """Shown above the comparison in every view."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class StaleValue:
    """A value read from a health record that is too old to use (CONTRACT §3 ``stale``)."""

    field: str
    value: object
    date: dt.date
    window_days: int
    source: str
    """The cited source of the window."""
    record: str | None = None
    """Where in the record the value was read (e.g. ``Observation/bp1``)."""


@dataclass(frozen=True)
class RecordNotes:
    """What a health-record import knows beyond the profile: values too old to use, and the
    record conflicts it raised (ids of ``record`` conflict rules)."""

    stale: tuple[StaleValue, ...] = ()
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glance:
    """The schedule in a few words, for the summary view."""

    visits: Worded
    time_per_visit: Worded
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class ModalityResult:
    id: str
    name: str
    short_name: str
    status: Status
    indication: Indication
    findings: tuple[Finding, ...]
    """Most severe first."""
    coverage: Coverage
    cost: Cost
    details: tuple[Detail, ...]
    """The modality's cited facts, in knowledge-base order."""
    glance: Glance | None = None
    """The schedule in a few words (visits, time per visit)."""
    evidence: Evidence | None = None
    """Certainty and figures out of 100, when the knowledge base has evidence.yaml."""

    def detail(self, key: str) -> Detail:
        for d in self.details:
            if d.key == key:
                return d
        raise KeyError(key)

    @property
    def advised_against(self) -> tuple[Finding, ...]:
        """The cautions whose rule advises against this option for this person (a rule's
        ``not_advised``): the fit caps its match on them and the views say "not recommended"."""
        return tuple(f for f in self.findings if f.advised_against)


@dataclass(frozen=True)
class Crisis:
    triggered: bool
    reasons: tuple[str, ...]
    message: Worded | None
    """988 and emergency advice; present exactly when triggered."""
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """A troubleshooting suggestion for a course already under way."""

    id: str
    situation: Worded
    meaning: Worded
    next_step: Worded
    sources: tuple[str, ...]
    alternatives: tuple[str, ...] = ()
    """Ids of other treatments to discuss (``tms``, ``ect``, ...)."""
    alternative_names: tuple[Worded, ...] = ()
    """The same alternatives by name, in the same order."""
    modality: str | None = None
    """The modality of the course the suggestion is about."""
    refs: tuple[Ref, ...] = ()
    """The same sources as ``sources``, resolved (id, locator, citation)."""


@dataclass(frozen=True)
class HandoutItem:
    """A checklist item or a question to ask, for the printable handout."""

    text: Worded
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class Handout:
    """What a printed page adds to a comparison: a checklist, questions, crisis resources."""

    checklist: tuple[HandoutItem, ...]
    questions: tuple[HandoutItem, ...]
    crisis_resources: Worded
    """988 and emergency advice, shown on every handout (first when the crisis screen fired)."""
    crisis_refs: tuple[Ref, ...]
    disclaimer_refs: tuple[Ref, ...] = ()
    """The disclaimer's sources, resolved (so a page numbers each source once)."""
    crisis_message_refs: tuple[Ref, ...] = ()
    """The crisis screen message's sources, resolved."""


@dataclass(frozen=True)
class KnowledgeBaseInfo:
    reviewed: dt.date
    sha256: str
    data_dir: str
    overlay: tuple[str, tuple[str, ...]] | None = None
    """A clinic's overlay in use: the SHA-256 over its files, and their names (CONTRACT §3)."""
    synthetic: bool = False
    """Built from standalone synthetic test data: never clinical output (issue 21)."""
    newest: dt.date | None = None
    """The newest review date among the same records as ``reviewed`` (the oldest): a report
    dates its data with both (issue 24 review, C3). Not a JSON key."""


@dataclass(frozen=True)
class Plan:
    """The person's next-step plan after the SURE check (CONTRACT §1 ``plan_*``): their own
    words, shown back to them, never read by a rule."""

    leaning: str | None
    """A modality id or ``unsure``."""
    decide_by: str | None
    """``YYYY-MM-DD``."""
    notes: str | None


@dataclass(frozen=True)
class Result:
    """The comparison for one profile (CONTRACT §3)."""

    schema_version: int
    ketadecide_version: str
    knowledge_base: KnowledgeBaseInfo
    profile_id: str | None
    crisis: Crisis
    modalities: tuple[ModalityResult, ...]
    """Always spravato, iv, im, compounded, in that order."""
    missing: tuple[Missing, ...]
    """Fields the safety screen needs that were not answered; any makes every status at most
    ``incomplete`` (a contraindication still shows)."""
    troubleshooting: tuple[Suggestion, ...]
    disclaimer: Worded
    disclaimer_sources: tuple[str, ...]
    conflicts: tuple[Conflict, ...] = ()
    """Answers that contradict each other; any makes every status at most ``incomplete``."""
    stale: tuple[StaleValue, ...] = ()
    """Record values too old to use (health-record imports only)."""
    handout: Handout | None = None
    """Checklist and questions for a printed page, when the knowledge base has them."""
    fit: Fit | None = None
    """How the options match the stated priorities; None when no value is rated."""
    sure: Sure | None = None
    """The SURE test; None when no SURE answer is given."""
    decision: DecisionSupport | None = None
    """Choosing a clinic and who made this aid, when the knowledge base has decision.yaml."""
    plan: Plan | None = None
    """The person's own next-step plan (``plan_*``); None when none of it was given."""
    nothing_open: Worded | None = None
    """When every option is contraindicated: say so and name the other treatments (TMS, ECT,
    another medicine, a specialist), whether or not any value was rated (issue 24 review,
    defect 5). None while any option is open."""
    nothing_open_refs: tuple[Ref, ...] = ()

    def modality(self, modality_id: str) -> ModalityResult:
        for m in self.modalities:
            if m.id == modality_id:
                return m
        raise KeyError(modality_id)


@dataclass(frozen=True)
class OutcomeFigure:
    """One study's result, out of 100, with its own comparator (never pooled across studies)."""

    id: str
    label: Worded
    value_pct: float
    comparator: Worded
    comparator_pct: float | None
    population: Worded
    time_frame: Worded
    design: str
    lower_is_better: bool
    refs: tuple[Ref, ...]
    sponsor: str | None
    """``manufacturer`` or ``provider`` when a cited source was run or paid for by a seller."""
    significant: bool = True
    """False when the study found no clear difference from its comparator."""
    value_n: tuple[int, int] | None = None
    """People with the outcome and people in the arm, when the source counts them."""
    comparator_n: tuple[int, int] | None = None
    in_words: str | None = None
    """Set only when this option's benefit cannot be weighed against its harms in numbers
    (``Evidence.unweighed``): what a patient reads in place of either arm's number (issue 24, C1)."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class AdverseFigure:
    id: str
    label: Worded
    value_pct: float | None
    comparator_pct: float | None
    range_pct: tuple[float, float] | None
    comparator_range_pct: tuple[float, float] | None
    comparator: Worded
    time_frame: Worded
    refs: tuple[Ref, ...]
    measured: Worded | None = None
    """The rate when measured with a scale at every dose (said after the figure), if known."""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.refs)


@dataclass(frozen=True)
class Evidence:
    """How sure the evidence is for one option, and its figures."""

    certainty: str
    certainty_words: Worded
    certainty_reason: Worded
    outcomes: tuple[OutcomeFigure, ...]
    adverse_effects: tuple[AdverseFigure, ...]
    no_figures: Worded | None
    refs: tuple[Ref, ...]
    reviewed: dt.date
    compare_warning: Worded | None = None
    """Figures from different trials cannot be compared directly (said once above them)."""
    no_adverse_figures: Worded | None = None
    """Why there is no side-effect figure, on its own (the harms line of the brief)."""
    compare_periods: Worded | None = None
    """Said after ``compare_warning`` when the options' figures cover different periods."""
    trials_certainty: str | None = None
    """The option's own grade before any age rule (None: the same as ``certainty``). The fit's
    drawback reads this, as before the fifth review; its age rule is named in its notes."""
    age_rule: str | None = None
    """The id of the age rule (values.yaml ``derived.evidence_by_age``) that lowered
    ``certainty`` for this person, or None (fifth IPDAS review, N3)."""
    no_figures_refs: tuple[Ref, ...] = ()
    """The sources of ``no_figures`` itself, printed after it (sixth IPDAS review, n1): an
    option's own ``refs`` may list a study the words do not rest on."""
    every_route: Worded | None = None
    """Harms of every ketamine route that no figure shows, said once above the figures."""
    every_route_refs: tuple[Ref, ...] = ()
    """The sources of ``every_route`` (the Spravato and Ketalar labels in the bundled data)."""
    unweighed: Worded | None = None
    """Set when this option has a benefit figure with a comparator's number and no harm figure
    with one (issue 24, C1: equal detail): its figures are then never drawn, and this is said
    right after its last compared benefit figure, in every view."""


@dataclass(frozen=True)
class FitEntry:
    id: str
    score: int
    """0-100: the weighted sum of this option's attribute scores less the caution penalty
    (README, "Fit"). For research; never shown to a person as a grade or a rank."""
    reasons: tuple[Worded, ...]
    """The (at most) two attributes that moved the score most, most first."""
    band: Literal["close", "partial", "little"] = "partial"
    band_words: Worded = Worded("", "")
    strongest: Worded = Worded("", "")
    """The option's strongest match among the rated attributes (or "no strong match")."""
    drawback: Worded = Worded("", "")
    """Its most important drawback: a safety caution first, then the worst rated match, then weak evidence."""
    cautions: tuple[Worded, ...] = ()
    """The relative findings that lowered this option's fit, by name."""
    notes: tuple[Worded, ...] = ()
    """Why a rated attribute scores lower for this person than the data's rule for others
    (an age rule: TRANSFORM-3 at 65+), said in the match text."""


@dataclass(frozen=True)
class FitAttribute:
    id: str
    label: Worded
    weight: int
    scores: dict[str, int]
    """Each option's 0-10 score on this attribute (every option, contraindicated ones too)."""
    notes: dict[str, Worded]
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class Fit:
    """How the options that are not contraindicated match the person's stated priorities."""

    ranking: tuple[FitEntry, ...]
    """In the contract's modality order (not sorted: the fit is not a ranking of options)."""
    attributes: tuple[FitAttribute, ...]
    excluded: tuple[str, ...]
    note: Worded
    excluded_note: Worded | None
    ties: tuple[Worded, ...] = ()
    """One line per group of options with the same fit."""
    nothing_open: Worded | None = None
    """Every option is contraindicated: what else there is (TMS, ECT, medicines, a specialist)."""
    nothing_open_refs: tuple[Ref, ...] = ()
    shared_cautions: tuple[Worded, ...] = ()
    """Cautions that apply to every fitted option alike (two or more options), by name: said
    once (``shared_note``), never as each option's drawback. Each entry's ``cautions`` still
    lists them (they lowered its score)."""
    shared_note: Worded | None = None


@dataclass(frozen=True)
class SureStep:
    field: str
    question: str
    next_step: Worded
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class Sure:
    """The SURE test: 0-4 when all four are answered; conflict exactly when score <= 3."""

    answers: dict[str, bool]
    score: int | None
    conflict: bool | None
    summary: Worded | None
    next_steps: tuple[SureStep, ...]
    """One per 'no', in the test's order."""
    title: str
    credit: str


@dataclass(frozen=True)
class ChecklistView:
    """Steps to tick for one option (the Spravato REMS, prior authorisation), cited and dated."""

    id: str
    modality: str
    title: Worded
    items: tuple[HandoutItem, ...]
    reviewed: dt.date
    refs: tuple[Ref, ...]
    when: str = "always"
    """``prior_authorization``: not shown when the person's payer asks none for the option."""


@dataclass(frozen=True)
class StartStepView:
    """One row of "How to get started": its label and a cited cell per option id."""

    id: str
    label: Worded
    cells: dict[str, HandoutItem]


@dataclass(frozen=True)
class GetStartedView:
    title: Worded
    note: Worded
    steps: tuple[StartStepView, ...]
    reviewed: dt.date
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class AlternativeView:
    """One choice other than ketamine (staying, an added medicine, TMS, ECT): what it is, one
    good point and one harder point, each with its own sources (IPDAS Q3-Q5)."""

    id: str
    name: Worded
    line: Worded
    good: HandoutItem | None
    harder: HandoutItem | None
    refs: tuple[Ref, ...]
    """The record's own sources (for the line)."""


@dataclass(frozen=True)
class DecisionSupport:
    """Choosing a clinic, therapy alongside each option, and who made this aid (IPDAS)."""

    look_for: tuple[HandoutItem, ...]
    red_flags: tuple[HandoutItem, ...]
    questions: tuple[HandoutItem, ...]
    therapy: dict[str, tuple[Worded, Worded, str, tuple[Ref, ...]]]
    """modality -> (offered, evidence, certainty, refs)."""
    decision: Worded
    made_by: Worded
    funding: Worded
    review_cycle: Worded
    sponsored_intro: Worded
    sponsored: tuple[Ref, ...]
    """Sources in use that a seller of the treatment paid for or ran."""
    alternatives: tuple[AlternativeView, ...]
    """The non-ketamine options, in the data's order."""
    oldest_review: dt.date
    newest_review: dt.date
    condition: Worded | None = None
    """Page 1: the condition in one sentence."""
    decision_line: Worded | None = None
    """Page 1: the decision in one sentence."""
    glossary: tuple[tuple[str, Worded], ...] = ()
    intro_refs: tuple[Ref, ...] = ()
    checklists: tuple[ChecklistView, ...] = ()
    get_started: GetStartedView | None = None
    """How to get started with each option (issue 24), for the patient's handout and --detail."""
