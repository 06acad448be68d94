"""Shared helpers for the batch tests: a rule-rich synthetic knowledge base, row writers,
and the reference (one-at-a-time) answer for a raw row. Synthetic data only.

The knowledge bases are copies of ``tests/fixtures/kb_minimal`` brought to schema 2 by
:func:`upgrade_to_schema2` (a ``completeness`` block, an ``indication`` block per
modality, ``requires_on_label`` for ``requires_trd``): a no-op once the fixture has them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ketadecide.batch.io.columns import output_row
from ketadecide.batch.row_checks import check_cells, check_json_line
from ketadecide.compare import evaluate
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import MODALITY_IDS, PROFILE_FIELDS

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "kb_minimal"
DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"

#: Screens that use every predicate operator and derived fact, so the compiler is exercised.
RICH_SCREENS: dict[str, Any] = {
    "pregnant_or_planning": {
        "when": {"field": "pregnancy", "op": "in", "value": ["pregnant", "planning"]},
        "severity": {"spravato": "absolute", "iv": "relative", "compounded": "info"},
    },
    "not_breastfeeding_info": {
        "when": {"field": "pregnancy", "op": "ne", "value": "breastfeeding"},
        "severity": {"im": "info"},
    },
    "bipolar": {
        "when": {"field": "diagnoses", "op": "contains", "value": ["bipolar_depression", "other"]},
        "severity": {
            "spravato": "relative",
            "iv": "relative",
            "im": "info",
            "compounded": "absolute",
        },
    },
    "no_diagnosis": {"when": {"field": "diagnoses", "op": "missing"}, "severity": {"iv": "info"}},
    "phq_severe": {
        "when": {"field": "phq9_total", "op": "ge", "value": 20},
        "severity": {"spravato": "info", "im": "relative"},
    },
    "phq_item9": {
        "when": {"field": "phq9_item9", "op": "gt", "value": 0},
        "severity": {"compounded": "relative"},
    },
    "phq_missing": {
        "when": {"field": "phq9_total", "op": "missing"},
        "severity": {"spravato": "info"},
    },
    "no_driver": {
        "when": {
            "all": [
                {"field": "has_driver", "op": "eq", "value": False},
                {"not": {"field": "prefers_home", "op": "eq", "value": True}},
            ]
        },
        "severity": {"spravato": "relative", "iv": "relative", "im": "relative"},
    },
    "driver_unknown": {
        "when": {"field": "has_driver", "op": "missing"},
        "severity": {"iv": "info"},
    },
    "budget_low": {
        "when": {"field": "budget_per_session", "op": "lt", "value": 150.5},
        "severity": {"iv": "info", "spravato": "info"},
    },
    "budget_exact": {
        "when": {"field": "budget_per_session", "op": "eq", "value": 500},
        "severity": {"im": "info"},
    },
    "trials_few": {
        "when": {
            "any": [
                {"field": "antidepressant_trials", "op": "le", "value": 1},
                {"field": "antidepressant_trials", "op": "missing"},
            ]
        },
        "severity": {"spravato": "relative"},
    },
    "old": {"when": {"field": "age", "op": "ge", "value": 65}, "severity": {"iv": "relative"}},
    "course_mod": {
        "when": {"field": "course_modality", "op": "not_in", "value": ["iv", "im"]},
        "severity": {"compounded": "info"},
    },
    "course_present": {
        "when": {
            "all": [
                {"field": "course_sessions", "op": "present"},
                {"field": "course_response", "op": "eq", "value": "none"},
            ]
        },
        "severity": {"spravato": "info", "iv": "info"},
    },
    "stress": {
        "when": {
            "any": [
                {"field": "financial_stress", "op": "eq", "value": True},
                {"field": "insurance", "op": "eq", "value": "uninsured"},
            ]
        },
        "severity": {"compounded": "info"},
    },
    "has_conditions": {
        "when": {"field": "conditions", "op": "present"},
        "severity": {"im": "info"},
    },
    "bp_diastolic_hi": {
        "when": {"field": "bp_diastolic", "op": "gt", "value": 99},
        "severity": {"spravato": "absolute"},
    },
    "sessions_many": {
        "when": {"field": "course_sessions", "op": "ne", "value": 0},
        "severity": {"im": "info"},
    },
    "dissoc": {
        "when": {"field": "course_dissociation", "op": "eq", "value": "too_intense"},
        "severity": {"spravato": "relative"},
    },
    "needle": {
        "when": {
            "all": [
                {"field": "needle_averse", "op": "eq", "value": True},
                {"field": "can_attend_twice_weekly", "op": "eq", "value": False},
            ]
        },
        "severity": {"iv": "relative", "im": "relative"},
    },
    "meds_given": {
        "when": {"field": "medications", "op": "present"},
        "severity": {"spravato": "info"},
    },
}


#: Indication paths for the rich knowledge base: every operator kind in three-valued logic
#: (an enum with ``unknown``, lists not asked vs asked-none, numbers, derived PHQ-9 facts,
#: booleans, ``not``, nested ``any``/``all``, and ``missing``/``present`` inside a path).
RICH_INDICATIONS: dict[str, list[dict[str, Any]]] = {
    "iv": [
        {
            "id": "severe_unless_pregnant",
            "label": "SEV",
            "when": {
                "all": [
                    {"field": "phq9_total", "op": "ge", "value": 15},
                    {"not": {"field": "pregnancy", "op": "in", "value": ["pregnant", "breastfeeding"]}},
                ]
            },
        },
        {
            "id": "payer_or_driver",
            "label": "PAY",
            "when": {
                "any": [
                    {"field": "insurance", "op": "eq", "value": "uninsured"},
                    {
                        "all": [
                            {"field": "has_driver", "op": "eq", "value": True},
                            {"field": "conditions", "op": "present"},
                            {"not": {"field": "medications", "op": "contains", "value": "maoi"}},
                        ]
                    },
                ]
            },
        },
    ],
    "im": [
        {
            "id": "asked_none_or_young",
            "label": "AN",
            "when": {
                "any": [
                    {"field": "diagnoses", "op": "missing"},
                    {
                        "all": [
                            {"field": "age", "op": "lt", "value": 30},
                            {"field": "suicidality", "op": "not_in", "value": ["plan_or_intent"]},
                            {"field": "budget_per_session", "op": "gt", "value": 150.5},
                        ]
                    },
                ]
            },
        },
        {
            "id": "item9",
            "label": "I9",
            "when": {
                "all": [
                    {"field": "phq9_item9", "op": "eq", "value": 0},
                    {"field": "bp_systolic", "op": "le", "value": 140},
                ]
            },
        },
    ],
}


def _text(what: str) -> dict[str, Any]:
    return {"clinician": what, "patient": what, "sources": ["test_src"], "reviewed": "2026-11-01"}


def _indication(paths: list[dict[str, Any]]) -> dict[str, Any]:
    block: dict[str, Any] = {"off_label": _text("off-label")}
    if paths:
        block["on_label"] = [{**p, **_text(f"on-label {p['id']}")} for p in paths]
        block["not_established"] = _text("not established")
    return block


def upgrade_to_schema2(target: Path, indications: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """Bring a copy of kb_minimal to schema 2 in place (only what it lacks). Spravato's
    indication paths are the shipped data's (TRD and MDSI); ``indications`` gives others."""
    ci_path, mods_path = target / "contraindications.yaml", target / "modalities.yaml"
    ci = yaml.safe_load(ci_path.read_text())
    if "completeness" not in ci:
        shipped = yaml.safe_load((DATA_DIR / "contraindications.yaml").read_text())["completeness"]
        block = {"fields": shipped["fields"], "sources": ["test_src"], "reviewed": "2026-11-01"}
        ci = {"crisis": ci["crisis"], "completeness": block, **ci}
        ci_path.write_text(_dump(ci))
    mods = yaml.safe_load(mods_path.read_text())
    shipped_mods = yaml.safe_load((DATA_DIR / "modalities.yaml").read_text())["modalities"]
    spravato_paths = [
        {k: p[k] for k in ("id", "label", "when")} for p in shipped_mods["spravato"]["indication"]["on_label"]
    ]
    for m, record in mods["modalities"].items():
        for payer in record["coverage"].values():
            if "requires_trd" in payer:
                payer["requires_on_label"] = payer.pop("requires_trd")
        if "indication" not in record or indications is not None:
            paths = spravato_paths if m == "spravato" else (indications or {}).get(m, [])
            record["indication"] = _indication(paths)
    mods_path.write_text(_dump(mods))


