"""Matching a course under way against the troubleshooting rules in ``troubleshooting.yaml``.

Pure: a profile (or the course facts alone) and a knowledge base in, suggestions out. The
rules are the data's ``situations``, each a predicate in the shared predicate language plus
a ``timing`` that compares the sessions completed with the modality's response window.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketadecide.engine.result import Handout, HandoutItem, Suggestion, Worded
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.troubleshooting import Situation, TroubleshootingFile
from ketadecide.knowledge.models import Wording
from ketadecide.predicates import holds, profile_facts
from ketadecide.profile import ModalityId, Profile

#: The profile fields a course is described by (CONTRACT §1).
COURSE_FIELDS: tuple[str, ...] = (
    "course_modality",
    "course_sessions",
    "course_response",
    "course_dissociation",
    "financial_stress",
)


def troubleshooting_file(kb: KnowledgeBase) -> TroubleshootingFile:
    """The parsed ``troubleshooting.yaml`` of ``kb``; :class:`InputError` when it has none."""
    data = kb.troubleshooting()
    if data is None:
        raise InputError(
            Problem(
                "this knowledge base has no troubleshooting.yaml, so there are no troubleshooting rules",
                str(kb.data_dir),
            )
        )
    return data


def suggest(profile: Profile, kb: KnowledgeBase) -> tuple[Suggestion, ...]:
    """Suggestions for the course described by the profile's ``course_*`` fields."""
    return suggest_for(profile_facts(profile), kb)


def suggest_for(facts: Mapping[str, Any], kb: KnowledgeBase) -> tuple[Suggestion, ...]:
    """Suggestions for a course given as facts (``course_modality`` etc.), in data order.

    Nothing is suggested when no ``course_modality`` is given: every rule is about a course.
    """
    data = troubleshooting_file(kb)
    modality: ModalityId | None = facts.get("course_modality")
    if modality is None:
        return ()
    window = data.courses[modality].judge_after_sessions
    sessions = facts.get("course_sessions")
    out = []
    for sid, situation in data.situations.items():
        if not _timing_holds(situation, sessions, window):
            continue
        if not holds(situation.when, facts):
            continue
        out.append(_suggestion(sid, situation, modality, window, data, kb))
    return tuple(out)


def _timing_holds(situation: Situation, sessions: int | None, window: int) -> bool:
    if situation.timing == "within_window":
        return sessions is not None and sessions < window
    if situation.timing == "after_window":
        # An unknown count is not evidence of "too early": the text names the window instead.
        return sessions is None or sessions >= window
    return True


def _suggestion(  # noqa: PLR0917 - private helper, called once
    sid: str, situation: Situation, modality: ModalityId, window: int, data: TroubleshootingFile, kb: KnowledgeBase
) -> Suggestion:
    variant = situation.modalities.get(modality)
    fill = {"modality": kb.modalities[modality].short_name, "window": str(window)}

    def pick(generic: Wording, override: Wording | None) -> Worded:
        chosen = override or generic
        return Worded(chosen.clinician.format_map(fill), chosen.patient.format_map(fill))

    alternatives = situation.alternatives
    refs = list(situation.sources)
    if variant is not None:
        if variant.alternatives is not None:
            alternatives = variant.alternatives
        refs += variant.sources
    for alt in alternatives:
        refs += data.alternatives[alt].sources
    return Suggestion(
        id=sid,
        situation=pick(situation.situation, variant.situation if variant else None),
        meaning=pick(situation.meaning, variant.meaning if variant else None),
        next_step=pick(situation.next_step, variant.next_step if variant else None),
        sources=kb.cite_all(tuple(dict.fromkeys(refs))),
        refs=kb.refs(tuple(dict.fromkeys(refs))),
        alternatives=tuple(alternatives),
        alternative_names=tuple(
            Worded(data.alternatives[a].name, data.alternatives[a].plain_name) for a in alternatives
        ),
        modality=modality,
    )


def handout_of(kb: KnowledgeBase) -> Handout:
    """The handout content of ``kb``: checklist and questions from data, and the crisis text."""
    data = troubleshooting_file(kb)

    def items(records: Any) -> tuple[HandoutItem, ...]:
        return tuple(HandoutItem(Worded(r.clinician, r.patient), kb.refs(r.sources)) for r in records)

    return Handout(
        checklist=items(data.handout.checklist),
        questions=items(data.handout.questions),
        crisis_resources=Worded(data.handout.crisis_resources.clinician, data.handout.crisis_resources.patient),
        crisis_refs=kb.refs(data.handout.crisis_resources.sources),
        disclaimer_refs=kb.refs(kb.disclaimer.sources),
        crisis_message_refs=kb.refs(kb.crisis.sources),
    )
