"""Issue 24, IPDAS review (clinical truth): what a pregnant patient, a patient with every
route ruled out, an uninsured or insured payer and a Spravato reader are told."""

from __future__ import annotations

from typing import Any

import pytest

from ketadecide import evaluate, load_knowledge_base
from ketadecide.knowledge.models import ScreenRule
from ketadecide.profile import parse_profile
from ketadecide.render.json import render_json
from ketadecide.render.terminal import render_table

KB = load_knowledge_base()
PREGNANT: dict[str, Any] = {
    "age": 29,
    "pregnancy": "pregnant",
    "diagnoses": ["mdd"],
    "antidepressant_trials": 2,
    "suicidality": "none",
    "conditions": [],
    "medications": [],
    "insurance": "medicaid",
    "prefers_home": True,
}


def test_pregnancy_names_the_labels_words_and_marks_spravato_and_at_home_not_advised() -> None:
    rule = KB.screens["pregnancy_or_breastfeeding"]
    assert set(rule.not_advised) == {"spravato", "compounded"}
    result = evaluate(parse_profile(PREGNANT), KB)
    found = {m.id: next(f for f in m.findings if f.id == "pregnancy_or_breastfeeding") for m in result.modalities}
    assert found["spravato"].not_advised and found["compounded"].not_advised
    assert not found["iv"].not_advised and not found["im"].not_advised
    assert "Spravato label says it is not recommended" in found["spravato"].message.patient
    summary = " ".join(render_table(result, "patient", detail=False, width=80).split())
    assert summary.count("Pregnant or breastfeeding (not recommended)") == 2


@pytest.mark.parametrize("ratings", [{"values_home": 10, "values_cost": 8}, {"values_home": 10}])
def test_at_home_compounded_is_never_the_best_match_in_pregnancy(ratings: dict[str, int]) -> None:
    result = evaluate(parse_profile({**PREGNANT, **ratings}), KB)
    assert result.fit is not None
    fit = {e.id: e for e in result.fit.ranking}
    for ident in ("spravato", "compounded"):
        assert fit[ident].band == "little", ident
        assert fit[ident].drawback.patient.startswith("Main drawback: not recommended for you"), ident
    # The same ratings without pregnancy: compounded matches much (so the cap is what moved it).
    plain = evaluate(parse_profile({**PREGNANT, **ratings, "pregnancy": "none"}), KB)
    assert plain.fit is not None and {e.id: e for e in plain.fit.ranking}["compounded"].band == "close"
    data = render_json(result, "patient")
    assert '"band": "close"' not in data


def test_not_advised_must_be_a_caution_with_a_reason() -> None:
    rule = KB.screens["pregnancy_or_breastfeeding"].model_dump()
    with pytest.raises(ValueError, match="not_advised"):
        ScreenRule.model_validate({**rule, "not_advised": ["iv"]})  # no note saying why
    rule["severity"]["spravato"] = "info"
    with pytest.raises(ValueError, match="not_advised"):
        ScreenRule.model_validate(rule)
