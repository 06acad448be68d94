"""What a renderer is: one output format, turning each of the core's results into text.

One module per format implements it (``json``, ``markdown``, ``html``, ``terminal``);
:func:`ketadecide.render.renderer_for` maps a user's ``--format`` to one. Renderers never
print and hold no clinical logic: the words they share live in :mod:`ketadecide.render.labels`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ketadecide.engine.result import Audience, Result
    from ketadecide.knowledge.base import KnowledgeBase
    from ketadecide.troubleshoot.report import TroubleshootReport


class Renderer(Protocol):
    """One output format. ``color`` and ``width`` matter only to the terminal."""

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
        """The comparison of the four modalities for one profile (``compare``, ``consult``).
        ``detail=False`` asks for the one-screen summary where a format has one (the terminal).
        ``screen`` is the terminal's height when the text goes to one: a summary taller than
        it ends with a short "at a glance" (the terminal only)."""

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100
    ) -> str:
        """Suggestions for a course under way (``troubleshoot``)."""

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        """The knowledge base: every modality, or one in full with its sources (``modalities``)."""
