"""The mark every human-facing output of synthetic test data starts with (issue 21).

A data directory that declares ``standalone: synthetic`` is read without the bundled label
floor underneath (the test suite's fixtures). Whoever sets the switch that allows it, what
it produces must never pass for clinical output: JSON carries ``knowledge_base.synthetic``,
and every text format below starts with one line that says so. The wrapper sits in
:func:`ketadecide.render.renderer_for`, so no format can forget it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketadecide.engine.result import Audience, Result
    from ketadecide.knowledge.base import KnowledgeBase
    from ketadecide.render.interface import Renderer
    from ketadecide.troubleshoot.report import TroubleshootReport

SYNTHETIC_LINE = "SYNTHETIC TEST DATA: built from synthetic test data, not for patient care."


def mark(text: str, fmt: str) -> str:
    """``text`` in format ``fmt`` with the synthetic line first (HTML: first in the body), in
    the patient's language (a Spanish reader must understand it as well)."""
    from ketadecide.lang import tr

    line = tr(SYNTHETIC_LINE)
    if fmt == "html":
        banner = f'<p class="synthetic" role="alert"><strong>{line}</strong></p>'
        head, sep, rest = text.partition("<body>\n")
        return f"{head}{sep}{banner}\n{rest}" if sep else f"{banner}\n{text}"
    return f"{line}\n\n{text}"


class Marked:
    """A renderer (:class:`~ketadecide.render.interface.Renderer`) that marks the output of
    synthetic data and passes everything else through unchanged."""

    def __init__(self, inner: Renderer, fmt: str) -> None:
        self._inner = inner
        self._fmt = fmt

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
        text = self._inner.comparison(result, audience, color=color, width=width, detail=detail, screen=screen)
        return mark(text, self._fmt) if result.knowledge_base.synthetic else text

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100
    ) -> str:
        text = self._inner.course_report(report, audience, color=color, width=width)
        return mark(text, self._fmt) if report.knowledge_base.synthetic else text

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        text = self._inner.knowledge(kb, modality_id, audience, color=color, width=width)
        return mark(text, self._fmt) if kb.synthetic else text
