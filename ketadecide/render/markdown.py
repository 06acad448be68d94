"""The comparison as Markdown: for notes, tickets and pasting into a record."""

from __future__ import annotations

from ketadecide.engine.result import Audience, Result
from ketadecide.render.labels import (
    DETAIL_LABEL,
    SEVERITY_WORD,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    coverage_text,
    money,
    status_text,
)


def md_escape(text: str) -> str:
    """Escape text from input or data so it cannot become markup, links or HTML."""
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()#+-.!|<>&":
            out.append(f"&#{ord(ch)};" if ch in "<>&" else "\\" + ch)
        elif ch == "\n":
            out.append("<br>")
        else:
            out.append(ch)
    return "".join(out)


def render_markdown(result: Result, audience: Audience = "clinician") -> str:
    e = md_escape
    index = SourceIndex()
    lines: list[str] = []
    if result.crisis.triggered and result.crisis.message is not None:
        lines += [
            "> **⚠ " + ("Your safety comes first" if audience == "patient" else "CRISIS: safety first") + "**",
            ">",
            "> " + e(result.crisis.message.for_(audience)),
            "",
        ]
    title = TITLE[audience]
    if result.profile_id:
        title += f" — {e(result.profile_id)}"
    lines += [f"# {title}", ""]
    header = "| | " + " | ".join(e(m.short_name) for m in result.modalities) + " |"
    lines += [header, "|---" * (len(result.modalities) + 1) + "|"]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| **{label}** | " + " | ".join(cells) + " |")

    row(
        "Status" if audience == "clinician" else "Safety check",
        [e(status_text(m.status, audience)) for m in result.modalities],
    )
    row(
        "Key findings" if audience == "clinician" else "What to discuss",
        [
            "<br>".join(e(f.name.for_(audience)) for f in m.findings if f.severity != "info") or "none"
            for m in result.modalities
        ],
    )
    for key in TABLE_DETAILS:
        row(DETAIL_LABEL[audience][key], [e(m.detail(key).text.for_(audience)) for m in result.modalities])
    row(
        "Coverage" if audience == "clinician" else "Your insurance",
        [
            e(coverage_text(m.coverage, audience)) + "<br>" + e(m.coverage.note.for_(audience))
            for m in result.modalities
        ],
    )
    row(
        "Cost / session" if audience == "clinician" else "Price per visit",
        [e(money(*m.cost.per_session)) + (" (est.)" if m.cost.estimate else "") for m in result.modalities],
    )
    row("Induction course", [e(money(*m.cost.induction_course)) for m in result.modalities])
    if any(m.cost.budget_note for m in result.modalities):
        row("Budget", [e(m.cost.budget_note.for_(audience)) if m.cost.budget_note else "" for m in result.modalities])
    lines.append("")

    lines += ["## " + ("Findings" if audience == "clinician" else "What we noticed"), ""]
    for m in result.modalities:
        lines.append(f"### {e(m.short_name)}: {e(status_text(m.status, audience))}")
        lines.append("")
        if not m.findings:
            lines.append("- " + ("no findings" if audience == "clinician" else "nothing to flag"))
        for f in m.findings:
            refs = f" {index.refs(f.refs)} `{f.id}`" if audience == "clinician" else ""
            lines.append(
                f"- **{e(SEVERITY_WORD[audience][f.severity])}**: **{e(f.name.for_(audience))}**: "
                f"{e(f.message.for_(audience))}{refs}"
            )
        lines.append("")
    if result.troubleshooting:
        lines += ["## " + ("Troubleshooting" if audience == "clinician" else "For the course under way"), ""]
        for s in result.troubleshooting:
            refs = f" {index.refs(s.sources)}" if audience == "clinician" else ""
            lines += [
                f"- **{e(s.situation.for_(audience))}**",
                f"  - What it may mean: {e(s.meaning.for_(audience))}",
                f"  - Next step to discuss: {e(s.next_step.for_(audience))}{refs}",
            ]
        lines.append("")
    if audience == "clinician" and index.items():
        lines += ["## Sources", ""]
        lines += [f"{n}. {e(c)}" for n, c in index.items()]
        lines.append("")
    kb = result.knowledge_base
    lines += [
        "---",
        "",
        f"*{e(result.disclaimer.for_(audience))}*",
        "",
        f"Knowledge base reviewed {kb.reviewed.isoformat()} · sha256 `{kb.sha256[:12]}` · "
        f"ketadecide {result.ketadecide_version}",
        "",
    ]
    return "\n".join(lines)
