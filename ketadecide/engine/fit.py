"""Evidence figures, values fit and the SURE test: pure functions of a profile, the
modality statuses and the decision-support data. No I/O, no printing.

Fit formula (README, "Fit"): for an option *o* that is not contraindicated, with the
person's ratings w_a (0-10) and the option's attribute scores s_oa (0-10, data/values.yaml),

    score(o) = round(100 * sum_a(w_a * s_oa) / (10 * sum_a(w_a)))

over the rated attributes, less ``caution_penalty`` points (values.yaml) per relative
finding; 0-100; an option the label or the FDA advises against for this person (a rule's
``not_advised``) is capped below the "partial" band and that is its main drawback.
s_oa is this person's: the cost attribute is scored from their out-of-pocket
estimate and the evidence attribute from the certainty grade and the indication. Options stay
in the contract's order, a shared best score above the "little" band (options not capped)
is reported as a tie, and people see a band in words
("matches much / some / little of what you said") with the strongest match and the main
drawback, never the number or a rank. The reasons name the two attributes with the largest
|w_a * (s_oa - 5)|: how far the attribute pulled this option away from a neutral 5, weighted
by how much it matters; a neutral 5 is called neutral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from ketadecide.engine.result import (
    AdverseFigure,
    AlternativeView,
    ChecklistView,
    DecisionSupport,
    Evidence,
    Fit,
    FitAttribute,
    FitEntry,
    GetStartedView,
    HandoutItem,
    ModalityResult,
    OutcomeFigure,
    StartStepView,
    Sure,
    SureStep,
    Worded,
)
from ketadecide.lang import tr
from ketadecide.profile import SURE_FIELDS, Profile

if TYPE_CHECKING:
    from ketadecide.citations import Ref
    from ketadecide.knowledge.base import KnowledgeBase
    from ketadecide.knowledge.files.decision import DecisionFile, GetStarted, SureItem
    from ketadecide.knowledge.files.evidence import EvidenceFile
    from ketadecide.knowledge.files.values import AgeCertainty, Derived, ValuesFile
    from ketadecide.knowledge.models import Wording

NEUTRAL = 5
"""The attribute score that neither helps nor hurts, for choosing reasons."""


def _w(text: object) -> Worded:
    return Worded(text.clinician, text.patient)  # type: ignore[attr-defined]


def fit_score(weights: Mapping[str, int], scores: Mapping[str, int]) -> int:
    """The weighted sum of one option's attribute scores, 0-100 (see the module docstring)."""
    total = sum(weights.values())
    if total == 0:
        return 0
    return round(100 * sum(w * scores[a] for a, w in weights.items()) / (10 * total))


def fit_reasons(weights: Mapping[str, int], scores: Mapping[str, int], *, top: int = 2) -> list[str]:
    """The attributes that moved the score most, by |w * (s - 5)|; ties in attribute order."""
    moved = [(abs(w * (scores[a] - NEUTRAL)), i, a) for i, (a, w) in enumerate(weights.items()) if w > 0]
    moved.sort(key=lambda t: (-t[0], t[1]))
    return [a for _, _, a in moved[:top]]


def cost_score(high_usd: float, derived: Derived) -> int:
    """The cost attribute for one person and option: the high end of the out-of-pocket
    estimate per session, through the data's bands (above every band: 0)."""
    for band in derived.cost_bands:
        if high_usd <= band.up_to:
            return band.score
    return 0


class _PersonScores(NamedTuple):
    scores: dict[str, int]
    notes: dict[str, Worded]
    """Where a note differs from the data's fixed one (cost, an age rule)."""
    certainty: str | None
    """The evidence grade used for this person (after the indication and age rules)."""
    age_reasons: dict[str, Worded]
    """Attribute id to the age rule's reason, when one lowered this option's score."""
    age_refs: tuple[str, ...]


