"""When a card is shown, and what it says. Pure: no I/O, no clock (``serve --simulate`` uses it too).

The rules (README "In the EHR" states them for clinicians):

- At most one card per call; none for a deceased patient; none without a decision-relevant
  reason: on ``patient-view`` a depressive disorder (``mdd``) and either at least two
  antidepressants or ketamine/esketamine already in the record; on ``order-select`` a
  selected draft order for ketamine or esketamine (codes.yaml's ketamine entry); on
  ``order-sign`` such a draft order *and* a safety flag for it.
- ``warning`` only for a safety flag (a finding of ``absolute`` or ``relative`` severity) on the
  ordered agent or on a course already in the record; ``info`` otherwise; never ``critical``.
- Summary at most 139 characters, stating the finding; detail in Markdown (no HTML), at most
  12 lines: the four-row comparison, the safety flags, what the chart does not say (suicidality
  always "ask now"), what could not be read, and the record's conflicts.
- No suggestions and no system actions: the service informs, it never orders.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ketadecide.engine.result import Finding, Result
from ketadecide.render.labels import STATUS_WORD, short_name
from ketadecide.server.chart import Chart, Order

Hook = Literal["patient-view", "order-select", "order-sign"]
Indicator = Literal["info", "warning"]
SUMMARY_MAX = 139
DAYS_OLD = re.compile(r"\b(\d+) days old\b")
#: The reading an import's freshness note names ("blood pressure 170/104 on ... is 500 days old").
OLD_BP = re.compile(r"blood pressure (\d+/\d+)")
DETAIL_MAX_LINES = 12

TOPIC_SYSTEM = "urn:ketadecide:cds-hooks:topic"
#: Topic code -> (number carried in the card uuid's last byte, display).
TOPICS: dict[str, tuple[int, str]] = {
    "safety-flag": (1, "Ketamine/esketamine safety flag"),
    "options-comparison": (2, "Ketamine treatment options compared"),
    "order-review": (3, "Ketamine/esketamine order reviewed: no safety flag in the chart"),
}
TOPIC_OF_NUMBER = {number: code for code, (number, _) in TOPICS.items()}

OVERRIDE_SYSTEM = "urn:ketadecide:cds-hooks:override-reason"
#: Offered on warning cards (our own code system, documented in README "In the EHR").
OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("benefit-outweighs-risk", "Benefit outweighs the risk; discussed with the patient"),
    ("already-addressed", "Already addressed (e.g. blood pressure rechecked or treated)"),
    ("record-out-of-date", "The record is inaccurate or out of date"),
    ("monitored-setting", "Will be given with monitoring in a certified setting"),
)
#: uuid5 namespace of ketadecide's cards (a fixed random UUID).
CARD_NAMESPACE = uuid.UUID("0c5f2b8e-6d0a-4f57-9d0e-2f1f4b7a9c31")


@dataclass(frozen=True)
class CardPlan:
    """One card, before the server adds its links."""

    topic: str
    indicator: Indicator
    summary: str
    detail: str
    card: dict[str, Any]
    flags: tuple[str, ...] = ()
    """The ids of the safety findings behind a warning (for the alert-burden report)."""


def relevant_course_or_orders(hook: Hook, chart: Chart, orders: Sequence[Order]) -> tuple[Order, ...] | None:
    """The agents a card is about; None when the call has no decision-relevant reason."""
    if chart.deceased:
        return None
    if hook == "patient-view":
        depressive = "mdd" in (chart.profile.get("diagnoses") or [])
        if depressive and (len(chart.antidepressants) >= 2 or chart.courses):
            return chart.courses
        return None
    return tuple(orders) or None


def safety_flags(result: Result, agents: Sequence[Order]) -> list[tuple[Order, Finding]]:
    """Absolute or relative findings on the modalities of ``agents``, most severe first, each once."""
    found: dict[tuple[str, str], tuple[Order, Finding]] = {}
    for order in agents:
        for modality in result.modalities:
            if modality.id not in order.modalities:
                continue
            for finding in modality.findings:
                if finding.severity in ("absolute", "relative"):
                    found.setdefault((order.agent, finding.id), (order, finding))
    return sorted(found.values(), key=lambda pair: 0 if pair[1].severity == "absolute" else 1)


def plan_card(
    hook: Hook,
    chart: Chart,
    result: Result | None,
    orders: Sequence[Order] = (),
    *,
    source_url: str,
) -> CardPlan | None:
    """The one card for this call, or None (the rules in the module's docstring)."""
    agents = relevant_course_or_orders(hook, chart, orders)
    if agents is None or result is None:
        return None
    flags = safety_flags(result, agents)
    if hook == "order-sign" and not flags:
        return None
    indicator: Indicator
    if flags:
        topic, indicator = "safety-flag", "warning"
        summary = _flag_summary(flags, chart.profile, _dated(chart))
    elif hook == "patient-view" and not agents:
        topic, indicator = "options-comparison", "info"
        summary = _options_summary(chart, result)
    else:
        topic, indicator = "order-review", "info"
        summary = _review_summary(agents, result)
    detail = _detail(result, chart, flags)
    card: dict[str, Any] = {
        "uuid": card_uuid(topic, result, summary, detail),
        "summary": summary,
        "detail": detail,
        "indicator": indicator,
        "source": {
            "label": f"ketadecide: informs, never prescribes (knowledge base of {result.knowledge_base.reviewed})",
            "url": source_url,
            "topic": {"system": TOPIC_SYSTEM, "code": topic, "display": TOPICS[topic][1]},
        },
    }
    if indicator == "warning":
        card["overrideReasons"] = [{"system": OVERRIDE_SYSTEM, "code": c, "display": d} for c, d in OVERRIDE_REASONS]
    return CardPlan(topic, indicator, summary, detail, card, tuple(dict.fromkeys(f.id for _, f in flags)))


def card_uuid(topic: str, result: Result, summary: str, detail: str) -> str:
    """uuid5 of the topic and the evaluation (same chart, same card, same uuid), with the
    topic's number in the last byte so feedback can be counted per topic with no stored state."""
    digest = hashlib.sha256(f"{result.knowledge_base.sha256}\x00{summary}\x00{detail}".encode()).hexdigest()
    raw = bytearray(uuid.uuid5(CARD_NAMESPACE, f"{topic}\x00{digest}").bytes)
    raw[15] = TOPICS[topic][0]
    return str(uuid.UUID(bytes=bytes(raw)))


def topic_of_uuid(card: str) -> str | None:
    try:
        return TOPIC_OF_NUMBER.get(uuid.UUID(card).bytes[15])
    except ValueError:
        return None


# ----------------------------------------------------------------------------- words


def fit(text: str, limit: int = SUMMARY_MAX) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ending with an ellipsis if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-—")
    return head + "…"


def _dated(chart: Chart) -> dict[str, tuple[int, str]]:
    """The import's freshness notes, by profile field: (days old, the note), e.g. a blood
    pressure over a year old (the mapping's rule; the card repeats it, never hides it)."""
    out: dict[str, tuple[int, str]] = {}
    for item in chart.report.of("check"):
        found = DAYS_OLD.search(item.message)
        if found and item.field:
            out.setdefault(item.field, (int(found.group(1)), item.message))
    return out


def _flag_summary(
    flags: Sequence[tuple[Order, Finding]], profile: dict[str, Any], dated: dict[str, tuple[int, str]] | None = None
) -> str:
    order, first = flags[0]
    kind = "contraindication" if first.severity == "absolute" else "caution"
    words = f"{order.label}: {kind}, {short_name(first.name.clinician)}"
    sys_, dia = profile.get("bp_systolic"), profile.get("bp_diastolic")
    if first.id.startswith("bp_") and sys_ is not None and dia is not None:
        words += f"; latest BP {sys_}/{dia} mmHg"
        if dated and "bp_systolic" in dated:
            words += f", {dated['bp_systolic'][0]} days old"
    elif first.id == "stale_reading" and dated and "bp_systolic" in dated:
        # Too old to use as current, yet above a threshold: say which reading and how old.
        old = OLD_BP.search(dated["bp_systolic"][1])
        if old:
            words += f"; old BP {old.group(1)} mmHg, {dated['bp_systolic'][0]} days old"
    more = len(flags) - 1
    tail = f" (+{more} more safety flag{'s' if more > 1 else ''})" if more else ""
    return fit(words, SUMMARY_MAX - len(tail)) + tail


def _options_summary(chart: Chart, result: Result) -> str:
    words = STATUS_WORD["clinician"]
    statuses = ", ".join(f"{m.short_name.removesuffix(' ketamine')} {words[m.status]}" for m in result.modalities)
    return fit(f"{len(chart.antidepressants)} antidepressants in the record; ketamine options: {statuses}")


def _review_summary(agents: Sequence[Order], result: Result) -> str:
    asked = len(result.missing)
    label = " and ".join(dict.fromkeys(a.label for a in agents))
    tail = f"; {asked} safety answer{'s' if asked != 1 else ''} not in the chart (ask)" if asked else ""
    return fit(f"{label}: no safety flag in the chart{tail}")


def _clean(text: str) -> str:
    """No HTML and no table breakage in the Markdown: angle brackets and pipes are replaced."""
    return " ".join(text.replace("<", "‹").replace(">", "›").replace("|", "/").split())


def _cost(m: Any) -> str:
    lo, hi = m.cost.per_session
    return f"${lo:,.0f}" if lo == hi else f"${lo:,.0f}–{hi:,.0f}"


def _detail(result: Result, chart: Chart, flags: Sequence[tuple[Order, Finding]]) -> str:
    lines = ["| Option | Status | Indication | Cost per session | Visits |", "|---|---|---|---|---|"]
    for m in result.modalities:
        visits = m.glance.visits.clinician if m.glance else "—"
        cells = [m.short_name, STATUS_WORD["clinician"][m.status], m.indication.label.clinician, _cost(m), visits]
        lines.append("| " + " | ".join(_clean(c) for c in cells) + " |")
    lines.append("")  # a table ends at a blank line (GFM); the notes are a list after it
    if flags:
        names = "; ".join(f"{o.label}: {short_name(f.name.clinician)} ({f.severity})" for o, f in flags)
        lines.append("- " + _clean(f"**Safety flags:** {names}"))
    asks = ["suicidality (ask now; in danger: 988 or the nearest ER)"]
    asks += [m.field for m in result.missing if m.field != "suicidality"]
    lines.append("- " + _clean(f"**Not in the chart, ask:** {', '.join(asks)}"))
    if chart.unobtained:
        lines.append("- " + _clean(f"**Could not be read from the EHR:** {', '.join(chart.unobtained)}"))
    dated = _dated(chart)
    if dated:
        lines.append("- " + _clean(f"**Dated:** {'; '.join(note for _, note in dated.values())}"))
    conflicts = list(dict.fromkeys(i.message for i in chart.report.of("conflict")))
    if conflicts:
        more = f" (+{len(conflicts) - 1} more)" if len(conflicts) > 1 else ""
        lines.append("- " + _clean(f"**Conflicts in the record:** {fit(conflicts[0], 200)}{more}"))
    assert len(lines) <= DETAIL_MAX_LINES
    return "\n".join(lines)
