"""The profile of CONTRACT §1: what is accepted, what is refused, and how errors read."""

from __future__ import annotations

import pytest

from ketadecide.errors import InputError
from ketadecide.profile import PROFILE_FIELDS, Profile, parse_profile

CONTRACT_FIELDS = {
    "id",
    "age",
    "pregnancy",
    "diagnoses",
    "antidepressant_trials",
    "suicidality",
    "phq9",
    "bp_systolic",
    "bp_diastolic",
    "conditions",
    "medications",
    "insurance",
    "budget_per_session",
    "has_driver",
    "can_attend_twice_weekly",
    "prefers_home",
    "needle_averse",
    "course_modality",
    "course_sessions",
    "course_response",
    "course_dissociation",
    "financial_stress",
    "sure_sure",
    "sure_understand",
    "sure_values",
    "sure_support",
    "oral_antidepressant",
    "values_evidence",
    "values_cost",
    "values_time",
    "values_home",
    "values_needles",
    "values_monitoring",
    "plan_leaning",
    "plan_decide_by",
    "plan_notes",
}


def test_fields_are_exactly_the_contract() -> None:
    assert set(PROFILE_FIELDS) == CONTRACT_FIELDS


def test_defaults_follow_the_contract() -> None:
    p = parse_profile({"age": 30})
    # Schema 2: absent is "not asked", never "none".
    assert p.pregnancy is None
    assert p.suicidality == "unknown"
    assert p.insurance == "unknown"
    assert p.diagnoses is None and p.conditions is None and p.medications is None
    assert p.antidepressant_trials is None and p.phq9 is None


def test_an_empty_list_is_asked_none_and_survives_the_round_trip() -> None:
    p = parse_profile({"age": 30, "conditions": [], "medications": [], "diagnoses": []})
    assert p.conditions == () and p.medications == () and p.diagnoses == ()
    record = p.to_record()
    assert record["conditions"] == [] and record["medications"] == [] and record["diagnoses"] == []
    assert "pregnancy" not in record
    assert parse_profile(record) == p
    assert parse_profile({"age": 30, "conditions": None}).conditions is None