def age_certainty(
    modality_id: str, certainty: str, derived: Derived, age: int | None
) -> tuple[str, AgeCertainty | None]:
    """The certainty for this option at this person's age, and the age rule that set it (None
    when none did). One rule for the fit's score and for the certainty words above the figures
    (fifth IPDAS review, N3: a 71-year-old's fit said "less sure" while the figures said
    "fairly sure"). Only ever lowers: an age rule never makes the proof look firmer."""
    found: AgeCertainty | None = None
    for rule in derived.evidence_by_age:
        aged = rule.certainty.get(modality_id)
        if age is None or age < rule.from_age or aged is None:
            continue
        if derived.evidence_by_certainty[aged] < derived.evidence_by_certainty[certainty]:  # type: ignore[index]
            certainty, found = aged, rule
    return certainty, found


def _person_scores(m: ModalityResult, values: ValuesFile, kb: KnowledgeBase, age: int | None) -> _PersonScores:
    """Each attribute's 0-10 score for this option and this person, with notes where they
    differ from the data's fixed ones: cost from the out-of-pocket estimate, evidence from the
    certainty grade (off-label use of a labelled drug: the data's off-label certainty; at an
    age with its own rule, the lower of that rule's grade and the option's own)."""
    derived = values.derived
    scores = {a: rec.scores[m.id] for a, rec in values.attributes.items()}
    notes: dict[str, Worded] = {}
    age_reasons: dict[str, Worded] = {}
    age_refs: tuple[str, ...] = ()
    certainty: str | None = None
    oop = m.cost.out_of_pocket
    if "cost" in scores and oop is not None:
        scores["cost"] = cost_score(oop.per_session[1], derived)
        low, high = oop.per_session
        amount = f"${low:,.0f}" if low == high else f"${low:,.0f}–${high:,.0f}"
        basis = Worded(
            "plan share" if oop.basis == "plan_share" else "full price",
            tr("your share") if oop.basis == "plan_share" else tr("full price"),
        )
        template = derived.cost_note
        notes["cost"] = Worded(
            template.clinician.format(amount=amount, basis=basis.clinician),
            template.patient.format(amount=amount, basis=basis.patient),
        )
    if "evidence" in scores and m.evidence is not None:
        # From the trials' own grade, so the age rule below is found and named again here.
        certainty = m.evidence.trials_certainty or m.evidence.certainty
        has_label = bool(kb.modalities[m.id].indication.on_label)
        if has_label and m.indication.status == "off_label":
            certainty = derived.off_label_certainty
        certainty, rule = age_certainty(m.id, certainty, derived, age)
        if rule is not None:
            age_reasons["evidence"] = _w(rule.reason)
            notes["evidence"] = _w(rule.reason)
            age_refs += rule.sources
        scores["evidence"] = derived.evidence_by_certainty[certainty]  # type: ignore[index]
    return _PersonScores(scores, notes, certainty, age_reasons, age_refs)


def _lower(label: str) -> str:
    # Labels are capitalised headings ("Low cost"); mid-sentence they read lower-case.
    return label[:1].lower() + label[1:]


def _band(score: int, derived: Derived) -> Literal["close", "partial", "little"]:
    if score >= derived.band_at["close"]:
        return "close"
    if score >= derived.band_at["partial"]:
        return "partial"
    return "little"


def _fmt(template: object, **fields: str) -> Worded:
    return Worded(template.clinician.format(**fields), template.patient.format(**fields))  # type: ignore[attr-defined]


def _people(pct: float) -> str:
    # Whole people out of 100, half up (as the figures are drawn).
    return str(int(pct + 0.5))


def _harm_drawback(m: ModalityResult, values: ValuesFile) -> Worded | None:
    """The option's most common harm, beside its comparator, in the drawback wording; None
    when it has no harm figure or the data has no wording for it."""
    template = values.wording.drawback_harm
    if template is None or m.evidence is None or not m.evidence.adverse_effects:
        return None
    a = max(m.evidence.adverse_effects, key=lambda x: x.range_pct[1] if x.range_pct else (x.value_pct or 0))
    value = f"{_people(a.range_pct[0])}-{_people(a.range_pct[1])}" if a.range_pct else _people(a.value_pct or 0)
    if a.comparator_range_pct is not None:
        against = f"{_people(a.comparator_range_pct[0])}-{_people(a.comparator_range_pct[1])}"
    else:
        against = _people(a.comparator_pct) if a.comparator_pct is not None else "?"
    # The period the figure covers, as every figure states it (issue 24, second review).
    c, p, w = a.label, a.comparator, a.time_frame
    return Worded(
        template.clinician.format(label=c.clinician, value=value, against=against, who=p.clinician, when=w.clinician),
        template.patient.format(label=c.patient, value=value, against=against, who=p.patient, when=w.patient),
    )


