"""From a FHIR R4 bundle (a plain dict) to a CONTRACT §1 profile dict and a report.

:func:`map_bundle` reads each resource with the module of its kind (:mod:`.patient`,
:mod:`.conditions`, :mod:`.medications`, :mod:`.observations`, :mod:`.phq9`,
:mod:`.pregnancy`), which all write to one :class:`~ketadecide.fhir.common.Record` and its
report (:mod:`.report`), then merges what they gathered into one profile.

Pure: no file access, no printing, no fhir.resources (the reader validates the bundle
first; this module only reads dicts, defensively). Every code found is accounted for in
the :class:`MappingReport`: mapped, informational, not counted (and why), in conflict
(and the rule that settled it) or not mapped. Nothing is dropped silently.

The rules, stated once (they are also in docs/fhir.md):

- Conditions count while ``clinicalStatus`` is active, recurrence or relapse (absent: active
  unless an abatement is given) and ``verificationStatus`` is confirmed or absent.
  Provisional, differential and unconfirmed records are listed but not counted; refuted and
  entered-in-error ones are ignored. Ids listed under ``history`` in codes.yaml (e.g.
  psychosis_history) also count from resolved records: a resolved psychosis is a history
  of psychosis. When an active and a resolved record give the same value, the active one wins.
- Medications count when a MedicationStatement or MedicationRequest is ``active``. Codes
  are looked up first; when no code matches, the medicine's name is matched in its text.
- Blood pressure: the latest reading (panel 85354-9 with components 8480-6/8462-4, or a
  systolic and a diastolic observation with the same time). Readings on the same day are
  ordered by time; when the times cannot order them, the higher reading is used.
- PHQ-9: the nine item answers from the latest day on which a PHQ-9 was recorded; a total
  without the nine items does not fill ``phq9`` (the profile needs the items).
- Pregnancy: pregnant > breastfeeding > planning > none among active records and the
  latest pregnancy-status observation; a "pregnant" status older than 42 weeks is stale.
- Anything dated after ``as_of`` is not used (the record as it stood on that date).
- Suicidality and antidepressant_trials are never set from a record; the report says why.
- "Asked, none" (``[]``) is never inferred: no active medication, or no condition that maps,
  leaves ``medications`` / ``conditions`` absent ("not asked"), and ``pregnancy`` is set only
  from a pregnancy observation or condition (never "none" for a missing one, whatever the
  gender). The report lists the safety-screen fields the record leaves not asked.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ketadecide.engine.result import Audience
from ketadecide.errors import InputError, Problem
from ketadecide.fhir.common import OLDER_OBSERVATIONS_KEY, READ_TYPES, Record, Window
from ketadecide.fhir.conditions import Conditions
from ketadecide.fhir.medications import Medications
from ketadecide.fhir.observations import Observations
from ketadecide.fhir.patient import map_patient
from ketadecide.fhir.phq9 import Band, Phq9
from ketadecide.fhir.pregnancy import finish_pregnancy
from ketadecide.fhir.report import MappingReport, ReportItem
from ketadecide.knowledge.files.codes import CodeIndex, CodesFile, Match
from ketadecide.knowledge.jsonvalues import _list, _map, _str
from ketadecide.knowledge.models import CONTRACT_SCREEN_FIELDS, FreshnessRule
from ketadecide.profile import PROFILE_FIELDS


def _resources(bundle: Mapping[str, Any]) -> Iterator[tuple[int, str | None, Mapping[str, Any]]]:
    for i, entry in enumerate(_list(bundle.get("entry"))):
        resource = _map(entry).get("resource")
        if isinstance(resource, Mapping):
            yield i, _str(_map(entry).get("fullUrl")), resource


def _index_resources(record: Record, resources: list[tuple[int, str | None, Mapping[str, Any]]]) -> None:
    """Note each resource by its references, and the one Patient (several are an error)."""
    patients = [(i, r) for i, _, r in resources if r.get("resourceType") == "Patient"]
    if len(patients) > 1:
        raise InputError(
            Problem(
                f"the bundle holds {len(patients)} Patient resources; export one patient per bundle",
                record.source,
                f"entry[{patients[1][0]}].resource",
            )
        )
    for _i, full_url, resource in resources:
        rtype = _str(resource.get("resourceType")) or "(no resourceType)"
        rid = _str(resource.get("id"))
        if rid:
            record.by_ref[f"{rtype}/{rid}"] = resource
            record.by_ref[f"urn:uuid:{rid}"] = resource
        if full_url:
            record.by_ref[full_url] = resource
        if rtype == "Patient":
            record.patient = resource
            record.patient_refs = {
                r
                for r in (
                    f"Patient/{rid}" if rid else None,
                    full_url,
                    f"urn:uuid:{rid}" if rid else None,
                )
                if r
            }


def map_bundle(
    bundle: Mapping[str, Any],
    codes: CodesFile | CodeIndex,
    *,
    as_of: dt.date,
    source: str = "<bundle>",
    bands: Sequence[Band] | None = None,
    windows: Mapping[str, Window] | None = None,
) -> tuple[dict[str, Any], MappingReport]:
    """Map one (already validated) FHIR R4 bundle to a profile dict and a report.

    The dict holds only fields found in the record, in CONTRACT order; it is *not* validated
    here (``age`` may be missing). Raises :class:`InputError` only for a bundle that cannot
    describe one person (several Patients, a birth date after ``as_of``).

    ``bands`` are the PHQ-9 severity bands ``(low, high, name)`` the report names a total
    with: a knowledge base's (:func:`ketadecide.fhir.reader.phq9_bands`); by default the bundled questions.yaml's.
    ``windows`` are the freshness windows by profile field (:func:`windows_of` a knowledge
    base's ``freshness`` data); by default the bundled data's. A value older than its window is
    in ``report.stale``, not in the profile.
    """
    index = codes if isinstance(codes, CodeIndex) else CodeIndex(codes)
    record = Record(index, as_of, source, windows=default_windows() if windows is None else windows)
    resources = list(_resources(bundle))
    _index_resources(record, resources)
    older = bundle.get(OLDER_OBSERVATIONS_KEY)
    if isinstance(older, int) and older:
        record.add(
            "not_counted",
            f"{older} older Observation(s) not read: only the most recent readings of each code are "
            "(the latest blood pressure and PHQ-9 are what the profile uses)",
        )
    profile: dict[str, Any] = {}
    map_patient(record, profile)
    conditions = Conditions(record)
    medications = Medications(record)
    phq9 = Phq9(record, default_phq9_bands() if bands is None else bands)
    observations = Observations(record, phq9)
    handlers = {
        "Condition": conditions.condition,
        "MedicationStatement": medications.medication,
        "MedicationRequest": medications.medication,
        "Observation": observations.observation,
        "AllergyIntolerance": conditions.allergy,
    }
    read: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = defaultdict(int)
    for i, _, resource in resources:
        rtype = _str(resource.get("resourceType")) or "(no resourceType)"
        if rtype not in READ_TYPES:
            skipped[rtype] += 1
            continue
        read[rtype] += 1
        ref = f"{rtype}/{resource['id']}" if _str(resource.get("id")) else f"{rtype}, entry {i + 1}"
        if rtype in {"Patient", "Medication"}:
            continue
        if not record.belongs(resource, ref):
            continue
        handlers[rtype](resource, ref)
    # Merged in this order, which is the order of the report's lines.
    finish_pregnancy(record, conditions.pregnancy_conditions, observations.pregnancy_observations, profile)
    phq9.finish(profile)
    observations.finish_bp(profile)
    conditions.finish(profile)
    medications.finish(profile)
    _ask_what_a_record_cannot_tell(record, profile)
    ordered = {k: profile[k] for k in PROFILE_FIELDS if k in profile}
    report = MappingReport(
        record.source,
        record.as_of,
        tuple(record.items),
        dict(read),
        dict(skipped),
        stale=tuple(record.stale),
        record_conflicts=tuple(sorted(record.record_conflicts)),
        deceased=record.deceased,
    )
    return ordered, report


def windows_of(freshness: Mapping[str, FreshnessRule]) -> dict[str, Window]:
    """The freshness windows of a knowledge base's data, by the profile field they govern."""
    return {
        field: Window(rule.window_days, "; ".join(rule.sources), dict(rule.by_value))
        for rule in freshness.values()
        for field in rule.fields
    }


@functools.cache
def default_windows() -> dict[str, Window]:
    """The bundled data's freshness windows (cited there)."""
    from ketadecide.knowledge.loader import default_data_dir, validate_files

    report = validate_files(default_data_dir(), check_freshness=False, lazy_extras=True)
    if report.knowledge_base is None:
        raise InputError(report.errors)
    return windows_of(report.knowledge_base.freshness)


#: The report names a PHQ-9 band by its short (patient) name in questions.yaml: "minimal".
BAND_WORDING: Audience = "patient"


@functools.cache
def default_phq9_bands() -> tuple[Band, ...]:
    """The PHQ-9 severity bands of the bundled questions.yaml (cited there)."""
    from ketadecide.knowledge.loader import bundled_questions

    return bundled_questions().phq9_bands(BAND_WORDING)


def _ask_what_a_record_cannot_tell(record: Record, profile: dict[str, Any]) -> None:
    record.add(
        "check",
        "suicidality is never read from a record: ask about suicidal thoughts now "
        "(in danger: call or text 988, or go to the nearest emergency room)",
        None,
        "suicidality",
    )
    not_asked = [f for f in CONTRACT_SCREEN_FIELDS if f not in profile]
    if not_asked:
        # A record that lists nothing is not a record of "none": these stay "not asked",
        # and the comparison says "incomplete" until someone asks.
        record.add(
            "check",
            f"safety screen not answered by the record, so left not asked: {', '.join(not_asked)} "
            "(no record of a condition or medicine is not a record of 'none'; ask)",
            None,
        )


__all__ = ["CodeIndex", "MappingReport", "Match", "ReportItem", "map_bundle"]
