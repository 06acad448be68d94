"""Evidence figures, values fit and the SURE test: pure functions of a profile, the
modality statuses and the decision-support data. No I/O, no printing.

Fit formula (README, "Fit"): for an option *o* that is not contraindicated, with the
person's ratings w_a (0-10) and the option's attribute scores s_oa (0-10, data/values.yaml),

    score(o) = round(100 * sum_a(w_a * s_oa) / (10 * sum_a(w_a)))

over the rated attributes; 0-100. Ties keep the contract's modality order. The reasons
name the two attributes with the largest |w_a * (s_oa - 5)|: how far the attribute pulled
this option away from a neutral 5, weighted by how much it matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ketadecide.engine.result import (
    AdverseFigure,
    DecisionSupport,
    Evidence,
    Fit,
    FitAttribute,
    FitEntry,
    HandoutItem,
    OutcomeFigure,
    Sure,
    SureStep,
    Worded,
)
from ketadecide.profile import SURE_FIELDS, Profile

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase
    from ketadecide.knowledge.files.decision import DecisionFile
    from ketadecide.knowledge.files.evidence import EvidenceFile
    from ketadecide.knowledge.files.values import ValuesFile

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


def fit_of(profile: Profile, statuses: Mapping[str, str], values: ValuesFile, kb: KnowledgeBase) -> Fit | None:
    """The fit over non-contraindicated options, or None when nothing is rated."""
    rated = {a: w for a, w in profile.values.items() if a in values.attributes}
    if not rated:
        return None
    wording = values.wording
    excluded = tuple(m for m, s in statuses.items() if s == "contraindicated")
    attributes = tuple(
        FitAttribute(
            id=a,
            label=_w(values.attributes[a].label),
            weight=w,
            scores=dict(values.attributes[a].scores),
            notes={m: _w(n) for m, n in values.attributes[a].notes.items()},
            refs=kb.refs(values.attributes[a].sources),
        )
        for a, w in rated.items()
    )
    ranking: list[FitEntry] = []
    if sum(rated.values()) > 0:
        for m in statuses:
            if m in excluded:
                continue
            scores = {a: values.attributes[a].scores[m] for a in rated}
            reasons = []
            for a in fit_reasons(rated, scores):
                template = wording.helps if scores[a] >= NEUTRAL else wording.hurts
                label = values.attributes[a].label
                fields = {"weight": rated[a], "score": scores[a]}
                reasons.append(
                    Worded(
                        template.clinician.format(label=label.clinician, **fields),
                        template.patient.format(label=label.patient, **fields),
                    )
                )
            ranking.append(FitEntry(m, fit_score(rated, scores), tuple(reasons)))
        ranking.sort(key=lambda e: -e.score)  # stable: ties keep the modality order
    note = _w(wording.note) if ranking else _w(wording.nothing_rated)
    excluded_note = None
    if excluded:
        names = ", ".join(kb.modalities[m].short_name for m in excluded)
        excluded_note = Worded(
            wording.excluded.clinician.format(names=names), wording.excluded.patient.format(names=names)
        )
    return Fit(tuple(ranking), attributes, excluded, note, excluded_note)


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
    steps = tuple(
        SureStep(item.field, item.question, _w(item.next_step), kb.refs(item.sources))
        for item in test.items
        if answers.get(item.field) is False
    )
    return Sure(answers, score, conflict, summary, steps, test.title, test.credit)


def evidence_of(modality_id: str, evidence: EvidenceFile, kb: KnowledgeBase) -> Evidence:
    record = evidence.modalities[modality_id]

    def sponsor(source_refs: tuple[str, ...]) -> str | None:
        for ref in source_refs:
            found = kb.sources[ref.partition(" ")[0]].sponsor
            if found:
                return found
        return None

    return Evidence(
        certainty=record.certainty,
        certainty_words=_w(evidence.certainty_words[record.certainty]),
        certainty_reason=_w(record.certainty_reason),
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
            )
            for o in record.outcomes
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
            )
            for a in record.adverse_effects
        ),
        no_figures=_w(record.no_figures) if record.no_figures else None,
        refs=kb.refs(record.sources),
        reviewed=record.reviewed,
    )


def decision_support_of(decision: DecisionFile, evidence: EvidenceFile | None, kb: KnowledgeBase) -> DecisionSupport:
    clinic, about = decision.clinic, decision.about

    def items(records: tuple[object, ...]) -> tuple[HandoutItem, ...]:
        return tuple(HandoutItem(_w(r), kb.refs(r.sources)) for r in records)  # type: ignore[attr-defined]

    used: list[str] = []
    if evidence is not None:
        for rec in evidence.modalities.values():
            for item in (*rec.outcomes, *rec.adverse_effects):
                used += [s.partition(" ")[0] for s in item.sources]
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
        alternatives=tuple((_w(a.name), _w(a.line)) for a in about.alternatives),
        oldest_review=min(dates),
        newest_review=max(dates),
    )
