"""The sparkline's label names the scores people had, not the widened scale's top."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ketadecide.render.trend import trend_lines


def _summary(scores: list[int]) -> Any:
    sessions = [SimpleNamespace(phq9_total=s) for s in scores]
    change = (scores[0] - scores[-1]) / scores[0]
    return SimpleNamespace(sessions=sessions, change=change, full_dose=tuple(True for _ in scores))


def test_a_narrow_range_says_the_scores_and_the_scale_apart() -> None:
    first = trend_lines(_summary([22, 21, 19, 20]))[0]
    assert "scores 19–22" in first and "19–26 scale" in first
    assert "span" not in first  # "bars span 19–26" read as if someone scored 26


def test_a_wide_range_is_its_own_scale() -> None:
    first = trend_lines(_summary([22, 18, 12, 9]))[0]
    assert first.endswith("; scores 9–22")


def test_the_dose_legend_fits_sixty_columns() -> None:
    assert all(len("  " + line) <= 60 for line in trend_lines(_summary([22, 18, 12, 9])))
