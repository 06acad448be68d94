"""The installed ``ketadecide consult`` driven in a real pseudo-terminal (pexpect).

This is the path a clinician or patient takes: standard input and error are a terminal, so
the Rich asker (colour, line editing) is used instead of the line asker the other tests see.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from tests.conftest import MINIMAL_KB, ROOT

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def command() -> list[str]:
    """The console script when installed (CI), else this checkout run as a module."""
    script = shutil.which("ketadecide")
    return [script] if script else [sys.executable, "-m", "ketadecide"]


def spawn(*args: str, **env: str):
    cmd = [*command(), "consult", "--data-dir", str(MINIMAL_KB), *args]
    environ = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    if "NO_COLOR" not in env:
        environ.pop("NO_COLOR", None)
    return pexpect.spawn(
        cmd[0],
        cmd[1:],
        env=environ,
        cwd=str(ROOT),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=20,
    )


def ask(child, question: str, answer: str) -> None:
    child.expect(re.escape(question))
    child.expect(r"> ")
    child.sendline(answer)


@pytest.mark.parametrize("detail", [False, True], ids=["summary", "detail"])
def test_full_consult_in_a_terminal_ends_with_the_comparison_table(detail: bool) -> None:
    child = spawn(*(["--detail"] if detail else []), NO_COLOR="1")
    ask(child, "Current suicidal ideation?", "1")
    ask(child, "Diagnoses (select all that apply)", "1")
    ask(child, "Adequate antidepressant trials that failed", "3")
    ask(child, "Ketamine or esketamine course", "")
    ask(child, "Age (years)", "abc")  # a bad answer is explained and asked again
    child.expect("Expected a whole number")
    child.expect(r"> ")
    child.sendline("45")
    ask(child, "Pregnancy or breastfeeding", "")
    ask(child, "Latest seated blood pressure", "150/95")
    ask(child, "Conditions present", "")
    ask(child, "Current medication classes", "1")
    ask(child, "PHQ-9", "1 2 1 1 2 1 1 0 0")
    child.expect(r"PHQ-9 total 9/27: mild")
    ask(child, "Payer type", "1")
    ask(child, "Budget per session", "400")
    ask(child, "Driver home", "y")
    ask(child, "Can attend twice weekly", "y")
    ask(child, "Prefers treatment at home", "n")
    ask(child, "Needle-averse", "n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = ANSI.sub("", child.before)
    for column in ("Spravato", "IV", "IM", "Compounded"):
        assert column in screen
    assert "BP elevated" in screen  # the blood pressure answered above reached the engine
    # the medication too: an info finding, listed in the full comparison only
    assert ("Benzodiazepine" in screen) is detail
    assert ("--detail" in screen) is not detail  # the summary says where the rest is


def test_ctrl_c_in_a_terminal_says_goodbye_and_exits_130(tmp_path) -> None:
    save = tmp_path / "p.yaml"
    child = spawn("--save", str(save))
    ask(child, "Current suicidal ideation?", "1")
    child.expect("Diagnoses")
    child.expect(r"> ")
    child.sendintr()
    child.expect(r"Save the answers typed so far to .*\? \[y/N\] ")
    child.sendline("n")
    child.expect("consult cancelled; goodbye. Nothing was written.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before
    assert not save.exists()


def test_ctrl_c_with_save_keeps_what_was_typed_when_asked(tmp_path) -> None:
    save = tmp_path / "p.yaml"
    child = spawn("--save", str(save))
    ask(child, "Current suicidal ideation?", "1")
    child.expect("Diagnoses")
    child.expect(r"> ")
    child.sendintr()
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("what was typed is in")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert save.read_text().splitlines()[-1] == "suicidality: none"
    assert oct(save.stat().st_mode & 0o777) == "0o600"


def test_crisis_message_appears_in_the_terminal_before_the_next_question() -> None:
    child = spawn("--audience", "patient", NO_COLOR="1")
    ask(child, "Right now, are you having thoughts of ending your life?", "3")
    child.expect("URGENT: your safety comes first")
    child.expect("988")
    ask(child, "Would you like to go on with the questions?", "no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Which of these have you been told" not in child.before
