"""The clinical floor: what no data directory, the bundled one or a clinic's own, may weaken.

Checked by evaluating probe profiles, so it holds however a clinic words its rules (a
condition's severity, a screen's predicate). Each floor item is probed under many profiles
(every age band, every suicidality answer, with and without other findings), so a screen
cannot be fitted to one probe: the item must hold under all of them. Breaking it is an error.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, get_args

from ketadecide.errors import Problem
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.models import LABEL_CONTRAINDICATIONS
from ketadecide.profile import MODALITY_IDS, Suicidality

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
        "phq9": [3, 3, 3, 3, 3, 3, 3, 3, 3],
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
        "f6a08717ebba7c9c217e250034487da0168ad23aeb79ef164144d8dd6c369376",  # 0.3.0
    }
)


def floor_errors(kb: KnowledgeBase, *, rules_sha256: str | None = None) -> list[Problem]:
    """Evaluate every floor item under every probe against ``kb``; one problem per breach.

    ``rules_sha256``, the digest of the rule file's text, skips the probes when it is one the
    test suite verified (:data:`VERIFIED_RULES_SHA256`).
    """
    if rules_sha256 is not None and rules_sha256 in VERIFIED_RULES_SHA256:
        return []
    # Imported here: the engine imports the knowledge base.
    from ketadecide.engine.evaluate import statuses
    from ketadecide.profile import parse_profile

    file = str(kb.data_dir / "contraindications.yaml")
    problems = []
    for what, fields, modalities, required in CLINICAL_FLOOR:
        breached: dict[str, tuple[str, dict[str, Any]]] = {}
        for record in probes(fields):
            found = statuses(parse_profile(record), kb)
            for modality in modalities:
                status = found[modality]
                ok = status == "contraindicated" if required == "contraindicated" else status in _FLAGGED
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


#: What every crisis message must say, in both wordings (the bundled one says all of it).
CRISIS_ELEMENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("call or text 988", re.compile(r"\bcall,? or text\b[^.]{0,20}\b988\b|\b988\b", re.I)),
    ("911 or the emergency room", re.compile(r"\b911\b|\bemergency (room|department)\b", re.I)),
    ("now (the help is for today)", re.compile(r"\b(now|today|immediate(ly)?)\b", re.I)),
)
#: Words that take the help back ("no need to call 988", "988 is not necessary").
_CONTRADICTION = re.compile(
    r"\b(no need|not need|needn'?t|don'?t|do not|never|not necessary|unnecessary|avoid|instead of)\b"
    r"[^.;]{0,40}\b(988|911|emergency|lifeline|call)\b"
    r"|\b(988|911|emergency|lifeline)\b[^.;]{0,30}\b(is not|isn'?t|are not|not needed|unnecessary|optional)\b",
    re.I,
)


def crisis_message_problems(text: str) -> list[str]:
    """What a crisis message lacks or contradicts; empty when it keeps the required elements."""
    problems = [f"must say {name}" for name, pattern in CRISIS_ELEMENTS if not pattern.search(text)]
    if not re.search(r"\b(call|text)\b[^.]{0,20}\b988\b", text, re.I):
        problems.append("must tell the reader to call or text 988")
    bad = _CONTRADICTION.search(text)
    if bad:
        problems.append(f"must not discourage seeking help (found: {bad.group()!r})")
    return problems
