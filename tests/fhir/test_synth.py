"""The synthetic bundle generator (tests/fhir/synth.py): seeded, valid FHIR R4, and what it
says a record means is what the import reads. Synthetic data only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ketadecide.fhir import CodeIndex, map_bundle, parse_bundle
from tests.fhir.synth import Code, SynthPatient, cohort, iter_codes

AS_OF = dt.date(2026, 11, 23)


def test_same_seed_same_bundles_other_seed_other_bundles() -> None:
    one = [p.json(AS_OF) for p in cohort(3, 12, AS_OF)]
    assert one == [p.json(AS_OF) for p in cohort(3, 12, AS_OF)]
    assert one != [p.json(AS_OF) for p in cohort(4, 12, AS_OF)]


def test_every_generated_bundle_is_valid_r4_and_maps_as_the_generator_says(index: CodeIndex) -> None:
    people = cohort(11, 40, AS_OF, deceased=0.2)
    assert any(p.is_deceased for p in people)
    assert any(p.coverage_kind for p in people)
    for p in people:
        bundle = parse_bundle(p.json(AS_OF), f"{p.id}.json", AS_OF)  # fhir.resources validation
        profile, report = map_bundle(bundle, index, as_of=AS_OF, source=p.id)
        assert profile["id"] == p.id
        assert profile["age"] == p.age(AS_OF)
        assert set(profile.get("conditions", [])) == p.expected_conditions(), p.id
        assert set(profile.get("diagnoses", [])) == p.expected_diagnoses(), p.id
        assert set(profile.get("medications", [])) == p.expected_medications(), p.id
        assert report.skipped_counts == ({"Coverage": 1} if p.coverage_kind else {})


def test_builder_writes_what_it_is_told() -> None:
    p = (
        SynthPatient("p-7", birth_date=dt.date(2000, 1, 2), gender="male")
        .condition("icd10cm", "F33.1", "MDD")
        .bp(150, 95, days_ago=10)
        .phq9([1, 1, 1, 1, 1, 1, 1, 1, 2], days_ago=3)
        .pregnancy("none", days_ago=5)
        .deceased(None)
        .coverage("medicaid")
    )
    entries = [e["resource"] for e in p.bundle(AS_OF)["entry"]]
    kinds = [r["resourceType"] for r in entries]
    assert kinds.count("Observation") == 1 + 10 + 1  # BP panel, 9 items + total, pregnancy
    patient = entries[0]
    assert patient["deceasedBoolean"] is True and patient["birthDate"] == "2000-01-02"
    observations = [r for r in entries if r["resourceType"] == "Observation"]
    bp = next(r for r in observations if r["code"]["coding"][0]["code"] == "85354-9")
    assert bp["effectiveDateTime"].startswith("2026-11-13")
    ids = [r["id"] for r in entries]
    assert len(ids) == len(set(ids))
    json.dumps(p.bundle(AS_OF))  # serialisable


def _codes_yaml() -> dict[str, Any]:
    from ketadecide.safeyaml import load_yaml

    path = Path(__file__).resolve().parents[2] / "data" / "codes.yaml"
    data = load_yaml(path.read_text(), str(path))
    assert isinstance(data, dict)
    return data


CODES = list(iter_codes(_codes_yaml()))


def test_the_codes_cover_both_terminologies_for_every_rule_group() -> None:
    """SNOMED CT beside ICD-10-CM for every condition group with a label or consensus rule."""
    by_condition: dict[str, set[str]] = {}
    for _, code in CODES:
        for ident in (*code.conditions, *code.history):
            by_condition.setdefault(ident, set()).add(code.system)
    for ident in (
        "substance_use_disorder_active",
        "substance_use_disorder_history",
        "psychosis_history",
        "current_mania",
        "aneurysmal_vascular_disease",
        "arteriovenous_malformation",
        "intracerebral_hemorrhage_history",
        "uncontrolled_hypertension",
    ):
        assert by_condition.get(ident, set()) >= {"icd10cm", "snomed"}, ident
    pregnancy = {code.system for _, code in CODES if code.pregnancy == "pregnant"}
    assert pregnancy >= {"icd10cm", "snomed"}


@pytest.mark.parametrize(("key", "code"), CODES, ids=[f"{k}-{c.code}" for k, c in CODES])
def test_every_condition_code_maps_as_codes_yaml_says(key: str, code: Code, index: CodeIndex) -> None:
    """Each condition code of codes.yaml, in a generated bundle: active, it sets what the entry
    says; resolved (or in remission), only a history."""
    for clinical, expected in (("active", set(code.conditions)), ("remission", set(code.history))):
        p = SynthPatient(f"{key}-{clinical}").condition(code, clinical=clinical, onset_days_ago=60)
        profile, report = map_bundle(p.bundle(AS_OF), index, as_of=AS_OF, source=key)
        assert set(profile.get("conditions", [])) == expected, (clinical, report.lines())
        if clinical == "active":
            assert set(profile.get("diagnoses", [])) == set(code.diagnoses)
            assert profile.get("pregnancy") == code.pregnancy
        else:
            assert "diagnoses" not in profile and "pregnancy" not in profile


def test_snomed_opioid_abuse_sets_the_take_home_contraindication(kb: Any) -> None:
    """Issue 22: SNOMED CT 5602001 was reported as unmapped, so the take-home rule never fired."""
    from ketadecide.compare import evaluate
    from ketadecide.fhir import bundle_to_profile, to_profile

    p = SynthPatient("oud").condition("snomed", "5602001", "Opioid abuse (disorder)")
    data, _ = bundle_to_profile(p.bundle(AS_OF), kb, AS_OF)
    result = evaluate(to_profile(data, "oud"), kb)
    assert result.modality("compounded").status == "contraindicated"
    remitted = SynthPatient("oud-r").condition("icd10cm", "F11.21", "Opioid dependence, in remission")
    data, _ = bundle_to_profile(remitted.bundle(AS_OF), kb, AS_OF)
    assert data["conditions"] == ["substance_use_disorder_history"]
