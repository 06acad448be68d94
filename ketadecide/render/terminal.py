"""The terminal: the comparison table, the course report and the knowledge-base listing.

Its parts live beside it: ``terminal_course.py`` (the course report's text),
``terminal_decision.py`` (decision support) and ``terminal_batch.py`` (batch progress and
summary). These ``render/terminal*.py`` modules, with the CLI console, are the only ones
that import Rich."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketadecide.citations import Ref
from ketadecide.engine.result import Audience, Finding, ModalityResult, Result
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.lang import Registers, month_year, tr, trf
from ketadecide.render.labels import (
    DETAIL_LABEL,
    INDICATION_ROW,
    LIST_PRICE_ROW,
    OOP_COURSE_ROW,
    OOP_ROW,
    OOP_SHORT,
    PAYER_LABEL,
    SEE_ABOVE,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    checked,
    conflict_texts,
    count_range,
    coverage_text,
    findable,
    finding_name,
    group_findings,
    incomplete_line,
    index_for,
    key_finding_names,
    modality_status_text,
    money,
    nothing_open_text,
    oop_assumptions,
    oop_course_text,
    oop_text,
    open_checklists,
    reviewed_span,
    stale_texts,
    stamp,
    word_of,
)
from ketadecide.render.terminal_course import course_report_text
from ketadecide.render.terminal_decision import alternatives_lines, decision_section, get_started_lines
from ketadecide.render.tidy import strip_trailing, wrap_words

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport

STATUS_STYLE = {
    "no_flags": "bold green",
    "caution": "bold yellow",
    "incomplete": "bold magenta",
    "contraindicated": "bold red",
}
SEVERITY_STYLE = {"absolute": "bold red", "relative": "yellow", "info": "cyan", "not_advised": "bold yellow"}


def crisis_panel(result: Result, audience: Audience) -> Panel | None:
    """The 988 panel, shown before anything else when the crisis screen is triggered."""
    if not result.crisis.triggered or result.crisis.message is None:
        return None
    title = tr("URGENT: your safety comes first") if audience == "patient" else "CRISIS: safety first"
    return Panel(
        Text(result.crisis.message.for_(audience)),
        title=title,
        border_style="bold red",
        box=box.HEAVY,
    )


Cell = Text | str


def comparison_rows(result: Result, audience: Audience, index: SourceIndex) -> list[tuple[str, list[Cell]]]:
    """The full comparison as (row label, one cell per modality): drawn as a table when
    every word fits the width, else one modality per block (:func:`print_comparison`)."""
    rows: list[tuple[str, list[Cell]]] = []
    rows.append(
        (
            STATUS_ROW[audience],
            [
                Text(modality_status_text(m, audience, urgent=result.crisis.triggered), style=STATUS_STYLE[m.status])
                for m in result.modalities
            ],
        )
    )
    # Beside the status, never folded into it (CONTRACT §3).
    rows.append((INDICATION_ROW[audience], [m.indication.label.for_(audience) for m in result.modalities]))
    key_label = "Key findings" if audience == "clinician" else tr("What to discuss")
    cells: list[Cell] = []
    for m in result.modalities:
        lines = Text()
        for f in m.findings:
            if f.severity == "info":
                continue
            if lines:
                lines.append("\n")
            lines.append(f"• {finding_name(f, audience)}", style=SEVERITY_STYLE[word_of(f)])
        if not lines and any(f.headline for f in m.findings):
            # Never "none" beside a headline finding (suicidal thoughts): point to it.
            lines.append(SEE_ABOVE[audience] if audience == "clinician" else tr(SEE_ABOVE[audience]), style="yellow")
        cells.append(lines if lines else Text("none" if audience == "clinician" else tr("nothing found"), style="dim"))
    rows.append((key_label, cells))
    for key in TABLE_DETAILS:
        rows.append(
            (
                DETAIL_LABEL[audience][key],
                [
                    _cited(m.detail(key).text.for_(audience), m.detail(key).refs, audience, index)
                    for m in result.modalities
                ],
            )
        )
    rows.append(
        (
            "Coverage (this payer)" if audience == "clinician" else tr("Your insurance"),
            [
                f"{coverage_text(m.coverage, audience, m.status)}\n{m.coverage.note.for_(audience)}"
                for m in result.modalities
            ],
        )
    )
    rows.append(
        (
            OOP_ROW[audience],
            [
                f"{oop_text(m.cost, audience, m.status)}\n{oop_assumptions(m.cost, audience, m.status)}"
                for m in result.modalities
            ],
        )
    )
    rows.append((OOP_COURSE_ROW[audience], [oop_course_text(m.cost, m.status, audience) for m in result.modalities]))
    if result.nothing_open is None:  # every route ruled out: a price would read as an offer (N5)
        rows.append(
            (
                LIST_PRICE_ROW[audience],
                [
                    f"{money(*m.cost.per_session)}"
                    + (tr(" (est.)") if m.cost.estimate else "")
                    + "\n"
                    + trf("as of {when}", when=month_year(m.cost.as_of))
                    for m in result.modalities
                ],
            )
        )
    if any(m.cost.budget_note for m in result.modalities):
        rows.append(
            (tr("Budget"), [m.cost.budget_note.for_(audience) if m.cost.budget_note else "" for m in result.modalities])
        )
    return rows


def comparison_table(rows: list[tuple[str, list[Cell]]], result: Result, audience: Audience) -> Table:
    table = Table(title=TITLE[audience], box=box.SIMPLE_HEAVY, show_lines=True, expand=True, title_justify="left")
    table.add_column("", style="bold")
    for m in result.modalities:
        table.add_column(m.short_name)
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` drawn at the console's width breaks no word: every word of it drawn
    that wide is a word of it drawn very wide. (Rich's minimum measurement is not enough:
    shrinking a wide table can still cut a column below its longest word.)"""

    def words(width: int) -> set[str]:
        buffer = io.StringIO()
        text_console(buffer, color=False, width=width).print(table)
        # Rules and borders grow with the width; they are not words.
        return {w for w in buffer.getvalue().split() if not all("\u2500" <= ch <= "\u259f" for ch in w)}

    return words(console.width) <= words(10_000)


