"""The JSON result of CONTRACT §3. Keys may be added; none may change."""

from __future__ import annotations

import json
from typing import Any

from ketadecide.engine.result import Audience, Finding, ModalityResult, Result, Suggestion


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
        "details": {d.key: {"text": d.text.for_(audience), "sources": list(d.sources)} for d in m.details},
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


def result_to_dict(result: Result, audience: Audience = "clinician") -> dict[str, Any]:
    """The contract's JSON object for one result."""
    crisis = result.crisis
    return {
        "schema_version": result.schema_version,
        "ketadecide_version": result.ketadecide_version,
        "knowledge_base": {
            "reviewed": result.knowledge_base.reviewed.isoformat(),
            "sha256": result.knowledge_base.sha256,
        },
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
        "troubleshooting": [_suggestion(s, audience) for s in result.troubleshooting],
        "disclaimer": result.disclaimer.for_(audience),
    }


def render_json(result: Result, audience: Audience = "clinician") -> str:
    return json.dumps(result_to_dict(result, audience), indent=2, ensure_ascii=False) + "\n"
