"""Reading a session log and deriving the course from it: pure, no printing.

A session log is a CSV with one row per session, in date order::

    date,modality,dose,phq9_total,dissociation,bp
    2026-01-05,iv,0.5,22,moderate,128/82

``date`` (YYYY-MM-DD), ``modality`` (spravato, iv, im, compounded) and ``dose`` (a number,
in whatever unit the clinic uses, consistently) are required in every row; ``phq9_total``
(0-27), ``dissociation`` (none, mild, moderate, severe, or tolerable / too_intense) and
``bp`` (systolic/diastolic) may be left empty. An optional ``therapeutic`` column (yes/no)
marks the sessions at the full dose explicitly; without it they are derived with the
titration rule in ``troubleshooting.yaml`` (seed_002: titration time does not count).

The course's response is derived with the response definitions in the same file (ICSI:
a PHQ-9 drop of 50% or more is a response, 25% to under 50% partial, under 25% none).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from ketadecide.citations import Ref
from ketadecide.engine.result import Worded
from ketadecide.errors import InputError, Problem, shown_name
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.troubleshooting import TroubleshootingFile
from ketadecide.lang import trf
from ketadecide.predicates import holds, iter_compares
from ketadecide.profile import (
    BP_DIASTOLIC_RANGE,
    BP_FIELDS,
    BP_SYSTOLIC_RANGE,
    MODALITY_IDS,
    PHQ9_MAX,
    CourseResponse,
    ModalityId,
)
from ketadecide.safeyaml import read_text
from ketadecide.troubleshoot.engine import troubleshooting_file

REQUIRED_COLUMNS: tuple[str, ...] = ("date", "modality", "dose", "phq9_total")
OPTIONAL_COLUMNS: tuple[str, ...] = ("dissociation", "bp", "therapeutic")
DISSOCIATION_VALUES: tuple[str, ...] = ("none", "mild", "moderate", "severe", "tolerable", "too_intense")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

#: A course of a few years at weekly sessions is a few hundred rows.
MAX_ROWS = 2000
MAX_LOG_BYTES = 1024 * 1024

_RANK = {"none": 0, "partial": 1, "sustained": 2}


@dataclass(frozen=True, slots=True)
class Session:
    """One logged session."""

    row: int
    """1-based position in the log, the header not counted."""
    date: dt.date
    modality: ModalityId
    dose: float
    phq9_total: int | None
    dissociation: str | None
    bp: tuple[int, int] | None
    therapeutic: bool | None
    """As marked in the log's ``therapeutic`` column; None when not marked."""


@dataclass(frozen=True, slots=True)
class CourseSummary:
    """A course as derived from its log."""

    modality: ModalityId
    sessions: tuple[Session, ...]
    """The sessions of this course (the log's latest modality), in date order."""
    full_dose: tuple[bool, ...]
    """For each session, whether it counts toward the response window."""
    window: int
    """Full-dose sessions after which this modality's course is judged."""
    window_estimate: bool
    baseline_phq9: int | None
    """The first PHQ-9 total of the course."""
    latest_phq9: int | None
    best_phq9: int | None
    """The lowest PHQ-9 total after the first."""
    change: float | None
    """Relative drop from the first to the latest score (0.5 = 50% lower); None if not measurable."""
    best_change: float | None
    response: CourseResponse | None
    """none, partial, fading or sustained (CONTRACT §1 values); None if not measurable."""
    remission: bool | None
    dissociation: str | None
    """tolerable or too_intense, from the latest ratings; None when none were given."""
    highest_bp: tuple[int, int] | None
    response_line: float | None
    """The PHQ-9 total at or below which the course counts as a response (from the first score)."""
    remission_below: int
    """A PHQ-9 total below this is remission."""
    notes: tuple[Worded, ...]
    definitions: Worded
    definition_refs: tuple[Ref, ...]

    @property
    def sessions_full_dose(self) -> int:
        return sum(self.full_dose)

    def facts(self) -> dict[str, Any]:
        """The course in CONTRACT §1 fields, as the troubleshooting rules read them."""
        return {
            "course_modality": self.modality,
            "course_sessions": self.sessions_full_dose,
            "course_response": self.response,
            "course_dissociation": self.dissociation,
        }