#: Below this width (or when a table's words do not fit) a table becomes one block per
#: modality, so no word is broken. The wrap test renders the blocks wide by raising it.
STACK_BELOW = 100
#: The full comparison has five long columns: a table from 120 columns.
DETAIL_STACK_BELOW = 120


def print_comparison(console: Console, result: Result, audience: Audience, index: SourceIndex) -> None:
    """The full comparison: a table when it fits, else each modality as a labelled block."""
    rows = comparison_rows(result, audience, index)
    table = comparison_table(rows, result, audience)
    if console.width >= DETAIL_STACK_BELOW and fits(console, table):
        console.print(table)
        return
    console.print(Text(TITLE[audience], style="bold"))
    for i, m in enumerate(result.modalities):
        console.print()
        console.print(Text(m.name, style="bold underline"))
        for label, cells in rows:
            cell = cells[i]
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            console.print(Padding(Text(label, style="bold"), (0, 0, 0, 2)))
            console.print(Padding(text, (0, 0, 0, 4)))
    console.print()


def table_refs(result: Result) -> tuple[Ref, ...]:
    """The sources of the comparison table's rows, in row order (as the handout cites them):
    approved use, the detail rows, coverage, what you might pay, the list price, visits."""
    refs: list[Ref] = []
    ms = result.modalities
    refs += [r for m in ms for r in m.indication.refs]
    refs += [r for key in TABLE_DETAILS for m in ms for r in m.detail(key).refs]
    refs += [r for m in ms for r in m.coverage.refs]
    refs += [r for m in ms if m.cost.out_of_pocket for r in m.cost.out_of_pocket.refs]
    refs += [r for m in ms for r in m.cost.refs]
    refs += [r for m in ms if m.glance for r in m.glance.refs]
    return tuple(refs)


