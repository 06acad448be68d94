"""Batch (SQL on DuckDB) and the single-profile reference agree exactly, row for row.

Generated rows mix valid values (every boundary, every id, lists not asked and asked
"none") with every kind of invalid one, so the test covers validation agreement as well
as status, indication, findings (ids and order), coverage, crisis and missing. CSV rows
must need no Python fallback at all: the SQL validation of text cells is exact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.sql.validate import bounds
from ketadecide.knowledge import KnowledgeBase
from ketadecide.predicates import RULE_ENUM_FIELDS
from ketadecide.profile import FIELD_SPECS, PROFILE_FIELDS
from tests.batch.helpers import (
    read_errors,
    read_output,
    reference_csv,
    reference_jsonl,
    write_csv,
)

INT_FIELDS = (
    "age",
    "antidepressant_trials",
    "bp_systolic",
    "bp_diastolic",
    "course_sessions",
    "values_evidence",
    "values_cost",
    "values_time",
    "values_home",
    "values_needles",
    "values_monitoring",
)
BOOL_FIELDS = (
    "has_driver",
    "can_attend_twice_weekly",
    "prefers_home",
    "needle_averse",
    "financial_stress",
    "sure_sure",
    "sure_understand",
    "sure_values",
    "sure_support",
    "oral_antidepressant",
)
DIAGNOSES = ("mdd", "bipolar_depression", "ptsd", "gad", "ocd", "chronic_pain", "other")


def text_candidates(field: str, kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """(valid cells, invalid cells) for one CSV column, boundaries included."""
    if field in INT_FIELDS:
        lo, hi = (int(x) for x in bounds(field))
        mid = (lo + hi) // 2
        valid = [str(lo), str(hi), str(lo + 1), str(hi - 1), str(mid)]
        # Decimal digits only, as a YAML file reads them (CONTRACT §1): no leading zero, no -0.
        invalid = [str(lo - 1), str(hi + 1), "4.5", " 42", "+5", "abc", "1e2", "9" * 30, "٤٢", f"00{mid}", "065"]
        if lo == 0:
            invalid.append("-0")
        if field == "bp_systolic":
            valid += ["140", "139", "141", "91", "90"]
        if field == "bp_diastolic":
            valid += ["90", "89", "99", "100", "60"]
        if field == "age":
            valid += ["17", "18", "64", "65"]
        if field == "antidepressant_trials":
            valid += ["1", "2", "3"]
        return valid, invalid
    if field == "budget_per_session":
        return (
            [
                "0",
                "1000000",
                "150.5",
                "150.49",
                "500",
                "500.0",
                "5e2",
                ".5",
                "1.",
                "0.0",
                "999999.99",
                "-0",
            ],
            ["-1", "1000000.01", "1e7", "abc", "nan", "inf", "1_000", " 5", "$5", "1e400"],
        )
    if field in BOOL_FIELDS:
        return (
            ["true", "false", "TRUE", "False", "yes", "No", "YES", "1", "0"],
            ["maybe", "t", "2", "y", "tru e", "ＴＲＵＥ"],
        )
    if field in RULE_ENUM_FIELDS or field == "plan_leaning":
        values = list(RULE_ENUM_FIELDS.get(field) or FIELD_SPECS[field].choices)
        return values, [values[0].upper(), "x", values[0] + " "]
    if field == "plan_decide_by":
        return (
            ["2026-12-20", "2028-02-29", "2000-02-29", "1999-12-31", "9999-12-31", "1000-01-01", "2027-04-30"],
            [
                "2027-02-29",
                "2100-02-29",
                "2026-13-01",
                "2026-00-10",
                "2026-04-31",
                "2026-12-32",
                "20261220",
                "12/20/2026",
                "2026-12-20 ",
                "0999-01-01",
                "2026-1-5",
                "٢٠٢٦-١٢-٢٠",
                "2026-12-20T10:00",
            ],
        )
    if field == "plan_notes":
        return (
            ["Ask about cost", "x" * 1000, "é-ü; with a, comma", "nb\u00a0sp"],
            ["x" * 1001, "tab\there", "bell\x07", "bidi\u202e", "esc\x1b[31m"],  # line breaks: see id
        )
    if field in ("diagnoses", "conditions", "medications"):
        ids = list(DIAGNOSES) if field == "diagnoses" else list(getattr(kb, field))
        valid = [
            *ids,
            "none",  # "asked, none": the CSV form of []
            f"{ids[0]};{ids[-1]}",
            f"{ids[-1]};{ids[0]};{ids[-1]}",
            ";".join(ids),
            ";".join([ids[-1]] * 100),
        ]
        return valid, [
            f"{ids[0]};",
            ";",
            "unknown_id",
            ids[0].upper(),
            f"{ids[0]};;{ids[1]}",
            f"{ids[0]}; {ids[1]}",
            ";".join([ids[0]] * 101),
            f"{ids[0]}|{ids[1]}",
            f"none;{ids[0]}",
            "None",
            "none;",
        ]
    if field == "phq9":
        return (
            [
                "0;0;0;0;0;0;0;0;0",
                "3;3;3;3;3;3;3;3;3",
                "1;2;3;0;1;2;3;0;1",
                "2;2;2;2;2;2;2;2;0",
                "3;3;2;2;3;3;2;2;1",
                "0;0;0;0;0;0;0;0;1",
            ],
            [
                "-0;00;0003;-00;1;2;3;0;0",  # decimal digits only, as in a YAML file
                "0;0;0;0;0;0;0;0",
                "0;0;0;0;0;0;0;0;0;0",
                "4;0;0;0;0;0;0;0;0",
                "a;0;0;0;0;0;0;0;0",
                "-1;0;0;0;0;0;0;0;0",
                "0,0,0,0,0,0,0,0,0",
                "0;0;0;0;0;0;0;0;",
                "0;0;0;0;0;0;0;0;-3",
                "0;0;0;0;0;0;0;0;0;",
                "0;0;0;0;0;0;0;0; 1",
            ],
        )
    if field == "id":
        return (
            ["p1", "patient 7", "é-ü", "x" * 200, "a,b", 'q"uote', "nb\u00a0sp"],
            [
                "x" * 201,
                "tab\there",
                "esc\x1b[31m",
                "del\x7f",
                "line\nbreak",
                "nul\x00",
                "\x1f",
                "c1\u0085",
                "bidi\u202e",
            ],
        )
    raise AssertionError(field)


def row_strategy(kb: KnowledgeBase) -> st.SearchStrategy[dict[str, str]]:
    cells = {}
    for field in PROFILE_FIELDS:
        valid, invalid = text_candidates(field, kb)
        options = st.sampled_from(valid)
        if field != "age":
            options = st.one_of(st.just(""), st.just(""), options)
        cells[field] = st.one_of(
            options,
            options,
            options,
            options,
            options,
            options,
            options,
            options,
            options,
            st.sampled_from(invalid),
        )
    return st.fixed_dictionaries(cells)


def _run_csv(  # noqa: PLR0917
    tmp: Path,
    rows: list[dict[str, str]],
    kb: KnowledgeBase,
    columns: list[str] | None = None,
    out_fmt: str = "parquet",
    threads: int | None = None,
) -> tuple[Any, list[dict[str, Any]], list[dict[str, str]]]:
    src = tmp / "in.csv"
    write_csv(src, rows, columns)
    out = tmp / f"out.{out_fmt}"
    summary = run_batch(str(src), str(out), kb, threads=threads)
    return summary, read_output(out, out_fmt), read_errors(Path(f"{out}.errors.csv"))


def _check(  # noqa: PLR0917
    summary: Any,
    got: list[dict[str, Any]],
    errors: list[dict[str, str]],
    expected: list[dict[str, Any]],
    bad: set[int],
    n: int,
) -> None:
    assert got == expected
    assert {int(e["row"]) for e in errors} == bad
    assert summary.rows_in == n == summary.rows_out + summary.error_rows


def test_every_boundary_and_every_id(tmp_path: Path, rich_kb: KnowledgeBase) -> None:
    """Each candidate value of each field, valid and invalid, on an otherwise valid row."""
    base = {"age": "40"}
    rows = []
    for field in PROFILE_FIELDS:
        valid, invalid = text_candidates(field, rich_kb)
        for value in [*valid, *invalid]:
            rows.append({**base, field: value})
    expected, bad = reference_csv(rows, rich_kb)
    summary, got, errors = _run_csv(tmp_path, rows, rich_kb)
    _check(summary, got, errors, expected, bad, len(expected) + len(bad))
    assert summary.decided_in_python == 0
    assert len(bad) > 50 and len(expected) > 150


def test_five_thousand_seeded_rows_agree(
    tmp_path: Path, rich_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk run (seeded, so reproducible): 5,000 rows, about one in three invalid, read in
    many small blocks so that DuckDB's threads return them out of order (and must be put
    back in input order)."""
    import ketadecide.batch.io.lines as batch_io

    monkeypatch.setattr(batch_io, "BLOCK_SIZE", 8 * 1024)
    rows = seeded_rows(rich_kb, 5000)
    expected, bad = reference_csv(rows, rich_kb)
    summary, got, errors = _run_csv(tmp_path, rows, rich_kb, out_fmt="csv", threads=2)
    _check(summary, got, errors, expected, bad, len(expected) + len(bad))
    assert summary.decided_in_python == 0
    assert 200 < len(bad) < 2000  # about one row in three: one column in ten bad, ~45 columns


