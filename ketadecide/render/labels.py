"""Words shared by every renderer, so the table, Markdown and HTML say the same thing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ketadecide.citations import Ref
from ketadecide.engine.result import (
    AdverseFigure,
    AlternativeView,
    Audience,
    ChecklistView,
    Cost,
    Coverage,
    Evidence,
    Finding,
    Fit,
    FitEntry,
    KnowledgeBaseInfo,
    ModalityResult,
    OutcomeFigure,
    Result,
    Sure,
    SureStep,
    Worded,
)
from ketadecide.lang import Registers, tr, trf

if TYPE_CHECKING:  # a comparison never loads the course-report models (start-up)
    from ketadecide.troubleshoot.log import CourseSummary
    from ketadecide.troubleshoot.report import TroubleshootReport

# No tick for no_flags: it means only that nothing was flagged, never "eligible".
STATUS_SYMBOL = {"no_flags": "○", "caution": "▲", "incomplete": "?", "contraindicated": "✖", "not_advised": "▲"}
STATUS_WORD: dict[str, dict[str, str]] = {
    "clinician": {
        "no_flags": "no flags",
        "caution": "caution",
        "incomplete": "incomplete",
        "contraindicated": "contraindicated",
        # A caution the label or the FDA advises against (a rule's not_advised): a display word
        # only, the status stays "caution" (issue 24 re-review, N4).
        "not_advised": "caution (not recommended)",
    },
    "patient": {
        # Not "no concerns" or "safe": only that the answers given raised no flag.
        "no_flags": "nothing flagged",
        "caution": "talk it over first",
        "incomplete": "more answers needed",
        "contraindicated": "not advised for you",
        "not_advised": "not recommended for you",
    },
}
SEVERITY_WORD: dict[str, dict[str, str]] = {
    "clinician": {"absolute": "ABSOLUTE", "relative": "relative", "info": "info", "not_advised": "not recommended"},
    "patient": {
        "absolute": "rules this out",
        "relative": "needs care",
        "info": "good to know",
        "not_advised": "not recommended",
    },
}
DETAIL_LABEL: dict[str, dict[str, str]] = {
    "clinician": {
        "fda_status": "FDA status",
        "indications": "Indications",
        "route": "Route",
        "bioavailability": "Bioavailability",
        "onset": "Onset",
        "induction": "Induction",
        "maintenance": "Maintenance",
        "time_on_site": "Time on site",
        "monitoring": "Monitoring",
        "setting": "Setting",
        "driving": "Driving",
        "tradeoffs": "Trade-offs",
    },
    "patient": {
        "fda_status": "FDA approval",
        "indications": "Approved for",
        "route": "How it is given",
        "bioavailability": "How much reaches the body",
        "onset": "How fast it may help",
        "induction": "First weeks",
        "maintenance": "After that",
        "time_on_site": "Time at each visit",
        "monitoring": "Watching over you",
        "setting": "Where",
        "driving": "Getting home",
        "tradeoffs": "Good to know",
    },
}
#: The details the comparison table shows; the rest appear in `modalities ID`.
TABLE_DETAILS = ("fda_status", "route", "induction", "time_on_site", "driving", "tradeoffs")

TITLE = {
    "clinician": "Ketamine modality comparison",
    "patient": "Comparing ketamine treatments",
}


def short_name(name: str) -> str:
    """A finding's name without its parenthetical examples, for the summary ("Benzodiazepine
    (e.g. lorazepam, ...)" -> "Benzodiazepine"); the detail view keeps the whole name."""
    head, sep, _ = name.partition(" (")
    return head if sep and head else name


#: A status when the crisis screen was triggered (active ideation or a plan): "caution" or
#: "talk it over first" read as mild beside a same-day safety assessment.
URGENT_WORD = {"clinician": "urgent — safety first", "patient": "urgent — safety first"}


def status_text(status: str, audience: Audience, *, urgent: bool = False) -> str:
    if urgent and status != "contraindicated":
        return f"{STATUS_SYMBOL[status]} {URGENT_WORD[audience]}"
    return f"{STATUS_SYMBOL[status]} {STATUS_WORD[audience][status]}"


def modality_status_text(m: ModalityResult, audience: Audience, *, urgent: bool = False) -> str:
    """An option's status for a Safety check row or a note: a caution whose finding the label
    or the FDA advises against (pregnancy) reads "not recommended for you", never the same
    "talk it over first" as any other caution (issue 24 re-review, N4). Display only: the
    result's status stays "caution"."""
    return status_text("not_advised" if _not_recommended(m) else m.status, audience, urgent=urgent)


def _not_recommended(m: ModalityResult) -> bool:
    # A contraindicated option reads "contraindicated", whatever else advises against it.
    return m.status == "caution" and bool(m.advised_against)


