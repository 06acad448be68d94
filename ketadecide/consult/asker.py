"""Askers: how the interview's steps reach a person, and how their answers come back.

:class:`Asker` is the interface. :class:`LineAsker` reads one line per answer from any
text stream and writes plain text (no colour, no cursor movement): it is used for pipes,
scripts and tests. The terminal asker (colour, line editing) lives in
``ketadecide/cli/console.py``, the one CLI module allowed to import Rich.

Prompts go to standard error so that standard output carries only the comparison (and
``--format json`` can be piped while the questions are answered on the terminal).
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from ketadecide.consult.interview import Interview
from ketadecide.consult.steps import Notice, Step
from ketadecide.engine.result import Audience
from ketadecide.lang import tr, trf
from ketadecide.render.tidy import wrap_words
from ketadecide.tty import is_terminal


class Asker(Protocol):
    """Shows steps and notices; returns the person's answer to a step.

    ``ask`` raises :class:`EOFError` at end of input and lets :class:`KeyboardInterrupt`
    through; the caller turns both into a clean goodbye.
    """

    def ask(self, step: Step) -> str: ...

    def show(self, notice: Notice) -> None: ...


class Steps(Protocol):
    """What :func:`run_interview` drives: the interview, or an optional step after it."""

    def start(self) -> list[Notice]: ...

    @property
    def current(self) -> Step | None: ...

    def answer(self, text: str) -> list[Notice]: ...


def run_interview(interview: Interview | Steps, asker: Asker) -> None:
    """Ask until the interview is over (finished, or stopped after the crisis message)."""
    for notice in interview.start():
        asker.show(notice)
    while (step := interview.current) is not None:
        reply = asker.ask(step)
        for notice in interview.answer(reply):
            asker.show(notice)


# ---------------------------------------------------------------------- shared wording


def section_heading(step: Step, audience: Audience) -> str:
    if step.section_count == 0:  # an optional step after the comparison, not a numbered part
        return step.section_title
    if audience == "patient":
        return f"{step.section_title} " + trf("(part {n} of {of})", n=step.section_number, of=step.section_count)
    return f"{step.section_number}/{step.section_count} {step.section_title}"


def question_text(step: Step, audience: Audience = "clinician") -> str:
    if step.item is not None:
        n, of = step.item
        return f"{step.stem} ({n}/{of})\n{step.text}"
    # Clinicians see the unit; patient wording says it in words where it matters.
    show_unit = audience == "clinician" and step.unit and step.unit not in step.text
    return f"{step.text} ({step.unit})" if show_unit else step.text


def option_lines(step: Step) -> list[str]:
    width = max((len(o.key) for o in step.options), default=1)
    return [f"  {o.key.rjust(width)}) {o.label}" for o in step.options]


def prompt_hint(step: Step, audience: Audience) -> str:
    """The short line before the cursor: what to type, what Enter does, help and back."""
    if audience == "patient":
        parts = []
        if step.kind in {"multi", "checklist"}:
            parts.append(tr("type numbers, separated by commas"))
        elif step.options and step.kind != "bool":
            parts.append(tr("type a number"))
        elif step.kind == "bool":
            parts.append(tr("yes or no"))
        if step.enter == "skip":
            parts.append(tr("Enter to skip"))
        elif step.enter is not None:
            parts.append(trf("Enter for: {answer}", answer=step.enter))
        parts.append(tr("? for help"))
        if step.can_go_back:
            parts.append(tr("back to go back"))
        return "(" + " · ".join(parts) + ")"
    parts = []
    if step.options and step.kind != "bool":
        keys = f"{step.options[0].key}-{step.options[-1].key}"
        parts.append(f"{keys}, comma-separated" if step.kind in {"multi", "checklist"} else keys)
    elif step.kind == "bool":
        parts.append("y/n")
    if step.enter is not None:
        parts.append(f"Enter={step.enter}")
    parts.append("? help")
    if step.can_go_back:
        parts.append("back")
    return "[" + " · ".join(parts) + "]"


def crisis_title(audience: Audience) -> str:
    return tr("URGENT: your safety comes first") if audience == "patient" else "CRISIS: safety first"


def crisis_refs(notice: Notice, width: int = 100) -> tuple[str, list[str]]:
    """The crisis message's sources as numbers inside the urgent box, citations after it.

    The box holds what to do now; full citations inside it push the 988 line out of sight.
    After it, each source wrapped to ``width`` at spaces (never cut: a clinician checks it).
    Returns ("Sources: [1] [2]", ["[1] citation", "    ...", ...]), or ("", []) when none.
    """
    if not notice.sources:
        return "", []
    marks = [f"[{i}]" for i in range(1, len(notice.sources) + 1)]
    after: list[str] = []
    for m, s in zip(marks, notice.sources, strict=True):
        after += wrap_words(f"{m} {' '.join(s.split())}", width, "", " " * (len(m) + 1))
    return "Sources: " + " ".join(marks), after


def line_width() -> int:
    """The width prompts wrap to: the terminal's (or ``COLUMNS``), 80 otherwise."""
    import shutil

    return max(40, shutil.get_terminal_size((80, 24)).columns)


