"""The clinical floor: what no data directory, the bundled one or a clinic's own, may weaken.

It lives above both the knowledge base and the engine (it evaluates probe profiles with
:func:`ketadecide.engine.evaluate.statuses`), so the loader never imports it:
:func:`load_knowledge_base` and :func:`validate_data_dir` here compose the strict loader
(:mod:`ketadecide.knowledge.loader`) with the floor, and are what the API, every command
and ``data validate`` use.

Checked by evaluating probe profiles, so it holds however a clinic words its rules (a
condition's severity, a screen's predicate). Each floor item is probed under many profiles
(every age band, every suicidality answer, with and without other findings), so a screen
cannot be fitted to one probe: the item must hold under all of them. Breaking it is an error.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any, get_args

from ketadecide.engine.conflicts import conflicts_of
from ketadecide.engine.evaluate import statuses
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge import cache, loader
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import LABEL_CONTRAINDICATIONS
from ketadecide.profile import MODALITY_IDS, Suicidality, parse_profile

_ALL = MODALITY_IDS

#: (what, the fields that make it, the modalities it binds, what it requires). "flagged":
#: caution or worse, never no_flags and never merely "incomplete" (every probe answers the
#: whole safety screen). Label contraindications first, then the consensus minimums.
CLINICAL_FLOOR: tuple[tuple[str, dict[str, Any], tuple[str, ...], str], ...] = (
    *(
        (what, {"conditions": [ident]}, modalities, "contraindicated")
        for what, ident, modalities in LABEL_CONTRAINDICATIONS
    ),
    ("pregnancy", {"pregnancy": "pregnant"}, _ALL, "flagged"),
    ("breastfeeding", {"pregnancy": "breastfeeding"}, _ALL, "flagged"),
    ("history of psychosis", {"conditions": ["psychosis_history"]}, _ALL, "flagged"),
    ("active substance use disorder", {"conditions": ["substance_use_disorder_active"]}, _ALL, "flagged"),
    ("current mania", {"conditions": ["current_mania"]}, _ALL, "flagged"),
    ("age under 18", {"age": 17}, ("spravato",), "flagged"),
    ("active suicidal ideation", {"suicidality": "active_ideation"}, _ALL, "flagged"),
    ("a suicide plan or intent", {"suicidality": "plan_or_intent"}, _ALL, "flagged"),
)

#: The probes' other answers: each floor item is evaluated under every combination.
PROBE_AGES: tuple[int, ...] = (18, 40, 64, 65, 90)
PROBE_SUICIDALITY: tuple[str, ...] = get_args(Suicidality)
PROBE_CONTEXTS: tuple[dict[str, Any], ...] = (
    {"diagnoses": ["mdd"], "antidepressant_trials": 3},
    {
        "diagnoses": ["mdd", "ptsd"],
        "antidepressant_trials": 0,
        "bp_systolic": 150,
        "bp_diastolic": 95,
        "medications": ["benzodiazepine"],
        "insurance": "medicare",
        "has_driver": True,
    },
    {
        "diagnoses": ["bipolar_depression"],
        # Item 9 at 0: with suicidality "none" a positive item 9 is a conflict (the screen is
        # then incomplete, which says nothing about the item under test).
        "phq9": [3, 3, 3, 3, 3, 3, 3, 3, 0],
        "prefers_home": True,
        "needle_averse": True,
        "insurance": "uninsured",
        "budget_per_session": 100,
    },
    {
        "diagnoses": ["ptsd"],
        "bp_systolic": 118,
        "bp_diastolic": 76,
        "medications": ["lamotrigine"],
        "conditions": ["interstitial_cystitis"],
        "insurance": "commercial",
        "can_attend_twice_weekly": False,
    },
)


def probes(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Every probe record for one floor item: its fields over every age, suicidality and context.

    The item's own fields win; list fields it names are joined with the context's, so a
    condition under test is probed beside other conditions too.
    """
    out = []
    for age, suicidality, context in itertools.product(PROBE_AGES, PROBE_SUICIDALITY, PROBE_CONTEXTS):
        if suicidality == "unknown":
            continue  # an unanswered screen is "incomplete", which says nothing about the item
        record: dict[str, Any] = {
            "age": age,
            "suicidality": suicidality,
            "pregnancy": "none",
            "conditions": [],
            "medications": [],
            **context,
        }
        for key, value in fields.items():
            record[key] = sorted({*record.get(key, []), *value}) if isinstance(value, list) else value
        out.append(record)
    return out


_FLAGGED = ("caution", "contraindicated")

