"""Issue 15 in the consult: the optional values step and SURE check after the comparison.

Pure steps first (ketadecide.consult.followup), then the command with piped answers against
the shipped data directory (which has values.yaml and decision.yaml). Synthetic answers only.
"""

from __future__ import annotations

import json

import pytest
import yaml

from ketadecide.cli.main import app
from ketadecide.consult.followup import sure_step, values_step
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import SURE_FIELDS
from tests.conftest import DATA_DIR, MINIMAL_KB
from tests.consult.consult_helpers import TYPICAL

#: The SURE questions as published (Légaré et al., Can Fam Physician 2010;56(8):e308-14).
PUBLISHED_SURE = (
    "Do you feel SURE about the best choice for you?",
    "Do you know the benefits and risks of each option?",
    "Are you clear about which benefits and risks matter most to you?",
    "Do you have enough support and advice to make a choice?",
)
KB = ["--data-dir", str(DATA_DIR)]


@pytest.fixture
def values(kb: KnowledgeBase):
    return kb.extras["values.yaml"]


def answer_all(step, answers: list[str]) -> list:
    notices = []
    for a in answers:
        assert step.current is not None, f"step over before {a!r}"
        notices += step.answer(a)
    return notices


# ---------------------------------------------------------------------- the values step


def test_enter_at_the_opening_question_skips_the_whole_step(values) -> None:
    step = values_step(values, "patient", {})
    assert step.current is not None and step.current.enter == "skip"
    assert step.answer("") == []
    assert step.finished and step.answers == {}


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_one_question_per_attribute_worded_from_the_data(values, audience: str) -> None:
    step = values_step(values, audience, {})  # type: ignore[arg-type]
    step.answer("y")
    asked = []
    while step.current is not None:
        asked.append((step.current.key, step.current.text))
        step.answer("5")
    assert asked == [
        (f"values_{ident}", " ".join(getattr(a.question, audience).split())) for ident, a in values.attributes.items()
    ]


def test_enter_skips_one_attribute_and_bad_ratings_are_asked_again(values) -> None:
    step = values_step(values, "patient", {})
    ids = list(values.attributes)
    step.answer("y")
    assert [n.kind for n in step.answer("11")] == ["error"]
    assert [n.kind for n in step.answer("seven")] == ["error"]
    assert step.current is not None and step.current.key == f"values_{ids[0]}"
    answer_all(step, ["8", "", *["3"] * (len(ids) - 2)])
    assert step.finished
    assert step.answers[f"values_{ids[0]}"] == 8
    assert f"values_{ids[1]}" not in step.answers  # skipped: not rated, not 0
    assert len(step.answers) == len(ids) - 1


def test_all_ratings_at_once_at_the_opening_question(values) -> None:
    n = len(values.attributes)
    step = values_step(values, "clinician", {})
    assert [x.kind for x in step.answer(" ".join(["4"] * (n - 1)))] == ["error"]  # one short
    assert step.answer(",".join(str(i) for i in range(n))) == []
    assert step.finished
    assert list(step.answers.values()) == list(range(n))


def test_back_undoes_the_last_rating(values) -> None:
    step = values_step(values, "clinician", {})
    answer_all(step, ["y", "9", "2"])
    assert step.answer("back") == []
    assert list(step.answers.values()) == [9]
    assert step.current is not None and step.current.key == f"values_{list(values.attributes)[1]}"


def test_prefilled_ratings_are_not_asked_again(values) -> None:
    ids = list(values.attributes)
    step = values_step(values, "clinician", {f"values_{ids[0]}": 7})
    step.answer("y")
    assert step.current is not None and step.current.key == f"values_{ids[1]}"
    everything = values_step(values, "clinician", {f"values_{i}": 1 for i in ids})
    assert everything.finished  # nothing left to ask: not even the opening question


# ---------------------------------------------------------------------- the SURE check


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_sure_questions_keep_the_published_wording_for_both_audiences(kb, audience: str) -> None:
    step = sure_step(kb.extras["decision.yaml"], audience, {})  # type: ignore[arg-type]
    step.answer("y")
    asked = []
    while step.current is not None:
        asked.append((step.current.key, step.current.kind, step.current.text))
        step.answer("n")
    assert asked == [(f, "bool", q) for f, q in zip(SURE_FIELDS, PUBLISHED_SURE, strict=True)]
    assert step.answers == dict.fromkeys(SURE_FIELDS, False)


def test_sure_enter_skips_one_and_a_bad_answer_is_asked_again(kb) -> None:
    step = sure_step(kb.extras["decision.yaml"], "patient", {})
    step.answer("y")
    assert [n.kind for n in step.answer("maybe")] == ["error"]
    answer_all(step, ["y", "", "n", "y"])
    assert step.answers == {"sure_sure": True, "sure_values": False, "sure_support": True}


# ---------------------------------------------------------------------- the command

RATE_AND_SURE = [*TYPICAL, "y", "8", "3", "", "10", "5", "9", "y", "y", "n", "y", "n"]


def consult(runner, answers: list[str], *args: str):
    return runner.invoke(app, ["consult", *KB, *args], input="".join(f"{a}\n" for a in answers))


