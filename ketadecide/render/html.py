"""The printable handout: one self-contained HTML page (no external assets, works offline).

Print-friendly (print CSS, margins that fit A4 and US Letter), plain language for a
patient, clinical wording and rule ids for a clinician. Everything that comes from input
or data is passed through :func:`html.escape`, and a Content-Security-Policy forbids any
script or fetch, so injected markup stays inert even if it slipped through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketadecide.citations import Ref
from ketadecide.engine.result import (
    Audience,
    Crisis,
    Handout,
    HandoutItem,
    KnowledgeBaseInfo,
    Result,
    Suggestion,
    Worded,
)
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.lang import Registers, tr, trf
from ketadecide.render.html_decision import (
    alternatives_section,
    decision_sections,
    fill_sponsored,
    fit_block,
    get_started_rows,
    sure_block,
)
from ketadecide.render.html_page import cite, document, e
from ketadecide.render.labels import (
    DETAIL_LABEL,
    INDICATION_ROW,
    LIST_PRICE_ROW,
    OOP_COURSE_ROW,
    OOP_ROW,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    checked,
    conflict_texts,
    course_line,
    coverage_text,
    findable,
    group_findings,
    incomplete_line,
    index_for,
    key_finding_names,
    leaning_elsewhere,
    leaning_name,
    log_line,
    modality_status_text,
    money,
    oop_assumptions,
    oop_course_text,
    oop_text,
    open_checklists,
    stale_texts,
    word_of,
)
from ketadecide.render.trend import trend_svg

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport

#: The detail rows of a patient's handout after its summary page (approval, schedule and time
#: per visit are on page 1 already).
PATIENT_HANDOUT_DETAILS = ("route", "driving", "tradeoffs")

#: Headings in both voices.
HEADINGS: dict[str, dict[str, str]] = {
    "clinician": {
        "lead": "Decision support comparing four ketamine modalities for depression. "
        "It informs; it does not prescribe.",
        "lead_course": "Troubleshooting support for a ketamine course under way. It informs; it does not prescribe.",
        "compare": "The four modalities",
        "more": "The four modalities in detail",
        "findings": "Findings for this patient",
        "course": "Troubleshooting the course under way",
        "checklist": "Candidate checklist",
        "questions": "Questions for the provider",
        "resources": "Crisis resources",
        "sources": "Sources",
        "crisis": "CRISIS: safety first",
        "meaning": "What it may mean",
        "next": "Next step to discuss",
        "alternatives": "Alternatives",
        "definitions": "How change is judged",
        "nothing": "no findings",
    },
    "patient": {
        "lead": "Four ways ketamine is given for depression, side by side, with what we noticed for you. "
        "Take it to your clinician: it helps you talk it over, it is not a prescription.",
        "lead_course": "About the ketamine course you are having now: what your scores show and what to talk "
        "over with your clinician. It helps you talk it over; it is not a prescription.",
        "compare": "The four options at a glance",
        "more": "More about each option",
        "findings": "What we noticed for you",
        "course": "For the course you are having now",
        "checklist": "Things to think about before any of these choices",
        "questions": "Questions to ask a provider",
        "resources": "If you are ever in danger",
        "sources": "Where this information comes from",
        "crisis": "Your safety comes first",
        "meaning": "What it may mean",
        "next": "What to discuss",
        "alternatives": "Other options to ask about",
        "definitions": "How we judge change",
        "nothing": "nothing to flag",
    },
}


def _crisis_banner(crisis: Crisis, handout: Handout | None, audience: Audience, index: SourceIndex) -> list[str]:
    if not crisis.triggered or crisis.message is None:
        return []
    refs: tuple[Ref | str, ...] = (
        handout.crisis_message_refs if handout and handout.crisis_message_refs else crisis.sources
    )
    h = HEADINGS[audience]
    return [
        '<section class="crisis" role="alert">',
        f"<strong>⚠ {e(h['crisis'])}</strong>",
        f"<p>{e(crisis.message.for_(audience))}{cite(index, refs)}</p>",
        "</section>",
    ]


def _table_start(heading: str, css: str, result: Result) -> list[str]:
    """A section heading and the opening of a table with one column per modality."""
    head = "".join(f'<th scope="col">{e(m.short_name)}</th>' for m in result.modalities)
    return [f"<section><h2>{e(heading)}</h2>", f'<table class="{css}"><thead><tr><th></th>{head}</tr></thead><tbody>']


def _row(label: str, cells: list[str]) -> str:
    return f'<tr><th scope="row">{e(label)}</th>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _comparison(result: Result, audience: Audience, index: SourceIndex, *, detail_only: bool = False) -> list[str]:
    """The comparison table; ``detail_only`` leaves out what the page-1 summary already says."""
    h = HEADINGS[audience]
    ms = result.modalities
    # A patient's copy keeps each row whole on a page (a row cut after a line or two, under
    # the repeated column heads, reads badly); a clinician's long rows may split.
    css = "compare whole-rows" if detail_only and audience == "patient" else "compare"
    out = _table_start(h["more"] if detail_only else h["compare"], css, result)

    def row(label: str, cells: list[str]) -> None:
        out.append(_row(label, cells))

    urgent = result.crisis.triggered
    if not detail_only:
        row(
            STATUS_ROW[audience],
            [f'<span class="st-{m.status}">{e(modality_status_text(m, audience, urgent=urgent))}</span>' for m in ms],
        )
        row(
            INDICATION_ROW[audience],
            [e(m.indication.label.for_(audience)) + cite(index, m.indication.refs) for m in ms],
        )
        row(
            "Key findings" if audience == "clinician" else tr("What to discuss"),
            ["<br>".join(e(n) for n in key_finding_names(m, audience)) or e(h["nothing"]) for m in ms],
        )
    # After the page-1 summary a patient's copy keeps what it does not already say.
    keys: tuple[str, ...] = PATIENT_HANDOUT_DETAILS if detail_only and audience == "patient" else TABLE_DETAILS
    starting = get_started_rows(result, audience, index) if detail_only and audience == "patient" else []
    if starting:
        keys = tuple(k for k in keys if k != "driving")  # "How to get started" ends with it
    for key in keys:
        row(
            DETAIL_LABEL[audience][key],
            [e(m.detail(key).text.for_(audience)) + cite(index, m.detail(key).refs) for m in ms],
        )
    if not (detail_only and audience == "patient"):  # a patient's page 1 says it already
        row(
            "Coverage" if audience == "clinician" else tr("Your insurance"),
            [
                f"<b>{e(coverage_text(m.coverage, audience, m.status))}</b><br>{e(m.coverage.note.for_(audience))}"
                + cite(index, m.coverage.refs)
                for m in ms
            ],
        )
    if not detail_only:
        row(
            OOP_ROW[audience],
            [
                f"<b>{e(oop_text(m.cost, audience, m.status))}</b><br>{e(oop_assumptions(m.cost, audience, m.status))}"
                + (cite(index, m.cost.out_of_pocket.refs) if m.cost.out_of_pocket else "")
                for m in ms
            ],
        )
        row(OOP_COURSE_ROW[audience], [e(oop_course_text(m.cost, m.status, audience)) for m in ms])
        row(
            LIST_PRICE_ROW[audience],
            [
                e(money(*m.cost.per_session)) + (" (estimate)" if m.cost.estimate else "") + cite(index, m.cost.refs)
                for m in ms
            ],
        )
    if any(m.cost.budget_note for m in ms):
        row(
            "Budget" if audience == "clinician" else tr("Your budget"),
            [e(m.cost.budget_note.for_(audience)) if m.cost.budget_note else "" for m in ms],
        )
    out += starting
    out.append("</tbody></table></section>")
    return out


def _findings(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    h = HEADINGS[audience]
    out = [f"<section><h2>{e(h['findings'])}</h2>"]
    for m in result.modalities:
        out.append('<div class="card">')
        out.append(
            f'<h3>{e(m.short_name)}: <span class="st-{m.status}">'
            f"{e(modality_status_text(m, audience, urgent=result.crisis.triggered))}</span></h3>"
        )
        if not m.findings:
            out.append(f"<p>{e(h['nothing'])}</p>")
        else:
            out.append("<ul>")
            for f in m.findings:
                rule = f' <span class="rule-id">{e(f.id)}</span>' if audience == "clinician" else ""
                out.append(
                    f'<li><span class="sev">{e(SEVERITY_WORD[audience][word_of(f)])}</span>: '
                    f"<b>{e(f.name.for_(audience))}</b>. {e(f.message.for_(audience))}"
                    f"{cite(index, f.refs)}{rule}</li>"
                )
            out.append("</ul>")
        out.append("</div>")
    out.append("</section>")
    return out


def _suggestions(suggestions: tuple[Suggestion, ...], audience: Audience, index: SourceIndex) -> list[str]:
    h = HEADINGS[audience]
    out: list[str] = []
    for s in suggestions:
        rule = f' <span class="rule-id">{e(s.id)}</span>' if audience == "clinician" else ""
        out.append('<div class="card">')
        out.append(f"<h3>{e(s.situation.for_(audience))}{rule}</h3>")
        out.append(f'<p><span class="label">{e(h["meaning"])}:</span> {e(s.meaning.for_(audience))}</p>')
        out.append(
            f'<p><span class="label">{e(h["next"])}:</span> {e(s.next_step.for_(audience))}'
            f"{cite(index, s.refs or s.sources)}</p>"
        )
        if s.alternative_names:
            names = " · ".join(e(a.for_(audience)) for a in s.alternative_names)
            out.append(f'<p><span class="label">{e(h["alternatives"])}:</span> {names}</p>')
        out.append("</div>")
    return out


def _handout(
    handout: Handout | None,
    crisis: Crisis,
    audience: Audience,
    index: SourceIndex,
    *,
    resources: bool = True,
    more_questions: tuple[HandoutItem, ...] = (),
    checklist: bool = True,
    questions: bool = True,
) -> list[str]:
    """Checklist (pre-treatment: ``checklist=False`` for a course under way), questions and
    crisis resources. ``questions=False``: no question for a ketamine provider (no route is
    open)."""
    if handout is None:
        return []
    h = HEADINGS[audience]
    out: list[str] = []
    if checklist:
        out += [f"<section><h2>{e(h['checklist'])}</h2>", '<ul class="checklist twocol">']
        out += [f"<li>{e(i.text.for_(audience))}{cite(index, i.refs)}</li>" for i in handout.checklist]
        out.append("</ul></section>")
    if questions:
        out += [f"<section><h2>{e(h['questions'])}</h2>", '<ol class="questions twocol">']
        items = (*handout.questions, *more_questions)
        out += [f"<li>{e(i.text.for_(audience))}{cite(index, i.refs)}</li>" for i in items]
        out.append("</ol></section>")
    if resources and not crisis.triggered:
        out += [
            f'<section class="resources"><h3>{e(h["resources"])}</h3>',
            f"<p>{e(handout.crisis_resources.for_(audience))}{cite(index, handout.crisis_refs)}</p>",
            "</section>",
        ]
    return out


#: The line telling a patient (and the clinic) that the handout can be printed in large print.
BIGGER = (
    "Need bigger print? Ask for this sheet in large print. "
    "(For staff: add --large-print, or type l at the end of a consult.)"
)


def _closing(  # noqa: PLR0917 - private helper
    disclaimer: Worded,
    disclaimer_sources: tuple[Ref | str, ...],
    kb: KnowledgeBaseInfo,
    version: str,
    audience: Audience,
    index: SourceIndex,
    *,
    bigger: bool = False,
) -> list[str]:
    """The disclaimer, the sources and the review stamp. ``bigger``: a patient's comparison
    handout says, under the disclaimer, that it can be printed in large print and how."""
    h = HEADINGS[audience]
    footer = (
        "<footer>"
        + e(
            trf(
                "Knowledge base reviewed {low} to {high} · ketadecide {version} · data sha256 {sha}",
                low=kb.reviewed.isoformat(),
                high=kb.newest.isoformat(),
                version=version,
                sha=kb.sha256[:12],
            )
            # The span, oldest to newest (issue 24 review, defect 14: the oldest date alone
            # understated how recently the content was checked).
            if kb.newest is not None and kb.newest != kb.reviewed
            else trf(
                "Knowledge base reviewed {date} · ketadecide {version} · data sha256 {sha}",
                date=kb.reviewed.isoformat(),
                version=version,
                sha=kb.sha256[:12],
            )
        )
        + "</footer>"
    )
    out = [f'<p class="disclaimer">{e(disclaimer.for_(audience))}{cite(index, disclaimer_sources)}</p>']
    if bigger and audience == "patient":
        # Third IPDAS review: nothing on the standard copy said a large-print copy exists.
        # Hidden in the large-print copy itself (ketadecide/render/large_print.py).
        out.append(f'<p class="bigger"><b>{e(tr(BIGGER))}</b></p>')
    if audience == "patient":
        # In full and in small print on a page of their own after the content (issue 24: a
        # source cut to 45 characters cannot be found from paper); the page budget is four
        # pages of content plus this one. The review stamp sits beside the page's heading,
        # not under the list, so the list has the page's every line.
        out.append(f'<section class="refs-page"><div class="refs-head"><h2>{e(h["sources"])}</h2>{footer}</div>')
        items = "".join(f"<li>{e(findable(c) + checked(r))}</li>" for _, c, r in index.dated_items())
        out.append(f'<ol class="sources brief">{items}</ol></section>')
        return out
    out.append(f"<section><h2>{e(h['sources'])}</h2>")
    listed = "".join(f"<li>{e(c + checked(r))}</li>" for _, c, r in index.dated_items())
    out += [f'<ol class="sources">{listed}</ol></section>', footer]
    return out


def _intro(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Page 1 opens with the condition and the decision in two sentences and a short
    glossary (issue 24); without decision.yaml's intro, the usual lead."""
    d = result.decision
    if d is None or d.condition is None or d.decision_line is None:
        return [f'<p class="lead">{e(HEADINGS[audience]["lead"])}</p>']
    lead = f"{d.condition.for_(audience)} {d.decision_line.for_(audience)}"
    out = [f'<p class="lead"><b>{e(lead)}</b>{cite(index, d.intro_refs)}</p>']
    if d.glossary:
        words = "".join(f"<span><b>{e(term)}</b>: {e(text.for_(audience))}.</span> " for term, text in d.glossary)
        label = tr("Words used here") if audience == "patient" else "Terms"
        out.append(f'<p class="glossary"><b>{label}.</b> {words.strip()}</p>')
    return out


