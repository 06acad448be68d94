"""Conflicting answers and stale record values (CONTRACT §3 ``conflicts`` and ``stale``).

Both are read before any rule runs, because they change what the rules see:

- a conflict (a rule in the data) names answers that contradict each other; until someone
  resolves it the answers are *read as* the rule says (the stricter reading wherever safety
  needs it, e.g. PHQ-9 item 9 above 0 with ``suicidality: none`` reads suicidality as
  ``unknown``), and the screen is not complete;
- a stale value (older than its window, from a health-record import) is not in the profile,
  but the profile *as it would read with it* tells whether it would have raised a flag, so
  an old value can never clear one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ketadecide.engine.result import Conflict, RecordNotes, StaleValue, Worded
from ketadecide.errors import InputError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.predicates import holds, profile_facts
from ketadecide.profile import FIELD_SPECS, Profile


def conflicts_of(profile: Profile, kb: KnowledgeBase, record: RecordNotes | None = None) -> tuple[Conflict, ...]:
    """The conflict rules that hold for ``profile`` (and those a record import raised)."""
    facts = profile_facts(profile)
    raised = set(record.conflicts) if record else set()
    found = []
    for ident, rule in kb.conflicts.items():
        if (rule.when is not None and holds(rule.when, facts)) or (rule.record is not None and rule.record in raised):
            found.append(
                Conflict(
                    id=ident,
                    fields=rule.fields,
                    name=rule.name,
                    message=Worded(rule.clinician, rule.patient),
                    effect=rule.effect,
                    reads_as=tuple(rule.reads_as.items()),
                    refs=kb.refs(rule.sources),
                    headline=Worded(rule.headline.clinician, rule.headline.patient) if rule.headline else None,
                )
            )
    return tuple(found)


def read_as(profile: Profile, conflicts: tuple[Conflict, ...]) -> Profile:
    """The profile as the rules read it while ``conflicts`` stand."""
    updates: dict[str, Any] = {}
    for conflict in conflicts:
        updates.update(conflict.reads_as)
    return dataclasses.replace(profile, **updates) if updates else profile


def with_stale(profile: Profile, stale: tuple[StaleValue, ...]) -> Profile | None:
    """The profile as it would read had the stale values been used (None: nothing to add).

    A field the profile already answers keeps its answer (a newer value, or the person's);
    stale list items (medications) are added to the current list.
    """
    updates: dict[str, Any] = {}
    for item in stale:
        current = getattr(profile, item.field)
        if FIELD_SPECS[item.field].kind == "id_list":
            # A list of ids (medications): the old ones join today's.
            base = updates.get(item.field, current) or ()
            updates[item.field] = tuple(dict.fromkeys((*base, *item.value)))  # type: ignore[misc]
        elif current is None and item.field not in updates:
            updates[item.field] = item.value
    if not updates:
        return None
    try:
        return dataclasses.replace(profile, **updates)
    except InputError:
        # An old value that does not fit with today's answers (e.g. an old diastolic above a
        # new systolic) cannot be re-read; the stale list still names it.
        return None


__all__ = ["conflicts_of", "read_as", "with_stale"]