def _cited(text: str, refs: tuple[Ref, ...], audience: Audience, index: SourceIndex) -> str:
    """A cell's text with its numbered sources (clinician view); the list comes at the end."""
    return f"{text} {index.refs(refs)}" if audience == "clinician" and refs else text


def findings_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    out: list[Text] = []
    if result.missing:
        out.append(Text("Still to ask" if audience == "clinician" else tr("Still to go over"), style="bold underline"))
        out += [Text(f"• {m.ask.for_(audience)}") for m in result.missing]
    out.append(Text("Findings" if audience == "clinician" else tr("What we noticed"), style="bold underline"))
    groups = group_findings(result)
    if not groups:
        out.append(Text("  none" if audience == "clinician" else tr("  nothing to flag"), style="dim"))
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
        line.append(f" {index.refs(g.refs)}", style="dim")  # a patient's too, as on the handout
        out.append(line)
    return out


def troubleshooting_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    if not result.troubleshooting:
        return []
    out = [Text(tr("For the course under way") if audience == "patient" else "Troubleshooting", style="bold underline")]
    for s in result.troubleshooting:
        line = Text("• ")
        line.append(s.situation.for_(audience), style="bold")
        line.append(f"\n  {tr('What it may mean')}: {s.meaning.for_(audience)}")
        line.append(f"\n  {tr('Next step to discuss')}: {s.next_step.for_(audience)}")
        if audience == "clinician":
            line.append(f" {index.refs(s.refs or s.sources)}", style="dim")
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


def source_lines(items: list[tuple[int, str]], width: int) -> list[Text]:
    """Numbered citations wrapped at spaces: a web address is never cut; one longer than
    the line stands alone on its own line (print with :func:`print_lines`)."""
    out: list[Text] = []
    for n, citation in items:
        first = f"[{n}] "
        out += [
            Text(line, style="dim", no_wrap=True, overflow="ignore")
            for line in wrap_words(first + citation, width, "", " " * len(first))
        ]
    return out


def print_lines(console: Console, lines: list[Text]) -> None:
    """Lines, some already wrapped (``no_wrap``): printed uncropped, so a web address longer
    than the line is shown whole, never cut (the terminal wraps it, nothing is lost)."""
    for line in lines:
        console.print(line, soft_wrap=bool(line.no_wrap))


def checklist_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """The Spravato REMS and prior-authorisation steps to tick (when Spravato is open)."""
    out: list[Text] = []
    for c in open_checklists(result):
        head = Text(c.title.for_(audience), style="bold underline")
        if audience == "clinician":
            head.append(f" (reviewed {c.reviewed.isoformat()}) {index.refs(c.refs)}", style="dim")
        out.append(head)
        for item in c.items:
            line = Text(f"☐ {item.text.for_(audience)}")
            if audience == "clinician":
                line.append(f" {index.refs(item.refs)}", style="dim")
            out.append(line)
    return out


def footer(result: Result, audience: Audience, index: SourceIndex, width: int = 80) -> list[Text]:
    out: list[Text] = []
    if index.items():
        # Every source cited above, in full, with the date it was last checked: "Who made this"
        # promises that date (issue 24 review, IPDAS C4), for a patient too, as on the handout.
        out.append(
            Text(
                "Sources" if audience == "clinician" else tr("Where this information comes from"),
                style="bold underline",
            )
        )
        # A patient's as on the handout: no web address where a DOI or PMID finds the paper.
        listed = [(n, (findable(c) if audience == "patient" else c) + checked(r)) for n, c, r in index.dated_items()]
        out += source_lines(listed, width)
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
    for title, text in conflict_texts(result, audience):
        line = Text("⚠ ", style="bold yellow")
        line.append(title, style="bold yellow")
        line.append(f": {text}")
        console.print(line)
    for line in headline_findings(result, audience):
        console.print(line)
    for stale in stale_texts(result, audience):
        console.print(Text(f"⏱ {stale}", style="yellow"))
    unfinished = incomplete_line(result, audience)
    if unfinished:
        console.print(Text(unfinished, style="bold magenta"))
    return panel


