"""Markdown: the comparison, the course report and the knowledge-base listing, for notes,
tickets and pasting into a record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketadecide.citations import Ref
from ketadecide.engine.result import (
    Audience,
    Crisis,
    Handout,
    KnowledgeBaseInfo,
    Result,
    Suggestion,
    Worded,
)
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.lang import tr
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    DETAIL_LABEL,
    INDICATION_ROW,
    LIST_PRICE_ROW,
    OOP_COURSE_ROW,
    OOP_ROW,
    PAYER_LABEL,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    adverse_comparator_high,
    adverse_high,
    adverse_sentence,
    bar10,
    certainty_line,
    checked,
    comparator_bar,
    compare_line,
    conflict_texts,
    count_range,
    course_line,
    coverage_text,
    drawn,
    every_route_line,
    figured,
    figures_left_out,
    fit_entry_line,
    incomplete_line,
    index_for,
    key_finding_names,
    log_line,
    modality_status_text,
    money,
    oop_assumptions,
    oop_course_text,
    oop_text,
    open_checklists,
    outcome_sentence,
    reviewed_span,
    stale_texts,
    stamp,
    sure_score_line,
    sure_step_text,
    unweighed_after,
    word_of,
)
from ketadecide.render.trend import trend_lines

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport


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


def crisis_lines(crisis: Crisis, audience: Audience) -> list[str]:
    """The 988 block that opens a report when the crisis screen is triggered."""
    if not crisis.triggered or crisis.message is None:
        return []
    title = tr("Your safety comes first") if audience == "patient" else "CRISIS: safety first"
    return [f"> **⚠ {title}**", ">", "> " + md_escape(crisis.message.for_(audience)), ""]


def render_markdown(result: Result, audience: Audience = "clinician") -> str:
    e = md_escape
    index = index_for(audience)  # a patient's marks are numbers only, as on the handout
    lines: list[str] = []
    lines += crisis_lines(result.crisis, audience)
    title = TITLE[audience]
    if result.profile_id:
        title += f" — {e(result.profile_id)}"
    lines += [f"# {title}", ""]
    lines += [f"> **⚠ {md_escape(t)}:** {md_escape(x)}\n" for t, x in conflict_texts(result, audience)]
    lines += [f"- ⏱ {md_escape(x)}" for x in stale_texts(result, audience)] + ([""] if result.stale else [])
    unfinished = incomplete_line(result, audience)
    if unfinished:
        lines += [f"**{md_escape(unfinished)}**", ""]
        lines += [f"- {md_escape(m.ask.for_(audience))}" for m in result.missing] + [""]
    if result.nothing_open is not None:  # every route ruled out: what else there is, first
        lines += [f"**{e(result.nothing_open.for_(audience))}**{index.refs(result.nothing_open_refs)}", ""]
    lines += comparison_lines(result, audience, index, alternatives=True)
    lines += troubleshooting_lines(result.troubleshooting, audience, index)
    # Every route ruled out: no questions for a ketamine provider, no choosing a clinic (N5).
    lines += handout_lines(
        result.handout, result.crisis.triggered, audience, index, questions=result.nothing_open is None
    )
    lines += decision_lines(result, audience, index)
    lines += checklist_lines(result, audience, index)
    # The sellers' sources only among those cited above (the checklists come after "Who made
    # this"); filling the slot cites nothing new.
    d = result.decision
    cited = index.cited(d.sponsored) if d is not None else ()
    filled = f"- {md_escape(d.sponsored_intro.for_(audience))}{index.refs(cited)}" if d is not None and cited else None
    lines = [x for x in (filled if x == SPONSORED_SLOT else x for x in lines) if x is not None]
    lines += sources_lines(audience, index)
    lines += footer_lines(result.disclaimer, result.knowledge_base, result.ketadecide_version, audience)
    return "\n".join(lines)


#: Where "Who made this" names the sellers' sources, until the whole report is cited.
SPONSORED_SLOT = "\x00sponsored sources\x00"


def footer_lines(disclaimer: Worded, kb: KnowledgeBaseInfo, version: str, audience: Audience) -> list[str]:
    """The disclaimer and the dating line that close every Markdown report."""
    return ["---", "", f"*{md_escape(disclaimer.for_(audience))}*", "", stamp(kb, version, code="`"), ""]


def comparison_lines(
    result: Result, audience: Audience, index: SourceIndex, *, alternatives: bool = False
) -> list[str]:
    """The comparison table and the findings of each modality; with ``alternatives``, the
    choices other than ketamine right after the table (issue 24 review)."""
    e = md_escape
    lines: list[str] = []
    header = "| | " + " | ".join(e(m.short_name) for m in result.modalities) + " |"
    lines += [header, "|---" * (len(result.modalities) + 1) + "|"]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| **{label}** | " + " | ".join(cells) + " |")

    row(
        STATUS_ROW[audience],
        [e(modality_status_text(m, audience, urgent=result.crisis.triggered)) for m in result.modalities],
    )
    row(INDICATION_ROW[audience], [e(m.indication.label.for_(audience)) for m in result.modalities])
    row(
        "Key findings" if audience == "clinician" else tr("What to discuss"),
        ["<br>".join(e(n) for n in key_finding_names(m, audience)) or tr("none") for m in result.modalities],
    )
    for key in TABLE_DETAILS:
        row(DETAIL_LABEL[audience][key], [e(m.detail(key).text.for_(audience)) for m in result.modalities])
    row(
        "Coverage" if audience == "clinician" else tr("Your insurance"),
        [
            e(coverage_text(m.coverage, audience, m.status)) + "<br>" + e(m.coverage.note.for_(audience))
            for m in result.modalities
        ],
    )
    row(
        OOP_ROW[audience],
        [
            e(oop_text(m.cost, audience, m.status)) + "<br>" + e(oop_assumptions(m.cost, audience, m.status))
            for m in result.modalities
        ],
    )
    row(OOP_COURSE_ROW[audience], [e(oop_course_text(m.cost, m.status, audience)) for m in result.modalities])
    if result.nothing_open is None:  # every route ruled out: a price would read as an offer (N5)
        row(
            LIST_PRICE_ROW[audience],
            [e(money(*m.cost.per_session)) + (tr(" (est.)") if m.cost.estimate else "") for m in result.modalities],
        )
    if any(m.cost.budget_note for m in result.modalities):
        row(
            tr("Budget"),
            [e(m.cost.budget_note.for_(audience)) if m.cost.budget_note else "" for m in result.modalities],
        )
    lines.append("")
    if alternatives:
        lines += alternative_lines(result, audience, index)

    lines += ["## " + ("Findings" if audience == "clinician" else tr("What we noticed")), ""]
    for m in result.modalities:
        lines.append(f"### {e(m.short_name)}: {e(modality_status_text(m, audience, urgent=result.crisis.triggered))}")
        lines.append("")
        if not m.findings:
            lines.append("- " + ("no findings" if audience == "clinician" else tr("nothing to flag")))
        for f in m.findings:
            marks = index.refs(f.refs)
            # A patient's marks too: every source in the list at the end is one the page cites.
            refs = f" {marks} `{f.id}`" if audience == "clinician" else (f" {marks}" if marks else "")
            lines.append(
                f"- **{e(SEVERITY_WORD[audience][word_of(f)])}**: **{e(f.name.for_(audience))}**: "
                f"{e(f.message.for_(audience))}{refs}"
            )
        lines.append("")
    return lines


def troubleshooting_lines(suggestions: tuple[Suggestion, ...], audience: Audience, index: SourceIndex) -> list[str]:
    """The troubleshooting suggestions as a Markdown section (empty when there are none)."""
    if not suggestions:
        return []
    e = md_escape
    lines = ["## " + ("Troubleshooting" if audience == "clinician" else tr("For the course under way")), ""]
    for s in suggestions:
        marks = index.refs(s.refs or s.sources)
        refs = f" {marks}" if marks else ""
        lines += [
            f"- **{e(s.situation.for_(audience))}**",
            f"  - {tr('What it may mean')}: {e(s.meaning.for_(audience))}",
            f"  - {tr('Next step to discuss')}: {e(s.next_step.for_(audience))}{refs}",
        ]
        if s.alternative_names:
            label = "Alternatives" if audience == "clinician" else tr("Other options to ask about")
            lines.append(f"  - {label}: " + " · ".join(e(a.for_(audience)) for a in s.alternative_names))
    lines.append("")
    return lines


def handout_lines(
    handout: Handout | None,
    crisis_shown: bool,
    audience: Audience,
    index: SourceIndex,
    *,
    checklist: bool = True,
    questions: bool = True,
) -> list[str]:
    """The handout's checklist (a pre-treatment one: ``checklist=False`` for a course under
    way), questions and (unless a crisis banner is already shown) crisis resources."""
    if handout is None:
        return []
    e = md_escape
    clinician = audience == "clinician"

    def refs(sources: tuple[Ref, ...]) -> str:
        # A patient's too, as on the printed handout: a source numbered in the list at the end
        # is one the page shows it cites (issue 24 review).
        marks = index.refs(sources)
        return f" {marks}" if marks else ""

    lines: list[str] = []
    if checklist:
        head = "Candidate checklist" if clinician else tr("Things to think about before any of these choices")
        lines += ["## " + head, ""]
        lines += [f"- [ ] {e(i.text.for_(audience))}{refs(i.refs)}" for i in handout.checklist]
        lines.append("")
    if questions:
        lines += ["## " + ("Questions for the provider" if clinician else tr("Questions to ask a provider")), ""]
        lines += [f"{n}. {e(i.text.for_(audience))}{refs(i.refs)}" for n, i in enumerate(handout.questions, 1)]
        lines.append("")
    if not crisis_shown:
        lines += [
            "## " + ("Crisis resources" if clinician else tr("If you are ever in danger")),
            "",
            f"> {e(handout.crisis_resources.for_(audience))}{refs(handout.crisis_refs)}",
            "",
        ]
    return lines


def sources_lines(audience: Audience, index: SourceIndex) -> list[str]:
    if not index.items():
        return []
    heading = "Sources" if audience == "clinician" else tr("Where this information comes from")
    return ["## " + heading, "", *[f"{n}. {md_escape(c + checked(r))}" for n, c, r in index.dated_items()], ""]


def render_report_markdown(report: TroubleshootReport, audience: Audience = "clinician") -> str:
    """A troubleshooting report (``ketadecide troubleshoot``) as Markdown, with the same
    content as the HTML handout."""
    e = md_escape
    index = index_for(audience)
    lines: list[str] = []
    lines += crisis_lines(report.crisis, audience)
    title = "Troubleshooting a ketamine course"
    if audience == "patient":
        title = tr("When a ketamine course isn't going as hoped")
    if report.profile_id:
        title += f" — {e(report.profile_id)}"
    lines += [f"# {title}", ""]
    window_refs = index.refs(report.course.window_refs)
    lines += [
        f"**Course:** {e(course_line(report, audience))}",
        "",
        e(report.course.window_note.for_(audience)) + (f" {window_refs}" if audience == "clinician" else tr("")),
        "",
    ]
    if report.log is not None:
        log = report.log
        lines += [f"**Log:** {e(log_line(log, audience))}", "", "```", *trend_lines(log), "```", ""]
        lines += [f"- {e(n.for_(audience))}" for n in log.notes]
        marks = index.refs(log.definition_refs)
        lines += [
            "",
            f"*{tr('How change is judged')}:* {e(log.definitions.for_(audience))}"
            + (f" {marks}" if audience == "clinician" else tr("")),
            "",
        ]
    if report.suggestions:
        lines += troubleshooting_lines(report.suggestions, audience, index)
    else:
        lines += ["Nothing to flag for this course.", ""]
    if report.comparison is not None:
        lines += comparison_lines(report.comparison, audience, index)
    # A course under way is past the pre-treatment checklist.
    lines += handout_lines(report.handout, report.crisis.triggered, audience, index, checklist=False)
    lines += sources_lines(audience, index)
    lines += footer_lines(report.disclaimer, report.knowledge_base, report.ketadecide_version, audience)
    return "\n".join(lines)


def _list_markdown(kb: KnowledgeBase, audience: Audience) -> str:
    lines = [
        "# Modalities",
        "",
        "| id | name | drug | route | setting | before insurance / session |",
        "|---|---|---|---|---|---|",
    ]
    for ident, m in kb.modalities.items():
        c = m.cost_per_session_usd
        lines.append(
            f"| `{ident}` | {md_escape(m.name)} | {md_escape(m.drug)} | {md_escape(m.route)} | "
            f"{md_escape(m.setting)} | {md_escape(money(c.low, c.high))}{' (est.)' if c.estimate else ''} |"
        )
    lines += [
        "",
        f"Knowledge base reviewed {reviewed_span(kb.reviewed, kb.newest_reviewed)}; "
        "`ketadecide modalities ID` shows one in full.",
        "",
    ]
    return "\n".join(lines)


def _one_markdown(kb: KnowledgeBase, ident: str, audience: Audience) -> str:
    m = kb.modalities[ident]
    index = SourceIndex()
    lines = [f"# {md_escape(m.name)} (`{ident}`)", ""]
    for key in type(m.details).model_fields:
        item = getattr(m.details, key)
        text = item.patient if audience == "patient" else item.clinician
        lines.append(f"- **{DETAIL_LABEL[audience][key]}**: {md_escape(text)} {index.refs(kb.refs(item.sources))}")
    s = m.induction_sessions
    c = m.cost_per_session_usd
    lines += [
        f"- **Induction sessions**: {count_range(s.low, s.high)}{' (estimate)' if s.estimate else ''} "
        f"{index.refs(kb.refs(s.sources))}",
        f"- **Price before insurance, per session**: {md_escape(money(c.low, c.high))} as of {c.as_of.isoformat()}"
        f"{' (estimate)' if c.estimate else ''}. {md_escape(c.note or '')} {index.refs(kb.refs(c.sources))}",
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
            f"{md_escape(note)} {index.refs(kb.refs(cov.sources))} |"
        )
    lines += ["", "## Sources", ""]
    lines += [f"{n}. {md_escape(citation)}" for n, citation in index.items()]
    lines += ["", f"Reviewed {kb.reviewed.isoformat()} (oldest record in the knowledge base).", ""]
    return "\n".join(lines)


class MarkdownRenderer:
    """The ``markdown`` format (see :class:`ketadecide.render.interface.Renderer`)."""

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
        return render_markdown(result, audience)

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return render_report_markdown(report, audience)

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return _list_markdown(kb, audience) if modality_id is None else _one_markdown(kb, modality_id, audience)


# ---------------------------------------------------------------- decision support (0.3.0)


def checklist_lines(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """The Spravato REMS and prior-authorisation steps, as boxes to tick on paper."""
    e = md_escape
    lines: list[str] = []
    if audience != "clinician":  # the clinician handout; the patient's keeps its page budget
        return lines
    for c in open_checklists(result):
        refs = f" {index.refs(c.refs)}" if audience == "clinician" else ""
        lines += [f"## {e(c.title.for_(audience))}", ""]
        if audience == "clinician":
            lines += [f"_Reviewed {c.reviewed.isoformat()}_{refs}", ""]
        for item in c.items:
            cited = f" {index.refs(item.refs)}" if audience == "clinician" else ""
            lines.append(f"- [ ] {e(item.text.for_(audience))}{cited}")
        lines.append("")
    return lines


def alternative_lines(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """The choices other than ketamine under their own heading, right after the comparison
    (issue 24 review): each with its good point and its harder point, with sources."""
    e, h, d = md_escape, DECISION_HEADINGS[audience], result.decision
    if d is None or not d.alternatives:
        return []
    lines: list[str] = [f"## {h['alternatives']}", ""]
    for alt in d.alternatives:
        lines.append(f"- **{e(alt.name.for_(audience))}:** {e(alt.line.for_(audience))}{index.refs(alt.refs)}")
        lines += [
            f"  - {e(label)}: {e(p.text.for_(audience))}{index.refs(p.refs)}"
            for label, p in ((h["alt_good"], alt.good), (h["alt_harder"], alt.harder))
            if p is not None
        ]
    return [*lines, ""]


def _above_figures(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Said once above the figures: the warning, then the harms of every route (sixth review)."""
    lines: list[str] = []
    warning = compare_line(result, audience)
    if warning is not None:
        lines += [f"**{md_escape(warning)}**", ""]
    route = every_route_line(result, audience)
    if route is not None:
        lines += [f"{md_escape(route[0])}{index.refs(route[1])}", ""]
    return lines


