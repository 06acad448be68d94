"""A Synthea-style bundle (SNOMED conditions, RxNorm clinical drugs, LOINC vitals, many
resources ketadecide does not read), and a property: any mix of known codes maps to a valid
profile and every condition is accounted for in the report. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide.fhir import CodeIndex, map_bundle, to_profile
from tests.fhir.fhir_bundles import bp_panel, bundle, coding, condition, med_request, phq_total, vital
from tests.fhir.test_fhir_mapping import AS_OF


def synthea_style() -> dict[str, Any]:
    resources: list[Any] = [
        condition("59621000", "snomed", display="Essential hypertension (disorder)"),
        condition("370143000", "snomed", display="Major depressive disorder (disorder)"),
        condition("82423001", "snomed", display="Chronic pain (finding)"),
        condition("73595000", "snomed", display="Stress (finding)"),
        condition("714628002", "snomed", display="Prediabetes (finding)"),
        condition("72892002", "snomed", clinical="resolved", display="Normal pregnancy (finding)"),
        med_request("1049221", display="Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet"),
        med_request("313782", status="completed", display="Acetaminophen 325 MG Oral Tablet"),
        med_request("314076", display="lisinopril 10 MG Oral Tablet"),
        phq_total(12, "2026-11-01T10:00:00Z"),
    ]
    for month in range(1, 11):
        resources.append(bp_panel(128 + month, 80 + month % 5, f"2026-{month:02d}-15T10:00:00Z"))
        resources.append(vital("29463-7", 80 - month / 10, f"2026-{month:02d}-15T10:00:00Z", unit="kg"))
        resources.append(vital("55758-7", 3, f"2026-{month:02d}-15T10:00:00Z", unit="{score}"))
        resources.append(
            {
                "resourceType": "Encounter",
                "id": f"e{month}",
                "status": "finished",
                "class": coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
            }
        )
    return bundle(*resources)


def test_synthea_style_bundle(index: CodeIndex) -> None:
    profile, report = map_bundle(synthea_style(), index, as_of=AS_OF, source="synthea.json")
    assert profile == {
        "id": "p1",
        "age": 46,
        "diagnoses": ["mdd", "chronic_pain"],
        "bp_systolic": 138,
        "bp_diastolic": 80,
        "medications": ["opioid"],
    }
    to_profile(profile, "synthea.json")
    assert report.skipped_counts == {"Encounter": 10}
    unknown = "\n".join(report.unmapped_codes)
    for code in ("73595000", "714628002", "313782", "314076", "29463-7", "55758-7"):
        assert code in unknown
    assert "matched by the name 'oxycodone'" in "\n".join(i.message for i in report.of("mapped"))


KNOWN_CONDITIONS = [
    "F33.1",
    "F31.2",
    "F20.9",
    "I10",
    "I61.9",
    "Z33.1",
    "N30.10",
    "F10.21",
    "K21.9",
    "G89.29",
]
STATUSES = ["active", "resolved", "inactive", "remission", None]


@settings(max_examples=60, deadline=None)
@given(
    conditions=st.lists(st.tuples(st.sampled_from(KNOWN_CONDITIONS), st.sampled_from(STATUSES)), max_size=8),
    bps=st.lists(st.tuples(st.integers(30, 320), st.integers(10, 210), st.integers(1, 28)), max_size=4),
    birth_year=st.integers(1910, 2020),
)
def test_any_known_mix_maps_to_a_valid_profile(
    index: CodeIndex,
    conditions: list[tuple[str, str | None]],
    bps: list[tuple[int, int, int]],
    birth_year: int,
) -> None:
    resources = [condition(code, clinical=status) for code, status in conditions]
    resources += [bp_panel(s, d, f"2026-10-{day:02d}") for s, d, day in bps]
    profile, report = map_bundle(
        bundle(*resources, birth=f"{birth_year}-06-01"),
        index,
        as_of=dt.date(2026, 11, 23),
        source="h.json",
    )
    to_profile(profile, "h.json")  # always valid against CONTRACT §1
    referenced = {i.resource for i in report.items}
    for resource in resources:
        assert f"{resource['resourceType']}/{resource['id']}" in referenced
