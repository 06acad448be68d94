"""The consult in a real 80x24 terminal: the options are on the screen before values are
rated even with -o, and the answer is reprinted in a few lines after the last prompt."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _consult(*args: str) -> str:
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["consult", "-p", str(ROOT / "examples" / "trd-commercial.yaml"), *args]
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    child = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(24, 80), encoding="utf-8", timeout=30)
    seen = ""
    while True:
        i = child.expect([r"> ", pexpect.EOF])
        seen += child.before + (child.after if i == 0 else "")
        if i == 1:
            break
        child.sendline("")  # Enter: the default, or skip the optional steps
    return ANSI.sub("", seen).replace("\r\n", "\n")


def test_with_output_the_options_are_shown_before_values_and_the_answer_comes_last(tmp_path: Path) -> None:
    out = tmp_path / "handout.html"
    text = _consult("-o", str(out))
    assert out.exists()
    before_values = text[: text.index("Values (optional)")]
    for name in ("Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual ketamine"):
        assert name in before_values  # seen before what matters is rated
    lines = text.rstrip("\n").split("\n")
    last = "\n".join(lines[-23:])
    assert "At a glance" in last and "SURE" in text[: text.index("At a glance")]
    glance = last[last.index("At a glance") :]
    assert len(glance.strip("\n").split("\n")) <= 12
    # what this commercially insured person would likely pay for Spravato (issue 24: the estimate)
    for word in ("Spravato:", "IV ketamine:", "IM ketamine:", "Oral/sublingual ketamine:", "$91–$387", "988"):
        assert word in glance


def test_without_output_the_glance_follows_the_last_prompt() -> None:
    text = _consult()
    assert text.rindex("At a glance") > text.rindex("SURE")
