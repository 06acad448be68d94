"""The consult in a real pseudo-terminal (pexpect): line breaks, wrapped choices, and a whole
patient consult with the values step and the SURE check. Synthetic answers only."""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import sys

import pytest
import yaml

from tests.conftest import DATA_DIR, MINIMAL_KB, ROOT
from tests.consult.consult_helpers import TYPICAL_ANSWERS, typed

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn(*args: str, data_dir=MINIMAL_KB, columns: int = 120, cwd=ROOT):
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["consult", "--data-dir", str(data_dir), *args]
    environ = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "40"}
    environ["PYTHONPATH"] = str(ROOT)
    environ["NO_COLOR"] = "1"
    return pexpect.spawn(
        cmd[0], cmd[1:], env=environ, cwd=str(cwd), dimensions=(40, columns), encoding="utf-8", timeout=30
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


#: A whole patient consult on the shipped data: the interview (answers as a patient types them),
#: then the values step and the SURE check. Synthetic answers.
PATIENT_INTERVIEW = typed({**TYPICAL_ANSWERS, "bp": ""}, audience="patient")  # by question id; BP skipped
RATINGS = ["8", "3", "", "10", "5", "9"]  # Enter skips "less time at a clinic"
SURE = ["n", "y", "y", "n"]


def test_whole_patient_consult_with_values_and_sure_in_a_terminal(tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    child = spawn("--audience", "patient", "--save", str(save), data_dir=DATA_DIR, cwd=tmp_path)
    child.logfile_read = log = io.StringIO()
    ask(child, "Right now, are you having thoughts", PATIENT_INTERVIEW[0])
    for answer in PATIENT_INTERVIEW[1:]:
        child.expect(r"> ")
        child.sendline(answer)
    # the comparison comes first, then the offer to rate what matters
    child.expect("Spravato")
    ask(child, "Would you like to rate what matters to you?", "y")
    ask(child, "How much does strong proof that it works matter to you?", RATINGS[0])
    for answer in RATINGS[1:]:
        child.expect(r"How much does .* matter")
        child.expect(r"> ")
        child.sendline(answer)
    child.expect("How each option matches what you said matters")
    child.expect("It is not advice on what to choose")
    ask(child, "Would you like to answer 4 yes-or-no questions", "y")
    ask(child, "Do you feel SURE about the best choice for you?", SURE[0])
    ask(child, "Do you know the benefits and risks of each option?", SURE[1])
    ask(child, "Are you clear about which benefits and risks matter most to you?", SURE[2])
    ask(child, "Do you have enough support and advice to make a choice?", SURE[3])
    # a "no": the person's own next-step plan (issue 24), through the same prompts
    ask(child, "Would you like to make a short plan for your next steps?", "y")
    child.expect("Which option are you leaning toward right now?")
    child.expect(r"(\d+)\) Not sure yet")
    unsure = child.match.group(1)
    child.expect(r"> ")
    child.sendline(unsure)
    ask(child, "What questions do you still want to ask?", "Does it hurt?")
    ask(child, "Who would you like to talk it over with?", "My partner")
    ask(child, "By what date would you like to decide?", "2027-02-30")
    ask(child, "Please type the date like 2027-01-31", "2027-03-01")  # asked again, not lost
    child.expect("Your plan")
    # the end of the consult: one key each, never asking the questions again (issue 24)
    menu = "What next? d = all the details"
    child.expect(re.escape(menu))
    child.sendline("n")  # the chart note
    child.expect("Ketamine options reviewed with ketadecide")
    child.expect(re.escape(menu))
    child.sendline("h")  # the handout, in the current folder
    child.expect("handout written to ketadecide-handout.html")
    child.expect(re.escape(menu))
    child.sendline("h")  # a second one never replaces the first
    child.expect("handout written to ketadecide-handout-2.html")
    child.expect(re.escape(menu))
    child.sendline("d")  # the full detail
    child.expect(re.escape(menu))
    detail = plain(child.before)
    assert "Spravato" in detail and len(detail.splitlines()) > 40, detail[-500:]
    # ...ends with its sources, in full, each with the date it was checked (issue 24 review, C4)
    assert "Where this information comes from" in detail
    sources = detail.split("Where this information comes from")[1]
    assert re.search(r"^\[1\] ", sources, re.M) and re.search(r"\(checked \d{4}-\d{2}-\d{2}\)", sources)
    child.sendline("s")
    child.expect("answers saved to")
    child.expect(re.escape(menu))
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    screen = plain(log.getvalue())
    # the fit: every option in words, with its best match and its main drawback, never a
    # rank or a score out of 100 (issue 24), and said not to be advice
    fit = screen.split("How each option matches what you said matters")[1].split("How each option does")[0]
    options = re.findall(r"^\s+- (.+?): matches (much|some|little) of what you said", fit, flags=re.M)
    assert [o[0] for o in options] == ["Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual ketamine"]
    assert fit.count("Main drawback") == 4 and "/100" not in fit
    # the grid of what was rated: five rows (one skipped)
    assert "How each option does (0-10) on what you rated" in screen
    assert "Less time at a clinic" not in screen.split("How each option does")[1]
    # SURE: the score and a next step for each "no", nothing for a "yes"
    assert "Score 2 of 4." in screen
    assert "You do not have to decide today." in screen  # sure_sure: no
    assert "Ask for another visit." in screen  # sure_support: no
    assert "Read the 'out of 100' part again." not in screen  # sure_understand: yes
    assert "Légaré" in screen  # the test is credited
    record = save.read_text()
    assert "values_home: 10" in record and "sure_support: false" in record
    assert "values_time" not in record
    assert stat.S_IMODE(save.stat().st_mode) == 0o600
    handout = (tmp_path / "ketadecide-handout.html").read_text()
    assert "&#9745;" in handout and "Does it hurt?" in handout  # the plan, on the handout
    assert (tmp_path / "ketadecide-handout-2.html").exists()
    assert screen.count("Right now, are you having thoughts") == 1  # nothing asked again
    assert "Leaning toward: Not sure yet" in screen and "Decide by: 2027-03-01" in screen
    plan = yaml.safe_load(record)
    assert (plan["plan_leaning"], plan["plan_decide_by"]) == ("unsure", "2027-03-01")
    assert plan["plan_notes"] == "Questions: Does it hurt? Talk it over with: My partner."
