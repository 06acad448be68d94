"""The clinical floor of questions.yaml: a clinic's copy that weakens the safety question or
defaults a safety-screen answer is refused by ``data validate`` (exit 2, one line naming the
file and key) and by the consult that would use it."""

from __future__ import annotations

import shutil

import pytest

from ketadecide.cli.main import app
from tests.conftest import DATA_DIR, clinic_data

SAFETY = "      - id: suicidality\n        kind: choice\n"
PLAN = (
    "          - value: plan_or_intent\n"
    "            clinician: Plan or intent\n"
    "            patient: I have a plan, or I intend to act on these thoughts\n"
)
UNKNOWN = (
    "          - value: unknown\n"
    "            clinician: Not assessed\n"
    "            patient: I would rather not answer now\n"
)
PREGNANCY = "      - id: pregnancy\n        kind: choice\n"
DIAGNOSES = "      - id: diagnoses\n        kind: multi\n"


CASES = {
    "safety question conditional": (
        SAFETY,
        SAFETY + "        ask_if: {field: age, op: ge, value: 18}\n",
        "sections[0].questions[0].ask_if",
    ),
    "safety question defaults to none": (
        SAFETY,
        SAFETY + "        default: none\n",
        "sections[0].questions[0].default",
    ),
    "plan or intent dropped": (PLAN, "", "sections[0].questions[0].choices"),
    "unknown dropped": (UNKNOWN, "", "sections[0].questions[0].choices"),
    "pregnancy defaults to none": (
        PREGNANCY,
        PREGNANCY + "        default: none\n",
        "sections[2].questions[1].default",
    ),
    "pregnancy asked only of some": (
        PREGNANCY,
        PREGNANCY + "        ask_if: {field: age, op: lt, value: 50}\n",
        "sections[2].questions[1].ask_if",
    ),
    "diagnoses asked only of some": (
        DIAGNOSES,
        DIAGNOSES + "        ask_if: {field: age, op: lt, value: 50}\n",
        "sections[1].questions[0].ask_if",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_data_validate_refuses_a_weakened_questions_file(runner, tmp_path, case) -> None:
    old, new, key = CASES[case]
    data = clinic_data(tmp_path, "questions.yaml", old, new)
    # As an overlay the locked safety questions are refused first (issue 21) ...
    overlay = runner.invoke(app, ["data", "validate", str(data)])
    assert overlay.exit_code == 2 and f"{data / 'questions.yaml'}, field 'sections." in overlay.stderr
    # ... and read on its own, the questions' floor (the second check) names the key.
    (data / "overlay.yaml").write_text("standalone: synthetic\n")
    result = runner.invoke(app, ["data", "validate", str(data)])
    assert result.exit_code == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if "clinical floor" in line]
    assert len(lines) == 1, result.stderr
    assert f"{data / 'questions.yaml'}, field '{key}': clinical floor" in lines[0]


def test_safety_question_moved_down_is_named_where_it_now_is(runner, tmp_path) -> None:
    # The diagnoses question moved into the safety section, ahead of the safety question.
    data = tmp_path / "clinic"
    shutil.copytree(DATA_DIR, data)
    (data / "overlay.yaml").write_text("standalone: synthetic\n")  # the questions' own floor
    path = data / "questions.yaml"
    text = path.read_text()
    head, rest = text.split("    questions:\n", 1)
    diag_start = rest.index(DIAGNOSES)
    diag_end = rest.index("      - id: antidepressant_trials\n")
    diagnoses = rest[diag_start:diag_end]
    rest = rest[:diag_start] + rest[diag_end:]
    path.write_text(head + "    questions:\n" + diagnoses + rest)
    result = runner.invoke(app, ["data", "validate", str(data)])
    assert result.exit_code == 2
    assert f"{path}, field 'sections[0].questions[1]': clinical floor: the safety question" in result.stderr


def test_several_breaches_give_one_line_each(runner, tmp_path) -> None:
    data = clinic_data(
        tmp_path,
        "questions.yaml",
        PREGNANCY,
        PREGNANCY + "        default: none\n        ask_if: {field: age, op: lt, value: 50}\n",
        standalone=True,
    )
    result = runner.invoke(app, ["data", "validate", str(data)])
    assert result.exit_code == 2
    floor = [line for line in result.stderr.splitlines() if "clinical floor" in line]
    assert len(floor) == 2
    assert any("sections[2].questions[1].default" in line for line in floor)
    assert any("sections[2].questions[1].ask_if" in line for line in floor)


def test_the_consult_refuses_a_weakened_questions_file(runner, tmp_path) -> None:
    old, new, key = CASES["pregnancy defaults to none"]
    data = clinic_data(tmp_path, "questions.yaml", old, new, standalone=True)
    result = runner.invoke(app, ["consult", "--data-dir", str(data), "-f", "json"], input="1\n")
    assert result.exit_code == 2
    assert f"field '{key}': clinical floor" in result.stderr
    assert result.stdout == ""


def test_the_bundled_questions_meet_the_floor(runner) -> None:
    result = runner.invoke(app, ["data", "validate", str(DATA_DIR)])
    assert result.exit_code == 0, result.stderr
