"""The synthetic bundle generator (tests/fhir/synth.py): seeded, valid FHIR R4, and what it
says a record means is what the import reads. Synthetic data only."""

from __future__ import annotations

import datetime as dt
import json

from ketadecide.fhir import CodeIndex, map_bundle, parse_bundle
from tests.fhir.synth import SynthPatient, cohort

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
