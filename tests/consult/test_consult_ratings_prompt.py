"""Ratings typed at the wrong prompt (issue 26), through the real consult prompts with piped
answers: the first wrong answer says what this prompt takes, and that the ratings are asked
one at a time, so a person does not meet the same line again and again. Synthetic answers."""

from __future__ import annotations

import json

import pytest

from ketadecide.cli.main import app
from tests.conftest import DATA_DIR
from tests.consult.consult_helpers import TYPICAL

KB = ["--data-dir", str(DATA_DIR)]
SIX = ["8", "3", "10", "5", "9", "2"]
SURE = ["y", "n", "y", "n"]


def consult(runner, answers: list[str], audience: str = "clinician"):
    return runner.invoke(
        app, ["consult", *KB, "--format", "json", "--audience", audience], input="".join(f"{a}\n" for a in answers)
    )


def errors(stderr: str) -> list[str]:
    """The error notices, each joined back into one line (they are wrapped to the width)."""
    found: list[str] = []
    for line in stderr.splitlines():
        text = line.strip()
        if text.startswith("! "):
            found.append(text[2:])
        elif found and line.startswith("    ") and text:
            found[-1] += " " + text
    return found


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_a_rating_typed_at_the_yes_no_opening_says_they_come_one_at_a_time(runner, audience: str) -> None:
    result = consult(runner, [*TYPICAL, "8", "y", *SIX, "y", *SURE], audience)
    assert result.exit_code == 0, result.stderr
    said = errors(result.stderr)
    assert len(said) == 1, said  # one line, then the person types y and goes on
    assert "yes or no" in said[0] or "y or n" in said[0]
    assert "one at a time" in said[0]
    assert json.loads(result.stdout)["fit"] is not None  # the ratings were taken after it


def test_all_ratings_on_one_line_at_a_rating_prompt_are_asked_one_at_a_time(runner) -> None:
    result = consult(runner, [*TYPICAL, "y", "8 3 10 5 9 2", *SIX, "y", *SURE])
    assert result.exit_code == 0, result.stderr
    said = errors(result.stderr)
    assert len(said) == 1, said
    assert said[0].startswith("One rating at a time") and "'8 3 10 5 9 2'" in said[0]
    assert json.loads(result.stdout)["sure"]["score"] == 2


def test_a_number_at_a_sure_question_is_told_it_is_yes_or_no(runner) -> None:
    result = consult(runner, [*TYPICAL, "y", *SIX, "y", "7", *SURE], "patient")
    assert result.exit_code == 0, result.stderr
    said = errors(result.stderr)
    assert len(said) == 1 and "yes or no, not a number from 0 to 10" in said[0], said


def test_the_clinician_may_still_give_all_six_at_the_opening(runner) -> None:
    result = consult(runner, [*TYPICAL, " ".join(SIX), ""])
    assert result.exit_code == 0, result.stderr
    assert errors(result.stderr) == []
    assert json.loads(result.stdout)["fit"] is not None
    # a wrong count says how many it got, and what it takes
    short = consult(runner, [*TYPICAL, "8 3 10", " ".join(SIX), ""])
    said = errors(short.stderr)
    assert len(said) == 1 and "got 3 numbers" in said[0] and "all 6 on one line" in said[0], said
