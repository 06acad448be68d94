"""Patient-facing text at Flesch-Kincaid grade 8 or below, measured per section (issue 15).

The new decision-support sections are measured in tests/decision/test_decision_support.py; these are
the texts a patient already read before them: the rules' plain wording, the modality
details, coverage, the indication, the crisis and disclaimer texts, the handout's checklist
and questions, and the consult's questions. Measured with ketadecide.readability (offline).
"""

from __future__ import annotations

from typing import Any

import pytest

from ketadecide.floor import load_knowledge_base
from ketadecide.readability import fk_grade
from ketadecide.safeyaml import load_yaml
from tests.conftest import DATA_DIR

KB = load_knowledge_base(DATA_DIR)
GRADE = 8.0


def _patient_texts(node: Any) -> list[str]:
    """Every ``patient`` wording in a data file, wherever it sits."""
    if isinstance(node, dict):
        return [
            t
            for key, value in node.items()
            for t in ([value] if key == "patient" and isinstance(value, str) else _patient_texts(value))
        ]
    if isinstance(node, list):
        return [t for value in node for t in _patient_texts(value)]
    return []


def _file(name: str) -> list[str]:
    return _patient_texts(load_yaml((DATA_DIR / name).read_text(), name))


SECTIONS: dict[str, list[str]] = {
    "rules": [r.patient for r in (*KB.conditions.values(), *KB.medications.values(), *KB.screens.values())],
    "modality details": [
        getattr(m.details, key).patient for m in KB.modalities.values() for key in type(m.details).model_fields
    ],
    "coverage": [
        getattr(m.coverage, payer).patient
        for m in KB.modalities.values()
        for payer in ("commercial", "medicare", "medicaid", "va_tricare", "uninsured")
    ],
    "indication": [t for m in KB.modalities.values() for t in _patient_texts(m.indication.model_dump())],
    "crisis and disclaimer": [KB.crisis.patient, KB.disclaimer.patient],
    "consult questions": _file("questions.yaml"),
    "handout and troubleshooting": _file("troubleshooting.yaml"),
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_patient_text_reads_at_grade_8_or_below(section: str) -> None:
    texts = SECTIONS[section]
    assert texts, section
    grade = fk_grade(" ".join(texts))
    assert grade <= GRADE, f"{section}: grade {grade:.1f}"


def test_the_measure_tells_plain_from_dense_text() -> None:
    """The check can fail: clinical prose scores far above the limit."""
    dense = KB.conditions["aneurysmal_vascular_disease"].clinician + " " + KB.disclaimer.clinician
    assert fk_grade(dense) > 12
    assert fk_grade("You can stop at any time. Ask your nurse.") < 4
