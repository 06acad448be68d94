"""The terminal: the comparison table, the course report and the knowledge-base listing.

Its parts live beside it: ``terminal_course.py`` (the course report's text),
``terminal_decision.py`` (decision support) and ``terminal_batch.py`` (batch progress and
summary). These ``render/terminal*.py`` modules, with the CLI console, are the only ones
that import Rich."""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketadecide.citations import Ref
from ketadecide.engine.result import Audience, ModalityResult, Result
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.render.labels import (
    DETAIL_LABEL,
    INDICATION_ROW,
    LIST_PRICE_ROW,
    OOP_COURSE_ROW,
    OOP_ROW,
    OOP_SHORT,
    PAYER_LABEL,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    count_range,
    coverage_text,
    group_findings,
    incomplete_line,
    money,
    oop_assumptions,
    oop_course_text,
    oop_text,
    short_name,
    stamp,
    status_text,
)
from ketadecide.render.terminal_course import course_report_text
from ketadecide.render.terminal_decision import decision_section

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport

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
        row(
            DETAIL_LABEL[audience][key],
            [_cited(m.detail(key).text.for_(audience), m.detail(key).refs, audience, index) for m in result.modalities],
        )
    row(
        "Coverage (this payer)" if audience == "clinician" else "Your insurance",
        [f"{coverage_text(m.coverage, audience)}\n{m.coverage.note.for_(audience)}" for m in result.modalities],
    )
    row(
        OOP_ROW[audience],
        [f"{oop_text(m.cost, audience)}\n{oop_assumptions(m.cost, audience)}" for m in result.modalities],
    )
    row(OOP_COURSE_ROW[audience], [oop_course_text(m.cost) for m in result.modalities])
    row(
        LIST_PRICE_ROW[audience],
        [
            f"{money(*m.cost.per_session)}" + (" (est.)" if m.cost.estimate else "") + f"\nas of {m.cost.as_of:%b %Y}"
            for m in result.modalities
        ],
    )
    if any(m.cost.budget_note for m in result.modalities):
        row(
            "Budget",
            [m.cost.budget_note.for_(audience) if m.cost.budget_note else "" for m in result.modalities],
        )
    return table


def _cited(text: str, refs: tuple[Ref, ...], audience: Audience, index: SourceIndex) -> str:
    """A cell's text with its numbered sources (clinician view); the list comes at the end."""
    return f"{text} {index.refs(refs)}" if audience == "clinician" and refs else text


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


def headline_findings(result: Result, audience: Audience) -> list[Text]:
    """Findings the data marks for the top of every view (suicidal thoughts), each once."""
    out: list[Text] = []
    seen: set[str] = set()
    for m in result.modalities:
        for f in m.findings:
            if f.headline and f.id not in seen:
                seen.add(f.id)
                line = Text("⚠ ", style="bold yellow")
                line.append(f.name.for_(audience), style="bold yellow")
                line.append(f": {(f.rationale or f.message).for_(audience)}")
                out.append(line)
    return out


def _preamble(console: Console, result: Result, audience: Audience) -> Panel | None:
    """What comes before any comparison: the crisis panel, headline findings, the unfinished screen."""
    panel = crisis_panel(result, audience)
    if panel is not None:
        console.print(panel)
    for line in headline_findings(result, audience):
        console.print(line)
    unfinished = incomplete_line(result, audience)
    if unfinished:
        console.print(Text(unfinished, style="bold magenta"))
    return panel


#: Below this width the summary stacks one modality per block, so no word is broken.
STACK_BELOW = 100


def render_summary(result: Result, audience: Audience, *, color: bool = False, width: int = 120) -> str:
    """The answer first: per modality the status, indication, key findings, coverage, cost and
    schedule, in one screen. The full comparison is ``--detail``."""
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    panel = _preamble(console, result, audience)
    title = TITLE[audience] + (f" — {result.profile_id}" if result.profile_id else "")
    if width >= STACK_BELOW:
        console.print(_summary_table(result, audience, title))
    else:
        console.print(Text(title, style="bold"))
        for m in result.modalities:
            console.print()
            for line in _summary_block(m, audience, width):
                console.print(line)
        console.print()
    if result.troubleshooting:
        console.print(
            Text("For the course under way" if audience == "patient" else "Troubleshooting", style="bold underline")
        )
        for s in result.troubleshooting:
            said = f"{s.situation.for_(audience)} Next step to discuss: {s.next_step.for_(audience)}"
            for i, part in enumerate(textwrap.wrap(said, width - 2, initial_indent="• ", subsequent_indent="  ")):
                console.print(Text(part, style="bold" if i == 0 else ""))
    more = (
        "Full comparison, every finding with its sources: add --detail."
        if audience == "clinician"
        else "For all the details and where they come from, add --detail."
    )
    console.print(Text(more, style="dim"))
    console.print(Text(result.disclaimer.for_(audience), style="italic"))
    console.print(Text(stamp(result.knowledge_base, result.ketadecide_version), style="dim"))
    if panel is not None and result.crisis.message is not None:
        console.print(Text(CRISIS_REMINDER[audience], style="bold red"))
    return buffer.getvalue()


CRISIS_REMINDER = {
    "clinician": "Crisis pathway first: 988 (call or text) or 911 / the nearest emergency department.",
    "patient": "Please reach out now: call or text 988, or call 911 or go to the nearest emergency room.",
}


def _key_findings(m: ModalityResult, audience: Audience) -> str:
    names = [short_name(f.name.for_(audience)) for f in m.findings if f.severity != "info"]
    if names:
        return "; ".join(names)
    return "none" if audience == "clinician" else "nothing found"


