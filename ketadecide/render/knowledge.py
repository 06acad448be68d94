"""Describing the knowledge base itself (``ketadecide modalities``)."""

from __future__ import annotations

from ketadecide.engine.result import Audience
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.render.labels import DETAIL_LABEL, SourceIndex, count_range, money
from ketadecide.render.markdown import md_escape as e

PAYER_LABEL = {
    "commercial": "Commercial",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
    "va_tricare": "VA / TRICARE",
    "uninsured": "Uninsured",
}


def describe_modalities(
    kb: KnowledgeBase,
    modality_id: str | None,
    audience: Audience,
    *,
    markdown: bool,
    color: bool = False,
    width: int = 120,
) -> str:
    if not markdown:
        from ketadecide.render.rich_knowledge import render_modalities

        return render_modalities(kb, modality_id, audience, color=color, width=width)
    if modality_id is None:
        return _list_markdown(kb, audience)
    return _one_markdown(kb, modality_id, audience)


def _list_markdown(kb: KnowledgeBase, audience: Audience) -> str:
    lines = [
        "# Modalities",
        "",
        "| id | name | drug | route | setting | cost / session |",
        "|---|---|---|---|---|---|",
    ]
    for ident, m in kb.modalities.items():
        c = m.cost_per_session_usd
        lines.append(
            f"| `{ident}` | {e(m.name)} | {e(m.drug)} | {e(m.route)} | {e(m.setting)} | "
            f"{e(money(c.low, c.high))}{' (est.)' if c.estimate else ''} |"
        )
    lines += [
        "",
        f"Knowledge base reviewed {kb.reviewed.isoformat()}; `ketadecide modalities ID` shows one in full.",
        "",
    ]
    return "\n".join(lines)


def _one_markdown(kb: KnowledgeBase, ident: str, audience: Audience) -> str:
    m = kb.modalities[ident]
    index = SourceIndex()
    lines = [f"# {e(m.name)} (`{ident}`)", ""]
    for key in type(m.details).model_fields:
        item = getattr(m.details, key)
        text = item.patient if audience == "patient" else item.clinician
        lines.append(f"- **{DETAIL_LABEL[audience][key]}**: {e(text)} {index.refs(kb.refs(item.sources))}")
    s = m.induction_sessions
    c = m.cost_per_session_usd
    lines += [
        f"- **Induction sessions**: {count_range(s.low, s.high)}{' (estimate)' if s.estimate else ''} "
        f"{index.refs(kb.refs(s.sources))}",
        f"- **Cost per session**: {e(money(c.low, c.high))} as of {c.as_of.isoformat()}"
        f"{' (estimate)' if c.estimate else ''}. {e(c.note or '')} {index.refs(kb.refs(c.sources))}",
        "",
        "## Coverage by payer",
        "",
        "| payer | likely covered | prior authorisation | note |",
        "|---|---|---|---|",
    ]
    for payer, label in PAYER_LABEL.items():
        cov = getattr(m.coverage, payer)
        likely = {True: "yes", False: "no", None: "uncertain"}[cov.likely_covered]
        note = cov.patient if audience == "patient" else cov.clinician
        lines.append(
            f"| {label} | {likely} | {'yes' if cov.prior_authorization else 'no'} | "
            f"{e(note)} {index.refs(kb.refs(cov.sources))} |"
        )
    lines += ["", "## Sources", ""]
    lines += [f"{n}. {e(citation)}" for n, citation in index.items()]
    lines += ["", f"Reviewed {kb.reviewed.isoformat()} (oldest record in the knowledge base).", ""]
    return "\n".join(lines)
