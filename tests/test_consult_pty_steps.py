"""The consult in a real pseudo-terminal (pexpect): line breaks, wrapped choices, and a whole
patient consult with the values step and the SURE check. Synthetic answers only."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from tests.conftest import DATA_DIR, MINIMAL_KB, ROOT

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn(*args: str, data_dir=MINIMAL_KB, columns: int = 120):
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["consult", "--data-dir", str(data_dir), *args]
    environ = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40"}
    environ["PYTHONPATH"] = str(ROOT)
    environ["NO_COLOR"] = "1"
    return pexpect.spawn(
        cmd[0], cmd[1:], env=environ, cwd=str(ROOT), dimensions=(40, columns), encoding="utf-8", timeout=30
    )


def ask(child, question: str, answer: str) -> None:
    child.expect(re.escape(question))
    child.expect(r"> ")
    child.sendline(answer)


def plain(text: str) -> str:
    return ANSI.sub("", text).replace("\r\n", "\n")


def test_after_enter_takes_a_default_the_next_question_starts_on_its_own_line() -> None:
    child = spawn()
    ask(child, "Current suicidal ideation?", "1")
    ask(child, "Diagnoses", "1")
    ask(child, "Adequate antidepressant trials", "3")
    ask(child, "Ketamine or esketamine course", "")
    ask(child, "Age (years)", "45")
    ask(child, "Pregnancy or breastfeeding", "1")
    child.expect(re.escape("Latest seated blood pressure"))
    child.expect(r"> ")
    child.sendline("")  # Enter: skip, within the section (no heading follows to hide the bug)
    child.expect(r"Conditions present")
    before = plain(child.before)
    child.terminate(force=True)
    assert before.endswith("\n"), repr(before[-80:])


def test_a_wrapped_choice_keeps_its_indent() -> None:
    child = spawn("--audience", "patient", data_dir=DATA_DIR, columns=48)
    ask(child, "Right now, are you having thoughts", "1")
    child.expect(re.escape("Which of these have you been told"))
    child.expect(r"> ")
    shown = plain(child.before)
    child.terminate(force=True)
    lines = [line for line in shown.split("\n") if line.strip()]
    first = next(i for i, line in enumerate(lines) if re.match(r"\s+0\)", line))
    options = lines[first : next(i for i, line in enumerate(lines) if line.startswith("("))]
    assert len(options) > 8  # 0-7 and at least one wrapped label
    for line in options:
        assert line.startswith("  "), repr(line)  # no line falls back to the margin
    wrapped = [line for line in options if not re.match(r"\s+\d+\)", line)]
    assert wrapped and all(line.startswith("     ") for line in wrapped)