def _summary_table(result: Result, audience: Audience, title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=True, title_justify="left")
    table.add_column("", style="bold", width=16, no_wrap=True)
    for m in result.modalities:
        table.add_column(m.short_name, ratio=2)
    ms = result.modalities
    table.add_row(
        STATUS_ROW[audience], *[Text(status_text(m.status, audience), style=STATUS_STYLE[m.status]) for m in ms]
    )
    table.add_row(INDICATION_ROW[audience], *[m.indication.label.for_(audience) for m in ms])
    table.add_row(
        "Key findings" if audience == "clinician" else "What to discuss",
        *[Text(_key_findings(m, audience), style="" if m.findings else "dim") for m in ms],
        end_section=True,
    )
    table.add_row(
        "Coverage" if audience == "clinician" else "Your insurance", *[coverage_text(m.coverage, audience) for m in ms]
    )
    pay, month, before = OOP_SHORT[audience]
    table.add_row(pay, *[oop_text(m.cost, audience) for m in ms])
    table.add_row(month, *[oop_course_text(m.cost) for m in ms])
    table.add_row(
        before,
        *[money(*m.cost.per_session) + (" (est.)" if m.cost.estimate else "") for m in ms],
        end_section=True,
    )
    table.add_row("Visits", *[m.glance.visits.for_(audience) if m.glance else "" for m in ms])
    table.add_row(
        "Time per visit" if audience == "clinician" else "Each visit",
        *[m.glance.time_per_visit.for_(audience) if m.glance else "" for m in ms],
    )
    return table


def _summary_block(m: ModalityResult, audience: Audience, width: int) -> list[Text]:
    """One modality as a few wrapped lines, for narrow terminals."""
    head = Text(m.short_name, style="bold")
    head.append("  ")
    head.append(status_text(m.status, audience), style=STATUS_STYLE[m.status])
    head.append(f" · {m.indication.label.for_(audience)}")
    lines = [head]
    cost = oop_text(m.cost, audience)
    course = oop_course_text(m.cost)
    before = money(*m.cost.per_session)
    rows = [
        ("Key findings" if audience == "clinician" else "To discuss", _key_findings(m, audience)),
        ("Coverage" if audience == "clinician" else "Insurance", coverage_text(m.coverage, audience)),
        ("You might pay (estimate)", f"{cost} a visit; first course {course}; {before} before insurance"),
        (
            "Schedule",
            m.glance.visits.for_(audience) + "; " + m.glance.time_per_visit.for_(audience) if m.glance else "",
        ),
    ]
    for label, text in rows:
        wrapped = textwrap.wrap(f"{label}: {text}", width - 2, initial_indent="  ", subsequent_indent="      ")
        lines += [Text(line) for line in wrapped]
    return lines


def render_table(
    result: Result, audience: Audience, *, color: bool = False, width: int = 120, detail: bool = True
) -> str:
    """The comparison as terminal text; ANSI colour only when ``color``. ``detail=False`` is the
    one-screen summary."""
    if not detail:
        return render_summary(result, audience, color=color, width=width)
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    index = SourceIndex()
    panel = _preamble(console, result, audience)
    console.print(comparison_table(result, audience, index))
    parts: list[Text] = []
    parts += findings_section(result, audience, index)
    parts += troubleshooting_section(result, audience, index)
    parts += cost_notes(result, audience, index)
    parts += decision_section(result, audience, index)
    parts += footer(result, audience, index)
    for part in parts:
        console.print(part)
    if panel is not None:
        # A long comparison scrolls the crisis panel away; repeat the essentials last.
        console.print(panel)
    return buffer.getvalue()


def render_report_text(report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100) -> str:
    """Plain text for a terminal (the ``table`` format of ``troubleshoot``)."""
    width = max(60, min(width, 120))
    comparison = None
    if report.comparison is not None:
        comparison = render_summary(report.comparison, audience, color=color, width=width).rstrip("\n")
    return course_report_text(report, audience, comparison, width=width)


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


class TerminalRenderer:
    """The ``table`` format (see :class:`ketadecide.render.interface.Renderer`)."""

    def comparison(
        self, result: Result, audience: Audience, *, color: bool = False, width: int = 120, detail: bool = True
    ) -> str:
        return render_table(result, audience, color=color, width=width, detail=detail)

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100
    ) -> str:
        return render_report_text(report, audience, color=color, width=width)

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return render_modalities(kb, modality_id, audience, color=color, width=width)


def render_ids_text(listing: dict[str, Any], *, color: bool = False, width: int = 120) -> str:
    """``ketadecide ids``: one table per section (ids, plain and brand names; fields; values)."""
    from ketadecide.render.markdown import ids_values_text

    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    for section, entries in listing.items():
        table = Table(title=section, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        if section in ("conditions", "medications"):
            for heading in ("id", "plain name", "brand names"):
                table.add_column(heading, overflow="fold")
            for e in entries:
                table.add_row(Text(e["id"], style="bold"), e["plain_name"], ", ".join(e["brands"]))
        elif section == "fields":
            for heading in ("field", "type", "values"):
                table.add_column(heading, overflow="fold")
            for e in entries:
                table.add_row(Text(e["field"], style="bold"), e["type"], ids_values_text(e))
        elif section == "values":
            table.add_column("field")
            table.add_column("values", overflow="fold")
            for name, values in entries.items():
                table.add_row(Text(name, style="bold"), ", ".join(values))
        else:
            table.add_column("value")
            for value in entries:
                table.add_row(value)
        console.print(table)
        console.print()
    return buffer.getvalue()
