"""A flagged row's errors without re-checking the whole row in Python (issue 25, speed).

The validation SQL says which checks a flagged row failed (``__bad``: one bit per profile
field, one for ``age`` having no valid value, one for systolic not above diastolic, and
:data:`~ketadecide.batch.sql.validate.OTHER_BAD` for anything else; see
:func:`ketadecide.batch.sql.validate.bad_fields`) and, when one text cell is at fault,
hands that cell back (``__bad_cell``); other cells are read from the input's raw batches.

Such a row's errors are the reference's errors for each bad cell, put together:

* the reference's words for a bad cell depend on that field's cell only, so the reference
  (:func:`ketadecide.batch.row_checks.check_cells`) is asked once per distinct (field,
  cell), on a row holding that cell and a valid age, and its problems are reused for every
  row with the same bad cell;
* ``age`` with no valid value is "required field is missing" (asked once, on an empty
  row), unless its cell was given and bad: then the reference reports only that cell;
* systolic not above diastolic is the reference's words for those two values, unless
  either is bad: then the reference compares nothing;
* the problems are ordered as the reference orders them: by field, in the profile's
  order, each field's own problems in the order its probe gave them.

So the errors file is byte for byte the one the row-by-row re-check writes (tests compare
them on hostile and generated cohorts, text and typed cells, one and many bad cells).

One interplay between fields exists: when any problem names a condition or medication
item (or ``insurance``), the reference also names the unknown ids of a list that failed
as a whole (``more than 100 items``). A row with such a list and another bad field is left
to the row-by-row re-check, as is a (field, cell) the reference accepts or words as
another field's problem, and every row with :data:`OTHER_BAD` (an unknown column, a check
that came out NULL).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from typing import Any

from ketadecide.batch.row_checks import check_cells, check_json_line, problem_order
from ketadecide.batch.sql.validate import AGE_MISSING, BP_ORDER, OTHER_BAD, bad_fields
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from ketadecide.safeyaml import load_json

#: Set to ``1`` to re-check every flagged row with the Python reference (the path before
#: this module): the same output, slower; ``benchmarks/batch.py --with-reference`` times it.
RECHECK_ALL_ENV = "KETADECIDE_BATCH_RECHECK_ALL"

#: Distinct bad cells remembered per run; past this the memory starts afresh (a cohort
#: whose bad cells are all different gains nothing from it, and must not grow without end).
MAX_REMEMBERED = 50_000

#: A valid age for the probe row (``age`` is required; any valid value will do).
_PROBE_AGE = "40"

_BP = ("bp_systolic", "bp_diastolic")
#: The lists whose unknown ids the reference names when another problem asks for hints.
_ID_LISTS = ("conditions", "medications")


def recheck_all() -> bool:
    return os.environ.get(RECHECK_ALL_ENV, "") == "1"


def _root(problem: Problem) -> str:
    return (problem.field or "").split("[")[0]


class _WantsRaw:
    """:meth:`CellProblems.of_cell`'s answer for a row whose problems need its raw cells."""


#: The one :class:`_WantsRaw`.
WANTS_RAW = _WantsRaw()


