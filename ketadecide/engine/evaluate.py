"""``evaluate_modalities(profile, kb) -> Result``: pure and deterministic; no I/O, no printing.

The order of work mirrors the clinical order: the crisis screen first, then every rule
against every modality, then status from the findings (never the other way round), then
coverage and cost, which inform but never change a status.
"""

from __future__ import annotations

from typing import Any

from ketadecide._version import SCHEMA_VERSION, __version__
from ketadecide.engine.conflicts import conflicts_of, read_as, with_stale
from ketadecide.engine.coverage import cost_for, coverage_for
from ketadecide.engine.fit import decision_support_of, evidence_of, fit_of, sure_of
from ketadecide.engine.result import (
    Crisis,
    Detail,
    Finding,
    Glance,
    Handout,
    Indication,
    KnowledgeBaseInfo,
    Missing,
    ModalityResult,
    Plan,
    RecordNotes,
    Result,
    StaleValue,
    Status,
    Suggestion,
    Worded,
)
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import SEVERITY_RANK, Modality, Rule, local_line_text, unknown_ids
from ketadecide.lang import tr, trf
from ketadecide.predicates import UNKNOWN, holds, profile_facts, truth, undecided_fields
from ketadecide.profile import CRISIS_SUICIDALITY, PLAN_FIELDS, ModalityId, Profile


def check_profile_ids(
    profile: Profile, kb: KnowledgeBase, *, source: str | None = None, row: int | None = None
) -> None:
    """Raise :class:`InputError` if the profile names a condition or medication the data lacks."""
    problems = unknown_id_problems(
        {field: getattr(profile, field) or () for field in ("conditions", "medications")}, kb, source=source, row=row
    )
    if problems:
        raise InputError(problems)


def unknown_id_problems(
    lists: dict[str, Any], kb: KnowledgeBase, *, source: str | None = None, row: int | None = None
) -> list[Problem]:
    """One problem per condition or medication id in ``lists`` (field -> ids) the data lacks."""
    given = ((field, ids) for field, ids in lists.items())
    return [
        Problem(
            f"unknown id '{ident}' (see `ketadecide modalities` or data/contraindications.yaml)",
            source,
            f"{field}[{i}]",
            row,
        )
        for field, i, ident in unknown_ids(given, {"conditions": kb.conditions, "medications": kb.medications})
    ]


def check_value_ids(profile: Profile, kb: KnowledgeBase) -> None:
    """Raise :class:`InputError` if the profile rates an attribute the data's values.yaml lacks."""
    rated = profile.values
    values = kb.values() if rated else None
    if values is None:
        return
    known = values.attributes
    problems = [
        Problem(f"no attribute '{a}' in this knowledge base's values.yaml", None, f"values_{a}")
        for a in rated
        if a not in known
    ]
    if problems:
        raise InputError(problems)


def status_of(findings: tuple[Finding, ...], missing: tuple[Missing, ...] = ()) -> Status:
    """CONTRACT §3, in order: any absolute finding -> contraindicated; the safety screen not
    finished -> incomplete; any relative -> caution; else no_flags (never "eligible")."""
    return _status({f.severity for f in findings}, bool(missing))


def statuses(profile: Profile, kb: KnowledgeBase) -> dict[str, Status]:
    """Each modality's status alone, without building findings, coverage or cost: the same
    rules as :func:`evaluate_modalities`, cheap enough for the clinical floor's many probe profiles."""
    conflicts = conflicts_of(profile, kb)
    profile = read_as(profile, conflicts)
    fired = _fired_rules(profile, kb)
    incomplete = bool(missing_of(profile, kb)) or bool(conflicts)
    return {
        m: _status({rule.severity[m] for _, _, rule in fired if m in rule.severity}, incomplete) for m in kb.modalities
    }


def _status(severities: set[str], incomplete: bool) -> Status:
    if "absolute" in severities:
        return "contraindicated"
    if incomplete:
        return "incomplete"
    if "relative" in severities:
        return "caution"
    return "no_flags"


def missing_of(profile: Profile, kb: KnowledgeBase) -> tuple[Missing, ...]:
    """The safety screen's fields (from the data; at least the contract's five) not answered."""
    return tuple(
        Missing(field, Worded(ask.clinician, ask.patient))
        for field, ask in kb.completeness.fields.items()
        if getattr(profile, field) in (None, UNKNOWN)
    )


