"""Seeded synthetic FHIR R4 patients and bundles, for every test that needs a health record.

Never a real person's record: every name, date and value is drawn from a seeded
``random.Random``, so the same seed always gives the same bundles (byte for byte once
serialised). Reusable across the suite (FHIR import, batch ``--fhir``, the CDS Hooks service):

    from tests.fhir.synth import SynthPatient, cohort, random_patient

    p = SynthPatient("p-1", birth_date=dt.date(1980, 5, 1))
    p.condition("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate")
    p.bp(182, 104, days_ago=8041)             # a 22-year-old reading: stale
    p.phq9([3, 3, 3, 3, 3, 3, 3, 3, 3], days_ago=3)
    bundle = p.bundle(as_of=AS_OF)            # a FHIR R4 Bundle (dict), validated by the import

    for p in cohort(seed=7, count=50, as_of=AS_OF):   # mixed patients, some stale, some deceased
        ...

A :class:`SynthPatient` keeps what was put in (conditions with their clinical meaning,
dated readings, deceased, coverage), so a test can state what the import should read
without re-reading the bundle. Dates are given as ``days_ago`` relative to the ``as_of``
the bundle is built for, so a reading's age is exact whatever the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEMS: dict[str, str] = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "snomed": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "atc": "http://www.whocc.no/atc",
    "sopt": "https://nahdo.org/sopt",
}
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

#: LOINC codes of the PHQ-9 items (in item order), its total, and its answers 0..3.
PHQ9_ITEMS = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)
PHQ9_TOTAL = "44261-6"
PHQ9_ANSWERS = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
#: Pregnancy status (LOINC 82810-3) answers, SNOMED CT.
PREGNANCY_ANSWERS = {"pregnant": "77386006", "none": "60001007", "unknown": "261665006"}
#: Source of Payment Typology codes for the profile's insurance values.
COVERAGE = {
    "medicare": ("1", "Medicare"),
    "medicaid": ("2", "Medicaid"),
    "va_tricare": ("32", "Department of Veterans Affairs"),
    "commercial": ("5", "Private health insurance"),
    "uninsured": ("81", "Self-pay"),
}


@dataclass(frozen=True)
class Code:
    """One coded clinical concept and what a clinician reads it as (the import should too)."""

    system: str
    code: str
    display: str
    diagnoses: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    pregnancy: str | None = None
    history: tuple[str, ...] = ()
    """Condition ids a *resolved* record of this concept still means (a history)."""


#: Conditions a random patient may have: ICD-10-CM and SNOMED CT side by side, and some
#: codes ketadecide does not read (noise a real export is full of). Stable: tests may rely
#: on a seed giving the same patients, so add to the end only.
CONDITIONS: tuple[Code, ...] = (
    Code("icd10cm", "F33.1", "Major depressive disorder, recurrent, moderate", diagnoses=("mdd",)),
    Code("snomed", "370143000", "Major depressive disorder (disorder)", diagnoses=("mdd",)),
    Code("icd10cm", "F43.10", "Post-traumatic stress disorder, unspecified", diagnoses=("ptsd",)),
    Code("snomed", "47505003", "Posttraumatic stress disorder (disorder)", diagnoses=("ptsd",)),
    Code("icd10cm", "F41.1", "Generalized anxiety disorder", diagnoses=("gad",)),
    Code(
        "icd10cm", "F31.32", "Bipolar disorder, current episode depressed, moderate", diagnoses=("bipolar_depression",)
    ),
    Code(
        "icd10cm",
        "F31.11",
        "Bipolar disorder, current episode manic without psychotic features, mild",
        diagnoses=("bipolar_depression",),
        conditions=("current_mania",),
    ),
    Code(
        "icd10cm",
        "F20.9",
        "Schizophrenia, unspecified",
        conditions=("psychosis_history",),
        history=("psychosis_history",),
    ),
    Code(
        "icd10cm",
        "F11.20",
        "Opioid dependence, uncomplicated",
        conditions=("substance_use_disorder_active",),
        history=("substance_use_disorder_history",),
    ),
    Code(
        "icd10cm",
        "F10.21",
        "Alcohol dependence, in remission",
        conditions=("substance_use_disorder_history",),
        history=("substance_use_disorder_history",),
    ),
    Code("icd10cm", "I71.4", "Abdominal aortic aneurysm, without rupture", conditions=("aneurysmal_vascular_disease",)),
    Code(
        "icd10cm", "Q28.2", "Arteriovenous malformation of cerebral vessels", conditions=("arteriovenous_malformation",)
    ),
    Code(
        "icd10cm",
        "I61.9",
        "Nontraumatic intracerebral hemorrhage, unspecified",
        conditions=("intracerebral_hemorrhage_history",),
        history=("intracerebral_hemorrhage_history",),
    ),
    Code("icd10cm", "I16.0", "Hypertensive urgency", conditions=("uncontrolled_hypertension",)),
    Code("icd10cm", "I10", "Essential (primary) hypertension"),
    Code("snomed", "59621000", "Essential hypertension (disorder)"),
    Code(
        "snomed",
        "432119003",
        "Aneurysm (disorder)",
        conditions=("aneurysmal_vascular_disease",),
    ),
    Code(
        "snomed",
        "274100004",
        "Cerebral hemorrhage (disorder)",
        conditions=("intracerebral_hemorrhage_history",),
        history=("intracerebral_hemorrhage_history",),
    ),
    Code("snomed", "82423001", "Chronic pain (disorder)", diagnoses=("chronic_pain",)),
    Code("snomed", "714628002", "Prediabetes (finding)"),
    Code("snomed", "73595000", "Stress (finding)"),
    Code("icd10cm", "J45.909", "Unspecified asthma, uncomplicated"),
    Code(
        "snomed",
        "5602001",
        "Opioid abuse (disorder)",
        conditions=("substance_use_disorder_active",),
        history=("substance_use_disorder_history",),
    ),
    Code("snomed", "231494001", "Mania (disorder)", conditions=("current_mania",), history=("mania_history",)),
    Code(
        "snomed",
        "128609009",
        "Intracranial aneurysm (disorder)",
        conditions=("aneurysmal_vascular_disease",),
    ),
)

#: Active medicines a random patient may take (RxNorm ingredients and ATC classes).
MEDICATIONS: tuple[Code, ...] = (
    Code("rxnorm", "3322", "diazepam", medications=("benzodiazepine",)),
    Code("atc", "N05BA06", "lorazepam", medications=("benzodiazepine",)),
    Code("rxnorm", "28439", "lamotrigine", medications=("lamotrigine",)),
    Code("rxnorm", "7052", "morphine", medications=("opioid",)),
    Code("atc", "N06BA04", "methylphenidate", medications=("psychostimulant",)),
    Code("atc", "N06AF03", "phenelzine", medications=("maoi",)),
    Code("rxnorm", "36437", "sertraline"),
    Code("atc", "N06AB06", "sertraline"),
    Code("rxnorm", "314076", "lisinopril 10 MG Oral Tablet"),
)

#: A condition of pregnancy (ICD-10-CM and SNOMED CT) and of lactation.
PREGNANCY_CONDITIONS: dict[str, Code] = {
    "icd_pregnant": Code("icd10cm", "Z33.1", "Pregnant state, incidental", pregnancy="pregnant"),
    "sct_pregnant": Code("snomed", "77386006", "Pregnancy (finding)", pregnancy="pregnant"),
    "icd_lactating": Code(
        "icd10cm", "Z39.1", "Encounter for care and examination of lactating mother", pregnancy="breastfeeding"
    ),
}

_FIRST = ("Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Avery", "Rowan", "Emery")
_LAST = ("Testperson", "Synthetic", "Example", "Placeholder", "Fixture", "Sample")


@dataclass
class SynthCondition:
    code: Code
    clinical: str = "active"
    verification: str | None = "confirmed"
    onset_days_ago: int = 400


@dataclass
class SynthMedication:
    code: Code
    status: str = "active"
    days_ago: int = 30
    kind: str = "MedicationRequest"


@dataclass
class SynthPatient:
    """One synthetic person: what their record holds, and how to write it as a bundle."""

    id: str
    birth_date: dt.date | None = dt.date(1980, 5, 1)
    gender: str = "female"
    name: tuple[str, str] = ("Alex", "Testperson")
    deceased_days_ago: int | None = None
    deceased_flag: bool = False
    """``deceasedBoolean: true`` (no date), as some exports write it."""
    coverage_kind: str | None = None
    """A profile insurance value (:data:`COVERAGE`), written as a Coverage resource."""
    conditions: list[SynthCondition] = field(default_factory=list)
    medications: list[SynthMedication] = field(default_factory=list)
    bp_readings: list[tuple[int, int, int]] = field(default_factory=list)
    """(systolic, diastolic, days ago)."""
    phq9_forms: list[tuple[tuple[int, ...], int, bool]] = field(default_factory=list)
    """(nine item scores, days ago, whether the total is recorded too)."""
    pregnancy_statuses: list[tuple[str, int]] = field(default_factory=list)
    """(pregnant|none|unknown, days ago)."""

    # ------------------------------------------------------------------ building

    def condition(
        self,
        system: str | Code,
        code: str = "",
        display: str = "",
        *,
        clinical: str = "active",
        verification: str | None = "confirmed",
        onset_days_ago: int = 400,
    ) -> SynthPatient:
        concept = system if isinstance(system, Code) else Code(system, code, display or code)
        self.conditions.append(SynthCondition(concept, clinical, verification, onset_days_ago))
        return self

    def medication(
        self,
        system: str | Code,
        code: str = "",
        display: str = "",
        *,
        status: str = "active",
        days_ago: int = 30,
        kind: str = "MedicationRequest",
    ) -> SynthPatient:
        concept = system if isinstance(system, Code) else Code(system, code, display or code)
        self.medications.append(SynthMedication(concept, status, days_ago, kind))
        return self

    def bp(self, systolic: int, diastolic: int, *, days_ago: int) -> SynthPatient:
        self.bp_readings.append((systolic, diastolic, days_ago))
        return self

    def phq9(self, items: Sequence[int], *, days_ago: int, with_total: bool = True) -> SynthPatient:
        if len(items) != 9 or not all(0 <= i <= 3 for i in items):
            raise ValueError("a PHQ-9 is nine scores 0-3")
        self.phq9_forms.append((tuple(items), days_ago, with_total))
        return self

    def pregnancy(self, status: str, *, days_ago: int) -> SynthPatient:
        if status not in PREGNANCY_ANSWERS:
            raise ValueError(f"pregnancy status is one of {sorted(PREGNANCY_ANSWERS)}")
        self.pregnancy_statuses.append((status, days_ago))
        return self

    def deceased(self, days_ago: int | None = 10) -> SynthPatient:
        """Mark the person deceased (``None``: ``deceasedBoolean`` with no date)."""
        self.deceased_days_ago = days_ago
        self.deceased_flag = days_ago is None
        return self

    def coverage(self, kind: str) -> SynthPatient:
        if kind not in COVERAGE:
            raise ValueError(f"coverage is one of {sorted(COVERAGE)}")
        self.coverage_kind = kind
        return self

    # ------------------------------------------------------------------ what is in it

    @property
    def is_deceased(self) -> bool:
        return self.deceased_flag or self.deceased_days_ago is not None

    def age(self, as_of: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day))

    def expected_conditions(self) -> set[str]:
        """Condition ids the record means: active confirmed conditions, and resolved ones that
        describe a history."""
        out: set[str] = set()
        for c in self.conditions:
            if c.verification not in (None, "confirmed"):
                continue
            out.update(c.code.conditions if c.clinical == "active" else c.code.history)
        return out

    def expected_diagnoses(self) -> set[str]:
        return {
            d
            for c in self.conditions
            if c.clinical == "active" and c.verification in (None, "confirmed")
            for d in c.code.diagnoses
        }

    def expected_medications(self, window_days: int | None = 365) -> set[str]:
        """Medication classes of active orders; with ``window_days`` (the bundled data's
        freshness window for medication lists), only orders no older than it."""
        return {
            m
            for med in self.medications
            if med.status == "active" and (window_days is None or med.days_ago <= window_days)
            for m in med.code.medications
        }

    def latest_bp(self) -> tuple[int, int, int] | None:
        """(systolic, diastolic, days ago) of the most recent reading."""
        return min(self.bp_readings, key=lambda r: r[2]) if self.bp_readings else None

    def latest_phq9(self) -> tuple[tuple[int, ...], int] | None:
        """(items, days ago) of the most recent PHQ-9."""
        if not self.phq9_forms:
            return None
        items, days, _ = min(self.phq9_forms, key=lambda f: f[1])
        return items, days

    # ------------------------------------------------------------------ the bundle

    def bundle(self, as_of: dt.date) -> dict[str, Any]:
        """This person's record as a FHIR R4 ``collection`` Bundle, as it stood on ``as_of``."""
        return _Writer(self, as_of).bundle()

    def json(self, as_of: dt.date) -> str:
        return json.dumps(self.bundle(as_of), sort_keys=True)


