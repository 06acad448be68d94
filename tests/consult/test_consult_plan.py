"""Issue 24 in the consult: after a SURE "no", the person's own next-step plan (CONTRACT §1
``plan_leaning``, ``plan_decide_by``, ``plan_notes``): asked, shown back, in the JSON, on the
handout's "Your next steps" boxes and kept by --save (0600). Synthetic answers only."""

from __future__ import annotations

import json
import stat

import yaml

from ketadecide.cli.main import app
from ketadecide.consult.followup import PLAN_PART_MAX, plan_record, plan_step
from tests.conftest import DATA_DIR, ROOT
from tests.consult.consult_helpers import SPANISH_ANSWERS, TYPICAL, TYPICAL_ANSWERS, TYPICAL_RECORD, typed

KB = ["--data-dir", str(DATA_DIR)]
OPEN = [("spravato", "Spravato"), ("iv", "IV ketamine")]
#: Rate, then SURE with two "no"s (the second, to knowing the benefits and risks, offers the
#: brief again: Enter declines), then the plan: IV, a question, people, a date.
SURE_NO = [*TYPICAL, "", "y", "y", "n", "y", "n", ""]  # Enter: not the brief again
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


ALTERNATIVES = [("stay", "Keep your current treatment"), ("tms", "TMS (magnet therapy)")]


def test_a_choice_other_than_ketamine_is_unsure_with_its_name_in_the_notes() -> None:
    """CONTRACT §1: ``plan_leaning`` is a modality id or ``unsure``; a choice other than
    ketamine is offered (issue 24 review, IPDAS Q3), stored as ``unsure``, and named first in
    ``plan_notes``, within its 1,000 characters even with both free-text parts full."""
    step = plan_step(OPEN, "patient", {}, ALTERNATIVES)
    step.answer("y")
    first = step.current
    assert first is not None
    assert [o.value for o in first.options] == ["spravato", "iv", "else:stay", "else:tms", "unsure"]
    assert first.options[3].label == "Something else (not ketamine): TMS (magnet therapy)"
    step.answer("4")
    step.answer("q" * PLAN_PART_MAX)
    step.answer("p" * PLAN_PART_MAX)
    step.answer("")
    record = plan_record(step.answers, "patient", ALTERNATIVES)
    assert record["plan_leaning"] == "unsure"
    assert record["plan_notes"].startswith("Something else (not ketamine): TMS (magnet therapy). Questions: qqq")
    assert len(record["plan_notes"]) <= 1000


def test_the_consult_shows_the_other_choices_and_keeps_the_one_leaned_toward(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    answers = [*SURE_NO, "y", "7", "", "", ""]  # 7: TMS (four open routes, then stay, an added medicine, TMS)
    result = consult(runner, answers, "-a", "patient", "--format", "json", "--save", str(save))
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stderr.split())
    # right after the decision sentence, before any question about the options
    decision = said.index("or something else.")
    others = said.index("Other choices (not ketamine) - Keep your current treatment:")
    assert (
        decision < others < said.index("TMS (magnet therapy): Magnet pulses") < said.index("What helps and what harms")
    )
    assert "7) Something else (not ketamine): TMS (magnet therapy)" in result.stderr
    assert "Leaning toward: Something else (not ketamine): TMS (magnet therapy)" in said
    plan = json.loads(result.stdout)["plan"]
    assert plan == {
        "leaning": "unsure",
        "decide_by": None,
        "notes": "Something else (not ketamine): TMS (magnet therapy).",
    }
    handout = tmp_path / "handout.html"
    again = runner.invoke(app, ["compare", *KB, "--profile", str(save), "-a", "patient", "-o", str(handout)])
    assert again.exit_code == 0, again.stderr
    page = handout.read_text()
    worksheet = page[page.index('class="worksheet"') :]
    worksheet = worksheet[: worksheet.index("</section>")]
    assert worksheet.count("&#9745;") == 1 and "&#9745; Something else: <b>TMS (magnet therapy)</b>" in worksheet
    assert "&#9744; Not sure yet" in worksheet


def test_the_leaning_box_leaves_out_a_route_not_advised_and_offers_something_else(runner, tmp_path) -> None:
    handout = tmp_path / "handout.html"
    # the crisis example: take-home compounded ketamine is contraindicated, the other three are open
    profile = ROOT / "examples" / "crisis.yaml"
    result = runner.invoke(app, ["compare", *KB, "--profile", str(profile), "-a", "patient", "-o", str(handout)])
    assert result.exit_code == 0, result.stderr
    page = handout.read_text()
    worksheet = page[page.index('class="worksheet"') :]
    leaning = worksheet[: worksheet.index("</p>", worksheet.index("leaning toward"))]
    assert "Something else: ______________" in leaning and "&#9744; Not sure yet" in leaning
    assert "Oral/sublingual" not in leaning
    assert all(f"&#9744; {m}" in leaning for m in ("Spravato", "IV ketamine", "IM ketamine"))
    assert "&#9745;" not in leaning


#: A pregnant patient (synthetic): Spravato and oral ketamine are caution "not recommended"
#: (the pregnancy rule's not_advised), IV and IM "talk it over first".
PREGNANT = {**TYPICAL_ANSWERS, "pregnancy": "2"}


def test_the_leaning_question_marks_the_routes_not_recommended(runner) -> None:
    """Third IPDAS review, D5: the leaning list offered Spravato and oral ketamine to a
    pregnant patient without the "not recommended for you" their Safety check rows carry."""
    for audience, mark in (("patient", " (not recommended for you)"), ("clinician", " (not recommended)")):
        answers = [*typed(PREGNANT, audience=audience), "", "y", "y", "n", "y", "n", "", "y"]
        result = consult(runner, answers, "-a", audience, "--format", "json")
        assert result.exit_code == 0, result.stderr
        listed = result.stderr.split("leaning toward", 1)[1]
        assert f"1) Spravato{mark}\n" in listed and f"4) Oral/sublingual ketamine{mark}\n" in listed, listed
        assert "2) IV ketamine\n" in listed and "3) IM ketamine\n" in listed  # only those two


def test_the_spanish_leaning_question_marks_them_too(runner) -> None:
    answers = [*typed({**SPANISH_ANSWERS, "pregnancy": "embarazada"}, audience="patient", lang="es")]
    answers += ["", "sí", "sí", "no", "sí", "no", "", "sí"]
    result = consult(runner, answers, "-a", "patient", "--lang", "es", "--format", "json")
    assert result.exit_code == 0, result.stderr
    said = result.stderr
    assert "1) Spravato (no se le recomienda)\n" in said, said[-1500:]
    assert "4) Ketamina oral/sublingual (no se le recomienda)\n" in said, said[-1500:]
    assert "2) Ketamina IV\n" in said


def test_the_handout_leaning_box_marks_them(runner, tmp_path) -> None:
    profile = tmp_path / "pregnant.yaml"
    record = {**TYPICAL_RECORD, "pregnancy": "pregnant"}
    profile.write_text(yaml.safe_dump(record))
    for lang, mark in (("en", "(not recommended for you)"), ("es", "(no se le recomienda)")):
        out = tmp_path / f"h-{lang}.html"
        result = runner.invoke(
            app, ["compare", *KB, "-p", str(profile), "-a", "patient", "-o", str(out), "--lang", lang]
        )
        assert result.exit_code == 0, result.stderr
        box = out.read_text().split('<section class="worksheet">', 1)[1].split("</p>", 2)[1]
        assert f"Spravato {mark}" in box and box.count(mark) == 2, box  # and oral/sublingual
