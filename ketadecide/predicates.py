"""The small condition language that screen rules are written in.

A predicate tests one profile field (``{field: bp_systolic, op: ge, value: 160}``) or
combines predicates (``{any: [...]}``, ``{all: [...]}``). A comparison on a field that
was not given is false: a rule fires on what is known, and ``missing`` exists for the
rules that are about what is not known. The language is deliberately tiny so that the
same rules can be evaluated in Python for one profile and compiled to SQL for a cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from ketadecide import profile as _p

#: Facts derived from the profile that rules may test (PHQ-9 total and item 9).
DERIVED_NUMERIC_FIELDS: frozenset[str] = frozenset({"phq9_total", "phq9_item9"})
# The field kinds rules may test, from the profile's one field table: screening answers
# only (the values and SURE answers come after the comparison and never decide a rule).
RULE_NUMERIC_FIELDS: frozenset[str] = (
    frozenset(_p.fields_of_kind("int", "number", decision=False)) | DERIVED_NUMERIC_FIELDS
)
RULE_BOOL_FIELDS: frozenset[str] = frozenset(_p.fields_of_kind("bool", decision=False))
RULE_LIST_FIELDS: dict[str, tuple[str, ...] | None] = {
    # conditions and medications: ids come from the knowledge base, checked at load
    name: _p.FIELD_SPECS[name].choices or None
    for name in _p.fields_of_kind("enum_list", "id_list", decision=False)
}
RULE_ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    name: _p.FIELD_SPECS[name].choices for name in _p.fields_of_kind("enum", decision=False)
}
RULE_FIELDS: frozenset[str] = (
    RULE_NUMERIC_FIELDS | RULE_BOOL_FIELDS | frozenset(RULE_LIST_FIELDS) | frozenset(RULE_ENUM_FIELDS)
)

Op = Literal["lt", "le", "gt", "ge", "eq", "ne", "in", "not_in", "contains", "missing", "present"]
_OPS_BY_KIND: dict[str, frozenset[str]] = {
    "numeric": frozenset({"lt", "le", "gt", "ge", "eq", "ne", "missing", "present"}),
    "bool": frozenset({"eq", "missing", "present"}),
    "list": frozenset({"contains", "missing", "present"}),
    "enum": frozenset({"eq", "ne", "in", "not_in", "missing", "present"}),
}


def field_kind(name: str) -> str:
    if name in RULE_NUMERIC_FIELDS:
        return "numeric"
    if name in RULE_BOOL_FIELDS:
        return "bool"
    if name in RULE_LIST_FIELDS:
        return "list"
    return "enum"


class Compare(BaseModel):
    """``field op value``; false when the field was not given (except for ``missing``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    field: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _check(self) -> Compare:
        if self.field not in RULE_FIELDS:
            raise ValueError(f"unknown field '{self.field}' (one of: {', '.join(sorted(RULE_FIELDS))})")
        kind = field_kind(self.field)
        if self.op not in _OPS_BY_KIND[kind]:
            allowed = ", ".join(sorted(_OPS_BY_KIND[kind]))
            raise ValueError(f"op '{self.op}' does not apply to {kind} field '{self.field}' (use {allowed})")
        if self.op in {"missing", "present"}:
            if self.value is not None:
                raise ValueError(f"op '{self.op}' takes no value")
            return self
        v = self.value
        if kind == "numeric" and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ValueError(f"'{self.field}' is compared with a number, got {v!r}")
        if kind == "bool" and not isinstance(v, bool):
            raise ValueError(f"'{self.field}' is compared with true or false, got {v!r}")
        if kind == "enum":
            allowed_values = RULE_ENUM_FIELDS[self.field]
            values = v if self.op in {"in", "not_in"} else [v]
            if not isinstance(values, list) or not values:
                raise ValueError(f"op '{self.op}' needs a non-empty list of values")
            for item in values:
                if item not in allowed_values:
                    raise ValueError(f"'{item}' is not a value of '{self.field}' ({', '.join(allowed_values)})")
        if kind == "list":
            values = v if isinstance(v, list) else [v]
            if not values or not all(isinstance(i, str) for i in values):
                raise ValueError(f"'contains' needs an id or a list of ids, got {v!r}")
            allowed_ids = RULE_LIST_FIELDS[self.field]
            for item in values:
                if allowed_ids is not None and item not in allowed_ids:
                    raise ValueError(f"'{item}' is not a value of '{self.field}'")
        return self

    def ids_referenced(self) -> list[tuple[str, str]]:
        """(field, id) pairs this predicate names, for cross-reference checks."""
        if self.field in {"conditions", "medications"} and self.op == "contains":
            values = self.value if isinstance(self.value, list) else [self.value]
            return [(self.field, str(v)) for v in values]
        return []


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    any: list[Predicate] = Field(min_length=1)


class AllOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    all: list[Predicate] = Field(min_length=1)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    not_: Predicate = Field(alias="not")


def _predicate_kind(value: Any) -> str:
    # Choosing the member from the keys gives one precise error instead of one per member.
    if isinstance(value, Mapping):
        for key in ("any", "all", "not"):
            if key in value:
                return key
    elif isinstance(value, BaseModel):
        kinds: dict[type[BaseModel], str] = {AnyOf: "any", AllOf: "all", Not: "not"}
        return kinds.get(type(value), "compare")
    return "compare"


Predicate = Annotated[
    Annotated[Compare, Tag("compare")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[Not, Tag("not")],
    Discriminator(_predicate_kind),
]
# No model_rebuild() here: the models defer building their validators (defer_build), so
# the forward reference to Predicate is resolved on first validation, which a start-up
# from the validated-data cache never needs.


def profile_facts(profile: _p.Profile) -> dict[str, Any]:
    """The values predicates read: the profile's fields plus the derived PHQ-9 scores."""
    facts: dict[str, Any] = {name: getattr(profile, name) for name in RULE_FIELDS if name in _p.PROFILE_FIELDS}
    facts["phq9_total"] = profile.phq9_total
    facts["phq9_item9"] = profile.phq9_item9
    return facts


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: bool(a < b),
    "le": lambda a, b: bool(a <= b),
    "gt": lambda a, b: bool(a > b),
    "ge": lambda a, b: bool(a >= b),
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}


def holds(pred: Predicate, facts: Mapping[str, Any]) -> bool:
    """Whether ``pred`` is true of a profile's facts."""
    if isinstance(pred, AnyOf):
        return any(holds(p, facts) for p in pred.any)
    if isinstance(pred, AllOf):
        return all(holds(p, facts) for p in pred.all)
    if isinstance(pred, Not):
        return not holds(pred.not_, facts)
    value = facts.get(pred.field)
    # Schema 2: only an absent field is missing; an empty list is an answer ("asked, none").
    is_missing = value is None
    if pred.op == "missing":
        return is_missing
    if pred.op == "present":
        return not is_missing
    if is_missing:
        return False
    if pred.op == "contains":
        wanted = pred.value if isinstance(pred.value, list) else [pred.value]
        assert isinstance(value, tuple | list)
        return any(w in value for w in wanted)
    return _COMPARE[pred.op](value, pred.value)


def truth(pred: Predicate, facts: Mapping[str, Any]) -> bool | None:
    """Whether ``pred`` is true, false, or cannot be told (None) from what was answered.

    Three-valued (Kleene) logic, as SQL evaluates NULL: a comparison on a field that was not
    given, or was answered ``unknown``, is undecided; ``all`` is false if any part is false,
    ``any`` is true if any part is true. Used where "not asked" must not read as "no" (the
    indication); screens keep :func:`holds`, which fires only on what is known.
    """
    if isinstance(pred, AnyOf):
        parts = [truth(p, facts) for p in pred.any]
        return True if True in parts else (None if None in parts else False)
    if isinstance(pred, AllOf):
        parts = [truth(p, facts) for p in pred.all]
        return False if False in parts else (None if None in parts else True)
    if isinstance(pred, Not):
        inner = truth(pred.not_, facts)
        return None if inner is None else not inner
    if pred.op in {"missing", "present"}:
        return holds(pred, facts)
    value = facts.get(pred.field)
    if value is None or value == UNKNOWN:
        return None
    return holds(pred, facts)


#: The enum answer that means "not known" (suicidality, insurance): undecided, like absent.
UNKNOWN = "unknown"


def undecided_fields(pred: Predicate, facts: Mapping[str, Any]) -> list[str]:
    """The fields whose absence leaves ``pred`` undecided, in the order the predicate names them."""
    return list(
        dict.fromkeys(
            c.field
            for c in iter_compares(pred)
            if c.op not in {"missing", "present"} and facts.get(c.field) in (None, UNKNOWN)
        )
    )


def iter_compares(pred: Predicate) -> list[Compare]:
    """Every comparison inside ``pred``, depth first."""
    if isinstance(pred, AnyOf):
        return [c for p in pred.any for c in iter_compares(p)]
    if isinstance(pred, AllOf):
        return [c for p in pred.all for c in iter_compares(p)]
    if isinstance(pred, Not):
        return iter_compares(pred.not_)
    return [pred]
