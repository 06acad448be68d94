"""The consult on a real terminal: colour, section rules, line editing (Rich is imported here).

Used only when standard input and standard error are both terminals; pipes and tests get
:class:`ketadecide.consult.asker.LineAsker`. Prompts go to standard error, like the
line asker's, so standard output stays for the comparison. ``NO_COLOR`` is honoured by Rich.
"""

from __future__ import annotations

import contextlib
import os
import sys

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketadecide.consult.asker import (
    Asker,
    LineAsker,
    crisis_refs,
    crisis_title,
    notice_lines,
    prompt_hint,
    question_text,
    section_heading,
)
from ketadecide.consult.steps import Notice, Step
from ketadecide.engine.result import Audience
from ketadecide.tty import is_terminal

NOTICE_STYLE = {
    "error": "bold red",
    "help": "cyan",
    "safety": "bold yellow",
    "score": "bold green",
    "info": "yellow",
    "stopped": "bold red",
}


def interactive_terminal() -> bool:
    """Both ends of the conversation are a terminal (and it is not a dumb one)."""
    return is_terminal(sys.stdin) and is_terminal(sys.stderr) and os.environ.get("TERM") != "dumb"


def make_asker(audience: Audience) -> Asker:
    """The terminal asker on a real terminal, the line asker otherwise."""
    if interactive_terminal():
        return TerminalAsker(audience)
    return LineAsker(audience)


class TerminalAsker:
    """Rich prompts on standard error; ``input()`` with line editing where readline exists."""

    def __init__(self, audience: Audience) -> None:
        self.audience = audience
        self.console = Console(stderr=True, highlight=False)
        self._section: str | None = None
        self._last: str | None = None
        self._readline = False
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - gives input() history and editing

            self._readline = True

    def ask(self, step: Step) -> str:
        c = self.console
        if step.section_id != self._section:
            self._section = step.section_id
            c.print()
            c.rule(Text(section_heading(step, self.audience), style="bold cyan"), style="cyan")
        if step.key != self._last:
            c.print(Text(question_text(step, self.audience), style="bold"))
            if step.options:
                c.print(options_grid(step))
        self._last = step.key
        answer = c.input(Text(prompt_hint(step, self.audience) + " > ", style="dim"))
        if not answer and self._readline and is_terminal(sys.stdout):
            # readline, reading after a prompt it did not print itself, echoes no line break
            # for an empty line: without this the next question starts after the "> ".
            c.print()
        return answer

    def show(self, notice: Notice) -> None:
        c = self.console
        if notice.kind == "crisis":
            inside, after = crisis_refs(notice, max(40, c.width - 2))
            body = Text(notice.text)
            if inside:
                body.append(f"\n{inside}", style="dim")
            c.print(Panel(body, title=crisis_title(self.audience), border_style="bold red", box=box.HEAVY))
            for line in after:
                c.print(Padding(Text(line, style="dim"), (0, 0, 0, 2)))
            return
        lines = notice_lines(notice, self.audience, 10**6)  # Rich wraps to the terminal
        c.print(Padding(Text(lines[0].strip(), style=NOTICE_STYLE[notice.kind]), (0, 0, 0, 2)))
        for line in lines[1:]:
            c.print(Padding(Text(line.strip(), style="dim"), (0, 0, 0, 4)))


def options_grid(step: Step) -> Table:
    """The numbered choices; a label that wraps keeps its indent (under the label, not the margin)."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for o in step.options:
        grid.add_row(Text(f"  {o.key})"), Text(o.label))
    return grid