def test_phq9_derived_scores() -> None:
    p = parse_profile({"age": 30, "phq9": [3, 3, 3, 3, 3, 3, 3, 3, 2]})
    assert p.phq9_total == 26
    assert p.phq9_item9 == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "age"),
        ({"age": "42"}, "age"),
        ({"age": 121}, "age"),
        ({"age": -1}, "age"),
        ({"age": 4.5}, "age"),
        ({"age": True}, "age"),
        ({"age": 40, "pregnancy": "maybe"}, "pregnancy"),
        ({"age": 40, "diagnoses": ["mdd", "flu"]}, "diagnoses[1]"),
        ({"age": 40, "antidepressant_trials": -1}, "antidepressant_trials"),
        ({"age": 40, "suicidality": "some"}, "suicidality"),
        ({"age": 40, "phq9": [1, 1, 1]}, "phq9"),
        ({"age": 40, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 4]}, "phq9[8]"),
        ({"age": 40, "bp_systolic": 30}, "bp_systolic"),
        ({"age": 40, "bp_systolic": 120, "bp_diastolic": 130}, "bp_diastolic"),
        ({"age": 40, "conditions": ["Bad Id!"]}, "conditions[0]"),
        ({"age": 40, "insurance": "aetna"}, "insurance"),
        ({"age": 40, "budget_per_session": -5}, "budget_per_session"),
        ({"age": 40, "budget_per_session": True}, "budget_per_session"),
        ({"age": 40, "budget_per_session": float("inf")}, "budget_per_session"),
        ({"age": 40, "has_driver": "yes"}, "has_driver"),
        ({"age": 40, "course_modality": "oral"}, "course_modality"),
        ({"age": 40, "course_sessions": -2}, "course_sessions"),
        ({"age": 40, "course_response": "great"}, "course_response"),
        ({"age": 40, "course_dissociation": "mild"}, "course_dissociation"),
        ({"age": 40, "favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_bad_values_name_their_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        parse_profile(data, source="p.yaml")
    fields = [p.field for p in info.value.problems]
    assert field in fields
    assert all(p.source == "p.yaml" for p in info.value.problems)
    assert field in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as info:
        parse_profile({"age": "x", "insurance": "y", "extra": 1})
    assert {p.field for p in info.value.problems} == {"age", "insurance", "extra"}


@pytest.mark.parametrize("data", [None, [], "age: 3", 42])
def test_non_mapping_is_refused(data: object) -> None:
    with pytest.raises(InputError):
        parse_profile(data)


def test_profile_is_frozen() -> None:
    p = Profile(age=40)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type varies
        p.age = 41  # type: ignore[misc]


def test_to_record_round_trips() -> None:
    record = {
        "id": "r1",
        "age": 50,
        "diagnoses": ["mdd"],
        "phq9": [0] * 9,
        "bp_systolic": 130,
        "bp_diastolic": 80,
        "has_driver": False,
        "budget_per_session": 250.0,
    }
    out = parse_profile(record).to_record()
    # Defaults are written out explicitly; nothing given is lost or changed.
    assert out == {**record, "suicidality": "unknown", "insurance": "unknown"}
    assert parse_profile(out) == parse_profile(record)


def test_published_profile_schema_is_current_and_accepts_the_examples() -> None:
    import json

    import jsonschema
    import yaml

    from ketadecide.profile import profile_json_schema
    from tests.conftest import ROOT

    published = json.loads((ROOT / "schema" / "profile.schema.json").read_text())
    assert published == json.loads(json.dumps(profile_json_schema())), "regenerate schema/profile.schema.json"
    for example in sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "examples").glob("*.json")):
        data = yaml.safe_load(example.read_text())
        jsonschema.validate(data, published)
        parse_profile(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"age": "40"}, published)


@pytest.mark.parametrize("ch", ["\x1b", "\x85", "\u202e", "\u2066", "\u200b", "\u200f", "\u2028", "\ufeff"])
def test_id_refuses_invisible_and_reordering_characters(ch: str) -> None:
    with pytest.raises(InputError, match="control characters"):
        parse_profile({"age": 40, "id": f"p{ch}1"})
    assert parse_profile({"age": 40, "id": "Zoë-中-1"}).id == "Zoë-中-1"


def test_plan_fields_follow_the_contract() -> None:
    """CONTRACT §1: plan_leaning a modality or unsure; plan_decide_by a calendar date
    YYYY-MM-DD (a YAML date reads as the same text); plan_notes text of at most 1,000."""
    import datetime

    p = parse_profile({"age": 40, "plan_leaning": "unsure", "plan_decide_by": "2028-02-29", "plan_notes": "Ask: cost?"})
    assert (p.plan_leaning, p.plan_decide_by, p.plan_notes) == ("unsure", "2028-02-29", "Ask: cost?")
    assert parse_profile({"age": 40, "plan_decide_by": datetime.date(2027, 1, 5)}).plan_decide_by == "2027-01-05"
    assert parse_profile({"age": 40, "plan_notes": "x" * 1000}).to_record()["plan_notes"] == "x" * 1000
    for field, bad in [
        ("plan_leaning", "tms"),
        ("plan_decide_by", "2027-02-29"),
        ("plan_decide_by", "2026-13-01"),
        ("plan_decide_by", "20261220"),
        ("plan_decide_by", "12/20/2026"),
        ("plan_decide_by", 20261220),
        ("plan_notes", "x" * 1001),
        ("plan_notes", "line one\nline two"),
        ("plan_notes", "\u202eevil"),
    ]:
        with pytest.raises(InputError) as exc:
            parse_profile({"age": 40, field: bad})
        assert [p.field for p in exc.value.problems] == [field], (field, bad)