def leaning_name(m: ModalityResult, audience: Audience) -> str:
    """An option's name where the person picks the one they lean toward (the consult's plan
    step, the handout's leaning box): marked "(not recommended for you)" when the label or the
    FDA advises against it, as its Safety check row says (third IPDAS review, D5: a pregnant
    patient was offered Spravato and oral ketamine there unmarked)."""
    if _not_recommended(m):
        words = STATUS_WORD if audience == "patient" else SEVERITY_WORD
        word = words[audience]["not_advised"]
        return f"{m.short_name} ({word})"
    return m.short_name


INDICATION_ROW = {"clinician": "Indication", "patient": "Approved use?"}
STATUS_ROW = {"clinician": "Status", "patient": "Safety check"}

#: Plain names of the safety-screen fields, for the one line that says what is still to ask
#: (a field a clinic adds falls back to its own name).
_FIELD_WORDS: dict[str, dict[str, str]] = {
    "clinician": {},
    "patient": {
        "suicidality": "thoughts of suicide",
        "pregnancy": "pregnancy",
        "diagnoses": "your diagnosis",
        "conditions": "health conditions",
        "medications": "medicines",
    },
}


def incomplete_line(result: Result, audience: Audience) -> str | None:
    """One line saying the safety screen is unfinished and what to ask, or None when complete."""
    if not result.missing and not result.conflicts:
        return None
    words = _FIELD_WORDS[audience]
    fields = ", ".join(words.get(m.field, m.field.replace("_", " ")) for m in result.missing)
    if not result.missing:
        if audience == "patient":
            return tr("Some answers do not match, so this cannot be a full check until they are gone over.")
        return "Safety screen incomplete (statuses are at most 'incomplete'): answers disagree; resolve them."
    if audience == "patient":
        return trf("More answers needed before this can be a full check. Still to go over: {fields}.", fields=fields)
    return f"Safety screen incomplete (statuses are at most 'incomplete'). Still to ask: {fields}."


#: What a key-findings cell says when the only findings are headline ones (suicidal thoughts,
#: a severe PHQ-9): never "none", which would read as nothing to discuss.
SEE_ABOVE = {"clinician": "see the note at the top", "patient": "see the note at the top"}


def word_of(f: Finding) -> str:
    """The key for SEVERITY_WORD: a caution the label or the FDA advises against reads "not
    recommended", never the same "needs care" as any other caution (issue 24 review)."""
    return "not_advised" if f.advised_against else f.severity


def finding_name(f: Finding, audience: Audience, *, short: bool = False) -> str:
    """A finding's name for a cell or a list; "(not recommended)" after one the label or the FDA
    advises against for this person."""
    name = short_name(f.name.for_(audience)) if short else f.name.for_(audience)
    if f.advised_against:
        return trf("{name} (not recommended)", name=name) if audience == "patient" else f"{name} (not recommended)"
    return name


def key_finding_names(m: ModalityResult, audience: Audience, *, short: bool = False) -> list[str]:
    """The names a key-findings cell lists: caution and contraindication findings; when
    there are none but a headline finding stands, a pointer to it (never "none")."""
    names = [finding_name(f, audience, short=short) for f in m.findings if f.severity != "info"]
    if not names and any(f.headline for f in m.findings):
        return [SEE_ABOVE[audience] if audience == "clinician" else tr(SEE_ABOVE[audience])]
    return names


def conflict_texts(result: Result, audience: Audience) -> list[tuple[str, str]]:
    """(title, text) for each conflict, for the top of every view: the headline the data
    gives (e.g. asking for a same-day safety assessment), else the conflict's own words."""
    out = []
    for c in result.conflicts:
        said = (c.headline or c.message).for_(audience)
        if audience == "patient":
            out.append((tr("Your answers do not match"), said))
            continue
        text = f"{said} Until resolved: {c.effect}"
        if c.headline is not None:
            text = f"{said} {c.message.clinician} Until resolved: {c.effect}"
        out.append((f"Answers disagree: {c.name} ({c.id})", text))
    return out


_STALE_WORDS = {
    "bp_systolic": "blood pressure (top number)",
    "bp_diastolic": "blood pressure (bottom number)",
    "phq9": "depression questionnaire (PHQ-9)",
    "pregnancy": "pregnancy status",
    "medications": "medicine list",
}


def stale_texts(result: Result, audience: Audience) -> list[str]:
    """One line per record value too old to use (CONTRACT §3 ``stale``)."""
    out = []
    for s in result.stale:
        value = ", ".join(map(str, s.value)) if isinstance(s.value, list | tuple) else str(s.value)
        if audience == "patient":
            what = tr(_STALE_WORDS.get(s.field, s.field.replace("_", " ")))
            out.append(
                tr(
                    "Your {what} in the health record is from {when}, too old to go by; the clinic will check it again."
                ).format(what=what, when=s.date.isoformat())
            )
        else:
            out.append(
                f"{s.field} = {value} from {s.date.isoformat()}: older than its {s.window_days}-day window, "
                f"not used as current ({s.source})."
            )
    return out