class _Writer:
    """Writes one :class:`SynthPatient` as resources with ids unique within the bundle."""

    def __init__(self, person: SynthPatient, as_of: dt.date) -> None:
        self.p = person
        self.as_of = as_of
        self.n = 0
        self.subject = {"reference": f"Patient/{person.id}"}

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{self.p.id}-{prefix}{self.n}"

    def _moment(self, days_ago: int, hour: int = 10) -> str:
        day = self.as_of - dt.timedelta(days=days_ago)
        return f"{day.isoformat()}T{hour:02d}:00:00Z"

    def _day(self, days_ago: int) -> str:
        return (self.as_of - dt.timedelta(days=days_ago)).isoformat()

    def bundle(self) -> dict[str, Any]:
        resources = [self.patient()]
        resources += [self.condition(c) for c in self.p.conditions]
        resources += [self.medication(m) for m in self.p.medications]
        resources += [self.bp(*r) for r in self.p.bp_readings]
        for items, days, with_total in self.p.phq9_forms:
            resources += self.phq9(items, days, with_total)
        resources += [self.pregnancy(s, d) for s, d in self.p.pregnancy_statuses]
        if self.p.coverage_kind:
            resources.append(self.coverage(self.p.coverage_kind))
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
        }

    def patient(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourceType": "Patient",
            "id": self.p.id,
            "gender": self.p.gender,
            "name": [{"family": self.p.name[1], "given": [self.p.name[0]]}],
        }
        if self.p.birth_date:
            out["birthDate"] = self.p.birth_date.isoformat()
        if self.p.deceased_flag:
            out["deceasedBoolean"] = True
        elif self.p.deceased_days_ago is not None:
            out["deceasedDateTime"] = self._moment(self.p.deceased_days_ago)
        return out

    def condition(self, c: SynthCondition) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self._id("cond"),
            "subject": self.subject,
            "code": _concept(c.code),
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": c.clinical}]},
            "onsetDateTime": self._moment(c.onset_days_ago),
        }
        if c.verification:
            out["verificationStatus"] = {"coding": [{"system": VERIFICATION, "code": c.verification}]}
        if c.clinical in {"resolved", "remission", "inactive"}:
            out["abatementDateTime"] = self._moment(max(c.onset_days_ago - 30, 0))
        return out

    def medication(self, m: SynthMedication) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourceType": m.kind,
            "id": self._id("med"),
            "status": m.status,
            "subject": self.subject,
            "medicationCodeableConcept": _concept(m.code),
        }
        if m.kind == "MedicationRequest":
            out["intent"] = "order"
            out["authoredOn"] = self._moment(m.days_ago)
        else:
            out["effectiveDateTime"] = self._moment(m.days_ago)
        return out

    def _observation(self, code: str, days_ago: int, display: str | None = None) -> dict[str, Any]:
        coding = {"system": SYSTEMS["loinc"], "code": code}
        if display:
            coding["display"] = display
        return {
            "resourceType": "Observation",
            "id": self._id("obs"),
            "status": "final",
            "subject": self.subject,
            "code": {"coding": [coding]},
            "effectiveDateTime": self._moment(days_ago),
        }

    def bp(self, systolic: int, diastolic: int, days_ago: int) -> dict[str, Any]:
        out = self._observation("85354-9", days_ago, "Blood pressure panel")
        out["component"] = [
            {"code": {"coding": [{"system": SYSTEMS["loinc"], "code": code}]}, "valueQuantity": _mmhg(value)}
            for code, value in (("8480-6", systolic), ("8462-4", diastolic))
        ]
        return out

    def phq9(self, items: tuple[int, ...], days_ago: int, with_total: bool) -> list[dict[str, Any]]:
        out = []
        for code, score in zip(PHQ9_ITEMS, items, strict=True):
            obs = self._observation(code, days_ago)
            obs["valueCodeableConcept"] = {"coding": [{"system": SYSTEMS["loinc"], "code": PHQ9_ANSWERS[score]}]}
            out.append(obs)
        if with_total:
            total = self._observation(PHQ9_TOTAL, days_ago, "PHQ-9 total score")
            total["valueQuantity"] = {"value": sum(items), "unit": "{score}"}
            out.append(total)
        return out

    def pregnancy(self, status: str, days_ago: int) -> dict[str, Any]:
        obs = self._observation("82810-3", days_ago, "Pregnancy status")
        obs["valueCodeableConcept"] = {"coding": [{"system": SYSTEMS["snomed"], "code": PREGNANCY_ANSWERS[status]}]}
        return obs

    def coverage(self, kind: str) -> dict[str, Any]:
        code, display = COVERAGE[kind]
        return {
            "resourceType": "Coverage",
            "id": self._id("cov"),
            "status": "active",
            "type": {"coding": [{"system": SYSTEMS["sopt"], "code": code, "display": display}]},
            "beneficiary": self.subject,
            "payor": [{"display": display}],
        }


