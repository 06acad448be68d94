"""Validating consult answers with exactly the rules of :class:`~ketadecide.profile.Profile`.

A consult is filled in one answer at a time, so ``age`` (required in a finished profile)
may not be known yet. :class:`PartialProfile` is ``Profile`` with ``age`` optional and
nothing else changed: every field type, range and cross-field check is inherited, so an
answer accepted here is accepted by a profile file and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationError

from ketadecide.errors import InputError, Problem, problems_from_pydantic
from ketadecide.profile import PROFILE_FIELDS, Profile

#: The two fields a blood-pressure answer fills.
BP_FIELDS: tuple[str, str] = ("bp_systolic", "bp_diastolic")


class PartialProfile(Profile):
    """A profile under construction: ``age`` may still be missing; every other rule holds."""

    age: Annotated[int, Strict(), Field(ge=0, le=120)] | None = None  # type: ignore[assignment]


def field_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Problems with ``values`` (a few profile fields), judged by the profile's own rules."""
    try:
        PartialProfile.model_validate(dict(values))
    except ValidationError as exc:
        return problems_from_pydantic(exc.errors())  # type: ignore[arg-type]
    return []


def check_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The validated, normalised values (lists as lists), or :class:`InputError`."""
    problems = field_problems(values)
    if problems:
        raise InputError(problems)
    partial = PartialProfile.model_validate(dict(values))
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
        raise InputError(
            Problem(
                f"a profile must be a mapping of field: value, got {type(data).__name__}", source
            )
        )
    for key in data:
        if not isinstance(key, str):
            raise InputError(Problem(f"field names must be text, got {key!r}", source))
    given = {k: v for k, v in data.items() if v is not None}
    try:
        checked = check_fields(given)
    except InputError as exc:
        raise exc.with_source(source) if source else exc from None
    return {k: checked[k] for k in given if k in PROFILE_FIELDS}