#: SHA-256 of rule files (contraindications.yaml, the only file statuses depend on) that
#: passed this floor in the test suite (tests/test_floor.py checks the bundled file
#: is listed and passes). Commands trust a listed file without re-running the ~1,000 probes,
#: which would cost a consult ~80 ms at every start; any other file, a clinic's or an edited
#: bundled one, is probed in full every time, and ``data validate`` always probes in full.
VERIFIED_RULES_SHA256: frozenset[str] = frozenset(
    {
        "676fd8311af0f691644399cb411f6132939e1828afa256f0ae183a40072a6b3f",  # 0.4.0
        # Issue 24: plain-language patient wording only; every rule, severity and number as before.
        "82bd95643448165795bc9aec686a13e211056611175b19d2e63f17906331da2a",
        # Issue 24 (review): safety_assessment_needed is relative for compounded (take-home
        # supply, nobody watching); the other routes stay info. Passed the floor in full.
        "3b530ab931b65828ee5ae71fd67a5ed633c254a58e9e2b37526360c25cf23425",  # 0.5.0
        # Issue 24 (IPDAS review, clinical): pregnancy names Spravato and compounded
        # "not_advised" and says the label's words; severities as before. Passed the floor in full.
        "2839232defbd1333a075198ae8c6c16d8a74c8a91c333e8bb7d3b254825386c2",  # 0.6.0
        # Issue 24 (fourth IPDAS review, D7): the pregnancy finding's patient words say the
        # figures tell little about pregnancy (one source added); rules as before. Passed the floor.
        "8b447b93b6a7e5ae8c4e1f1b92e6b43ff9764c214daa6b2a4380ccd0f4d72240",
    }
)


def floor_errors(kb: KnowledgeBase, *, rules_sha256: str | None = None) -> list[Problem]:
    """Evaluate every floor item under every probe against ``kb``; one problem per breach.

    ``rules_sha256``, the digest of the rule file's text, skips the probes when it is one the
    test suite verified (:data:`VERIFIED_RULES_SHA256`).
    """
    if rules_sha256 is not None and rules_sha256 in VERIFIED_RULES_SHA256:
        return []
    file = str(kb.data_dir / "contraindications.yaml")
    problems = []
    for what, fields, modalities, required in CLINICAL_FLOOR:
        breached: dict[str, tuple[str, dict[str, Any]]] = {}
        for record in probes(fields):
            profile = parse_profile(record)
            found = statuses(profile, kb)
            # Answers that contradict each other make the screen incomplete, which outranks
            # caution: a flagged item stays at least that (a contraindication still shows).
            flagged = (*_FLAGGED, "incomplete") if conflicts_of(profile, kb) else _FLAGGED
            for modality in modalities:
                status = found[modality]
                ok = status == "contraindicated" if required == "contraindicated" else status in flagged
                if not ok and modality not in breached:
                    breached[modality] = (status, record)
        # One line per item and outcome, naming every modality it fails for.
        by_outcome: dict[tuple[str, int, str], list[str]] = {}
        for modality, (found_status, record) in breached.items():
            by_outcome.setdefault((found_status, record["age"], record["suicidality"]), []).append(modality)
        for (worst, age, suicidality), failing in by_outcome.items():
            problems.append(
                Problem(
                    f"clinical floor: {what} must make {', '.join(failing)} {required}, but this data makes "
                    f"{'it' if len(failing) == 1 else 'them'} {worst} (probe: age {age}, suicidality "
                    f"{suicidality}; label/consensus minimum; see README 'How it decides')",
                    file,
                )
            )
    return problems


def validate_data_dir(
    data_dir: Path | str | None = None, *, clinical_floor: bool = True, **options: Any
) -> loader.ValidationReport:
    """:func:`ketadecide.knowledge.loader.validate_files`, then the clinical floor (an
    error when breached). ``data validate`` runs this; ``options`` go to the loader."""
    report = loader.validate_files(data_dir, **options)
    kb = report.knowledge_base
    if kb is None or not clinical_floor:
        return report
    # Commands (lazy_extras) may trust rule files the test suite verified; `data validate` never does.
    trusted = report.rules_sha256 if options.get("lazy_extras") else None
    floor = floor_errors(kb, rules_sha256=trusted)
    if floor:
        return dataclasses.replace(report, knowledge_base=None, errors=tuple(floor), warnings=())
    return report


def load_knowledge_base(data_dir: Path | str | None = None, *, clinical_floor: bool = True) -> KnowledgeBase:
    """Load and validate a data directory (the bundled one when ``None``), clinical floor
    included.

    Raises :class:`InputError` listing every problem, each naming the file and key path.
    ``clinical_floor=False`` skips the floor check: only for synthetic knowledge bases in
    tests and research, never for advice; the CLI has no such switch.
    """
    folder = cache.cache_dir() if clinical_floor else None
    if folder is not None and (cached := _from_cache(folder, data_dir)) is not None:
        return cached
    report = validate_data_dir(data_dir, check_freshness=False, clinical_floor=clinical_floor, lazy_extras=True)
    if report.errors or report.knowledge_base is None:
        raise InputError(report.errors or (Problem("could not load the knowledge base"),))
    if folder is not None:
        # Only a knowledge base that passed validation and the floor is ever written.
        cache.save(folder, report.knowledge_base)
    return report.knowledge_base


def _from_cache(folder: Path, data_dir: Path | str | None) -> KnowledgeBase | None:
    """The cached knowledge base for the data directory's current files, if there is one.
    Anything unusual (a missing or unreadable file) is left to the full load to report."""
    directory = Path(data_dir) if data_dir is not None else loader.default_data_dir()
    if not directory.is_dir():
        return None
    layout, unreadable = loader.read_layout(directory)
    if unreadable:
        return None
    return cache.load(folder, layout)
