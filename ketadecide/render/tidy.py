"""Text as a person pastes it: no line ends in spaces (Rich pads table cells and wrapped
lines to the console width, and the padding came along into a chart note)."""

from __future__ import annotations

import re

# Spaces before the end of a line, possibly with colour codes (SGR) after them.
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def strip_trailing(text: str) -> str:
    """``text`` with the spaces at the end of every line removed (colour codes kept)."""
    previous = None
    while previous != text:  # "a  \x1b[0m  \x1b[1m" needs two passes
        previous = text
        text = _TRAILING.sub(r"\1", text)
    return text


def wrap_words(text: str, width: int, initial: str = "", subsequent: str = "") -> list[str]:
    """``text`` wrapped at spaces only: a word is never broken, not even at a hyphen
    ("watched-over") nor when longer than the line (a web address then stands on its own
    line, and the terminal shows it whole)."""
    import textwrap

    return textwrap.wrap(
        text,
        max(20, width),
        initial_indent=initial,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [initial.rstrip()]