def notice_lines(notice: Notice, audience: Audience, width: int = 80) -> list[str]:
    if notice.kind == "crisis":
        bar = "!" * min(72, width)
        inside, after = crisis_refs(notice, width)
        lines = [bar, *wrap_words(crisis_title(audience), width), *wrap_lines(notice.text, width)]
        if inside:
            lines.append(inside)
        return [*lines, bar, *after]
    marker = {"error": "! ", "help": "? ", "safety": "* ", "score": "= ", "info": "- ", "stopped": "! "}[notice.kind]
    lines = wrap_lines(notice.text, width, f"  {marker}", "    ")
    for s in notice.sources:
        lines += wrap_words(f"Source: {s}", width, "    ", "      ")
    return lines


def wrap_lines(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Each line of ``text`` wrapped at spaces to ``width``; the first line after ``first``."""
    out: list[str] = []
    for i, para in enumerate(text.split("\n")):
        out += wrap_words(para, width, first if i == 0 else rest, rest)
    return out


class LineAsker:
    """Plain-text asker: one line of input per answer; prompts on ``out`` (stderr)."""

    def __init__(self, audience: Audience, stdin: TextIO | None = None, out: TextIO | None = None) -> None:
        self.audience = audience
        self.stdin = stdin if stdin is not None else sys.stdin
        self.out = out if out is not None else sys.stderr
        self._section: str | None = None
        self._last: str | None = None

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def ask(self, step: Step) -> str:
        lines: list[str] = []
        if step.section_id != self._section:
            self._section = step.section_id
            lines += ["", f"== {section_heading(step, self.audience)} =="]
        width = line_width()
        if step.key != self._last:
            # Asked again (after help or a bad answer): the prompt alone, not the whole list.
            lines += wrap_lines(question_text(step, self.audience), width)
            key_width = max((len(o.key) for o in step.options), default=1)
            for o in step.options:
                first = f"  {o.key.rjust(key_width)}) "
                lines += wrap_words(o.label, width, first, " " * len(first))
        self._last = step.key
        hint = wrap_words(prompt_hint(step, self.audience) + " >", width)
        piped = not is_terminal(self.stdin)
        # A piped answer is echoed after the prompt's space; a blank one leaves no trailing space.
        self._write("\n".join([*lines, *hint]) + ("" if piped else " "))
        line = self.stdin.readline()
        if not line:
            self._write("\n")
            raise EOFError
        answer = line.rstrip("\r\n")
        if piped:
            # Piped answers are not echoed by a terminal; echo them so the transcript reads
            # (on a line of its own when it would run past the width).
            room = len(hint[-1]) + 1 + len(answer) <= width
            self._write(("" if not answer else f" {answer}" if room else f"\n  {answer}") + "\n")
        return answer

    def show(self, notice: Notice) -> None:
        self._write("\n".join(notice_lines(notice, self.audience, line_width())) + "\n")