def indication_of(profile: Profile, modality: Modality, kb: KnowledgeBase, facts: dict[str, Any]) -> Indication:
    """On-label, off-label or not established, from the modality's cited indication records."""
    record = modality.indication
    undecided: list[str] = []
    for path in record.on_label:
        verdict = truth(path.when, facts)
        if verdict:
            return Indication(
                "on_label",
                path.id,
                Worded(f"On-label ({path.label})", trf("Approved use ({label})", label=path.label)),
                Worded(path.clinician, path.patient),
                kb.refs(path.sources),
            )
        if verdict is None:
            undecided += undecided_fields(path.when, facts)
    if undecided and record.not_established is not None:
        needs = tuple(dict.fromkeys(undecided))
        text = record.not_established
        return Indication(
            "not_established",
            None,
            Worded("Not established", tr("Not yet known")),
            Worded(f"{text.clinician} Needs: {', '.join(needs)}.", text.patient),
            kb.refs(text.sources),
            needs,
        )
    text = record.off_label
    for reason in record.off_label_reasons:
        if holds(reason.when, facts):
            text = reason
            break
    return Indication(
        "off_label",
        None,
        Worded("Off-label", tr("Off-label use")),
        Worded(text.clinician, text.patient),
        kb.refs(text.sources),
    )


def crisis_screen(profile: Profile, kb: KnowledgeBase) -> Crisis:
    """The crisis screen (988 / emergency room), decided by the contract's own rule."""
    if profile.suicidality not in CRISIS_SUICIDALITY:
        return Crisis(False, (), None, ())
    message = Worded(kb.crisis.clinician, kb.crisis.patient)
    sources = kb.crisis.sources
    if kb.crisis.local_lines:
        # A clinic's own lines, after the label's message and only in the fixed template.
        local = " ".join(local_line_text(line) for line in kb.crisis.local_lines)
        # the patient's copy in the patient's language: the same name, number and hours
        mine = " ".join(
            trf("Also available locally: {name}, {phone} ({hours}).", name=ln.name, phone=ln.phone, hours=ln.hours)
            for ln in kb.crisis.local_lines
        )
        message = Worded(f"{message.clinician} {local}", f"{message.patient} {mine}")
        sources = (*sources, *(line.source for line in kb.crisis.local_lines))
    return Crisis(
        triggered=True,
        reasons=(f"suicidality: {profile.suicidality}",),
        message=message,
        sources=kb.cite_all(sources),
    )


def _fired_rules(profile: Profile, kb: KnowledgeBase) -> list[tuple[str, str, Rule]]:
    """(kind, id, rule) for every rule that applies to this profile, in data order."""
    fired: list[tuple[str, str, Rule]] = []
    for ident in dict.fromkeys(profile.conditions or ()):
        fired.append(("condition", ident, kb.conditions[ident]))
    for ident in dict.fromkeys(profile.medications or ()):
        fired.append(("medication", ident, kb.medications[ident]))
    facts = profile_facts(profile)
    for ident, screen in kb.screens.items():
        if holds(screen.when, facts):
            fired.append(("screen", ident, screen))
    return fired


def _finding(kind: str, ident: str, rule: Rule, modality: ModalityId, kb: KnowledgeBase) -> Finding:
    rationale = Worded(rule.clinician, rule.patient)
    note = rule.modality_notes.get(modality)
    extra: Worded | None = None
    message = rationale
    if note is not None and (note.clinician or note.patient):
        extra = Worded(note.clinician or "", note.patient or "")
        message = Worded(
            f"{rule.clinician} {note.clinician}" if note.clinician else rule.clinician,
            f"{rule.patient} {note.patient}" if note.patient else rule.patient,
        )
    return Finding(
        id=ident,
        severity=rule.severity[modality],
        name=Worded(rule.name, rule.plain_name),
        message=message,
        refs=kb.refs(rule.sources),
        kind=kind,  # type: ignore[arg-type]
        rationale=rationale,
        note=extra,
        headline=rule.headline,
        not_advised=modality in rule.not_advised,
    )