def _worksheet(result: Result) -> list[str]:
    """What matters most, the leaning question and a next-step plan, on every patient copy:
    filled in where the consult answered, blank boxes to fill by hand where it did not."""
    rated = {a.id: a.weight for a in result.fit.attributes} if result.fit is not None else {}
    labels = [(k, tr(v)) for k, v in WORKSHEET_ATTRIBUTES]
    cells = " · ".join(
        f"{e(label)} <b>{rated[ident]}</b>" if ident in rated else f"{e(label)} ___" for ident, label in labels
    )
    plan = result.plan
    leaning = plan.leaning if plan is not None else None
    # A choice other than ketamine is "unsure" with its name first in the notes (CONTRACT §1):
    # ticked as "Something else", its name on the line, and not repeated under "My plan".
    alternatives = result.decision.alternatives if result.decision else ()
    elsewhere, notes = leaning_elsewhere(plan.notes if plan else None, alternatives, "patient")
    if elsewhere is not None and leaning == "unsure":
        leaning = "else"

    def box(ident: str) -> str:
        # A ticked box for the option the consult recorded; empty boxes to tick by hand.
        return "&#9745;" if ident == leaning else "&#9744;"

    # Only the routes open to this person: a contraindicated one is never offered as a leaning.
    # A route the label advises against carries its "not recommended for you" (D5).
    names = " ".join(
        f"{box(m.id)} {e(leaning_name(m, 'patient'))}" for m in result.modalities if m.status != "contraindicated"
    )
    # The line to write on only where no leaning was recorded (a filled copy has no blanks).
    other = f"<b>{e(elsewhere)}</b>" if leaning == "else" and elsewhere else "" if leaning else "______________"
    if plan is not None and (plan.decide_by or notes):
        mine = [f"{e(tr('Decide by'))} <b>{e(plan.decide_by)}</b>." if plan.decide_by else ""]
        mine.append(e(notes) if notes else "")
        filled = " ".join(m for m in mine if m)
        plan_line = f'<p><b>{e(tr("My plan."))}</b> <span class="mine">{filled}</span></p>'
    else:
        plan_line = (
            f"<p><b>{e(tr('My plan.'))}</b> "
            + e(
                tr(
                    "Decide by (date) ________; people to talk it over with ______________; "
                    "questions I still have ______________________________"
                )
            )
            + "</p>"
        )
    # What matters most rates the ketamine routes against each other: not asked when every
    # route is ruled out (IPDAS re-review N5).
    ratings = (
        [f"<p><b>{e(tr('What matters most to you'))}</b> {e(tr('(0 = not at all, 10 = a lot)?'))} {cells}</p>"]
        if result.nothing_open is None
        else []
    )
    return [
        f'<section class="worksheet"><h2>{e(tr("Your next steps"))}</h2>',
        *ratings,
        f"<p><b>{e(tr('Which option are you leaning toward?'))}</b> {names} "
        f"{box('unsure')} {e(tr('Not sure yet'))} {box('else')} {e(tr('Something else:'))} {other}".rstrip()
        + "</p>",
        plan_line,
        "</section>",
    ]


