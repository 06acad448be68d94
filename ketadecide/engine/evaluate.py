"""``evaluate(profile, kb) -> Result``: pure and deterministic; no I/O, no printing.

The order of work mirrors the clinical order: the crisis screen first, then every rule
against every modality, then status from the findings (never the other way round), then
coverage and cost, which inform but never change a status.
"""

from __future__ import annotations

from typing import Any

from ketadecide._version import SCHEMA_VERSION, __version__
from ketadecide.engine.coverage import cost_for, coverage_for
from ketadecide.engine.result import (
    Crisis,
    Detail,
    Finding,
    Handout,
    KnowledgeBaseInfo,
    ModalityResult,
    Result,
    Status,
    Suggestion,
    Worded,
)
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import SEVERITY_RANK, Rule
from ketadecide.predicates import holds, profile_facts
from ketadecide.profile import CRISIS_SUICIDALITY, ModalityId, Profile


def check_profile_ids(
    profile: Profile, kb: KnowledgeBase, *, source: str | None = None, row: int | None = None
) -> None:
    """Raise :class:`InputError` if the profile names a condition or medication the data lacks."""
    problems = []
    for field, known in (("conditions", kb.conditions), ("medications", kb.medications)):
        for i, ident in enumerate(getattr(profile, field)):
            if ident not in known:
                problems.append(
                    Problem(
                        f"unknown id '{ident}' (see `ketadecide modalities` or data/contraindications.yaml)",
                        source,
                        f"{field}[{i}]",
                        row,
                    )
                )
    if problems:
        raise InputError(problems)


def status_of(findings: tuple[Finding, ...]) -> Status:
    """CONTRACT §3: any absolute -> contraindicated; any relative -> caution; else eligible."""
    severities = {f.severity for f in findings}
    if "absolute" in severities:
        return "contraindicated"
    if "relative" in severities:
        return "caution"
    return "eligible"


def crisis_screen(profile: Profile, kb: KnowledgeBase) -> Crisis:
    """The crisis screen (988 / emergency room), decided by the contract's own rule."""
    if profile.suicidality not in CRISIS_SUICIDALITY:
        return Crisis(False, (), None, ())
    return Crisis(
        triggered=True,
        reasons=(f"suicidality: {profile.suicidality}",),
        message=Worded(kb.crisis.clinician, kb.crisis.patient),
        sources=kb.cite_all(kb.crisis.sources),
    )


def _fired_rules(profile: Profile, kb: KnowledgeBase) -> list[tuple[str, str, Rule]]:
    """(kind, id, rule) for every rule that applies to this profile, in data order."""
    fired: list[tuple[str, str, Rule]] = []
    for ident in dict.fromkeys(profile.conditions):
        fired.append(("condition", ident, kb.conditions[ident]))
    for ident in dict.fromkeys(profile.medications):
        fired.append(("medication", ident, kb.medications[ident]))
    facts: dict[str, Any] = profile_facts(profile)
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
    )


def evaluate(
    profile: Profile,
    kb: KnowledgeBase,
    *,
    suggestions: tuple[Suggestion, ...] | None = None,
    handout: bool = True,
) -> Result:
    """Compare the four modalities for one profile.

    ``suggestions`` lets a caller pass troubleshooting already worked out (for a course
    log, say); by default they are derived from the profile's ``course_*`` fields.
    ``handout=False`` leaves out the printable handout's checklist and questions (only the
    Markdown and HTML reports show them), which spares loading their data file.
    """
    check_profile_ids(profile, kb)
    fired = _fired_rules(profile, kb)
    modalities = []
    for modality_id, modality in kb.modalities.items():
        findings = tuple(
            sorted(
                (
                    _finding(kind, ident, rule, modality_id, kb)
                    for kind, ident, rule in fired
                    if modality_id in rule.severity
                ),
                key=lambda f: -SEVERITY_RANK[f.severity],
            )
        )
        coverage = coverage_for(profile, modality, kb)
        modalities.append(
            ModalityResult(
                id=modality_id,
                name=modality.name,
                short_name=modality.short_name,
                status=status_of(findings),
                findings=findings,
                coverage=coverage,
                cost=cost_for(profile, modality, kb, coverage),
                details=_details(modality_id, kb),
            )
        )
    if suggestions is None:
        suggestions = _troubleshooting(profile, kb)
    return Result(
        schema_version=SCHEMA_VERSION,
        ketadecide_version=__version__,
        knowledge_base=KnowledgeBaseInfo(kb.reviewed, kb.sha256, str(kb.data_dir)),
        profile_id=profile.id,
        crisis=crisis_screen(profile, kb),
        modalities=tuple(modalities),
        troubleshooting=suggestions,
        disclaimer=Worded(kb.disclaimer.clinician, kb.disclaimer.patient),
        disclaimer_sources=kb.cite_all(kb.disclaimer.sources),
        handout=_handout(kb) if handout else None,
    )


def _details(modality_id: str, kb: KnowledgeBase) -> tuple[Detail, ...]:
    details = kb.modalities[modality_id].details
    return tuple(
        Detail(key, Worded(item.clinician, item.patient), kb.refs(item.sources))
        for key in type(details).model_fields
        for item in (getattr(details, key),)
    )


def _handout(kb: KnowledgeBase) -> Handout | None:
    if "troubleshooting.yaml" not in kb.extras:
        return None
    from ketadecide.troubleshoot.engine import handout_of

    return handout_of(kb)


def _troubleshooting(profile: Profile, kb: KnowledgeBase) -> tuple[Suggestion, ...]:
    if profile.course_modality is None or "troubleshooting.yaml" not in kb.extras:
        return ()
    # Imported here: only profiles with a course under way need the troubleshooting rules.
    from ketadecide.troubleshoot.engine import suggest

    suggestions: tuple[Suggestion, ...] = suggest(profile, kb)
    return suggestions