def _concept(code: Code) -> dict[str, Any]:
    return {"coding": [{"system": SYSTEMS[code.system], "code": code.code, "display": code.display}]}


def _mmhg(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}


# ---------------------------------------------------------------------- random patients


def random_patient(
    rng: random.Random,
    as_of: dt.date,
    *,
    pid: str,
    stale: float = 0.3,
    deceased: float = 0.05,
) -> SynthPatient:
    """One random synthetic person. ``stale``: the chance that each dated reading (BP, PHQ-9,
    pregnancy status) is years old; ``deceased``: the chance the person is marked deceased."""
    age_years = rng.choice([rng.randint(12, 17), rng.randint(18, 64), rng.randint(18, 64), rng.randint(65, 90)])
    birth = as_of - dt.timedelta(days=age_years * 365 + rng.randint(10, 350))
    gender = rng.choice(["female", "male"])
    p = SynthPatient(pid, birth_date=birth, gender=gender, name=(rng.choice(_FIRST), rng.choice(_LAST)))

    def days() -> int:
        return rng.randint(400, 9000) if rng.random() < stale else rng.randint(1, 300)

    for code in rng.sample(CONDITIONS, rng.randint(0, 4)):
        clinical = rng.choice(["active", "active", "active", "resolved"])
        p.condition(code, clinical=clinical, onset_days_ago=rng.randint(30, 5000))
    for code in rng.sample(MEDICATIONS, rng.randint(0, 3)):
        p.medication(code, status=rng.choice(["active", "active", "completed"]), days_ago=rng.randint(1, 700))
    for _ in range(rng.randint(0, 3)):
        p.bp(rng.randint(100, 200), rng.randint(60, 115), days_ago=days())
    if rng.random() < 0.6:
        p.phq9([rng.randint(0, 3) for _ in range(9)], days_ago=min(days(), 9000))
    if gender == "female" and rng.random() < 0.4:
        status = rng.choice(["none", "none", "pregnant", "unknown"])
        p.pregnancy(status, days_ago=days())
    if rng.random() < 0.7:
        p.coverage(rng.choice(sorted(COVERAGE)))
    if rng.random() < deceased:
        p.deceased(rng.choice([None, rng.randint(1, 2000)]))
    return p


