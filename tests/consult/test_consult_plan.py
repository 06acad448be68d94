"""Issue 24 in the consult: after a SURE "no", the person's own next-step plan (CONTRACT §1
``plan_leaning``, ``plan_decide_by``, ``plan_notes``): asked, shown back, in the JSON, on the
handout's "Your next steps" boxes and kept by --save (0600). Synthetic answers only."""

from __future__ import annotations

import json
import stat

import yaml

from ketadecide.cli.main import app
from ketadecide.consult.followup import PLAN_PART_MAX, plan_record, plan_step
from tests.conftest import DATA_DIR
from tests.consult.consult_helpers import TYPICAL

KB = ["--data-dir", str(DATA_DIR)]
OPEN = [("spravato", "Spravato"), ("iv", "IV ketamine")]
#: Rate, then SURE with two "no"s, then the plan: IV, a question, people, a date.
SURE_NO = [*TYPICAL, "", "y", "y", "n", "y", "n"]
PLAN = ["y", "iv", "Will my insurance pay for IV?", "My sister Ana", "2027-01-31"]


def consult(runner, answers: list[str], *args: str):
    return runner.invoke(app, ["consult", *KB, *args], input="".join(f"{a}\n" for a in answers))


def test_the_plan_step_asks_leaning_questions_people_and_a_date() -> None:
    step = plan_step(OPEN, "patient", {})
    step.answer("y")
    first = step.current
    assert first is not None and first.key == "plan_leaning"
    assert [(o.key, o.value) for o in first.options] == [("1", "spravato"), ("2", "iv"), ("3", "unsure")]
    assert [n.kind for n in step.answer("4")] == ["error"]  # not one of the numbers shown
    step.answer("3")
    step.answer("Is it SAFE with my Pills?")  # the person's own letters are kept
    step.answer("")  # Enter skips one question
    assert [n.kind for n in step.answer("2027-02-29")] == ["error"]  # not on the calendar
    assert [n.kind for n in step.answer("31/01/2027")] == ["error"]
    step.answer("2028-02-29")
    assert step.finished
    assert plan_record(step.answers, "patient") == {
        "plan_leaning": "unsure",
        "plan_decide_by": "2028-02-29",
        "plan_notes": "Questions: Is it SAFE with my Pills?",
    }


def test_free_text_is_one_line_within_its_share_of_the_notes() -> None:
    step = plan_step(OPEN, "clinician", {})
    for answer in ("y", ""):
        step.answer(answer)
    assert [n.kind for n in step.answer("x" * (PLAN_PART_MAX + 1))] == ["error"]
    assert [n.kind for n in step.answer("bidi \u202e trick")] == ["error"]
    step.answer("q" * PLAN_PART_MAX)
    step.answer("p" * PLAN_PART_MAX)
    notes = plan_record(step.answers, "clinician")["plan_notes"]
    assert len(notes) <= 1000 and notes.startswith("Questions: qqq")


def test_notes_already_given_are_not_asked_again() -> None:
    step = plan_step(OPEN, "patient", {"plan_notes": "from the file"})
    step.answer("y")
    asked = []
    while step.current is not None:
        asked.append(step.current.key)
        step.answer("")
    assert asked == ["plan_leaning", "plan_decide_by"]


def test_a_sure_no_leads_to_the_plan_in_json_on_the_handout_and_in_the_saved_file(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    result = consult(runner, [*SURE_NO, *PLAN], "--format", "json", "--save", str(save))
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan == {
        "leaning": "iv",
        "decide_by": "2027-01-31",
        "notes": "Questions: Will my insurance pay for IV? Talk it over with: My sister Ana.",
    }
    said = " ".join(result.stderr.split())
    assert "Next-step plan" in said and "Decide by: 2027-01-31" in said
    # kept by --save, readable by the owner only, and read back the same
    assert stat.S_IMODE(save.stat().st_mode) == 0o600
    record = yaml.safe_load(save.read_text())
    assert {k: record[k] for k in ("plan_leaning", "plan_decide_by", "plan_notes")} == {
        "plan_leaning": "iv",
        "plan_decide_by": "2027-01-31",
        "plan_notes": plan["notes"],
    }
    handout = tmp_path / "handout.html"
    again = runner.invoke(app, ["compare", *KB, "--profile", str(save), "-a", "patient", "-o", str(handout)])
    assert again.exit_code == 0, again.stderr
    page = handout.read_text()
    worksheet = page[page.index('class="worksheet"') :]
    worksheet = worksheet[: worksheet.index("</section>")]
    assert worksheet.count("&#9745;") == 1  # exactly one box ticked: IV
    assert "&#9745; IV" in worksheet
    assert "2027-01-31" in worksheet and "My sister Ana" in worksheet
    assert "________" not in worksheet  # the blank plan line is replaced by the person's own


def test_no_sure_no_no_plan(runner) -> None:
    result = consult(runner, [*TYPICAL, "", "y", "y", "y", "y", "y"], "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "Next-step plan (optional)" not in result.stderr
    assert json.loads(result.stdout)["plan"] is None


def test_a_handout_without_a_plan_keeps_blank_boxes(runner, tmp_path) -> None:
    handout = tmp_path / "handout.html"
    profile = tmp_path / "p.yaml"
    profile.write_text("age: 40\nsuicidality: none\n")
    result = runner.invoke(app, ["compare", *KB, "--profile", str(profile), "-a", "patient", "-o", str(handout)])
    assert result.exit_code == 0, result.stderr
    page = handout.read_text()
    assert "&#9745;" not in page and "Decide by (date) ________" in page
