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
        return f"{step.section_title} (part {step.section_number} of {step.section_count})"
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
            parts.append("type numbers, separated by commas")
        elif step.options and step.kind != "bool":
            parts.append("type a number")
        elif step.kind == "bool":
            parts.append("yes or no")
        if step.enter == "skip":
            parts.append("Enter to skip")
        elif step.enter is not None:
            parts.append(f"Enter for: {step.enter}")
        parts.append("? for help")
        if step.can_go_back:
            parts.append("back to go back")
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
    return "URGENT: your safety comes first" if audience == "patient" else "CRISIS: safety first"


def crisis_refs(notice: Notice, width: int = 100) -> tuple[str, list[str]]:
    """The crisis message's sources as numbers inside the urgent box, citations after it.

    The box holds what to do now; full citations inside it push the 988 line out of sight.
    After it, one line per source, cut to ``width`` (the comparison cites them in full).
    Returns ("Sources: [1] [2]", ["[1] citation...", ...]), or ("", []) when there are none.
    """
    if not notice.sources:
        return "", []
    marks = [f"[{i}]" for i in range(1, len(notice.sources) + 1)]
    after = [_cut(f"{m} {' '.join(s.split())}", width) for m, s in zip(marks, notice.sources, strict=True)]
    return "Sources: " + " ".join(marks), after


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def notice_lines(notice: Notice, audience: Audience) -> list[str]:
    if notice.kind == "crisis":
        bar = "!" * 72
        inside, after = crisis_refs(notice)
        lines = [bar, crisis_title(audience), notice.text]
        if inside:
            lines.append(inside)
        return [*lines, bar, *after]
    marker = {"error": "! ", "help": "? ", "safety": "* ", "score": "= ", "info": "- ", "stopped": "! "}[notice.kind]
    lines = [f"  {marker}{notice.text}"]
    lines += [f"    Source: {s}" for s in notice.sources]
    return lines


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
        if step.key != self._last:
            # Asked again (after help or a bad answer): the prompt alone, not the whole list.
            lines.append(question_text(step, self.audience))
            lines += option_lines(step)
        self._last = step.key
        self._write("\n".join([*lines, prompt_hint(step, self.audience) + " > "]))
        line = self.stdin.readline()
        if not line:
            self._write("\n")
            raise EOFError
        answer = line.rstrip("\r\n")
        if not is_terminal(self.stdin):
            # Piped answers are not echoed by a terminal; echo them so the transcript reads.
            self._write(answer + "\n")
        return answer

    def show(self, notice: Notice) -> None:
        self._write("\n".join(notice_lines(notice, self.audience)) + "\n")
