"""Schema 2 in batch: not asked vs asked-none, ``missing``, the four statuses, the
indication (three-valued) and coverage that follows it, each checked against the
single-profile reference (:func:`ketadecide.evaluate`), row for row, in every format.

The rows are generated (seeded) from the values that decide these fields, so every
indication path, every status and every coverage answer occurs; the tests check that they
do, so a generator that stopped reaching one would fail rather than pass vacuously.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.io.columns import output_row
from ketadecide.batch.row_checks import check_cells
from ketadecide.batch.sql.compile import INDICATIONS
from ketadecide.batch.sql.emit import emit_sql
from ketadecide.compare import evaluate
from ketadecide.engine.result import STATUSES
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, PROFILE_FIELDS, Profile, parse_profile
from tests.batch.helpers import read_errors, read_output, reference_csv, write_csv

LISTS = ("diagnoses", "conditions", "medications")


def _cells(kb: KnowledgeBase) -> dict[str, list[str]]:
    """CSV cells per field: "" is not given, "none" (lists) asked-none."""
    conds, meds = list(kb.conditions), list(kb.medications)
    return {
        "age": ["17", "18", "29", "30", "40", "65"],
        "pregnancy": ["", "", "none", "pregnant", "breastfeeding", "planning"],
        "diagnoses": ["", "none", "mdd", "mdd", "mdd;gad", "ptsd", "mdd;bipolar_depression", "bipolar_depression"],
        "antidepressant_trials": ["", "0", "1", "2", "3"],
        "suicidality": ["", "unknown", "none", "passive_ideation", "active_ideation", "plan_or_intent"],
        "phq9": ["", "3;3;3;3;3;3;3;3;0", "1;1;1;1;1;1;1;1;1", "0;0;0;0;0;0;0;0;0"],
        "bp_systolic": ["", "120", "140", "141", "185"],
        "bp_diastolic": ["", "80", "90", "91", "105"],
        "conditions": ["", "none", "none", conds[0], f"{conds[1]};{conds[-1]}"],
        "medications": ["", "none", "none", meds[0], "maoi" if "maoi" in meds else meds[-1]],
        "insurance": ["", "unknown", "commercial", "medicare", "medicaid", "va_tricare", "uninsured"],
        "budget_per_session": ["", "100", "200"],
        "has_driver": ["", "true", "false"],
        # Spravato MDSI is with an oral antidepressant: not asked, yes and no.
        "oral_antidepressant": ["", "true", "true", "false"],
    }


def seeded_rows(kb: KnowledgeBase, n: int, seed: int = 2026) -> list[dict[str, str]]:
    rng = random.Random(seed)
    cells = _cells(kb)
    rows = []
    for i in range(n):
        row = {f: rng.choice(values) for f, values in cells.items()}
        if rng.random() < 0.25:  # every screening question answered: statuses other than incomplete
            row.update(
                suicidality=rng.choice(["none", "passive_ideation", "active_ideation"]),
                pregnancy=rng.choice(["none", "none", "pregnant"]),
                diagnoses=rng.choice(["mdd", "mdd;ptsd", "ptsd", "none"]),
                conditions="none",
                medications=rng.choice(["none", "none", row["medications"] or "none"]),
            )
        if row["bp_systolic"] and row["bp_diastolic"] and int(row["bp_systolic"]) <= int(row["bp_diastolic"]):
            row["bp_diastolic"] = ""
        row["id"] = f"s{i}"
        rows.append(row)
    return rows


def _record(row: dict[str, str], kb: KnowledgeBase) -> dict[str, Any]:
    """The same row as a typed record (JSON/Parquet): "" absent, "none" lists []."""
    profile = check_cells(row, kb).profile
    assert profile is not None, row
    return profile.to_record()


def _coverage(got: list[dict[str, Any]]) -> None:
    """The generated rows reach every value of the new columns."""
    for m in ("spravato", "iv", "im"):
        assert {r[f"{m}_indication"] for r in got} == set(INDICATIONS), m
    assert {r["compounded_indication"] for r in got} == {"off_label"}
    assert {r[f"{m}_status"] for r in got for m in MODALITY_IDS} == set(STATUSES)
    assert {r[f"{m}_likely_covered"] for r in got for m in MODALITY_IDS} == {True, False, None}
    missing = Counter(r["missing"] for r in got)
    assert "" in missing and len(missing) > 10


@pytest.mark.parametrize("out_fmt", ["parquet", "csv", "jsonl"])
def test_rich_kb_csv_agrees_on_the_new_fields(tmp_path: Path, rich_kb: KnowledgeBase, out_fmt: str) -> None:
    rows = seeded_rows(rich_kb, 2500)
    expected, bad = reference_csv(rows, rich_kb)
    assert not bad
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / f"out.{out_fmt}"
    summary = run_batch(str(src), str(out), rich_kb, threads=2)
    got = read_output(out, out_fmt)
    assert got == expected
    assert summary.decided_in_python == 0 and summary.error_rows == 0
    _coverage(got)
    # The out-of-pocket estimate (issue 24): every budget answer, and a plan share (not the
    # full price) reached for each payer that has one in the rich KB.
    assert {r[f"{m}_within_budget"] for r in got for m in MODALITY_IDS} == {True, False, None}
    full = {
        m: (rich_kb.modalities[m].cost_per_session_usd.low, rich_kb.modalities[m].cost_per_session_usd.high)
        for m in MODALITY_IDS
    }
    shared = {
        r["insurance"] for r in got for m in MODALITY_IDS if (r[f"{m}_oop_est_low"], r[f"{m}_oop_est_high"]) != full[m]
    }
    assert shared == {"commercial", "medicare", "medicaid", "va_tricare"}


def test_shipped_kb_agrees_and_reaches_both_labelled_indications(tmp_path: Path, kb: KnowledgeBase) -> None:
    """The shipped data (TRD and MDSI paths, requires_on_label payers) through batch."""
    rows = seeded_rows(kb, 2500, seed=11)
    expected, bad = reference_csv(rows, kb)
    assert not bad
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    summary = run_batch(str(src), str(tmp_path / "out.parquet"), kb, threads=2)
    got = read_output(tmp_path / "out.parquet", "parquet")
    assert got == expected
    assert summary.decided_in_python == 0
    bases = Counter(evaluate(parse_profile(_record(r, kb)), kb).modality("spravato").indication.basis for r in rows)
    assert bases["trd"] and bases["mdsi"] and bases[None]
    assert {r["spravato_indication"] for r in got} == set(INDICATIONS)
    # Spravato's commercial record requires on-label use: each indication gives its answer.
    commercial = {
        (r["spravato_indication"], r["spravato_likely_covered"]) for r in got if r["insurance"] == "commercial"
    }
    assert {("off_label", False), ("not_established", None), ("on_label", True)} <= commercial


def test_jsonl_and_parquet_null_is_not_asked_and_empty_list_is_asked_none(
    tmp_path: Path, rich_kb: KnowledgeBase
) -> None:
    """The same profiles as CSV, JSONL (absent, null and []) and typed Parquet give the same rows."""
    rows = seeded_rows(rich_kb, 600, seed=5)
    expected, _ = reference_csv(rows, rich_kb)
    records = [_record(r, rich_kb) for r in rows]
    lines = []
    for i, rec in enumerate(records):
        # "Not asked" as an explicit null half of the time, as an absent key the other half.
        nulls = {f: None for f in (*LISTS, "pregnancy") if f not in rec} if i % 2 else {}
        lines.append(json.dumps({**nulls, **rec}))
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    columns = {f: [rec.get(f) for rec in records] for f in PROFILE_FIELDS if any(f in rec for rec in records)}
    types = {f: pa.list_(pa.string()) for f in LISTS} | {"phq9": pa.list_(pa.int64())}
    pq.write_table(pa.table({f: pa.array(v, types.get(f)) for f, v in columns.items()}), tmp_path / "in.parquet")
    assert any(rec.get("conditions") == [] for rec in records) and any("conditions" not in rec for rec in records)
    for src in ("in.jsonl", "in.parquet"):
        out = tmp_path / f"{src}.out.parquet"
        summary = run_batch(str(tmp_path / src), str(out), rich_kb)
        assert read_output(out, "parquet") == expected, src
        assert summary.decided_in_python == 0 and summary.error_rows == 0


def test_none_cell_means_asked_none_only_as_the_whole_cell(tmp_path: Path, rich_kb: KnowledgeBase) -> None:
    cond = next(iter(rich_kb.conditions))
    rows = [
        {"age": "40", "conditions": "none", "medications": "none", "diagnoses": "none"},
        {"age": "40"},
        {"age": "40", "conditions": f"none;{cond}"},
        {"age": "40", "diagnoses": "None"},
        {"age": "40", "medications": "NONE"},
        {"age": "40", "conditions": " none"},
    ]
    expected, bad = reference_csv(rows, rich_kb)
    assert bad == {3, 4, 5, 6}
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / "out.csv"
    summary = run_batch(str(src), str(out), rich_kb)
    got = read_output(out, "csv")
    assert got == expected
    assert {int(e["row"]) for e in read_errors(Path(f"{out}.errors.csv"))} == bad
    assert summary.decided_in_python == 0
    asked, not_asked = got
    assert asked["missing"] == "suicidality;pregnancy;bp_systolic;insurance"
    assert not_asked["missing"] == "suicidality;pregnancy;diagnoses;conditions;medications;bp_systolic;insurance"


def test_status_precedence_in_batch(tmp_path: Path, kb: KnowledgeBase) -> None:
    """contraindicated > incomplete > caution > no_flags, with the shipped data."""
    answered = {
        "suicidality": "none",
        "pregnancy": "none",
        "diagnoses": "mdd",
        "conditions": "none",
        "medications": "none",
        "bp_systolic": "120",
        "bp_diastolic": "80",
        "antidepressant_trials": "3",
    }
    rows = [
        {"age": "40", **answered},
        {"age": "40", **answered, "medications": "benzodiazepine"},
        {"age": "40", **answered, "medications": "benzodiazepine", "pregnancy": ""},
        {"age": "40", **answered, "conditions": "ketamine_hypersensitivity", "pregnancy": ""},
        {"age": "40", **answered, "suicidality": "unknown"},
    ]
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    run_batch(str(src), str(tmp_path / "out.csv"), kb)
    got = read_output(tmp_path / "out.csv", "csv")
    assert got == reference_csv(rows, kb)[0]
    assert [r["iv_status"] for r in got] == ["no_flags", "caution", "incomplete", "contraindicated", "incomplete"]
    assert [r["missing"] for r in got] == ["", "", "pregnancy", "pregnancy", "suicidality"]


def test_emitted_sql_has_the_new_columns_in_every_dialect(kb: KnowledgeBase) -> None:
    for dialect in ("duckdb", "spark", "postgres", "bigquery", "snowflake"):
        sql = emit_sql(kb, dialect)
        for m in MODALITY_IDS:
            assert f"{m}_indication" in sql and f"{m}_status" in sql
        assert "missing" in sql and "no_flags" in sql and "incomplete" in sql and "eligible" not in sql


def test_evaluate_many_returns_the_new_columns(kb: KnowledgeBase) -> None:
    import ketadecide

    profiles = [
        Profile(age=40, id="not-asked"),
        Profile(
            age=40,
            id="asked",
            suicidality="none",
            pregnancy="none",
            diagnoses=("mdd",),
            conditions=(),
            medications=(),
            antidepressant_trials=2,
            insurance="commercial",
        ),
    ]
    run = ketadecide.evaluate_many(profiles, kb)
    rows = run.table.to_pylist()
    assert rows == [output_row(evaluate(p, kb), p, n) for n, p in enumerate(profiles, start=1)]
    assert rows[0]["missing"] and rows[1]["missing"] == ""
    assert rows[1]["spravato_indication"] == "on_label" and rows[1]["spravato_likely_covered"] is True
    assert rows[0]["spravato_indication"] == "not_established"


@pytest.mark.parametrize("out_fmt", ["csv", "jsonl", "parquet"])
def test_sure_score_column_agrees_with_the_engine(tmp_path: Path, kb: KnowledgeBase, out_fmt: str) -> None:
    """``sure_score`` is 0-4 when all four SURE answers are given and empty otherwise, in
    every output format, and equal to ``engine.fit.sure_score`` (what ``compare`` shows)."""
    from ketadecide.engine.fit import sure_score

    answers = ("sure_sure", "sure_understand", "sure_values", "sure_support")
    rows = [
        {"id": "all-yes", "age": "40", **dict.fromkeys(answers, "yes")},
        {"id": "one-no", "age": "40", **dict.fromkeys(answers, "yes"), "sure_values": "no"},
        {"id": "all-no", "age": "40", **dict.fromkeys(answers, "false")},
        {"id": "three-given", "age": "40", **dict.fromkeys(answers[:3], "1")},
        {"id": "none-given", "age": "40"},
    ]
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / f"out.{out_fmt}"
    run_batch(str(src), str(out), kb)
    got = {r["id"]: r["sure_score"] for r in read_output(out, out_fmt)}
    assert got == {"all-yes": 4, "one-no": 3, "all-no": 0, "three-given": None, "none-given": None}
    for r in rows:
        profile = check_cells(r, kb).profile
        assert profile is not None and got[r["id"]] == sure_score(profile)