def coverage_text(c: Coverage, audience: Audience, status: str | None = None) -> str:
    """The coverage in a few words. For a contraindicated option it says first that coverage
    does not apply: "✔ likely covered" under "✖ contraindicated" read as an endorsement."""
    if c.payer == "uninsured":
        # No insurance to be "unlikely to pay" (issue 24 review, defect 12).
        head = "no insurance: self-pay" if audience == "clinician" else tr("No insurance: you pay the full price")
    elif c.likely_covered is True:
        head = "✔ likely covered" if audience == "clinician" else tr("✔ insurance likely pays")
    elif c.likely_covered is False:
        head = "✖ unlikely covered" if audience == "clinician" else tr("✖ insurance unlikely to pay")
    else:
        head = tr("? unknown")
    if c.prior_authorization and c.likely_covered is not False:
        head += " (prior auth)" if audience == "clinician" else tr(" (needs approval first)")
    if status == "contraindicated":
        plain = head.lstrip("✔✖? ")
        if audience == "clinician":
            return f"— not applicable: contraindicated (otherwise {plain})"
        return tr("— does not apply (not advised for you)")
    return head


def count_range(low: int, high: int) -> str:
    """``8`` for a fixed count, ``4–8`` for a range."""
    return str(low) if low == high else f"{low}–{high}"


def money(low: float, high: float) -> str:
    if low == high:
        return f"${low:,.0f}"
    return f"${low:,.0f}–${high:,.0f}"


OOP_ROW = {"clinician": "Out-of-pocket (est.)", "patient": "You might pay (estimate)"}
"""The row of what this person would likely pay per session: always labelled an estimate."""
LIST_PRICE_ROW = {"clinician": "Price before insurance", "patient": "Price before insurance"}
"""The list price: never shown without "before insurance"."""
OOP_COURSE_ROW = {"clinician": "Induction course (est.)", "patient": "First course (estimate)"}
OOP_SHORT = {
    "clinician": ("Pays/visit est.", "Induction, est.", "Before insurance"),
    "patient": ("You pay, est.", "1st course, est.", "Before insurance"),
}
"""The same three rows with labels short enough for the summary's 17-column label."""


def oop_text(cost: Cost, audience: Audience, status: str | None = None) -> str:
    """What the person would likely pay per session, with its basis in a few words. Not for a
    contraindicated option: a price under "not advised" reads as an offer."""
    oop = cost.out_of_pocket
    if status == "contraindicated":
        return tr("— does not apply")
    if oop is None:
        return tr("no estimate")
    amount = money(*oop.per_session)
    if oop.basis == "full_price":
        if oop.full_price_label is not None:  # not a cash price: say what it is
            return f"{amount} ({oop.full_price_label.for_(audience)})"
        return trf("{amount} (full price)", amount=amount)
    return f"{amount} (plan share)" if audience == "clinician" else trf("{amount} (your share)", amount=amount)


def oop_assumptions(cost: Cost, audience: Audience, status: str | None = None) -> str:
    """The estimate's assumptions and, where it applies, the savings programme."""
    oop = cost.out_of_pocket
    if oop is None or status == "contraindicated":
        return ""
    parts = [oop.assumptions.for_(audience)]
    if oop.savings_program is not None:
        parts.append(oop.savings_program.for_(audience))
    return " ".join(parts)


def oop_course_text(cost: Cost, status: str | None = None, audience: Audience = "patient") -> str:
    """The first course's estimate, with whether it includes the deductible when the data
    says (issue 24 review, defect 12)."""
    oop = cost.out_of_pocket
    if status == "contraindicated":
        return "—"
    if oop is None:
        return tr("no estimate")
    note = f" ({oop.course_note.for_(audience)})" if oop.course_note is not None else ""
    return money(*oop.induction_course) + note


def fit_entry_line(entry: FitEntry, name: str, audience: Audience) -> str:
    """One option's fit in words: how much it matches, its strongest match and its main
    drawback side by side. No number and no rank: the fit is not a grade or a recommendation."""
    # A drawback that is a whole sentence (weak evidence) already ends in a full stop.
    drawback = entry.drawback.for_(audience).rstrip(".")
    notes = "".join(f" {n.for_(audience).rstrip('.')}." for n in entry.notes)
    return f"{name}: {entry.band_words.for_(audience)}. {entry.strongest.for_(audience)}. {drawback}.{notes}"


def fit_extra_lines(fit: Fit, audience: Audience) -> list[str]:
    """A caution shared by every option (said once), then ties."""
    lines = [fit.shared_note.for_(audience)] if fit.shared_note is not None else []
    lines += [t.for_(audience) for t in fit.ties]
    # No option open: said with the comparison (Result.nothing_open), rated or not.
    return lines


