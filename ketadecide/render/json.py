"""JSON: the result of CONTRACT §3 (keys may be added, none may change), the course report
and the knowledge-base listing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ketadecide.engine.result import (
    AlternativeView,
    Audience,
    DecisionSupport,
    Evidence,
    Finding,
    Fit,
    HandoutItem,
    KnowledgeBaseInfo,
    ModalityResult,
    Plan,
    Result,
    Suggestion,
    Sure,
)
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.render.labels import bp_text, sure_step_text

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.log import CourseSummary
    from ketadecide.troubleshoot.report import TroubleshootReport


def _finding(f: Finding, audience: Audience) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity,
        "message": f.message.for_(audience),
        "sources": list(f.sources),
        "name": f.name.for_(audience),
        "kind": f.kind,
    }


def _modality(m: ModalityResult, audience: Audience) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "status": m.status,
        "indication": {
            "status": m.indication.status,
            "note": m.indication.note.for_(audience),
            "sources": list(m.indication.sources),
            "basis": m.indication.basis,
            "label": m.indication.label.for_(audience),
            "needs": list(m.indication.needs),
        },
        "findings": [_finding(f, audience) for f in m.findings],
        "insurance": {
            "likely_covered": m.coverage.likely_covered,
            "note": m.coverage.note.for_(audience),
            "payer": m.coverage.payer,
            "prior_authorization": m.coverage.prior_authorization,
            "sources": list(m.coverage.sources),
        },
        "cost_usd": {
            "per_session": list(m.cost.per_session),
            "induction_course": list(m.cost.induction_course),
            "as_of": m.cost.as_of.isoformat(),
            "estimate": m.cost.estimate,
            "within_budget": m.cost.within_budget,
            "budget_note": m.cost.budget_note.for_(audience) if m.cost.budget_note else None,
            "note": m.cost.note,
            "sources": list(m.cost.sources),
        },
        "out_of_pocket_usd": _out_of_pocket(m, audience),
        "details": {d.key: {"text": d.text.for_(audience), "sources": list(d.sources)} for d in m.details},
        "evidence": _evidence(m.evidence, audience) if m.evidence else None,
    }


def _out_of_pocket(m: ModalityResult, audience: Audience) -> dict[str, Any] | None:
    oop = m.cost.out_of_pocket
    if oop is None:
        return None
    return {
        "estimate": True,
        "per_session": list(oop.per_session),
        "induction_course": list(oop.induction_course),
        "basis": oop.basis,
        "assumptions": oop.assumptions.for_(audience),
        "savings_program": oop.savings_program.for_(audience) if oop.savings_program else None,
        "sources": list(oop.sources),
    }


def _evidence(e: Evidence, audience: Audience) -> dict[str, Any]:
    return {
        "certainty": e.certainty,
        "certainty_words": e.certainty_words.for_(audience),
        "certainty_reason": e.certainty_reason.for_(audience),
        "certainty_age_rule": e.age_rule,
        "outcomes": [
            {
                "id": o.id,
                "label": o.label.for_(audience),
                "value_pct": o.value_pct,
                "comparator": o.comparator.for_(audience),
                "comparator_pct": o.comparator_pct,
                "population": o.population.for_(audience),
                "time_frame": o.time_frame.for_(audience),
                "design": o.design,
                "lower_is_better": o.lower_is_better,
                "sponsor": o.sponsor,
                "significant": o.significant,
                # What a patient view shows instead of the numbers when the option's evidence
                # is unweighed (issue 24, fourth IPDAS review D4); null when not used.
                "in_words": o.in_words,
                "sources": list(o.sources),
            }
            for o in e.outcomes
        ],
        "adverse_effects": [
            {
                "id": a.id,
                "label": a.label.for_(audience),
                "value_pct": a.value_pct,
                "comparator_pct": a.comparator_pct,
                "range_pct": list(a.range_pct) if a.range_pct else None,
                "comparator_range_pct": list(a.comparator_range_pct) if a.comparator_range_pct else None,
                "comparator": a.comparator.for_(audience),
                "time_frame": a.time_frame.for_(audience),
                "sources": list(a.sources),
            }
            for a in e.adverse_effects
        ],
        "no_figures": e.no_figures.for_(audience) if e.no_figures else None,
        "compare_warning": e.compare_warning.for_(audience) if e.compare_warning else None,
        # True when a benefit has a comparator number and no harm has one: patient views then
        # show no number for either side (use each outcome's in_words instead of value_pct).
        "unweighed": e.unweighed is not None,
        "unweighed_note": e.unweighed.for_(audience) if e.unweighed else None,
        # Harms of every ketamine route that no figure shows (misuse and dependence, the
        # bladder), which every view says once above the figures; the same on each option.
        "every_route_harms": e.every_route.for_(audience) if e.every_route else None,
        "every_route_sources": [r.text for r in e.every_route_refs],
        "reviewed": e.reviewed.isoformat(),
        "sources": [r.text for r in e.refs],
    }


def _fit(f: Fit, audience: Audience) -> dict[str, Any]:
    return {
        "ranking": [
            {
                "id": e.id,
                "score": e.score,
                "reasons": [r.for_(audience) for r in e.reasons],
                "band": e.band,
                "band_words": e.band_words.for_(audience),
                "strongest": e.strongest.for_(audience),
                "drawback": e.drawback.for_(audience),
                "cautions": [c.for_(audience) for c in e.cautions],
                "notes": [n.for_(audience) for n in e.notes],
            }
            for e in f.ranking
        ],
        "ties": [t.for_(audience) for t in f.ties],
        "shared_cautions": [c.for_(audience) for c in f.shared_cautions],
        "shared_note": f.shared_note.for_(audience) if f.shared_note else None,
        "nothing_open": f.nothing_open.for_(audience) if f.nothing_open else None,
        "note": f.note.for_(audience),
        "excluded": list(f.excluded),
        "excluded_note": f.excluded_note.for_(audience) if f.excluded_note else None,
        "attributes": [
            {
                "id": a.id,
                "label": a.label.for_(audience),
                "weight": a.weight,
                "scores": dict(a.scores),
                "notes": {m: n.for_(audience) for m, n in a.notes.items()},
                "sources": [r.text for r in a.refs],
            }
            for a in f.attributes
        ],
    }


def _plan(p: Plan) -> dict[str, Any]:
    """The person's own plan, as given (``plan_*``); null parts were not given."""
    return {"leaning": p.leaning, "decide_by": p.decide_by, "notes": p.notes}


