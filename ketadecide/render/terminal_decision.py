"""Decision support on a terminal (Rich): evidence bars, fit, SURE, choosing a clinic, and
who made this; printed after the comparison by :mod:`ketadecide.render.terminal`."""

from __future__ import annotations

from rich.text import Text

from ketadecide.engine.result import Audience, Result
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    SourceIndex,
    adverse_comparator_high,
    adverse_high,
    adverse_sentence,
    bar10,
    certainty_line,
    comparator_bar,
    compare_line,
    drawn,
    every_route_line,
    figured,
    figures_left_out,
    fit_entry_line,
    outcome_sentence,
    sure_score_line,
    sure_step_text,
    unweighed_after,
)


class _Lines:
    """The section being built: headings and indented lines (with an optional bar)."""

    def __init__(self) -> None:
        self.out: list[Text] = []

    def head(self, text: str) -> None:
        self.out.append(Text(f"\n{text}", style="bold underline"))

    def bold(self, text: str) -> None:
        self.out.append(Text(text, style="bold"))

    def line(self, text: str, refs: str = "", bar: str | None = None) -> None:
        t = Text("  ")
        if bar is not None:
            t.append(bar + " ", style="cyan")
        t.append(text + refs)
        self.out.append(t)


def decision_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """Evidence (10-cell bars), fit, SURE, choosing a clinic, who made this: after the comparison."""
    lines = _Lines()
    h = DECISION_HEADINGS[audience]
    _evidence(lines, result, audience, index, h)
    _fit(lines, result, audience, index, h)
    _sure(lines, result, audience, index, h)
    _clinic(lines, result, audience, index, h)
    return lines.out


def _evidence(lines: _Lines, result: Result, audience: Audience, index: SourceIndex, h: dict[str, str]) -> None:
    if not any(m.evidence for m in result.modalities):
        return
    lines.head(h["evidence"])
    warning = compare_line(result, audience)
    if warning is not None:
        lines.line(warning)
    route = every_route_line(result, audience)
    if route is not None:
        lines.line(route[0], index.refs(route[1]))
    left_out = figures_left_out(result, audience)
    if left_out is not None:
        lines.line(left_out)
    for m in figured(result):
        ev = m.evidence
        assert ev is not None
        lines.bold(m.short_name)
        lines.line(f"{h['certainty']}: {certainty_line(ev, audience)}")
        # Each bar beside its comparator's; an uncontrolled cohort gets no bar at all, so it
        # never looks like a controlled result, nor does an option whose harms have no figure
        # with a comparator (its reserve sentence follows the figure; issue 24, C1).
        for o in ev.outcomes:
            bars = f"{bar10(o.value_pct)} vs {comparator_bar(o.comparator_pct)}" if drawn(o, ev) else None
            lines.line(outcome_sentence(o, audience), index.refs(o.refs) + unweighed_after(o, ev, audience), bars)
        for a in ev.adverse_effects:
            bars = f"{bar10(adverse_high(a))} vs {comparator_bar(adverse_comparator_high(a))}"
            lines.line(adverse_sentence(a, audience), index.refs(a.refs), bars)
        if ev.no_figures:
            lines.line(ev.no_figures.for_(audience), index.refs(ev.no_figures_refs))


def _fit(lines: _Lines, result: Result, audience: Audience, index: SourceIndex, h: dict[str, str]) -> None:
    fit = result.fit
    if fit is None:
        return
    names = {m.id: m.short_name for m in result.modalities}
    lines.head(h["fit"])
    lines.line(fit.note.for_(audience))
    for entry in fit.ranking:
        lines.line("- " + fit_entry_line(entry, names[entry.id], audience))
    if fit.shared_note is not None:
        lines.line(fit.shared_note.for_(audience))
    for t in fit.ties:
        lines.line(t.for_(audience))
    if fit.excluded_note:
        lines.line(fit.excluded_note.for_(audience))
    lines.line(h["table"] + ":")
    for attr in fit.attributes:
        cells = ", ".join(f"{names[i]} {attr.scores[i]}" for i in names)
        lines.line(f"{attr.label.for_(audience)} ({h['weight']} {attr.weight}): {cells}", index.refs(attr.refs))