class CellProblems:
    """The reference's problems for each bad cell, asked once per distinct cell, and a
    flagged row's problems put together from them."""

    def __init__(self, kb: KnowledgeBase, text_fields: frozenset[str]) -> None:
        self.kb = kb
        self.text_fields = text_fields
        self._known: dict[tuple[Any, ...], tuple[Problem, ...] | None] = {}
        self._fields: dict[int, list[str]] = {}  # per mask: its fields (a cohort has few masks)
        self._rows: dict[tuple[int | None, str | None], tuple[Problem, ...] | _WantsRaw | None] = {}

    def _bad_fields(self, mask: int) -> list[str]:
        fields = self._fields.get(mask)
        if fields is None:
            if len(self._fields) >= MAX_REMEMBERED:
                self._fields.clear()
            fields = self._fields[mask] = bad_fields(mask)
        return fields

    def wants_raw(self, mask: int | None, cell: str | None) -> bool:
        """Whether :meth:`of` needs the row's raw cells: several bad fields, a bad cell that
        is not text, or systolic not above diastolic."""
        if mask is None or mask & OTHER_BAD:
            return False
        fields = self._bad_fields(mask)
        if len(fields) > 1 or (fields and cell is None):
            return True
        return bool(mask & BP_ORDER) and not any(f in _BP for f in fields)

    def of_cell(self, mask: int | None, cell: str | None) -> tuple[Problem, ...] | _WantsRaw | None:
        """For a flagged row whose ``__bad`` is ``mask`` and ``__bad_cell`` is ``cell``:
        :data:`WANTS_RAW` when :meth:`wants_raw`, else :meth:`of` without raw cells.
        Remembered per (mask, cell): a cohort's bad rows repeat a few bad cells, and this is
        one look-up per row instead of putting the answer together again (about 3 µs)."""
        key = (mask, cell)
        if key in self._rows:
            return self._rows[key]
        found = WANTS_RAW if self.wants_raw(mask, cell) else self.of(mask, cell)
        if len(self._rows) >= MAX_REMEMBERED:
            self._rows.clear()
        self._rows[key] = found
        return found

    def of(
        self, mask: int | None, cell: str | None, raw: Mapping[str, Any] | None = None
    ) -> tuple[Problem, ...] | None:
        """The problems of a flagged row whose ``__bad`` is ``mask`` and ``__bad_cell`` is
        ``cell`` (``raw``: its raw cells, when :meth:`wants_raw`), or None when the row
        must be re-checked whole."""
        if mask is None or mask & OTHER_BAD:
            return None
        fields = self._bad_fields(mask)
        parts: list[tuple[Problem, ...]] = []
        for field in fields:
            value = raw.get(field) if raw is not None else cell
            problems = self._field(field, value, text=field in self.text_fields and isinstance(value, str))
            if problems is None:
                return None
            parts.append(problems)
        if mask & AGE_MISSING and "age" not in fields:
            parts.append(self._age_missing())
        if mask & BP_ORDER and not any(f in _BP for f in fields):
            if raw is None:
                return None
            parts.append(self._bp_order(raw))
        own = zip(fields, parts[: len(fields)], strict=True)
        if len(parts) > 1 and any(self._hint_sensitive(f, p) for f, p in own):
            return None
        if not parts or not all(parts):
            return None
        if len(parts) == 1:
            return parts[0]
        # The reference sorts its problems by field, stably: each field's in its own order.
        return tuple(sorted((p for part in parts for p in part), key=problem_order))

    def _remember(self, key: tuple[Any, ...], problems: tuple[Problem, ...] | None) -> None:
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()
        self._known[key] = problems

    def _field(self, field: str, value: Any, *, text: bool) -> tuple[Problem, ...] | None:
        """The reference's problems for one bad cell: None if it accepts the cell or names
        another field."""
        key = (field, value) if text else (field, type(value).__name__, repr(value))
        if key in self._known:
            return self._known[key]
        probe = {field: value} if field == "age" else {"age": _PROBE_AGE, field: value}
        text_fields = {"age", field} if text else {"age"} - {field}
        verdict = check_cells(probe, self.kb, row=None, text_fields=text_fields)
        problems: tuple[Problem, ...] | None = verdict.problems
        if verdict.profile is not None or not verdict.problems or any(_root(p) != field for p in verdict.problems):
            problems = None
        self._remember(key, problems)
        return problems

    def _age_missing(self) -> tuple[Problem, ...]:
        key = ("age", "missing")
        if key not in self._known:
            verdict = check_cells({}, self.kb, row=None, text_fields=None)
            assert verdict.problems and all(_root(p) == "age" for p in verdict.problems), verdict.problems
            self._remember(key, verdict.problems)
        found = self._known[key]
        assert found is not None
        return found

    def _bp_order(self, raw: Mapping[str, Any]) -> tuple[Problem, ...]:
        """The reference's words for systolic not above diastolic (both values valid)."""
        values = [raw.get(f) for f in _BP]
        text = {f for f, v in zip(_BP, values, strict=True) if f in self.text_fields and isinstance(v, str)}
        key = ("bp", *(f in text for f in _BP), *(repr(v) for v in values))
        if key not in self._known:
            probe = {"age": _PROBE_AGE, **dict(zip(_BP, values, strict=True))}
            verdict = check_cells(probe, self.kb, row=None, text_fields={"age", *text})
            problems: tuple[Problem, ...] | None = verdict.problems
            if verdict.profile is not None or any(_root(p) not in _BP for p in verdict.problems):
                problems = ()  # not the order problem: the row is re-checked whole
            self._remember(key, problems)
        return self._known[key] or ()

    @staticmethod
    def _hint_sensitive(field: str, problems: tuple[Problem, ...]) -> bool:
        """A condition or medication list whose problems name no item: beside another
        field's problem that asks for id hints, the reference adds its unknown ids."""
        return field in _ID_LISTS and not any((p.field or "") != field for p in problems)