def _sure(s: Sure, audience: Audience) -> dict[str, Any]:
    return {
        "score": s.score,
        "conflict": s.conflict,
        "answers": dict(s.answers),
        "summary": s.summary.for_(audience) if s.summary else None,
        "next_steps": [
            {
                "field": n.field,
                "question": n.question,
                "step": sure_step_text(n, audience),
                "sources": [r.text for r in n.refs],
            }
            for n in s.next_steps
        ],
        "credit": s.credit,
    }


def _decision(d: DecisionSupport, audience: Audience) -> dict[str, dict[str, Any]]:
    def items(xs: tuple[HandoutItem, ...]) -> list[dict[str, Any]]:
        return [{"text": x.text.for_(audience), "sources": [r.text for r in x.refs]} for x in xs]

    return {
        "choosing_a_clinic": {
            "look_for": items(d.look_for),
            "red_flags": items(d.red_flags),
            "questions": items(d.questions),
            "therapy": {
                m: {
                    "offered": offered.for_(audience),
                    "evidence": evidence.for_(audience),
                    "certainty": certainty,
                    "sources": [r.text for r in refs],
                }
                for m, (offered, evidence, certainty, refs) in d.therapy.items()
            },
        },
        "about": {
            "decision": d.decision.for_(audience),
            "made_by": d.made_by.for_(audience),
            "funding": d.funding.for_(audience),
            "review_cycle": d.review_cycle.for_(audience),
            "sponsored_sources": [r.text for r in d.sponsored],
            "alternatives": [_alternative(a, audience) for a in d.alternatives],
            "oldest_review": d.oldest_review.isoformat(),
            "newest_review": d.newest_review.isoformat(),
        },
    }


def _alternative(a: AlternativeView, audience: Audience) -> dict[str, Any]:
    """A choice other than ketamine: its name and line, and (added in 0.5.x, issue 24 review)
    its id, one good point and one harder point with their sources, and its own sources."""

    def point(p: HandoutItem | None) -> dict[str, Any] | None:
        return None if p is None else {"text": p.text.for_(audience), "sources": [r.text for r in p.refs]}

    return {
        "id": a.id,
        "name": a.name.for_(audience),
        "line": a.line.for_(audience),
        "good": point(a.good),
        "harder": point(a.harder),
        "sources": [r.text for r in a.refs],
    }