def decision_lines(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Evidence, fit, SURE, choosing a clinic and who made this: sections after the comparison."""
    e = md_escape
    h = DECISION_HEADINGS[audience]
    lines: list[str] = []
    if any(m.evidence for m in result.modalities):
        lines += [f"## {h['evidence']}", ""]
        lines += _above_figures(result, audience, index)
        left_out = figures_left_out(result, audience)
        if left_out is not None:
            lines += [e(left_out), ""]
        for m in figured(result):
            ev = m.evidence
            assert ev is not None
            lines += [f"### {e(m.short_name)}", "", f"**{h['certainty']}:** {e(certainty_line(ev, audience))}", ""]
            for o in ev.outcomes:
                # Not drawn: an uncontrolled cohort, or any figure of an option whose harms have
                # no figure with a comparator (then said right after it, issue 24 C1).
                bars = f"`{bar10(o.value_pct)}` vs `{comparator_bar(o.comparator_pct)}` " if drawn(o, ev) else ""
                after = e(unweighed_after(o, ev, audience))
                lines.append(f"- {bars}{e(outcome_sentence(o, audience))}{index.refs(o.refs)}{after}")
            for a in ev.adverse_effects:
                bars = f"`{bar10(adverse_high(a))}` vs `{comparator_bar(adverse_comparator_high(a))}` "
                lines.append(f"- {bars}{e(adverse_sentence(a, audience))}{index.refs(a.refs)}")
            if ev.no_figures:
                lines.append(f"- {e(ev.no_figures.for_(audience))}{index.refs(ev.no_figures_refs)}")
            lines.append("")
    if result.fit is not None:
        fit = result.fit
        lines += [f"## {h['fit']}", "", f"*{e(fit.note.for_(audience))}*", ""]
        names = {m.id: m.short_name for m in result.modalities}
        for entry in fit.ranking:
            lines.append(f"- {e(fit_entry_line(entry, names[entry.id], audience))}")
        if fit.shared_note is not None:
            lines.append(f"- {e(fit.shared_note.for_(audience))}")
        for t in fit.ties:
            lines.append(f"- {e(t.for_(audience))}")
        if fit.excluded_note:
            lines.append(f"- {e(fit.excluded_note.for_(audience))}")
        ids = [m.id for m in result.modalities]
        lines += ["", f"**{h['table']}**", ""]
        lines.append("| | " + h["weight"] + " | " + " | ".join(e(names[i]) for i in ids) + " |")
        lines.append("|---|---|" + "---|" * len(ids))
        for attr in fit.attributes:
            cells = " | ".join(str(attr.scores[i]) for i in ids)
            lines.append(f"| {e(attr.label.for_(audience))}{index.refs(attr.refs)} | {attr.weight} | {cells} |")
        lines.append("")
    if result.sure is not None:
        s = result.sure
        lines += [f"## {h['sure']}", "", e(sure_score_line(s, audience)), ""]
        for step in s.next_steps:
            lines.append(f"- **{e(step.question)}** No → {e(sure_step_text(step, audience))}{index.refs(step.refs)}")
        lines += ["", f"*{e(s.credit)}*", ""]
    d = result.decision
    if d is not None and result.nothing_open is None:  # no clinic to choose when none is open
        lines += [f"## {h['clinic']}", "", f"**{h['look_for']}**", ""]
        lines += [f"- {e(i.text.for_(audience))}{index.refs(i.refs)}" for i in d.look_for]
        lines += ["", f"**{h['red_flags']}**", ""]
        lines += [f"- {e(i.text.for_(audience))}{index.refs(i.refs)}" for i in d.red_flags]
        lines += ["", f"**{h['therapy']}**", ""]
        for m in result.modalities:
            offered, evidence, _certainty, refs = d.therapy[m.id]
            lines.append(
                f"- **{e(m.short_name)}:** {e(offered.for_(audience))} {e(evidence.for_(audience))}{index.refs(refs)}"
            )
        lines += ["", f"**{h['questions']}**", ""]
        lines += [f"- {e(i.text.for_(audience))}{index.refs(i.refs)}" for i in d.questions]
        lines.append("")
    if d is not None:
        lines += [f"## {h['about']}", "", e(d.decision.for_(audience)), ""]
        lines += [f"- {e(d.made_by.for_(audience))}", f"- {e(d.funding.for_(audience))}"]
        lines.append(
            f"- {e(d.review_cycle.for_(audience))} ({d.oldest_review.isoformat()} to {d.newest_review.isoformat()})"
        )
        if d.sponsored:
            lines.append(SPONSORED_SLOT)  # filled in render_markdown once every source is cited
        lines.append("")
    return lines


def render_ids_markdown(listing: dict[str, Any]) -> str:
    """``ketadecide ids --format markdown``: one table per section."""
    lines: list[str] = ["# ketadecide ids", ""]
    for section, entries in listing.items():
        lines += [f"## {section}", ""]
        if section in ("conditions", "medications"):
            lines += ["| id | name | plain name | brand names |", "|---|---|---|---|"]
            lines += [
                f"| `{e['id']}` | {md_escape(e['name'])} | {md_escape(e['plain_name'])} | {', '.join(e['brands'])} |"
                for e in entries
            ]
        elif section == "fields":
            lines += ["| field | type | values |", "|---|---|---|"]
            lines += [f"| `{e['field']}` | {e['type']} | {ids_values_text(e)} |" for e in entries]
        elif section == "values":
            lines += ["| field | values |", "|---|---|"]
            lines += [f"| `{name}` | {', '.join(values)} |" for name, values in entries.items()]
        else:
            lines += [f"- `{value}`" for value in entries]
        lines.append("")
    return "\n".join(lines)


def ids_values_text(entry: dict[str, Any]) -> str:
    """The values one field takes, in words: ``mdd, ptsd``, ``0-120``, ``9 items, 0-3``."""
    parts = []
    if "values" in entry:
        parts.append(", ".join(entry["values"]))
    if "values_from" in entry:
        parts.append(f"see `{entry['values_from']}`")
    if "items" in entry:
        parts.append(f"{entry['items']} items")
    if "range" in entry:
        low, high = entry["range"]
        parts.append(f"{low}-{high}")
    if entry.get("required"):
        parts.append("required")
    return "; ".join(parts)
