"""Renderers by format: a result of the core in, text out. The core never prints.

``renderer_for(fmt)`` is the one place a format name becomes an implementation; each
format's module is imported on use, so JSON output never pays for Rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ketadecide.engine.result import Audience, Result
    from ketadecide.render.interface import Renderer

Format = Literal["table", "json", "markdown", "html"]
FORMATS: tuple[str, ...] = ("table", "json", "markdown", "html")


def renderer_for(fmt: str) -> Renderer:
    """The renderer of one output format (``table`` is the terminal). Every text format is
    wrapped so the output of synthetic test data starts by saying so (issue 21); JSON
    carries ``knowledge_base.synthetic`` instead."""
    if fmt == "json":
        from ketadecide.render.json import JsonRenderer

        return JsonRenderer()
    from ketadecide.render.synthetic import Marked

    return Marked(_text_renderer(fmt), fmt)


def _text_renderer(fmt: str) -> Renderer:
    if fmt == "markdown":
        from ketadecide.render.markdown import MarkdownRenderer

        return MarkdownRenderer()
    if fmt == "html":
        from ketadecide.render.html import HtmlRenderer

        return HtmlRenderer()
    if fmt == "note":
        from ketadecide.render.note import NoteRenderer

        return NoteRenderer()
    if fmt == "table":
        from ketadecide.render.terminal import TerminalRenderer

        return TerminalRenderer()
    raise ValueError(f"unknown format {fmt!r}")


def render(
    result: Result, fmt: Format, audience: Audience, *, color: bool = False, width: int = 120, detail: bool = True
) -> str:
    """Render a comparison in one of the output formats (``detail=False``: the terminal summary)."""
    return renderer_for(fmt).comparison(result, audience, color=color, width=width, detail=detail)