class SourceIndex:
    """Numbers each distinct source once, in order of first use.

    A :class:`Ref` is numbered by its source record, with its locator shown at the point
    of use (``[3: §5.2]``), so one label cited for six sections is one entry in the list.
    """

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._text: dict[str, str] = {}
        self._reviewed: dict[str, dt.date] = {}

    def _number(self, key: str, text: str, reviewed: dt.date | None = None) -> int:
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
            self._text[key] = text
        if reviewed is not None:
            self._reviewed[key] = reviewed
        return self._numbers[key]

    def refs(self, sources: tuple[Ref | str, ...]) -> str:
        locators: dict[int, list[str]] = {}
        for s in sources:
            if isinstance(s, Ref):
                citation = s.citation.rstrip(".") + (f". {s.url}" if s.url else "")
                n = self._number(s.id, citation, s.reviewed)
                where = locators.setdefault(n, [])
                if s.locator and s.locator not in where:
                    where.append(s.locator)
            else:
                locators.setdefault(self._number(s, s), [])
        return "".join(f"[{n}: {', '.join(loc)}]" if loc else f"[{n}]" for n, loc in sorted(locators.items()))

    def items(self) -> list[tuple[int, str]]:
        return [(n, self._text[key]) for key, n in self._numbers.items()]

    def cited(self, refs: tuple[Ref, ...]) -> tuple[Ref, ...]:
        """The ``refs`` already cited: the sponsored list names only sources this page cites
        (issue 24 review: a seller's page the page never cites is not listed, nor numbered)."""
        return tuple(r for r in refs if r.id in self._numbers)

    def dated_items(self) -> list[tuple[int, str, dt.date | None]]:
        """As :meth:`items`, with the date each source was last checked (None for a bare
        string source, which has no record): the "About this aid" part promises it."""
        return [(n, self._text[key], self._reviewed.get(key)) for key, n in self._numbers.items()]


class PlainIndex(SourceIndex):
    """For a patient: the numbers only; the locators (section numbers) stay in the clinician's copy."""

    def refs(self, sources: tuple[Ref | str, ...]) -> str:
        return re.sub(r"\[(\d+):[^\]]*\]", r"[\1]", super().refs(sources))


def index_for(audience: Audience) -> SourceIndex:
    """A source index: numbers only for a patient (handout and terminal), with locators for a clinician."""
    return PlainIndex() if audience == "patient" else SourceIndex()


def findable(citation: str) -> str:
    """A citation in full; its web address is left off only when a DOI or PMID already finds
    it (so a patient's small print stays short), never for a page known by its address alone."""
    last = citation.rsplit(" ", 1)[-1]
    if last.startswith("http") and any(k in citation for k in ("doi:", "PMID", "PMCID")):
        return citation[: -len(last)].rstrip()
    return citation


def checked(reviewed: dt.date | None) -> str:
    """`` (checked 2026-12-05)`` after a source in a list of sources, so the promise "each
    one shows the date we checked it" holds on paper (issue 24, IPDAS C4)."""
    return trf(" (checked {date})", date=reviewed.isoformat()) if reviewed else ""


@dataclass(frozen=True)
class FindingGroup:
    """One rule's findings across the modalities it fired for, for a compact report."""

    id: str
    name: Worded
    severities: tuple[tuple[str, str], ...]
    """(modality short name, severity) for each modality the finding applies to."""
    rationale: Worded
    """The rule's text, the same for every modality."""
    notes: tuple[tuple[tuple[str, ...], Worded], ...]
    """What particular modalities add to the rationale, each with the modalities it is for."""
    refs: tuple[Ref, ...]
    worst: str


def group_findings(result: Result) -> list[FindingGroup]:
    """Findings grouped by rule, most severe first, so a rule firing everywhere reads once."""
    order: dict[str, list[tuple[str, Finding]]] = {}
    for m in result.modalities:
        for f in m.findings:
            order.setdefault(f.id, []).append((m.short_name, f))
    groups = []
    for fid, items in order.items():
        messages: dict[Worded, list[str]] = {}
        for name, f in items:
            if f.note is not None:
                messages.setdefault(f.note, []).append(name)
        first = items[0][1]
        groups.append(
            FindingGroup(
                id=fid,
                name=first.name,
                severities=tuple((name, word_of(f)) for name, f in items),
                rationale=first.rationale or first.message,
                notes=tuple((tuple(names), msg) for msg, names in messages.items()),
                refs=tuple(dict.fromkeys(r for _, f in items for r in f.refs)),
                worst=max((f.severity for _, f in items), key=lambda s: SEVERITY_ORDER[s]),
            )
        )
    groups.sort(key=lambda g: -SEVERITY_ORDER[g.worst])
    return groups


SEVERITY_ORDER = {"info": 0, "relative": 1, "absolute": 2}


def reviewed_span(oldest: dt.date, newest: dt.date | None) -> str:
    """The data's review dates, oldest to newest: the oldest alone understated how recently
    the data was checked (issue 24 review, C3 and defect 14)."""
    if newest is None or newest == oldest:
        return oldest.isoformat()
    return f"{oldest.isoformat()} to {newest.isoformat()}"