def _relative(m: ModalityResult) -> dict[str, Worded]:
    """The relative findings (cautions) of one option, by id, in order."""
    return {f.id: f.name for f in m.findings if f.severity == "relative"}


def _capped(score: int, rated: Mapping[str, int], certainty: str | None, derived: Derived) -> int:
    """``score`` under the data's certainty caps: an option graded at a capped certainty
    stays below the band above the cap's for someone who rated strong proof high enough."""
    for cap in derived.certainty_caps:
        if certainty == cap.certainty and rated.get("evidence", 0) >= cap.rated_from:
            ceiling = derived.band_at["close"] - 1 if cap.band == "partial" else derived.band_at["partial"] - 1
            score = min(score, ceiling)
    return score


def _entry(
    m: ModalityResult,
    rated: Mapping[str, int],
    person: _PersonScores,
    values: ValuesFile,
    kb: KnowledgeBase,
    *,
    shared: frozenset[str] = frozenset(),
) -> FitEntry:
    wording, derived = values.wording, values.derived
    scores = {a: person.scores[a] for a in rated}
    labels = {a: values.attributes[a].label for a in rated}
    reasons = []
    for a in fit_reasons(rated, scores):
        if scores[a] > NEUTRAL:
            template = wording.helps
        elif scores[a] < NEUTRAL:
            template = wording.hurts
        else:
            template = wording.neutral  # a neutral score is neutral, never "a good match"
        fields = {"weight": rated[a], "score": scores[a]}
        reasons.append(
            Worded(
                template.clinician.format(label=labels[a].clinician, **fields),
                template.patient.format(label=labels[a].patient, **fields),
            )
        )
    relative = _relative(m)
    cautions = tuple(relative.values())
    # A caution every fitted option shares is said once for all (Fit.shared_note); naming it
    # as each one's drawback would say nothing about the options.
    own = tuple(name for fid, name in relative.items() if fid not in shared)
    # The label or the FDA advises against it for this person: named first, and the match
    # capped below the "some" band, so it never reads as a good match (issue 24 review).
    advised_against = tuple(f.name for f in m.advised_against)
    score = max(0, fit_score(rated, scores) - derived.caution_penalty * len(cautions))
    if advised_against:
        score = min(score, derived.band_at["partial"] - 1)
    score = _capped(score, rated, person.certainty, derived)
    pull = [(w * (scores[a] - NEUTRAL), i, a) for i, (a, w) in enumerate(rated.items()) if w > 0]
    best = max(pull, key=lambda t: (t[0], -t[1]), default=None)
    worst = min(pull, key=lambda t: (t[0], t[1]), default=None)
    if best is not None and best[0] > 0:
        strongest = Worded(
            wording.strongest.clinician.format(label=labels[best[2]].clinician),
            wording.strongest.patient.format(label=labels[best[2]].patient),
        )
    else:
        strongest = _w(wording.no_strong_match)
    # The trials' own grade: an age rule is said in the notes (D2), not again as the drawback.
    certainty = (m.evidence.trials_certainty or m.evidence.certainty) if m.evidence is not None else None
    harm = _harm_drawback(m, values) if shared else None
    if advised_against:
        drawback = _named(wording.drawback_not_advised, advised_against)
    elif own:
        drawback = _named(wording.drawback_caution, own)
    elif worst is not None and worst[0] < 0:
        drawback = Worded(
            wording.drawback_attribute.clinician.format(label=_lower(labels[worst[2]].clinician)),
            wording.drawback_attribute.patient.format(label=_lower(labels[worst[2]].patient)),
        )
    elif certainty in ("low", "very_low") and m.evidence is not None:
        words = m.evidence.certainty_words
        drawback = Worded(
            wording.drawback_evidence.clinician.format(certainty=words.clinician),
            wording.drawback_evidence.patient.format(certainty=words.patient),
        )
    elif harm is not None:
        drawback = harm  # its own harm figure, once a shared caution is said apart
    else:
        drawback = _w(wording.no_drawback)
    # What the best match leaves out, said with the drawback (the FDA's warning when home is
    # the best match: fourth IPDAS review, D3). Driven by the attribute, never the option.
    warning = values.attributes[best[2]].best_match_warning if best is not None and best[0] > 0 else None
    if warning is not None:
        drawback = Worded(
            f"{drawback.clinician.rstrip('.')}. {warning.clinician}",
            f"{drawback.patient.rstrip('.')}. {warning.patient}",
        )
    # An age rule that lowered a rated attribute is named in the match text (D2).
    notes = tuple(reason for a, reason in person.age_reasons.items() if rated.get(a, 0) > 0)
    band = _band(score, derived)
    return FitEntry(
        m.id,
        score,
        tuple(reasons),
        band=band,
        band_words=_w(wording.bands[band]),
        strongest=strongest,
        drawback=drawback,
        cautions=cautions,
        notes=notes,
    )


