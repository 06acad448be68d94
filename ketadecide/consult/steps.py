"""What the interview and its askers pass each other: a :class:`Step` to show (with its
numbered :class:`Option` s) and the :class:`Notice` s to tell between questions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

NoticeKind = Literal["error", "help", "crisis", "safety", "score", "info", "stopped"]


@dataclass(frozen=True, slots=True)
class Option:
    """One numbered answer shown with a question."""

    key: str
    """What to type to choose it (``1``, ``2``, ... or a PHQ-9 score ``0``-``3``)."""
    value: Any
    label: str


@dataclass(frozen=True, slots=True)
class Step:
    """What to ask now, worded for the audience."""

    key: str
    """Stable id: a question id, ``phq9.3`` for an item, or ``crisis_continue``."""
    kind: str
    """choice, multi, int, number, bool, bp, phq9, checklist, or phq9_item."""
    text: str
    section_id: str
    section_title: str
    section_number: int
    """1-based."""
    section_count: int
    options: tuple[Option, ...] = ()
    unit: str | None = None
    enter: str | None = None
    """What pressing Enter gives, in words ("None", "skip"), or None when an answer is required."""
    stem: str | None = None
    """Words shown before the text (the PHQ-9 item stem)."""
    item: tuple[int, int] | None = None
    """(n, of) for a PHQ-9 item."""
    can_go_back: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell the person between questions."""

    kind: NoticeKind
    text: str
    sources: tuple[str, ...] = ()
