"""A flagged row's errors without re-checking the whole row in Python (issue 25, speed).

The validation SQL says which checks a flagged row failed (``__bad``, one bit per profile
field; :func:`ketadecide.batch.sql.validate.bad_field`) and, when one text cell alone is at
fault, hands that cell back (``__bad_cell``). Such a row's errors are the reference's
errors for that one cell: every other field passed its check, and the reference's words
for a bad cell depend on that field's cell only (the one check across fields, systolic
above diastolic, runs only when both are valid, and its failure has a bit of its own).
So the reference (:func:`ketadecide.batch.row_checks.check_cells`) is asked once per
distinct (field, cell), on a row holding that cell and a valid age, and its problems are
reused for every row with the same bad cell: the words are the reference's own, so the
errors file is byte for byte the one the row-by-row re-check writes (a test compares them
on a hostile cohort).

A (field, cell) whose problems are not all that field's -- or that the reference accepts
-- is left to the row-by-row re-check, as is every row with another mask (several fields,
an unknown column, ``age`` not given, a check that came out NULL, a typed Parquet cell).
"""

from __future__ import annotations

import os

from ketadecide.batch.row_checks import check_cells
from ketadecide.batch.sql.validate import bad_field
from ketadecide.errors import Problem
from ketadecide.knowledge.base import KnowledgeBase

#: Set to ``1`` to re-check every flagged row with the Python reference (the path before
#: this module): the same output, slower; ``benchmarks/batch.py --with-reference`` times it.
RECHECK_ALL_ENV = "KETADECIDE_BATCH_RECHECK_ALL"

#: Distinct bad cells remembered per run; past this the memory starts afresh (a cohort
#: whose bad cells are all different gains nothing from it, and must not grow without end).
MAX_REMEMBERED = 50_000

#: A valid age for the probe row (``age`` is required; any valid value will do).
_PROBE_AGE = "40"


def recheck_all() -> bool:
    return os.environ.get(RECHECK_ALL_ENV, "") == "1"


class CellProblems:
    """The reference's problems for one bad text cell, asked once per distinct cell."""

    def __init__(self, kb: KnowledgeBase, text_fields: frozenset[str]) -> None:
        self.kb = kb
        # ``id`` is left out: a bad id is also the id the error line echoes.
        self.fields = text_fields - {"id"}
        self._known: dict[tuple[str, str], tuple[Problem, ...] | None] = {}

    def of(self, mask: int | None, cell: str | None) -> tuple[Problem, ...] | None:
        """The problems of a flagged row whose ``__bad`` is ``mask`` and ``__bad_cell`` is
        ``cell``, or None when the row must be re-checked whole."""
        if mask is None or cell is None:
            return None
        field = bad_field(mask)
        if field is None or field not in self.fields:
            return None
        key = (field, cell)
        if key in self._known:
            return self._known[key]
        if len(self._known) >= MAX_REMEMBERED:
            self._known.clear()
        probe = {field: cell} if field == "age" else {"age": _PROBE_AGE, field: cell}
        verdict = check_cells(probe, self.kb, row=None, text_fields=None)
        problems: tuple[Problem, ...] | None = verdict.problems
        own = all((p.field or "").split("[")[0] == field for p in verdict.problems)
        if verdict.profile is not None or not verdict.problems or not own:
            problems = None
        self._known[key] = problems
        return problems


__all__ = ["RECHECK_ALL_ENV", "CellProblems", "recheck_all"]
