"""The reference reading of one batch row, in plain Python (no heavy dependencies).

A batch row is decided exactly as a single profile is: converted to a mapping, then
:func:`ketadecide.profile.parse_profile` and :func:`ketadecide.engine.check_profile_ids`.
The vectorised SQL in :mod:`ketadecide.batch.validate_sql` must agree with this module
on every row (the differential tests check it); any row the SQL flags is re-decided
here, which also gives the error messages that go to the errors file.

Three kinds of cell reach this module:

* **text** (every CSV cell, and Parquet string columns) -- converted by the CSV rules of
  CONTRACT §1: empty = not given; integers are ``-?[0-9]+``; numbers are decimal
  (``12``, ``12.5``, ``1e3``); booleans ``true/false/yes/no/1/0`` in any case; lists
  and ``phq9`` are ``;``-separated, and the cell ``none`` in a list column is "asked,
  none" (``[]``). Nothing is trimmed: ``" 42"`` is not an age.
* **json** (a JSONL line) -- parsed with :func:`ketadecide.safeyaml.load_json`
  (duplicate keys and NaN refused) and validated as a profile file would be: strictly
  typed, ``null`` meaning "not given" only where a field may be left out.
* **typed** (Parquet non-string columns) -- the value as pyarrow gives it; a null cell
  is "not given", an empty list "asked, none".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ketadecide.engine.evaluate import check_profile_ids
from ketadecide.engine.result import Result
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, PROFILE_FIELDS, SURE_FIELDS, VALUE_FIELDS, Profile, parse_profile
from ketadecide.safeyaml import load_json

INT_FIELDS: tuple[str, ...] = (
    "age",
    "antidepressant_trials",
    "bp_systolic",
    "bp_diastolic",
    "course_sessions",
    *VALUE_FIELDS,
)
NUMBER_FIELDS: tuple[str, ...] = ("budget_per_session",)
BOOL_FIELDS: tuple[str, ...] = (
    "has_driver",
    "can_attend_twice_weekly",
    "prefers_home",
    "needle_averse",
    "financial_stress",
    *SURE_FIELDS,
)
LIST_FIELDS: tuple[str, ...] = ("diagnoses", "conditions", "medications")
ENUM_FIELDS: tuple[str, ...] = (
    "pregnancy",
    "suicidality",
    "insurance",
    "course_modality",
    "course_response",
    "course_dissociation",
)

#: Regular expressions shared, character for character, with the SQL validator.
INT_PATTERN = r"-?[0-9]+"
NUMBER_PATTERN = r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
TRUE_WORDS: frozenset[str] = frozenset({"true", "yes", "1"})
FALSE_WORDS: frozenset[str] = frozenset({"false", "no", "0"})
LIST_SEPARATOR = ";"
#: The CSV cell of a list column that means "asked, none" (``[]``); only the whole cell.
NONE_CELL = "none"

_INT_RE = re.compile(INT_PATTERN)
_NUMBER_RE = re.compile(NUMBER_PATTERN)


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


def text_value(field: str, text: str) -> tuple[Any, str | None]:
    """Convert one non-empty text cell by the CSV rules: (value, error message or None)."""
    if field in INT_FIELDS:
        if _INT_RE.fullmatch(text):
            return int(text), None
        return None, f"expected a whole number (got {_shown(text)})"
    if field in NUMBER_FIELDS:
        if _NUMBER_RE.fullmatch(text):
            return float(text), None
        return None, f"expected a number (got {_shown(text)})"
    if field in BOOL_FIELDS:
        word = text.lower() if text.isascii() else ""
        if word in TRUE_WORDS:
            return True, None
        if word in FALSE_WORDS:
            return False, None
        return None, f"expected true/false, yes/no or 1/0 (got {_shown(text)})"
    if field in LIST_FIELDS:
        if text == NONE_CELL:
            return [], None
        return text.split(LIST_SEPARATOR), None
    if field == "phq9":
        parts = text.split(LIST_SEPARATOR)
        if all(_INT_RE.fullmatch(p) for p in parts):
            return [int(p) for p in parts], None
        return None, f"expected nine ';'-separated item scores 0-3 (got {_shown(text)})"
    # id, enums and unknown columns: the text itself (parse_profile judges it).
    return text, None


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one row was decided: a profile, or the problems that keep it out."""

    profile: Profile | None
    problems: tuple[Problem, ...]
    row_id: str | None
    """The row's ``id`` when it could be read as text (for the errors file)."""


def _id_of(mapping: Mapping[str, Any]) -> str | None:
    value = mapping.get("id")
    return value if isinstance(value, str) else None