def read_session_log(path: Path | str) -> tuple[Session, ...]:
    """Read and validate a session log file; :class:`InputError` names the row and column."""
    name = str(path)
    return parse_session_log(read_text(Path(path), max_bytes=MAX_LOG_BYTES), name)


def parse_session_log(text: str, source: str = "<log>") -> tuple[Session, ...]:
    """Validate the text of a session log (every problem reported at once)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _parse_session_log(reader, source)
    except csv.Error as exc:
        # e.g. a cell over the csv module's field size limit: bad input, not a bug.
        raise InputError(Problem(f"malformed CSV: {exc}", source, row=max(reader.line_num - 1, 1))) from None


def _parse_session_log(reader: csv.DictReader[str], source: str) -> tuple[Session, ...]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(Problem("the session log is empty (expected a header row)", source))
    problems: list[Problem] = []
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for number, col in enumerate(header, start=1):
        if col not in known:
            use = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
            if shown_name(col) is None:  # perhaps not a session log at all: quote nothing of it
                problems.append(Problem(f"column {number} of the header is not a column name (use {use})", source))
            else:
                problems.append(Problem(f"unknown column (use {use})", source, col))
    for col in REQUIRED_COLUMNS:
        if col not in header:
            problems.append(Problem("required column is missing", source, col))
    if len(set(header)) != len(header):
        problems.append(Problem("a column name appears twice", source))
    if problems:
        raise InputError(problems)
    reader.fieldnames = header
    sessions: list[Session] = []
    for index, raw in enumerate(reader, start=1):
        if index > MAX_ROWS:
            raise InputError(
                Problem(f"more than {MAX_ROWS} sessions; split the log", source, row=index, line=index + 1)
            )
        if None in raw:
            problems.append(Problem("more cells than columns", source, row=index, line=index + 1))
            continue
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue  # a blank line
        session = _parse_row(cells, index, source, problems)
        if session is not None:
            if sessions and session.date < sessions[-1].date:
                problems.append(
                    Problem(
                        f"dates must be in order; {session.date} is before the row above",
                        source,
                        "date",
                        index,
                        index + 1,
                    )
                )
            sessions.append(session)
    if problems:
        raise InputError(problems)
    if not sessions:
        raise InputError(Problem("the session log has no sessions", source))
    return tuple(sessions)


def _parse_row(cells: dict[str, str], row: int, source: str, problems: list[Problem]) -> Session | None:
    before = len(problems)

    def bad(field: str, message: str) -> None:
        # A session log has a header line: data row N is line N + 1 of the file.
        problems.append(Problem(message, source, field, row, row + 1))

    for col in REQUIRED_COLUMNS:
        if col != "phq9_total" and not cells.get(col):
            bad(col, "required value is empty")
    date: dt.date | None = None
    if cells.get("date"):
        try:
            date = dt.date.fromisoformat(cells["date"])
        except ValueError:
            bad("date", f"expected a date as YYYY-MM-DD (got {cells['date'][:40]!r})")
    modality = cells.get("modality", "").lower()
    if modality and modality not in MODALITY_IDS:
        bad("modality", f"expected one of {', '.join(MODALITY_IDS)} (got {modality[:40]!r})")
    dose: float | None = None
    if cells.get("dose"):
        try:
            dose = float(cells["dose"])
        except ValueError:
            bad("dose", f"expected a number (got {cells['dose'][:40]!r})")
        else:
            if not 0 < dose < 1e6:  # also rejects nan
                bad("dose", "expected a dose above 0")
    phq9: int | None = None
    if cells.get("phq9_total"):
        text = cells["phq9_total"]
        if text.isdigit() and 0 <= int(text) <= PHQ9_MAX:
            phq9 = int(text)
        else:
            bad("phq9_total", f"expected a whole number from 0 to {PHQ9_MAX} (got {text[:40]!r})")
    dissociation = cells.get("dissociation", "").lower() or None
    if dissociation is not None and dissociation not in DISSOCIATION_VALUES:
        bad("dissociation", f"expected one of {', '.join(DISSOCIATION_VALUES)} (got {dissociation[:40]!r})")
    bp = _parse_bp(cells.get("bp", ""), bad)
    therapeutic: bool | None = None
    flag = cells.get("therapeutic", "").lower()
    if flag in _TRUE:
        therapeutic = True
    elif flag in _FALSE:
        therapeutic = False
    elif flag:
        bad("therapeutic", f"expected yes or no (got {flag[:40]!r})")
    if len(problems) > before or date is None or dose is None:
        return None
    return Session(row, date, modality, dose, phq9, dissociation, bp, therapeutic)  # type: ignore[arg-type]


def _parse_bp(text: str, bad: Any) -> tuple[int, int] | None:
    if not text:
        return None
    systolic, sep, diastolic = text.partition("/")
    if not sep or not systolic.strip().isdigit() or not diastolic.strip().isdigit():
        bad("bp", f"expected systolic/diastolic such as 128/82 (got {text[:40]!r})")
        return None
    s, d = int(systolic), int(diastolic)
    if not BP_SYSTOLIC_RANGE[0] <= s <= BP_SYSTOLIC_RANGE[1] or not BP_DIASTOLIC_RANGE[0] <= d <= BP_DIASTOLIC_RANGE[1]:
        bad("bp", f"{s}/{d} is outside the plausible range; is it a typo?")
        return None
    if d >= s:
        bad("bp", f"diastolic must be lower than systolic (got {s}/{d}); were they swapped?")
        return None
    return (s, d)


def _bp_notes(course: Sequence[Session], modality: ModalityId, kb: KnowledgeBase) -> list[Worded]:
    """The latest pre-dose blood pressure against the knowledge base's own BP screens.

    The thresholds are the data's (the screens that read only blood pressure), so a clinic's
    rules apply here as they do to a profile; the note says where the readings started.
    """
    readings = [s.bp for s in course if s.bp is not None]
    if not readings:
        return []
    (s, d), (s0, d0) = readings[-1], readings[0]
    facts = {"bp_systolic": s, "bp_diastolic": d}
    notes = []
    for screen in kb.screens.values():
        fields = {c.field for c in iter_compares(screen.when)}
        if (
            not fields
            or not fields <= set(BP_FIELDS)
            or modality not in screen.severity
            or not holds(screen.when, facts)
        ):
            continue
        since = f" (first logged {s0}/{d0})" if (s0, d0) != (s, d) else ""
        since_patient = trf(" (first logged {s0}/{d0})", s0=s0, d0=d0) if (s0, d0) != (s, d) else ""
        severity = screen.severity[modality]
        notes.append(
            Worded(
                f"Latest pre-dose BP {s}/{d}{since}: {screen.name} ({severity} for this modality). {screen.clinician}",
                trf("Your latest blood pressure before a dose was {s}/{d}{since}.", s=s, d=d, since=since_patient)
                + f" {screen.patient}",
            )
        )
    return notes


def summarize_log(sessions: Sequence[Session], kb: KnowledgeBase) -> CourseSummary:
    """Derive the course (full-dose sessions, response, dissociation) from a validated log."""
    if not sessions:
        raise InputError(Problem("the session log has no sessions"))
    data = troubleshooting_file(kb)
    modality: ModalityId = sessions[-1].modality
    course = tuple(s for s in sessions if s.modality == modality)
    notes: list[Worded] = []
    earlier = len(sessions) - len(course)
    if earlier:
        name = kb.modalities[modality].short_name
        notes.append(
            Worded(
                f"{earlier} logged session(s) of another modality were left out; the course judged is "
                f"the latest one ({name}).",
                trf(
                    "{earlier} earlier session(s) with a different treatment are not counted here; "
                    "only your {name} sessions are.",
                    earlier=earlier,
                    name=name,
                ),
            )
        )
    full = _full_dose(course, modality, data)
    below = len(course) - sum(full)
    if below:
        notes.append(
            Worded(
                f"{below} of {len(course)} sessions were below the full dose (titration) and do not "
                "count toward the response window.",
                trf(
                    "{below} of your {total} sessions were at a lower dose while it was being raised; "
                    "they do not count yet.",
                    below=below,
                    total=len(course),
                ),
            )
        )
    notes += _bp_notes(course, modality, kb)
    scores = [s.phq9_total for s in course if s.phq9_total is not None]
    baseline = scores[0] if scores else None
    latest = scores[-1] if scores else None
    best = min(scores[1:]) if len(scores) > 1 else None
    change = best_change = None
    response: CourseResponse | None = None
    if len(scores) < 2:
        notes.append(
            Worded(
                "Fewer than two PHQ-9 totals in the log: response cannot be derived.",
                "There are not yet two questionnaire scores to compare.",
            )
        )
    elif baseline == 0:
        notes.append(
            Worded(
                "The first PHQ-9 total is 0: a relative change cannot be measured.",
                "Your first score was 0, so there is no change to measure.",
            )
        )
    else:
        assert baseline is not None and latest is not None and best is not None
        change = (baseline - latest) / baseline
        best_change = (baseline - best) / baseline
        response = classify(change, best_change, data)
    remission = None if latest is None or len(scores) < 2 else latest < data.response.remission_below
    return CourseSummary(
        modality=modality,
        sessions=course,
        full_dose=full,
        window=data.courses[modality].judge_after_sessions,
        window_estimate=data.courses[modality].estimate,
        baseline_phq9=baseline,
        latest_phq9=latest,
        best_phq9=best,
        change=change,
        best_change=best_change,
        response=response,
        remission=remission,
        dissociation=_dissociation(course, data),
        highest_bp=max((s.bp for s in course if s.bp is not None), default=None),
        response_line=None if baseline is None else baseline * (1 - data.response.response_min_drop),
        remission_below=data.response.remission_below,
        notes=tuple(notes),
        definitions=Worded(data.response.clinician, data.response.patient),
        definition_refs=kb.refs(tuple(dict.fromkeys(data.response.sources + data.titration.sources))),
    )


def _category(change: float, data: TroubleshootingFile) -> str:
    # Rounded so that a drop that is exactly on a cut-off (e.g. 11/22) lands on it.
    drop = round(change, 9)
    if drop >= data.response.response_min_drop:
        return "sustained"
    if drop >= data.response.partial_min_drop:
        return "partial"
    return "none"


def classify(change: float, best_change: float, data: TroubleshootingFile) -> CourseResponse:
    """The response category of a course from its latest and best relative PHQ-9 drops.

    ``fading`` when the best level reached (partial or response) is no longer met by the
    latest score: improvement, then rebound.
    """
    now, best = _category(change, data), _category(best_change, data)
    if _RANK[best] > _RANK[now]:
        return "fading"
    result = now
    assert result in get_args(CourseResponse)
    return result  # type: ignore[return-value]


def _full_dose(course: Sequence[Session], modality: ModalityId, data: TroubleshootingFile) -> tuple[bool, ...]:
    rule = data.courses[modality]
    highest = max(s.dose for s in course)
    threshold = rule.therapeutic_min_dose
    if threshold is None:
        threshold = highest * data.titration.fraction_of_highest_dose
    return tuple(s.therapeutic if s.therapeutic is not None else s.dose >= threshold - 1e-9 for s in course)


def _dissociation(course: Sequence[Session], data: TroubleshootingFile) -> str | None:
    rated = [s.dissociation for s in course if s.dissociation is not None]
    if not rated:
        return None
    recent = rated[-data.dissociation.recent_sessions :]
    return "too_intense" if any(r in data.dissociation.too_intense_values for r in recent) else "tolerable"