@cache
def minimal_dir() -> Path:
    """kb_minimal at schema 2 (a copy, made once per test process; the fixture itself when
    it is already at schema 2)."""
    target = Path(tempfile.mkdtemp(prefix="kd-kb-minimal-")) / "kb_minimal"
    shutil.copytree(MINIMAL, target)
    upgrade_to_schema2(target)
    return target


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_NoAliases, sort_keys=False)


#: The rich KB's plan shares per payer (out-of-pocket estimate, issue 24): both forms, a
#: savings programme on the commercial one, a share on a payer whose coverage is unlikely.
RICH_SHARES: dict[str, dict[str, Any]] = {
    "commercial": {"coinsurance_pct": [10, 30], "savings_program": {"clinician": "card", "patient": "card"}},
    "medicare": {"coinsurance_pct": [20, 20]},
    "medicaid": {"copay_usd": [0, 4.5]},
    "va_tricare": {"coinsurance_pct": [15, 25]},
}
RICH_PRICES: list[dict[str, float]] = [
    {"low": 105, "high": 250.5},
    {"low": 99.99, "high": 1000},
    {"low": 0, "high": 10},  # 25% of 10 = 2.5, which round() makes 2
    {"low": 35, "high": 215},
]


def build_rich_kb(target: Path) -> KnowledgeBase:
    """kb_minimal plus varied severities, every predicate operator, indication paths of
    every kind and varied coverage."""
    shutil.copytree(MINIMAL, target)
    upgrade_to_schema2(target, RICH_INDICATIONS)
    ci = yaml.safe_load((target / "contraindications.yaml").read_text())
    sevs = ["absolute", "relative", "info"]
    for n, rule in enumerate(ci["conditions"].values()):
        rule["severity"] = {m: sevs[(n + k) % 3] for k, m in enumerate(MODALITY_IDS) if (n + k) % 5 != 4}
    for n, rule in enumerate(ci["medications"].values()):
        rule["severity"] = {m: sevs[(2 * n + k) % 3] for k, m in enumerate(MODALITY_IDS) if (n + k) % 4 != 3}
    template = next(iter(ci["screens"].values()))
    for ident, spec in RICH_SCREENS.items():
        rule = {k: v for k, v in template.items() if k not in {"when", "severity"}}
        rule.update(name=ident, plain_name=ident, **spec)
        ci["screens"][ident] = rule
    # The safety screen may ask for more than the contract's five: a number (NULL only) and
    # an enum with "unknown" (NULL or unknown), so both kinds of missing test are compiled.
    ask = {"clinician": "ask", "patient": "ask"}
    ci["completeness"]["fields"].update(bp_systolic=ask, insurance=ask)
    (target / "contraindications.yaml").write_text(_dump(ci))
    mods = yaml.safe_load((target / "modalities.yaml").read_text())
    variants = [
        {"likely_covered": True, "requires_on_label": True, "min_age": 18},
        {"likely_covered": True, "requires_on_label": False, "min_age": 65},
        {"likely_covered": True, "requires_on_label": True},
        {"likely_covered": False, "requires_on_label": True},
        {"likely_covered": None, "requires_on_label": True, "prior_authorization": None},
        {"likely_covered": True},
    ]
    for i, m in enumerate(MODALITY_IDS):
        for j, payer in enumerate(("commercial", "medicare", "medicaid", "va_tricare", "uninsured")):
            record = mods["modalities"][m]["coverage"][payer]
            record.pop("min_age", None)
            record["requires_on_label"] = False
            record.update(variants[(i + j) % len(variants)])
            if payer != "uninsured":  # a plan share, used only when that payer likely pays
                record["out_of_pocket"] = {**RICH_SHARES[payer], "assumptions": ask, "sources": ["test_src"]}
                record["out_of_pocket"]["reviewed"] = "2026-12-05"
        # Prices with cents and a coinsurance that lands on half a dollar (105 x 10% = 10.5,
        # which Python's round() makes 10): the estimate's rounding is the engine's in SQL too.
        mods["modalities"][m]["cost_per_session_usd"].update(RICH_PRICES[i])
    (target / "modalities.yaml").write_text(_dump(mods))
    # Severities are scrambled to exercise the compiler, so this KB breaks the clinical floor.
    return load_knowledge_base(target, clinical_floor=False)


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> None:
    columns = columns or list(PROFILE_FIELDS)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])


