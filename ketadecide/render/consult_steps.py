"""Plain-text views for the consult's optional steps (issue 15): the fit after "rate what
matters", and the SURE result after the SURE check. Shown as the conversation goes on; the
full result (every format) carries the same sections."""

from __future__ import annotations

from ketadecide.engine.result import Audience, Result
from ketadecide.lang import tr
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    SOMETHING_ELSE,
    adverse_high,
    adverse_sentence,
    compare_line,
    every_route_line,
    figured,
    findable,
    fit_entry_line,
    fit_extra_lines,
    index_for,
    leaning_elsewhere,
    outcome_sentence,
    sure_score_line,
    sure_step_text,
    unweighed_after,
)


def evidence_brief_lines(result: Result, audience: Audience, *, pointer_shown: bool = False) -> list[str]:
    """Each option's benefits and harms in brief, before the values and SURE questions (issue
    24: the SURE question "Do you know the benefits and risks of each option?" needs them
    shown): its first benefit figure and its most common harm, each beside its comparator's
    number, or why there is none; then the warning against comparing across trials.
    ``pointer_shown``: the comparison just shown on the screen already said that no route is
    open and where else to turn, with its sources; it is not printed twice in a row."""
    options = figured(result)  # a ruled-out option's figures would read as an offer
    if not options and result.nothing_open is None:
        return []
    h = DECISION_HEADINGS[audience]
    out = [""]
    d = result.decision
    if d is not None and d.condition is not None and d.decision_line is not None:
        # The condition and the decision in two sentences (IPDAS Q1, Q2), after the safety
        # screen, never before it.
        out.append(f"{d.condition.for_(audience)} {d.decision_line.for_(audience)}")
        # The choice includes not having ketamine (issue 24 review, IPDAS Q3): each other
        # choice by name with its one line, before any question about the options.
        if d.alternatives:
            out.append(h["alternatives"])
            out += [f"  - {a.name.for_(audience)}: {a.line.for_(audience)}" for a in d.alternatives]
        out.append("")
    if result.nothing_open is not None:
        # Every route ruled out (issue 24 review, defect 5): what else there is, with sources,
        # once (IPDAS re-review N9: the table above it had just said the same).
        if pointer_shown:
            return out if len(out) > 1 else []
        index = index_for(audience)
        said = result.nothing_open.for_(audience) + index.refs(result.nothing_open_refs)
        return [*out, said, *(f"  [{n}] {findable(c)}" for n, c in index.items())]
    out.append(h["brief"])
    for m in options:
        ev = m.evidence
        assert ev is not None
        out.append(f"  {m.short_name} ({ev.certainty_words.for_(audience)})")
        benefit = next((o for o in ev.outcomes if o.design != "uncontrolled_cohort"), None)
        # The reserve of an option whose harms have no figure with a comparator, right after
        # its benefit, as in every view (issue 24, C1).
        good = outcome_sentence(benefit, audience) + unweighed_after(benefit, ev, audience) if benefit else None
        out.append("    + " + (good or h["no_benefit_figure"]))
        if ev.adverse_effects:
            harm = max(ev.adverse_effects, key=adverse_high)
            out.append("    - " + adverse_sentence(harm, audience))
        else:
            # Only the harms text: an option's ``no_figures`` may be about its benefit too
            # (IM's is), which would repeat the "+" line on the "-" line.
            none = ev.no_adverse_figures.for_(audience) if ev.no_adverse_figures else h["no_harm_figure"]
            out.append("    - " + none)
    warning = compare_line(result, audience)
    if warning is not None:
        out.append(f"  {warning}")
    # The harms of every route that no figure shows, as under the warning in every view: a
    # person asked whether they know each option's risks has heard these too.
    route = every_route_line(result, audience)
    if route is not None:
        out.append(f"  {route[0]}")
    return out


def fit_lines(result: Result, audience: Audience) -> list[str]:
    """Each option's fit in words (no rank, no score), ties, then an option-by-attribute grid of what was rated."""
    fit = result.fit
    if fit is None:
        return []
    h = DECISION_HEADINGS[audience]
    names = {m.id: m.short_name for m in result.modalities}
    out = ["", h["fit"], f"  {fit.note.for_(audience)}"]
    for entry in fit.ranking:
        out.append(f"  - {fit_entry_line(entry, names[entry.id], audience)}")
    out += [f"  {line}" for line in fit_extra_lines(fit, audience)]
    if fit.excluded_note:
        out.append(f"  {fit.excluded_note.for_(audience)}")
    if fit.attributes:
        out += ["", f"  {h['table']}:"]
        labels = [a.label.for_(audience) for a in fit.attributes]
        first = max(len(x) for x in (*labels, ""))
        weight = h["weight"]
        cols = [weight, *names.values()]
        widths = [max(len(c), 2) for c in cols]
        out.append("    " + " " * first + "  " + "  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
        for a, label in zip(fit.attributes, labels, strict=True):
            cells = [str(a.weight), *(str(a.scores[m]) for m in names)]
            row = "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))
            out.append(f"    {label.ljust(first)}  {row}")
    return out


def sure_lines(result: Result, audience: Audience) -> list[str]:
    """The SURE score (when all four were answered) and the next step for every "no"."""
    s = result.sure
    if s is None:
        return []
    h = DECISION_HEADINGS[audience]
    out = ["", h["sure"], f"  {sure_score_line(s, audience)}"]
    for step in s.next_steps:
        out.append(f"  - {step.question} No: {sure_step_text(step, audience, figures=h['brief'])}")
    out.append(f"  {' '.join(s.credit.split())}")
    return out


def plan_lines(result: Result, audience: Audience) -> list[str]:
    """The person's plan, read back to them, and where it goes next."""
    plan = result.plan
    if plan is None:
        return []
    names = {m.id: m.short_name for m in result.modalities}
    out = ["", tr("Your plan") if audience == "patient" else "Next-step plan"]
    # A choice other than ketamine is "unsure" with its name first in the notes (CONTRACT §1).
    elsewhere, notes = leaning_elsewhere(plan.notes, result.decision.alternatives if result.decision else (), audience)
    if plan.leaning is not None:
        leaning = names.get(plan.leaning) or (tr("Not sure yet") if audience == "patient" else "unsure")
        if plan.leaning == "unsure" and elsewhere is not None:
            leaning = f"{SOMETHING_ELSE[audience]}: {elsewhere}"
        out.append(f"  {tr('Leaning toward') if audience == 'patient' else 'Leaning'}: {leaning}")
    if plan.decide_by is not None:
        out.append(f"  {tr('Decide by') if audience == 'patient' else 'Decide by'}: {plan.decide_by}")
    if notes is not None:
        out.append(f"  {notes}")
    if audience == "patient":
        out.append("  " + tr("This plan is printed on your handout. It is saved only if you choose to save."))
    return out
