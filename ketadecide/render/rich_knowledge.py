"""Rich rendering of the knowledge base for ``ketadecide modalities``."""

from __future__ import annotations

import io

from rich import box
from rich.table import Table
from rich.text import Text

from ketadecide.engine.result import Audience
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.render.knowledge import PAYER_LABEL
from ketadecide.render.labels import DETAIL_LABEL, SourceIndex, count_range, money
from ketadecide.render.rich_table import text_console


def render_modalities(
    kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool, width: int
) -> str:
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    if modality_id is None:
        table = Table(title="Modalities", box=box.SIMPLE_HEAVY, title_justify="left", expand=True)
        for col in ("id", "name", "drug", "route", "setting", "FDA status", "cost / session"):
            table.add_column(col, overflow="fold")
        for ident, m in kb.modalities.items():
            c = m.cost_per_session_usd
            fda = m.details.fda_status.patient if audience == "patient" else m.details.fda_status.clinician
            table.add_row(
                ident,
                m.name,
                m.drug,
                m.route,
                m.setting,
                fda,
                money(c.low, c.high) + (" (est.)" if c.estimate else ""),
            )
        console.print(table)
        console.print(
            Text(
                f"Knowledge base reviewed {kb.reviewed.isoformat()}. `ketadecide modalities ID` shows one in full.",
                style="dim",
            )
        )
        return buffer.getvalue()

    m = kb.modalities[modality_id]
    index = SourceIndex()
    table = Table(
        title=f"{m.name} ({modality_id})", box=box.SIMPLE_HEAVY, show_lines=True, title_justify="left", expand=True
    )
    table.add_column("", style="bold", ratio=1)
    table.add_column("", ratio=4, overflow="fold")
    for key in type(m.details).model_fields:
        item = getattr(m.details, key)
        text = item.patient if audience == "patient" else item.clinician
        table.add_row(DETAIL_LABEL[audience][key], f"{text} {index.refs(kb.refs(item.sources))}")
    s = m.induction_sessions
    c = m.cost_per_session_usd
    table.add_row(
        "Induction sessions",
        f"{count_range(s.low, s.high)}{' (estimate)' if s.estimate else ''} {index.refs(kb.refs(s.sources))}",
    )
    table.add_row(
        "Cost per session",
        f"{money(c.low, c.high)} as of {c.as_of.isoformat()}{' (estimate)' if c.estimate else ''}. "
        f"{c.note or ''} {index.refs(kb.refs(c.sources))}",
    )
    for payer, label in PAYER_LABEL.items():
        cov = getattr(m.coverage, payer)
        likely = {True: "likely covered", False: "unlikely covered", None: "uncertain"}[cov.likely_covered]
        note = cov.patient if audience == "patient" else cov.clinician
        pa = "; prior authorisation" if cov.prior_authorization else ""
        table.add_row(f"Coverage: {label}", f"{likely}{pa}. {note} {index.refs(kb.refs(cov.sources))}")
    console.print(table)
    console.print(Text("Sources", style="bold underline"))
    for n, citation in index.items():
        console.print(Text(f"[{n}] {citation}", style="dim"))
    console.print(Text(f"Knowledge base reviewed {kb.reviewed.isoformat()} (oldest record).", style="dim"))
    return buffer.getvalue()