def reference_csv(
    rows: list[dict[str, str]], kb: KnowledgeBase, columns: list[str] | None = None
) -> tuple[list[dict[str, Any]], set[int]]:
    """(expected output rows, rows expected in the errors file) by one-at-a-time evaluation.

    Records are physical lines (CONTRACT §1): the rows are written as :func:`write_csv`
    writes them, and each line is judged on its own, so a cell holding a line break makes
    each of its lines an error row (a quote left open, or a carriage return in the line)."""
    columns = columns or list(PROFILE_FIELDS)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    out, bad = [], set()
    for n, line in enumerate(buf.getvalue().split("\n")[:-1], start=1):
        body = line.removesuffix("\r")
        if "\r" in body or body.count('"') % 2 or len(line.encode()) > 64 * 1024:
            bad.add(n)
            continue
        cells = next(csv.reader([body])) if body else [""] * len(columns)
        if len(cells) != len(columns):
            bad.add(n)
            continue
        v = check_cells(dict(zip(columns, cells, strict=True)), kb, row=n)
        if v.profile is None:
            bad.add(n)
        else:
            out.append(output_row(evaluate(v.profile, kb), v.profile, n))
    return out, bad


def reference_jsonl(lines: list[str], kb: KnowledgeBase) -> tuple[list[dict[str, Any]], set[int]]:
    out, bad = [], set()
    for n, line in enumerate(lines, start=1):
        v = check_json_line(line, kb, row=n)
        if v.profile is None:
            bad.add(n)
        else:
            out.append(output_row(evaluate(v.profile, kb), v.profile, n))
    return out, bad