def _named(template: object, names: Sequence[Worded]) -> Worded:
    """``template`` with ``{names}`` filled in each register by the findings' own names."""
    return Worded(
        template.clinician.format(names="; ".join(n.clinician for n in names)),  # type: ignore[attr-defined]
        template.patient.format(names="; ".join(n.patient for n in names)),  # type: ignore[attr-defined]
    )


def _derived_sources(
    values: ValuesFile, attribute: str, weight: int = 0, applied: Sequence[_PersonScores] = ()
) -> tuple[str, ...]:
    """The sources of the person-specific rules behind one attribute's scores, if any: an age
    rule's only when it applied to this person, a certainty cap's when this rating invokes it."""
    if attribute == "cost":
        return values.derived.cost_sources
    if attribute == "evidence":
        aged = tuple(r for p in applied for r in p.age_refs)
        caps = tuple(r for cap in values.derived.certainty_caps if weight >= cap.rated_from for r in cap.sources)
        return tuple(dict.fromkeys((*values.derived.evidence_sources, *aged, *caps)))
    return ()


def fit_of(profile: Profile, modalities: Sequence[ModalityResult], values: ValuesFile, kb: KnowledgeBase) -> Fit | None:
    """How each option that is not contraindicated matches the person's ratings, or None when
    nothing is rated. Inputs: the ratings, the option's attribute scores for this person
    (cost from the out-of-pocket estimate, evidence from the certainty and the indication)
    and its safety cautions (each lowers the fit and is named). Options stay in the
    contract's order: the fit is never a ranking."""
    rated = {a: w for a, w in profile.values.items() if a in values.attributes}
    if not rated:
        return None
    wording = values.wording
    excluded = tuple(m.id for m in modalities if m.status == "contraindicated")
    per_person = {m.id: _person_scores(m, values, kb, profile.age) for m in modalities}
    attributes = tuple(
        FitAttribute(
            id=a,
            label=_w(values.attributes[a].label),
            weight=w,
            scores={m.id: per_person[m.id].scores[a] for m in modalities},
            notes={m.id: per_person[m.id].notes.get(a) or _w(values.attributes[a].notes[m.id]) for m in modalities},
            # Each row cites what supports it: the cost rule's sources on the cost row only,
            # the indication rule's on the evidence row only (issue 24 review, C2).
            refs=kb.refs(values.attributes[a].sources)
            + kb.refs(_derived_sources(values, a, w, tuple(per_person.values()))),
        )
        for a, w in rated.items()
    )
    ranking: list[FitEntry] = []
    fitted = [m for m in modalities if m.id not in excluded] if sum(rated.values()) > 0 else []
    # Cautions on every fitted option alike (two or more options): said once, as shared.
    shared_names: dict[str, Worded] = {}
    if len(fitted) > 1 and wording.shared_caution is not None:
        common = set.intersection(*(set(_relative(m)) for m in fitted))
        shared_names = {fid: name for fid, name in _relative(fitted[0]).items() if fid in common}
    shared = frozenset(shared_names)
    for m in fitted:
        ranking.append(_entry(m, rated, per_person[m.id], values, kb, shared=shared))
    shared_note = None
    if shared_names and wording.shared_caution is not None:
        names_c = "; ".join(n.clinician for n in shared_names.values())
        names_p = "; ".join(n.patient for n in shared_names.values())
        shared_note = Worded(
            wording.shared_caution.clinician.format(names=names_c),
            wording.shared_caution.patient.format(names=names_p),
        )
    names = {m.id: m.short_name for m in modalities}
    ties: list[Worded] = []
    # A tie is news only for the best match, and only when it matches more than a little: two
    # options capped because they are not advised (or two weak matches) "tying" would read as
    # a recommended pair (issue 24 re-review, N1). Capped options never take part.
    capped = {m.id for m in fitted if m.advised_against}
    open_entries = [e for e in ranking if e.id not in capped]
    top = max((e.score for e in open_entries), default=None)
    if top is not None and _band(top, values.derived) != "little":
        group = [names[e.id] for e in open_entries if e.score == top]
        if len(group) > 1:
            ties.append(_fmt(wording.tie, names=" and ".join([", ".join(group[:-1]), group[-1]])))
    nothing_open = None
    nothing_refs: tuple[Ref, ...] = ()
    if len(excluded) == len(modalities):
        nothing_open = _w(wording.nothing_open)
        nothing_refs = kb.refs(wording.nothing_open.sources)
        note = _w(wording.note)
    else:
        note = _w(wording.note) if ranking else _w(wording.nothing_rated)
    excluded_note = None
    if excluded:
        excluded_names = ", ".join(kb.modalities[m].short_name for m in excluded)
        excluded_note = Worded(
            wording.excluded.clinician.format(names=excluded_names),
            wording.excluded.patient.format(names=excluded_names),
        )
    return Fit(
        tuple(ranking),
        attributes,
        excluded,
        note,
        excluded_note,
        tuple(ties),
        nothing_open,
        nothing_refs,
        shared_cautions=tuple(shared_names.values()),
        shared_note=shared_note,
    )


