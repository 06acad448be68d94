"""The interview engine, without any I/O: order, validation, back, help, skip, PHQ-9, crisis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide.consult.fields import check_fields
from ketadecide.consult.interview import CRISIS_KEY, RECHECK_KEY, Interview, missing_required
from ketadecide.consult.questions import QuestionSet, load_questions_file
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from tests.conftest import DATA_DIR
from tests.consult.consult_helpers import (
    TYPICAL,
    TYPICAL_ANSWERS,
    TYPICAL_RECORD,
    after_phq9,
    answer_until,
    drive,
)


@pytest.fixture(scope="module")
def questions() -> QuestionSet:
    return load_questions_file(DATA_DIR / "questions.yaml")


@pytest.fixture
def new(questions: QuestionSet, minimal_kb: KnowledgeBase):
    def make(audience: str = "clinician", prefill: dict | None = None) -> Interview:
        return Interview(questions, minimal_kb, audience, prefill or {})  # type: ignore[arg-type]

    return make


def test_typical_consult_asks_sections_in_order_and_builds_the_profile(new) -> None:
    iv = new()
    sections = []
    for text in TYPICAL:
        step = iv.current
        assert step is not None
        if not sections or sections[-1] != step.section_id:
            sections.append(step.section_id)
        assert iv.answer(text) == []
    assert iv.finished
    assert sections == ["safety", "history", "health", "insurance", "practicalities"]
    assert iv.answers == TYPICAL_RECORD
    assert iv.profile().to_record() == TYPICAL_RECORD
    # The course questions and the cost-strain question depend on an earlier course.
    assert iv.skipped_questions() == [
        "oral_antidepressant",
        "course_sessions",
        "course_response",
        "course_dissociation",
        "financial_stress",
    ]


def test_safety_question_comes_first(new) -> None:
    step = new().current
    assert step.key == "suicidality" and step.section_number == 1


@pytest.mark.parametrize("answer", ["3", "4", "active_ideation", "plan_or_intent", "plan"])
def test_crisis_message_comes_at_once_then_offers_to_continue(new, minimal_kb, answer) -> None:
    iv = new()
    notices = iv.answer(answer)
    assert [n.kind for n in notices] == ["crisis"]
    assert notices[0].text == minimal_kb.crisis.clinician
    assert notices[0].sources  # the clinician sees where the advice comes from
    assert iv.current.key == CRISIS_KEY and iv.current.enter is None
    (said,) = iv.answer("")  # going on is never the default after a crisis answer
    assert said.kind == "error" and iv.current.key == CRISIS_KEY
    assert iv.answer("y") == []
    # After an active-ideation answer: is an oral antidepressant taken (Spravato MDSI needs one)?
    assert iv.current.key == "oral_antidepressant"
    assert iv.answer("yes") == []
    assert iv.answers["oral_antidepressant"] is True
    assert iv.current.key == "diagnoses"


def test_no_crisis_for_passive_ideation_or_none(new) -> None:
    for answer in ("1", "2"):
        iv = new()
        notices = iv.answer(answer)
        # passive ideation: the same-day assessment line, never the crisis message
        assert [n.kind for n in notices] == ([] if answer == "1" else ["safety"])
        assert iv.current.key == "diagnoses"


def test_declining_to_continue_stops_the_interview(new) -> None:
    iv = new()
    iv.answer("4")
    notices = iv.answer("no")
    assert [n.kind for n in notices] == ["stopped"]
    assert iv.stopped and iv.finished
    assert iv.answers == {"suicidality": "plan_or_intent"}


def test_patient_crisis_message_is_plain_and_unsourced(new, minimal_kb) -> None:
    iv = new("patient")
    (notice,) = iv.answer("3")
    assert notice.text == minimal_kb.crisis.patient
    assert notice.sources == ()


def test_prefilled_crisis_is_shown_before_any_question(new, minimal_kb) -> None:
    iv = new(prefill={"suicidality": "active_ideation", "age": 30})
    assert [n.text for n in iv.start()] == [minimal_kb.crisis.clinician]
    assert iv.current.key == CRISIS_KEY


def test_bad_answers_are_explained_and_the_question_asked_again(new) -> None:
    iv = new()
    answer_until(iv, "age")
    for bad, says in [
        ("", "required"),
        ("abc", "whole number"),
        ("2.5", "whole number"),
        ("130", "120 or less"),
        ("skip", "required"),
    ]:
        (notice,) = iv.answer(bad)
        assert notice.kind == "error"
        assert says in notice.text
        assert iv.current.key == "age"
    assert iv.answer("45") == []
    assert iv.current.key == "pregnancy"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("120-80", "systolic/diastolic"),
        ("80/120", "swapped"),
        ("400/80", "300 or less"),
        ("120/", "systolic/diastolic"),
    ],
)
def test_blood_pressure_is_checked_by_the_profile_rules(new, answer, says) -> None:
    iv = new()
    answer_until(iv, "bp")
    (notice,) = iv.answer(answer)
    assert notice.kind == "error" and says in notice.text
    assert iv.answer("135/85 mmHg") == []
    assert iv.answers["bp_systolic"] == 135 and iv.answers["bp_diastolic"] == 85


def test_choice_accepts_number_id_label_or_unique_prefix(new) -> None:
    iv = new()
    answer_until(iv, "insurance")
    (notice,) = iv.answer("medi")  # Medicare or Medicaid?
    assert notice.kind == "error" and "Medicare" in notice.text and "Medicaid" in notice.text
    (notice,) = iv.answer("7")
    assert notice.kind == "error" and "1-6" in notice.text
    assert iv.answer("va") == []
    assert iv.answers["insurance"] == "va_tricare"


def test_multi_and_checklist_take_numbers_and_ids(new, minimal_kb) -> None:
    iv = new()
    drive(iv, ["1"])
    assert iv.answer("1, ptsd 3") == []
    assert iv.answers["diagnoses"] == ["mdd", "ptsd"]
    answer_until(iv, "conditions", {**TYPICAL_ANSWERS, "bp": ""})
    # "0) None of these" first, then one option per condition of the knowledge base.
    assert iv.current.options[0].key == "0" and iv.current.options[0].value is None
    assert len(iv.current.options) == len(minimal_kb.conditions) + 1
    (notice,) = iv.answer("1,99")
    assert notice.kind == "error" and "99" in notice.text
    assert iv.answer("1 current_mania") == []
    assert iv.answers["conditions"] == ["psychosis_history", "current_mania"]


def test_checklist_uses_plain_names_for_patients(new, minimal_kb) -> None:
    iv = new("patient", prefill={"suicidality": "none", "age": 50})
    answer_until(iv, "conditions", {})  # Enter to each question before
    step = iv.current
    assert [o.label for o in step.options[1:]] == [r.plain_name for r in minimal_kb.conditions.values()]


def test_defaults_fill_on_enter_and_skip_leaves_out(new) -> None:
    iv = new()
    answer_until(iv, "insurance")
    drive(iv, ["", "skip"])  # Enter at insurance, skip at the budget
    assert iv.answers["insurance"] == "unknown"
    assert "budget_per_session" not in iv.answers
    assert iv.current.key == "has_driver"
    assert iv.current.enter == "skip"


def test_back_returns_to_the_previous_question_and_undoes_its_answer(new) -> None:
    iv = new()
    (notice,) = iv.answer("back")
    assert notice.kind == "info" and iv.current.key == "suicidality"
    drive(iv, ["1", "1", "3"])
    assert iv.current.key == "earlier_ketamine"
    assert iv.answer("back") == []
    assert iv.current.key == "antidepressant_trials"
    assert "antidepressant_trials" not in iv.answers
    assert iv.answer("back") == []
    assert iv.current.key == "diagnoses"
    drive(iv, ["2", "5"])
    assert iv.answers["diagnoses"] == ["bipolar_depression"]
    assert iv.answers["antidepressant_trials"] == 5


def test_back_over_prefilled_questions_skips_them(new) -> None:
    iv = new(prefill={"age": 60, "pregnancy": "none"})
    answer_until(iv, "bp")
    assert "age" not in iv.asked and "pregnancy" not in iv.asked  # pre-filled: not asked
    iv.answer("back")
    assert iv.current.key == "earlier_ketamine"


def test_help_explains_without_changing_anything(new) -> None:
    iv = new()
    drive(iv, ["1", "1"])
    before = dict(iv.answers)
    (notice,) = iv.answer("?")
    assert notice.kind == "help"
    assert "6 weeks" in notice.text  # what "adequate" means
    assert notice.sources
    assert iv.current.key == "antidepressant_trials" and iv.answers == before


def test_patient_help_has_no_citations(new) -> None:
    iv = new("patient")
    (notice,) = iv.answer("?")
    assert "988" in notice.text and notice.sources == ()


def test_an_earlier_course_brings_its_questions(new) -> None:
    iv = new()
    course = {
        "earlier_ketamine": "iv",
        "course_sessions": "4",
        "course_response": "partial",
        "course_dissociation": "1",
    }
    answer_until(iv, "age", {**TYPICAL_ANSWERS, **course})
    assert iv.asked[3:7] == [
        "earlier_ketamine",
        "course_sessions",
        "course_response",
        "course_dissociation",
    ]
    assert iv.answers["course_modality"] == "iv"
    assert iv.answers["course_response"] == "partial"
    answer_until(iv, "financial_stress", {"age": "45", "insurance": "1"})  # Enter to the rest
    assert iv.asked[-1] == "budget_per_session"  # the cost strain comes after the budget


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ("000000000", "minimal or none"),
        ("111100000", "minimal or none"),
        ("111110000", "mild"),
        ("222210000", "mild"),
        ("222220000", "moderate"),
        ("333320000", "moderate"),
        ("333330000", "moderately severe"),
        ("3 3 3 3 3 3 1 0 0", "moderately severe"),
        ("3,3,3,3,3,3,2,0,0", "severe"),
        ("333333330", "severe"),
    ],
)
def test_phq9_scores_fall_in_kroenke_bands(new, scores, band) -> None:
    iv = new(prefill={"suicidality": "none"})
    answer_until(iv, "phq9", {"age": "50"})  # Enter to every other question
    (notice,) = iv.answer(scores)
    digits = [int(c) for c in scores if c.isdigit()]
    assert notice.kind == "score"
    assert f"total {sum(digits)}/27: {band}" in notice.text
    assert "Kroenke" in notice.sources[0]
    assert iv.answers["phq9"] == digits


def test_phq9_item_by_item_with_back_and_scoring(new) -> None:
    iv = new(prefill={"suicidality": "none", "age": 40})
    answer_until(iv, "phq9", {})
    iv.answer("yes")
    assert iv.current.key == "phq9.1"
    assert iv.current.item == (1, 9)
    assert [o.key for o in iv.current.options] == ["0", "1", "2", "3"]
    drive(iv, ["1", "2"])
    iv.answer("back")
    assert iv.current.key == "phq9.2"
    (err,) = iv.answer("4")
    assert err.kind == "error"
    notices = drive(iv, ["3", "1", "1", "1", "1", "1", "1", "0"])
    assert iv.answers["phq9"] == [1, 3, 1, 1, 1, 1, 1, 1, 0]
    assert [n.kind for _, n in notices] == ["score"]
    assert "total 10/27: moderate" in notices[0][1].text
    assert iv.current.key == after_phq9()


def test_phq9_can_be_left_out_midway(new) -> None:
    iv = new(prefill={"suicidality": "none", "age": 40})
    answer_until(iv, "phq9", {})
    drive(iv, ["yes", "1", "1"])
    (first,) = iv.answer("skip")
    assert first.kind == "error" and "skip again" in first.text
    (second,) = iv.answer("skip")
    assert second.kind == "info"
    assert "phq9" not in iv.answers and iv.current.key == after_phq9()


def test_phq9_item9_brings_back_an_unanswered_safety_question(new, minimal_kb) -> None:
    iv = new()
    answer_until(iv, "phq9", {"age": "45"})  # the safety question skipped (Enter)
    notices = drive(iv, ["000000001"])
    kinds = [n.kind for _, n in notices]
    assert kinds == ["score", "safety", "info"]  # item 9 above 0: the same-day line at once
    assert iv.current.key == RECHECK_KEY
    assert iv.current.options[0].value == "none"
    (crisis,) = iv.answer("3")
    assert crisis.kind == "crisis" and crisis.text == minimal_kb.crisis.clinician
    assert iv.current.key == CRISIS_KEY
    iv.answer("y")
    assert iv.current.key == "oral_antidepressant"  # asked once ideation is active
    iv.answer("")
    assert iv.current.key == after_phq9()  # the consult goes on where it was
    assert iv.answers["suicidality"] == "active_ideation"
    assert "oral_antidepressant" not in iv.answers  # skipped: not asked, "not established"


def test_phq9_item9_with_safety_answered_asks_nothing_more(new) -> None:
    iv = new()
    answer_until(iv, "phq9", {"suicidality": "2", "age": "45"})
    notices = iv.answer("000000002")
    assert [n.kind for n in notices] == ["score"]
    assert iv.current.key == after_phq9()


def test_prefill_asks_only_what_is_missing(new, questions: QuestionSet) -> None:
    prefill = {
        "suicidality": "none",
        "age": 70,
        "diagnoses": ["mdd"],
        "antidepressant_trials": 2,
        "bp_systolic": 150,
        "insurance": "medicare",
        "has_driver": True,
    }
    iv = new(prefill=prefill)
    answer_until(iv, None, {})  # Enter to each
    # Every question none of whose fields is given, in the bundled order (bp fills two; the
    # systolic alone given leaves it out); those behind an ask_if that does not hold are not.
    order = [q for _, _, q in questions.file.questions()]
    expected = [q.id for q in order if q.ask_if is None and not set(q.fields) & set(prefill)]
    assert {"earlier_ketamine", "pregnancy", "conditions", "needle_averse"} <= set(expected)
    assert iv.asked == expected
    assert iv.finished
    assert {k: iv.answers[k] for k in prefill} == prefill


def test_unknown_prefill_field_is_an_input_error(questions, minimal_kb) -> None:
    with pytest.raises(InputError) as err:
        Interview(questions, minimal_kb, "clinician", {"agee": 3})
    assert err.value.problems[0].field == "agee"


def test_missing_required_names_age(questions) -> None:
    assert [p.field for p in missing_required(questions, {})] == ["age"]
    assert missing_required(questions, {"age": 40}) == []


def test_steps_are_worded_for_the_audience(new) -> None:
    clinician, patient = new(), new("patient")
    assert clinician.current.text == "Current suicidal ideation?"
    assert "ideation" not in patient.current.text
    assert all("ideation" not in o.label for o in patient.current.options)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", "?", "back", "skip", "y", "n", "1", "2", "3", "45", "120/80", "yes", "1,2"]),
            st.text(max_size=12),
        ),
        max_size=60,
    )
)
def test_any_typing_never_crashes_and_answers_stay_valid(questions, minimal_kb, lines) -> None:
    iv = Interview(questions, minimal_kb, "patient", {})
    for text in lines:
        if iv.current is None:
            break
        for notice in iv.answer(text):
            assert notice.text
        check_fields(iv.answers)  # every stored answer obeys the profile rules
    if iv.finished and not iv.stopped:
        assert iv.profile().age == iv.answers["age"]


def test_none_cannot_be_combined_with_a_choice(new) -> None:
    iv = new()
    drive(iv, ["1"])
    assert iv.current.key == "diagnoses"
    (notice,) = iv.answer("0, 1")
    assert notice.kind == "error" and "cannot be combined" in notice.text
    assert "diagnoses" not in iv.answers and iv.current.key == "diagnoses"
    assert iv.answer("0") == []
    assert iv.answers["diagnoses"] == []


def test_pregnancy_skipped_is_not_recorded_and_answered_is(new) -> None:
    iv = new()
    drive(iv, ["1", "1", "3", "", "45"])
    assert iv.current.key == "pregnancy" and iv.current.enter == "skip"
    assert iv.answer("") == []
    assert "pregnancy" not in iv.answers
    assert iv.answer("back") == []
    assert iv.answer("3") == []
    assert iv.answers["pregnancy"] == "breastfeeding"


def test_skip_and_enter_leave_a_checklist_not_asked(new) -> None:
    iv = new(prefill={"suicidality": "none", "age": 50, "diagnoses": ["mdd"], "pregnancy": "none"})
    drive(iv, ["", "", ""])
    assert iv.current.key == "conditions"
    assert iv.answer("skip")[0].kind == "info"
    assert iv.current.key == "medications"
    assert iv.answer("") == []
    assert "conditions" not in iv.answers and "medications" not in iv.answers
    assert "conditions" not in iv.profile().to_record()


def test_safety_question_offers_not_assessed(new) -> None:
    iv = new()
    values = [o.value for o in iv.current.options]
    assert values == ["none", "passive_ideation", "active_ideation", "plan_or_intent", "unknown"]
    assert iv.answer("5") == []
    assert iv.answers["suicidality"] == "unknown"


def test_brand_and_generic_names_are_understood_as_in_profile_files(questions: QuestionSet, kb) -> None:
    """'xanax' and 'lorazepam' at the medications question mean benzodiazepine (was "use 0-8
    or the ids shown"), as a profile file's did-you-mean reads them."""
    iv = Interview(questions, kb, "clinician")
    answer_until(iv, "medications")
    assert iv.answer("Xanax, lorazepam") == []
    assert iv.answers["medications"] == ["benzodiazepine"]


def test_an_unknown_name_is_still_refused(questions: QuestionSet, kb) -> None:
    iv = Interview(questions, kb, "clinician")
    answer_until(iv, "medications")
    (said,) = iv.answer("zzzz")
    assert said.kind == "error" and iv.current.key == "medications"


def _at_insurance(questions: QuestionSet, kb) -> Interview:
    iv = Interview(questions, kb, "clinician")
    answer_until(iv, "insurance")
    return iv


def test_a_state_medicaid_name_means_medicaid(questions: QuestionSet, kb) -> None:
    iv = _at_insurance(questions, kb)
    assert iv.answer("Medi-Cal") == []
    assert iv.answers["insurance"] == "medicaid"


def test_a_carrier_name_narrows_the_choices_and_asks_which_kind(questions: QuestionSet, kb) -> None:
    """Aetna sells employer, Medicare Advantage and Medicaid plans (was "not one of the choices")."""
    iv = _at_insurance(questions, kb)
    (said,) = iv.answer("aetna")
    assert said.kind == "error" and "Aetna" in said.text
    assert "Commercial" in said.text and "Medicare" in said.text and "Medicaid" in said.text
    assert "Uninsured" not in said.text and iv.current.key == "insurance"
    assert iv.answer("2") == []
    assert iv.answers["insurance"] == "medicare"


def test_every_other_name_is_cited_and_names_real_choices(questions: QuestionSet) -> None:
    (q,) = [q for s in questions.file.sections for q in s.questions if q.id == "insurance"]
    values = {c.value for c in q.choices}
    assert q.other_names
    for other in q.other_names:
        assert other.sources and other.reviewed and set(other.values) <= values
