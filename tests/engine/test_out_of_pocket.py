"""The out-of-pocket estimate (issue 24): per payer, following the coverage outcome, for four
synthetic people (uninsured, Medicare, commercial, pregnant). Figures are checked against the
bundled data, so a change in data/modalities.yaml shows here."""

from __future__ import annotations

import pytest

from ketadecide.engine.evaluate import evaluate_modalities
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.profile import Profile, parse_profile
from tests.profiles import screened_adult

BASE: dict[str, object] = screened_adult(age=44)


def person(**kw: object) -> Profile:
    return parse_profile({**BASE, **kw})


def test_commercial_on_label_spravato_is_the_plan_share_with_the_savings_programme(kb: KnowledgeBase) -> None:
    m = evaluate_modalities(person(insurance="commercial"), kb).modality("spravato")
    oop = m.cost.out_of_pocket
    assert oop is not None and oop.basis == "plan_share"
    low, high = m.cost.per_session
    assert oop.per_session == (round(low * 0.10), round(high * 0.30))
    assert oop.induction_course == (oop.per_session[0] * 8, oop.per_session[1] * 8)
    assert oop.savings_program is not None and "$10" in oop.savings_program.patient
    assert "guess" in oop.assumptions.patient


def test_off_label_spravato_is_the_cash_price_never_a_savings_copay(kb: KnowledgeBase) -> None:
    # PTSD only: off-label, so coverage is unlikely and the savings card does not apply.
    m = evaluate_modalities(person(insurance="commercial", diagnoses=["ptsd"]), kb).modality("spravato")
    assert m.coverage.likely_covered is False
    oop = m.cost.out_of_pocket
    assert oop is not None and oop.basis == "full_price" and oop.savings_program is None
    assert oop.per_session == m.cost.per_session


def test_medicare_is_twenty_percent_and_no_savings_card(kb: KnowledgeBase) -> None:
    m = evaluate_modalities(person(age=70, insurance="medicare"), kb).modality("spravato")
    oop = m.cost.out_of_pocket
    assert oop is not None and oop.basis == "plan_share" and oop.savings_program is None
    low, high = m.cost.per_session
    assert oop.per_session == (round(low * 0.2), round(high * 0.2))
    assert "$283" in oop.assumptions.patient


def test_medicaid_is_near_zero(kb: KnowledgeBase) -> None:
    oop = evaluate_modalities(person(insurance="medicaid"), kb).modality("spravato").cost.out_of_pocket
    assert oop is not None and oop.per_session == (0, 4) and oop.savings_program is None


@pytest.mark.parametrize("payer", ["uninsured", "unknown", "va_tricare"])
def test_not_likely_covered_is_the_full_price(kb: KnowledgeBase, payer: str) -> None:
    result = evaluate_modalities(person(insurance=payer), kb)
    for m in result.modalities:
        if m.coverage.likely_covered is True:
            continue
        oop = m.cost.out_of_pocket
        assert oop is not None and oop.basis == "full_price", m.id
        assert oop.per_session == m.cost.per_session and oop.savings_program is None


def test_racemic_routes_are_cash_for_every_payer(kb: KnowledgeBase) -> None:
    for payer in ("commercial", "medicare", "medicaid", "uninsured"):
        result = evaluate_modalities(person(insurance=payer), kb)
        for ident in ("iv", "im", "compounded"):
            oop = result.modality(ident).cost.out_of_pocket
            assert oop is not None and oop.basis == "full_price", (payer, ident)


def test_pregnant_commercial_patient_gets_the_same_cost_model(kb: KnowledgeBase) -> None:
    # Pregnancy changes the safety findings, never the price a plan would charge.
    result = evaluate_modalities(person(insurance="commercial", pregnancy="pregnant"), kb)
    assert result.modality("spravato").cost.out_of_pocket == (
        evaluate_modalities(person(insurance="commercial"), kb).modality("spravato").cost.out_of_pocket
    )


@pytest.mark.parametrize(("budget", "within"), [(50, False), (200, None), (387, True)])
def test_budget_is_compared_with_what_the_person_would_pay(
    kb: KnowledgeBase, budget: float, within: bool | None
) -> None:
    # Commercial on-label Spravato: plan share $91-$387 (10-30% of $907-$1,290); the price
    # before insurance ($907+) would have put every one of these budgets below it.
    cost = evaluate_modalities(person(insurance="commercial", budget_per_session=budget), kb).modality("spravato").cost
    assert cost.out_of_pocket is not None and cost.out_of_pocket.per_session == (91, 387)
    assert cost.within_budget is within
    assert cost.budget_note is not None and "guess" in cost.budget_note.patient


def test_a_savings_programme_outside_commercial_is_a_data_error() -> None:
    from ketadecide.knowledge.models import Payers

    record = {
        "likely_covered": True,
        "prior_authorization": None,
        "clinician": "c",
        "patient": "p",
        "sources": ["x"],
        "reviewed": "2026-12-05",
    }
    share = {
        "copay_usd": [0, 4],
        "assumptions": {"clinician": "c", "patient": "p"},
        "savings_program": {"clinician": "c", "patient": "p"},
        "sources": ["x"],
        "reviewed": "2026-12-05",
    }
    payers = {p: dict(record) for p in ("commercial", "medicare", "medicaid", "va_tricare", "uninsured")}
    payers["medicaid"]["out_of_pocket"] = share
    with pytest.raises(ValueError, match="commercial plans only"):
        Payers.model_validate(payers)
    payers["medicaid"].pop("out_of_pocket")
    payers["commercial"]["out_of_pocket"] = share
    Payers.model_validate(payers)
