"""Writing a command's output to stdout or, atomically and privately, to a file."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from ketadecide.cli.options import OutputFormat, resolve_format
from ketadecide.tty import is_terminal


def stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)


def use_color(output: Path | None) -> bool:
    """Colour only on a real terminal, and never when NO_COLOR is set (no-color.org)."""
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return stdout_is_terminal()


def table_width(output: Path | None) -> int:
    if output is None and stdout_is_terminal():
        return max(80, shutil.get_terminal_size((120, 40)).columns)
    columns = os.environ.get("COLUMNS", "")
    # Not a terminal: 80, the width a pasted note or a log reads at (COLUMNS overrides).
    return int(columns) if columns.isdigit() and int(columns) >= 60 else 80


def screen_rows(output: Path | None) -> int | None:
    """The terminal's height when standard output is one (and nothing goes to a file)."""
    if output is None and stdout_is_terminal():
        return shutil.get_terminal_size((120, 40)).lines
    return None


def emit(text: str, output: Path | None) -> None:
    """Print ``text`` to stdout, or write it atomically to ``output`` (mode 0600), with no
    line ending in spaces."""
    from ketadecide.render.tidy import strip_trailing

    text = strip_trailing(text)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from ketadecide.outputs import write_text

        write_text(output, text)


def said_written(output: Path, what: str) -> None:
    """One line on stderr saying what a successful ``-o`` wrote, e.g. ``wrote handout.html
    (HTML, patient)``. Nothing for a device or a pipe (``-o /dev/stdout``)."""
    import stat

    try:
        regular = stat.S_ISREG(os.stat(output).st_mode)
    except OSError:
        return
    if regular:
        from ketadecide.lang import trf

        print(trf("ketadecide: wrote {output} ({what})", output=output, what=what), file=sys.stderr)


def present(
    draw: Callable[..., str],
    fmt: OutputFormat | None,
    output: Path | None,
    audience: str | None = None,
    *,
    announce: bool = True,
) -> str:
    """Render in the chosen (or implied) format and write it; returns the format used.

    ``draw(renderer, color=..., width=...)`` asks the format's renderer for one view (a
    comparison, a course report, a listing). Colour only for the table on a terminal; the
    width follows the terminal or ``COLUMNS``. ``announce=False``: the caller says where the
    file went itself (no "wrote ..." line).
    """
    from ketadecide.render import renderer_for

    fmt_name = resolve_format(fmt, output)
    text = draw(
        renderer_for(fmt_name),
        color=use_color(output) and fmt_name == "table",
        width=table_width(output),
    )
    emit(text, output)
    if output is not None and announce:
        from ketadecide.cli.options import FORMAT_NAMES
        from ketadecide.lang import tr

        # In the patient's language (tr is English itself unless a patient asked for Spanish).
        what = ", ".join(tr(x) for x in (FORMAT_NAMES[fmt_name], audience) if x)
        if fmt_name == "html":
            what += tr("; print it from a browser")
        said_written(output, what)
    return fmt_name


def in_large_print(draw: Callable[..., str], large_print: bool) -> Callable[..., str]:
    """``draw`` with its HTML page in large print (``--large-print``, checked by
    :func:`~ketadecide.cli.options.check_large_print` to be HTML); ``draw`` itself without."""
    if not large_print:
        return draw
    from ketadecide.render.large_print import enlarge

    return lambda r, **kw: enlarge(draw(r, **kw))


def wants_handout(fmt: OutputFormat | None, output: Path | None) -> bool:
    """Only the printable reports (Markdown, HTML) carry the handout's checklist and questions."""
    return resolve_format(fmt, output) in ("markdown", "html")


def wants_decision_support(fmt: OutputFormat | None, output: Path | None, detail: bool) -> bool:
    """The terminal summary shows no evidence figures: only --detail and the documents need
    their data validated."""
    return detail or resolve_format(fmt, output) != "table"