def _suggestion(s: Suggestion, audience: Audience) -> dict[str, Any]:
    return {
        "id": s.id,
        "situation": s.situation.for_(audience),
        "meaning": s.meaning.for_(audience),
        "next_step": s.next_step.for_(audience),
        "alternatives": list(s.alternatives),
        "alternative_names": [a.for_(audience) for a in s.alternative_names],
        "modality": s.modality,
        "sources": list(s.sources),
    }


def knowledge_base_dict(kb: KnowledgeBaseInfo) -> dict[str, Any]:
    """CONTRACT §3 ``knowledge_base``: the bundled data's hash, and a clinic's overlay beside it."""
    out: dict[str, Any] = {"reviewed": kb.reviewed.isoformat(), "sha256": kb.sha256}
    if kb.overlay is not None:
        out["overlay"] = {"sha256": kb.overlay[0], "files": list(kb.overlay[1])}
    if kb.synthetic:
        # Present only when true, so a clinical result can never carry it (issue 21).
        out["synthetic"] = True
    return out


def result_to_dict(result: Result, audience: Audience = "clinician") -> dict[str, Any]:
    """The contract's JSON object for one result."""
    crisis = result.crisis
    return {
        "schema_version": result.schema_version,
        "ketadecide_version": result.ketadecide_version,
        "knowledge_base": knowledge_base_dict(result.knowledge_base),
        "profile_id": result.profile_id,
        "audience": audience,
        "crisis": {
            "triggered": crisis.triggered,
            "reasons": list(crisis.reasons),
            "message": crisis.message.for_(audience) if crisis.message else "",
            "sources": list(crisis.sources),
        },
        "modalities": [_modality(m, audience) for m in result.modalities],
        "missing": [m.field for m in result.missing],
        "missing_ask": {m.field: m.ask.for_(audience) for m in result.missing},
        "conflicts": [
            {
                "id": c.id,
                "fields": list(c.fields),
                "message": c.message.for_(audience),
                "sources": list(c.sources),
                "reads_as": dict(c.reads_as),
                "effect": c.effect,
                "headline": c.headline.for_(audience) if c.headline else None,
            }
            for c in result.conflicts
        ],
        "stale": [
            {
                "field": s.field,
                "value": list(s.value) if isinstance(s.value, tuple) else s.value,
                "date": s.date.isoformat(),
                "window_days": s.window_days,
                "source": s.source,
                "record": s.record,
            }
            for s in result.stale
        ],
        "troubleshooting": [_suggestion(s, audience) for s in result.troubleshooting],
        "disclaimer": result.disclaimer.for_(audience),
        "fit": _fit(result.fit, audience) if result.fit else None,
        "sure": _sure(result.sure, audience) if result.sure else None,
        "plan": _plan(result.plan) if result.plan else None,
        **(_decision(result.decision, audience) if result.decision else {}),
    }


def compact_dict(result: Result) -> dict[str, Any]:
    """One profile in a few hundred bytes, for researchers: the contract's top-level keys
    with each modality as the batch row has it (status, indication, finding ids, coverage)
    plus the cost ranges. Not the §3 result: no messages, sources, details or evidence."""
    out: dict[str, Any] = {
        "schema_version": result.schema_version,
        "compact": True,
        "ketadecide_version": result.ketadecide_version,
        "knowledge_base": knowledge_base_dict(result.knowledge_base),
        "profile_id": result.profile_id,
        "crisis": result.crisis.triggered,
        "missing": [m.field for m in result.missing],
        "modalities": {},
    }
    for m in result.modalities:
        oop = m.cost.out_of_pocket
        out["modalities"][m.id] = {
            "status": m.status,
            "indication": m.indication.status,
            "findings": [f.id for f in m.findings],
            "likely_covered": m.coverage.likely_covered,
            "cost_per_session_usd": list(m.cost.per_session),
            "out_of_pocket_per_session_usd": list(oop.per_session) if oop is not None else None,
        }
    return out