def render_summary(
    result: Result, audience: Audience, *, color: bool = False, width: int = 120, screen: int | None = None
) -> str:
    """The answer first: per modality the status, indication, key findings, coverage, cost and
    schedule, in one screen. The full comparison is ``--detail``.

    ``screen`` is the terminal's height when standard output is one: when the summary is
    taller, :func:`glance_lines` (at most 12 lines) follows it, so the last screen still
    answers which options, what is covered, what it costs and what is urgent."""
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
            for line in _summary_block(m, audience, width, urgent=result.crisis.triggered):
                console.print(line)
        console.print()
    if result.troubleshooting:
        console.print(
            Text(tr("For the course under way") if audience == "patient" else "Troubleshooting", style="bold underline")
        )
        for s in result.troubleshooting:
            said = f"{s.situation.for_(audience)} {tr('Next step to discuss')}: {s.next_step.for_(audience)}"
            for i, part in enumerate(wrap_words(said, width - 2, "• ", "  ")):
                console.print(Text(part, style="bold" if i == 0 else ""))
    if result.nothing_open is not None:
        # Every route ruled out: what else there is, with its sources in full (issue 24
        # review, defect 5: it was shown only to someone who had rated values).
        cited = index_for(audience)
        console.print(Text(nothing_open_text(result, audience, cited) or "", style="bold"))
        # Without web addresses (one is wider than 80 columns): --detail gives them.
        named = {r.id: r.citation for r in result.nothing_open_refs}
        print_lines(console, source_lines(list(enumerate(named.values(), start=1)), width))
    more = (
        "Full comparison, every finding with its sources: add --detail."
        if audience == "clinician"
        else tr("For all the details and where they come from, add --detail.")
    )
    console.print(Text(more, style="dim"))
    # One line here; the complete statement is in --detail and on the handout.
    console.print(Text(SHORT_DISCLAIMER[audience], style="italic"))
    console.print(Text(stamp(result.knowledge_base, result.ketadecide_version), style="dim"))
    if panel is not None and result.crisis.message is not None:
        console.print(Text(CRISIS_REMINDER[audience], style="bold red"))
    if screen is not None and buffer.getvalue().count("\n") > screen - 2:
        for line in glance_lines(result, audience, width):
            console.print(line)
    return buffer.getvalue()


#: The disclaimer in one line of at most 80 columns (the full one: --detail, the handout),
#: keeping what the full one must never lose: it does not prescribe, and 988 / 911.
SHORT_DISCLAIMER = {
    "clinician": "Decision support, not a prescription (full text: --detail). Crisis: 988 or 911.",
    "patient": "Information only; decide with your clinician. In danger? Call/text 988, or 911.",
}

CRISIS_REMINDER = {
    # One line at 80 columns.
    "clinician": "Crisis pathway first: 988 (call or text) or 911 / nearest emergency department.",
    "patient": "Please reach out now: call or text 988, or call 911 / go to the nearest ER.",
}

#: The most lines :func:`glance_lines` ever takes (issue 26: the last screen at 80x24).
GLANCE_MAX = 12