def sure_score(profile: Profile) -> int | None:
    """The SURE score (0-4: one point per "yes"), or None unless all four answers are given."""
    answers = profile.sure_answers
    return sum(answers.values()) if len(answers) == len(SURE_FIELDS) else None


def sure_of(profile: Profile, decision: DecisionFile, kb: KnowledgeBase) -> Sure | None:
    """The SURE result, or None when no SURE question was answered."""
    answers = profile.sure_answers
    if not answers:
        return None
    test = decision.sure
    score = sure_score(profile)
    conflict = None if score is None else score <= 3
    summary = None if conflict is None else _w(test.conflict if conflict else test.no_conflict)
    # "Rate what matters" is done once anything was rated above 0 (the fit then has
    # something to show); the step then points to the fit instead of asking for it again.
    rated = any(v > 0 for v in profile.values.values())
    # A 988 line added to "ask for another visit" reads as alarm to someone who said they have
    # no thoughts of suicide (second and third IPDAS reviews); an unasked question keeps it.
    no_ideation = profile.suicidality == "none"

    def step(item: SureItem) -> Wording:
        if item.next_step_done is not None and rated:
            return item.next_step_done
        if item.next_step_no_ideation is not None and no_ideation:
            return item.next_step_no_ideation
        return item.next_step

    steps = tuple(
        SureStep(item.field, item.question, _w(step(item)), kb.refs(item.sources))
        for item in test.items
        if answers.get(item.field) is False
    )
    return Sure(answers, score, conflict, summary, steps, test.title, test.credit)


