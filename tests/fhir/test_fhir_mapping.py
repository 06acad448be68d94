"""FHIR bundle -> profile mapping: each code system, each rule, the report. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ketadecide.errors import InputError
from ketadecide.fhir import CodeIndex, MappingReport, map_bundle, to_profile
from ketadecide.fhir.common import age_on
from tests.fhir.fhir_bundles import (
    allergy,
    bp_panel,
    bundle,
    condition,
    med_request,
    med_statement,
    patient,
    phq_items,
    phq_total,
    pregnancy_status,
    vital,
)

AS_OF = dt.date(2026, 11, 23)


def run(index: CodeIndex, *resources: Any, as_of: dt.date = AS_OF, **kw: Any) -> tuple[dict[str, Any], MappingReport]:
    return map_bundle(bundle(*resources, **kw), index, as_of=as_of, source="test.json")


def messages(report: MappingReport, status: str) -> str:
    return "\n".join(i.message for i in report.of(status))  # type: ignore[arg-type]


# ---------------------------------------------------------------- conditions and diagnoses


@pytest.mark.parametrize(
    ("code", "diagnoses", "conditions"),
    [
        ("F33.1", ["mdd"], []),
        ("F32.0", ["mdd"], []),
        ("F331", ["mdd"], []),  # ICD-10-CM written without its dot
        ("F32.3", ["mdd"], ["psychosis_history"]),
        ("F33.3", ["mdd"], ["psychosis_history"]),
        ("F32.81", ["other"], []),
        ("F31.32", ["bipolar_depression"], []),
        ("F31.11", ["bipolar_depression"], ["current_mania"]),
        ("F31.2", ["bipolar_depression"], ["current_mania", "psychosis_history"]),
        ("F31.5", ["bipolar_depression"], ["psychosis_history"]),
        ("F31.61", ["bipolar_depression"], ["current_mania"]),
        ("F30.10", [], ["current_mania"]),
        ("F43.10", ["ptsd"], []),
        ("F41.1", ["gad"], []),
        ("F42.2", ["ocd"], []),
        ("G89.29", ["chronic_pain"], []),
        ("F20.9", [], ["psychosis_history"]),
        ("F25.0", [], ["psychosis_history"]),
        ("F10.20", [], ["substance_use_disorder_active"]),
        ("F11.10", [], ["substance_use_disorder_active"]),
        ("F10.21", [], ["substance_use_disorder_history"]),  # in remission: a history, never active
        ("F17.210", [], []),  # nicotine: informational
        ("I71.4", [], ["aneurysmal_vascular_disease"]),
        ("I67.1", [], ["aneurysmal_vascular_disease"]),
        ("I60.9", [], ["aneurysmal_vascular_disease"]),
        ("Q28.2", [], ["arteriovenous_malformation"]),
        ("I61.9", [], ["intracerebral_hemorrhage_history"]),
        ("I69.10", [], ["intracerebral_hemorrhage_history"]),
        ("I16.0", [], ["uncontrolled_hypertension"]),
        ("I10", [], []),  # hypertension is informational: the BP decides
        ("I21.4", [], ["unstable_cardiovascular_disease"]),
        ("N30.10", [], ["interstitial_cystitis"]),
        ("K72.90", [], ["severe_hepatic_impairment"]),
        ("G93.2", [], ["elevated_intracranial_pressure"]),
        ("I63.9", [], ["stroke_history"]),
        ("Z86.73", [], ["stroke_history"]),
        ("E05.90", [], []),  # hyperthyroidism: control not in the code
    ],
)
def test_icd10cm_conditions(index: CodeIndex, code: str, diagnoses: list[str], conditions: list[str]) -> None:
    profile, report = run(index, condition(code))
    assert profile.get("diagnoses", []) == diagnoses
    assert profile.get("conditions", []) == sorted(conditions)
    assert not report.of("not_mapped")
    if not diagnoses and not conditions:
        assert report.of("info"), "an informational code must be reported"


@pytest.mark.parametrize(
    ("code", "diagnoses", "conditions"),
    [
        ("370143000", ["mdd"], []),
        ("36923009", ["mdd"], []),
        ("13746004", ["bipolar_depression"], []),
        ("58214004", [], ["psychosis_history"]),
        ("69322001", [], ["psychosis_history"]),
        ("47505003", ["ptsd"], []),
        ("82423001", ["chronic_pain"], []),
        ("274100004", [], ["intracerebral_hemorrhage_history"]),
        ("432119003", [], ["aneurysmal_vascular_disease"]),
        ("197834003", [], ["interstitial_cystitis"]),
        ("59621000", [], []),
    ],
)
def test_snomed_conditions(index: CodeIndex, code: str, diagnoses: list[str], conditions: list[str]) -> None:
    profile, report = run(index, condition(code, "snomed"))
    assert profile.get("diagnoses", []) == diagnoses
    assert profile.get("conditions", []) == conditions
    assert not report.of("not_mapped")


def test_inactive_conditions_are_not_counted(index: CodeIndex) -> None:
    profile, report = run(
        index,
        condition("F33.1", clinical="resolved"),
        condition("I71.4", clinical="inactive"),
        condition("F10.20", clinical="remission"),
    )
    assert "diagnoses" not in profile
    # A substance use disorder in remission is a history (codes.yaml resolved_as), never active.
    assert profile["conditions"] == ["substance_use_disorder_history"]
    assert len(report.of("not_counted")) == 2
    assert "remission, counted as a history" in messages(report, "mapped")


def test_history_conditions_count_when_resolved(index: CodeIndex) -> None:
    profile, report = run(index, condition("I61.9", clinical="resolved"), condition("F20.9", clinical="inactive"))
    assert profile["conditions"] == ["intracerebral_hemorrhage_history", "psychosis_history"]
    assert "counted as a history" in messages(report, "mapped")


def test_resolved_and_active_conflict_is_reported(index: CodeIndex) -> None:
    profile, report = run(index, condition("F33.1", clinical="resolved"), condition("F32.1"))
    assert profile["diagnoses"] == ["mdd"]
    assert "an active record wins" in messages(report, "conflict")


@pytest.mark.parametrize("verification", ["provisional", "differential", "unconfirmed", "refuted", "entered-in-error"])
def test_unconfirmed_conditions_are_not_counted(index: CodeIndex, verification: str) -> None:
    profile, report = run(index, condition("F20.9", verification=verification))
    assert "conditions" not in profile
    assert verification in messages(report, "not_counted")


def test_absent_statuses(index: CodeIndex) -> None:
    profile, _ = run(index, condition("F33.1", clinical=None, verification=None))
    assert profile["diagnoses"] == ["mdd"]
    profile, _ = run(index, condition("F33.1", clinical=None, abatementDateTime="2021-01-01"))
    assert "diagnoses" not in profile


def test_unknown_codes_are_listed_never_dropped(index: CodeIndex) -> None:
    profile, report = run(
        index,
        condition("K21.9", display="Reflux"),
        condition("12345", "http://example.org/local-codes"),
        med_statement("999999", "rxnorm"),
        vital("29463-7", 70, "2026-11-01", unit="kg"),
        allergy("Peanut"),
    )
    unmapped = "\n".join(report.unmapped_codes)
    for text in (
        "K21.9 'Reflux'",
        "http://example.org/local-codes 12345",
        "RxNorm 999999",
        "LOINC 29463-7",
        "Peanut",
    ):
        assert text in unmapped
    assert set(profile) == {"id", "age"}


def test_resources_of_another_patient_are_not_read(index: CodeIndex) -> None:
    other = condition("F20.9")
    other["subject"] = {"reference": "Patient/someone-else"}
    profile, report = run(index, other)
    assert "conditions" not in profile
    assert "another patient" in messages(report, "not_counted")


def test_records_after_as_of_are_not_used(index: CodeIndex) -> None:
    profile, report = run(index, condition("F20.9", onset="2026-12-01"), bp_panel(180, 110, "2026-12-02"))
    assert "conditions" not in profile and "bp_systolic" not in profile
    assert "after the as-of date" in messages(report, "not_counted")


# ---------------------------------------------------------------- patient


def test_age_from_birth_date_and_as_of(index: CodeIndex) -> None:
    assert run(index, as_of=dt.date(2026, 4, 30))[0]["age"] == 45
    assert run(index, as_of=dt.date(2026, 5, 1))[0]["age"] == 46
    assert age_on("1980", dt.date(2026, 6, 1)) == (
        45,
        "birth date has the year only; the lowest possible age is used",
    )
    assert age_on("1980-05", dt.date(2026, 5, 30))[0] == 45


def test_birth_after_as_of_is_an_input_error(index: CodeIndex) -> None:
    with pytest.raises(InputError) as err:
        run(index, as_of=dt.date(1970, 1, 1))
    assert err.value.problems[0].field == "Patient.birthDate"


def test_two_patients_are_rejected(index: CodeIndex) -> None:
    with pytest.raises(InputError, match="2 Patient resources"):
        run(index, patient(), patient(pid="p2"))


def test_no_patient_means_no_age(index: CodeIndex) -> None:
    profile, report = run(index, condition("F33.1"), with_patient=False)
    assert "age" not in profile
    with pytest.raises(InputError) as err:
        to_profile(profile, "test.json")
    assert err.value.problems[0].field == "Patient.birthDate"
    assert "age is not known" in messages(report, "check")


# ---------------------------------------------------------------- medications


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("atc", "N05BA12", ["benzodiazepine"]),
        ("atc", "N05CD07", ["benzodiazepine"]),
        ("atc", "N03AE01", ["benzodiazepine"]),
        ("atc", "N03AX09", ["lamotrigine"]),
        ("atc", "N06AF03", ["maoi"]),
        ("atc", "N04BD01", ["maoi"]),
        ("atc", "N06BA04", ["psychostimulant"]),
        ("atc", "N06BA09", []),  # atomoxetine: informational
        ("atc", "N02AA05", ["opioid"]),
        ("atc", "N07BC01", ["opioid"]),
        ("atc", "N05CF02", ["other_cns_depressant"]),
        ("atc", "N03AX16", ["other_cns_depressant"]),
        ("atc", "N06AB06", []),  # sertraline: listed as an antidepressant only
        ("rxnorm", "28439", ["lamotrigine"]),
        ("rxnorm", "3322", ["benzodiazepine"]),
        ("rxnorm", "7804", ["opioid"]),
        ("rxnorm", "6901", ["psychostimulant"]),
        ("atc", "N03AF01", ["cyp3a4_inducer"]),
        ("rxnorm", "8183", ["cyp3a4_inducer"]),
    ],
)
def test_medication_codes(index: CodeIndex, system: str, code: str, expected: list[str]) -> None:
    profile, report = run(index, med_statement(code, system))
    assert profile.get("medications", []) == expected
    assert not report.of("not_mapped")


def test_medication_request_and_reference(index: CodeIndex) -> None:
    med = {
        "resourceType": "Medication",
        "id": "m1",
        "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "N03AX09"}]},
    }
    stmt = med_statement(None)
    del stmt["medicationCodeableConcept"]
    stmt["medicationReference"] = {"reference": "Medication/m1"}
    profile, _ = run(index, med, stmt, med_request("7052"))
    assert profile["medications"] == ["lamotrigine", "opioid"]


def test_medication_matched_by_name_is_reported_as_such(index: CodeIndex) -> None:
    profile, report = run(index, med_statement("308047", "rxnorm", text="Alprazolam 0.25 MG Oral Tablet"))
    assert profile["medications"] == ["benzodiazepine"]
    assert "matched by the name 'alprazolam', not by a code" in messages(report, "mapped")


def test_inactive_medications_are_not_counted(index: CodeIndex) -> None:
    profile, report = run(
        index,
        med_statement("N05BA06", status="completed"),
        med_request("7804", status="stopped"),
        med_statement("N06AB06", status="completed", text="sertraline"),
    )
    assert "medications" not in profile
    assert "not active" in messages(report, "not_counted")
    assert "sertraline (completed)" in messages(report, "check")


def test_ketamine_allergy_and_ketamine_in_record(index: CodeIndex) -> None:
    profile, report = run(index, allergy("Ketamine hydrochloride"), med_statement("N06AX27"))
    assert profile["conditions"] == ["ketamine_hypersensitivity"]
    assert "course_modality" in messages(report, "info")
    profile, _ = run(index, allergy("Ketamine", clinical="resolved"))
    assert "conditions" not in profile


# ---------------------------------------------------------------- blood pressure


def test_latest_blood_pressure_wins(index: CodeIndex) -> None:
    profile, report = run(
        index,
        bp_panel(150, 95, "2026-10-01T09:00:00Z"),
        bp_panel(120, 80, "2025-01-01"),
        bp_panel(128, 82, "2026-11-01T09:00:00+02:00"),
    )
    assert (profile["bp_systolic"], profile["bp_diastolic"]) == (128, 82)
    assert not report.of("conflict")


def test_same_day_readings_with_times_latest_wins(index: CodeIndex) -> None:
    profile, report = run(index, bp_panel(150, 95, "2026-11-01T09:00:00Z"), bp_panel(130, 85, "2026-11-01T10:00:00Z"))
    assert (profile["bp_systolic"], profile["bp_diastolic"]) == (130, 85)
    assert "the latest time wins" in messages(report, "conflict")


def test_same_day_readings_without_times_higher_wins(index: CodeIndex) -> None:
    profile, report = run(index, bp_panel(130, 85, "2026-11-01"), bp_panel(150, 95, "2026-11-01"))
    assert (profile["bp_systolic"], profile["bp_diastolic"]) == (150, 95)
    assert "the higher reading is used" in messages(report, "conflict")


def test_standalone_systolic_and_diastolic_pair_by_time(index: CodeIndex) -> None:
    when = "2026-11-02T08:00:00Z"
    profile, report = run(
        index,
        vital("8480-6", 142.4, when),
        vital("8462-4", 91.6, when),
        vital("8480-6", 200, "2026-11-03"),
    )
    assert (profile["bp_systolic"], profile["bp_diastolic"]) == (142, 92)
    assert "no diastolic reading at the same time" in messages(report, "not_counted")


@pytest.mark.parametrize(
    ("reading", "why"),
    [
        (bp_panel(20, 12, "2026-11-01", unit="kPa"), "not mmHg"),
        (bp_panel(1300, 80, "2026-11-01"), "not a plausible reading"),
        (bp_panel(80, 120, "2026-11-01"), "not a plausible reading"),
        (bp_panel(150, 90, "2026-11-01", status="preliminary"), "status 'preliminary'"),
    ],
)
def test_unusable_blood_pressure(index: CodeIndex, reading: dict[str, Any], why: str) -> None:
    profile, report = run(index, reading)
    assert "bp_systolic" not in profile
    assert why in messages(report, "not_counted")


def test_stale_blood_pressure_is_listed_not_used(index: CodeIndex) -> None:
    profile, report = run(index, bp_panel(135, 85, "2024-01-01"))
    assert "bp_systolic" not in profile
    assert "older than its 365-day window" in messages(report, "check")
    assert [(s.field, s.value) for s in report.stale] == [("bp_systolic", 135), ("bp_diastolic", 85)]


# ---------------------------------------------------------------- PHQ-9


def test_phq9_items_coded_and_integer(index: CodeIndex) -> None:
    scores = [3, 2, 1, 0, 3, 2, 1, 0, 1]
    for coded in (True, False):
        profile, report = run(index, phq_items(scores, "2026-11-20", coded=coded), phq_total(13, "2026-11-20"))
        assert profile["phq9"] == scores
        assert "item 9" in messages(report, "check")
        assert not report.of("conflict")


def test_phq9_total_mismatch_is_a_conflict(index: CodeIndex) -> None:
    profile, report = run(index, phq_items([1] * 9, "2026-11-20"), phq_total(20, "2026-11-20"))
    assert profile["phq9"] == [1] * 9
    assert "the items are used" in messages(report, "conflict")


def test_phq9_bands_come_from_the_questions_data(index: CodeIndex) -> None:
    """The bands are data (questions.yaml, cited), never code: the report names the total's
    band from the bands given, and by default from the bundled questions."""
    from ketadecide.fhir.mapping import default_phq9_bands

    assert default_phq9_bands() == (
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 19, "moderately severe"),
        (20, 27, "severe"),
    )
    bundle_ = bundle(phq_items([1] * 9, "2026-11-20"))
    _, report = map_bundle(bundle_, index, as_of=AS_OF, bands=[(0, 8, "low"), (9, 27, "high")])
    assert "phq9 = [1, 1, 1, 1, 1, 1, 1, 1, 1] (total 9, high)" in messages(report, "mapped")


def test_phq9_total_alone_does_not_fill_items(index: CodeIndex) -> None:
    profile, report = run(index, phq_items([1] * 9, "2026-09-01"), phq_total(17, "2026-11-20"))
    assert "phq9" not in profile
    text = messages(report, "check")
    assert "total 17, moderately severe" in text and "is older, so it is not used" in text


# ---------------------------------------------------------------- pregnancy


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ([condition("Z33.1", onset="2026-06-01")], "pregnant"),
        ([condition("Z3A.20", onset="2026-06-01")], "pregnant"),
        ([condition("72892002", "snomed", onset="2026-06-01")], "pregnant"),
        ([condition("Z39.1", onset="2026-06-01")], "breastfeeding"),
        ([condition("Z31.69", onset="2026-06-01")], "planning"),
        ([condition("Z33.1", onset="2020-01-01")], None),  # an "active" pregnancy from 2020: stale
        ([pregnancy_status("77386006", "2026-10-01")], "pregnant"),
        ([pregnancy_status("LA15173-0", "2026-10-01", "loinc")], "pregnant"),
        ([pregnancy_status("60001007", "2026-11-01")], "none"),
        ([pregnancy_status("60001007", "2026-10-01")], None),  # "not pregnant" older than 30 days
        ([condition("Z33.1", clinical="resolved")], None),
        ([pregnancy_status("77386006", "2025-01-01")], None),  # older than 42 weeks
    ],
)
def test_pregnancy(index: CodeIndex, resources: list[dict[str, Any]], expected: str | None) -> None:
    profile, _ = run(index, *resources)
    assert profile.get("pregnancy") == expected


def test_pregnancy_conflict_takes_the_safer_value(index: CodeIndex) -> None:
    profile, report = run(index, condition("Z34.00", onset="2026-06-01"), pregnancy_status("60001007", "2026-11-01"))
    assert profile["pregnancy"] == "pregnant"
    assert "pregnant > breastfeeding" in messages(report, "conflict")
    assert report.record_conflicts == ("pregnancy",)


# ---------------------------------------------------------------- report and profile


def test_report_lines_group_repeats(index: CodeIndex) -> None:
    _, report = run(index, *[vital("29463-7", 70 + i, f"2026-11-0{i + 1}", unit="kg") for i in range(4)])
    lines = report.lines()
    assert lines[0].startswith("FHIR import of test.json (as of 2026-11-23): read")
    unknown = [line for line in lines if "29463-7" in line]
    assert len(unknown) == 1 and "and 2 more" in unknown[0]
    assert report.to_dict()["items"]


def test_mapped_profile_is_valid_and_says_nothing_about_suicidality(index: CodeIndex) -> None:
    profile, report = run(
        index,
        condition("F33.2"),
        condition("R45.851"),
        med_statement("N05BA06"),
        bp_panel(138, 88, "2026-11-01"),
        phq_items([2] * 9, "2026-11-20"),
    )
    person = to_profile(profile, "test.json")
    assert person.suicidality == "unknown"
    assert "ask about it now" in messages(report, "info") + messages(report, "check")


@pytest.mark.parametrize(("item9", "flagged"), [(2, True), (0, False)])
def test_a_lone_positive_item_9_is_never_lost(index: CodeIndex, item9: int, flagged: bool) -> None:
    """Only item 9 recorded: phq9 cannot be filled, but a positive answer must be reported."""
    lone = phq_items([0, 0, 0, 0, 0, 0, 0, 0, item9], "2026-11-20")[8]
    profile, report = run(index, lone)
    assert "phq9" not in profile
    text = messages(report, "check")
    assert "items 9 found" in text
    assert ("ask about safety now" in text and "988" in text) is flagged


# ---------------------------------------------------------------- schema 2: never "asked, none" by inference


SCREEN_LINE = "safety screen not answered by the record, so left not asked: "


def test_a_record_without_screen_answers_leaves_them_not_asked(index: CodeIndex) -> None:
    data, report = run(index)
    for name in ("pregnancy", "diagnoses", "conditions", "medications", "suicidality"):
        assert name not in data, name
    assert SCREEN_LINE + "suicidality, pregnancy, diagnoses, conditions, medications" in messages(report, "check")


def test_no_active_medication_is_not_medications_none(index: CodeIndex) -> None:
    data, report = run(index, med_statement("N05BA06", status="stopped"))
    assert "medications" not in data
    assert "medications" in messages(report, "check").split(SCREEN_LINE)[1]


def test_conditions_without_screened_ones_are_not_conditions_none(index: CodeIndex) -> None:
    data, report = run(index, condition("F33.1"))
    assert data["diagnoses"] == ["mdd"]
    assert "conditions" not in data
    listed = messages(report, "check").split(SCREEN_LINE)[1].split(" (")[0]
    assert listed.split(", ") == ["suicidality", "pregnancy", "conditions", "medications"]


def test_pregnancy_is_not_assumed_none_for_a_male_patient(index: CodeIndex) -> None:
    data, report = run(index, patient(gender="male"))
    assert "pregnancy" not in data
    assert "pregnancy" in messages(report, "check").split(SCREEN_LINE)[1]


def test_the_screen_line_lists_only_what_the_record_leaves_open(index: CodeIndex) -> None:
    data, report = run(index, condition("F33.1"), condition("F20.9"), med_statement("N05BA06"))
    assert data["conditions"] == ["psychosis_history"] and data["medications"] == ["benzodiazepine"]
    listed = messages(report, "check").split(SCREEN_LINE)[1].split(" (")[0]
    assert listed.split(", ") == ["suicidality", "pregnancy"]
