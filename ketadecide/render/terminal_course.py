"""The course report (``troubleshoot``) as plain terminal text: wrapped lines, no Rich.

The comparison inside it is rendered by :mod:`ketadecide.render.terminal` and passed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketadecide.engine.result import Audience
from ketadecide.lang import tr
from ketadecide.render.labels import SourceIndex, course_line, log_line, stamp
from ketadecide.render.tidy import wrap_words
from ketadecide.render.trend import trend_lines

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.report import TroubleshootReport


def course_report_text(report: TroubleshootReport, audience: Audience, comparison: str | None, *, width: int) -> str:
    """Plain text for a terminal (the ``table`` format of ``troubleshoot``), ``width`` 60-120.

    ``comparison`` is the comparison already rendered as a summary (by
    :func:`ketadecide.render.terminal.render_summary`), or ``None`` when there is none.
    """
    index = SourceIndex()
    out: list[str] = []

    def wrap(text: str, indent: str = "", first: str | None = None) -> None:
        out.extend(wrap_words(text, width, first if first is not None else indent, indent))

    if report.crisis.triggered and report.crisis.message is not None:
        out.append("!" * min(width, 60))
        wrap((tr("SAFETY FIRST: ") if audience == "patient" else "CRISIS: ") + report.crisis.message.for_(audience))
        out.append("!" * min(width, 60))
        out.append("")
    title = (
        "Troubleshooting a course under way" if audience == "clinician" else tr("When a course isn't going as hoped")
    )
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
        wrap(s.meaning.for_(audience), "      ", f"   {tr('What it may mean')}: ")
        wrap(s.next_step.for_(audience) + refs, "      ", f"   {tr('Next step to discuss')}: ")
        if s.alternative_names:
            wrap(" · ".join(a.for_(audience) for a in s.alternative_names), "      ", f"   {tr('Other options')}: ")
        out.append("")
    if comparison is not None:
        out.append(comparison)
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
            tr("If you are in danger: ") if audience == "patient" else "Crisis resources: ",
        )
        out.append("")
    wrap(report.disclaimer.for_(audience))
    wrap(stamp(report.knowledge_base, report.ketadecide_version))
    return "\n".join(out) + "\n"