def _decide(
    mapping: dict[str, Any], kb: KnowledgeBase, row: int | None, skip_fields: Collection[str] = ()
) -> tuple[Profile | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        profile = parse_profile(mapping, row=row)
    except InputError as exc:
        problems.extend(p for p in exc.problems if (p.field or "").split("[")[0].split(".")[0] not in skip_fields)
        return None, problems
    try:
        check_profile_ids(profile, kb, row=row)
    except InputError as exc:
        problems.extend(exc.problems)
        return None, problems
    return profile, problems


def check_text_record(cells: Mapping[str, str | None], kb: KnowledgeBase, *, row: int | None = None) -> Verdict:
    """Decide a row of text cells (a CSV row): empty or missing cells are not given."""
    return check_cells(cells, kb, row=row, text_fields=None)


def check_cells(
    cells: Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    row: int | None = None,
    text_fields: Collection[str] | None = None,
) -> Verdict:
    """Decide a row of cells (CSV or Parquet). A null (or, for text, empty) cell is not given.

    ``text_fields`` names the columns whose cells are text (converted by the CSV rules);
    ``None`` means all of them.
    """
    mapping: dict[str, Any] = {}
    problems: list[Problem] = []
    failed: set[str] = set()
    for name, value in cells.items():
        if value is None:
            continue
        if (text_fields is None or name in text_fields) and isinstance(value, str):
            if value == "":
                continue
            converted, error = text_value(name, value)
            if error is not None:
                problems.append(Problem(error, field=name, row=row))
                failed.add(name)
                continue
            mapping[name] = converted
        else:
            mapping[name] = value
    profile, more = _decide(mapping, kb, row, skip_fields=failed)
    problems.extend(more)
    if failed and "age" in failed:
        # age could not be read, so parse_profile saw it missing; that is already reported.
        problems = [p for p in problems if not (p.field == "age" and "missing" in p.message)]
    raw_id = cells.get("id")
    return Verdict(
        profile if not problems else None,
        tuple(sorted(problems, key=_problem_order)),
        raw_id if isinstance(raw_id, str) and raw_id != "" else None,
    )


def _problem_order(p: Problem) -> int:
    name = (p.field or "").split("[")[0]
    return PROFILE_FIELDS.index(name) if name in PROFILE_FIELDS else len(PROFILE_FIELDS)


def check_json_line(line: str, kb: KnowledgeBase, *, row: int | None = None) -> Verdict:
    """Decide one JSONL line as a profile file holding the same JSON would be decided."""
    if line.strip() == "":
        return Verdict(None, (Problem("empty line, expected a JSON object", row=row),), None)
    try:
        data = load_json(line, "")
    except InputError as exc:
        return Verdict(None, tuple(Problem(p.message, None, p.field, row) for p in exc.problems), None)
    if not isinstance(data, dict):
        try:
            parse_profile(data, row=row)
        except InputError as exc:
            return Verdict(None, exc.problems, None)
    assert isinstance(data, dict)
    profile, problems = _decide(data, kb, row)
    return Verdict(profile, tuple(problems), _id_of(data))


def ragged_problem(text: str, expected: int, actual: int, row: int) -> Problem:
    return Problem(
        f"the line has {actual} field{'s' if actual != 1 else ''}, the header has {expected}",
        row=row,
    )


def ragged_id(text: str, header: list[str]) -> str | None:
    """The id cell of a CSV line that could not be split into the header's columns."""
    if "id" not in header:
        return None
    try:
        cells = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return None
    k = header.index("id")
    return cells[k] if len(cells) > k and cells[k] else None


def output_row(result: Result, profile: Profile, row: int) -> dict[str, Any]:
    """The batch output row for one evaluated profile (the same columns the SQL produces)."""
    out: dict[str, Any] = {
        "id": profile.id,
        "crisis": result.crisis.triggered,
        "missing": LIST_SEPARATOR.join(m.field for m in result.missing),
    }
    for m in MODALITY_IDS:
        mod = result.modality(m)
        out[f"{m}_status"] = mod.status
        out[f"{m}_indication"] = mod.indication.status
        out[f"{m}_findings"] = LIST_SEPARATOR.join(f.id for f in mod.findings)
        out[f"{m}_likely_covered"] = mod.coverage.likely_covered
    out["row"] = row
    out["insurance"] = profile.insurance
    return out


def output_columns() -> list[str]:
    """The output columns in order: CONTRACT §5's, then ``row`` and ``insurance``."""
    cols = ["id", "crisis", "missing"]
    for m in MODALITY_IDS:
        cols += [f"{m}_status", f"{m}_indication", f"{m}_findings", f"{m}_likely_covered"]
    return [*cols, "row", "insurance"]
