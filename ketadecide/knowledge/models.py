"""Pydantic models of the data files: the strict shape every record must have.

Every clinical statement and number is a *cited record*: it lists at least one source
id from ``sources.yaml`` (optionally followed by a locator such as ``§4`` or ``p. 401``)
and the date a person last checked it against that source. Unknown keys are errors, so
a typo in a clinic's data (``severty:``) cannot silently drop a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ketadecide.predicates import Predicate
from ketadecide.profile import ModalityId

Severity = Literal["absolute", "relative", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "relative": 1, "absolute": 2}


def unknown_ids(
    ids: Iterable[tuple[str, Iterable[str]]], known: Mapping[str, Container[str]]
) -> Iterator[tuple[str, int, str]]:
    """The one unknown-id check: ``(field, index, id)`` for each id in ``ids`` (pairs of a
    field, ``conditions`` or ``medications``, and the ids given for it) that ``known[field]``
    (the condition or medication rules of contraindications.yaml) does not define. Profiles,
    codes.yaml and the screens of contraindications.yaml all check their ids with it."""
    for field, given in ids:
        for i, ident in enumerate(given):
            if ident not in known[field]:
                yield field, i, ident


SourceRef = Annotated[str, Field(pattern=r"^[a-z0-9_]+( \S.*)?$", max_length=300)]
RecordId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Wording(Strict):
    """One text in both registers: clinical, and plain for a patient. Carries no sources of
    its own: the record it belongs to does (or it states no clinical fact)."""

    clinician: Text
    patient: Text


#: What a bundled record rests on, when a clinic's overlay may not replace its words
#: (``floor:`` beside its sources). ``label``: the Spravato or Ketalar label or the REMS;
#: ``crisis``: the crisis path and the safety screen; ``indication``: the indication rules;
#: ``payer``: a payer's coverage record; ``codes``: a record-code mapping; ``consensus``: a
#: cited guideline or study. See :mod:`ketadecide.knowledge.overlay`.
FloorKind = Literal["label", "crisis", "indication", "payer", "codes", "consensus"]


class Cited(Strict):
    """A record that states where it comes from and when it was last checked."""

    sources: Annotated[tuple[SourceRef, ...], Field(min_length=1)]
    floor: FloorKind | None = None
    """Set in the bundled data on the records a clinic's overlay may tighten, never reword."""
    reviewed: dt.date

    @field_validator("reviewed", mode="before")
    @classmethod
    def _date_not_datetime(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("give a date (YYYY-MM-DD), not a date and time")
        return value


class Source(Strict):
    """One bibliographic source; facts cite it by its id."""

    citation: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    kind: Literal[
        "fda_label",
        "peer_reviewed",
        "guideline",
        "payer_policy",
        "government",
        "press",
        "clinic_page",
        "other",
    ]
    sponsor: Literal["manufacturer", "provider"] | None = None
    """Set when the source was paid for or run by a party that sells the treatment."""
    floor: FloorKind | None = None
    """Set on the bundled sources: a clinic's overlay may add sources, not rewrite these."""
    reviewed: dt.date


class SourcesFile(Strict):
    sources: dict[RecordId, Source] = Field(min_length=1)


class CitedText(Cited):
    """A statement worded twice: for a clinician, and in plain language for a patient."""

    clinician: Text
    patient: Text


class SessionRange(Cited):
    """How many sessions an induction course has, as a low-high range."""

    low: Annotated[int, Field(ge=1, le=100)]
    high: Annotated[int, Field(ge=1, le=100)]
    estimate: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SessionRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is greater than high ({self.high})")
        return self


class CostRange(Cited):
    """Price per session in US dollars, with the date the price was quoted."""

    low: Annotated[float, Field(ge=0, le=100_000)]
    high: Annotated[float, Field(ge=0, le=100_000)]
    as_of: dt.date
    estimate: bool
    note: Text | None = None
    full_price_label: Wording | None = None
    """What "full price" means for this price when it is not a cash price (Spravato's is
    Medicare's payment rate): said beside it for someone who pays it all (issue 24 review)."""

    @model_validator(mode="after")
    def _ordered(self) -> CostRange:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is greater than high ({self.high})")
        return self


class OutOfPocket(Cited):
    """What a person whose plan pays usually still owes per session: an estimate, with the
    assumptions it rests on. Either a share of the session price (``coinsurance_pct``) or a
    fixed amount (``copay_usd``), never both. Used only when coverage is likely: when coverage
    is unlikely or unknown the estimate is the full price (see ``engine.coverage``)."""

    coinsurance_pct: tuple[Annotated[float, Field(ge=0, le=100)], Annotated[float, Field(ge=0, le=100)]] | None = None
    copay_usd: tuple[Annotated[float, Field(ge=0, le=100_000)], Annotated[float, Field(ge=0, le=100_000)]] | None = None
    assumptions: Wording
    """The deductible, coinsurance and caps the figure assumes, said plainly."""
    savings_program: Wording | None = None
    """A manufacturer's savings programme, with its eligibility (commercial plans only)."""
    deductible_usd: Annotated[float, Field(ge=0, le=100_000)] | None = None
    """The yearly deductible when the source gives one (Medicare Part B): the first course's
    high end counts it as not yet met (paid in full, then the coinsurance on the rest)."""
    course_note: Wording | None = None
    """Whether the first course's estimate includes the deductible, said beside it."""

    @model_validator(mode="after")
    def _one_form(self) -> OutOfPocket:
        if (self.coinsurance_pct is None) == (self.copay_usd is None):
            raise ValueError("give exactly one of coinsurance_pct or copay_usd")
        pair = self.coinsurance_pct or self.copay_usd
        assert pair is not None
        if pair[0] > pair[1]:
            raise ValueError(f"low ({pair[0]}) is greater than high ({pair[1]})")
        if self.deductible_usd is not None and (self.coinsurance_pct is None or self.course_note is None):
            raise ValueError("deductible_usd needs coinsurance_pct and a course_note saying it is included")
        return self


class CoverageRecord(CitedText):
    """How one payer type usually treats a modality."""

    likely_covered: bool | None
    prior_authorization: bool | None
    """True, False, or None when it varies (plan by plan, case by case)."""
    requires_on_label: bool = False
    """Coverage usually needs use within the label's indications (for Spravato: TRD or MDSI,
    documented), so it follows the person's indication status."""
    min_age: Annotated[int, Field(ge=0, le=120)] | None = None
    """Coverage usually needs the person to be at least this old."""
    off_label: Wording | None = None
    """For a ``requires_on_label`` record: the note when the use is off-label, replacing the
    text above (which describes coverage of the labelled uses and must not open the note of
    a use it does not cover). Cited by the record's sources."""
    out_of_pocket: OutOfPocket | None = None
    """The person's usual share when the plan pays (only meaningful with likely_covered)."""


class Payers(Strict):
    commercial: CoverageRecord
    medicare: CoverageRecord
    medicaid: CoverageRecord
    va_tricare: CoverageRecord
    uninsured: CoverageRecord

    @model_validator(mode="after")
    def _savings_commercial_only(self) -> Payers:
        # Manufacturer copay programmes exclude federal payers (anti-kickback statute), and an
        # uninsured person has no plan share to lower: only a commercial record may carry one.
        for payer in ("medicare", "medicaid", "va_tricare", "uninsured"):
            share = getattr(self, payer).out_of_pocket
            if share is not None and share.savings_program is not None:
                raise ValueError(f"{payer}: a savings programme applies to commercial plans only")
        if self.uninsured.out_of_pocket is not None:
            raise ValueError("uninsured: no plan share; the estimate is the full price")
        return self


class ModalityDetails(Strict):
    """The facts shown for every modality, each cited."""

    fda_status: CitedText
    indications: CitedText
    route: CitedText
    bioavailability: CitedText
    onset: CitedText
    induction: CitedText
    maintenance: CitedText
    time_on_site: CitedText
    monitoring: CitedText
    setting: CitedText
    driving: CitedText
    tradeoffs: CitedText


class IndicationPath(CitedText):
    """One labelled indication: when it applies (a predicate on the profile) and its name."""

    id: RecordId
    label: Annotated[str, Field(min_length=1, max_length=40)]
    """Short name shown beside the status, e.g. ``TRD``."""
    when: Predicate


class OffLabelReason(CitedText):
    """Why a use is off-label, said exactly: the first reason whose ``when`` holds replaces the
    general off-label text (e.g. "approved only for adults" for a 17-year-old)."""

    id: RecordId
    when: Predicate


class IndicationRecord(Strict):
    """A modality's labelled indications for depression, and what to say when none applies.

    Evaluated in three-valued logic: a path that is true makes the use on-label; else a path
    that cannot be decided from the answers (a field it needs was not given) makes it "not
    established"; else the use is off-label.
    """

    on_label: tuple[IndicationPath, ...] = ()
    off_label: CitedText
    off_label_reasons: tuple[OffLabelReason, ...] = ()
    not_established: CitedText | None = None

    @model_validator(mode="after")
    def _undecidable_needs_words(self) -> IndicationRecord:
        if self.on_label and self.not_established is None:
            raise ValueError("a modality with on-label paths needs a not_established text")
        ids = [p.id for p in self.on_label]
        if len(ids) != len(set(ids)):
            raise ValueError("indication path ids must be unique")
        return self


class AtAGlance(Cited):
    """Short forms of a modality's schedule, for the summary view (the details say it in full)."""

    visits: Wording
    time_per_visit: Wording


class Modality(Strict):
    floor: FloorKind | None = None
    """Set in the bundled data: a clinic's overlay may not rename or re-route a modality,
    only add its local prices and tighten its records."""
    name: Text
    short_name: Annotated[str, Field(min_length=1, max_length=40)]
    drug: Literal["esketamine", "racemic_ketamine"]
    route: Literal["intranasal", "intravenous", "intramuscular", "oral_sublingual"]
    setting: Literal["rems_certified_clinic", "infusion_clinic", "clinic_office", "home"]
    details: ModalityDetails
    at_a_glance: AtAGlance
    indication: IndicationRecord
    induction_sessions: SessionRange
    cost_per_session_usd: CostRange
    coverage: Payers


class TreatmentResistance(Cited):
    """The definition of treatment-resistant depression used for indications and coverage."""

    min_failed_trials: Annotated[int, Field(ge=1, le=10)]
    clinician: Text
    patient: Text


class Disclaimer(Cited):
    clinician: Text
    patient: Text


class ModalitiesFile(Strict):
    treatment_resistance: TreatmentResistance
    disclaimer: Disclaimer
    modalities: dict[ModalityId, Modality]

    @field_validator("modalities")
    @classmethod
    def _all_four(cls, value: dict[str, Modality]) -> dict[str, Modality]:
        missing = [m for m in ("spravato", "iv", "im", "compounded") if m not in value]
        if missing:
            raise ValueError(f"every modality must be defined; missing: {', '.join(missing)}")
        return value


class Note(Strict):
    clinician: Text | None = None
    patient: Text | None = None


class Rule(Cited):
    """A safety rule: when it applies, each listed modality gets a finding of its severity."""

    name: Text
    """Short clinical label, e.g. 'History of psychosis'."""
    plain_name: Text
    """The same in plain language, as a patient would recognise it in a checklist."""
    severity: dict[ModalityId, Severity] = Field(min_length=1)
    clinician: Text
    patient: Text
    modality_notes: dict[ModalityId, Note] = Field(default_factory=dict)
    headline: bool = False
    """Show this finding above the comparison, in words that fit its weight, in every view
    (for findings a reader must not miss further down, such as suicidal thoughts)."""
    not_advised: tuple[ModalityId, ...] = ()
    """Modalities for which the label or the FDA advises against use when this rule applies
    (e.g. Spravato in pregnancy, PI §8.1). Each must be a caution of this rule with a note
    saying why; the fit names the finding as that option's main drawback and caps its match
    at the lowest band, so it can never read as the best match (issue 24 review)."""

    @model_validator(mode="after")
    def _not_advised(self) -> Rule:
        for modality in self.not_advised:
            # At least a caution: a clinic may raise it to absolute (an overlay only tightens),
            # and the finding then contraindicates, which says more than "not recommended".
            if self.severity.get(modality) not in ("relative", "absolute"):
                raise ValueError(f"not_advised: {modality} must be a caution (relative) or absolute in this rule")
            note = self.modality_notes.get(modality)
            if note is None or not note.patient or not note.clinician:
                raise ValueError(f"not_advised: {modality} needs a modality note saying why (both wordings)")
        return self


class ScreenRule(Rule):
    """A rule on the profile's own fields (age, blood pressure, pregnancy, ...)."""

    when: Predicate


class LocalCrisisLine(Strict):
    """A clinic's own crisis line, shown after the crisis message through a fixed template
    (:func:`local_line_text`), never as free prose: a name, a phone number, its hours."""

    name: Annotated[str, Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 &'().,/-]*$")]
    phone: Annotated[str, Field(min_length=3, max_length=20, pattern=r"^\+?[0-9][0-9 ().-]*[0-9]$")]
    hours: Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 :,.()/+-]*$")]
    source: SourceRef


def local_line_text(line: LocalCrisisLine) -> str:
    """The one wording a local crisis line is shown in (after the label's crisis message)."""
    return f"Also available locally: {line.name}, {line.phone} ({line.hours})."


class CrisisRecord(Cited):
    clinician: Text
    patient: Text
    local_lines: tuple[LocalCrisisLine, ...] = Field(default=(), max_length=5)
    """A clinic's own crisis lines, added by its overlay (the bundled record has none)."""

    @model_validator(mode="after")
    def _keeps_the_required_help(self) -> CrisisRecord:
        from ketadecide.knowledge.crisis_text import crisis_message_problems

        for audience in ("clinician", "patient"):
            problems = crisis_message_problems(getattr(self, audience))
            if problems:
                raise ValueError(f"the {audience} crisis message {'; '.join(problems)} (clinical floor)")
        return self


#: The fields without which the safety screen is not complete (CONTRACT §3 ``missing``):
#: a knowledge base may ask for more, never for fewer.
CONTRACT_SCREEN_FIELDS: tuple[str, ...] = ("suicidality", "pregnancy", "diagnoses", "conditions", "medications")

#: The labels' contraindications that are conditions (Spravato PI §4; Ketalar PI §4): what
#: they are called, the condition id, and the modalities the label contraindicates. Defined
#: once: the knowledge base's clinical floor (``floor.CLINICAL_FLOOR``) and the codes that
#: must keep mapping to them (``fhir.models.LABEL_CONTRAINDICATION_CODES``) both derive from it.
LABEL_CONTRAINDICATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ketamine hypersensitivity", "ketamine_hypersensitivity", ("spravato", "iv", "im", "compounded")),
    ("aneurysmal vascular disease", "aneurysmal_vascular_disease", ("spravato",)),
    ("arteriovenous malformation", "arteriovenous_malformation", ("spravato",)),
    ("intracerebral hemorrhage", "intracerebral_hemorrhage_history", ("spravato",)),
)


