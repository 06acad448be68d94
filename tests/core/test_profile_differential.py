"""The profile validator agrees with an independent pydantic statement of CONTRACT §1.

Hypothesis throws records of valid, boundary and wrong-typed values at both; they must
accept the same records, build the same profile, and blame the same fields.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide.errors import InputError
from ketadecide.profile import FIELD_SPECS, parse_profile
from tests.reference.pydantic_profile import parse_profile as reference_parse

WILD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 400),
    st.sampled_from([0, 1, 2, 3, 17, 18, 120, 121, 300, 301, 2**70]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "40", "mdd", "none", "yes", "true", "iv", "passive_ideation", "benzodiazepine", "Bad Id"]),
    st.lists(st.integers(-1, 4), max_size=10),
    st.lists(st.sampled_from(["mdd", "ptsd", "x", "maoi", "psychosis_history", "Nope"]), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def good_value(name: str) -> st.SearchStrategy[Any]:
    spec = FIELD_SPECS[name]
    if spec.kind == "int":
        return st.integers(int(spec.minimum or 0), int(spec.maximum or 100))
    if spec.kind == "number":
        return st.floats(0, 1_000_000)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "str":
        return st.text(max_size=30)
    if spec.kind == "date":
        # Real dates, the day after a month's end, and the forms that are not YYYY-MM-DD.
        return st.one_of(
            st.dates(datetime.date(1000, 1, 1)).map(datetime.date.isoformat),
            st.dates(datetime.date(1000, 1, 1)),
            st.from_regex(r"[0-9]{4}-(0[0-9]|1[0-3])-(2[89]|3[0-2])", fullmatch=True),
            st.sampled_from(["20261220", "2026-12-20T00:00", "2026-W51", "0999-01-01", "2026-1-5", " 2026-12-20"]),
        )
    if spec.kind == "enum":
        return st.sampled_from(spec.choices)
    if spec.kind == "enum_list":
        return st.lists(st.sampled_from(spec.choices), max_size=3)
    if spec.kind == "id_list":
        return st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), max_size=3)
    return st.lists(st.integers(0, 3), min_size=9, max_size=9)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for name in FIELD_SPECS:
        choice = draw(st.integers(0, 9))
        if choice < 4:
            continue
        rec[name] = draw(good_value(name)) if choice < 8 else draw(WILD)
    if draw(st.integers(0, 19)) == 0:
        rec[draw(st.sampled_from(["extra", "Age", "phq_9"]))] = 1
    return rec


def outcome(parse: Any, record: dict[str, Any]) -> tuple[str, Any]:
    try:
        profile = parse(record)
        return "ok", {name: getattr(profile, name) for name in FIELD_SPECS}
    except InputError as exc:
        return "error", sorted({(p.field or "").split("[")[0] for p in exc.problems})


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


@settings(max_examples=1500, deadline=None)
@given(record=records())
def test_validators_agree(record: dict[str, Any]) -> None:
    ours, ref = outcome(parse_profile, record), outcome(reference_parse, record)
    assert ours[0] == ref[0], (record, ours, ref)
    if ours[0] == "ok":
        assert ours[1].keys() == ref[1].keys() and all(_same(ours[1][k], ref[1][k]) for k in ours[1]), (ours, ref)
    else:
        assert ours[1] == ref[1], (record, ours, ref)
