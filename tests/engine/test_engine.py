"""Engine mechanics on a tiny synthetic knowledge base (not clinical data)."""

from __future__ import annotations

import dataclasses

import pytest

from ketadecide.citations import Ref
from ketadecide.compare import evaluate
from ketadecide.engine.evaluate import status_of
from ketadecide.engine.result import Finding, Missing, Worded
from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import Profile, parse_profile
from ketadecide.render.json import render_json


def P(**kw: object) -> Profile:
    return parse_profile({"age": 40, **kw})


#: Every safety-screen question answered ("asked, none"), so a status is a full verdict.
SCREENED: dict[str, object] = {
    "suicidality": "none",
    "pregnancy": "none",
    "diagnoses": ["mdd"],
    "conditions": [],
    "medications": [],
}


def S(**kw: object) -> Profile:
    """A screened profile: the safety screen complete, then ``kw``."""
    return parse_profile({"age": 40, **SCREENED, **kw})


def _f(sev: str) -> Finding:
    ref = Ref("s", "", "Synthetic source", None)
    return Finding("x", sev, Worded("x", "x"), Worded("m", "m"), (ref,), "screen")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("severities", "status", "incomplete_status"),
    [
        ((), "no_flags", "incomplete"),
        (("info",), "no_flags", "incomplete"),
        (("info", "relative"), "caution", "incomplete"),
        (("relative", "absolute", "info"), "contraindicated", "contraindicated"),
        (("absolute",), "contraindicated", "contraindicated"),
    ],
)
def test_status_precedence(severities: tuple[str, ...], status: str, incomplete_status: str) -> None:
    """CONTRACT §3: contraindicated > incomplete > caution > no_flags."""
    findings = tuple(_f(s) for s in severities)
    assert status_of(findings) == status
    missing = (Missing("pregnancy", Worded("ask", "ask")),)
    assert status_of(findings, missing) == incomplete_status


def test_an_unasked_screen_is_incomplete_never_no_flags(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(), minimal_kb)
    assert [m.field for m in r.missing] == ["suicidality", "pregnancy", "diagnoses", "conditions", "medications"]
    assert {m.status for m in r.modalities} == {"incomplete"}
    assert all(m.ask.clinician for m in r.missing)


@pytest.mark.parametrize("field", ["suicidality", "pregnancy", "diagnoses", "conditions", "medications"])
def test_each_unasked_screen_field_is_missing(minimal_kb: KnowledgeBase, field: str) -> None:
    answers = {k: v for k, v in SCREENED.items() if k != field}
    r = evaluate(parse_profile({"age": 40, **answers}), minimal_kb)
    assert [m.field for m in r.missing] == [field]
    assert {m.status for m in r.modalities} == {"incomplete"}


def test_asked_none_is_not_missing_and_unknown_suicidality_is(minimal_kb: KnowledgeBase) -> None:
    assert evaluate(S(), minimal_kb).missing == ()
    assert {m.status for m in evaluate(S(), minimal_kb).modalities} == {"no_flags"}
    r = evaluate(S(suicidality="unknown"), minimal_kb)
    assert [m.field for m in r.missing] == ["suicidality"]


def test_a_contraindication_shows_even_when_the_screen_is_incomplete(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(conditions=["arteriovenous_malformation"]), minimal_kb)
    assert r.modality("spravato").status == "contraindicated"
    assert r.modality("iv").status == "incomplete"