def glance_lines(result: Result, audience: Audience, width: int) -> list[Text]:
    """The comparison in a few lines for the bottom of a terminal (at most ``GLANCE_MAX`` at
    80 columns and wider): per option the status, indication, coverage and price, the
    headline findings, the disclaimer in one line, and the crisis line last when the crisis
    screen was triggered."""
    head = Text("── At a glance" if audience == "clinician" else tr("── In short"), style="bold")
    if result.profile_id:
        head.append(f" — {result.profile_id}")
    out = [head]
    for m in result.modalities:
        # What this person would likely pay (issue 24), never the list price unlabelled.
        oop = m.cost.out_of_pocket
        status = modality_status_text(m, audience, urgent=result.crisis.triggered)
        said = f"{status} · {m.indication.label.for_(audience)} · {coverage_text(m.coverage, audience, m.status)}"
        if m.status != "contraindicated":  # a price under "not advised" reads as an offer
            price = (money(*oop.per_session) if oop else money(*m.cost.per_session)) + tr(" (est.)")
            said += f" · {price} " + ("per session" if audience == "clinician" else tr("a visit"))
        lines = wrap_words(f"{m.short_name}: {said}", width, "", "  ")
        for i, line in enumerate(lines):
            text = Text(line)
            if i == 0:
                text.stylize("bold", 0, len(m.short_name))
            out.append(text)
    headlines = [f.name.for_(audience) for f in _headline(result)]
    if headlines:
        line = wrap_words("⚠ " + "; ".join(headlines), width)[0]
        out.append(Text(line, style="bold yellow"))
    out.append(Text(SHORT_DISCLAIMER[audience], style="italic"))
    if result.crisis.triggered:
        out.append(Text(CRISIS_REMINDER[audience], style="bold red"))
    return out


def render_glance(result: Result, audience: Audience, *, color: bool = False, width: int = 80) -> str:
    """:func:`glance_lines` as terminal text (the consult prints it after its last prompt)."""
    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    console.print()
    for line in glance_lines(result, audience, width):
        console.print(line)
    return strip_trailing(buffer.getvalue())


def _headline(result: Result) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for m in result.modalities:
        for f in m.findings:
            if f.headline and f.id not in seen:
                seen[f.id] = f
    return list(seen.values())


def _key_findings(m: ModalityResult, audience: Audience) -> str:
    names = key_finding_names(m, audience, short=True)
    if names:
        return "; ".join(names)
    return "none" if audience == "clinician" else tr("nothing found")


def _summary_table(result: Result, audience: Audience, title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=True, title_justify="left")
    table.add_column("", style="bold", width=16, no_wrap=True)
    for m in result.modalities:
        table.add_column(m.short_name, ratio=2)
    ms = result.modalities
    table.add_row(
        STATUS_ROW[audience],
        *[
            Text(modality_status_text(m, audience, urgent=result.crisis.triggered), style=STATUS_STYLE[m.status])
            for m in ms
        ],
    )
    table.add_row(INDICATION_ROW[audience], *[m.indication.label.for_(audience) for m in ms])
    table.add_row(
        "Key findings" if audience == "clinician" else tr("What to discuss"),
        *[Text(_key_findings(m, audience), style="" if m.findings else "dim") for m in ms],
        end_section=True,
    )
    table.add_row(
        "Coverage" if audience == "clinician" else tr("Your insurance"),
        *[coverage_text(m.coverage, audience, m.status) for m in ms],
    )
    pay, month, before = OOP_SHORT[audience]
    table.add_row(pay, *[oop_text(m.cost, audience, m.status) for m in ms])
    table.add_row(month, *[oop_course_text(m.cost, m.status, audience) for m in ms])
    table.add_row(
        before,
        *[money(*m.cost.per_session) + (tr(" (est.)") if m.cost.estimate else "") for m in ms],
        end_section=True,
    )
    table.add_row(tr("Visits"), *[m.glance.visits.for_(audience) if m.glance else "" for m in ms])
    table.add_row(
        "Time per visit" if audience == "clinician" else tr("Each visit"),
        *[m.glance.time_per_visit.for_(audience) if m.glance else "" for m in ms],
    )
    return table


