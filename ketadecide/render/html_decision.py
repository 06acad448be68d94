"""Decision support in the handout: icon arrays, evidence, fit, SURE, choosing a clinic and
who made this; placed after the comparison by :mod:`ketadecide.render.html`."""

from __future__ import annotations

from ketadecide.engine.result import Audience, DecisionSupport, HandoutItem, Result
from ketadecide.lang import tr, trf
from ketadecide.render.html_page import cite, e
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    DETAIL_LABEL,
    SourceIndex,
    adverse_comparator_high,
    adverse_high,
    adverse_sentence,
    certainty_line,
    compare_line,
    drawn,
    every_route_line,
    figured,
    figures_left_out,
    fit_entry_line,
    outcome_sentence,
    per_100,
    status_text,
    sure_score_line,
    sure_step_text,
    unweighed_after,
)


def icon_array(pct: float, high: float | None = None, *, comparator: bool = False) -> str:
    """100 small squares, filled for the count (a range shades up to its top), with its text.
    The comparator's array is drawn in grey beside the option's, so both numbers are seen."""
    low_n = per_100(pct)
    high_n = per_100(high) if high is not None else low_n
    label = (
        trf("{low} to {high} out of 100 people", low=low_n, high=high_n)
        if high_n != low_n
        else trf("{n} out of 100 people", n=low_n)
    )
    if comparator:
        label += tr(" (comparison group)")
    dark, light = ("#6b6b6b", "#b5b5b5") if comparator else ("#1f4e79", "#8fb3d9")
    cells = []
    for i in range(100):
        x, y = (i % 10) * 7, (i // 10) * 7
        fill = dark if i < low_n else (light if i < high_n else "#e6e6e6")
        cells.append(f'<rect x="{x}" y="{y}" width="6" height="6" fill="{fill}"/>')
    return (
        f'<svg class="icons" role="img" aria-label="{label}" width="70" height="70" viewBox="0 0 70 70">'
        f"<title>{label}</title>{''.join(cells)}</svg>"
    )


def _evidence(result: Result, audience: Audience, index: SourceIndex, h: dict[str, str]) -> list[str]:
    """Each option's certainty and figures, every figure beside its comparator's."""
    out: list[str] = []
    if any(m.evidence for m in result.modalities):
        # The heading, the warning and the first option's heading print as one block kept
        # with its figures (IPDAS review 3, D3: they were stranded at the foot of a page).
        out.append(f'<section class="evidence"><div class="ev-lead"><h2>{e(h["evidence"])}</h2>')
        warning = compare_line(result, audience)
        route = every_route_line(result, audience)
        # The harms of every route follow the warning in its paragraph (not bold): one block
        # less keeps the printed handout within its pages (sixth IPDAS review, n4).
        after = f" {e(route[0])}{cite(index, route[1])}" if route is not None else ""
        if warning is not None:
            out.append(f'<p class="warn"><b>{e(warning)}</b>{after}</p>')
        elif after:
            out.append(f"<p>{after.lstrip()}</p>")
        left_out = figures_left_out(result, audience)
        if left_out is not None:
            out.append(f"<p>{e(left_out)}</p>")
        shown = figured(result)
        if not shown:
            out.append("</div>")
        for i, m in enumerate(shown):
            ev = m.evidence
            assert ev is not None
            out += [
                f"<h3>{e(m.short_name)}</h3>",
                f"<p><b>{e(h['certainty'])}:</b> {e(certainty_line(ev, audience))}</p>",
                *(["</div>"] if i == 0 else []),
                '<ul class="figures">',
            ]
            for o in ev.outcomes:
                text = e(outcome_sentence(o, audience)) + cite(index, o.refs)
                if o.design == "uncontrolled_cohort":
                    # Not drawn: a picture would look like a controlled result.
                    out.append(f'<li class="cohort"><span>{text}</span></li>')
                    continue
                if not drawn(o, ev):
                    # The option's harms have no figure with a comparator: its benefit gets the
                    # same reserve, in the same words and type as every figure, with why said
                    # right after it in the same item (issue 24, C1: equal detail).
                    out.append(f'<li class="unweighed"><span>{text}{e(unweighed_after(o, ev, audience))}</span></li>')
                    continue
                pair = icon_array(o.value_pct) + (
                    icon_array(o.comparator_pct, comparator=True) if o.comparator_pct is not None else ""
                )
                out.append(f"<li>{pair} <span>{text}</span></li>")
            for a in ev.adverse_effects:
                low = a.range_pct[0] if a.range_pct else (a.value_pct or 0)
                text = e(adverse_sentence(a, audience)) + cite(index, a.refs)
                c_low = a.comparator_range_pct[0] if a.comparator_range_pct else a.comparator_pct
                pair = icon_array(low, adverse_high(a)) + (
                    icon_array(c_low, adverse_comparator_high(a), comparator=True) if c_low is not None else ""
                )
                out.append(f"<li>{pair} <span>{text}</span></li>")
            if ev.no_figures:
                out.append(f"<li><span>{e(ev.no_figures.for_(audience))}{cite(index, ev.no_figures_refs)}</span></li>")
            out.append("</ul>")
        out.append("</section>")
    return out


def decision_sections(
    result: Result, audience: Audience, index: SourceIndex, *, clinic_questions: bool = True, clinic: bool = True
) -> list[str]:
    """Evidence, fit, SURE, choosing a clinic and who made this (after the comparison).
    ``clinic=False`` (every route ruled out): no choosing a clinic, talk therapy with each
    route or clinic questions (IPDAS re-review N5)."""
    h = DECISION_HEADINGS[audience]
    out: list[str] = []
    out += _evidence(result, audience, index, h)
    if result.fit is not None and audience != "patient":
        out += fit_block(result, audience, index)
    if result.sure is not None and audience != "patient":
        out += ['<section class="sure">', *sure_block(result, audience, index), "</section>"]
    d = result.decision
    if d is not None:
        if clinic:
            out += _clinic(result, d, audience, index, clinic_questions=clinic_questions)
        out += [f'<section class="about"><h2>{e(h["about"])}</h2>', f"<p>{e(d.decision.for_(audience))}</p>"]
        out += ["<ul>", f"<li>{e(d.made_by.for_(audience))}</li>"]
        out.append(f"<li>{e(d.funding.for_(audience))}</li>")
        span = trf("{low} to {high}", low=d.oldest_review.isoformat(), high=d.newest_review.isoformat())
        out.append(f"<li>{e(d.review_cycle.for_(audience))} ({span})</li>")
        if d.sponsored:
            out.append(SPONSORED_SLOT)  # filled by fill_sponsored once the whole page is cited
        out += ["</ul>", "</section>"]
    return out


def _clinic(
    result: Result, d: DecisionSupport, audience: Audience, index: SourceIndex, *, clinic_questions: bool
) -> list[str]:
    """Choosing a clinic: what to look for, warning signs, talk therapy with each route and
    (``clinic_questions``) the questions for the clinic."""
    h = DECISION_HEADINGS[audience]

    def items(xs: tuple[HandoutItem, ...]) -> list[str]:
        return [
            '<ul class="twocol">',
            *(f"<li>{e(i.text.for_(audience))}{cite(index, i.refs)}</li>" for i in xs),
            "</ul>",
        ]

    out = [f'<section class="clinic"><h2>{e(h["clinic"])}</h2>', f"<h3>{e(h['look_for'])}</h3>"]
    out += [*items(d.look_for), f"<h3>{e(h['red_flags'])}</h3>", *items(d.red_flags)]
    out += [f"<h3>{e(h['therapy'])}</h3>", "<ul>"]
    # The evidence line is often the same for all four: said once under the list then.
    said = {d.therapy[m.id][1].for_(audience) for m in result.modalities}
    for m in result.modalities:
        offered, evidence, _certainty, refs = d.therapy[m.id]
        text = e(offered.for_(audience)) + ("" if len(said) == 1 else f" {e(evidence.for_(audience))}")
        out.append(f"<li><b>{e(m.short_name)}:</b> {text}{cite(index, refs)}</li>")
    out.append("</ul>")
    if len(said) == 1:
        out.append(f"<p>{e(said.pop())}</p>")
    if clinic_questions:
        out += [f"<h3>{e(h['questions'])}</h3>", *items(d.questions)]
    out.append("</section>")
    return out


#: Where "Who made this" lists the sellers' sources: a placeholder until the rest of the page
#: has cited its sources, since the clinic questions and checklists come after it.
SPONSORED_SLOT = "<!-- sponsored sources -->"


def fill_sponsored(body: list[str], result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """``body`` with its sponsored slot filled: only the sellers' sources this page cites
    elsewhere (issue 24 review, IPDAS C6), so the list never adds a source to the page's
    sources that nothing on it uses; no line at all when the page cites none."""
    d = result.decision
    cited = index.cited(d.sponsored) if d is not None else ()
    line = f"<li>{e(d.sponsored_intro.for_(audience))}{cite(index, cited)}</li>" if d is not None and cited else None
    return [x for x in (line if x == SPONSORED_SLOT else x for x in body) if x is not None]


def alternatives_section(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """The choices other than ketamine (IPDAS Q3-Q5, issue 24 review): what each is, one good
    point and one harder point, each cell with its own source marks like the ketamine options'
    cells, in one compact table (the page budget). A section of its own, placed right after
    the four options at a glance: they are options too, not part of "who made this"."""
    d = result.decision
    if d is None or not d.alternatives:
        return []
    h = DECISION_HEADINGS[audience]

    def cell(item: HandoutItem | None) -> str:
        return "<td></td>" if item is None else f"<td>{e(item.text.for_(audience))}{cite(index, item.refs)}</td>"

    out = [
        f'<section class="alternatives"><h2>{e(h["alternatives"])}</h2>',
        '<table class="compare alternatives"><thead><tr>'
        f"<th>{e(h['alt_choice'])}</th><th>{e(h['alt_good'])}</th><th>{e(h['alt_harder'])}</th></tr></thead><tbody>",
    ]
    for a in d.alternatives:
        what = f"<b>{e(a.name.for_(audience))}:</b> {e(a.line.for_(audience))}{cite(index, a.refs)}"
        out.append(f"<tr><td>{what}</td>{cell(a.good)}{cell(a.harder)}</tr>")
    out.append("</tbody></table></section>")
    return out


def fit_block(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """How each option matches what was rated: a section with the 0-10 grid for the
    clinician; for the patient copy, a run-in heading, each option's match in words and no
    grid, printed under "Your next steps" after the ratings (the ratings are there, and the
    grid and a section of its own cost a page of the four-page budget; issue 24 review,
    defect 16). The consult and --detail show the grid."""
    fit = result.fit
    if fit is None:
        return []
    h = DECISION_HEADINGS[audience]
    names = {m.id: m.short_name for m in result.modalities}
    ids = list(names)
    if audience == "patient":
        out = [f"<p><b>{e(h['fit'])}</b> <i>{e(fit.note.for_(audience))}</i></p>"]
    else:
        out = [f'<section class="fit"><h2>{e(h["fit"])}</h2>', f"<p><i>{e(fit.note.for_(audience))}</i></p>"]
    out.append('<ul class="twocol">')  # four short entries
    if audience == "patient":
        # Options whose match reads the same word for word share one entry, named together
        # ("Spravato, IV ketamine: ..."): the same line three times is harder to read and
        # costs the page budget (issue 24).
        same: dict[str, list[str]] = {}
        for entry in fit.ranking:
            words = fit_entry_line(entry, "", audience).removeprefix(": ")
            same.setdefault(words, []).append(names[entry.id])
        out += [f"<li>{e(', '.join(who))}: {e(words)}</li>" for words, who in same.items()]
    else:
        out += [f"<li>{e(fit_entry_line(entry, names[entry.id], audience))}</li>" for entry in fit.ranking]
    out.append("</ul>")
    if fit.shared_note is not None and audience != "patient":
        # The patient copy names every caution in "What we noticed for you" on page 1.
        out.append(f"<p>{e(fit.shared_note.for_(audience))}</p>")
    out += [f"<p>{e(t.for_(audience))}</p>" for t in fit.ties]
    if fit.excluded_note:
        out.append(f"<p>{e(fit.excluded_note.for_(audience))}</p>")
    if audience == "patient":
        return out
    out += [f"<table><caption>{e(h['table'])}</caption><tr><th></th><th>{e(h['weight'])}</th>"]
    out[-1] += "".join(f"<th>{e(names[i])}</th>" for i in ids) + "</tr>"
    for attr in fit.attributes:
        cells = "".join(f"<td>{attr.scores[i]}</td>" for i in ids)
        label = e(attr.label.for_(audience)) + cite(index, attr.refs)
        out.append(f"<tr><th>{label}</th><td>{attr.weight}</td>{cells}</tr>")
    return [*out, "</table>", "</section>"]


def sure_block(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """The SURE score and a next step for every "no" (no section: the patient copy prints it
    under "Your next steps", beside the plan it leads to; issue 24 review, defect 16)."""
    s = result.sure
    if s is None:
        return []
    h = DECISION_HEADINGS[audience]
    if audience == "patient":
        # A run-in heading: the patient copy's SURE sits under "Your next steps".
        out = [f"<p><b>{e(h['sure'])}</b> {e(sure_score_line(s, audience))}</p>", '<ul class="twocol">']
    else:
        out = [f"<h2>{e(h['sure'])}</h2>", f"<p>{e(sure_score_line(s, audience))}</p>", '<ul class="twocol">']
    for step in s.next_steps:
        out.append(
            f"<li><b>{e(step.question)}</b> No → {e(sure_step_text(step, audience))}{cite(index, step.refs)}</li>"
        )
    return [*out, "</ul>", f'<p class="credit">{e(s.credit)}</p>']


def get_started_rows(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """How to get started (issue 24), as rows that continue the "More about each option" table
    under a heading row of their own (one table: its column heads are not printed twice):
    who refers you, the insurer's approval, where to go, a first visit step by step, and
    getting home (the modalities' own driving detail, moved here so the page says it once).
    A contraindicated option's column says only that it is not advised: steps for an option
    nobody should start would read as an invitation (and with every option shut, no rows)."""
    d = result.decision
    ms = result.modalities
    shut = [m.status == "contraindicated" for m in ms]
    if d is None or d.get_started is None or all(shut):
        return []
    g = d.get_started
    out = [
        f'<tr class="start"><th colspan="{len(ms) + 1}"><h2>{e(g.title.for_(audience))}</h2>'
        f"<p>{e(g.note.for_(audience))}{cite(index, g.refs)}</p></th></tr>"
    ]
    rows = len(g.steps) + 1
    for n, step in enumerate(g.steps):
        cells = []
        for m, closed in zip(ms, shut, strict=True):
            if closed:
                if n == 0:  # one cell down the whole column
                    why = e(tr("Not advised for you. Ask your clinician why, and about other options."))
                    cells.append(
                        f'<td rowspan="{rows}"><span class="st-contraindicated">'
                        f"{e(status_text(m.status, audience))}</span><br>{why}</td>"
                    )
                continue
            item = step.cells[m.id]
            cells.append(f"<td>{e(item.text.for_(audience))}{cite(index, item.refs)}</td>")
        out.append(f'<tr><th scope="row">{e(step.label.for_(audience))}</th>{"".join(cells)}</tr>')
    home = [
        f"<td>{e(m.detail('driving').text.for_(audience))}{cite(index, m.detail('driving').refs)}</td>"
        for m, closed in zip(ms, shut, strict=True)
        if not closed
    ]
    out.append(f'<tr><th scope="row">{e(DETAIL_LABEL[audience]["driving"])}</th>{"".join(home)}</tr>')
    return out
