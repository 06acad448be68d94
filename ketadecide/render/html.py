"""The printable handout: one self-contained HTML page (no external assets, works offline).

Print-friendly (print CSS, margins that fit A4 and US Letter), plain language for a
patient, clinical wording and rule ids for a clinician. Everything that comes from input
or data is passed through :func:`html.escape`, and a Content-Security-Policy forbids any
script or fetch, so injected markup stays inert even if it slipped through.
"""

from __future__ import annotations

import re
from html import escape
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
from ketadecide.render.labels import (
    DECISION_HEADINGS,
    DETAIL_LABEL,
    INDICATION_ROW,
    SEVERITY_WORD,
    STATUS_ROW,
    TABLE_DETAILS,
    TITLE,
    SourceIndex,
    adverse_high,
    adverse_sentence,
    certainty_line,
    course_line,
    coverage_text,
    group_findings,
    incomplete_line,
    log_line,
    money,
    outcome_sentence,
    per_100,
    short_name,
    status_text,
    sure_score_line,
)
from ketadecide.render.trend import trend_svg

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport

CSS = """
:root { --ink:#1a1a1a; --muted:#555; --line:#bcbcbc; --accent:#1f4e79; --danger:#9b1c1c; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 11pt/1.45 "DejaVu Sans", "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       max-width: 190mm; margin: 0 auto; padding: 14px; }
h1 { font-size: 17pt; margin: 0 0 2px; }
.lead { color: var(--muted); margin: 0 0 10px; }
h2 { font-size: 13pt; color: var(--accent); border-bottom: 2px solid var(--accent);
     margin: 18px 0 6px; padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 11pt; margin: 8px 0 2px; break-after: avoid; }
p { margin: 3px 0; }
.crisis { border: 3px solid var(--danger); background: #fdecec; border-radius: 6px;
          padding: 8px 12px; margin: 0 0 12px; break-inside: avoid; }
.crisis strong { color: var(--danger); font-size: 13pt; display: block; }
.resources { border: 1px solid var(--danger); border-radius: 6px; padding: 6px 12px; break-inside: avoid; }
table.compare { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8.5pt; }
table.compare th, table.compare td { border: 1px solid var(--line); padding: 3px 5px; vertical-align: top;
                                     text-align: left; overflow-wrap: anywhere; }
table.compare thead th { background: #e6edf5; font-size: 10pt; }
table.compare tbody th { background: #f3f3f3; width: 16%; }
table.summary { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9.5pt; margin-top: 4px; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: 3px 5px; vertical-align: top;
                                     text-align: left; }
table.summary thead th { background: #e6edf5; }
table.summary tbody th { background: #f3f3f3; width: 17%; }
.headline { border: 2px solid #8a5a00; background: #fff6e0; border-radius: 6px; padding: 5px 10px; margin: 6px 0;
            break-inside: avoid; }
ul.noticed { margin: 2px 0; padding-left: 18px; }
ul.noticed li { margin: 2px 0; }
.where { color: var(--muted); font-size: 9pt; }
.twocol { columns: 2; column-gap: 16px; }
.twocol li, .twocol h3 { break-inside: avoid; }
section.clinic, section.about, ul.checklist, ol.questions { font-size: 9pt; }
.small { font-size: 9pt; }
.st-no_flags { color: #1d6b2f; font-weight: bold; }
.st-incomplete { color: #5b2a86; font-weight: bold; }
p.incomplete { color: #5b2a86; margin: 4px 0; }
.st-caution { color: #8a5a00; font-weight: bold; }
.st-contraindicated { color: var(--danger); font-weight: bold; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 5px 10px; margin: 6px 0; break-inside: avoid; }
.card ul { margin: 2px 0; padding-left: 18px; }
.sev { font-weight: bold; }
.label { font-weight: bold; }
.refs { font-size: 7.5pt; color: var(--muted); vertical-align: super; }
.rule-id { font-family: monospace; font-size: 8.5pt; color: var(--muted); }
ul.checklist { list-style: none; padding-left: 2px; }
ul.checklist li { margin: 3px 0; }
ul.checklist li::before { content: ""; display: inline-block; width: 10pt; height: 10pt;
                          border: 1.3pt solid #333; margin-right: 7px; vertical-align: -1pt; }
ol.questions li { margin: 3px 0; }
.course { background: #f3f6fa; border-radius: 6px; padding: 6px 10px; break-inside: avoid; }
.notes { color: var(--muted); font-size: 9.5pt; }
svg.trend { max-width: 100%; height: auto; display: block; margin: 4px 0; }
svg.trend text { font: 9px "DejaVu Sans", Arial, sans-serif; fill: #333; }
svg.trend .bar { fill: #1f4e79; }
svg.trend .titration { fill: #a9c1da; }
svg.trend .axis { stroke: #333; stroke-width: 1; }
svg.trend .ref { stroke-dasharray: 4 3; stroke-width: 1.2; }
svg.trend .response { stroke: #1d6b2f; }
svg.trend .remission { stroke: #8a5a00; }
.disclaimer { border-left: 4px solid var(--accent); padding: 4px 10px; margin: 14px 0 6px; break-inside: avoid; }
ul.figures { list-style: none; padding: 0; margin: 4px 0; display: grid; grid-template-columns: 1fr 1fr;
              gap: 4px 14px; }
ul.figures li { display: flex; gap: 7px; align-items: flex-start; break-inside: avoid; font-size: 8.5pt;
                line-height: 1.3; }
ul.figures svg.icons { flex: none; width: 40px; height: 40px; }
section.evidence h3 { margin-top: 6px; }
ol.sources { font-size: 8pt; color: var(--muted); padding-left: 22px; }
ol.sources.brief { font-size: 6pt; columns: 3; column-gap: 12px; line-height: 1.15; }
ol.sources li { overflow-wrap: anywhere; }
footer { font-size: 8.5pt; color: var(--muted); border-top: 1px solid var(--line); margin-top: 8px; padding-top: 4px; }
@page { margin: 11mm 11mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.3; }
  h2 { font-size: 12pt; margin: 10px 0 4px; }
  h3 { font-size: 10pt; margin: 5px 0 1px; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

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
        "checklist": "Is it worth discussing? A checklist",
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


def _e(text: str) -> str:
    return escape(text, quote=True)


class _PlainIndex(SourceIndex):
    """For a patient: the numbers only; the locators (section numbers) stay in the clinician's copy."""

    def refs(self, sources: tuple[Ref | str, ...]) -> str:
        return re.sub(r"\[(\d+):[^\]]*\]", r"[\1]", super().refs(sources))


