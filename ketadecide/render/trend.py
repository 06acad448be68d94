"""The PHQ-9 trend of a logged course: a Unicode sparkline for terminals, inline SVG for HTML.

The SVG uses the fixed PHQ-9 scale (0-27), so two courses' charts can be compared by eye;
the sparkline spans the course's own range (and says so), so a few points' change shows.
"""

from __future__ import annotations

from html import escape

from ketadecide.profile import PHQ9_MAX
from ketadecide.troubleshoot.log import CourseSummary

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int | None], low: int = 0, high: int = PHQ9_MAX) -> str:
    """One block character per value on the ``low``-``high`` scale; a missing value is a middle dot.

    Eight blocks over the whole 0-27 scale are 3.9 points each, so 21 -> 18 drew the same
    block twice; :func:`trend_lines` passes the course's own range and prints it.
    """
    span = max(high - low, 1)
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            out.append(BLOCKS[round((max(low, min(v, high)) - low) / span * (len(BLOCKS) - 1))])
    return "".join(out)


def dose_marks(full_dose: tuple[bool, ...]) -> str:
    """● for a session at the full dose, ○ for a titration session (not counted)."""
    return "".join("●" if f else "○" for f in full_dose)


def trend_lines(summary: CourseSummary) -> list[str]:
    """Two aligned lines for a terminal: the PHQ-9 sparkline and the dose marks."""
    scores = [s.phq9_total for s in summary.sessions]
    known = [v for v in scores if v is not None]
    label = ""
    low, high = (min(known), max(known)) if known else (0, PHQ9_MAX)
    # At least one point per block, so a 3-point change does not look like a collapse.
    high = min(PHQ9_MAX, max(high, low + len(BLOCKS) - 1))
    low = max(0, min(low, high - (len(BLOCKS) - 1)))
    if len(known) >= 2:
        label = f"  {known[0]} → {known[-1]}"
        if summary.change is not None:
            label += f" ({-summary.change:+.0%})"
        # The scale is widened to at least one point per block; say so rather than let
        # "bars span 19–26" suggest a score of 26 that nobody had.
        seen = f"scores {min(known)}–{max(known)}"
        label += f"; {seen}" if (low, high) == (min(known), max(known)) else f"; {seen} on a {low}–{high} scale"
    return [
        f"PHQ-9 {sparkline(scores, low, high)}{label}",
        f"dose  {dose_marks(summary.full_dose)}",
        "      ● full dose (counted), ○ titration (not counted)",
    ]


def trend_svg(summary: CourseSummary, *, title: str) -> str:
    """A small bar chart of the PHQ-9 totals, one bar per session, as inline SVG.

    Titration sessions are drawn lighter; dashed lines mark the response level (half the
    first score) and the remission level. Every label is text, so it prints and extracts.
    """
    n = len(summary.sessions)
    left, top, plot_h = 34, 14, 120
    step = max(14, min(40, 560 // max(n, 1)))
    bar_w = max(8, step - 6)
    width = left + step * n + 100
    height = top + plot_h + 34

    def y(v: float) -> float:
        return top + plot_h - (v / PHQ9_MAX) * plot_h

    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + step * n}" y2="{y(0):.1f}" class="axis"/>',
    ]
    for tick in (0, 9, 18, 27):
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">{tick}</text>')
    for i, (session, full) in enumerate(zip(summary.sessions, summary.full_dose, strict=True)):
        x = left + i * step + (step - bar_w) / 2
        cx = x + bar_w / 2
        if session.phq9_total is not None:
            v = session.phq9_total
            parts.append(
                f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w}" height="{max(y(0) - y(v), 0.5):.1f}" '
                f'class="{"bar" if full else "bar titration"}"/>'
            )
            parts.append(f'<text x="{cx:.1f}" y="{y(v) - 3:.1f}" class="val" text-anchor="middle">{v}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{y(0) + 13:.1f}" class="tick" text-anchor="middle">{i + 1}</text>')
    end = left + step * n
    if summary.response_line is not None:
        ry = y(summary.response_line)
        parts.append(f'<line x1="{left}" y1="{ry:.1f}" x2="{end}" y2="{ry:.1f}" class="ref response"/>')
        parts.append(f'<text x="{end + 4}" y="{ry + 4:.1f}" class="ref-label">response</text>')
    my = y(summary.remission_below)
    parts.append(f'<line x1="{left}" y1="{my:.1f}" x2="{end}" y2="{my:.1f}" class="ref remission"/>')
    parts.append(f'<text x="{end + 4}" y="{my + 4:.1f}" class="ref-label">remission</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" class="tick">session</text>')
    parts.append("</svg>")
    return "".join(parts)
