"""What every FHIR resource kind shares: reading dates and numbers, the record being mapped
(its as-of date, the code index, the report being written) and the rules common to kinds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ketadecide.engine.result import StaleValue
from ketadecide.fhir.report import ReportItem, Status
from ketadecide.knowledge.files.codes import CodeIndex
from ketadecide.knowledge.jsonvalues import _codings, _map, _str

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

#: Where the reader notes how many older Observations it set aside before validating.
OLDER_OBSERVATIONS_KEY = "_ketadecide_older_observations"


# ----------------------------------------------------------------------------- reading values


def status_code(concept: Any) -> str | None:
    """The first code of a status CodeableConcept (clinicalStatus, verificationStatus)."""
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


def effective(resource: Mapping[str, Any], *keys: str) -> When | None:
    """The first date found under ``keys`` (a period gives its end, else its start)."""
    for key in keys:
        if key in {"effectivePeriod", "onsetPeriod"}:
            period = _map(resource.get(key))
            found = parse_when(period.get("end")) or parse_when(period.get("start"))
        else:
            found = parse_when(resource.get(key))
        if found:
            return found
    return None


def number(value: Any) -> Decimal | None:
    """A finite JSON number as a Decimal; ``None`` for anything else (booleans too)."""
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


# ----------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """How old a value of one field may be (days), per value where the data says so."""

    days: int
    source: str
    by_value: Mapping[str, int] = field(default_factory=dict)

    def days_for(self, value: Any) -> int:
        return self.by_value.get(value, self.days) if isinstance(value, str) else self.days


# ----------------------------------------------------------------------------- the mapping


# ----------------------------------------------------------------------------- the record


@dataclass
class Record:
    """One bundle being mapped: what every resource kind reads and writes to.

    ``items`` is the one report list, in the order things were done; each kind's module adds
    to it through :meth:`add`.
    """

    index: CodeIndex
    as_of: dt.date
    source: str
    items: list[ReportItem] = field(default_factory=list)
    by_ref: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """Resources by ``Type/id``, ``urn:uuid:id`` and fullUrl (for medicationReference)."""
    patient: Mapping[str, Any] | None = None
    patient_refs: set[str] = field(default_factory=set)
    windows: Mapping[str, Window] = field(default_factory=dict)
    """Freshness windows by profile field (from the knowledge base's ``freshness`` data)."""
    stale: list[StaleValue] = field(default_factory=list)
    """Values too old to use, each with its date and window (CONTRACT §3 ``stale``)."""
    record_conflicts: set[str] = field(default_factory=set)
    """Kinds of record conflict raised (``pregnancy``), for the conflict rules with ``record``."""
    deceased: bool = False
    as_of_end: dt.datetime = field(init=False)
    """The last moment of the as-of day: anything dated later is not used."""

    def __post_init__(self) -> None:
        self.as_of_end = dt.datetime.combine(self.as_of, dt.time.max, tzinfo=dt.UTC)

    def add(self, status: Status, message: str, resource: str | None = None, field: str | None = None) -> None:
        self.items.append(ReportItem(status, message, resource, field))

    def belongs(self, resource: Mapping[str, Any], ref: str) -> bool:
        """Whether ``resource`` is about this record's patient (reported when it is not)."""
        subject = _map(resource.get("subject") or resource.get("patient"))
        target = _str(subject.get("reference"))
        if target is None or not self.patient_refs or target in self.patient_refs:
            return True
        self.add("not_counted", f"refers to another patient ({target}); not read", ref)
        return False

    def too_old(self, field: str, value: Any, when: When, ref: str | None, what: str) -> bool:
        """Whether a value dated ``when`` is older than its field's window; when it is, it is
        listed as stale and reported (never used as current)."""
        window = self.windows.get(field)
        if window is None:
            return False
        days = window.days_for(value)
        age = (self.as_of - when.day).days
        if age <= days:
            return False
        self.stale.append(StaleValue(field, value, when.day, days, window.source, ref))
        self.add(
            "check",
            f"{what} on {when.text} is {age} days old, older than its {days}-day window: "
            "not used as current; measure or ask again",
            ref,
            field,
        )
        return True

    def after_as_of(self, when: When | None, ref: str, what: str) -> bool:
        """Whether ``when`` is after the as-of date (reported as not used when it is)."""
        if when is not None and when.moment > self.as_of_end:
            self.add("not_counted", f"{what}: dated {when.text}, after the as-of date; not used", ref)
            return True
        return False
