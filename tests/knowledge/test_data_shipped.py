"""The shipped knowledge base: valid, fully cited, and holding the clinical floor."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base, validate_data_dir
from ketadecide.knowledge import KnowledgeBase
from ketadecide.knowledge.loader import CONTRACT_CONDITIONS, CONTRACT_MEDICATIONS
from ketadecide.profile import MODALITY_IDS, parse_profile
from tests.conftest import DATA_DIR
from tests.strategies import profile_records

SHIPPED = load_knowledge_base(DATA_DIR)
SPRAVATO_LABEL_CONTRAINDICATIONS = (
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage_history",
    "ketamine_hypersensitivity",
)


def test_shipped_data_validates_without_errors_or_warnings() -> None:
    report = validate_data_dir(DATA_DIR)
    assert report.errors == ()
    # Staleness warnings appear by design a year after review; anything else is a defect.
    assert [w for w in report.warnings if "12 months" not in w.message] == []


def test_contract_ids_defined(kb: KnowledgeBase) -> None:
    assert set(CONTRACT_CONDITIONS) <= set(kb.conditions)
    assert set(CONTRACT_MEDICATIONS) <= set(kb.medications)


def test_every_rule_has_sources_wording_and_a_date(kb: KnowledgeBase) -> None:
    for group in (kb.conditions, kb.medications, kb.screens):
        for rule_id, rule in group.items():
            assert rule.sources, rule_id
            assert all(kb.cite(s) for s in rule.sources)
            assert rule.clinician.strip() and rule.patient.strip() and rule.plain_name.strip(), rule_id
            assert rule.reviewed.year >= 2026, rule_id


@pytest.mark.parametrize("condition", SPRAVATO_LABEL_CONTRAINDICATIONS)
def test_spravato_label_contraindications_are_absolute(kb: KnowledgeBase, condition: str) -> None:
    assert kb.conditions[condition].severity["spravato"] == "absolute"
    result = evaluate(parse_profile({"age": 40, "conditions": [condition]}), kb)
    assert result.modality("spravato").status == "contraindicated"


def test_hypersensitivity_absolute_for_all(kb: KnowledgeBase) -> None:
    assert all(kb.conditions["ketamine_hypersensitivity"].severity[m] == "absolute" for m in MODALITY_IDS)


def test_crisis_message_has_988_and_emergency_room(kb: KnowledgeBase) -> None:
    for text in (kb.crisis.clinician, kb.crisis.patient):
        assert "988" in text
        assert "emergency" in text.lower() and "911" in text


NEVER_ELIGIBLE_ANYWHERE = [
    {"pregnancy": "pregnant"},
    {"pregnancy": "breastfeeding"},
    {"conditions": ["psychosis_history"]},
    {"conditions": ["substance_use_disorder_active"]},
    {"conditions": ["current_mania"]},
    {"conditions": ["ketamine_hypersensitivity"]},
]


@settings(max_examples=300, deadline=None)
@given(record=profile_records(SHIPPED), floor=st.sampled_from(NEVER_ELIGIBLE_ANYWHERE))
def test_clinical_floor_holds_for_any_profile(record: dict[str, object], floor: dict[str, object]) -> None:
    merged = dict(record)
    for key, value in floor.items():
        if key == "conditions":
            merged["conditions"] = sorted({*record.get("conditions", []), *value})  # type: ignore[misc]
        else:
            merged[key] = value
    result = evaluate(parse_profile(merged), SHIPPED)
    assert all(m.status != "eligible" for m in result.modalities)


@settings(max_examples=300, deadline=None)
@given(record=profile_records(SHIPPED), age=st.integers(0, 17))
def test_under_18_never_eligible_for_spravato(record: dict[str, object], age: int) -> None:
    result = evaluate(parse_profile({**record, "age": age}), SHIPPED)
    assert result.modality("spravato").status != "eligible"