def stamp(kb: KnowledgeBaseInfo, version: str, *, code: str = "") -> str:
    """The line that dates a report: knowledge-base review dates, data hash, version
    (``code`` wraps the hash, e.g. in Markdown backticks)."""
    sha = f"{code}{kb.sha256[:12]}{code}"
    if kb.newest is not None and kb.newest != kb.reviewed:
        # The span, oldest to newest: the oldest alone understated how recently the content
        # was checked (issue 24 review, C3 and defect 14).
        return trf(
            "Knowledge base reviewed {low} to {high} · sha256 {sha} · ketadecide {version}",
            low=kb.reviewed.isoformat(),
            high=kb.newest.isoformat(),
            sha=sha,
            version=version,
        )
    return trf(
        "Knowledge base reviewed {date} · sha256 {sha} · ketadecide {version}",
        date=kb.reviewed.isoformat(),
        sha=sha,
        version=version,
    )


# ---- Course reports (troubleshoot): words shared by every format

RESPONSE_WORD: dict[str, dict[str, str]] = {
    "clinician": {
        "none": "none (PHQ-9 drop < 25%)",
        "partial": "partial (PHQ-9 drop 25% to < 50%)",
        "sustained": "response (PHQ-9 drop ≥ 50%)",
        "fading": "fading (improvement, then rebound)",
    },
    "patient": {
        "none": "no real change yet",
        "partial": "some improvement",
        "sustained": "clearly better",
        "fading": "better at first, then wearing off",
    },
}
DISSOCIATION_WORD: dict[str, dict[str, str]] = {
    "clinician": {"tolerable": "tolerable", "too_intense": "too intense"},
    "patient": {"tolerable": "manageable", "too_intense": "too strong"},
}


def bp_text(bp: tuple[int, int] | None) -> str | None:
    return None if bp is None else f"{bp[0]}/{bp[1]}"


def course_line(report: TroubleshootReport, audience: Audience) -> str:
    c = report.course
    parts = [c.modality_name]
    if c.sessions is not None:
        what = "full-dose sessions" if audience == "clinician" else tr("sessions at full dose")
        parts.append(f"{c.sessions} {what} " + trf("(judged after {window})", window=c.window))
    if c.response is not None:
        parts.append(
            ("response: " if audience == "clinician" else tr("how it is going: ")) + RESPONSE_WORD[audience][c.response]
        )
    if c.dissociation is not None:
        parts.append(tr("dissociation: ") + DISSOCIATION_WORD[audience][c.dissociation])
    if c.financial_stress:
        parts.append(tr("cost is a strain"))
    return " · ".join(parts)


def log_line(log: CourseSummary, audience: Audience) -> str:
    if audience == "patient":
        return _log_line_plain(log)
    parts = [f"{len(log.sessions)} sessions logged, {log.sessions_full_dose} at full dose"]
    if log.baseline_phq9 is not None and log.latest_phq9 is not None and log.change is not None:
        parts.append(f"PHQ-9 {log.baseline_phq9} → {log.latest_phq9} ({-log.change:+.0%}); lowest {log.best_phq9}")
    if log.remission:
        parts.append(f"remission (PHQ-9 < {log.remission_below})")
    if log.highest_bp is not None:
        parts.append(f"highest BP {log.highest_bp[0]}/{log.highest_bp[1]}")
    return "; ".join(parts)


def _log_line_plain(log: CourseSummary) -> str:
    parts = [
        trf("{n} sessions so far, {full} of them at your full dose", n=len(log.sessions), full=log.sessions_full_dose)
    ]
    if log.baseline_phq9 is not None and log.latest_phq9 is not None and log.change is not None:
        if log.change > 0:
            trend = trf("{pct} lower", pct=f"{log.change:.0%}")
        elif log.change < 0:
            trend = trf("{pct} higher", pct=f"{-log.change:.0%}")
        else:
            trend = tr("unchanged")
        parts.append(
            trf(
                "your questionnaire score went from {first} to {latest} ({trend}); at its best it was {best}",
                first=log.baseline_phq9,
                latest=log.latest_phq9,
                trend=trend,
                best=log.best_phq9,
            )
        )
    if log.remission:
        parts.append(tr("that is in the range of very few symptoms"))
    if log.highest_bp is not None:
        parts.append(trf("highest blood pressure {bp}", bp=f"{log.highest_bp[0]}/{log.highest_bp[1]}"))
    return "; ".join(parts)


# ---- The knowledge base listing

PAYER_LABEL = {
    "commercial": "Commercial",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
    "va_tricare": "VA / TRICARE",
    "uninsured": "Uninsured",
}


# ---------------------------------------------------------------- decision support (0.3.0)

