"""``ketadecide consult`` via CliRunner with piped answers: every path, results checked as JSON."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from ketadecide.cli.main import app
from ketadecide.render.synthetic import SYNTHETIC_LINE
from tests.conftest import MINIMAL_KB
from tests.consult.consult_helpers import TYPICAL, TYPICAL_ANSWERS, TYPICAL_RECORD, typed

KB = ["--data-dir", str(MINIMAL_KB)]


def consult(runner, answers: list[str], *args: str, env: dict | None = None):
    text = "".join(f"{a}\n" for a in answers)
    return runner.invoke(app, ["consult", *KB, *args], input=text, env=env)


def compare_json(runner, profile: Path, *args: str) -> dict:
    result = runner.invoke(app, ["compare", *KB, "--profile", str(profile), "--format", "json", *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_full_consult_prints_the_same_comparison_as_compare(runner, tmp_path) -> None:
    result = consult(runner, TYPICAL, "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)  # stdout holds the JSON alone: prompts are on stderr
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(TYPICAL_RECORD))
    assert got == compare_json(runner, tmp_path / "p.yaml")
    assert [m["id"] for m in got["modalities"]] == ["spravato", "iv", "im", "compounded"]


def test_sections_are_announced_in_order(runner) -> None:
    err = consult(runner, TYPICAL, "--format", "json").stderr
    heads = [
        "1/5 Safety",
        "2/5 History",
        "3/5 Health",
        "4/5 Insurance and cost",
        "5/5 Practicalities",
    ]
    positions = [err.index(h) for h in heads]
    assert positions == sorted(positions)


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_every_format_and_audience(runner, tmp_path, fmt, audience) -> None:
    result = consult(runner, TYPICAL, "--format", fmt, "--audience", audience)
    assert result.exit_code == 0, result.stderr
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(TYPICAL_RECORD))
    expected = runner.invoke(
        app,
        [
            "compare",
            *KB,
            "--profile",
            str(tmp_path / "p.yaml"),
            "--format",
            fmt,
            "--audience",
            audience,
        ],
    )
    assert result.stdout == expected.stdout


def test_bad_answers_are_re_asked_not_crashed(runner) -> None:
    answers = typed(
        {
            **TYPICAL_ANSWERS,
            "suicidality": ["9", "1"],
            "antidepressant_trials": ["many", "3"],
            "age": ["-4", "200", "45"],
            "pregnancy": "",
            "bp": ["12/80/1", "128/82"],
        }
    )
    result = consult(runner, answers, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "'9' is not on the list" in result.stderr
    assert "Expected a whole number" in result.stderr
    assert "120 or less" in result.stderr
    assert "systolic/diastolic" in result.stderr
    assert json.loads(result.stdout)["modalities"]


def test_back_and_help_in_a_piped_consult(runner, tmp_path) -> None:
    # ? (help) at the first question; back at the third returns to the second, answered anew.
    answers = typed(
        {**TYPICAL_ANSWERS, "suicidality": ["?", "1"], "diagnoses": ["1", "2"], "antidepressant_trials": ["back", "3"]}
    )
    assert answers[:6] == ["?", "1", "1", "back", "2", "3"]
    save = tmp_path / "p.yaml"
    result = consult(runner, answers, "--save", str(save), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "Passive ideation: a wish to be dead" in result.stderr  # the help text
    assert yaml.safe_load(save.read_text())["diagnoses"] == ["bipolar_depression"]


#: Active ideation, then going on after the crisis message, taking an oral antidepressant.
CRISIS_GOING_ON = {**TYPICAL_ANSWERS, "suicidality": "3", "crisis_continue": "y", "oral_antidepressant": "y"}


def test_crisis_message_interrupts_before_the_next_question(runner) -> None:
    answers = typed(CRISIS_GOING_ON)
    result = consult(runner, answers, "--format", "json")
    assert result.exit_code == 0
    err = result.stderr
    crisis_at = err.index("Crisis: call or text 988")
    # After an active-ideation answer, the oral antidepressant (Spravato MDSI needs one).
    oral_at = err.index("Currently taking an oral antidepressant?")
    assert crisis_at < err.index("Continue with the consult?") < oral_at < err.index("Diagnoses")
    data = json.loads(result.stdout)
    assert data["crisis"]["triggered"] is True
    assert data["modalities"][0]["indication"]["status"] == "on_label"  # MDSI, with the pill taken


def test_oral_antidepressant_is_asked_only_after_active_ideation(runner) -> None:
    result = consult(runner, TYPICAL, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "oral antidepressant" not in result.stderr


def test_stopping_after_the_crisis_message_writes_nothing(runner, tmp_path) -> None:
    save = tmp_path / "p.yaml"
    result = consult(runner, typed({"suicidality": "4", "crisis_continue": "no"}), "--save", str(save))
    assert result.exit_code == 0
    assert "call or text 988" in result.stderr.lower()
    assert result.stdout == ""
    assert not save.exists()


def test_patient_wording_is_plain(runner) -> None:
    result = consult(runner, TYPICAL, "--audience", "patient", "--format", "json")
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert "Right now, are you having thoughts of ending your life?" in err
    assert "How old are you?" in err
    for jargon in ("ideation", "Payer type", "Adequate antidepressant", "systolic", "Enter="):
        assert jargon not in err


def test_save_writes_a_private_profile_that_compare_reads(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    result = consult(runner, TYPICAL, "--save", str(save), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(save.stat().st_mode) == 0o600
    assert yaml.safe_load(save.read_text()) == TYPICAL_RECORD
    assert compare_json(runner, save) == json.loads(result.stdout)
    # JSON too, by extension
    save_json = tmp_path / "answers.json"
    assert consult(runner, TYPICAL, "--save", str(save_json), "-f", "json").exit_code == 0
    assert json.loads(save_json.read_text()) == TYPICAL_RECORD
    assert stat.S_IMODE(save_json.stat().st_mode) == 0o600


def test_nothing_is_written_unless_asked(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert consult(runner, TYPICAL).exit_code == 0
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder_fails_before_any_question(runner, tmp_path) -> None:
    result = consult(runner, TYPICAL, "--save", str(tmp_path / "no" / "p.yaml"))
    assert result.exit_code == 2
    assert "folder to write into does not exist" in result.stderr
    assert "Safety" not in result.stderr


def test_prefill_asks_only_what_is_missing(runner, tmp_path) -> None:
    pre = tmp_path / "pre.yaml"
    pre.write_text("id: p-7\nage: 52\nsuicidality: none\ninsurance: medicare\ndiagnoses: [mdd]\n")
    given = {"id": "p-7", "age": 52, "suicidality": "none", "insurance": "medicare", "diagnoses": ["mdd"]}
    answers = typed({"antidepressant_trials": "2"}, prefill=given)  # Enter to every other question
    result = consult(runner, answers, "--profile", str(pre), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "Current suicidal ideation?" not in result.stderr
    assert "Age" not in result.stderr.split("Conditions")[0]
    assert "Payer type" not in result.stderr
    data = json.loads(result.stdout)
    assert data["profile_id"] == "p-7"


def test_bad_prefill_is_an_input_error(runner, tmp_path) -> None:
    pre = tmp_path / "pre.yaml"
    pre.write_text("age: 300\nfavourite_colour: blue\n")
    result = consult(runner, [], "--profile", str(pre))
    assert result.exit_code == 2
    assert "field 'age'" in result.stderr and "field 'favourite_colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_input_fails_naming_missing_fields(runner, tmp_path) -> None:
    result = consult(runner, [], "--no-input")
    assert result.exit_code == 2
    assert "field 'age'" in result.stderr
    assert "Safety" not in result.stderr  # never prompted
    pre = tmp_path / "pre.yaml"
    pre.write_text("suicidality: none\n")
    result = consult(runner, [], "--no-input", "--profile", str(pre))
    assert result.exit_code == 2 and f"{pre}, field 'age'" in result.stderr


def test_no_input_with_a_complete_profile_equals_compare(runner, tmp_path) -> None:
    pre = tmp_path / "pre.yaml"
    pre.write_text(yaml.safe_dump(TYPICAL_RECORD))
    result = runner.invoke(app, ["consult", *KB, "--no-input", "--profile", "-", "-f", "json"], input=pre.read_text())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == compare_json(runner, pre)


def test_profile_from_stdin_needs_no_input(runner) -> None:
    result = consult(runner, [], "--profile", "-")
    assert result.exit_code == 2 and "--no-input" in result.stderr


def test_end_of_input_is_a_clean_goodbye(runner, tmp_path) -> None:
    save = tmp_path / "p.yaml"
    result = consult(runner, typed(until="pregnancy"), "--save", str(save))  # input ends there
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ketadecide: end of input") and "Nothing was written" in last
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not save.exists()


def test_ctrl_c_is_a_clean_goodbye(runner, tmp_path, monkeypatch) -> None:
    from ketadecide.consult import asker

    calls = {"n": 0}
    real = asker.LineAsker.ask

    def interrupt_on_fourth(self, step):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(self, step)

    monkeypatch.setattr(asker.LineAsker, "ask", interrupt_on_fourth)
    save = tmp_path / "p.yaml"
    result = consult(runner, TYPICAL, "--save", str(save))
    assert result.exit_code == 130
    # --save asks whether to keep what was typed; no answer (end of input) keeps nothing
    assert "Save the answers typed so far" in result.stderr
    assert result.stderr.strip().endswith("ketadecide: consult cancelled; goodbye. Nothing was written.")
    assert result.stdout == "" and not save.exists()


def test_output_file_is_written_privately(runner, tmp_path) -> None:
    out = tmp_path / "result.md"
    result = consult(runner, TYPICAL, "--output", str(out))
    assert result.exit_code == 0, result.stderr
    # kb_minimal is synthetic test data: its one-line mark first (issue 21), then the report
    assert out.read_text().startswith(f"{SYNTHETIC_LINE}\n\n#")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_clinic_questions_file_rewords_the_consult(runner, tmp_path) -> None:
    from tests.consult.test_consult_models import clinic_data_dir

    data = clinic_data_dir(tmp_path, lambda q: q.replace("clinician: Age\n", "clinician: Age today, in years\n"))
    result = runner.invoke(
        app,
        ["consult", "--data-dir", str(data), "-f", "json"],
        input="".join(f"{a}\n" for a in TYPICAL),
    )
    assert result.exit_code == 0, result.stderr
    assert "Age today, in years" in result.stderr


def test_help_documents_the_command(runner) -> None:
    result = runner.invoke(app, ["consult", "--help"], env={**os.environ, "COLUMNS": "120"})
    assert result.exit_code == 0
    for option in (
        "--profile",
        "--save",
        "--no-input",
        "--format",
        "--output",
        "--data-dir",
        "--audience",
    ):
        assert option in result.stdout


# ---------------------------------------------------------------- schema 2: asked, none vs not asked

#: TYPICAL with the safety-screen questions skipped by Enter: diagnoses, pregnancy, conditions
#: and medications.
SKIPPED_SCREEN = typed({**TYPICAL_ANSWERS, "diagnoses": "", "pregnancy": "", "conditions": "", "medications": ""})


def test_none_on_the_lists_is_saved_as_asked_none_and_finishes_the_screen(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    result = consult(runner, TYPICAL, "--save", str(save), "-f", "json")
    assert result.exit_code == 0, result.stderr
    saved = yaml.safe_load(save.read_text())
    assert saved["conditions"] == [] and saved["medications"] == [] and saved["pregnancy"] == "none"
    data = json.loads(result.stdout)
    assert data["missing"] == []
    assert "incomplete" not in {m["status"] for m in data["modalities"]}
    assert "safety screen incomplete" not in result.stderr


def test_typed_none_equals_zero(runner, tmp_path) -> None:
    answers = typed({**TYPICAL_ANSWERS, "conditions": "none", "medications": "NONE"})
    save = tmp_path / "a.yaml"
    assert consult(runner, answers, "--save", str(save), "-f", "json").exit_code == 0
    assert yaml.safe_load(save.read_text()) == TYPICAL_RECORD


def test_skipped_screen_questions_stay_not_asked(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    result = consult(runner, SKIPPED_SCREEN, "--save", str(save), "-f", "json")
    assert result.exit_code == 0, result.stderr
    saved = yaml.safe_load(save.read_text())
    for name in ("diagnoses", "pregnancy", "conditions", "medications"):
        assert name not in saved, name
    data = json.loads(result.stdout)
    assert data["missing"] == ["pregnancy", "diagnoses", "conditions", "medications"]
    assert {m["status"] for m in data["modalities"]} == {"incomplete"}
    assert "safety screen incomplete, not asked: pregnancy, diagnoses, conditions, medications" in result.stderr
    # The saved profile reads back to the same result: "not asked" survives the round trip.
    assert compare_json(runner, save) == data


def test_enter_on_a_list_is_offered_as_skip_not_none(runner) -> None:
    err = consult(runner, TYPICAL, "-f", "json").stderr
    conditions = err.split("Conditions present")[1].split(">")[0]
    assert "0) None of these" in conditions
    assert "Enter=skip" in conditions and "Enter=none" not in conditions


def test_no_input_with_screen_fields_missing_still_compares(runner, tmp_path) -> None:
    pre = tmp_path / "pre.yaml"
    pre.write_text("age: 50\nsuicidality: none\nconditions: []\n")
    result = consult(runner, [], "--no-input", "--profile", str(pre), "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["missing"] == ["pregnancy", "diagnoses", "medications"]
    assert {m["status"] for m in data["modalities"]} == {"incomplete"}
    assert "not asked: pregnancy, diagnoses, medications" in result.stderr
    assert "Safety" not in result.stderr  # never prompted


def test_saved_numbers_read_as_typed(runner, tmp_path) -> None:
    """A typed 300 is saved as 300, not 300.0 (the budget is a number, parsed as a float)."""
    save = tmp_path / "p.yaml"
    result = consult(runner, TYPICAL, "--save", str(save))
    assert result.exit_code == 0, result.stderr
    assert "budget_per_session: 300\n" in save.read_text()


def test_after_a_plan_and_stop_only_plain_lines_follow(runner) -> None:
    """Stopping after the crisis message: no machine line, no error marker, no field names."""
    result = consult(
        runner, typed({"suicidality": "4", "crisis_continue": "n"}, audience="patient"), "--audience", "patient"
    )
    assert result.exit_code == 0
    tail = result.stderr.strip().splitlines()[-1]
    assert tail == "Nothing you typed was saved."
    assert "age" not in result.stderr.split("988")[-1] and "!" not in tail


def test_after_active_ideation_the_optional_steps_are_not_offered(runner, tmp_path) -> None:
    answers = [*typed(CRISIS_GOING_ON), "y", "8 3 5 7 2 6", "y", "y", "y", "y"]
    result = consult(runner, answers)
    assert result.exit_code == 0, result.stderr
    assert "Values" not in result.stderr and "SURE" not in result.stderr
    # after the synthetic-data mark (kb_minimal, issue 21) the crisis panel comes first
    first, *rest = result.stdout.splitlines()
    assert first == SYNTHETIC_LINE
    assert "988" in rest[1] or "CRISIS" in rest[1]