def _index(audience: Audience) -> SourceIndex:
    return _PlainIndex() if audience == "patient" else SourceIndex()


def _refs(index: SourceIndex, sources: tuple[Ref | str, ...]) -> str:
    marks = index.refs(sources)
    return f' <span class="refs">{_e(marks)}</span>' if marks else ""


def _document(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _crisis_banner(crisis: Crisis, handout: Handout | None, audience: Audience, index: SourceIndex) -> list[str]:
    if not crisis.triggered or crisis.message is None:
        return []
    refs: tuple[Ref | str, ...] = (
        handout.crisis_message_refs if handout and handout.crisis_message_refs else crisis.sources
    )
    h = HEADINGS[audience]
    return [
        '<section class="crisis" role="alert">',
        f"<strong>⚠ {_e(h['crisis'])}</strong>",
        f"<p>{_e(crisis.message.for_(audience))}{_refs(index, refs)}</p>",
        "</section>",
    ]


def _table_start(heading: str, css: str, result: Result) -> list[str]:
    """A section heading and the opening of a table with one column per modality."""
    head = "".join(f'<th scope="col">{_e(m.short_name)}</th>' for m in result.modalities)
    return [f"<section><h2>{_e(heading)}</h2>", f'<table class="{css}"><thead><tr><th></th>{head}</tr></thead><tbody>']


def _row(label: str, cells: list[str]) -> str:
    return f'<tr><th scope="row">{_e(label)}</th>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _comparison(result: Result, audience: Audience, index: SourceIndex, *, detail_only: bool = False) -> list[str]:
    """The comparison table; ``detail_only`` leaves out what the page-1 summary already says."""
    h = HEADINGS[audience]
    ms = result.modalities
    out = _table_start(h["more"] if detail_only else h["compare"], "compare", result)

    def row(label: str, cells: list[str]) -> None:
        out.append(_row(label, cells))

    if not detail_only:
        row(
            STATUS_ROW[audience],
            [f'<span class="st-{m.status}">{_e(status_text(m.status, audience))}</span>' for m in ms],
        )
        row(
            INDICATION_ROW[audience],
            [_e(m.indication.label.for_(audience)) + _refs(index, m.indication.refs) for m in ms],
        )
        row(
            "Key findings" if audience == "clinician" else "What to discuss",
            [
                "<br>".join(_e(f.name.for_(audience)) for f in m.findings if f.severity != "info") or _e(h["nothing"])
                for m in ms
            ],
        )
    # After the page-1 summary a patient's copy keeps what it does not already say.
    keys = PATIENT_HANDOUT_DETAILS if detail_only and audience == "patient" else TABLE_DETAILS
    for key in keys:
        row(
            DETAIL_LABEL[audience][key],
            [_e(m.detail(key).text.for_(audience)) + _refs(index, m.detail(key).refs) for m in ms],
        )
    if not (detail_only and audience == "patient"):  # a patient's page 1 says it already
        row(
            "Coverage" if audience == "clinician" else "Your insurance",
            [
                f"<b>{_e(coverage_text(m.coverage, audience))}</b><br>{_e(m.coverage.note.for_(audience))}"
                + _refs(index, m.coverage.refs)
                for m in ms
            ],
        )
    if not detail_only:
        row(
            "Cost / session" if audience == "clinician" else "Price per visit",
            [
                _e(money(*m.cost.per_session)) + (" (estimate)" if m.cost.estimate else "") + _refs(index, m.cost.refs)
                for m in ms
            ],
        )
        row(
            "Induction course" if audience == "clinician" else "First course, in total",
            [_e(money(*m.cost.induction_course)) for m in ms],
        )
    if any(m.cost.budget_note for m in ms):
        row(
            "Budget" if audience == "clinician" else "Your budget",
            [_e(m.cost.budget_note.for_(audience)) if m.cost.budget_note else "" for m in ms],
        )
    out.append("</tbody></table></section>")
    return out


def _findings(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    h = HEADINGS[audience]
    out = [f"<section><h2>{_e(h['findings'])}</h2>"]
    for m in result.modalities:
        out.append('<div class="card">')
        out.append(
            f'<h3>{_e(m.short_name)}: <span class="st-{m.status}">{_e(status_text(m.status, audience))}</span></h3>'
        )
        if not m.findings:
            out.append(f"<p>{_e(h['nothing'])}</p>")
        else:
            out.append("<ul>")
            for f in m.findings:
                rule = f' <span class="rule-id">{_e(f.id)}</span>' if audience == "clinician" else ""
                out.append(
                    f'<li><span class="sev">{_e(SEVERITY_WORD[audience][f.severity])}</span>: '
                    f"<b>{_e(f.name.for_(audience))}</b>. {_e(f.message.for_(audience))}"
                    f"{_refs(index, f.refs)}{rule}</li>"
                )
            out.append("</ul>")
        out.append("</div>")
    out.append("</section>")
    return out


def _suggestions(suggestions: tuple[Suggestion, ...], audience: Audience, index: SourceIndex) -> list[str]:
    h = HEADINGS[audience]
    out: list[str] = []
    for s in suggestions:
        rule = f' <span class="rule-id">{_e(s.id)}</span>' if audience == "clinician" else ""
        out.append('<div class="card">')
        out.append(f"<h3>{_e(s.situation.for_(audience))}{rule}</h3>")
        out.append(f'<p><span class="label">{_e(h["meaning"])}:</span> {_e(s.meaning.for_(audience))}</p>')
        out.append(
            f'<p><span class="label">{_e(h["next"])}:</span> {_e(s.next_step.for_(audience))}'
            f"{_refs(index, s.refs or s.sources)}</p>"
        )
        if s.alternative_names:
            names = "; ".join(_e(a.for_(audience)) for a in s.alternative_names)
            out.append(f'<p><span class="label">{_e(h["alternatives"])}:</span> {names}</p>')
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
) -> list[str]:
    """Checklist (pre-treatment: ``checklist=False`` for a course under way), questions and
    crisis resources."""
    if handout is None:
        return []
    h = HEADINGS[audience]
    out: list[str] = []
    if checklist:
        out += [f"<section><h2>{_e(h['checklist'])}</h2>", '<ul class="checklist twocol">']
        out += [f"<li>{_e(i.text.for_(audience))}{_refs(index, i.refs)}</li>" for i in handout.checklist]
        out.append("</ul></section>")
    out += [f"<section><h2>{_e(h['questions'])}</h2>", '<ol class="questions twocol">']
    out += [
        f"<li>{_e(i.text.for_(audience))}{_refs(index, i.refs)}</li>" for i in (*handout.questions, *more_questions)
    ]
    out.append("</ol></section>")
    if resources and not crisis.triggered:
        out += [
            f'<section class="resources"><h3>{_e(h["resources"])}</h3>',
            f"<p>{_e(handout.crisis_resources.for_(audience))}{_refs(index, handout.crisis_refs)}</p>",
            "</section>",
        ]
    return out


def _closing(  # noqa: PLR0917 - private helper
    disclaimer: Worded,
    disclaimer_sources: tuple[Ref | str, ...],
    kb: KnowledgeBaseInfo,
    version: str,
    audience: Audience,
    index: SourceIndex,
) -> list[str]:
    h = HEADINGS[audience]
    out = [f'<p class="disclaimer">{_e(disclaimer.for_(audience))}{_refs(index, disclaimer_sources)}</p>']
    out.append(f"<section><h2>{_e(h['sources'])}</h2>")
    if audience == "patient":
        # Small print, shortened: a patient needs to find a source, the clinician copy has it in full.
        items = "".join(f"<li>{_e(_brief(c))}</li>" for _, c in index.items())
        out.append(f'<ol class="sources brief">{items}</ol></section>')
    else:
        out.append('<ol class="sources">' + "".join(f"<li>{_e(c)}</li>" for _, c in index.items()) + "</ol></section>")
    out.append(
        f"<footer>Knowledge base reviewed {_e(kb.reviewed.isoformat())} · ketadecide {_e(version)} · "
        f"data sha256 {_e(kb.sha256[:12])}</footer>"
    )
    return out


def _brief(citation: str, limit: int = 50) -> str:
    """A citation cut at a word boundary near ``limit`` characters, without its web address
    (the clinician's copy lists each source in full)."""
    last = citation.rsplit(" ", 1)[-1]
    text = citation[: -len(last)].rstrip(" .") if last.startswith("http") else citation
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return text


def _title(audience: Audience, profile_id: str | None, base: str | None = None) -> str:
    title = base or TITLE[audience]
    if profile_id:
        title += (" for " if audience == "patient" else " — ") + profile_id
    return title


def _headlines(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Findings the data marks for the top of every view (suicidal thoughts), each once."""
    out: list[str] = []
    for g in group_findings(result):
        first = next(f for m in result.modalities for f in m.findings if f.id == g.id)
        if first.headline:
            out.append(
                f'<section class="headline" role="note"><b>⚠ {_e(g.name.for_(audience))}.</b> '
                f"{_e(g.rationale.for_(audience))}{_refs(index, g.refs)}</section>"
            )
    return out


def _summary(result: Result, audience: Audience, index: SourceIndex) -> list[str]:
    """Page 1: the four options in a few words each."""
    ms = result.modalities
    h = HEADINGS[audience]
    out = _table_start(h["compare"], "summary", result)

    def row(label: str, cells: list[str]) -> None:
        out.append(_row(label, cells))

    row(STATUS_ROW[audience], [f'<span class="st-{m.status}">{_e(status_text(m.status, audience))}</span>' for m in ms])
    row(INDICATION_ROW[audience], [_e(m.indication.label.for_(audience)) + _refs(index, m.indication.refs) for m in ms])
    row(
        "Key findings" if audience == "clinician" else "To talk over",
        [
            "; ".join(_e(short_name(f.name.for_(audience))) for f in m.findings if f.severity != "info")
            or _e(h["nothing"])
            for m in ms
        ],
    )
    row(
        "Coverage" if audience == "clinician" else "Your insurance",
        [_e(coverage_text(m.coverage, audience)) + _refs(index, m.coverage.refs) for m in ms],
    )
    row(
        "Cost / session" if audience == "clinician" else "Price per visit",
        [
            _e(money(*m.cost.per_session)) + (" (est.)" if m.cost.estimate else "") + _refs(index, m.cost.refs)
            for m in ms
        ],
    )
    row("First course", [_e(money(*m.cost.induction_course)) for m in ms])
    row("Visits", [_e(m.glance.visits.for_(audience)) + _refs(index, m.glance.refs) if m.glance else "" for m in ms])
    row(
        "Time per visit" if audience == "clinician" else "Each visit",
        [_e(m.glance.time_per_visit.for_(audience)) if m.glance else "" for m in ms],
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
    out = [f"<section><h2>{_e(h['findings'])}</h2>"]
    if not every:
        return [*out, f"<p>{_e(h['nothing'])}</p>", "</section>"]
    out.append('<ul class="noticed">')
    for g in groups:
        by_severity: dict[str, list[str]] = {}
        for name, severity in g.severities:
            by_severity.setdefault(severity, []).append(name)
        where = "; ".join(f"{SEVERITY_WORD[audience][s]}: {', '.join(n)}" for s, n in by_severity.items())
        rule = f' <span class="rule-id">{_e(g.id)}</span>' if audience == "clinician" else ""
        notes = "".join(
            f" <i>{_e(', '.join(names))}:</i> {_e(note.for_(audience))}"
            for names, note in g.notes
            if note.for_(audience)
        )
        out.append(
            f'<li><b>{_e(g.name.for_(audience))}</b> <span class="where">({_e(where)})</span>{rule}. '
            f"{_e(g.rationale.for_(audience))}{notes}{_refs(index, g.refs)}</li>"
        )
    if minor:
        names = "; ".join(g.name.for_(audience) for g in minor)
        refs = _refs(index, tuple(r for g in minor for r in g.refs))
        out.append(f"<li><b>Good to know:</b> {_e(names)} (more below){refs}</li>")
    out += ["</ul>", "</section>"]
    return out


def render_html(result: Result, audience: Audience = "patient") -> str:
    """The comparison as a printable, self-contained HTML handout.

    Page 1 is the answer: the four options in a few words, what we noticed (once), and the
    988 box; the fuller comparison, the evidence, questions and sources follow.
    """
    index = _index(audience)
    h = HEADINGS[audience]
    title = _title(audience, result.profile_id)
    body = _crisis_banner(result.crisis, result.handout, audience, index)
    body += [f"<h1>{_e(title)}</h1>", f'<p class="lead">{_e(h["lead"])}</p>']
    body += _headlines(result, audience, index)
    unfinished = incomplete_line(result, audience)
    if unfinished:
        body += [f'<p class="incomplete"><b>{_e(unfinished)}</b></p>', '<ul class="small">']
        body += [f"<li>{_e(m.ask.for_(audience))}</li>" for m in result.missing] + ["</ul>"]
    body += _summary(result, audience, index)
    body += _noticed(result, audience, index)
    if result.troubleshooting:
        body += [
            f"<section><h2>{_e(h['course'])}</h2>",
            *_suggestions(result.troubleshooting, audience, index),
            "</section>",
        ]
    body += _comparison(result, audience, index, detail_only=True)
    # The clinic questions join the handout's own list, so the page asks once.
    body += decision_sections(result, audience, index, clinic_questions=result.handout is None)
    more = result.decision.questions if result.decision is not None else ()
    # The disclaimer below gives 988 and the emergency room in every copy, and the crisis or
    # suicidal-thoughts box on page 1 when they apply: no third box.
    body += _handout(result.handout, result.crisis, audience, index, resources=False, more_questions=more)
    disclaimer_refs: tuple[Ref | str, ...] = result.disclaimer_sources
    if result.handout is not None and result.handout.disclaimer_refs:
        disclaimer_refs = result.handout.disclaimer_refs
    body += _closing(
        result.disclaimer, disclaimer_refs, result.knowledge_base, result.ketadecide_version, audience, index
    )
    return _document(title, body)


def render_report_html(report: TroubleshootReport, audience: Audience = "patient") -> str:
    """A troubleshooting report (``ketadecide troubleshoot``) as a printable handout."""
    index = _index(audience)
    h = HEADINGS[audience]
    base = (
        "Troubleshooting a ketamine course"
        if audience == "clinician"
        else "When a ketamine course isn't going as hoped"
    )
    title = _title(audience, report.profile_id, base)
    body = _crisis_banner(report.crisis, report.handout, audience, index)
    lead = h["lead"] if report.comparison is not None else h["lead_course"]
    body += [f"<h1>{_e(title)}</h1>", f'<p class="lead">{_e(lead)}</p>']
    body += [f"<section><h2>{_e(h['course'])}</h2>", '<div class="course">']
    body.append(f"<p><b>{_e(course_line(report, audience))}</b></p>")
    body.append(
        f'<p class="notes">{_e(report.course.window_note.for_(audience))}{_refs(index, report.course.window_refs)}</p>'
    )
    if report.log is not None:
        log = report.log
        body.append(f"<p>{_e(log_line(log, audience))}</p>")
        chart_title = "PHQ-9 total at each session (lower is better); light bars: titration, not counted"
        body.append(trend_svg(log, title=chart_title))
        body.append(f'<p class="notes">{_e(chart_title)}.</p>')
        body += [f'<p class="notes">{_e(n.for_(audience))}</p>' for n in log.notes]
        body.append(
            f'<p class="notes"><b>{_e(h["definitions"])}:</b> {_e(log.definitions.for_(audience))}'
            f"{_refs(index, log.definition_refs)}</p>"
        )
    body.append("</div>")
    if report.suggestions:
        body += _suggestions(report.suggestions, audience, index)
    else:
        body.append(f"<p>{_e(h['nothing'])}</p>")
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
    return _document(title, body)


class HtmlRenderer:
    """The ``html`` format: printable, self-contained pages (no knowledge-base listing)."""

    def comparison(
        self, result: Result, audience: Audience, *, color: bool = False, width: int = 120, detail: bool = True
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


# ---------------------------------------------------------------- decision support (0.3.0)


def icon_array(pct: float, high: float | None = None) -> str:
    """100 small squares, filled for the count (a range shades up to its top), with its text."""
    low_n = per_100(pct)
    high_n = per_100(high) if high is not None else low_n
    label = f"{low_n} to {high_n} out of 100 people" if high_n != low_n else f"{low_n} out of 100 people"
    cells = []
    for i in range(100):
        x, y = (i % 10) * 7, (i // 10) * 7
        fill = "#1f4e79" if i < low_n else ("#8fb3d9" if i < high_n else "#e6e6e6")
        cells.append(f'<rect x="{x}" y="{y}" width="6" height="6" fill="{fill}"/>')
    return (
        f'<svg class="icons" role="img" aria-label="{label}" width="70" height="70" viewBox="0 0 70 70">'
        f"<title>{label}</title>{''.join(cells)}</svg>"
    )


def decision_sections(
    result: Result, audience: Audience, index: SourceIndex, *, clinic_questions: bool = True
) -> list[str]:
    """Evidence, fit, SURE, choosing a clinic and who made this (after the comparison)."""
    h = DECISION_HEADINGS[audience]
    out: list[str] = []
    if any(m.evidence for m in result.modalities):
        out.append(f'<section class="evidence"><h2>{_e(h["evidence"])}</h2>')
        for m in result.modalities:
            ev = m.evidence
            if ev is None:
                continue
            out += [
                f"<h3>{_e(m.short_name)}</h3>",
                f"<p><b>{_e(h['certainty'])}:</b> {_e(certainty_line(ev, audience))}</p>",
                '<ul class="figures">',
            ]
            for o in ev.outcomes:
                text = _e(outcome_sentence(o, audience)) + _refs(index, o.refs)
                out.append(f"<li>{icon_array(o.value_pct)} <span>{text}</span></li>")
            for a in ev.adverse_effects:
                low = a.range_pct[0] if a.range_pct else (a.value_pct or 0)
                text = _e(adverse_sentence(a, audience)) + _refs(index, a.refs)
                out.append(f"<li>{icon_array(low, adverse_high(a))} <span>{text}</span></li>")
            if ev.no_figures:
                out.append(f"<li><span>{_e(ev.no_figures.for_(audience))}{_refs(index, ev.refs)}</span></li>")
            out.append("</ul>")
        out.append("</section>")
    if result.fit is not None:
        fit = result.fit
        names = {m.id: m.short_name for m in result.modalities}
        ids = list(names)
        out += [f'<section class="fit"><h2>{_e(h["fit"])}</h2>', f"<p><i>{_e(fit.note.for_(audience))}</i></p>", "<ol>"]
        for entry in fit.ranking:
            why = "; ".join(r.for_(audience) for r in entry.reasons)
            out.append(f"<li><b>{_e(names[entry.id])}: {entry.score}/100</b> — {_e(why)}</li>")
        out.append("</ol>")
        if fit.excluded_note:
            out.append(f"<p>{_e(fit.excluded_note.for_(audience))}</p>")
        out += [f"<table><caption>{_e(h['table'])}</caption><tr><th></th><th>{_e(h['weight'])}</th>"]
        out[-1] += "".join(f"<th>{_e(names[i])}</th>" for i in ids) + "</tr>"
        for attr in fit.attributes:
            cells = "".join(f"<td>{attr.scores[i]}</td>" for i in ids)
            label = _e(attr.label.for_(audience)) + _refs(index, attr.refs)
            out.append(f"<tr><th>{label}</th><td>{attr.weight}</td>{cells}</tr>")
        out += ["</table>", "</section>"]
    if result.sure is not None:
        s = result.sure
        out += [f'<section class="sure"><h2>{_e(h["sure"])}</h2>', f"<p>{_e(sure_score_line(s, audience))}</p>", "<ul>"]
        for step in s.next_steps:
            out.append(
                f"<li><b>{_e(step.question)}</b> No → {_e(step.next_step.for_(audience))}{_refs(index, step.refs)}</li>"
            )
        out += ["</ul>", f'<p class="credit">{_e(s.credit)}</p>', "</section>"]
    d = result.decision
    if d is not None:

        def items(xs: tuple[HandoutItem, ...]) -> list[str]:
            return [
                '<ul class="twocol">',
                *(f"<li>{_e(i.text.for_(audience))}{_refs(index, i.refs)}</li>" for i in xs),
                "</ul>",
            ]

        out += [f'<section class="clinic"><h2>{_e(h["clinic"])}</h2>', f"<h3>{_e(h['look_for'])}</h3>"]
        out += [*items(d.look_for), f"<h3>{_e(h['red_flags'])}</h3>", *items(d.red_flags)]
        out += [f"<h3>{_e(h['therapy'])}</h3>", "<ul>"]
        for m in result.modalities:
            offered, evidence, _certainty, refs = d.therapy[m.id]
            text = f"{_e(offered.for_(audience))} {_e(evidence.for_(audience))}{_refs(index, refs)}"
            out.append(f"<li><b>{_e(m.short_name)}:</b> {text}</li>")
        out.append("</ul>")
        if clinic_questions:
            out += [f"<h3>{_e(h['questions'])}</h3>", *items(d.questions)]
        out.append("</section>")
        out += [f'<section class="about"><h2>{_e(h["about"])}</h2>', f"<p>{_e(d.decision.for_(audience))}</p>"]
        out += [f"<h3>{_e(h['alternatives'])}</h3>", "<ul>"]
        out += [f"<li><b>{_e(n.for_(audience))}:</b> {_e(line.for_(audience))}</li>" for n, line in d.alternatives]
        out += ["</ul>", "<ul>", f"<li>{_e(d.made_by.for_(audience))}</li>"]
        out.append(f"<li>{_e(d.funding.for_(audience))}</li>")
        span = f"{d.oldest_review.isoformat()} to {d.newest_review.isoformat()}"
        out.append(f"<li>{_e(d.review_cycle.for_(audience))} ({span})</li>")
        if d.sponsored:
            out.append(f"<li>{_e(d.sponsored_intro.for_(audience))}{_refs(index, d.sponsored)}</li>")
        out += ["</ul>", "</section>"]
    return out