DECISION_HEADINGS: dict[str, dict[str, str]] = {
    "clinician": {
        "evidence": "Evidence: out of 100 people",
        "fit": "How the options match the stated priorities",
        "sure": "SURE test",
        "clinic": "Choosing a clinic and what comes after",
        "look_for": "What to look for",
        "red_flags": "Red flags",
        "questions": "Questions for the clinician or clinic",
        "therapy": "Therapy alongside each option",
        "about": "Who made this and how it is kept up to date",
        "alternatives": "Options other than ketamine",
        "alt_choice": "Option",
        "alt_good": "Good point",
        "alt_harder": "Harder point",
        "certainty": "Certainty",
        "table": "Where each option stands (0-10) on what was rated",
        "weight": "rated",
        "brief": "Benefits and harms in brief (each from its own study)",
        "no_benefit_figure": "No controlled benefit figure.",
        "no_harm_figure": "No side-effect rate with a comparator that we could check.",
    },
    "patient": {
        "evidence": "What happened to 100 people in the studies",
        "fit": "How each option matches what you said matters",
        "sure": "Are you ready to decide?",
        "clinic": "Choosing a clinic",
        "look_for": "Look for",
        "red_flags": "Warning signs",
        "questions": "Questions to ask",
        "therapy": "Talk therapy with each option",
        "about": "Who made this and how we keep it up to date",
        "alternatives": "Other choices (not ketamine)",
        "alt_choice": "Choice",
        "alt_good": "Good point",
        "alt_harder": "Harder point",
        "certainty": "How sure we are",
        "table": "How each option does (0-10) on what you rated",
        "weight": "you rated",
        "brief": "What helps and what harms, in short",
        "no_benefit_figure": "No fair test gives a number for how many it helps.",
        "no_harm_figure": "We found no side-effect numbers we could check.",
    },
}


#: The leaning answer for a choice other than ketamine (issue 24 review, IPDAS Q3). CONTRACT
#: §1 keeps ``plan_leaning`` to a modality id or ``unsure``, so the consult stores ``unsure``
#: and starts ``plan_notes`` with this label and the choice's name ("...: TMS (magnet therapy).").
SOMETHING_ELSE: Registers[str] = Registers(
    {"clinician": "Something else (not ketamine)", "patient": "Something else (not ketamine)"}
)


def something_else_note(name: str, audience: Audience) -> str:
    """The sentence that records a choice other than ketamine at the start of ``plan_notes``."""
    return f"{SOMETHING_ELSE[audience]}: {name}."


def leaning_elsewhere(
    notes: str | None, alternatives: tuple[AlternativeView, ...], audience: Audience
) -> tuple[str | None, str | None]:
    """The choice other than ketamine a plan's notes start with (the consult's own sentence,
    :func:`something_else_note`), and the rest of the notes; ``(None, notes)`` otherwise."""
    chosen = chosen_alternative(notes, alternatives)
    if notes and chosen is not None:
        alt, lead = chosen
        return alt.name.for_(audience), notes[len(lead) :].strip() or None
    return None, notes


def chosen_alternative(
    notes: str | None, alternatives: tuple[AlternativeView, ...]
) -> tuple[AlternativeView, str] | None:
    """The choice other than ketamine a plan's notes start with, and that opening sentence;
    in either register's words, since the consult writes the notes in its own audience's
    (the handout and the chart note read them in theirs: issue 24 re-review, N3)."""
    if notes:
        for audience in ("patient", "clinician"):
            for alt in alternatives:
                lead = something_else_note(alt.name.for_(audience), audience)
                if notes.startswith(lead):
                    return alt, lead
    return None


def per_100(pct: float) -> int:
    """A percentage as whole people out of 100 (half rounds up)."""
    return int(pct + 0.5)


def bar10(pct: float) -> str:
    """A 10-cell text bar: one full cell per 10 out of 100."""
    full = min(10, int(pct / 10 + 0.5))
    return "█" * full + "░" * (10 - full)


def _period(time_frame: Worded, audience: Audience) -> str:
    """The period a figure covers, to open its sentence: every figure says it first, in one form
    ("At 4 weeks", "In the first 4 weeks"; issue 24, second review: IPDAS C1, same time period)."""
    text = time_frame.for_(audience)
    return text[:1].upper() + text[1:]


def _count(n: tuple[int, int] | None) -> str:
    """The source's own count beside a clinician's figure, e.g. `` (6/22, 27.3%)``, so a small
    arm's "0 out of 100" reads as the 0 of 19 it is."""
    if n is None:
        return ""
    return f" ({n[0]}/{n[1]}, {round(100 * n[0] / n[1], 1):g}%)"