def evaluate_modalities(
    profile: Profile,
    kb: KnowledgeBase,
    *,
    suggestions: tuple[Suggestion, ...] = (),
    handout: Handout | None = None,
    decision_support: bool = True,
    record: RecordNotes | None = None,
) -> Result:
    """Compare the four modalities for one profile.

    ``record`` carries what a health-record import knows beyond the profile: values too old
    to use (``stale``) and the record conflicts it raised.

    What features above the engine work out is passed in, never imported from here:
    ``suggestions`` (troubleshooting for a course under way) and ``handout`` (the printable
    handout's checklist and questions). :func:`ketadecide.compare.evaluate`, the public
    ``ketadecide.evaluate``, fills both in from the profile and the knowledge base.
    """
    check_profile_ids(profile, kb)
    check_value_ids(profile, kb)
    conflicts = conflicts_of(profile, kb, record)
    given = profile
    # Until a conflict is resolved the rules read the answers as it says (the stricter reading).
    profile = read_as(profile, conflicts)
    fired = _fired_rules(profile, kb)
    missing = missing_of(profile, kb)
    # A conflict counts like a missing answer: the screen is not complete (CONTRACT §3).
    incomplete = missing or tuple(Missing(c.id, c.message) for c in conflicts)
    stale = record.stale if record else ()
    kept = _stale_flags(profile, kb, stale, fired)
    facts = profile_facts(profile)
    modalities = []
    for modality_id, modality in kb.modalities.items():
        raised = [
            _finding(kind, ident, rule, modality_id, kb) for kind, ident, rule in fired if modality_id in rule.severity
        ]
        if modality_id in kept:
            raised.append(kept[modality_id])
        findings = tuple(sorted(raised, key=lambda f: -SEVERITY_RANK[f.severity]))
        indication = indication_of(profile, modality, kb, facts)
        coverage = coverage_for(profile, modality, kb, indication)
        modalities.append(
            ModalityResult(
                id=modality_id,
                name=modality.name,
                short_name=modality.short_name,
                status=status_of(findings, incomplete),
                indication=indication,
                findings=findings,
                coverage=coverage,
                cost=cost_for(profile, modality, kb, coverage),
                details=_details(modality_id, kb),
                glance=_glance(modality, kb),
                evidence=evidence_of(modality_id, evidence, kb, profile.age)
                if decision_support and (evidence := kb.evidence()) is not None
                else None,
            )
        )
    # Every route ruled out: the pointer to other care is part of the answer, not of the
    # values fit (it was shown only when values were rated; issue 24 review, defect 5).
    nothing_open = None
    # Not only with decision support: the summary loads none, and it must say this too.
    if all(m.status == "contraindicated" for m in modalities) and (values_file := kb.values()) is not None:
        nothing_open = values_file.wording.nothing_open
    return Result(
        schema_version=SCHEMA_VERSION,
        ketadecide_version=__version__,
        knowledge_base=KnowledgeBaseInfo(
            kb.reviewed, kb.sha256, str(kb.data_dir), kb.overlay_summary, kb.synthetic, kb.newest_reviewed
        ),
        profile_id=given.id,
        crisis=crisis_screen(profile, kb),
        modalities=tuple(modalities),
        missing=missing,
        troubleshooting=suggestions,
        disclaimer=Worded(kb.disclaimer.clinician, kb.disclaimer.patient),
        disclaimer_sources=kb.cite_all(kb.disclaimer.sources),
        conflicts=conflicts,
        stale=stale,
        handout=handout,
        fit=fit_of(profile, modalities, values, kb) if profile.values and (values := kb.values()) is not None else None,
        sure=sure_of(profile, decision, kb)
        if profile.sure_answers and (decision := kb.decision()) is not None
        else None,
        decision=decision_support_of(
            decision_file, kb.evidence(), kb, trials=profile.antidepressant_trials, payer=profile.insurance
        )
        if decision_support and (decision_file := kb.decision()) is not None
        else None,
        plan=Plan(profile.plan_leaning, profile.plan_decide_by, profile.plan_notes)
        if any(getattr(profile, f) is not None for f in PLAN_FIELDS)
        else None,
        nothing_open=Worded(nothing_open.clinician, nothing_open.patient) if nothing_open else None,
        nothing_open_refs=kb.refs(nothing_open.sources) if nothing_open else (),
    )


def _stale_flags(
    profile: Profile, kb: KnowledgeBase, stale: tuple[StaleValue, ...], fired: list[tuple[str, str, Rule]]
) -> dict[str, Finding]:
    """Per modality, the finding an old record value keeps: when the profile, read with the
    stale values, raises a relative or absolute finding (or a headline) the profile does not,
    a ``relative`` finding says so: measure again before dosing. No window clears a flag."""
    if not stale:
        return {}
    old = with_stale(profile, stale)
    if old is None:
        return {}
    now = {(kind, ident) for kind, ident, _ in fired}
    extra = [(kind, ident, rule) for kind, ident, rule in _fired_rules(old, kb) if (kind, ident) not in now]
    rule = kb.stale_reading
    values = "; ".join(f"{s.field} {_shown(s.value)} on {s.date.isoformat()}" for s in stale)
    out: dict[str, Finding] = {}
    for modality_id in kb.modalities:
        would = [
            r for _, _, r in extra if modality_id in r.severity and (r.severity[modality_id] != "info" or r.headline)
        ]
        if not would:
            continue
        names = ", ".join(r.name for r in would)
        out[modality_id] = Finding(
            id="stale_reading",
            severity="relative",
            name=Worded(rule.name, rule.plain_name),
            message=Worded(
                f"{rule.clinician} Old values: {values}; would have raised: {names}.",
                rule.patient,
            ),
            refs=kb.refs(rule.sources),
            kind="screen",
            rationale=Worded(rule.clinician, rule.patient),
        )
    return out


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def _details(modality_id: str, kb: KnowledgeBase) -> tuple[Detail, ...]:
    details = kb.modalities[modality_id].details
    return tuple(
        Detail(key, Worded(item.clinician, item.patient), kb.refs(item.sources))
        for key in type(details).model_fields
        for item in (getattr(details, key),)
    )


def _glance(modality: Modality, kb: KnowledgeBase) -> Glance:
    g = modality.at_a_glance
    return Glance(
        Worded(g.visits.clinician, g.visits.patient),
        Worded(g.time_per_visit.clinician, g.time_per_visit.patient),
        kb.refs(g.sources),
    )