def evidence_of(modality_id: str, evidence: EvidenceFile, kb: KnowledgeBase, age: int | None = None) -> Evidence:
    """One option's certainty and figures; a figure for an age group (``from_age``) only for
    people in it (TRANSFORM-3's 65+ result is shown to a 70-year-old, not to a 40-year-old),
    and then first: the trial of people of this person's age comes before the trials that
    left them out, in every view and as the consult brief's benefit (third IPDAS review, D1:
    a 71-year-old saw TRANSFORM-2's 18-64 figures first). The order of the rest is the data's."""
    record = evidence.modalities[modality_id]
    shown = [o for o in record.outcomes if o.from_age is None or (age is not None and age >= o.from_age)]
    # A stable sort: age-specific outcomes (only present when they apply) move to the front.
    shown.sort(key=lambda o: o.from_age is None)

    def sponsor(source_refs: tuple[str, ...]) -> str | None:
        for ref in source_refs:
            found = kb.sources[ref.partition(" ")[0]].sponsor
            if found:
                return found
        return None

    # The rule is the data's shape, never an option's name: a benefit with a comparator and no
    # harm with one is shown with the harms' reserve, and a patient reads it in words (issue 24, C1).
    unweighed = evidence.unweighed is not None and record.benefit_unweighed(shown)
    # The fit's age rule (values.yaml derived.evidence_by_age) sets the certainty shown above
    # the figures too, with its reason, so the two never disagree (fifth IPDAS review, N3).
    certainty: str = record.certainty
    reason = _w(record.certainty_reason)
    rule_refs: tuple[str, ...] = ()
    age_rule: str | None = None
    values = kb.values()
    if values is not None:
        aged, rule = age_certainty(modality_id, record.certainty, values.derived, age)
        if rule is not None:
            certainty, age_rule, rule_refs = aged, rule.id, rule.sources
            reason = Worded(rule.reason.clinician + ".", rule.reason.patient + ".")
    return Evidence(
        certainty=certainty,
        certainty_words=_w(evidence.certainty_words[certainty]),  # type: ignore[index]
        certainty_reason=reason,
        trials_certainty=record.certainty if age_rule is not None else None,
        age_rule=age_rule,
        outcomes=tuple(
            OutcomeFigure(
                id=o.id,
                label=_w(o.label),
                value_pct=o.value_pct,
                comparator=_w(o.comparator),
                comparator_pct=o.comparator_pct,
                population=_w(o.population),
                time_frame=_w(o.time_frame),
                design=o.design,
                lower_is_better=o.lower_is_better,
                refs=kb.refs(o.sources),
                sponsor=sponsor(o.sources),
                significant=o.significant,
                value_n=o.value_n,
                comparator_n=o.comparator_n,
                in_words=o.in_words.patient if unweighed and o.in_words else None,
            )
            for o in shown
        ),
        adverse_effects=tuple(
            AdverseFigure(
                id=a.id,
                label=_w(a.label),
                value_pct=a.value_pct,
                comparator_pct=a.comparator_pct,
                range_pct=a.range_pct,
                comparator_range_pct=a.comparator_range_pct,
                comparator=_w(a.comparator),
                time_frame=_w(a.time_frame),
                refs=kb.refs(a.sources),
                measured=_w(a.measured) if a.measured else None,
            )
            for a in record.adverse_effects
        ),
        no_figures=_w(record.no_figures) if record.no_figures else None,
        no_figures_refs=kb.refs(record.no_figures.sources) if record.no_figures else (),
        every_route=_w(evidence.every_route) if evidence.every_route else None,
        every_route_refs=kb.refs(evidence.every_route.sources) if evidence.every_route else (),
        refs=kb.refs((*record.sources, *rule_refs)),
        reviewed=record.reviewed,
        compare_warning=_w(evidence.compare_warning),
        no_adverse_figures=_w(record.no_adverse_figures) if record.no_adverse_figures else None,
        compare_periods=_w(evidence.compare_periods) if evidence.compare_periods else None,
        unweighed=_w(evidence.unweighed) if evidence.unweighed and unweighed else None,
    )


def _condition(decision: DecisionFile, trials: int | None) -> Worded | None:
    """Page 1's condition sentence for this person: "after at least 2 antidepressants" only
    when they have tried that many (IPDAS Q1); fewer or not asked gets the other sentence."""
    intro = decision.intro
    if intro is None:
        return None
    if intro.condition_other is not None and (trials is None or trials < intro.condition_min_trials):
        return _w(intro.condition_other)
    return _w(intro.condition)