def render_json(result: Result, audience: Audience = "clinician", *, compact: bool = False) -> str:
    if compact:
        return json.dumps(compact_dict(result), ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(result_to_dict(result, audience), indent=2, ensure_ascii=False) + "\n"


def log_to_dict(log: CourseSummary, audience: Audience) -> dict[str, Any]:
    return {
        "modality": log.modality,
        "sessions_logged": len(log.sessions),
        "sessions_full_dose": log.sessions_full_dose,
        "window": log.window,
        "window_estimate": log.window_estimate,
        "baseline_phq9": log.baseline_phq9,
        "latest_phq9": log.latest_phq9,
        "best_phq9": log.best_phq9,
        "change": None if log.change is None else round(log.change, 4),
        "best_change": None if log.best_change is None else round(log.best_change, 4),
        "response": log.response,
        "remission": log.remission,
        "dissociation": log.dissociation,
        "highest_bp": bp_text(log.highest_bp),
        "sessions": [
            {
                "date": s.date.isoformat(),
                "dose": s.dose,
                "phq9_total": s.phq9_total,
                "dissociation": s.dissociation,
                "bp": bp_text(s.bp),
                "full_dose": full,
            }
            for s, full in zip(log.sessions, log.full_dose, strict=True)
        ],
        "notes": [n.for_(audience) for n in log.notes],
        "definitions": log.definitions.for_(audience),
        "sources": [r.text for r in log.definition_refs],
    }


def report_to_dict(report: TroubleshootReport, audience: Audience = "clinician") -> dict[str, Any]:
    """The JSON object of ``troubleshoot``; ``troubleshooting`` items as in CONTRACT §3."""
    c = report.course
    out: dict[str, Any] = {
        "schema_version": report.schema_version,
        "ketadecide_version": report.ketadecide_version,
        "knowledge_base": knowledge_base_dict(report.knowledge_base),
        "profile_id": report.profile_id,
        "audience": audience,
        "crisis": {
            "triggered": report.crisis.triggered,
            "reasons": list(report.crisis.reasons),
            "message": report.crisis.message.for_(audience) if report.crisis.message else "",
            "sources": list(report.crisis.sources),
        },
        "course": {
            "modality": c.modality,
            "sessions": c.sessions,
            "response": c.response,
            "dissociation": c.dissociation,
            "financial_stress": c.financial_stress,
            "window": {
                "sessions": c.window,
                "note": c.window_note.for_(audience),
                "sources": [r.text for r in c.window_refs],
            },
            "log": log_to_dict(report.log, audience) if report.log else None,
        },
        "troubleshooting": [_suggestion(s, audience) for s in report.suggestions],
    }
    if report.comparison is not None:
        out["modalities"] = result_to_dict(report.comparison, audience)["modalities"]
    out["disclaimer"] = report.disclaimer.for_(audience)
    return out


def render_report_json(report: TroubleshootReport, audience: Audience = "clinician") -> str:
    return json.dumps(report_to_dict(report, audience), indent=2, ensure_ascii=False) + "\n"


def knowledge_to_dict(kb: KnowledgeBase, modality_id: str | None) -> dict[str, Any]:
    ids = [modality_id] if modality_id else list(kb.modalities)
    out: dict[str, Any] = {
        "knowledge_base": knowledge_base_dict(
            KnowledgeBaseInfo(kb.reviewed, kb.sha256, str(kb.data_dir), kb.overlay_summary, kb.synthetic)
        ),
        "modalities": [],
    }
    for ident in ids:
        record = kb.modalities[ident].model_dump(mode="json")
        record["id"] = ident
        out["modalities"].append(_expand_sources(record, kb))
    return out


def _expand_sources(value: Any, kb: KnowledgeBase) -> Any:
    if isinstance(value, dict):
        return {k: ([kb.cite(s) for s in v] if k == "sources" else _expand_sources(v, kb)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_sources(v, kb) for v in value]
    return value


def render_knowledge_json(kb: KnowledgeBase, modality_id: str | None) -> str:
    return json.dumps(knowledge_to_dict(kb, modality_id), indent=2, ensure_ascii=False) + "\n"


class JsonRenderer:
    """The ``json`` format (see :class:`ketadecide.render.interface.Renderer`)."""

    def comparison(
        self,
        result: Result,
        audience: Audience,
        *,
        color: bool = False,
        width: int = 120,
        detail: bool = True,
        screen: int | None = None,
    ) -> str:
        return render_json(result, audience)

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return render_report_json(report, audience)

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return render_knowledge_json(kb, modality_id)


def render_ids_json(listing: dict[str, Any]) -> str:
    """``ketadecide ids --format json``: the listing as it is."""
    return json.dumps(listing, indent=2, ensure_ascii=False) + "\n"
