"""The result of ``ketadecide troubleshoot``: the course, its suggestions, and the handout.

Built from a full profile (then it also carries the comparison of the four modalities),
from the course fields alone, and/or from a session log. Precedence when several are
given: explicit course fields (flags) over what a log derives over a profile's fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ketadecide._version import SCHEMA_VERSION, __version__
from ketadecide.citations import Ref
from ketadecide.engine.result import Crisis, Handout, KnowledgeBaseInfo, Result, Suggestion, Worded
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile
from ketadecide.troubleshoot.engine import COURSE_FIELDS, handout_of, suggest_for, troubleshooting_file
from ketadecide.troubleshoot.log import CourseSummary


@dataclass(frozen=True, slots=True)
class Course:
    """The course under way, as the troubleshooting rules saw it (CONTRACT §1 fields)."""

    modality: str
    modality_name: str
    sessions: int | None
    response: str | None
    dissociation: str | None
    financial_stress: bool | None
    window: int
    """Full-dose sessions after which a course of this modality is judged."""
    window_note: Worded
    window_refs: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class TroubleshootReport:
    schema_version: int
    ketadecide_version: str
    knowledge_base: KnowledgeBaseInfo
    profile_id: str | None
    course: Course
    log: CourseSummary | None
    """What a session log showed, when one was given."""
    suggestions: tuple[Suggestion, ...]
    crisis: Crisis
    comparison: Result | None
    """The four-modality comparison, when a full profile was given."""
    handout: Handout
    disclaimer: Worded
    disclaimer_sources: tuple[str, ...]


def build_report(
    kb: KnowledgeBase,
    *,
    profile: Profile | None = None,
    course: Mapping[str, Any] | None = None,
    log: CourseSummary | None = None,
) -> TroubleshootReport:
    """Troubleshoot a course given by a profile, explicit course fields and/or a log summary.

    ``course`` holds explicit values for the CONTRACT §1 course fields (None = not given).
    """
    troubleshooting_file(kb)  # fail early and clearly when the data has no rules
    given = {k: v for k, v in (course or {}).items() if v is not None}
    unknown = set(given) - set(COURSE_FIELDS)
    if unknown:
        raise ValueError(f"not course fields: {sorted(unknown)}")
    facts: dict[str, Any] = {}
    if profile is not None:
        facts.update({k: getattr(profile, k) for k in COURSE_FIELDS if getattr(profile, k) is not None})
    if log is not None:
        if "course_modality" in given and given["course_modality"] != log.modality:
            raise InputError(
                Problem(
                    f"the log's course is {log.modality} but --modality says {given['course_modality']}",
                    field="modality",
                )
            )
        facts.update({k: v for k, v in log.facts().items() if v is not None})
    facts.update(given)
    modality = facts.get("course_modality")
    if modality is None:
        raise InputError(
            Problem("no course to troubleshoot: give --modality, a --log, or a profile with course_modality")
        )
    suggestions = suggest_for(facts, kb)
    comparison = None
    crisis = Crisis(False, (), None, ())
    profile_id = None
    if profile is not None:
        from ketadecide.engine import evaluate_modalities

        merged = dataclasses.replace(
            profile,
            course_modality=facts.get("course_modality"),
            course_sessions=facts.get("course_sessions"),
            course_response=facts.get("course_response"),
            course_dissociation=facts.get("course_dissociation"),
            financial_stress=facts.get("financial_stress"),
        )
        comparison = evaluate_modalities(merged, kb, suggestions=suggestions, handout=handout_of(kb))
        crisis = comparison.crisis
        profile_id = profile.id
    rule = troubleshooting_file(kb).courses[modality]
    return TroubleshootReport(
        schema_version=SCHEMA_VERSION,
        ketadecide_version=__version__,
        knowledge_base=KnowledgeBaseInfo(
            kb.reviewed, kb.sha256, str(kb.data_dir), kb.overlay_summary, kb.synthetic, kb.newest_reviewed
        ),
        profile_id=profile_id,
        course=Course(
            modality=modality,
            modality_name=kb.modalities[modality].short_name,
            sessions=facts.get("course_sessions"),
            response=facts.get("course_response"),
            dissociation=facts.get("course_dissociation"),
            financial_stress=facts.get("financial_stress"),
            window=rule.judge_after_sessions,
            window_note=Worded(rule.clinician, rule.patient),
            window_refs=kb.refs(rule.sources),
        ),
        log=log,
        suggestions=suggestions,
        crisis=crisis,
        comparison=comparison,
        handout=handout_of(kb),
        disclaimer=Worded(kb.disclaimer.clinician, kb.disclaimer.patient),
        disclaimer_sources=kb.cite_all(kb.disclaimer.sources),
    )
