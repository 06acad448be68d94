"""The terminal comparison: the only module (with the CLI console) that imports Rich."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketadecide.engine.result import Audience, Result
from ketadecide.render.labels import (
    DETAIL_LABEL,
    INDICATION_ROW,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    coverage_text,
    group_findings,
    incomplete_line,
    money,
    stamp,
    status_text,
)

STATUS_STYLE = {
    "no_flags": "bold green",
    "caution": "bold yellow",
    "incomplete": "bold magenta",
    "contraindicated": "bold red",
}
SEVERITY_STYLE = {"absolute": "bold red", "relative": "yellow", "info": "cyan"}


def crisis_panel(result: Result, audience: Audience) -> Panel | None:
    """The 988 panel, shown before anything else when the crisis screen is triggered."""
    if not result.crisis.triggered or result.crisis.message is None:
        return None
    title = "URGENT: your safety comes first" if audience == "patient" else "CRISIS: safety first"
    return Panel(
        Text(result.crisis.message.for_(audience)),
        title=title,
        border_style="bold red",
        box=box.HEAVY,
    )


def comparison_table(result: Result, audience: Audience, index: SourceIndex) -> Table:
    table = Table(
        title=TITLE[audience],
        box=box.SIMPLE_HEAVY,
        show_lines=True,
        expand=True,
        title_justify="left",
    )
    table.add_column("", style="bold", ratio=1, overflow="fold")
    for m in result.modalities:
        table.add_column(m.short_name, ratio=2, overflow="fold")

    def row(label: str, cells: list[Text | str]) -> None:
        table.add_row(label, *cells)

    row(
        STATUS_ROW[audience],
        [Text(status_text(m.status, audience), style=STATUS_STYLE[m.status]) for m in result.modalities],
    )
    # Beside the status, never folded into it (CONTRACT §3).
    row(INDICATION_ROW[audience], [m.indication.label.for_(audience) for m in result.modalities])
    key_label = "Key findings" if audience == "clinician" else "What to discuss"
    cells: list[Text | str] = []
    for m in result.modalities:
        lines = Text()
        for f in m.findings:
            if f.severity == "info":
                continue
            if lines:
                lines.append("\n")
            lines.append(f"• {f.name.for_(audience)}", style=SEVERITY_STYLE[f.severity])
        cells.append(lines if lines else Text("none" if audience == "clinician" else "nothing found", style="dim"))
    row(key_label, cells)
    for key in TABLE_DETAILS:
        row(DETAIL_LABEL[audience][key], [m.detail(key).text.for_(audience) for m in result.modalities])
    row(
        "Coverage (this payer)" if audience == "clinician" else "Your insurance",
        [f"{coverage_text(m.coverage, audience)}\n{m.coverage.note.for_(audience)}" for m in result.modalities],
    )
    row(
        "Cost / session" if audience == "clinician" else "Price per visit",
        [
            f"{money(*m.cost.per_session)}" + (" (est.)" if m.cost.estimate else "") + f"\nas of {m.cost.as_of:%b %Y}"
            for m in result.modalities
        ],
    )
    row(
        "Induction course" if audience == "clinician" else "First course (total)",
        [money(*m.cost.induction_course) for m in result.modalities],
    )
    if any(m.cost.budget_note for m in result.modalities):
        row(
            "Budget",
            [m.cost.budget_note.for_(audience) if m.cost.budget_note else "" for m in result.modalities],
        )
    if audience == "clinician":
        row("Sources", [index.refs(tuple(r for d in m.details for r in d.refs)) for m in result.modalities])
    return table


def findings_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    out: list[Text] = []
    if result.missing:
        out.append(Text("Still to ask" if audience == "clinician" else "Still to go over", style="bold underline"))
        out += [Text(f"• {m.ask.for_(audience)}") for m in result.missing]
    out.append(Text("Findings" if audience == "clinician" else "What we noticed", style="bold underline"))
    groups = group_findings(result)
    if not groups:
        out.append(Text("  none" if audience == "clinician" else "  nothing to flag", style="dim"))
    for g in groups:
        line = Text("• ")
        line.append(f"{g.name.for_(audience)}", style="bold")
        if audience == "clinician":
            line.append(f"  ({g.id})", style="dim")
        line.append("\n  ")
        for i, (modality, severity) in enumerate(g.severities):
            if i:
                line.append(" · ")
            line.append(f"{modality}: ")
            line.append(SEVERITY_WORD[audience][severity], style=SEVERITY_STYLE[severity])
        line.append(f"\n  {g.rationale.for_(audience)}")
        for names, note in g.notes:
            text = note.for_(audience)
            if text:
                line.append(f"\n  {', '.join(names)}: ", style="italic")
                line.append(text)
        if audience == "clinician":
            line.append(f" {index.refs(g.refs)}", style="dim")
        out.append(line)
    return out


def troubleshooting_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    if not result.troubleshooting:
        return []
    out = [Text("For the course under way" if audience == "patient" else "Troubleshooting", style="bold underline")]
    for s in result.troubleshooting:
        line = Text("• ")
        line.append(s.situation.for_(audience), style="bold")
        line.append(f"\n  What it may mean: {s.meaning.for_(audience)}")
        line.append(f"\n  Next step to discuss: {s.next_step.for_(audience)}")
        if audience == "clinician":
            line.append(f" {index.refs(s.sources)}", style="dim")
        out.append(line)
    return out


def cost_notes(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """What each price covers and how it was estimated (clinician view)."""
    if audience != "clinician" or not any(m.cost.note for m in result.modalities):
        return []
    out = [Text("Costs", style="bold underline")]
    for m in result.modalities:
        if m.cost.note:
            line = Text(f"• {m.short_name}: ", style="bold")
            line.append(m.cost.note)
            line.append(f" {index.refs(m.cost.refs)}", style="dim")
            out.append(line)
    return out


def footer(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    out: list[Text] = []
    if audience == "clinician" and index.items():
        out.append(Text("Sources", style="bold underline"))
        for n, citation in index.items():
            out.append(Text(f"[{n}] {citation}", style="dim"))
    out.append(Text(result.disclaimer.for_(audience), style="italic"))
    out.append(Text(stamp(result.knowledge_base, result.ketadecide_version), style="dim"))
    return out


def text_console(buffer: io.StringIO, *, color: bool, width: int) -> Console:
    """A console that renders into ``buffer``: ANSI colour only when asked, and nothing in
    the text (markup, emoji codes, highlighting) ever interpreted."""
    return Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )


def render_table(result: Result, audience: Audience, *, color: bool = False, width: int = 120) -> str:
    """The full comparison as terminal text; ANSI colour only when ``color``."""
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    index = SourceIndex()
    panel = crisis_panel(result, audience)
    if panel is not None:
        console.print(panel)
    unfinished = incomplete_line(result, audience)
    if unfinished:
        console.print(Text(unfinished, style="bold magenta"))
    console.print(comparison_table(result, audience, index))
    parts: list[Text] = []
    parts += findings_section(result, audience, index)
    parts += troubleshooting_section(result, audience, index)
    parts += cost_notes(result, audience, index)
    parts += footer(result, audience, index)
    for part in parts:
        console.print(part)
    if panel is not None:
        # A long comparison scrolls the crisis panel away; repeat the essentials last.
        console.print(panel)
    return buffer.getvalue()