class Completeness(Cited):
    """What the safety screen needs asked before any verdict is more than ``incomplete``.

    Each field carries the one line that says what to ask. A field is missing when it was
    not given, or given as ``unknown``.
    """

    fields: dict[str, Wording] = Field(min_length=1)
    """Field -> what to ask, in both registers."""

    @field_validator("fields")
    @classmethod
    def _contract_minimum(cls, value: dict[str, Wording]) -> dict[str, Wording]:
        from ketadecide.profile import FIELD_SPECS

        unknown = [f for f in value if f not in FIELD_SPECS]
        if unknown:
            raise ValueError(f"not profile fields: {', '.join(unknown)}")
        absent = [f for f in CONTRACT_SCREEN_FIELDS if f not in value]
        if absent:
            raise ValueError(f"the safety screen must require at least {', '.join(absent)} (CONTRACT §3)")
        return value


class ConflictRule(Cited):
    """Answers that contradict each other (CONTRACT §3 ``conflicts``).

    A conflict keeps the safety screen from being complete (status ``incomplete``), and
    until someone resolves it the answers are read as ``reads_as`` says: the stricter
    reading wherever safety needs it (e.g. PHQ-9 item 9 above 0 with ``suicidality: none``
    reads suicidality as ``unknown``). ``effect`` states, for the record, whether anything
    else changes. A rule with ``when`` tests the profile; a rule with ``record`` is raised
    by a health-record import (e.g. a pregnancy condition beside a "not pregnant" status).
    """

    name: Text
    fields: Annotated[tuple[str, ...], Field(min_length=1)]
    """The profile fields that disagree."""
    when: Predicate | None = None
    record: Literal["pregnancy"] | None = None
    reads_as: dict[str, Any] = Field(default_factory=dict)
    """Profile field -> the value the answers are read with until the conflict is resolved."""
    effect: Text
    clinician: Text
    patient: Text
    headline: Wording | None = None
    """Shown above the comparison in every view (e.g. asking for a same-day safety assessment)."""

    @model_validator(mode="after")
    def _one_trigger(self) -> ConflictRule:
        from ketadecide.profile import FIELD_SPECS, _check_field

        if (self.when is None) == (self.record is None):
            raise ValueError("give exactly one of 'when' (a profile test) or 'record' (raised by an import)")
        unknown = [f for f in (*self.fields, *self.reads_as) if f not in FIELD_SPECS]
        if unknown:
            raise ValueError(f"not profile fields: {', '.join(unknown)}")
        for name, value in self.reads_as.items():
            _, problems = _check_field(name, value)
            if problems or (value is None and FIELD_SPECS[name].required):
                raise ValueError(f"reads_as.{name}: {problems[0][1] if problems else 'cannot be empty'}")
        return self


