"""Validating consult answers with exactly the rules of :class:`~ketadecide.profile.Profile`.

A consult is filled in one answer at a time, so ``age`` (required in a finished profile)
may not be known yet. Answers are judged by building a :class:`Profile` from them, with a
stand-in age when none has been given, so every field type, range and cross-field check
is the profile's own: an answer accepted here is accepted by a profile file and the
other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketadecide.errors import InputError, Problem
from ketadecide.predicates import profile_facts
from ketadecide.profile import PROFILE_FIELDS, Profile

# Any valid age will do: it only stands in so the other fields can be judged.
_STAND_IN_AGE = 40


def _partial(values: Mapping[str, Any]) -> Profile:
    """A profile from some answers; raises :class:`InputError` naming the fields at fault."""
    unknown = [Problem("unknown field (not in the contract)", None, k) for k in values if k not in PROFILE_FIELDS]
    data = {k: v for k, v in values.items() if k in PROFILE_FIELDS}
    if data.get("age") is None:
        data["age"] = _STAND_IN_AGE
    try:
        profile = Profile(**data)
    except InputError as exc:
        raise InputError([*unknown, *exc.problems]) from None
    if unknown:
        raise InputError(unknown)
    return profile


def field_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Problems with ``values`` (a few profile fields), judged by the profile's own rules."""
    try:
        _partial(values)
    except InputError as exc:
        return list(exc.problems)
    return []


def partial_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts predicates read (``ask_if``), with ``age`` unknown until it is answered."""
    facts = profile_facts(_partial(values))
    facts["age"] = values.get("age")
    return facts


def check_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The validated, normalised values (lists as lists), or :class:`InputError`."""
    partial = _partial(values)
    out: dict[str, Any] = {}
    for name in values:
        value = getattr(partial, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def parse_partial(data: object, *, source: str | None = None) -> dict[str, Any]:
    """A pre-fill file's fields, validated like a profile but with every field optional.

    Returns the fields that were given (``None`` values count as not given).
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InputError(Problem(f"a profile must be a mapping of field: value, got {type(data).__name__}", source))
    for key in data:
        if not isinstance(key, str):
            raise InputError(Problem(f"field names must be text, got {key!r}", source))
    given = {k: v for k, v in data.items() if v is not None}
    try:
        checked = check_fields(given)
    except InputError as exc:
        raise exc.with_source(source) if source else exc from None
    return {k: checked[k] for k in given if k in PROFILE_FIELDS}