def _sure(lines: _Lines, result: Result, audience: Audience, index: SourceIndex, h: dict[str, str]) -> None:
    s = result.sure
    if s is None:
        return
    lines.head(h["sure"])
    lines.line(sure_score_line(s, audience))
    for step in s.next_steps:
        lines.line(f"{step.question} No -> {sure_step_text(step, audience)}", index.refs(step.refs))
    lines.line(s.credit)


def _clinic(lines: _Lines, result: Result, audience: Audience, index: SourceIndex, h: dict[str, str]) -> None:
    d = result.decision
    if d is None:
        return
    if result.nothing_open is None:  # every route ruled out: no clinic to choose (N5)
        lines.head(h["clinic"])
        for title, items in ((h["look_for"], d.look_for), (h["red_flags"], d.red_flags), (h["questions"], d.questions)):
            lines.bold(title)
            for i in items:
                lines.line(f"- {i.text.for_(audience)}", index.refs(i.refs))
        lines.bold(h["therapy"])
        for m in result.modalities:
            offered, evidence, _c, refs = d.therapy[m.id]
            lines.line(f"- {m.short_name}: {offered.for_(audience)} {evidence.for_(audience)}", index.refs(refs))
    lines.head(h["about"])
    lines.line(d.decision.for_(audience))
    lines.line(d.made_by.for_(audience))
    lines.line(d.funding.for_(audience))
    lines.line(f"{d.review_cycle.for_(audience)} ({d.oldest_review.isoformat()} to {d.newest_review.isoformat()})")
    # Only the sellers' sources this screen cites (this is its last cited line; issue 24 review).
    cited = index.cited(d.sponsored)
    if cited:
        # The marks are this line's content, not a citation of it: one word each, so a long
        # list wraps between marks instead of a mark being split across lines (it grew past a
        # 60-column line when two more sellers' sources were cited; issue 24, C1).
        lines.line(d.sponsored_intro.for_(audience) + " " + index.refs(cited).replace("][", "] ["))


def alternatives_lines(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """The choices other than ketamine under a heading of their own, each with its good and
    harder point and their sources: printed right after the comparison table (the four
    options), not under "who made this" (issue 24 review)."""
    d = result.decision
    if d is None or not d.alternatives:
        return []
    lines = _Lines()
    h = DECISION_HEADINGS[audience]
    lines.head(h["alternatives"])
    for a in d.alternatives:
        lines.line(f"- {a.name.for_(audience)}: {a.line.for_(audience)}", index.refs(a.refs))
        for label, point in ((h["alt_good"], a.good), (h["alt_harder"], a.harder)):
            if point is not None:
                lines.line(f"  {label}: {point.text.for_(audience)}", index.refs(point.refs))
    return [*lines.out, Text("")]


def get_started_lines(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """How to get started with each option still open (issue 24), for a patient's --detail:
    who refers, the insurer's approval, where to go and a first visit (getting home is in the
    comparison above). A contraindicated option gets no steps: they would read as an invitation."""
    d = result.decision
    open_ = [m for m in result.modalities if m.status != "contraindicated"]
    if audience != "patient" or d is None or d.get_started is None or not open_:
        return []
    g = d.get_started
    lines = _Lines()
    lines.head(g.title.for_(audience))
    lines.line(g.note.for_(audience))
    for m in open_:
        lines.bold(m.short_name)
        for step in g.steps:
            cell = step.cells[m.id]
            lines.line(f"{step.label.for_(audience)}: {cell.text.for_(audience)}", f" {index.refs(cell.refs)}")
    return lines.out