WORKSHEET_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("evidence", "Strong proof it works"),
    ("cost", "Low cost"),
    ("time", "Less time at a clinic"),
    ("home", "Treatment at home"),
    ("needles", "No needles"),
    ("monitoring", "Staff watching over you"),
)
"""The values worksheet's rows when nothing was rated (values.yaml's patient labels)."""


def _title(audience: Audience, profile_id: str | None, base: str | None = None) -> str:
    title = base or TITLE[audience]
    if profile_id:
        title += (tr(" for ") if audience == "patient" else " — ") + profile_id
    return title


def _headlines(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Findings the data marks for the top of every view (suicidal thoughts), each once."""
    out: list[str] = []
    for g in group_findings(result):
        first = next(f for m in result.modalities for f in m.findings if f.id == g.id)
        if first.headline:
            out.append(
                f'<section class="headline" role="note"><b>⚠ {e(g.name.for_(audience))}.</b> '
                f"{e(g.rationale.for_(audience))}{cite(index, g.refs)}</section>"
            )
    return out


def _summary(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Page 1: the four options in a few words each."""
    ms = result.modalities
    h = HEADINGS[audience]
    out = _table_start(h["compare"], "summary", result)

    def row(label: str, cells: list[str]) -> None:
        out.append(_row(label, cells))

    row(
        STATUS_ROW[audience],
        [
            f'<span class="st-{m.status}">{e(modality_status_text(m, audience, urgent=result.crisis.triggered))}</span>'
            for m in ms
        ],
    )
    row(INDICATION_ROW[audience], [e(m.indication.label.for_(audience)) + cite(index, m.indication.refs) for m in ms])
    row(
        "Key findings" if audience == "clinician" else tr("To talk over"),
        ["; ".join(e(n) for n in key_finding_names(m, audience, short=True)) or e(h["nothing"]) for m in ms],
    )
    row(
        "Coverage" if audience == "clinician" else tr("Your insurance"),
        [e(coverage_text(m.coverage, audience, m.status)) + cite(index, m.coverage.refs) for m in ms],
    )
    row(
        OOP_ROW[audience],
        [
            e(oop_text(m.cost, audience, m.status))
            + (cite(index, m.cost.out_of_pocket.refs) if m.cost.out_of_pocket else "")
            for m in ms
        ],
    )
    row(OOP_COURSE_ROW[audience], [e(oop_course_text(m.cost, m.status, audience)) for m in ms])
    if result.nothing_open is None:  # every route ruled out: a price would read as an offer (N5)
        row(
            LIST_PRICE_ROW[audience],
            [
                e(money(*m.cost.per_session)) + (tr(" (est.)") if m.cost.estimate else "") + cite(index, m.cost.refs)
                for m in ms
            ],
        )
    row(tr("Visits"), [e(m.glance.visits.for_(audience)) + cite(index, m.glance.refs) if m.glance else "" for m in ms])
    row(
        "Time per visit" if audience == "clinician" else tr("Each visit"),
        [e(m.glance.time_per_visit.for_(audience)) if m.glance else "" for m in ms],
    )
    out.append("</tbody></table></section>")
    return out


def _noticed(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """What we noticed, each finding once with the options it concerns (not once per option)."""
    h = HEADINGS[audience]
    every = group_findings(result)
    # A patient's page 1 spells out what needs talking over; the rest is named in one line.
    groups = [g for g in every if audience == "clinician" or g.worst != "info"]
    minor = [g for g in every if g not in groups]
    out = [f"<section><h2>{e(h['findings'])}</h2>"]
    if not every:
        return [*out, f"<p>{e(h['nothing'])}</p>", "</section>"]
    out.append('<ul class="noticed">')
    # A headline finding's text is already at the top of the page: a patient's list gives its
    # name, the options and any per-option note, not the same words again (page budget).
    above = {f.id for m in result.modalities for f in m.findings if f.headline} if audience == "patient" else set()
    # A patient's finding for all four options says so in two short words, not four names
    # (the page budget, under "The four options at a glance"); a clinician's names them.
    every_option = tr("all four") if audience == "patient" and len(result.modalities) == 4 else None
    for g in groups:
        by_severity: dict[str, list[str]] = {}
        for name, severity in g.severities:
            by_severity.setdefault(severity, []).append(name)
        where = "; ".join(
            f"{SEVERITY_WORD[audience][s]}: "
            + (every_option if every_option and len(n) == len(result.modalities) else ", ".join(n))
            for s, n in by_severity.items()
        )
        rule = f' <span class="rule-id">{e(g.id)}</span>' if audience == "clinician" else ""
        notes = "".join(
            f" <i>{e(', '.join(names))}:</i> {e(note.for_(audience))}" for names, note in g.notes if note.for_(audience)
        )
        out.append(
            f'<li><b>{e(g.name.for_(audience))}</b> <span class="where">({e(where)})</span>{rule}. '
            f"{(notes.lstrip() if g.id in above else e(g.rationale.for_(audience)) + notes)}{cite(index, g.refs)}</li>"
        )
    if minor:
        names = "; ".join(g.name.for_(audience) for g in minor)
        refs = cite(index, tuple(r for g in minor for r in g.refs))
        out.append(f"<li><b>{e(tr('Good to know'))}:</b> {e(names)} {e(tr('(more below)'))}{refs}</li>")
    out += ["</ul>", "</section>"]
    return out


def _checklists(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """The Spravato REMS and prior-authorisation steps, with boxes to tick on paper."""
    out: list[str] = []
    if audience != "clinician":  # the clinician handout; the patient's keeps its page budget
        return out
    for c in open_checklists(result):
        dated = f' <span class="refs">(reviewed {c.reviewed.isoformat()})</span>' if audience == "clinician" else ""
        out += [f'<section class="steps"><h2>{e(c.title.for_(audience))}{dated}</h2>', '<ul class="checklist">']
        for item in c.items:
            refs = cite(index, item.refs) if audience == "clinician" else ""
            out.append(f"<li>{e(item.text.for_(audience))}{refs}</li>")
        out += ["</ul>", "</section>"]
    return out


def render_html(result: Result, audience: Audience = "patient") -> str:
    """The comparison as a printable, self-contained HTML handout.

    Page 1 is the answer: the four options in a few words, what we noticed (once), and the
    988 box; the fuller comparison, the evidence, questions and sources follow.
    """
    index = index_for(audience)
    h = HEADINGS[audience]
    title = _title(audience, result.profile_id)
    body = _crisis_banner(result.crisis, result.handout, audience, index)
    body += [f"<h1>{e(title)}</h1>", *_intro(result, audience, index)]
    body += [
        f'<section class="headline" role="note"><b>⚠ {e(t)}.</b> {e(x)}{cite(index, c.refs)}</section>'
        for (t, x), c in zip(conflict_texts(result, audience), result.conflicts, strict=True)
    ]
    body += _headlines(result, audience, index)
    stale = stale_texts(result, audience)
    if stale:
        body += ['<ul class="small stale">', *(f"<li>⏱ {e(x)}</li>" for x in stale), "</ul>"]
    unfinished = incomplete_line(result, audience)
    if unfinished:
        body += [f'<p class="incomplete"><b>{e(unfinished)}</b></p>', '<ul class="small">']
        body += [f"<li>{e(m.ask.for_(audience))}</li>" for m in result.missing] + ["</ul>"]
    body += _summary(result, audience, index)
    # Every route ruled out: what else there is, on page 1 (issue 24 review, defect 5).
    if result.nothing_open is not None:
        said = e(result.nothing_open.for_(audience)) + cite(index, result.nothing_open_refs)
        body.append(f'<section class="headline" role="note"><b>{said}</b></section>')
    body += _noticed(result, audience, index)
    # The other choices right after page 1's answer (the four options and what we noticed,
    # which page 1 must keep in the page budget; issue 24 review), not under "who made this".
    body += alternatives_section(result, audience, index)
    if result.troubleshooting:
        body += [
            f"<section><h2>{e(h['course'])}</h2>",
            *_suggestions(result.troubleshooting, audience, index),
            "</section>",
        ]
    # Every route ruled out (IPDAS re-review N5): no ketamine-clinic material on a patient's
    # copy (more about each route, choosing a clinic, questions for a ketamine provider).
    ruled_out = result.nothing_open is not None
    if not (ruled_out and audience == "patient"):
        body += _comparison(result, audience, index, detail_only=True)
    # The clinic questions join the handout's own list, so the page asks once.
    body += decision_sections(result, audience, index, clinic_questions=result.handout is None, clinic=not ruled_out)
    body += _checklists(result, audience, index)
    more = result.decision.questions if result.decision is not None else ()
    # The disclaimer below gives 988 and the emergency room in every copy, and the crisis or
    # suicidal-thoughts box on page 1 when they apply: no third box.
    # A patient copy with the SURE result leaves out "Things to think about before any of
    # these choices": SURE asks the same readiness, and every safety item on that list was
    # answered (nothing is missing) — the consult-filled copy's page budget (defect 16).
    readiness = not (audience == "patient" and result.sure is not None and not result.missing)
    body += _handout(
        result.handout,
        result.crisis,
        audience,
        index,
        resources=False,
        more_questions=more,
        checklist=readiness,
        questions=not ruled_out,
    )
    if audience == "patient":
        sheet = _worksheet(result)
        # Under the worksheet's heading, after the ratings: how each option matches them, then
        # the SURE result, before the leaning and the plan it leads to; one section, not three
        # (the consult-filled copy's page budget, issue 24 review, defect 16).
        at = 2 if len(sheet) > 2 and tr("What matters most to you") in sheet[1] else 1
        steps = [*fit_block(result, audience, index), *sure_block(result, audience, index)]
        body += [*sheet[:at], *steps, *sheet[at:]]
    disclaimer_refs: tuple[Ref | str, ...] = result.disclaimer_sources
    if result.handout is not None and result.handout.disclaimer_refs:
        disclaimer_refs = result.handout.disclaimer_refs
    body += _closing(
        result.disclaimer,
        disclaimer_refs,
        result.knowledge_base,
        result.ketadecide_version,
        audience,
        index,
        bigger=True,
    )
    # Last, when every source of the page is cited: the sellers' sources among them (filling
    # the slot cites nothing new, so the list above is already complete).
    body = fill_sponsored(body, result, audience, index)
    # The page title (what a browser prints in its header and keeps in its history) never
    # carries the profile id, often a record number; the heading on the page may.
    return document(_title(audience, None), body)


def render_report_html(report: TroubleshootReport, audience: Audience = "patient") -> str:
    """A troubleshooting report (``ketadecide troubleshoot``) as a printable handout."""
    index = index_for(audience)
    h = HEADINGS[audience]
    base = (
        "Troubleshooting a ketamine course"
        if audience == "clinician"
        else tr("When a ketamine course isn't going as hoped")
    )
    title = _title(audience, report.profile_id, base)
    body = _crisis_banner(report.crisis, report.handout, audience, index)
    lead = h["lead"] if report.comparison is not None else h["lead_course"]
    body += [f"<h1>{e(title)}</h1>", f'<p class="lead">{e(lead)}</p>']
    body += [f"<section><h2>{e(h['course'])}</h2>", '<div class="course">']
    body.append(f"<p><b>{e(course_line(report, audience))}</b></p>")
    body.append(
        f'<p class="notes">{e(report.course.window_note.for_(audience))}{cite(index, report.course.window_refs)}</p>'
    )
    if report.log is not None:
        log = report.log
        body.append(f"<p>{e(log_line(log, audience))}</p>")
        chart_title = "PHQ-9 total at each session (lower is better); light bars: titration, not counted"
        body.append(trend_svg(log, title=chart_title))
        body.append(f'<p class="notes">{e(chart_title)}.</p>')
        body += [f'<p class="notes">{e(n.for_(audience))}</p>' for n in log.notes]
        body.append(
            f'<p class="notes"><b>{e(h["definitions"])}:</b> {e(log.definitions.for_(audience))}'
            f"{cite(index, log.definition_refs)}</p>"
        )
    body.append("</div>")
    if report.suggestions:
        body += _suggestions(report.suggestions, audience, index)
    else:
        body.append(f"<p>{e(h['nothing'])}</p>")
    body.append("</section>")
    if report.comparison is not None:
        body += _comparison(report.comparison, audience, index)
        body += _findings(report.comparison, audience, index)
    # A course under way is past the pre-treatment checklist.
    body += _handout(report.handout, report.crisis, audience, index, checklist=False)
    body += _closing(
        report.disclaimer,
        report.handout.disclaimer_refs or report.disclaimer_sources,
        report.knowledge_base,
        report.ketadecide_version,
        audience,
        index,
    )
    return document(_title(audience, None, base), body)  # no profile id in the page title


class HtmlRenderer:
    """The ``html`` format: printable, self-contained pages (no knowledge-base listing)."""

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
        return render_html(result, audience)

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        return render_report_html(report, audience)

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        raise InputError(Problem("html is not offered for `modalities`; use table, json or markdown", field="--format"))


# The patient's words come out in the patient's language (ketadecide.lang); the
# clinician's stay in English.
HEADINGS = Registers(HEADINGS)