class FreshnessRule(Cited):
    """How old a value read from a health record may be and still be used as current."""

    fields: Annotated[tuple[str, ...], Field(min_length=1)]
    window_days: Annotated[int, Field(ge=1, le=3650)]
    by_value: dict[str, Annotated[int, Field(ge=1, le=3650)]] = Field(default_factory=dict)
    """A shorter (or longer) window for one value, e.g. a "not pregnant" status."""
    note: Text


class StaleRule(Cited):
    """The finding an old record value keeps when, used as current, it would have raised a
    flag: an old value can never clear a flag (CONTRACT §3 ``stale``)."""

    name: Text
    plain_name: Text
    severity: Literal["relative"] = "relative"
    clinician: Text
    patient: Text


class ContraindicationsFile(Strict):
    crisis: CrisisRecord
    completeness: Completeness
    conditions: dict[RecordId, Rule] = Field(min_length=1)
    medications: dict[RecordId, Rule] = Field(min_length=1)
    screens: dict[RecordId, ScreenRule] = Field(default_factory=dict)
    conflicts: dict[RecordId, ConflictRule] = Field(default_factory=dict)
    stale_reading: StaleRule
    freshness: dict[RecordId, FreshnessRule] = Field(default_factory=dict)
    """Windows for record values (FHIR import, the CDS service), by value group."""
