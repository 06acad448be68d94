"""Issue 24 in batch: per modality the out-of-pocket *estimate* per session
(``<m>_oop_est_low``/``<m>_oop_est_high``) and the budget compared with it
(``<m>_within_budget``) are exactly what ``compare --format json`` says for the same
profile (``out_of_pocket_usd.per_session`` and ``cost_usd.within_budget``): on generated
profiles, on the bundled data, under a clinic overlay that tightens coverage, through the
CLI and on every engine. The SQL holds the numbers the Python estimate works out (its
rounding included); these tests hold the two to the same answer."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide import evaluate_many
from ketadecide.batch.engines import BatchJob, run_job
from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from ketadecide.knowledge.migrate import to_yaml
from ketadecide.profile import MODALITY_IDS, PROFILE_FIELDS, parse_profile
from ketadecide.render.json import result_to_dict
from ketadecide.safeyaml import load_yaml
from tests.batch.helpers import read_output, write_csv
from tests.strategies import profile_records

ROOT = Path(__file__).resolve().parents[2]
SCREENED = {"pregnancy": "none", "conditions": [], "medications": [], "suicidality": "none"}


def json_view(record: dict[str, Any], kb: KnowledgeBase) -> dict[str, Any]:
    """What ``compare --format json`` says of the record, under the batch columns' names."""
    result = result_to_dict(evaluate(parse_profile(record), kb))
    out: dict[str, Any] = {}
    for mod in result["modalities"]:
        m = mod["id"]
        low, high = mod["out_of_pocket_usd"]["per_session"]
        out[f"{m}_oop_est_low"], out[f"{m}_oop_est_high"] = low, high
        out[f"{m}_within_budget"] = mod["cost_usd"]["within_budget"]
        out[f"{m}_likely_covered"] = mod["insurance"]["likely_covered"]
        assert mod["out_of_pocket_usd"]["estimate"] is True  # labelled an estimate
    return out


def batch_view(row: dict[str, Any]) -> dict[str, Any]:
    names = ("oop_est_low", "oop_est_high", "within_budget", "likely_covered")
    return {f"{m}_{n}": row[f"{m}_{n}"] for m in MODALITY_IDS for n in names}


