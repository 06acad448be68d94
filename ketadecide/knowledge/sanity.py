"""Sanity checks on the thresholds of screen rules, for ``data validate`` and the loader.

A screen is a small predicate over a few profile fields, and a predicate's truth can only
change at the numbers it names. So each rule can be checked *exhaustively*: evaluate it on
every combination of "interesting" values (each threshold, one either side of it, the
ends of the field's allowed range, and "not given") and see what it does. That finds:

- a comparison that can never be true (``bp_systolic ge 1800`` for 180, ``age lt 0``):
  an error, because it silently switches part of a safety rule off;
- a rule that can never fire at all: an error;
- a rule whose systolic threshold is not above its diastolic one (swapped numbers): an error;
- a rule that fires for every profile: a warning;
- blood pressure, conditions or medications whose *rise* can lower a modality's worst
  severity (for instance through a ``not``): a warning, because every other part of the
  tool assumes that more risk never makes an option look safer;
- a ``relative`` blood-pressure threshold above the ``absolute`` one for the same modality:
  a warning (the relative band is empty).

Everything is evaluated with the engine's own :func:`~ketadecide.predicates.holds`, so the
checks cannot drift from what the engine does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ketadecide import profile as _p
from ketadecide.errors import Problem
from ketadecide.knowledge.models import SEVERITY_RANK, ContraindicationsFile, ScreenRule
from ketadecide.predicates import (
    RULE_BOOL_FIELDS,
    RULE_ENUM_FIELDS,
    RULE_LIST_FIELDS,
    RULE_NUMERIC_FIELDS,
    AllOf,
    AnyOf,
    Compare,
    Not,
    Predicate,
    holds,
)

#: Allowed range of each numeric fact (profile fields from the profile's own table).
RANGES: dict[str, tuple[float, float]] = {
    name: (float(spec.minimum or 0), float(spec.maximum if spec.maximum is not None else 1e9))
    for name, spec in _p.FIELD_SPECS.items()
    if name in RULE_NUMERIC_FIELDS
}
RANGES["phq9_total"] = (0.0, 27.0)
RANGES["phq9_item9"] = (0.0, 3.0)
RULE_INTEGER_FIELDS = frozenset(n for n in RULE_NUMERIC_FIELDS if n != "budget_per_session")

#: Above this many combinations a rule is not checked exhaustively (none real comes close).
MAX_GRID = 50_000
#: Fields whose rise must never make a modality look safer (the monotonic invariant).
RISING_FIELDS = ("bp_systolic", "bp_diastolic", "conditions", "medications")


def compares(pred: Predicate) -> Iterator[Compare]:
    if isinstance(pred, AnyOf):
        for p in pred.any:
            yield from compares(p)
    elif isinstance(pred, AllOf):
        for p in pred.all:
            yield from compares(p)
    elif isinstance(pred, Not):
        yield from compares(pred.not_)
    else:
        yield pred


def _contains_not(pred: Predicate) -> bool:
    if isinstance(pred, Not):
        return True
    if isinstance(pred, AnyOf):
        return any(_contains_not(p) for p in pred.any)
    if isinstance(pred, AllOf):
        return any(_contains_not(p) for p in pred.all)
    return False


def _can_be_absent(field: str) -> bool:
    """Whether a parsed profile can lack ``field`` (required fields and defaults cannot)."""
    spec = _p.FIELD_SPECS.get(field)
    return spec is None or (not spec.required and spec.default is None)


def candidates(field: str, cmps: Iterable[Compare]) -> list[Any]:
    """Values of ``field`` on which every comparison in ``cmps`` takes all its truth values."""
    values = _candidates(field, [c for c in cmps if c.field == field])
    return values if values[0] is not None or _can_be_absent(field) else values[1:]


def _candidates(field: str, cmps: list[Compare]) -> list[Any]:
    if field in RULE_NUMERIC_FIELDS:
        lo, hi = RANGES[field]
        values: set[float] = {lo, hi}
        for c in cmps:
            if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                t = float(c.value)
                near = (
                    (math.floor(t) - 1, math.floor(t), math.ceil(t), math.ceil(t) + 1)
                    if field in RULE_INTEGER_FIELDS
                    else (t - 0.5, t, t + 0.5)
                )
                values.update(v for v in near if lo <= v <= hi)
        if field in RULE_INTEGER_FIELDS:
            return [None, *sorted({int(v) for v in values})]
        return [None, *sorted(values)]
    if field in RULE_BOOL_FIELDS:
        return [None, False, True]
    if field in RULE_ENUM_FIELDS:
        return [None, *RULE_ENUM_FIELDS[field]]
    # A list field: every subset of the ids named (few in practice), else singletons.
    ids: list[str] = []
    for c in cmps:
        for v in c.value if isinstance(c.value, list) else [c.value]:
            if v is not None and v not in ids:
                ids.append(str(v))
    ids.append("_other_id")  # an id no rule names
    if len(ids) <= 8:
        subsets = [tuple(s) for r in range(len(ids) + 1) for s in itertools.combinations(ids, r)]
    else:
        subsets = [(), *((i,) for i in ids), tuple(ids)]
    # Schema 2: a list not given (None, "not asked") differs from an empty one ("asked, none").
    return [None, *subsets]


def grid(fields: Sequence[str], cmps: Sequence[Compare]) -> Iterator[dict[str, Any]] | None:
    """Every combination of candidate values of ``fields``, or None when too many."""
    axes = [candidates(f, cmps) for f in fields]
    size = 1
    for axis in axes:
        size *= len(axis)
    if size > MAX_GRID:
        return None
    return (dict(zip(fields, combo, strict=True)) for combo in itertools.product(*axes))


def _fields_of(rules: Iterable[ScreenRule]) -> list[str]:
    out: list[str] = []
    for rule in rules:
        for c in compares(rule.when):
            if c.field not in out:
                out.append(c.field)
    return out


def check_screens(file: str, contra: ContraindicationsFile) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) about each screen on its own: cheap enough to run on every load."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for rule_id, rule in contra.screens.items():
        where = f"screens.{rule_id}.when"
        cmps = list(compares(rule.when))
        for c in cmps:
            if not any(holds(c, {c.field: v}) for v in candidates(c.field, [c])):
                errors.append(
                    Problem(
                        f"'{c.field} {c.op} {c.value!r}' can never be true "
                        f"(the field's allowed range is {_range_text(c.field)}): a typo?",
                        file,
                        where,
                    )
                )
        errors.extend(_bp_order(file, where, cmps))
        points = grid(_fields_of([rule]), cmps)
        if points is None:
            continue
        fired = [holds(rule.when, facts) for facts in points]
        if not any(fired):
            errors.append(Problem("this rule can never apply to any profile", file, where))
        elif all(fired) and not any(c.op == "missing" for c in cmps):
            warnings.append(Problem("this rule applies to every profile", file, where))
    return errors, warnings


def screen_warnings(file: str, contra: ContraindicationsFile) -> list[Problem]:
    """Warnings about how the screens work together (slower; for ``data validate``)."""
    return [*_monotonic(file, contra), *_relative_above_absolute(file, contra)]


def _range_text(field: str) -> str:
    if field in RANGES:
        lo, hi = RANGES[field]
        return f"{lo:g} to {hi:g}"
    if field in RULE_ENUM_FIELDS:
        return ", ".join(RULE_ENUM_FIELDS[field])
    return "true or false" if field in RULE_BOOL_FIELDS else "a list"


def _bp_order(file: str, where: str, cmps: Sequence[Compare]) -> list[Problem]:
    """A rule on both readings must put its systolic threshold above its diastolic one."""
    problems = []
    for ops in (("ge", "gt"), ("lt", "le")):
        sys_t = sorted(c.value for c in cmps if c.field == "bp_systolic" and c.op in ops)
        dia_t = sorted(c.value for c in cmps if c.field == "bp_diastolic" and c.op in ops)
        if not sys_t or not dia_t:
            continue
        pairs = list(zip(sys_t, dia_t, strict=False)) or []
        pairs.append((sys_t[-1], dia_t[-1]))
        for s, d in pairs:
            if s <= d:
                problems.append(
                    Problem(
                        f"systolic threshold {s:g} is not above diastolic threshold {d:g}: swapped?",
                        file,
                        where,
                    )
                )
                break
    return problems


def _worst(rules: Mapping[str, ScreenRule], modality: str, facts: Mapping[str, Any]) -> int:
    worst = -1
    for rule in rules.values():
        sev = rule.severity.get(modality)  # type: ignore[call-overload]
        if sev is not None and SEVERITY_RANK[sev] > worst and holds(rule.when, facts):
            worst = SEVERITY_RANK[sev]
    return worst


def _monotonic(file: str, contra: ContraindicationsFile) -> list[Problem]:
    """Warn when a rising field (BP, conditions, medications) can lower a worst severity."""
    warnings = []
    for field in RISING_FIELDS:
        rules = {rid: r for rid, r in contra.screens.items() if any(c.field == field for c in compares(r.when))}
        if not rules:
            continue
        cmps = [c for r in rules.values() for c in compares(r.when)]
        others = [f for f in _fields_of(rules.values()) if f != field]
        steps = list(_rising_steps(field, candidates(field, cmps)))
        base = grid(others, cmps)
        if base is None or len(steps) > 5000:
            continue
        problem = _first_drop(rules, field, steps, base)
        if problem is not None:
            modality, before, after = problem
            names = ", ".join(sorted(rules))
            why = " (through a 'not'?)" if any(_contains_not(r.when) for r in rules.values()) else ""
            warnings.append(
                Problem(
                    f"for {modality}, a higher or added '{field}' ({_show(before)} -> {_show(after)}) "
                    f"makes the screens [{names}] less severe{why}; more risk should never make an "
                    "option look safer",
                    file,
                    "screens",
                )
            )
    return warnings


def _rising_steps(field: str, axis: list[Any]) -> Iterator[tuple[Any, Any]]:
    """(before, after) pairs where ``field`` rises by one step (or gains one id)."""
    if field in RULE_LIST_FIELDS:
        axis = [v for v in axis if v is not None]
        for subset in axis:
            for other in axis:
                if len(other) == len(subset) + 1 and set(subset) < set(other):
                    yield subset, other
    else:
        values = [v for v in axis if v is not None]
        yield from itertools.pairwise(values)


def _first_drop(
    rules: Mapping[str, ScreenRule], field: str, steps: list[tuple[Any, Any]], base: Iterable[dict[str, Any]]
) -> tuple[str, Any, Any] | None:
    for facts in base:
        for modality in _p.MODALITY_IDS:
            for before, after in steps:
                if _worst(rules, modality, {**facts, field: after}) < _worst(rules, modality, {**facts, field: before}):
                    return modality, before, after
    return None


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return "not given" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _relative_above_absolute(file: str, contra: ContraindicationsFile) -> list[Problem]:
    """For each BP reading alone, the relative band must start below the absolute one."""
    warnings: list[Problem] = []
    bp_only = {rid: r for rid, r in contra.screens.items() if {c.field for c in compares(r.when)} <= set(_p.BP_FIELDS)}
    if not bp_only:
        return warnings
    cmps = [c for r in bp_only.values() for c in compares(r.when)]
    for field in _p.BP_FIELDS:
        axis = [v for v in candidates(field, cmps) if v is not None]
        for modality in _p.MODALITY_IDS:
            first: dict[str, float] = {}
            for value in axis:
                for rule in bp_only.values():
                    sev = rule.severity.get(modality)  # type: ignore[call-overload]
                    if sev in ("relative", "absolute") and sev not in first and holds(rule.when, {field: value}):
                        first[sev] = value
            if "relative" in first and "absolute" in first and first["relative"] > first["absolute"]:
                warnings.append(
                    Problem(
                        f"for {modality}, the relative {field} threshold ({first['relative']:g}) is above "
                        f"the absolute one ({first['absolute']:g}), so the relative band is empty",
                        file,
                        "screens",
                    )
                )
    return warnings
