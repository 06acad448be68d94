"""The Patient resource: the profile's ``id`` and ``age`` (whole years on the as-of date)."""

from __future__ import annotations

from typing import Any

from ketadecide.errors import InputError, Problem
from ketadecide.fhir.common import Record, age_on
from ketadecide.knowledge.jsonvalues import _str


def map_patient(record: Record, profile: dict[str, Any]) -> None:
    """Set ``id`` and ``age`` in ``profile`` from the record's one Patient, and report it."""
    patient = record.patient
    if patient is None:
        record.add("check", "no Patient resource: age is not known (it is required)", None, "age")
        return
    ref = f"Patient/{patient['id']}" if _str(patient.get("id")) else "Patient"
    pid = _str(patient.get("id"))
    if pid and len(pid) <= 200:
        profile["id"] = pid
    birth = _str(patient.get("birthDate"))
    if birth is None:
        record.add(
            "check",
            "the Patient has no birthDate: age is not known (it is required)",
            ref,
            "age",
        )
    else:
        try:
            years, note = age_on(birth, record.as_of)
        except ValueError as exc:
            raise InputError(Problem(str(exc), record.source, "Patient.birthDate")) from None
        profile["age"] = years
        record.add(
            "mapped",
            f"age = {years} (birthDate {birth}, as of {record.as_of.isoformat()})",
            ref,
            "age",
        )
        if note:
            record.add("check", note, ref, "age")
    if patient.get("deceasedBoolean") is True or patient.get("deceasedDateTime"):
        # Never scored: batch --fhir writes an error row, compare --fhir refuses.
        record.deceased = True
        record.add("check", "the Patient is recorded as deceased: is this the right record?", ref)
