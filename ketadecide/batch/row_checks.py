"""Checking one batch row in plain Python: the reference the SQL validation must agree with.

Everything about one row's validity is here: converting its cells, deciding it
(:func:`check_row`), the lines that could not be split into cells
(:func:`bad_line_errors`), and the :class:`RowError` each problem becomes.

A batch row is decided exactly as a single profile is: converted to a mapping, then
:func:`ketadecide.profile.parse_profile` and :func:`ketadecide.engine.check_profile_ids`.
The vectorised SQL in :mod:`ketadecide.batch.sql.validate` must agree with this module
on every row (the differential tests check it); any row the SQL flags is re-decided
here, which also gives the error messages (row errors).

Three kinds of cell reach this module:

* **text** (every CSV cell, and Parquet string columns) -- converted by the CSV rules of
  CONTRACT §1: empty = not given; integers are decimal digits without a leading zero
  (``0|-?[1-9][0-9]*``, as a YAML file reads them); numbers are decimal
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

from ketadecide.engine.evaluate import check_profile_ids, unknown_id_problems
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import (
    PROFILE_FIELDS,
    Profile,
    cell_hint,
    fields_of_kind,
    parse_profile,
    typed_whole_number,
    typed_whole_numbers,
)
from ketadecide.safeyaml import load_json

#: Field kinds, from the profile's one field table.
INT_FIELDS: tuple[str, ...] = fields_of_kind("int")
NUMBER_FIELDS: tuple[str, ...] = fields_of_kind("number")
BOOL_FIELDS: tuple[str, ...] = fields_of_kind("bool")
LIST_FIELDS: tuple[str, ...] = fields_of_kind("enum_list", "id_list")
ENUM_FIELDS: tuple[str, ...] = fields_of_kind("enum")
#: Free text (``id``, ``plan_notes``) and dates (``plan_decide_by``): the cell is the value.
TEXT_FIELDS: tuple[str, ...] = fields_of_kind("str")
DATE_FIELDS: tuple[str, ...] = fields_of_kind("date")

#: Regular expressions shared, character for character, with the SQL validator.
#: Decimal digits only, as the YAML loader reads them (safeyaml.DECIMAL_INT): `065`, `-0` and
#: `+5` are errors in a CSV row as in a file, so both give the same answer (CONTRACT §1).
INT_PATTERN = r"(?:0|-?[1-9][0-9]*)"
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
        return None, f"expected a whole number (got {_shown(text)}){cell_hint(field, text)}"
    if field in NUMBER_FIELDS:
        if _NUMBER_RE.fullmatch(text):
            return float(text), None
        return None, f"expected a number (got {_shown(text)}){cell_hint(field, text)}"
    if field in BOOL_FIELDS:
        word = text.lower() if text.isascii() else ""
        if word in TRUE_WORDS:
            return True, None
        if word in FALSE_WORDS:
            return False, None
        return None, f"expected true/false, yes/no or 1/0 (got {_shown(text)}){cell_hint(field, text)}"
    if field in LIST_FIELDS:
        if text == NONE_CELL:
            return [], None
        return text.split(LIST_SEPARATOR), None
    if field == "phq9":
        parts = text.split(LIST_SEPARATOR)
        if all(_INT_RE.fullmatch(p) for p in parts):
            return [int(p) for p in parts], None
        return None, f"expected nine ';'-separated item scores 0-3 (got {_shown(text)})"
    # Free text, dates, enums and unknown columns: the text itself (parse_profile judges it).
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
    profile, problems = _parsed(mapping, kb, row, skip_fields)
    if any(_ID_PROBLEM.match(p.field or "") or p.field == "insurance" for p in problems):
        # An unknown condition or medication, said as a profile file says it: with the id
        # probably meant (``Xanax`` -> ``benzodiazepine``); a carrier or state-plan name in
        # ``insurance`` with the kinds it may mean (``Aetna``, ``Medi-Cal``).
        from ketadecide.knowledge.names import with_id_hints

        problems = list(with_id_hints(InputError(problems), mapping, kb).problems)
    return profile, problems


def _parsed(
    mapping: dict[str, Any], kb: KnowledgeBase, row: int | None, skip_fields: Collection[str] = ()
) -> tuple[Profile | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        profile = parse_profile(mapping, row=row)
    except InputError as exc:
        problems.extend(p for p in exc.problems if (p.field or "").split("[")[0].split(".")[0] not in skip_fields)
        # CONTRACT §5, one line per problem: the unknown ids of lists that parsed are problems
        # too, though the profile failed on another field.
        failed = {(p.field or "").split("[")[0].split(".")[0] for p in exc.problems} | set(skip_fields)
        lists = {
            field: ids
            for field in ("conditions", "medications")
            if field not in failed
            and isinstance(ids := mapping.get(field), list | tuple)
            and all(isinstance(x, str) for x in ids)
        }
        problems.extend(unknown_id_problems(lists, kb, row=row))
        return None, problems
    try:
        check_profile_ids(profile, kb, row=row)
    except InputError as exc:
        problems.extend(exc.problems)
        return None, problems
    return profile, problems


_ID_PROBLEM = re.compile(r"^(?:conditions|medications)\[[0-9]+\]$")


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
            mapping[name] = typed_whole_number(name, value)
    profile, more = _decide(mapping, kb, row, skip_fields=failed)
    problems.extend(more)
    if failed and "age" in failed:
        # age could not be read, so parse_profile saw it missing; that is already reported.
        problems = [p for p in problems if not (p.field == "age" and "missing" in p.message)]
    raw_id = cells.get("id")
    return Verdict(
        profile if not problems else None,
        tuple(sorted(problems, key=problem_order)),
        raw_id if isinstance(raw_id, str) and raw_id != "" else None,
    )


def problem_order(p: Problem) -> int:
    """Where a row's problem goes in its errors: by field, in the profile's order (unknown
    columns last); sorted stably, so one field's problems keep their own order."""
    name = (p.field or "").split("[")[0]
    return PROFILE_FIELDS.index(name) if name in PROFILE_FIELDS else len(PROFILE_FIELDS)


