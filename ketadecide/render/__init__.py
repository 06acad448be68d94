"""Renderers: a :class:`~ketadecide.engine.Result` in, text out. The core never prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from ketadecide.engine.result import Audience, Result

Format = Literal["table", "json", "markdown", "html"]
FORMATS: tuple[str, ...] = ("table", "json", "markdown", "html")


def render(result: Result, fmt: Format, audience: Audience, *, color: bool = False, width: int = 120) -> str:
    """Render a comparison in one of the output formats."""
    # Each renderer is imported on use: JSON output must not pay for Rich.
    renderer: Callable[[Result, Audience], str]
    if fmt == "json":
        from ketadecide.render.json_out import render_json

        renderer = render_json
    elif fmt == "markdown":
        from ketadecide.render.markdown import render_markdown

        renderer = render_markdown
    elif fmt == "html":
        from ketadecide.render.html import render_html

        renderer = render_html
    else:
        from ketadecide.render.rich_table import render_table

        return render_table(result, audience, color=color, width=width)
    return renderer(result, audience)