def _summary_block(m: ModalityResult, audience: Audience, width: int, *, urgent: bool = False) -> list[Text]:
    """One modality as a few wrapped lines, for narrow terminals."""
    head = Text(m.short_name, style="bold")
    head.append("  ")
    head.append(modality_status_text(m, audience, urgent=urgent), style=STATUS_STYLE[m.status])
    head.append(f" · {m.indication.label.for_(audience)}")
    lines = [head]
    cost = oop_text(m.cost, audience, m.status)
    course = oop_course_text(m.cost, m.status, audience)
    before = money(*m.cost.per_session)
    # The full price is the price before insurance: said once, not twice.
    full = m.cost.out_of_pocket is None or m.cost.out_of_pocket.basis == "full_price"
    rows = [
        ("Key findings" if audience == "clinician" else tr("To discuss"), _key_findings(m, audience)),
        ("Coverage" if audience == "clinician" else tr("Insurance"), coverage_text(m.coverage, audience, m.status)),
        (
            tr("You might pay (estimate)"),
            cost
            if m.status == "contraindicated"
            else trf("{cost} a visit; first course {course}", cost=cost, course=course)
            + ("" if full else trf("; {before} before insurance", before=before)),
        ),
        (
            tr("Schedule"),
            m.glance.visits.for_(audience) + "; " + m.glance.time_per_visit.for_(audience) if m.glance else "",
        ),
    ]
    for label, text in rows:
        wrapped = wrap_words(f"{label}: {text}", width - 2, "  ", "      ")
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
    index = index_for(audience)
    panel = _preamble(console, result, audience)
    print_comparison(console, result, audience, index)
    # The table's cells carry no marks for a patient (they would crowd its narrow columns): its
    # sources in one line under it, so the list at the end holds what the handout cites.
    marks = re.sub(r"\[(\d+):[^\]]*\]", r"[\1]", index.refs(table_refs(result)))  # the cells give the sections
    if marks:
        label = "Sources for the table above:" if audience == "clinician" else tr("Sources for the table above:")
        spaced = marks.replace("][", "] [")  # a line may wrap between marks, never inside one
        console.print(Text(f"{label} {spaced}", style="dim"))
    said = nothing_open_text(result, audience, index)
    if said is not None:  # every route ruled out: what else there is, before the details
        console.print(Text(said, style="bold"))
    parts: list[Text] = alternatives_lines(result, audience, index)
    parts += findings_section(result, audience, index)
    parts += troubleshooting_section(result, audience, index)
    parts += cost_notes(result, audience, index)
    parts += checklist_section(result, audience, index)
    parts += get_started_lines(result, audience, index)
    parts += decision_section(result, audience, index)
    for part in parts:
        console.print(part)
    print_lines(console, footer(result, audience, index, width))
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
        headings = ("id", "name", "drug", "route", "setting", "FDA status", "before insurance / session")
        listing: list[tuple[str, ...]] = []
        for ident, m in kb.modalities.items():
            c = m.cost_per_session_usd
            fda = m.details.fda_status.patient if audience == "patient" else m.details.fda_status.clinician
            cost = money(c.low, c.high) + (" (est.)" if c.estimate else "")
            listing.append((ident, m.name, m.drug, m.route, m.setting, fda, cost))
        table = Table(title="Modalities", box=box.SIMPLE_HEAVY, title_justify="left", expand=True)
        for col in headings:
            table.add_column(col)
        for entry in listing:
            table.add_row(*entry)
        if width >= STACK_BELOW and fits(console, table):
            console.print(table)
        else:  # one block per modality: no word of the FDA status is broken
            console.print(Text("Modalities", style="bold"))
            for entry in listing:
                console.print()
                console.print(Text(f"{entry[0]}: {entry[1]}", style="bold"))
                for heading, value in zip(headings[2:], entry[2:], strict=True):
                    console.print(Padding(Text(f"{heading}: {value}"), (0, 0, 0, 2)))
        console.print(
            Text(
                f"Knowledge base reviewed {reviewed_span(kb.reviewed, kb.newest_reviewed)}. "
                "`ketadecide modalities ID` shows one in full.",
                style="dim",
            )
        )
        return buffer.getvalue()

    m = kb.modalities[modality_id]
    index = SourceIndex()
    rows: list[tuple[str, str]] = []
    for key in type(m.details).model_fields:
        item = getattr(m.details, key)
        text = item.patient if audience == "patient" else item.clinician
        rows.append((DETAIL_LABEL[audience][key], f"{text} {index.refs(kb.refs(item.sources))}"))
    s = m.induction_sessions
    c = m.cost_per_session_usd
    rows.append(
        (
            "Induction sessions",
            f"{count_range(s.low, s.high)}{' (estimate)' if s.estimate else ''} {index.refs(kb.refs(s.sources))}",
        )
    )
    rows.append(
        (
            "Before insurance",
            f"{money(c.low, c.high)} per session, as of {c.as_of.isoformat()}{' (estimate)' if c.estimate else ''}. "
            f"{c.note or ''} {index.refs(kb.refs(c.sources))}",
        )
    )
    for payer, label in PAYER_LABEL.items():
        cov = getattr(m.coverage, payer)
        likely = {True: "likely covered", False: "unlikely covered", None: "uncertain"}[cov.likely_covered]
        note = cov.patient if audience == "patient" else cov.clinician
        pa = "; prior authorisation" if cov.prior_authorization else ""
        rows.append((f"Coverage: {label}", f"{likely}{pa}. {note} {index.refs(kb.refs(cov.sources))}"))
    title = f"{m.name} ({modality_id})"
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=True, title_justify="left", expand=True)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("", ratio=1)
    for label, text in rows:
        table.add_row(label, text)
    if width >= STACK_BELOW:
        console.print(table)
    else:  # the labels above their text, so the text has the whole width
        console.print(Text(title, style="bold"))
        for label, text in rows:
            console.print(Text(label, style="bold"))
            console.print(Padding(Text(text), (0, 0, 0, 2)))
    console.print(Text("Sources", style="bold underline"))
    print_lines(console, source_lines(index.items(), width))
    console.print(Text(f"Knowledge base reviewed {reviewed_span(kb.reviewed, kb.newest_reviewed)}.", style="dim"))
    return buffer.getvalue()