def check_json_line(line: str, kb: KnowledgeBase, *, row: int | None = None, ignore: Collection[str] = ()) -> Verdict:
    """Decide one JSONL line as a profile file holding the same JSON would be decided
    (the keys in ``ignore``, ``--keep`` columns, left out)."""
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
    fields = {k: v for k, v in data.items() if k not in ignore} if ignore else data
    profile, problems = _decide(typed_whole_numbers(fields), kb, row)
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


#: Longest id copied into a row error (the contract allows ids of up to 200 characters).
MAX_ECHOED_ID = 200


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one input row (one line of the errors file, CONTRACT §5)."""

    row: int
    """The record's 1-based position in the input, the CSV header not counted."""
    id: str | None
    """The row's ``id`` when it could be read, cut to :data:`MAX_ECHOED_ID` characters."""
    field: str | None
    """The field (or column) at fault, if one is."""
    error: str
    """What is wrong."""

    @classmethod
    def of(cls, row: int, row_id: str | None, problem: Problem) -> RowError:
        # An id is echoed to help find the row, not to copy a hostile cell: a 3 MB "id"
        # (or an unterminated quote that swallowed the file) is cut to what identifies it.
        if row_id is not None and len(row_id) > MAX_ECHOED_ID:
            row_id = row_id[:MAX_ECHOED_ID] + "…"
        return cls(row, row_id or None, problem.field or None, problem.message)


def check_row(
    fmt: str, columns: Mapping[str, str], cells: Any, kb: KnowledgeBase, row: int, *, kept: Collection[str] = ()
) -> Verdict:
    """Decide one raw input row of an input of format ``fmt`` (``columns``: input column ->
    validation kind, as the readers give it). ``kept`` (``--keep``) names columns copied to
    the output, never checked as profile fields (unless they are one)."""
    ignored = {k for k in kept if k not in PROFILE_FIELDS}
    if fmt == "jsonl":
        return check_json_line(cells["line"], kb, row=row, ignore=ignored)
    text_fields = {name for name, kind in columns.items() if kind == "text"}
    if ignored:
        cells = {k: v for k, v in cells.items() if k not in ignored}
    return check_cells(cells, kb, row=row, text_fields=text_fields)


def bad_line_errors(
    fmt: str,
    header: list[str],
    *,
    row: int,
    text: str,
    expected: int,
    actual: int,
    problems: tuple[Problem, ...],
) -> list[RowError]:
    """The row errors of a record set aside before parsing (see ``batch.lines.BadLine``)."""
    if problems:
        row_id = ragged_id(text, header) if fmt == "csv" and text else None
        return [RowError.of(row, row_id, p) for p in problems]
    if fmt == "jsonl":
        return [RowError.of(row, None, Problem("not a valid JSON object on one line", row=row))]
    return [RowError.of(row, ragged_id(text, header), ragged_problem(text, expected, actual, row))]
