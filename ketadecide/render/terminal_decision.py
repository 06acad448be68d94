"""Decision support on a terminal (Rich): evidence bars, fit, SURE, choosing a clinic, and
who made this; printed after the comparison by :mod:`ketadecide.render.terminal`."""

from __future__ import annotations

from rich.text import Text

from ketadecide.engine.result import Audience, Result
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    SourceIndex,
    adverse_high,
    adverse_sentence,
    bar10,
    certainty_line,
    fit_entry_line,
    outcome_sentence,
    sure_score_line,
)


def decision_section(result: Result, audience: Audience, index: SourceIndex) -> list[Text]:
    """Evidence (10-cell bars), fit, SURE, choosing a clinic, who made this: after the comparison."""
    h = DECISION_HEADINGS[audience]
    out: list[Text] = []

    def head(text: str) -> None:
        out.append(Text(f"\n{text}", style="bold underline"))

    def line(text: str, refs: str = "", bar: str | None = None) -> None:
        t = Text("  ")
        if bar is not None:
            t.append(bar + " ", style="cyan")
        t.append(text + refs)
        out.append(t)

    if any(m.evidence for m in result.modalities):
        head(h["evidence"])
        for m in result.modalities:
            ev = m.evidence
            if ev is None:
                continue
            out.append(Text(m.short_name, style="bold"))
            line(f"{h['certainty']}: {certainty_line(ev, audience)}")
            for o in ev.outcomes:
                line(outcome_sentence(o, audience), index.refs(o.refs), bar10(o.value_pct))
            for a in ev.adverse_effects:
                line(adverse_sentence(a, audience), index.refs(a.refs), bar10(adverse_high(a)))
            if ev.no_figures:
                line(ev.no_figures.for_(audience), index.refs(ev.refs))
    if result.fit is not None:
        fit = result.fit
        names = {m.id: m.short_name for m in result.modalities}
        head(h["fit"])
        line(fit.note.for_(audience))
        for entry in fit.ranking:
            line("- " + fit_entry_line(entry, names[entry.id], audience))
        for t in fit.ties:
            line(t.for_(audience))
        if fit.nothing_open is not None:
            line(fit.nothing_open.for_(audience), index.refs(fit.nothing_open_refs))
        if fit.excluded_note:
            line(fit.excluded_note.for_(audience))
        line(h["table"] + ":")
        for attr in fit.attributes:
            cells = ", ".join(f"{names[i]} {attr.scores[i]}" for i in names)
            line(f"{attr.label.for_(audience)} ({h['weight']} {attr.weight}): {cells}", index.refs(attr.refs))
    if result.sure is not None:
        s = result.sure
        head(h["sure"])
        line(sure_score_line(s, audience))
        for step in s.next_steps:
            line(f"{step.question} No -> {step.next_step.for_(audience)}", index.refs(step.refs))
        line(s.credit)
    d = result.decision
    if d is not None:
        head(h["clinic"])
        for title, items in ((h["look_for"], d.look_for), (h["red_flags"], d.red_flags), (h["questions"], d.questions)):
            out.append(Text(title, style="bold"))
            for i in items:
                line(f"- {i.text.for_(audience)}", index.refs(i.refs))
        out.append(Text(h["therapy"], style="bold"))
        for m in result.modalities:
            offered, evidence, _c, refs = d.therapy[m.id]
            line(f"- {m.short_name}: {offered.for_(audience)} {evidence.for_(audience)}", index.refs(refs))
        head(h["about"])
        line(d.decision.for_(audience))
        out.append(Text(h["alternatives"], style="bold"))
        for name, text in d.alternatives:
            line(f"- {name.for_(audience)}: {text.for_(audience)}")
        line(d.made_by.for_(audience))
        line(d.funding.for_(audience))
        line(f"{d.review_cycle.for_(audience)} ({d.oldest_review.isoformat()} to {d.newest_review.isoformat()})")
        if d.sponsored:
            line(d.sponsored_intro.for_(audience), index.refs(d.sponsored))
    return out