def outcome_sentence(o: OutcomeFigure, audience: Audience) -> str:
    """One study's figure, opening with the period it covers, then its comparator's."""
    value = per_100(o.value_pct)
    against = (
        trf("{n} out of 100 with {who}", n=per_100(o.comparator_pct), who=o.comparator.for_(audience))
        if o.comparator_pct is not None
        else o.comparator.for_(audience)
    )
    chance = (
        {
            "patient": tr(" The difference may be due to chance."),
            "clinician": " Not a statistically clear difference.",
        }[audience]
        if not o.significant
        else ""
    )
    when = _period(o.time_frame, audience)
    if audience == "patient":
        # Two short sentences, not one long one (issue 24: every sentence at grade 10 or less).
        population = o.population.patient[:1].upper() + o.population.patient[1:]
        if o.in_words is not None:
            # Its option's harms have no number with a comparator: the patient reads this one in
            # words too, no number for either arm (issue 24, C1: equal statistics), with its
            # period first and its people after it like every figure.
            return trf(
                "{when}, {words}{chance} ({population}.)",
                when=when,
                words=o.in_words,
                chance=chance,
                population=population,
            )
        if o.comparator_pct is not None:
            return trf(
                "{when}, {value} out of 100 people {label}. With {who}: {n} out of 100.{chance} ({population}.)",
                value=value,
                label=o.label.patient,
                when=when,
                who=o.comparator.patient,
                n=per_100(o.comparator_pct),
                chance=chance,
                population=population,
            )
        return trf(
            "{when}, {value} out of 100 people {label}. Compared with {who}.{chance} ({population}.)",
            value=value,
            label=o.label.patient,
            when=when,
            who=o.comparator.patient,
            chance=chance,
            population=population,
        )
    sponsor = f" Sponsor: {o.sponsor}." if o.sponsor else ""
    if o.comparator_pct is not None and o.comparator_n is not None:
        against = f"{per_100(o.comparator_pct)} out of 100{_count(o.comparator_n)} with {o.comparator.clinician}"
    return (
        f"{when} - {o.label.clinician}: {value} out of 100{_count(o.value_n)}, vs {against}.{chance} "
        f"Population: {o.population.clinician}.{sponsor}"
    )


def adverse_sentence(a: AdverseFigure, audience: Audience) -> str:
    """One harm figure, opening with the period it covers, then its comparator's."""
    if a.range_pct is not None:
        value = trf("{low} to {high}", low=per_100(a.range_pct[0]), high=per_100(a.range_pct[1]))
    else:
        value = str(per_100(a.value_pct or 0))
    if a.comparator_range_pct is not None:
        against = trf(
            "{low} to {high}", low=per_100(a.comparator_range_pct[0]), high=per_100(a.comparator_range_pct[1])
        )
    else:
        against = str(per_100(a.comparator_pct)) if a.comparator_pct is not None else tr("no figure")
    when = _period(a.time_frame, audience)
    # The rate a scale found at every dose, beside the reported one (issue 24 review, 13).
    measured = f" {a.measured.for_(audience)}" if a.measured is not None else ""
    if audience == "patient":
        return (
            trf(
                "{when}, {value} out of 100 people {label}. With {who}: {against} out of 100.",
                value=value,
                label=a.label.patient,
                when=when,
                against=against,
                who=a.comparator.patient,
            )
            + measured
        )
    return f"{when} - {a.label.clinician}: {value} out of 100, vs {against} with {a.comparator.clinician}.{measured}"


def drawn(o: OutcomeFigure, ev: Evidence) -> bool:
    """Whether a benefit figure gets a picture (bars, icon arrays). Never an uncontrolled
    cohort's (it would look like a controlled result), and never the figures of an option whose
    harms have no figure with a comparator (``ev.unweighed``): a picture for the good points
    beside a sentence for the harder ones is not equal detail (issue 24, IPDAS C1)."""
    return o.design != "uncontrolled_cohort" and ev.unweighed is None


def unweighed_after(o: OutcomeFigure, ev: Evidence, audience: Audience) -> str:
    """What follows an option's last benefit figure with a comparator's number when its harms
    have none: a space and the sentence saying why the two cannot be weighed in numbers;
    otherwise nothing (""), so every view appends it as it is."""
    if ev.unweighed is None:
        return ""
    compared = [x for x in ev.outcomes if x.comparator_pct is not None]
    return f" {ev.unweighed.for_(audience)}" if compared and compared[-1] is o else ""


def figured(result: Result) -> list[ModalityResult]:
    """The options whose figures are shown: those with evidence that are not ruled out. A
    ruled-out option's figures would read as an offer (issue 24 review, defect 5)."""
    return [m for m in result.modalities if m.evidence is not None and m.status != "contraindicated"]


def figures_left_out(result: Result, audience: Audience) -> str | None:
    """One line naming the ruled-out options whose figures are left out, or None."""
    names = ", ".join(
        m.short_name for m in result.modalities if m.evidence is not None and m.status == "contraindicated"
    )
    if not names:
        return None
    if audience == "patient":
        return trf("Not shown, because they are not advised for you: {names}.", names=names)
    return f"Figures not shown for the contraindicated options: {names}."


def nothing_open_text(result: Result, audience: Audience, index: SourceIndex) -> str | None:
    """When every option is ruled out: what else there is, with its source numbers."""
    if result.nothing_open is None:
        return None
    return result.nothing_open.for_(audience) + index.refs(result.nothing_open_refs)