def test_small_chunks_and_decoder_cache_resets_agree(
    tmp_path: Path, rich_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind of run cut into many query chunks, with the findings decoder made to
    forget its cached values again and again (as it does on a cohort with very many
    distinct values): the results must not change."""
    import ketadecide.batch.duckdb.stream as run_mod
    import ketadecide.batch.io.lines as batch_io
    from ketadecide.batch.sql import decode

    monkeypatch.setattr(batch_io, "BLOCK_SIZE", 4 * 1024)
    monkeypatch.setattr(run_mod, "CHUNK_ROWS", 300)
    monkeypatch.setattr(decode, "MAX_CACHED_VALUES", 40)
    rows = seeded_rows(rich_kb, 3000, seed=7)
    expected, bad = reference_csv(rows, rich_kb)
    summary, got, errors = _run_csv(tmp_path, rows, rich_kb, out_fmt="parquet", threads=2)
    _check(summary, got, errors, expected, bad, len(expected) + len(bad))


def seeded_rows(kb: KnowledgeBase, n: int, seed: int = 20261123, bad: float = 0.005) -> list[dict[str, str]]:
    """``n`` rows of candidate values, reproducibly: each asked field (age always, the others
    70% of the time) invalid with probability ``bad`` (0.005: about one row in ten)."""
    import random

    rng = random.Random(seed)
    table = {f: text_candidates(f, kb) for f in PROFILE_FIELDS}
    rows = []
    for _ in range(n):
        row = {}
        for f, (valid, invalid) in table.items():
            roll = rng.random()
            if f != "age" and roll < 0.3:
                continue
            row[f] = rng.choice(invalid) if roll > 1 - bad else rng.choice(valid)
        rows.append(row)
    return rows


#: Settings shared by the generated-rows tests: each example runs a whole batch, so it is
#: slow and large by design, and the knowledge-base fixture is the same for every example.
GENERATED_ROWS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}


@settings(max_examples=30, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_csv_rows_agree(tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject) -> None:
    rows = data.draw(st.lists(row_strategy(rich_kb), min_size=1, max_size=120))
    tmp = tmp_path_factory.mktemp("diff")
    expected, bad = reference_csv(rows, rich_kb)
    summary, got, errors = _run_csv(tmp, rows, rich_kb)
    _check(summary, got, errors, expected, bad, len(expected) + len(bad))
    # The SQL decided every CSV row itself: no disagreement was papered over by the fallback.
    assert summary.decided_in_python == 0


@settings(max_examples=4, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_csv_rows_agree_on_minimal_kb(
    tmp_path_factory: Any, minimal_kb: KnowledgeBase, data: st.DataObject
) -> None:
    rows = data.draw(st.lists(row_strategy(minimal_kb), min_size=1, max_size=300))
    tmp = tmp_path_factory.mktemp("diffmin")
    expected, bad = reference_csv(rows, minimal_kb)
    summary, got, errors = _run_csv(tmp, rows, minimal_kb)
    _check(summary, got, errors, expected, bad, len(expected) + len(bad))
    assert summary.decided_in_python == 0


def json_value(field: str, kb: KnowledgeBase) -> st.SearchStrategy[Any]:
    """Typed JSON values for a field: valid ones, and wrong types / out-of-range ones."""
    wrong = st.sampled_from([None, True, 1, 1.5, -0.0, "x", [], ["x"], {"a": 1}, 10**20])
    if field in INT_FIELDS:
        lo, hi = (int(x) for x in bounds(field))
        good = st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, lo - 1, hi + 1, float(lo), str(lo)]))
    elif field == "budget_per_session":
        good = st.one_of(
            st.floats(0, 1_000_000),
            st.integers(0, 1_000_000),
            st.sampled_from([-1, 1_000_001, 150.5, 500, 1e300]),
        )
    elif field in BOOL_FIELDS:
        good = st.booleans()
    elif field in RULE_ENUM_FIELDS:
        good = st.sampled_from([*RULE_ENUM_FIELDS[field], "NONE"])
    elif field in ("diagnoses", "conditions", "medications"):
        ids = list(DIAGNOSES) if field == "diagnoses" else list(getattr(kb, field))
        good = st.lists(st.sampled_from([*ids, "bad_id"]), max_size=4)
    elif field == "phq9":
        good = st.lists(st.integers(-1, 4), min_size=8, max_size=10)
    else:  # id
        good = st.text(alphabet="abcxyz0123 -\t\n\x1b\x7f\x00\u0080", max_size=12)
    if field == "budget_per_session":
        wrong = st.sampled_from([True, [], None, {"a": 1}])  # strings are decided by the fallback
    return st.one_of(good, good, good, good, wrong)


def json_row(kb: KnowledgeBase) -> st.SearchStrategy[str]:
    fields = {f: json_value(f, kb) for f in PROFILE_FIELDS}
    optional = {f: v for f, v in fields.items() if f != "age"}
    record = st.fixed_dictionaries({"age": fields["age"]}, optional=optional)
    extra = st.sampled_from([None, None, None, None, "unknown_field", "dup"])

    @st.composite
    def build(draw: st.DrawFn) -> str:
        r = draw(record)
        how = draw(extra)
        line = json.dumps(r)
        if how == "unknown_field":
            line = line[:-1] + (', "colour": 1}' if len(r) else '"colour": 1}')
        elif how == "dup":
            line = line[:-1] + ', "age": 40}'
        return line

    garbage = st.sampled_from(
        [
            "",
            "{",
            "[1, 2]",
            "null",
            "42",
            '{"age": 40,}',
            "{'age': 40}",
            '{"age": NaN}',
            '{"age": 40} x',
        ]
    )
    return st.one_of(build(), build(), build(), build(), build(), build(), build(), build(), garbage)


@settings(max_examples=25, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_jsonl_rows_agree(tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject) -> None:
    lines = data.draw(st.lists(json_row(rich_kb), min_size=1, max_size=120))
    tmp = tmp_path_factory.mktemp("diffjson")
    src = tmp / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "out.jsonl"
    summary = run_batch(str(src), str(out), rich_kb)
    expected, bad = reference_jsonl(lines, rich_kb)
    got = read_output(out, "jsonl")
    errors = read_errors(Path(f"{out}.errors.csv"))
    _check(summary, got, errors, expected, bad, len(lines))
    # Only the deliberately unsure inputs may need the fallback (none are generated valid here
    # except a trailing-comma look-alike, which is always invalid).
    assert summary.decided_in_python == 0


def test_json_null_lists_are_not_given_in_sql(tmp_path: Path, rich_kb: KnowledgeBase) -> None:
    """``null`` for an optional list is "not given" (as in a profile file), decided by the SQL."""
    lines = [
        '{"age": 40, "diagnoses": null, "conditions": null, "medications": null, "phq9": null}',
        '{"age": 40, "id": "a\\u00a0b"}',
        '{"age": 40, "id": "tab\\there"}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for out_fmt in ("jsonl", "parquet"):
        out = tmp_path / f"out.{out_fmt}"
        summary = run_batch(str(src), str(out), rich_kb)
        expected, bad = reference_jsonl(lines, rich_kb)
        got = read_output(out, out_fmt)
        errors = read_errors(Path(f"{out}.errors.csv"))
        _check(summary, got, errors, expected, bad, len(lines))
        assert bad == {3}
        assert summary.decided_in_python == 0