class TestIndication:
    def test_on_label_path(self, minimal_kb: KnowledgeBase) -> None:
        ind = evaluate(S(antidepressant_trials=2), minimal_kb).modality("spravato").indication
        assert (ind.status, ind.basis) == ("on_label", "trd")
        assert "TRD" in ind.label.clinician and ind.refs

    def test_off_label_when_every_path_is_false(self, minimal_kb: KnowledgeBase) -> None:
        for profile in (S(antidepressant_trials=1), S(diagnoses=["ptsd"], antidepressant_trials=5), S(age=17)):
            assert evaluate(profile, minimal_kb).modality("spravato").indication.status == "off_label"

    def test_not_established_names_what_is_needed(self, minimal_kb: KnowledgeBase) -> None:
        ind = evaluate(S(), minimal_kb).modality("spravato").indication  # trials not given
        assert (ind.status, ind.needs) == ("not_established", ("antidepressant_trials",))
        ind = evaluate(P(antidepressant_trials=3), minimal_kb).modality("spravato").indication
        assert (ind.status, ind.needs) == ("not_established", ("diagnoses",))

    def test_a_false_part_decides_even_when_another_is_unknown(self, minimal_kb: KnowledgeBase) -> None:
        """Kleene logic: age 17 makes the path false whatever the diagnosis."""
        assert evaluate(P(age=17), minimal_kb).modality("spravato").indication.status == "off_label"

    def test_racemic_routes_are_always_off_label(self, minimal_kb: KnowledgeBase) -> None:
        for profile in (P(), S(antidepressant_trials=3)):
            r = evaluate(profile, minimal_kb)
            assert [r.modality(m).indication.status for m in ("iv", "im", "compounded")] == ["off_label"] * 3

    def test_indication_never_changes_the_status(self, minimal_kb: KnowledgeBase) -> None:
        on = evaluate(S(antidepressant_trials=3), minimal_kb).modality("spravato")
        off = evaluate(S(antidepressant_trials=1), minimal_kb).modality("spravato")
        assert on.status == off.status == "no_flags"


def test_modalities_always_four_in_contract_order(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(P(), minimal_kb)
    assert [m.id for m in r.modalities] == ["spravato", "iv", "im", "compounded"]


def test_absolute_condition_contraindicates_only_where_absolute(minimal_kb: KnowledgeBase) -> None:
    r = evaluate(S(conditions=["arteriovenous_malformation"]), minimal_kb)
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

    def test_on_label_keeps_the_payer_record(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(S(insurance="commercial", antidepressant_trials=2), minimal_kb)
        assert r.modality("spravato").coverage.likely_covered is True

    def test_off_label_is_unlikely(self, minimal_kb: KnowledgeBase) -> None:
        for profile in (
            S(insurance="commercial", antidepressant_trials=1),
            S(insurance="commercial", diagnoses=["ptsd"]),
        ):
            cov = evaluate(profile, minimal_kb).modality("spravato").coverage
            assert cov.likely_covered is False
            assert "off-label" in cov.note.clinician

    def test_not_established_is_unknown(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="commercial"), minimal_kb)
        cov = r.modality("spravato").coverage
        assert cov.likely_covered is None and "diagnoses" in cov.note.clinician

    def test_uninsured(self, minimal_kb: KnowledgeBase) -> None:
        r = evaluate(P(insurance="uninsured", antidepressant_trials=5), minimal_kb)
        assert all(m.coverage.likely_covered is False for m in r.modalities)

    def test_min_age(self, minimal_kb: KnowledgeBase) -> None:
        spravato = minimal_kb.modalities["spravato"]
        commercial = spravato.coverage.commercial.model_copy(update={"min_age": 18})
        payers = spravato.coverage.model_copy(update={"commercial": commercial})
        mods = {**minimal_kb.modalities, "spravato": spravato.model_copy(update={"coverage": payers})}
        kb2 = dataclasses.replace(minimal_kb, modalities=mods)
        young = evaluate(S(age=16, insurance="commercial", antidepressant_trials=3), kb2)
        adult = evaluate(S(age=18, insurance="commercial", antidepressant_trials=3), kb2)
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


def test_covered_without_a_recorded_share_is_the_full_price_and_says_so(minimal_kb: KnowledgeBase) -> None:
    # The minimal data records no cost share: the estimate never guesses one.
    covered = evaluate(S(budget_per_session=50, insurance="commercial", antidepressant_trials=3), minimal_kb)
    spravato = covered.modality("spravato")
    assert spravato.coverage.likely_covered is True
    oop = spravato.cost.out_of_pocket
    assert oop is not None and oop.basis == "full_price" and oop.per_session == spravato.cost.per_session
    assert "cannot tell how much" in oop.assumptions.patient
    uninsured = evaluate(P(budget_per_session=50, insurance="uninsured"), minimal_kb).modality("spravato")
    assert uninsured.cost.out_of_pocket is not None and uninsured.cost.out_of_pocket.basis == "full_price"
