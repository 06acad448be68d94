"""What a FHIR import tells: one :class:`ReportItem` per thing done with a record, and the
:class:`MappingReport` of a bundle (printed to stderr, or JSON for consult and batch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ketadecide.engine.result import RecordNotes, StaleValue

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
    stale: tuple[StaleValue, ...] = ()
    """Values older than their window: listed, not used (CONTRACT §3 ``stale``)."""
    record_conflicts: tuple[str, ...] = ()
    """Kinds of record conflict raised (``pregnancy``), for the data's conflict rules."""
    deceased: bool = False
    """The Patient is recorded as deceased: never scored."""

    def notes(self) -> RecordNotes:
        """What the comparison needs beyond the profile (``evaluate(..., record=...)``)."""
        return RecordNotes(self.stale, self.record_conflicts)

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
            "stale": [
                {
                    "field": s.field,
                    "value": s.value,
                    "date": s.date.isoformat(),
                    "window_days": s.window_days,
                    "source": s.source,
                    "record": s.record,
                }
                for s in self.stale
            ],
            "record_conflicts": list(self.record_conflicts),
            "deceased": self.deceased,
        }


__all__ = ["SECTIONS", "MappingReport", "ReportItem", "Status"]
