"""``ketadecide.evaluate``: the engine's comparison, with what the features above it add.

The engine (:func:`ketadecide.engine.evaluate_modalities`) imports no feature: troubleshooting
suggestions for a course under way and the printable handout are worked out here, from the
profile and the knowledge base, and passed in. The CLI's ``compare`` and ``consult`` and the
public API call this.
"""

from __future__ import annotations

from ketadecide.engine.evaluate import check_profile_ids, check_value_ids, evaluate_modalities
from ketadecide.engine.result import Handout, RecordNotes, Result, Suggestion
from ketadecide.knowledge import files as data_files
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile


def evaluate(
    profile: Profile,
    kb: KnowledgeBase,
    *,
    suggestions: tuple[Suggestion, ...] | None = None,
    handout: bool = True,
    decision_support: bool = True,
    record: RecordNotes | None = None,
) -> Result:
    """Compare the four modalities for one profile.

    ``suggestions`` lets a caller pass troubleshooting already worked out (for a course
    log, say); by default they are derived from the profile's ``course_*`` fields.
    ``handout=False`` leaves out the printable handout's checklist and questions (only the
    Markdown and HTML reports show them), which spares loading their data file.
    ``decision_support=False`` leaves out the evidence figures and the clinic and IPDAS
    block (the terminal summary shows neither), which spares validating their data files.
    ``record`` is what a health-record import knows beyond the profile (stale values,
    record conflicts): ``report.notes()`` of a FHIR import.
    """
    check_profile_ids(profile, kb)
    check_value_ids(profile, kb)
    if suggestions is None:
        suggestions = _troubleshooting(profile, kb)
    return evaluate_modalities(
        profile,
        kb,
        suggestions=suggestions,
        handout=_handout(kb) if handout else None,
        decision_support=decision_support,
        record=record,
    )


def _handout(kb: KnowledgeBase) -> Handout | None:
    if not kb.has(data_files.TROUBLESHOOTING):
        return None
    from ketadecide.troubleshoot.engine import handout_of

    return handout_of(kb)


def _troubleshooting(profile: Profile, kb: KnowledgeBase) -> tuple[Suggestion, ...]:
    if profile.course_modality is None or not kb.has(data_files.TROUBLESHOOTING):
        return ()
    # Imported here: only profiles with a course under way need the troubleshooting rules.
    from ketadecide.troubleshoot.engine import suggest

    suggestions: tuple[Suggestion, ...] = suggest(profile, kb)
    return suggestions


__all__ = ["evaluate"]
