"""Renderers for ``ketadecide troubleshoot``: JSON, plain text, and dispatch to Markdown/HTML.

The plain-text form needs no Rich: the trend is a Unicode sparkline.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ketadecide.engine.result import Audience
from ketadecide.render.json_out import _suggestion, result_to_dict
from ketadecide.render.labels import SourceIndex, stamp
from ketadecide.render.trend import trend_lines
from ketadecide.troubleshoot.log import CourseSummary
from ketadecide.troubleshoot.report import TroubleshootReport

RESPONSE_WORD: dict[str, dict[str, str]] = {
    "clinician": {
        "none": "none (PHQ-9 drop < 25%)",
        "partial": "partial (PHQ-9 drop 25% to < 50%)",
        "sustained": "response (PHQ-9 drop ≥ 50%)",
        "fading": "fading (improvement, then rebound)",
    },
    "patient": {
        "none": "no real change yet",
        "partial": "some improvement",
        "sustained": "clearly better",
        "fading": "better at first, then wearing off",
    },
}
DISSOCIATION_WORD: dict[str, dict[str, str]] = {
    "clinician": {"tolerable": "tolerable", "too_intense": "too intense"},
    "patient": {"tolerable": "manageable", "too_intense": "too strong"},
}


def bp_text(bp: tuple[int, int] | None) -> str | None:
    return None if bp is None else f"{bp[0]}/{bp[1]}"


def log_to_dict(log: CourseSummary, audience: Audience) -> dict[str, Any]:
    return {
        "modality": log.modality,
        "sessions_logged": len(log.sessions),
        "sessions_full_dose": log.sessions_full_dose,
        "window": log.window,
        "window_estimate": log.window_estimate,
        "baseline_phq9": log.baseline_phq9,
        "latest_phq9": log.latest_phq9,
        "best_phq9": log.best_phq9,
        "change": None if log.change is None else round(log.change, 4),
        "best_change": None if log.best_change is None else round(log.best_change, 4),
        "response": log.response,
        "remission": log.remission,
        "dissociation": log.dissociation,
        "highest_bp": bp_text(log.highest_bp),
        "sessions": [
            {
                "date": s.date.isoformat(),
                "dose": s.dose,
                "phq9_total": s.phq9_total,
                "dissociation": s.dissociation,
                "bp": bp_text(s.bp),
                "full_dose": full,
            }
            for s, full in zip(log.sessions, log.full_dose, strict=True)
        ],
        "notes": [n.for_(audience) for n in log.notes],
        "definitions": log.definitions.for_(audience),
        "sources": [r.text for r in log.definition_refs],
    }


def report_to_dict(report: TroubleshootReport, audience: Audience = "clinician") -> dict[str, Any]:
    """The JSON object of ``troubleshoot``; ``troubleshooting`` items as in CONTRACT §3."""
    c = report.course
    out: dict[str, Any] = {
        "schema_version": report.schema_version,
        "ketadecide_version": report.ketadecide_version,
        "knowledge_base": {
            "reviewed": report.knowledge_base.reviewed.isoformat(),
            "sha256": report.knowledge_base.sha256,
        },
        "profile_id": report.profile_id,
        "audience": audience,
        "crisis": {
            "triggered": report.crisis.triggered,
            "reasons": list(report.crisis.reasons),
            "message": report.crisis.message.for_(audience) if report.crisis.message else "",
            "sources": list(report.crisis.sources),
        },
        "course": {
            "modality": c.modality,
            "sessions": c.sessions,
            "response": c.response,
            "dissociation": c.dissociation,
            "financial_stress": c.financial_stress,
            "window": {
                "sessions": c.window,
                "note": c.window_note.for_(audience),
                "sources": [r.text for r in c.window_refs],
            },
            "log": log_to_dict(report.log, audience) if report.log else None,
        },
        "troubleshooting": [_suggestion(s, audience) for s in report.suggestions],
    }
    if report.comparison is not None:
        out["modalities"] = result_to_dict(report.comparison, audience)["modalities"]
    out["disclaimer"] = report.disclaimer.for_(audience)
    return out


def render_report_json(report: TroubleshootReport, audience: Audience = "clinician") -> str:
    return json.dumps(report_to_dict(report, audience), indent=2, ensure_ascii=False) + "\n"


def course_line(report: TroubleshootReport, audience: Audience) -> str:
    c = report.course
    parts = [c.modality_name]
    if c.sessions is not None:
        what = "full-dose sessions" if audience == "clinician" else "sessions at full dose"
        parts.append(f"{c.sessions} {what} (judged after {c.window})")
    if c.response is not None:
        parts.append(
            ("response: " if audience == "clinician" else "how it is going: ") + RESPONSE_WORD[audience][c.response]
        )
    if c.dissociation is not None:
        parts.append("dissociation: " + DISSOCIATION_WORD[audience][c.dissociation])
    if c.financial_stress:
        parts.append("cost is a strain")
    return " · ".join(parts)


def log_line(log: CourseSummary, audience: Audience) -> str:
    if audience == "patient":
        return _log_line_plain(log)
    parts = [f"{len(log.sessions)} sessions logged, {log.sessions_full_dose} at full dose"]
    if log.baseline_phq9 is not None and log.latest_phq9 is not None and log.change is not None:
        parts.append(f"PHQ-9 {log.baseline_phq9} → {log.latest_phq9} ({-log.change:+.0%}); lowest {log.best_phq9}")
    if log.remission:
        parts.append(f"remission (PHQ-9 < {log.remission_below})")
    if log.highest_bp is not None:
        parts.append(f"highest BP {log.highest_bp[0]}/{log.highest_bp[1]}")
    return "; ".join(parts)


def _log_line_plain(log: CourseSummary) -> str:
    parts = [f"{len(log.sessions)} sessions so far, {log.sessions_full_dose} of them at your full dose"]
    if log.baseline_phq9 is not None and log.latest_phq9 is not None and log.change is not None:
        if log.change > 0:
            trend = f"{log.change:.0%} lower"
        elif log.change < 0:
            trend = f"{-log.change:.0%} higher"
        else:
            trend = "unchanged"
        parts.append(
            f"your questionnaire score went from {log.baseline_phq9} to {log.latest_phq9} ({trend}); "
            f"at its best it was {log.best_phq9}"
        )
    if log.remission:
        parts.append("that is in the range of very few symptoms")
    if log.highest_bp is not None:
        parts.append(f"highest blood pressure {log.highest_bp[0]}/{log.highest_bp[1]}")
    return "; ".join(parts)


def render_report_text(report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100) -> str:
    """Plain text for a terminal (the ``table`` format of ``troubleshoot``)."""
    width = max(60, min(width, 120))
    index = SourceIndex()
    out: list[str] = []

    def wrap(text: str, indent: str = "", first: str | None = None) -> None:
        out.extend(
            textwrap.wrap(text, width, initial_indent=first if first is not None else indent, subsequent_indent=indent)
            or [indent]
        )

    if report.crisis.triggered and report.crisis.message is not None:
        out.append("!" * min(width, 60))
        wrap(("SAFETY FIRST: " if audience == "patient" else "CRISIS: ") + report.crisis.message.for_(audience))
        out.append("!" * min(width, 60))
        out.append("")
    title = "Troubleshooting a course under way" if audience == "clinician" else "When a course isn't going as hoped"
    if report.profile_id:
        title += f": {report.profile_id}"
    out += [title, "=" * min(len(title), width), ""]
    wrap(course_line(report, audience), "  ", "Course: ")
    if report.log is not None:
        wrap(log_line(report.log, audience), "  ", "Log:    ")
        out.append("")
        out += ["  " + line for line in trend_lines(report.log)]
        for note in report.log.notes:
            wrap(note.for_(audience), "    ", "  - ")
    out.append("")
    if not report.suggestions:
        wrap(
            "No troubleshooting rule matches this course."
            if audience == "clinician"
            else "Nothing to flag for this course."
        )
    for n, s in enumerate(report.suggestions, 1):
        refs = " " + index.refs(s.refs or s.sources)
        wrap(s.situation.for_(audience), "   ", f"{n}. ")
        wrap(s.meaning.for_(audience), "      ", "   What it may mean: ")
        wrap(s.next_step.for_(audience) + refs, "      ", "   Next step to discuss: ")
        if s.alternative_names:
            wrap("; ".join(a.for_(audience) for a in s.alternative_names), "      ", "   Other options: ")
        out.append("")
    if report.comparison is not None:
        from ketadecide.render import render

        out.append(render(report.comparison, "table", audience, color=color, width=width).rstrip("\n"))
        out.append("")
    if report.log is not None:
        wrap(
            report.log.definitions.for_(audience) + " " + index.refs(report.log.definition_refs),
            "  ",
            "How change is judged: ",
        )
        out.append("")
    out.append("Sources")
    for num, citation in index.items():
        wrap(citation, "     ", f"[{num}] ")
    out.append("")
    if report.handout.crisis_resources and not report.crisis.triggered:
        wrap(
            report.handout.crisis_resources.for_(audience),
            "",
            "If you are in danger: " if audience == "patient" else "Crisis resources: ",
        )
        out.append("")
    wrap(report.disclaimer.for_(audience))
    out.append(stamp(report.knowledge_base, report.ketadecide_version))
    return "\n".join(out) + "\n"


def render_report(
    report: TroubleshootReport, fmt: str, audience: Audience, *, color: bool = False, width: int = 100
) -> str:
    """Render a troubleshooting report in one of the output formats."""
    if fmt == "json":
        return render_report_json(report, audience)
    if fmt == "markdown":
        from ketadecide.render.markdown import render_report_markdown

        return render_report_markdown(report, audience)
    if fmt == "html":
        from ketadecide.render.html import render_report_html

        return render_report_html(report, audience)
    return render_report_text(report, audience, color=color, width=width)