def test_json_carries_fit_and_sure_and_stays_alone_on_stdout(runner) -> None:
    result = consult(runner, RATE_AND_SURE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)  # the whole of stdout is one JSON document
    # In modality order, never sorted; the numeric score stays for research, with the words
    assert [e["id"] for e in got["fit"]["ranking"]] == ["spravato", "iv", "im", "compounded"]
    assert all(e["band"] in ("close", "partial", "little") and e["drawback"] for e in got["fit"]["ranking"])
    assert got["sure"]["score"] == 2 and got["sure"]["conflict"] is True
    assert [s["field"] for s in got["sure"]["next_steps"]] == ["sure_understand", "sure_support"]
    # the conversation's views went to stderr
    said = " ".join(result.stderr.split())  # the steps' lines are wrapped to the width
    assert "How the options match the stated priorities" in said
    assert "It is not a recommendation" in said
    assert "SURE score 2/4" in said


def test_save_keeps_the_ratings_and_sure_answers(runner, tmp_path) -> None:
    save = tmp_path / "answers.yaml"
    result = consult(runner, RATE_AND_SURE, "--format", "json", "--save", str(save))
    assert result.exit_code == 0, result.stderr
    record = yaml.safe_load(save.read_text())
    assert {k: v for k, v in record.items() if k.startswith(("values_", "sure_"))} == {
        "values_evidence": 8,
        "values_cost": 3,
        "values_home": 10,
        "values_needles": 5,
        "values_monitoring": 9,
        "sure_sure": True,
        "sure_understand": False,
        "sure_values": True,
        "sure_support": False,
    }
    again = runner.invoke(app, ["compare", *KB, "--profile", str(save), "--format", "json"])
    assert json.loads(again.stdout)["fit"] == json.loads(result.stdout)["fit"]


def test_end_of_input_at_the_optional_steps_is_a_skip_not_a_failure(runner, tmp_path) -> None:
    result = consult(runner, TYPICAL, "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["fit"] is None and got["sure"] is None
    assert "rate what matters" in result.stderr.lower()  # it was offered


def test_skipping_both_steps_costs_two_enters(runner) -> None:
    result = consult(runner, [*TYPICAL, "", ""], "--format", "json")
    assert result.exit_code == 0
    err = result.stderr
    assert err.index("== Values (optional) ==") < err.index("== SURE check (optional) ==")
    assert "How much does" not in err and "Do you feel SURE" not in err  # nothing inside either was asked
    got = json.loads(result.stdout)
    assert got["fit"] is None and got["sure"] is None


def test_a_table_on_stdout_comes_first_then_the_fit_after_it(runner) -> None:
    result = consult(runner, RATE_AND_SURE, "--format", "table")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "How the options match the stated priorities" in out
    assert out.index("Spravato") < out.index("How the options match the stated priorities") < out.index("SURE score")
    assert "Rate what matters" in result.stderr and "Rate what matters" not in out


def test_no_input_asks_nothing(runner, tmp_path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(yaml.safe_dump({"age": 45, "values_cost": 9}))
    result = runner.invoke(app, ["consult", *KB, "--no-input", "--profile", str(p), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert "Rate what matters" not in result.stderr and "SURE" not in result.stderr
    assert json.loads(result.stdout)["fit"]["ranking"]


def test_a_consult_stopped_after_the_crisis_message_offers_no_steps(runner) -> None:
    result = consult(runner, ["3", "no"], "--format", "json", "--audience", "patient")
    assert result.exit_code == 0
    assert "rate what matters" not in result.stderr.lower()


def test_a_data_dir_without_values_or_decision_files_offers_no_steps(runner) -> None:
    result = runner.invoke(
        app, ["consult", "--data-dir", str(MINIMAL_KB), "--format", "json"], input="".join(f"{a}\n" for a in TYPICAL)
    )
    assert result.exit_code == 0
    assert "rate what matters" not in result.stderr.lower()


def test_the_shipped_steps_ask_every_values_and_sure_field(kb) -> None:
    from ketadecide.profile import VALUE_FIELDS

    asked = [i.field for i in values_step(kb.extras["values.yaml"], "patient", {}).todo]
    asked += [i.field for i in sure_step(kb.extras["decision.yaml"], "patient", {}).todo]
    assert asked == [*VALUE_FIELDS, *SURE_FIELDS]


def test_benefits_and_harms_in_brief_come_before_the_values_and_sure_questions(runner) -> None:
    """Issue 24: SURE asks "Do you know the benefits and risks of each option?", so the consult
    shows each option's benefit and harm, each beside its comparator's number, first."""
    result = consult(runner, RATE_AND_SURE, "-a", "patient")
    assert result.exit_code == 0, result.stderr
    out = result.stdout + result.stderr
    brief = out.index("What helps and what harms, in short")
    assert brief < out.index("Would you like to rate what matters to you?")
    assert brief < out.index("Do you know the benefits and risks of each option?")
    block = " ".join(out[brief : out.index("Would you like to rate what matters to you?")].split())
    assert "69 out of 100" in block and "52 out of 100" in block  # TRANSFORM-2 beside its placebo
    assert "With a fake spray and a pill: 9 out of 100" in block  # a harm beside its comparator
    assert "do not weigh the number for one choice" in block
    # the condition and the decision, said before the figures (IPDAS Q1, Q2)
    said = " ".join(out.split())
    assert said.index("You are choosing whether to try ketamine") < said.index("What helps and what harms")