def compare_line(result: Result, audience: Audience) -> str | None:
    """The warning said once above the figures, that figures from different trials cannot be
    compared directly; when the options' figures cover different periods it says that too
    (issue 24, second review: the periods of different trials cannot be made equal)."""
    shown = [m.evidence for m in figured(result) if m.evidence is not None]
    first = next((ev for ev in shown if ev.compare_warning is not None), None)
    if first is None or first.compare_warning is None:
        return None
    text = first.compare_warning.for_(audience)
    periods = {
        frozenset(
            [*(o.time_frame.clinician for o in ev.outcomes), *(a.time_frame.clinician for a in ev.adverse_effects)]
        )
        for ev in shown
    }
    periods.discard(frozenset())
    if first.compare_periods is not None and len(periods) > 1:
        text += " " + first.compare_periods.for_(audience)
    return text


def every_route_line(result: Result, audience: Audience) -> tuple[str, tuple[Ref, ...]] | None:
    """The harms of ketamine by any route that no figure shows (misuse and dependence, the
    bladder), with their sources: said once, under the warning above the figures."""
    shown = [m.evidence for m in figured(result) if m.evidence is not None]
    first = next((ev for ev in shown if ev.every_route is not None), None)
    if first is None or first.every_route is None:
        return None
    return first.every_route.for_(audience), first.every_route_refs


def comparator_bar(pct: float | None) -> str:
    """The comparator's 10-cell bar, or a note that there is no comparison group to draw."""
    return bar10(pct) if pct is not None else tr("(no comparator figure)")


def adverse_comparator_high(a: AdverseFigure) -> float | None:
    if a.comparator_range_pct is not None:
        return a.comparator_range_pct[1]
    return a.comparator_pct


def adverse_high(a: AdverseFigure) -> float:
    """The figure a bar or icon array shows (the top of a range)."""
    return a.range_pct[1] if a.range_pct is not None else (a.value_pct or 0)


def certainty_line(e: Evidence, audience: Audience) -> str:
    return f"{e.certainty_words.for_(audience)} {e.certainty_reason.for_(audience)}"


def sure_step_text(step: SureStep, audience: Audience, *, figures: str | None = None) -> str:
    """A SURE "no"'s next step, its '{figures}' and '{fit}' replaced by the titles of those
    sections where it is shown (``figures``: the consult's brief instead of the full figures
    section), so the step names a part the reader can find (issue 24 review, defect 7)."""
    h = DECISION_HEADINGS[audience]
    text = step.next_step.for_(audience)
    return text.replace("{figures}", figures or h["evidence"]).replace("{fit}", h["fit"])


def sure_score_line(s: Sure, audience: Audience) -> str:
    if s.score is None:
        answered = len(s.answers)
        return (
            trf("{answered} of 4 answered: no score yet.", answered=answered)
            if audience == "patient"
            else f"{answered} of 4 answered; the score needs all four."
        )
    head = trf("Score {score} of 4.", score=s.score) if audience == "patient" else f"SURE score {s.score}/4."
    return f"{head} {s.summary.for_(audience) if s.summary else ''}".strip()


# The patient's words come out in the patient's language (ketadecide.lang); the
# clinician's stay in English.
STATUS_WORD = Registers(STATUS_WORD)
SEVERITY_WORD = Registers(SEVERITY_WORD)
DETAIL_LABEL = Registers(DETAIL_LABEL)
TITLE = Registers(TITLE)
URGENT_WORD = Registers(URGENT_WORD)
INDICATION_ROW = Registers(INDICATION_ROW)
STATUS_ROW = Registers(STATUS_ROW)
_FIELD_WORDS = Registers(_FIELD_WORDS)
RESPONSE_WORD = Registers(RESPONSE_WORD)
DISSOCIATION_WORD = Registers(DISSOCIATION_WORD)
DECISION_HEADINGS = Registers(DECISION_HEADINGS)
OOP_ROW = Registers(OOP_ROW)
LIST_PRICE_ROW = Registers(LIST_PRICE_ROW)
OOP_COURSE_ROW = Registers(OOP_COURSE_ROW)
OOP_SHORT = Registers(OOP_SHORT)


def open_checklists(result: Result) -> list[ChecklistView]:
    """The checklists (REMS, prior authorisation) of options that are not contraindicated:
    steps for an option nobody should start would read as an invitation."""
    if result.decision is None:
        return []
    shut = {m.id for m in result.modalities if m.status == "contraindicated"}
    # A prior-authorisation checklist only where the payer may ask for one: the payer's
    # coverage record says so, or does not know (null), or the payer was not given; never
    # where it says no (issue 24 review, defect 17: an uninsured patient's note listed a
    # commercial plan's paperwork).
    asks = {m.id for m in result.modalities if m.coverage.prior_authorization is not False}
    return [
        c
        for c in result.decision.checklists
        if c.modality not in shut and (c.when != "prior_authorization" or c.modality in asks)
    ]
