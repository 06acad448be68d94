"""From a FHIR R4 bundle (a plain dict) to a CONTRACT §1 profile dict and a report.

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
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ketadecide.errors import InputError, Problem
from ketadecide.fhir.models import CodeIndex, CodesFile, Match
from ketadecide.fhir.values import _codings, _list, _map, _str
from ketadecide.knowledge.models import CONTRACT_SCREEN_FIELDS
from ketadecide.profile import BP_DIASTOLIC_RANGE, BP_SYSTOLIC_RANGE, PROFILE_FIELDS

Status = Literal["mapped", "info", "not_counted", "conflict", "not_mapped", "check"]

#: Report sections, in the order they are printed, with their headings.
SECTIONS: tuple[tuple[Status, str], ...] = (
    ("mapped", "Read into the profile"),
    ("conflict", "Conflicts, settled by a stated rule"),
    ("check", "To check with the person"),
    ("info", "Read, informational only (nothing set)"),
    ("not_counted", "Read, not counted"),
    ("not_mapped", "Not mapped (codes ketadecide does not know)"),
)

READ_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "MedicationStatement",
        "MedicationRequest",
        "Medication",
        "Observation",
        "AllergyIntolerance",
    }
)
ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
UNCONFIRMED = frozenset({"unconfirmed", "provisional", "differential"})
IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
USABLE_OBSERVATION = frozenset({"final", "amended", "corrected"})
MMHG_UNITS = frozenset({"mm[hg]", "mmhg", "mm hg"})
ORDINAL_URLS = frozenset(
    {
        "http://hl7.org/fhir/StructureDefinition/ordinalValue",
        "http://hl7.org/fhir/StructureDefinition/itemWeight",
    }
)
PREGNANCY_RANK = {"none": 0, "planning": 1, "breastfeeding": 2, "pregnant": 3}
#: Longest a pregnancy lasts (42 weeks): an older "pregnant" status is stale.
PREGNANCY_STALE = dt.timedelta(weeks=42)
BP_STALE = dt.timedelta(days=365)
PHQ9_STALE = dt.timedelta(days=30)


@dataclass(frozen=True)
class ReportItem:
    """One thing the import did with one record."""

    status: Status
    message: str
    """What was read and what happened, without the resource id (so repeats can be counted)."""
    resource: str | None = None
    """``Type/id`` of the record (or ``Type, entry N`` when it has no id)."""
    field: str | None = None
    """The profile field set or concerned, if any."""


@dataclass(frozen=True)
class MappingReport:
    """What the import read, set, skipped and could not map, for one bundle."""

    source: str
    as_of: dt.date
    items: tuple[ReportItem, ...]
    read_counts: Mapping[str, int] = field(default_factory=dict)
    """Resources read, by type."""
    skipped_counts: Mapping[str, int] = field(default_factory=dict)
    """Resources of types ketadecide does not read, by type."""

    def of(self, status: Status) -> tuple[ReportItem, ...]:
        return tuple(i for i in self.items if i.status == status)

    @property
    def unmapped_codes(self) -> tuple[str, ...]:
        """The messages of codes that matched nothing in codes.yaml, deduplicated."""
        return tuple(dict.fromkeys(i.message for i in self.of("not_mapped")))

    def lines(self) -> list[str]:
        """The report as plain lines, for stderr. Repeated messages are counted, not repeated."""
        read = ", ".join(f"{n} {t}" for t, n in sorted(self.read_counts.items())) or "nothing"
        out = [f"FHIR import of {self.source} (as of {self.as_of.isoformat()}): read {read}."]
        if self.skipped_counts:
            skipped = ", ".join(f"{n} {t}" for t, n in sorted(self.skipped_counts.items()))
            out.append(f"Not read (types ketadecide does not use): {skipped}.")
        for status, heading in SECTIONS:
            items = self.of(status)
            if not items:
                continue
            out.append(f"{heading}:")
            grouped: dict[str, list[str]] = {}
            for item in items:
                grouped.setdefault(item.message, []).extend([item.resource] if item.resource else [])
            for message, resources in grouped.items():
                where = ""
                if resources:
                    shown = ", ".join(resources[:2]) + (f" and {len(resources) - 2} more" if len(resources) > 2 else "")
                    where = f" [{shown}]"
                out.append(f"  - {message}{where}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for consult pre-fill notes and batch error files)."""
        return {
            "source": self.source,
            "as_of": self.as_of.isoformat(),
            "read": dict(self.read_counts),
            "not_read": dict(self.skipped_counts),
            "items": [
                {"status": i.status, "message": i.message, "resource": i.resource, "field": i.field} for i in self.items
            ],
        }


