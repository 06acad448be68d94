"""Hypothesis strategies for synthetic profiles, with every boundary value in play."""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import strategies as st

from ketadecide import profile as p
from ketadecide.knowledge import KnowledgeBase

BP_SYSTOLIC = [50, 89, 90, 120, 139, 140, 141, 159, 160, 179, 180, 181, 199, 200, 300]
BP_DIASTOLIC = [20, 59, 60, 79, 80, 89, 90, 91, 99, 100, 109, 110, 111, 200]
AGES = [0, 12, 17, 18, 19, 40, 64, 65, 66, 120]
#: The contract's safety-screen fields (CONTRACT §3 ``missing``).
SCREEN_FIELDS = ("suicidality", "pregnancy", "diagnoses", "conditions", "medications")


#: Free text a profile id may hold: anything but controls, format and separator characters
#: (bidi marks, zero-width characters, the BOM, line separators) and surrogates.
ID_ALPHABET = st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def profile_records(draw: st.DrawFn, kb: KnowledgeBase) -> dict[str, Any]:
    """A valid CONTRACT §1 record using the ids of ``kb``."""
    rec: dict[str, Any] = {
        "age": draw(st.one_of(st.sampled_from(AGES), st.integers(0, 120))),
    }
    maybe = {
        "id": st.text(ID_ALPHABET, min_size=0, max_size=20),
        "pregnancy": st.sampled_from(get_args(p.Pregnancy)),
        "diagnoses": st.lists(st.sampled_from(get_args(p.Diagnosis)), max_size=3, unique=True),
        "antidepressant_trials": st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, 100)),
        "suicidality": st.sampled_from(get_args(p.Suicidality)),
        "phq9": st.lists(st.integers(0, 3), min_size=9, max_size=9),
        "conditions": st.lists(st.sampled_from(sorted(kb.conditions)), max_size=4, unique=True),
        "medications": st.lists(st.sampled_from(sorted(kb.medications)), max_size=3, unique=True),
        "insurance": st.sampled_from(get_args(p.Insurance)),
        "budget_per_session": st.one_of(
            st.sampled_from([0, 35, 99.99, 300, 590, 885, 907, 1356, 2000]), st.floats(0, 5000)
        ),
        "has_driver": st.booleans(),
        "can_attend_twice_weekly": st.booleans(),
        "prefers_home": st.booleans(),
        "needle_averse": st.booleans(),
        "course_modality": st.sampled_from(p.MODALITY_IDS),
        "course_sessions": st.integers(0, 40),
        "course_response": st.sampled_from(get_args(p.CourseResponse)),
        "course_dissociation": st.sampled_from(get_args(p.CourseDissociation)),
        "financial_stress": st.booleans(),
        "oral_antidepressant": st.booleans(),
    }
    # Half the records answer the whole safety screen, so full verdicts (not only
    # "incomplete") are generated as often as partial ones.
    screened = draw(st.booleans())
    for name, strategy in maybe.items():
        if (screened and name in SCREEN_FIELDS) or draw(st.booleans()):
            rec[name] = draw(strategy)
    if draw(st.booleans()):
        s = draw(st.one_of(st.sampled_from(BP_SYSTOLIC), st.integers(50, 300)))
        d = draw(st.one_of(st.sampled_from(BP_DIASTOLIC), st.integers(20, 200)))
        if s > d:
            rec["bp_systolic"], rec["bp_diastolic"] = s, d
        elif draw(st.booleans()):
            rec["bp_systolic"] = s
    return rec