class LineProblems:
    """A flagged JSONL line's problems from the reference's words for its one bad value.

    A profile file's problems are not sorted by field (CONTRACT §5 keeps the reference's
    order): a missing ``age`` first, then each field's own problems in the profile's order,
    then systolic not above diastolic, then the unknown ids of the lists that parsed, then
    the ids a hint names. So only the orders that are plain are put together here: one bad
    value (after ``age`` not given, if it is not), systolic not above diastolic alone, or
    ``age`` not given alone; a line with several bad values, or a bad value and swapped
    blood pressures, is re-checked whole. The line is parsed by the reference's own JSON
    reader (duplicate keys and NaN refused), and its values are probed as a line holding
    that value and a valid age, once per distinct value.
    """

    def __init__(self, kb: KnowledgeBase, kept: Collection[str] = ()) -> None:
        self.kb = kb
        self.allowed = frozenset(PROFILE_FIELDS) | frozenset(kept)
        self._known: dict[tuple[tuple[str, ...], str], tuple[Problem, ...] | None] = {}

    def of(self, mask: int | None, line: str) -> tuple[tuple[Problem, ...], str | None] | None:
        """(the problems, the id echoed) of a flagged line whose ``__bad`` is ``mask``, or
        None when it must be re-checked whole."""
        if mask is None or mask & OTHER_BAD:
            return None
        fields = bad_fields(mask)
        if len(fields) > 1 or (fields and mask & BP_ORDER and fields[0] not in _BP):
            return None
        try:
            data = load_json(line, "")
        except InputError:
            return None
        if not isinstance(data, dict) or not self.allowed.issuperset(data):
            return None
        age = int(_PROBE_AGE)
        parts: list[tuple[Problem, ...] | None] = []
        if mask & AGE_MISSING and "age" not in fields:
            parts.append(self._probe(("age",), None, {}))
        if fields:
            value = data.get(fields[0])
            parts.append(self._probe((fields[0],), value, {"age": age, fields[0]: value}))
        elif mask & BP_ORDER:
            values = {f: data.get(f) for f in _BP}
            parts.append(self._probe(_BP, values, {"age": age, **values}))
        if not parts or not all(parts):
            return None
        problems = tuple(p for part in parts if part for p in part)
        row_id = data.get("id")
        return problems, row_id if isinstance(row_id, str) else None

    def _probe(self, fields: tuple[str, ...], value: Any, record: dict[str, Any]) -> tuple[Problem, ...] | None:
        """The reference's problems for a line holding ``record`` (``fields``' ``value``, or
        nothing: ``age`` not given): None if it accepts it or names another field."""
        key = (fields, json.dumps(value))
        if key in self._known:
            return self._known[key]
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()
        verdict = check_json_line(json.dumps(record), self.kb)
        problems: tuple[Problem, ...] | None = verdict.problems
        if verdict.profile is not None or not verdict.problems or any(_root(p) not in fields for p in verdict.problems):
            problems = None
        self._known[key] = problems
        return problems


__all__ = ["RECHECK_ALL_ENV", "WANTS_RAW", "CellProblems", "LineProblems", "recheck_all"]