# ----------------------------------------------------------------------------- code lookup


def _status_code(concept: Any) -> str | None:
    for coding in _codings(concept):
        code = _str(coding.get("code"))
        if code:
            return code
    return None


@dataclass(frozen=True)
class When:
    """A FHIR date or dateTime, with its precision."""

    moment: dt.datetime
    precision: Literal["year", "month", "day", "time"]
    text: str

    @property
    def day(self) -> dt.date:
        return self.moment.date()


def parse_when(value: Any) -> When | None:
    """Parse a FHIR date/dateTime/instant; ``None`` when absent or unreadable."""
    text = _str(value)
    if text is None:
        return None
    try:
        if re.fullmatch(r"\d{4}", text):
            return When(dt.datetime(int(text), 1, 1, tzinfo=dt.UTC), "year", text)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return When(dt.datetime(int(text[:4]), int(text[5:7]), 1, tzinfo=dt.UTC), "month", text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return When(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC), "day", text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return When(moment, "time", text)


def _effective(resource: Mapping[str, Any], *keys: str) -> When | None:
    for key in keys:
        if key in {"effectivePeriod", "onsetPeriod"}:
            period = _map(resource.get(key))
            found = parse_when(period.get("end")) or parse_when(period.get("start"))
        else:
            found = parse_when(resource.get(key))
        if found:
            return found
    return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def age_on(birth: str, as_of: dt.date) -> tuple[int, str | None]:
    """Whole years from a FHIR birthDate to ``as_of``; a partial date gives the lowest age."""
    when = parse_when(birth)
    if when is None:
        raise ValueError(f"'{birth}' is not a FHIR date")
    note = None
    born = when.day
    if when.precision == "year":
        born = dt.date(born.year, 12, 31)
        note = "birth date has the year only; the lowest possible age is used"
    elif when.precision == "month":
        following = dt.date(born.year + (born.month == 12), born.month % 12 + 1, 1)
        born = following - dt.timedelta(days=1)
        note = "birth date has no day; the lowest possible age is used"
    if born > as_of:
        raise ValueError(f"birth date {birth} is after the as-of date {as_of.isoformat()}")
    years = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    return years, note


# ----------------------------------------------------------------------------- the mapping


@dataclass
class _Evidence:
    active: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Bp:
    when: When
    systolic: int
    diastolic: int
    ref: str
    how: str


@dataclass(frozen=True)
class _Score:
    when: When
    value: int
    ref: str


#: Where the reader notes how many older Observations it set aside before validating.
OLDER_OBSERVATIONS_KEY = "_ketadecide_older_observations"


class _Mapper:
    def __init__(self, bundle: Mapping[str, Any], index: CodeIndex, as_of: dt.date, source: str) -> None:
        self.bundle = bundle
        self.index = index
        self.as_of = as_of
        self.as_of_end = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
        self.source = source
        self.items: list[ReportItem] = []
        self.read: dict[str, int] = defaultdict(int)
        self.skipped: dict[str, int] = defaultdict(int)
        self.diagnoses: dict[str, _Evidence] = defaultdict(_Evidence)
        self.conditions: dict[str, _Evidence] = defaultdict(_Evidence)
        self.medications: dict[str, list[str]] = defaultdict(list)
        self.pregnancy_conditions: list[tuple[str, str]] = []
        self.pregnancy_observations: list[tuple[When, str | None, str, str]] = []
        self.bp: list[_Bp] = []
        self.bp_single: dict[str, list[tuple[When, int, str, str]]] = {
            "bp_systolic": [],
            "bp_diastolic": [],
        }
        self.phq_items: dict[int, list[_Score]] = defaultdict(list)
        self.phq_totals: list[_Score] = []
        self.antidepressants: dict[str, list[str]] = {}
        self.by_ref: dict[str, Mapping[str, Any]] = {}
        self.patient_refs: set[str] = set()
        self.patient: Mapping[str, Any] | None = None

    def add(self, status: Status, message: str, resource: str | None = None, field: str | None = None) -> None:
        self.items.append(ReportItem(status, message, resource, field))

    # -- entry points

    def run(self) -> tuple[dict[str, Any], MappingReport]:
        resources = list(self._resources())
        patients = [(i, r) for i, _, r in resources if r.get("resourceType") == "Patient"]
        if len(patients) > 1:
            raise InputError(
                Problem(
                    f"the bundle holds {len(patients)} Patient resources; export one patient per bundle",
                    self.source,
                    f"entry[{patients[1][0]}].resource",
                )
            )
        for _i, full_url, resource in resources:
            rtype = _str(resource.get("resourceType")) or "(no resourceType)"
            rid = _str(resource.get("id"))
            if rid:
                self.by_ref[f"{rtype}/{rid}"] = resource
                self.by_ref[f"urn:uuid:{rid}"] = resource
            if full_url:
                self.by_ref[full_url] = resource
            if rtype == "Patient":
                self.patient = resource
                self.patient_refs = {
                    r
                    for r in (
                        f"Patient/{rid}" if rid else None,
                        full_url,
                        f"urn:uuid:{rid}" if rid else None,
                    )
                    if r
                }
        older = self.bundle.get(OLDER_OBSERVATIONS_KEY)
        if isinstance(older, int) and older:
            self.add(
                "not_counted",
                f"{older} older Observation(s) not read: only the most recent readings of each code are "
                "(the latest blood pressure and PHQ-9 are what the profile uses)",
            )
        profile: dict[str, Any] = {}
        self._patient(profile)
        for i, _, resource in resources:
            rtype = _str(resource.get("resourceType")) or "(no resourceType)"
            if rtype not in READ_TYPES:
                self.skipped[rtype] += 1
                continue
            self.read[rtype] += 1
            ref = f"{rtype}/{resource['id']}" if _str(resource.get("id")) else f"{rtype}, entry {i + 1}"
            if rtype in {"Patient", "Medication"}:
                continue
            if not self._belongs(resource, ref):
                continue
            handler = {
                "Condition": self._condition,
                "MedicationStatement": self._medication,
                "MedicationRequest": self._medication,
                "Observation": self._observation,
                "AllergyIntolerance": self._allergy,
            }[rtype]
            handler(resource, ref)
        self._finish(profile)
        ordered = {k: profile[k] for k in PROFILE_FIELDS if k in profile}
        report = MappingReport(self.source, self.as_of, tuple(self.items), dict(self.read), dict(self.skipped))
        return ordered, report

    def _resources(self) -> Iterator[tuple[int, str | None, Mapping[str, Any]]]:
        for i, entry in enumerate(_list(self.bundle.get("entry"))):
            resource = _map(entry).get("resource")
            if isinstance(resource, Mapping):
                yield i, _str(_map(entry).get("fullUrl")), resource

    def _belongs(self, resource: Mapping[str, Any], ref: str) -> bool:
        subject = _map(resource.get("subject") or resource.get("patient"))
        target = _str(subject.get("reference"))
        if target is None or not self.patient_refs or target in self.patient_refs:
            return True
        self.add("not_counted", f"refers to another patient ({target}); not read", ref)
        return False

    def _after_as_of(self, when: When | None, ref: str, what: str) -> bool:
        if when is not None and when.moment > self.as_of_end:
            self.add("not_counted", f"{what}: dated {when.text}, after the as-of date; not used", ref)
            return True
        return False

    # -- Patient

    def _patient(self, profile: dict[str, Any]) -> None:
        patient = self.patient
        if patient is None:
            self.add("check", "no Patient resource: age is not known (it is required)", None, "age")
            return
        ref = f"Patient/{patient['id']}" if _str(patient.get("id")) else "Patient"
        pid = _str(patient.get("id"))
        if pid and len(pid) <= 200:
            profile["id"] = pid
        birth = _str(patient.get("birthDate"))
        if birth is None:
            self.add(
                "check",
                "the Patient has no birthDate: age is not known (it is required)",
                ref,
                "age",
            )
        else:
            try:
                years, note = age_on(birth, self.as_of)
            except ValueError as exc:
                raise InputError(Problem(str(exc), self.source, "Patient.birthDate")) from None
            profile["age"] = years
            self.add(
                "mapped",
                f"age = {years} (birthDate {birth}, as of {self.as_of.isoformat()})",
                ref,
                "age",
            )
            if note:
                self.add("check", note, ref, "age")
        if patient.get("deceasedBoolean") is True or patient.get("deceasedDateTime"):
            self.add("check", "the Patient is recorded as deceased: is this the right record?", ref)

    # -- Condition

    def _condition(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.index.concept_text(concept)
        verification = _status_code(resource.get("verificationStatus"))
        if verification in IGNORED_VERIFICATION:
            self.add("not_counted", f"{what}: verification status '{verification}'; ignored", ref)
            return
        when = _effective(resource, "onsetDateTime", "onsetPeriod", "recordedDate")
        if self._after_as_of(when, ref, what):
            return
        matches = self.index.lookup_concept("condition", concept)
        if not matches:
            self.add("not_mapped", f"condition {what}", ref)
            return
        clinical = _status_code(resource.get("clinicalStatus"))
        if clinical is None:
            active = not any(k.startswith("abatement") for k in resource)
            if not active:
                clinical = "resolved"
        else:
            active = clinical in ACTIVE_CLINICAL
        if verification in UNCONFIRMED:
            for m in matches:
                self.add(
                    "not_counted",
                    f"{m.how} ({m.entry.label}): verification status '{verification}', not counted; confirm",
                    ref,
                )
            return
        for m in matches:
            self._apply_condition(m, active, clinical or "active", ref)

    def _apply_condition(self, m: Match, active: bool, clinical: str, ref: str) -> None:
        entry = m.entry
        state = "active" if active else clinical
        did_set = False
        for diagnosis in entry.diagnoses:
            ev = self.diagnoses[diagnosis]
            (ev.active if active else ev.resolved).append(ref)
            if active:
                self.add("mapped", f"diagnoses += {diagnosis} <- {m.how}", ref, "diagnoses")
                did_set = True
        for condition in entry.conditions:
            ev = self.conditions[condition]
            counts = active or condition in self.index.history
            (ev.active if counts else ev.resolved).append(ref)
            if counts:
                why = "" if active else f" ({clinical}, counted as a history)"
                self.add("mapped", f"conditions += {condition} <- {m.how}{why}", ref, "conditions")
                did_set = True
        if entry.pregnancy is not None and active:
            self.pregnancy_conditions.append((entry.pregnancy, ref))
            did_set = True
        targets = [
            *entry.diagnoses,
            *entry.conditions,
            *([entry.pregnancy] if entry.pregnancy else []),
        ]
        if did_set:
            if entry.note:
                self.add("check", f"{m.how}: {entry.note}", ref)
        elif targets:
            note = f" ({entry.note})" if entry.note else ""
            self.add(
                "not_counted",
                f"{m.how} ({entry.label}): {state}, not counted for {', '.join(targets)}{note}",
                ref,
            )
        elif entry.note:
            self.add("info", f"{m.how}: {entry.note}", ref)

    # -- Medication

    def _medication(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("medicationCodeableConcept"))
        if not concept:
            target = _str(_map(resource.get("medicationReference")).get("reference"))
            medication = self.by_ref.get(target or "")
            if medication is None:
                contained = [c for c in _list(resource.get("contained")) if isinstance(c, Mapping)]
                medication = next((c for c in contained if target == f"#{c.get('id')}"), None)
            if medication is None:
                self.add(
                    "not_mapped",
                    f"medication reference {target or '(none)'} not found in the bundle",
                    ref,
                )
                return
            concept = _map(medication.get("code"))
        what = self.index.concept_text(concept)
        status = _str(resource.get("status")) or "unknown"
        when = _effective(resource, "effectiveDateTime", "effectivePeriod", "authoredOn", "dateAsserted")
        if self._after_as_of(when, ref, what):
            return
        matches = self.index.lookup_concept("medication", concept)
        if not matches:
            self.add("not_mapped", f"medication {what}", ref)
            return
        active = status == "active" and resource.get("doNotPerform") is not True
        for m in matches:
            if "antidepressant" in m.entry.tags:
                self.antidepressants.setdefault(_medicine_name(concept, m), []).append(status)
            if m.entry.medications and active:
                for med in m.entry.medications:
                    self.medications[med].append(ref)
                    self.add("mapped", f"medications += {med} <- {m.how}", ref, "medications")
            elif m.entry.medications:
                self.add("not_counted", f"{m.how} ({m.entry.label}): status '{status}', not active", ref)
            elif m.entry.note and "antidepressant" not in m.entry.tags:
                self.add("info", f"{m.how}: {m.entry.note}", ref)
            if m.entry.medications and m.entry.note and active:
                self.add("check", f"{m.how}: {m.entry.note}", ref)

    # -- AllergyIntolerance

    def _allergy(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.index.concept_text(concept)
        verification = _status_code(resource.get("verificationStatus"))
        clinical = _status_code(resource.get("clinicalStatus")) or "active"
        matches = self.index.lookup_concept("allergy", concept)
        if not matches:
            self.add("not_mapped", f"allergy {what}", ref)
            return
        state = verification if verification in IGNORED_VERIFICATION else clinical
        for m in matches:
            if verification in IGNORED_VERIFICATION or clinical != "active":
                self.add(
                    "not_counted",
                    f"allergy {m.how}: {state}; not counted",
                    ref,
                )
                continue
            for condition in m.entry.conditions:
                self.conditions[condition].active.append(ref)
                self.add("mapped", f"conditions += {condition} <- allergy {m.how}", ref, "conditions")

    # -- Observation

    def _observation(self, resource: Mapping[str, Any], ref: str) -> None:
        concept = _map(resource.get("code"))
        what = self.index.concept_text(concept)
        matches = self.index.lookup_concept("observation", concept)
        roles = {m.entry.observation for m in matches}
        components = [c for c in _list(resource.get("component")) if isinstance(c, Mapping)]
        component_roles = {
            m.entry.observation
            for c in components
            for m in self.index.lookup_concept("observation", _map(c.get("code")))
        }
        if not matches and not component_roles:
            self.add("not_mapped", f"observation {what}", ref)
            return
        status = _str(resource.get("status")) or "unknown"
        if status not in USABLE_OBSERVATION:
            self.add(
                "not_counted",
                f"{what}: status '{status}'; only final, amended or corrected results are used",
                ref,
            )
            return
        when = _effective(resource, "effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued")
        if when is None:
            self.add("not_counted", f"{what}: no date; not used (the latest reading cannot be told)", ref)
            return
        if self._after_as_of(when, ref, what):
            return
        label = matches[0].how if matches else what
        if "bp_panel" in roles or ({"bp_systolic", "bp_diastolic"} <= component_roles and not roles):
            self._bp_panel(resource, components, when, ref, label)
        elif roles & {"bp_systolic", "bp_diastolic"}:
            role = "bp_systolic" if "bp_systolic" in roles else "bp_diastolic"
            value = self._mmhg(resource, ref, label)
            if value is not None:
                self.bp_single[role].append((when, value, ref, label))
        if roles & {"phq9_panel", "phq9_total"} or any(r and r.startswith("phq9") for r in component_roles):
            for c in components:
                for m in self.index.lookup_concept("observation", _map(c.get("code"))):
                    self._phq(m.entry.observation or "", c, when, ref, m.how)
        for own in roles:
            if own and own.startswith("phq9_") and own != "phq9_panel":
                self._phq(own, resource, when, ref, label)
        if "pregnancy_status" in roles:
            self._pregnancy_status(resource, when, ref, label)

    def _mmhg(self, holder: Mapping[str, Any], ref: str, label: str) -> int | None:
        quantity = _map(holder.get("valueQuantity"))
        value = _number(quantity.get("value"))
        if value is None:
            self.add("not_counted", f"{label}: no numeric value; not used", ref)
            return None
        unit = (_str(quantity.get("code")) or _str(quantity.get("unit")) or "").lower()
        if unit and unit not in MMHG_UNITS:
            self.add("not_counted", f"{label}: unit '{unit}' is not mmHg; not used", ref)
            return None
        return int(value.to_integral_value())

    def _bp_panel(
        self,
        resource: Mapping[str, Any],
        components: list[Mapping[str, Any]],
        when: When,
        ref: str,
        label: str,
    ) -> None:
        values: dict[str, int] = {}
        for c in components:
            for m in self.index.lookup_concept("observation", _map(c.get("code"))):
                if m.entry.observation in {"bp_systolic", "bp_diastolic"}:
                    value = self._mmhg(c, ref, m.how)
                    if value is not None:
                        values[m.entry.observation] = value
        if set(values) != {"bp_systolic", "bp_diastolic"}:
            self.add(
                "not_counted",
                f"{label} on {when.text}: needs both a systolic and a diastolic value; not used",
                ref,
            )
            return
        self._add_bp(when, values["bp_systolic"], values["bp_diastolic"], ref, label)

    def _add_bp(self, when: When, systolic: int, diastolic: int, ref: str, label: str) -> None:
        lo_s, hi_s = BP_SYSTOLIC_RANGE
        lo_d, hi_d = BP_DIASTOLIC_RANGE
        if not (lo_s <= systolic <= hi_s and lo_d <= diastolic <= hi_d) or diastolic >= systolic:
            self.add(
                "not_counted",
                f"blood pressure {systolic}/{diastolic} on {when.text} is not a plausible reading; not used",
                ref,
            )
            return
        self.bp.append(_Bp(when, systolic, diastolic, ref, label))

    def _phq(self, role: str, holder: Mapping[str, Any], when: When, ref: str, label: str) -> None:
        if role == "phq9_total":
            value = _number(holder.get("valueInteger", _map(holder.get("valueQuantity")).get("value")))
            if value is None or not (0 <= value <= 27) or value != value.to_integral_value():
                self.add("not_counted", f"{label}: total is not a whole number 0-27; not used", ref)
                return
            self.phq_totals.append(_Score(when, int(value), ref))
            return
        if not role.startswith("phq9_item_"):
            return
        score = self._phq_score(holder)
        if score is None:
            self.add("not_counted", f"{label}: answer is not a score 0-3; not used", ref)
            return
        self.phq_items[int(role.rsplit("_", 1)[1])].append(_Score(when, score, ref))

    def _phq_score(self, holder: Mapping[str, Any]) -> int | None:
        raw = holder.get("valueInteger", _map(holder.get("valueQuantity")).get("value"))
        value = _number(raw)
        if value is None:
            concept = _map(holder.get("valueCodeableConcept"))
            for coding in _codings(concept):
                match = self.index.lookup("answer", coding)
                if match and match.entry.score is not None:
                    return match.entry.score
                for ext in _list(coding.get("extension")):
                    if _map(ext).get("url") in ORDINAL_URLS:
                        value = _number(_map(ext).get("valueDecimal"))
        if value is None or value != value.to_integral_value() or not (0 <= value <= 3):
            return None
        return int(value)

    def _pregnancy_status(self, resource: Mapping[str, Any], when: When, ref: str, label: str) -> None:
        concept = _map(resource.get("valueCodeableConcept"))
        for coding in _codings(concept):
            match = self.index.lookup("answer", coding)
            if match is None:
                continue
            if match.entry.pregnancy is not None:
                self.pregnancy_observations.append((when, match.entry.pregnancy, ref, f"{label} = {match.how}"))
                return
            self.pregnancy_observations.append((when, None, ref, f"{label} = {match.how}"))
            return
        self.add("not_mapped", f"{label}: value {self.index.concept_text(concept)}", ref)

    # -- combining

    def _finish(self, profile: dict[str, Any]) -> None:
        self._finish_pregnancy(profile)
        diagnoses = [d for d, ev in self.diagnoses.items() if ev.active]
        if diagnoses:
            order = ["mdd", "bipolar_depression", "ptsd", "gad", "ocd", "chronic_pain", "other"]
            profile["diagnoses"] = sorted(diagnoses, key=order.index)
        self._finish_phq9(profile)
        self._finish_bp(profile)
        conditions = sorted(c for c, ev in self.conditions.items() if ev.active)
        if conditions:
            profile["conditions"] = conditions
        if self.medications:
            profile["medications"] = sorted(self.medications)
        for kind, table in (("diagnoses", self.diagnoses), ("conditions", self.conditions)):
            for value, ev in table.items():
                if ev.active and ev.resolved:
                    self.add(
                        "conflict",
                        f"{kind} {value}: active in {', '.join(ev.active)} but resolved or "
                        "inactive in "
                        f"{', '.join(ev.resolved)}; rule: an active record wins, so it is counted",
                        None,
                        kind,
                    )
        if self.antidepressants:
            listed = ", ".join(
                f"{name} ({'/'.join(sorted(set(st)))})" for name, st in sorted(self.antidepressants.items())
            )
            self.add(
                "check",
                f"antidepressants in the record: {listed}. antidepressant_trials is not set: "
                "the record "
                "cannot show whether each trial was adequate (dose, duration) and failed; ask",
                None,
                "antidepressant_trials",
            )
        self.add(
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
            self.add(
                "check",
                f"safety screen not answered by the record, so left not asked: {', '.join(not_asked)} "
                "(no record of a condition or medicine is not a record of 'none'; ask)",
                None,
            )

    def _finish_pregnancy(self, profile: dict[str, Any]) -> None:
        candidates: list[tuple[str, str, str]] = [(v, ref, "active condition") for v, ref in self.pregnancy_conditions]
        if self.pregnancy_observations:
            when, value, ref, how = max(self.pregnancy_observations, key=lambda o: o[0].moment)
            for obs in self.pregnancy_observations:
                if obs[2] != ref:
                    self.add("not_counted", "pregnancy status superseded by a later one", obs[2])
            if value is None:
                self.add(
                    "check",
                    f"{how} on {when.text}: pregnancy status unknown; ask",
                    ref,
                    "pregnancy",
                )
            elif value == "pregnant" and self.as_of - when.day > PREGNANCY_STALE:
                self.add(
                    "check",
                    f"{how} on {when.text} is more than 42 weeks old; not used; ask",
                    ref,
                    "pregnancy",
                )
            else:
                candidates.append((value, ref, f"{how} on {when.text}"))
        if not candidates:
            gender = _str(_map(self.patient).get("gender"))
            if gender != "male":
                self.add(
                    "check",
                    "pregnancy, breastfeeding or plans are not in the record; ask",
                    None,
                    "pregnancy",
                )
            return
        value, ref, how = max(candidates, key=lambda c: PREGNANCY_RANK[c[0]])
        profile["pregnancy"] = value
        self.add("mapped", f"pregnancy = {value} <- {how}", ref, "pregnancy")
        for other_value, other_ref, other_how in candidates:
            if other_ref != ref:
                self.add(
                    "not_counted",
                    f"pregnancy = {other_value} ({other_how}): also read; the value used is {value}",
                    other_ref,
                )
        others = sorted({c[0] for c in candidates} - {value})
        if others:
            self.add(
                "conflict",
                f"pregnancy: the record also says {', '.join(others)}; rule: pregnant > "
                "breastfeeding > planning > none, "
                f"so {value} is used; confirm",
                None,
                "pregnancy",
            )

    def _finish_bp(self, profile: dict[str, Any]) -> None:
        for when, systolic, ref, label in self.bp_single["bp_systolic"]:
            partner = [d for d in self.bp_single["bp_diastolic"] if d[0].moment == when.moment]
            if partner:
                self._add_bp(when, systolic, partner[0][1], ref, label)
            else:
                self.add(
                    "not_counted",
                    f"{label} on {when.text}: no diastolic reading at the same time; not used",
                    ref,
                )
        for when, _, ref, label in self.bp_single["bp_diastolic"]:
            if not any(s[0].moment == when.moment for s in self.bp_single["bp_systolic"]):
                self.add(
                    "not_counted",
                    f"{label} on {when.text}: no systolic reading at the same time; not used",
                    ref,
                )
        if not self.bp:
            self.add("check", "no blood-pressure reading in the record; measure it", None, "bp_systolic")
            return
        latest_day = max(r.when.day for r in self.bp)
        same_day = [r for r in self.bp if r.when.day == latest_day]
        if all(r.when.precision == "time" for r in same_day):
            top = max(r.when.moment for r in same_day)
            tied = [r for r in same_day if r.when.moment == top]
            rule = "the latest time wins"
            if len(tied) > 1:
                rule = "two readings at the same time: the higher one is used"
        else:
            tied = same_day
            rule = "the times cannot order them, so the higher reading is used"
        chosen = max(tied, key=lambda r: (r.systolic, r.diastolic))
        profile["bp_systolic"] = chosen.systolic
        profile["bp_diastolic"] = chosen.diastolic
        self.add(
            "mapped",
            f"bp_systolic/bp_diastolic = {chosen.systolic}/{chosen.diastolic} <- {chosen.how} "
            f"on {chosen.when.text} (latest)",
            chosen.ref,
            "bp_systolic",
        )
        for r in self.bp:
            if r is not chosen:
                self.add("not_counted", "blood-pressure reading superseded by the one used", r.ref)
        others = [r for r in same_day if r is not chosen]
        if others:
            listed = ", ".join(f"{r.systolic}/{r.diastolic} ({r.when.text})" for r in others)
            self.add(
                "conflict",
                f"blood pressure: {len(same_day)} readings on {latest_day.isoformat()} ({listed}); rule: {rule}",
                chosen.ref,
                "bp_systolic",
            )
        age = self.as_of - latest_day
        if age > BP_STALE:
            self.add(
                "check",
                f"the latest blood pressure is {age.days} days old; measure it again",
                chosen.ref,
                "bp_systolic",
            )

    def _finish_phq9(self, profile: dict[str, Any]) -> None:
        days = {s.when.day for scores in self.phq_items.values() for s in scores} | {
            t.when.day for t in self.phq_totals
        }
        if not days:
            self.add("check", "no PHQ-9 in the record", None, "phq9")
            return
        latest = max(days)
        items: list[int] = []
        refs: set[str] = set()
        for n in range(1, 10):
            scores = [s for s in self.phq_items.get(n, []) if s.when.day == latest]
            if not scores:
                break
            chosen = max(scores, key=lambda s: s.when.moment)
            if len({s.value for s in scores}) > 1:
                self.add(
                    "conflict",
                    f"PHQ-9 item {n} has {len(scores)} different answers on "
                    f"{latest.isoformat()}; rule: the latest is used ({chosen.value})",
                    chosen.ref,
                    "phq9",
                )
            items.append(chosen.value)
            refs.add(chosen.ref)
        totals = [t for t in self.phq_totals if t.when.day == latest]
        total = max(totals, key=lambda t: t.when.moment) if totals else None
        if len(items) < 9:
            older = sorted(
                d
                for d in days
                if d < latest and all(any(s.when.day == d for s in self.phq_items.get(n, [])) for n in range(1, 10))
            )
            shown = f" (total {total.value}, {_phq_band(total.value)})" if total else ""
            present = [n for n in range(1, 10) if any(s.when.day == latest for s in self.phq_items.get(n, []))]
            found = f"items {', '.join(map(str, present))} found" if present else "no item answers"
            msg = (
                f"the latest PHQ-9 ({latest.isoformat()}){shown} lacks item answers "
                f"({found}; all nine are needed); phq9 not set"
            )
            if older:
                msg += f"; the complete one from {older[-1].isoformat()} is older, so it is not used"
            self.add("check", msg, total.ref if total else None, "phq9")
            # A positive item 9 must never be lost because the other answers are missing.
            item9 = [s for s in self.phq_items.get(9, []) if s.when.day == latest]
            if item9:
                answer = max(item9, key=lambda s: s.when.moment)
                if answer.value > 0:
                    self.add(
                        "check",
                        f"PHQ-9 item 9 (thoughts of death or self-harm) = {answer.value} on {latest.isoformat()}: "
                        "ask about safety now and record suicidality; 988 Lifeline",
                        answer.ref,
                        "phq9",
                    )
            return
        profile["phq9"] = items
        for scores in self.phq_items.values():
            for score in scores:
                if score.ref not in refs:
                    self.add("not_counted", "PHQ-9 answer superseded by the one used", score.ref)
        for t in self.phq_totals:
            if t.when.day != latest:
                self.add("not_counted", "PHQ-9 total superseded by a later PHQ-9", t.ref)
        where = ", ".join(sorted(refs)[:1]) + (f" and {len(refs) - 1} more" if len(refs) > 1 else "")
        self.add(
            "mapped",
            f"phq9 = {items} (total {sum(items)}, {_phq_band(sum(items))}) <- PHQ-9 of {latest.isoformat()} [{where}]",
            None,
            "phq9",
        )
        if total and total.value != sum(items):
            self.add(
                "conflict",
                f"PHQ-9 of {latest.isoformat()}: recorded total {total.value} but the items "
                f"add up to {sum(items)}; rule: the items are used",
                total.ref,
                "phq9",
            )
        if items[8] > 0:
            self.add(
                "check",
                f"PHQ-9 item 9 (thoughts of death or self-harm) = {items[8]}: ask about safety now; 988 Lifeline",
                None,
                "phq9",
            )
        age = self.as_of - latest
        if age > PHQ9_STALE:
            self.add(
                "check",
                f"the PHQ-9 is {age.days} days old (it covers the two weeks before it); repeat it",
                None,
                "phq9",
            )


def _phq_band(total: int) -> str:
    for upper, band in ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately severe")):
        if total <= upper:
            return band
    return "severe"


def _medicine_name(concept: Mapping[str, Any], match: Match) -> str:
    text = _str(concept.get("text"))
    if text:
        return text
    for coding in _codings(concept):
        display = _str(coding.get("display"))
        if display:
            return display
    return match.entry.label


def map_bundle(
    bundle: Mapping[str, Any],
    codes: CodesFile | CodeIndex,
    *,
    as_of: dt.date,
    source: str = "<bundle>",
) -> tuple[dict[str, Any], MappingReport]:
    """Map one (already validated) FHIR R4 bundle to a profile dict and a report.

    The dict holds only fields found in the record, in CONTRACT order; it is *not* validated
    here (``age`` may be missing). Raises :class:`InputError` only for a bundle that cannot
    describe one person (several Patients, a birth date after ``as_of``).
    """
    index = codes if isinstance(codes, CodeIndex) else CodeIndex(codes)
    return _Mapper(bundle, index, as_of, source).run()


__all__ = ["CodeIndex", "MappingReport", "Match", "ReportItem", "map_bundle"]