def read_output(path: Path, fmt: str) -> list[dict[str, Any]]:
    """Output rows with typed values (CSV cells converted back)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        return [json.loads(x) for x in path.read_text().splitlines() if x]
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    typed = []
    for r in rows:
        t: dict[str, Any] = {}
        for k, v in r.items():
            if k == "crisis" or k.endswith(("_likely_covered", "_within_budget")):
                t[k] = None if v == "" else v == "true"
            elif k.endswith(("_oop_est_low", "_oop_est_high")):
                t[k] = float(v)
            elif k == "row":
                t[k] = int(v)
            elif k == "sure_score":
                t[k] = None if v == "" else int(v)
            elif k == "id":
                t[k] = v if v != "" else None
            else:
                t[k] = v
        typed.append(t)
    return typed


def read_errors(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".jsonl":
        return [json.loads(x) for x in path.read_text().splitlines() if x]
    return list(csv.DictReader(io.StringIO(path.read_text())))


def spark_errors_text(folder: Path) -> str:
    """A Spark errors folder's part files, in name order, as one errors file (one header);
    asserts that each part starts with the header (CONTRACT §5)."""
    parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-"))
    texts = [p.read_text() for p in parts]
    header = "row,id,field,error\n"
    assert all(t.startswith(header) for t in texts), "each part starts with the header"
    return header + "".join(t[len(header) :] for t in texts)


def read_engine_errors(path: Path) -> list[dict[str, str]]:
    """An errors file, or a Spark errors folder read as the one file its parts make."""
    if path.is_dir():
        return list(csv.DictReader(io.StringIO(spark_errors_text(path))))
    return read_errors(path)