def agree(records: list[dict[str, Any]], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Run ``records`` through ``evaluate_many`` (the SQL decides them) and assert each row
    equals the JSON result of its profile; returns the rows."""
    run = evaluate_many(records, kb)
    rows = run.table.to_pylist()
    assert not run.errors and len(rows) == len(records)
    assert run.summary.decided_in_python == 0, "the SQL decided every row itself"
    for record, row in zip(records, rows, strict=True):
        assert batch_view(row) == json_view(record, kb), record
        for m in MODALITY_IDS:
            assert isinstance(row[f"{m}_oop_est_low"], float)
    return rows


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_generated_profiles_agree_with_the_json_result(kb: KnowledgeBase, data: st.DataObject) -> None:
    records = data.draw(st.lists(profile_records(kb), min_size=1, max_size=40))
    agree(records, kb)


def _cohort() -> list[dict[str, Any]]:
    """Every payer, on-label / off-label / not established Spravato, under and over the
    coverage age, and budgets on every side of each estimate (at its ends, a cent under)."""
    indications: list[dict[str, Any]] = [
        {**SCREENED, "diagnoses": ["mdd"], "antidepressant_trials": 3},  # TRD: on-label
        {**SCREENED, "diagnoses": ["ptsd"]},  # off-label
        {},  # not established
    ]
    budgets: list[float | None] = [None, 0, 3.99, 4, 90.99, 91, 181, 258, 386.99, 387, 800, 906.99, 907, 1290, 5000]
    payers = ["commercial", "medicare", "medicaid", "va_tricare", "uninsured", "unknown"]
    out = []
    for payer in payers:
        for n, ind in enumerate(indications):
            for age in (17, 40):
                for budget in budgets:
                    record: dict[str, Any] = {"id": f"{payer}-{n}-{age}-{budget}", "age": age, "insurance": payer}
                    record.update(ind)
                    if budget is not None:
                        record["budget_per_session"] = budget
                    out.append(record)
    return out


def test_bundled_data_each_payer_and_coverage_outcome(kb: KnowledgeBase) -> None:
    rows = agree(_cohort(), kb)
    price = kb.modalities["spravato"].cost_per_session_usd
    cash = (price.low, price.high)
    by_id = {r["id"]: r for r in rows}

    def spravato(key: str) -> tuple[float, float]:
        r = by_id[key]
        return r["spravato_oop_est_low"], r["spravato_oop_est_high"]

    # Likely covered: the plan's share, below the cash price.
    assert spravato("commercial-0-40-None") < cash and spravato("medicare-0-40-None") < cash
    assert spravato("medicaid-0-40-None")[1] < 10
    # Off-label, not established, under the coverage age, uninsured, VA/TRICARE (case by
    # case) and payer not recorded: the full price, never a plan share or a card figure.
    for key in (
        "commercial-1-40-None",
        "commercial-2-40-None",
        "commercial-0-17-None",
        "uninsured-0-40-None",
        "va_tricare-0-40-None",
        "unknown-0-40-None",
    ):
        assert spravato(key) == cash, key
    # Every racemic route is the full price whatever the payer.
    for m in ("iv", "im", "compounded"):
        p = kb.modalities[m].cost_per_session_usd
        assert {(r[f"{m}_oop_est_low"], r[f"{m}_oop_est_high"]) for r in rows} == {(p.low, p.high)}
    # The budget: every answer occurs, and a budget at the high end is within it.
    assert {r[f"{m}_within_budget"] for r in rows for m in MODALITY_IDS} == {True, False, None}
    # The bundled commercial share: 10-30% of $907-$1,290, rounded: $91-$387 (the cohort's
    # budgets sit on and a cent under each end).
    assert spravato("commercial-0-40-None") == (91, 387)
    at = {b: by_id[f"commercial-0-40-{b}"]["spravato_within_budget"] for b in (90.99, 91, 386.99, 387)}
    assert at == {90.99: False, 91: None, 386.99: None, 387: True}
    assert by_id["commercial-1-40-387"]["spravato_within_budget"] is False  # off-label: the cash price


def _tightening_overlay(tmp_path: Path) -> Path:
    """The example clinic overlay (its own IV prices) plus coverage made less generous:
    Spravato under commercial plans unknown, under Medicare only from age 70."""
    folder = tmp_path / "clinic"
    shutil.copytree(ROOT / "examples" / "clinic-overlay", folder)
    mods = load_yaml((folder / "modalities.yaml").read_text(encoding="utf-8"), "modalities.yaml")
    mods["modalities"]["spravato"] = {"coverage": {"commercial": {"likely_covered": None}, "medicare": {"min_age": 70}}}
    (folder / "modalities.yaml").write_text(to_yaml(mods), encoding="utf-8")
    return folder


def test_a_clinic_overlay_that_tightens_coverage_is_followed_exactly(tmp_path: Path, kb: KnowledgeBase) -> None:
    clinic = load_knowledge_base(_tightening_overlay(tmp_path))
    records = [
        r for r in _cohort() if r["insurance"] in ("commercial", "medicare") and r.get("antidepressant_trials") == 3
    ]
    records += [{**r, "id": r["id"] + "-75", "age": 75} for r in records if r["age"] == 40]
    rows = agree(records, clinic)
    price = clinic.modalities["spravato"].cost_per_session_usd
    by_id = {r["id"]: r for r in rows}
    # Commercial: coverage now unknown, so the full price (the bundled data gave a share).
    assert by_id["commercial-0-40-None"]["spravato_likely_covered"] is None
    assert (
        by_id["commercial-0-40-None"]["spravato_oop_est_low"],
        by_id["commercial-0-40-None"]["spravato_oop_est_high"],
    ) == (price.low, price.high)
    bundled = evaluate_many([r for r in records if r["id"] == "commercial-0-40-None"], kb).table.to_pylist()[0]
    assert bundled["spravato_oop_est_high"] < price.low
    # Medicare: a share from 70 only.
    assert by_id["medicare-0-40-None"]["spravato_oop_est_low"] == price.low
    assert by_id["medicare-0-40-None-75"]["spravato_oop_est_low"] < price.low
    # The clinic's own IV prices are the estimate (IV is never covered: the full price).
    iv = clinic.modalities["iv"].cost_per_session_usd
    assert {(r["iv_oop_est_low"], r["iv_oop_est_high"]) for r in rows} == {(iv.low, iv.high)}
    assert (iv.low, iv.high) != (
        kb.modalities["iv"].cost_per_session_usd.low,
        kb.modalities["iv"].cost_per_session_usd.high,
    )


def _cell(value: Any) -> str | None:
    """A record's value as a CSV cell (a list ``;``-joined, ``[]`` is ``none``; absent NULL)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(value) if value else "none"
    return str(value)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ketadecide", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_cli_batch_csv_says_what_compare_format_json_says(tmp_path: Path) -> None:
    """End to end: ``ketadecide batch`` on a CSV (with a clinic overlay) against
    ``ketadecide compare --format json`` on each row's profile, as separate processes."""
    clinic = _tightening_overlay(tmp_path)
    records = [
        {
            "id": "trd-commercial",
            "age": 40,
            "insurance": "commercial",
            "budget_per_session": 100,
            **SCREENED,
            "diagnoses": ["mdd"],
            "antidepressant_trials": 3,
        },
        {
            "id": "trd-medicaid",
            "age": 40,
            "insurance": "medicaid",
            "budget_per_session": 2,
            **SCREENED,
            "diagnoses": ["mdd"],
            "antidepressant_trials": 2,
        },
        {
            "id": "ptsd-uninsured",
            "age": 30,
            "insurance": "uninsured",
            "budget_per_session": 400,
            **SCREENED,
            "diagnoses": ["ptsd"],
        },
    ]
    rows = [{k: _cell(v) or "" for k, v in r.items()} for r in records]
    write_csv(tmp_path / "in.csv", rows)
    for data_dir in (None, clinic):
        extra = ["--data-dir", str(data_dir)] if data_dir else []
        out = tmp_path / f"out-{bool(data_dir)}.csv"
        done = _cli("batch", "in.csv", "-o", out.name, *extra, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        got = read_output(out, "csv")
        for record, row in zip(records, got, strict=True):
            (tmp_path / "p.json").write_text(json.dumps(record), encoding="utf-8")
            shown = _cli("compare", "--profile", "p.json", "--format", "json", *extra, cwd=tmp_path)
            assert shown.returncode == 0, shown.stderr
            result = json.loads(shown.stdout)
            for mod in result["modalities"]:
                m = mod["id"]
                assert [row[f"{m}_oop_est_low"], row[f"{m}_oop_est_high"]] == mod["out_of_pocket_usd"]["per_session"]
                assert row[f"{m}_within_budget"] == mod["cost_usd"]["within_budget"], (record["id"], m)
    with (tmp_path / "out-True.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    assert header[-12:] == [f"{m}_{c}" for m in MODALITY_IDS for c in ("oop_est_low", "oop_est_high", "within_budget")]


@pytest.mark.slow
def test_every_engine_gives_the_estimate_the_json_gives(tmp_path: Path, kb: KnowledgeBase, engine: str) -> None:
    """The cohort as text columns of a Parquet file, on each engine (``engine`` fixture)."""
    records = _cohort()
    columns = {f: pa.array([_cell(r.get(f)) for r in records], pa.string()) for f in PROFILE_FIELDS}
    src = tmp_path / "cohort.parquet"
    pq.write_table(pa.table(columns), src, row_group_size=64)
    out = tmp_path / ("out" if engine == "spark" else "out.parquet")
    errors = tmp_path / "errors.csv"
    summary = run_job(BatchJob(input=str(src), output=str(out), errors=str(errors)), engine)
    assert summary.error_rows == 0 and summary.rows_out == len(records)
    got = pq.read_table(out).to_pylist()
    assert [r["id"] for r in got] == [r["id"] for r in records]
    for record, row in zip(records, got, strict=True):
        assert batch_view(row) == json_view(record, kb), record["id"]