def cohort(seed: int, count: int, as_of: dt.date, **kwargs: Any) -> list[SynthPatient]:
    """``count`` random synthetic people from one seed (ids ``synth-<seed>-<n>``)."""
    rng = random.Random(seed)
    return [random_patient(rng, as_of, pid=f"synth-{seed}-{n}", **kwargs) for n in range(1, count + 1)]


def write_folder(patients: Sequence[SynthPatient], folder: Path, as_of: dt.date) -> list[Path]:
    """One ``<id>.json`` bundle per person in ``folder`` (the form ``batch --fhir DIR`` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in patients:
        path = folder / f"{p.id}.json"
        path.write_text(p.json(as_of), encoding="utf-8")
        paths.append(path)
    return paths


def write_ndjson(patients: Sequence[SynthPatient], path: Path, as_of: dt.date) -> Path:
    """One bundle per line (the NDJSON form ``batch --fhir FILE.ndjson`` reads)."""
    path.write_text("".join(p.json(as_of) + "\n" for p in patients), encoding="utf-8")
    return path


def iter_codes(codes_yaml: Mapping[str, Any]) -> Iterator[tuple[str, Code]]:
    """For each condition entry of a parsed ``codes.yaml``, one :class:`Code` per listed code,
    carrying the entry's meaning: ``(entry key, code)``. Lets a test run every mapped
    condition code through the import."""
    history = set(codes_yaml.get("history", {}).get("conditions", []))
    for key, entry in codes_yaml["entries"].items():
        if entry.get("record") != "condition":
            continue
        conditions = tuple(entry.get("conditions", ()))
        resolved = (entry["resolved_as"],) if entry.get("resolved_as") else ()
        for code in entry.get("codes", ()):
            yield (
                key,
                Code(
                    entry["system"],
                    str(code),
                    entry.get("label", key),
                    diagnoses=tuple(entry.get("diagnoses", ())),
                    conditions=conditions,
                    pregnancy=entry.get("pregnancy"),
                    history=tuple(dict.fromkeys((*(c for c in conditions if c in history), *resolved))),
                ),
            )


__all__ = [
    "CONDITIONS",
    "COVERAGE",
    "MEDICATIONS",
    "PREGNANCY_CONDITIONS",
    "Code",
    "SynthPatient",
    "cohort",
    "iter_codes",
    "random_patient",
    "write_folder",
    "write_ndjson",
]