def decision_support_of(
    decision: DecisionFile,
    evidence: EvidenceFile | None,
    kb: KnowledgeBase,
    *,
    trials: int | None = None,
    payer: str | None = None,
) -> DecisionSupport:
    clinic, about = decision.clinic, decision.about

    def items(records: tuple[object, ...]) -> tuple[HandoutItem, ...]:
        return tuple(HandoutItem(_w(r), kb.refs(r.sources)) for r in records)  # type: ignore[attr-defined]

    used: list[str] = []
    if evidence is not None:
        for rec in evidence.modalities.values():
            for item in (*rec.outcomes, *rec.adverse_effects):
                used += [s.partition(" ")[0] for s in item.sources]
    # Every flagged source, not only the figures' (issue 24 review, IPDAS C6): a clinic's blog
    # and a providers' society supply the checklist and questions, the maker's pages the
    # savings programme and the centre finder; the figures' own come first.
    used += list(kb.sources)
    sponsored = tuple(r for r in kb.refs(tuple(dict.fromkeys(used))) if kb.sources[r.id].sponsor is not None)
    dates = [s.reviewed for s in kb.sources.values()]
    return DecisionSupport(
        look_for=items(clinic.look_for),
        red_flags=items(clinic.red_flags),
        questions=items(clinic.questions),
        therapy={
            m: (_w(t.offered), _w(t.evidence), t.certainty, kb.refs(t.sources)) for m, t in clinic.therapy.items()
        },
        decision=_w(about.decision),
        made_by=_w(about.made_by),
        funding=_w(about.funding),
        review_cycle=_w(about.review_cycle),
        sponsored_intro=_w(about.sponsored),
        sponsored=sponsored,
        alternatives=tuple(
            AlternativeView(
                a.id,
                _w(a.name),
                _w(a.line),
                HandoutItem(_w(a.good), kb.refs(a.good.sources)) if a.good else None,
                HandoutItem(_w(a.harder), kb.refs(a.harder.sources)) if a.harder else None,
                kb.refs(a.sources),
            )
            for a in about.alternatives
        ),
        oldest_review=min(dates),
        newest_review=max(dates),
        condition=_condition(decision, trials),
        decision_line=_w(decision.intro.decision) if decision.intro else None,
        glossary=tuple((g.term, Worded(g.clinician, g.patient)) for g in decision.intro.glossary)
        if decision.intro
        else (),
        intro_refs=kb.refs(decision.intro.sources) if decision.intro else (),
        checklists=tuple(
            ChecklistView(
                c.id,
                c.modality,
                _payer_titled(c.title, payer, kb),
                items(c.items),
                c.reviewed,
                kb.refs(c.sources),
                c.when,
            )
            for c in decision.checklists
        ),
        get_started=_get_started(decision.get_started, kb) if decision.get_started else None,
    )


def _payer_titled(title: Wording, payer: str | None, kb: KnowledgeBase) -> Worded:
    """A checklist title with its ``{payer}`` named by the person's payer, in the words of the
    insurance question's choices (questions.yaml), so a Medicaid patient's prior-authorisation
    block never reads "commercial plans" (issue 24 re-review, N8)."""
    worded = _w(title)
    if "{payer}" not in worded.clinician + worded.patient:
        return worded
    names = {c.value: c for q in kb.questions().sections for f in q.questions if f.id == "insurance" for c in f.choices}
    choice = names.get(payer or "unknown") or names.get("unknown")
    clinician = choice.clinician if choice is not None else "not recorded"
    # The patient's words only where the patient's title names the payer (translated then).
    patient = tr(choice.patient) if choice is not None and "{payer}" in worded.patient else ""
    return Worded(worded.clinician.replace("{payer}", clinician), worded.patient.replace("{payer}", patient))


def _get_started(record: GetStarted, kb: KnowledgeBase) -> GetStartedView:
    steps = tuple(
        StartStepView(
            s.id,
            _w(s.label),
            {m: HandoutItem(_w(cell), kb.refs(cell.sources)) for m, cell in s.options.items()},
        )
        for s in record.steps
    )
    return GetStartedView(_w(record.title), _w(record.note), steps, record.reviewed, kb.refs(record.sources))
