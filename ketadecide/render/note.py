"""The ``note`` format: a plain-text chart note of 5 to 8 lines for a clinician to paste.

No colour, no padding, no table: one fact per entry, each starting with its label, wrapped
at spaces to :data:`NOTE_WIDTH` columns with its further lines indented two spaces (a chart's
text box is about 80 wide and re-wraps long lines mid-word), so it reads the same in any
record system. The wording is the clinician's whatever the
``--audience`` (a chart note is for the chart). It says what the tool showed, never what
the clinician did or decided.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import TYPE_CHECKING

from ketadecide.engine.result import Audience, ModalityResult, Result
from ketadecide.render.labels import (
    chosen_alternative,
    coverage_text,
    modality_status_text,
    money,
    open_checklists,
    reviewed_span,
    short_name,
)

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase
    from ketadecide.troubleshoot.report import TroubleshootReport

#: The entries a note may take (issue 26: 5-8, to paste into a chart).
NOTE_LINES = (5, 8)
#: The width a note's lines are wrapped to; a further line of an entry is indented.
NOTE_WIDTH = 80
NOTE_INDENT = "  "


def _wrapped(entry: str) -> str:
    # At spaces only: a word, a number range or an address is never cut (one longer than
    # the width stands on its own line).
    return "\n".join(
        textwrap.wrap(
            entry,
            width=NOTE_WIDTH,
            subsequent_indent=NOTE_INDENT,
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _option(m: ModalityResult, urgent: bool) -> str:
    said = [modality_status_text(m, "clinician", urgent=urgent).split(" ", 1)[1], m.indication.label.for_("clinician")]
    if m.status != "contraindicated":
        coverage = coverage_text(m.coverage, "clinician").lstrip("✔✖? ")
        said.append(("coverage " if coverage.startswith("unknown") else "") + coverage)
        oop = m.cost.out_of_pocket
        low, high = oop.per_session if oop is not None else m.cost.per_session
        said.append(f"est. {money(low, high)}/session" + (" out of pocket" if oop is not None else " list"))
    return f"{m.short_name}: " + ", ".join(said)


def _si_line(result: Result) -> str:
    """What the suicide screen found and what the tool did about it."""
    if result.crisis.triggered:
        return (
            "SI screen: active ideation or a plan reported; crisis message given (988 Lifeline, 911/ED); "
            "comparison for information only until safety is assessed."
        )
    if any(m.field == "suicidality" for m in result.missing):
        return "SI screen: not asked (the screen is incomplete)."
    headline = next((f for m in result.modalities for f in m.findings if f.headline), None)
    if headline is not None:
        return f"SI screen: {short_name(headline.name.for_('clinician'))}; same-day risk assessment and 988 advised."
    return "SI screen: no suicidal thoughts reported."


def _decision_line(result: Result) -> str:
    """The SURE score and the person's plan (issue 24 review, defect 17), or "not asked"."""
    s = result.sure
    if s is None:
        said = ["SURE: not asked"]
    elif s.score is None:
        said = [f"SURE: {len(s.answers)} of 4 answered, no score"]
    else:
        said = [f"SURE {s.score}/4" + (" (possible decisional conflict)" if s.conflict else "")]
    plan = result.plan
    if plan is not None and plan.leaning is not None:
        names = {m.id: m.short_name for m in result.modalities}
        # A choice other than ketamine is stored as "unsure" with its name first in the notes
        # (CONTRACT §1): the note names it, never "unsure" (issue 24 re-review, N3).
        alternatives = result.decision.alternatives if result.decision is not None else ()
        chosen = chosen_alternative(plan.notes, alternatives) if plan.leaning == "unsure" else None
        if chosen is not None:
            said.append(f"leaning: something else ({chosen[0].name.for_('clinician')})")
        else:
            said.append(f"leaning {names.get(plan.leaning, 'unsure')}")
    if plan is not None and plan.decide_by is not None:
        said.append(f"decide by {plan.decide_by}")
    return "; ".join(said) + "."


def render_note(result: Result, *, today: dt.date | None = None) -> str:
    """The note: a dated header, the options, the key findings, the SI screen, what is still
    to ask, and the disclaimer; 5 to 8 lines."""
    today = today or dt.date.today()
    kb = result.knowledge_base
    who = f" — {result.profile_id}" if result.profile_id else ""
    lines = [
        f"Ketamine options reviewed with ketadecide {result.ketadecide_version} on {today.isoformat()}{who} "
        f"(knowledge base reviewed {reviewed_span(kb.reviewed, kb.newest)}, sha256 {kb.sha256[:12]}).",
        "Options: " + "; ".join(_option(m, result.crisis.triggered) for m in result.modalities) + ".",
    ]
    findings: dict[str, list[str]] = {}
    for m in result.modalities:
        for f in m.findings:
            if f.severity != "info" and not f.headline:
                findings.setdefault(short_name(f.name.for_("clinician")), []).append(m.short_name)
    if findings:
        every = len(result.modalities)
        said = [f"{name} ({'all' if len(ms) == every else ', '.join(ms)})" for name, ms in findings.items()]
        lines.append("Key findings: " + "; ".join(said) + ".")
    else:
        lines.append("Key findings: none flagged by the answers given.")
    lines.append(_si_line(result))
    ask = [m.field for m in result.missing] + [c.id for c in getattr(result, "conflicts", ())]
    lines.append("Still to ask: " + (", ".join(ask) if ask else "nothing for the safety screen") + ".")
    lines.append(_decision_line(result))
    checklists = [
        f"{c.title.for_('clinician')}: " + "; ".join(i.text.for_("clinician").rstrip(".") for i in c.items) + "."
        for c in open_checklists(result)
    ]
    room = NOTE_LINES[1] - len(lines) - 1
    if len(checklists) > room > 0:
        # Never a checklist dropped to fit the entry count: the last entries share one.
        checklists = [*checklists[: room - 1], " ".join(checklists[room - 1 :])]
    lines += checklists
    lines.append("Decision support only; it informs and does not prescribe. Details: ketadecide compare --detail.")
    return "\n".join(_wrapped(line) for line in lines) + "\n"


class NoteRenderer:
    """The ``note`` format (see :class:`ketadecide.render.interface.Renderer`): for a
    comparison only (``compare``, ``consult``)."""

    def comparison(
        self,
        result: Result,
        audience: Audience,
        *,
        color: bool = False,
        width: int = 120,
        detail: bool = True,
        screen: int | None = None,
    ) -> str:
        return render_note(result)

    def course_report(
        self, report: TroubleshootReport, audience: Audience, *, color: bool = False, width: int = 100
    ) -> str:
        raise ValueError("the note format is for a comparison (compare, consult)")

    def knowledge(
        self, kb: KnowledgeBase, modality_id: str | None, audience: Audience, *, color: bool = False, width: int = 120
    ) -> str:
        raise ValueError("the note format is for a comparison (compare, consult)")