class TerminalRenderer:
    """The ``table`` format (see :class:`ketadecide.render.interface.Renderer`)."""

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
        if not detail:
            return render_summary(result, audience, color=color, width=width, screen=screen)
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
    """``ketadecide ids``: one table per section (ids, plain and brand names; fields; values);
    a section whose words do not fit the width is a list instead (an id is never broken)."""
    from ketadecide.render.markdown import ids_values_text

    buffer = io.StringIO()
    console = text_console(buffer, color=color, width=width)
    for section, entries in listing.items():
        table = Table(title=section, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        rows: list[tuple[str, ...]] = []
        if section in ("conditions", "medications"):
            headings: tuple[str, ...] = ("id", "plain name", "brand names")
            rows = [(e["id"], e["plain_name"], ", ".join(e["brands"])) for e in entries]
        elif section == "fields":
            headings = ("field", "type", "values")
            rows = [(e["field"], e["type"], ids_values_text(e)) for e in entries]
        elif section == "values":
            headings = ("field", "values")
            rows = [(name, ", ".join(values)) for name, values in entries.items()]
        else:
            headings = ("value",)
            rows = [(value,) for value in entries]
        for i, heading in enumerate(headings):
            table.add_column(heading, no_wrap=i == 0)
        for row in rows:
            table.add_row(Text(row[0], style="bold"), *row[1:])
        if fits(console, table):
            console.print(table)
        else:
            console.print(Text(section, style="italic"))
            for row in rows:
                line = Text(row[0], style="bold")
                for heading, value in zip(headings[1:], row[1:], strict=True):
                    if value:
                        line.append(f"\n  {heading}: {value}")
                console.print(line)
        console.print()
    return buffer.getvalue()


# The patient's words come out in the patient's language (ketadecide.lang); the
# clinician's stay in English.
SHORT_DISCLAIMER = Registers(SHORT_DISCLAIMER)
CRISIS_REMINDER = Registers(CRISIS_REMINDER)
