"""Engine mechanics on a tiny synthetic knowledge base (not clinical data)."""

from __future__ import annotations

import dataclasses

import pytest

from ketadecide.citations import Ref
from ketadecide.engine import evaluate
from ketadecide.engine.evaluate import status_of
from ketadecide.engine.result import Finding, Worded
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import Profile, parse_profile
from ketadecide.render.json_out import render_json


def P(**kw: object) -> Profile:
    return parse_profile({"age": 40, **kw})


def _f(sev: str) -> Finding:
    ref = Ref("s", "", "Synthetic source", None)
    return Finding("x", sev, Worded("x", "x"), Worded("m", "m"), (ref,), "screen")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severities", "status"),
    [
        ((), "eligible"),
        (("info",), "eligible"),
        (("info", "relative"), "caution"),
        (("relative", "absolute", "info"), "contraindicated"),
        (("absolute",), "contraindicated"),
    ],
)
def test_status_from_findings(severities: tuple[str, ...], status: str) -> None:
    assert status_of(tuple(_f(s) for s in severities)) == status


def test_modalities_always_four_in_contract_order(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(), minimal_kb)
    assert [m.id for m in r.modalities] == ["spravato", "iv", "im", "compounded"]


def test_absolute_condition_contraindicates_only_where_absolute(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(conditions=["arteriovenous_malformation"]), minimal_kb)
    assert r.modality("spravato").status == "contraindicated"
    assert r.modality("iv").status == "caution"


def test_findings_most_severe_first_and_deduplicated(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(
        P(medications=["opioid"], conditions=["arteriovenous_malformation", "arteriovenous_malformation"]),
        minimal_kb,
    )
    ids = [f.id for f in r.modality("spravato").findings]
    assert ids == ["arteriovenous_malformation", "opioid"]


@pytest.mark.parametrize(
    ("bp", "fires"),
    [((139, 89), False), ((140, 80), True), ((120, 90), True), ((139, None), False), ((None, None), False)],
)
def test_bp_threshold_both_sides(minimal_kb: KnowledgeBase, bp: tuple[int | None, int | None], fires: bool) -> None:
    kw = {k: v for k, v in zip(("bp_systolic", "bp_diastolic"), bp, strict=True) if v is not None}
    r = evaluate(P(**kw), minimal_kb)
    assert ("bp_elevated" in [f.id for f in r.modality("iv").findings]) is fires


@pytest.mark.parametrize("suicidality", ["active_ideation", "plan_or_intent"])
def test_crisis_triggers(minimal_kb: KnowledgeBase, suicidality: str) -> None:
    r = evaluate(P(suicidality=suicidality), minimal_kb)
    assert r.crisis.triggered
    assert r.crisis.message is not None and "988" in r.crisis.message.clinician
    assert "988" in r.crisis.message.patient


@pytest.mark.parametrize("suicidality", ["none", "passive_ideation", "unknown"])
def test_crisis_does_not_trigger(minimal_kb: KnowledgeBase, suicidality: str) -> None:
    r = evaluate(P(suicidality=suicidality, phq9=[3] * 9), minimal_kb)
    assert not r.crisis.triggered and r.crisis.message is None


def test_unknown_ids_are_input_errors_naming_the_field(minimal_kb: KnowledgeBase) -> None:
    with pytest.raises(InputError) as info:
        evaluate(P(conditions=["psychosis_history", "made_up"], medications=["nope"]), minimal_kb)
    assert {p.field for p in info.value.problems} == {"conditions[1]", "medications[0]"}


class TestCoverage:
    def test_unknown_payer_is_null(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(), minimal_kb)
        assert all(m.coverage.likely_covered is None for m in r.modalities)

    def test_trd_required_and_met(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="commercial", antidepressant_trials=2), minimal_kb)
        assert r.modality("spravato").coverage.likely_covered is True

    def test_trd_required_not_met(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="commercial", antidepressant_trials=1), minimal_kb)
        cov = r.modality("spravato").coverage
        assert cov.likely_covered is False
        assert "1" in cov.note.clinician

    def test_trd_required_unknown_trials(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="commercial"), minimal_kb)
        assert r.modality("spravato").coverage.likely_covered is None

    def test_uninsured(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="uninsured", antidepressant_trials=5), minimal_kb)
        assert all(m.coverage.likely_covered is False for m in r.modalities)

    def test_min_age(self, minimal_kb: KnowledgeBase) -> None:
        spravato = minimal_kb.modalities["spravato"]
        commercial = spravato.coverage.commercial.model_copy(update={"min_age": 18})
        payers = spravato.coverage.model_copy(update={"commercial": commercial})
        mods = {**minimal_kb.modalities, "spravato": spravato.model_copy(update={"coverage": payers})}
        kb2 = dataclasses.replace(minimal_kb, modalities=mods)
        young = evaluate(P(age=16, insurance="commercial", antidepressant_trials=3), kb2)
        adult = evaluate(P(age=18, insurance="commercial", antidepressant_trials=3), kb2)
        assert young.modality("spravato").coverage.likely_covered is False
        assert adult.modality("spravato").coverage.likely_covered is True


class TestCost:
    def test_course_is_sessions_times_price(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(), minimal_kb)
        assert r.modality("spravato").cost.per_session == (100, 200)
        assert r.modality("spravato").cost.induction_course == (800, 1600)
        assert r.modality("iv").cost.induction_course == (600, 1200)

    @pytest.mark.parametrize(
        ("budget", "within"), [(99.99, False), (100, None), (199, None), (200, True), (5000, True)]
    )
    def test_budget_both_sides(self, minimal_kb: KnowledgeBase, budget: float, within: bool | None) -> None:
        cost = evaluate(P(budget_per_session=budget), minimal_kb).modality("iv").cost
        assert cost.within_budget is within
        assert cost.budget_note is not None

    def test_no_budget_no_note(self, minimal_kb: KnowledgeBase) -> None:
        cost = evaluate(P(), minimal_kb).modality("iv").cost
        assert cost.budget_note is None and cost.within_budget is None


def test_evaluation_is_deterministic(minimal_kb: KnowledgeBase) -> None:
    p = P(conditions=["psychosis_history"], medications=["maoi"], bp_systolic=150, bp_diastolic=95)
    assert render_json(evaluate(p, minimal_kb)) == render_json(evaluate(p, minimal_kb))


def test_result_is_frozen(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(), minimal_kb)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.profile_id = "x"  # type: ignore[misc]


def test_budget_note_mentions_the_cost_share_when_likely_covered(minimal_kb: KnowledgeBase) -> None:
    covered = evaluate(P(budget_per_session=50, insurance="commercial", antidepressant_trials=3), minimal_kb)
    spravato = covered.modality("spravato")
    assert spravato.coverage.likely_covered is True
    assert spravato.cost.budget_note is not None and "copay" in spravato.cost.budget_note.patient
    uninsured = evaluate(P(budget_per_session=50, insurance="uninsured"), minimal_kb).modality("spravato")
    assert uninsured.cost.budget_note is not None and "copay" not in uninsured.cost.budget_note.patient
