"""Builders of small synthetic FHIR R4 bundles for the tests. No real person, anywhere."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

SYSTEMS = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "snomed": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "atc": "http://www.whocc.no/atc",
}
_ids = itertools.count(1)
PATIENT_ID = "p1"
SUBJECT = {"reference": f"Patient/{PATIENT_ID}"}


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": SYSTEMS.get(system, system), "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system, code, display)]}


def patient(birth: str | None = "1980-05-01", gender: str = "female", pid: str = PATIENT_ID) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": pid, "gender": gender}
    if birth:
        out["birthDate"] = birth
    return out


def condition(
    code: str,
    system: str = "icd10cm",
    *,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    onset: str | None = "2020-01-01",
    display: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": _id("c"),
        "subject": SUBJECT,
        "code": concept(system, code, display),
    }
    if clinical:
        out["clinicalStatus"] = concept("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical)
    if verification:
        out["verificationStatus"] = concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification)
    if onset:
        out["onsetDateTime"] = onset
    out.update(extra)
    return out


def med_statement(
    code: str | None, system: str = "atc", *, status: str = "active", text: str | None = None
) -> dict[str, Any]:
    med: dict[str, Any] = concept(system, code) if code else {}
    if text:
        med["text"] = text
    return {
        "resourceType": "MedicationStatement",
        "id": _id("ms"),
        "status": status,
        "subject": SUBJECT,
        "medicationCodeableConcept": med,
    }


def med_request(
    code: str, system: str = "rxnorm", *, status: str = "active", display: str | None = None
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": _id("mr"),
        "status": status,
        "intent": "order",
        "subject": SUBJECT,
        "medicationCodeableConcept": concept(system, code, display),
        "authoredOn": "2026-01-01",
    }


def _quantity(value: float, unit: str = "mm[Hg]") -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}


def bp_panel(
    systolic: float, diastolic: float, when: str, *, status: str = "final", unit: str = "mm[Hg]"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id("bp"),
        "status": status,
        "subject": SUBJECT,
        "code": concept("loinc", "85354-9", "Blood pressure panel"),
        "effectiveDateTime": when,
        "component": [
            {"code": concept("loinc", "8480-6"), "valueQuantity": _quantity(systolic, unit)},
            {"code": concept("loinc", "8462-4"), "valueQuantity": _quantity(diastolic, unit)},
        ],
    }


def vital(loinc: str, value: float, when: str, unit: str = "mm[Hg]") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id("v"),
        "status": "final",
        "subject": SUBJECT,
        "code": concept("loinc", loinc),
        "effectiveDateTime": when,
        "valueQuantity": _quantity(value, unit),
    }


PHQ9_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]
PHQ_ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def phq_items(scores: list[int], when: str, *, coded: bool = True) -> list[dict[str, Any]]:
    out = []
    for code, score in zip(PHQ9_ITEMS, scores, strict=True):
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": _id("phq"),
            "status": "final",
            "subject": SUBJECT,
            "code": concept("loinc", code),
            "effectiveDateTime": when,
        }
        if coded:
            obs["valueCodeableConcept"] = concept("loinc", PHQ_ANSWERS[score])
        else:
            obs["valueInteger"] = score
        out.append(obs)
    return out


def phq_total(total: int, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id("phqt"),
        "status": "final",
        "subject": SUBJECT,
        "code": concept("loinc", "44261-6"),
        "effectiveDateTime": when,
        "valueQuantity": {"value": total, "unit": "{score}"},
    }


def pregnancy_status(answer_code: str, when: str, system: str = "snomed") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id("preg"),
        "status": "final",
        "subject": SUBJECT,
        "code": concept("loinc", "82810-3"),
        "effectiveDateTime": when,
        "valueCodeableConcept": concept(system, answer_code),
    }


def allergy(text: str, *, clinical: str = "active") -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": _id("al"),
        "patient": SUBJECT,
        "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", clinical),
        "code": {"text": text},
    }


def bundle(
    *resources: dict[str, Any] | list[dict[str, Any]],
    with_patient: bool = True,
    birth: str = "1980-05-01",
) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for r in resources:
        flat.extend(r if isinstance(r, list) else [r])
    if with_patient and not any(r["resourceType"] == "Patient" for r in flat):
        flat.insert(0, patient(birth))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r.get('id', i)}", "resource": r} for i, r in enumerate(flat)],
    }


ROOT = Path(__file__).resolve().parents[2]


def make_fhir_kb(directory: Path) -> Path:
    """A copy of the shipped data directory (with its codes.yaml), to modify in a test."""
    for f in (ROOT / "data").iterdir():
        if f.is_file():
            shutil.copy(f, directory / f.name)
    return directory
