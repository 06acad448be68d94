"""Evidence, fit, SURE and plain language (issue 15): ketadecide's own behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide import evaluate, load_knowledge_base
from ketadecide.engine.fit import fit_reasons, fit_score
from ketadecide.profile import SURE_FIELDS, VALUE_FIELDS, parse_profile
from ketadecide.readability import fk_grade
from tests.profiles import screened_adult

KB = load_knowledge_base()
BASE: dict[str, Any] = screened_adult(age=44)
CONDITIONS = ["arteriovenous_malformation", "ketamine_hypersensitivity", "psychosis_history"]


@settings(max_examples=60, deadline=None)
@given(
    ratings=st.dictionaries(st.sampled_from(VALUE_FIELDS), st.integers(0, 10), min_size=1),
    conditions=st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True),
)
def test_fit_never_ranks_a_contraindicated_option_and_scores_stay_in_range(
    ratings: dict[str, int], conditions: list[str]
) -> None:
    result = evaluate(parse_profile({**BASE, **ratings, "conditions": conditions}), KB)
    assert result.fit is not None
    contraindicated = {m.id for m in result.modalities if m.status == "contraindicated"}
    ranked = [e.id for e in result.fit.ranking]
    assert not contraindicated & set(ranked)
    assert set(result.fit.excluded) == contraindicated
    assert all(0 <= e.score <= 100 for e in result.fit.ranking)
    # Never a ranking: the options keep the contract's order whatever their scores.
    if sum(ratings.values()):
        assert ranked == [m.id for m in result.modalities if m.id not in contraindicated]
    assert all(len(e.reasons) <= 2 for e in result.fit.ranking)
    if sum(ratings.values()) == 0:
        assert ranked == []


def test_no_rating_no_fit() -> None:
    assert evaluate(parse_profile(BASE), KB).fit is None


def test_fit_formula_by_hand() -> None:
    # (8*10 + 2*0) / (10 * 10) = 0.8
    assert fit_score({"home": 8, "cost": 2}, {"home": 10, "cost": 0}) == 80
    assert fit_score({"home": 0}, {"home": 10}) == 0
    assert fit_reasons({"home": 8, "cost": 2, "time": 9}, {"home": 10, "cost": 0, "time": 5}) == ["home", "cost"]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(SURE_FIELDS), st.booleans(), min_size=1))
def test_sure_conflict_iff_score_at_most_three(answers: dict[str, bool]) -> None:
    sure = evaluate(parse_profile({**BASE, **answers}), KB).sure
    assert sure is not None
    assert len(sure.next_steps) == sum(1 for v in answers.values() if v is False)
    if len(answers) < 4:
        assert sure.score is None and sure.conflict is None
    else:
        assert sure.score == sum(answers.values())
        assert sure.conflict == (sure.score <= 3)


def test_every_evidence_figure_carries_its_own_comparator_and_source() -> None:
    result = evaluate(parse_profile(BASE), KB)
    for m in result.modalities:
        assert m.evidence is not None
        for o in m.evidence.outcomes:
            assert o.comparator.patient and o.time_frame.patient and o.population.patient and o.refs
        if not m.evidence.outcomes:
            assert m.evidence.no_figures is not None


def test_uncontrolled_provider_run_cohort_is_marked() -> None:
    comp = evaluate(parse_profile(BASE), KB).modality("compounded").evidence
    assert comp is not None and comp.certainty == "very_low"
    hull = next(o for o in comp.outcomes if o.id == "hull_response")
    assert hull.comparator_pct is None and hull.sponsor == "provider" and hull.design == "uncontrolled_cohort"


def test_rating_an_attribute_the_data_lacks_is_an_error(tmp_path: Any) -> None:
    import shutil

    from ketadecide.errors import InputError

    data = tmp_path / "data"
    shutil.copytree(KB.data_dir, data)
    text = (data / "values.yaml").read_text()
    start = text.index("  monitoring:")
    end = text.index("\n# Scores that depend on the person")
    (data / "values.yaml").write_text(text[:start] + text[end + 1 :])
    # Read on its own: as an overlay on the bundled data nothing can be removed (issue 21).
    (data / "overlay.yaml").write_text("standalone: synthetic\n")
    kb = load_knowledge_base(data)
    with pytest.raises(InputError, match="values_monitoring"):
        evaluate(parse_profile({**BASE, "values_monitoring": 5}), kb)


def _patient_texts() -> dict[str, list[str]]:
    evidence = KB.extras["evidence.yaml"]
    values = KB.extras["values.yaml"]
    decision = KB.extras["decision.yaml"]
    out: dict[str, list[str]] = {"evidence": [], "values": [], "sure_next_steps": [], "clinic": [], "about": []}
    for rec in evidence.modalities.values():
        out["evidence"].append(rec.certainty_reason.patient)
        if rec.no_figures:
            out["evidence"].append(rec.no_figures.patient)
    out["evidence"] += [w.patient for w in evidence.certainty_words.values()]
    for a in values.attributes.values():
        out["values"] += [n.patient for n in a.notes.values()]
    out["values"].append(values.wording.note.patient)
    out["sure_next_steps"] = [i.next_step.patient for i in decision.sure.items]
    clinic = decision.clinic
    out["clinic"] = [x.patient for x in (*clinic.look_for, *clinic.red_flags, *clinic.questions)]
    out["clinic"] += [t.offered.patient + " " + t.evidence.patient for t in clinic.therapy.values()]
    about = decision.about
    out["about"] = [about.decision.patient, about.made_by.patient, about.funding.patient, about.review_cycle.patient]
    out["about"] += [a.line.patient for a in about.alternatives]
    return out


@pytest.mark.parametrize("section", ["evidence", "values", "sure_next_steps", "clinic", "about"])
def test_patient_text_is_grade_8_or_below(section: str) -> None:
    text = " ".join(_patient_texts()[section])
    assert fk_grade(text) <= 8, f"{section}: grade {fk_grade(text):.1f}"


def test_readability_function_tells_easy_from_hard() -> None:
    assert fk_grade("The cat sat on the mat. It was warm.") < 3
    assert fk_grade("Electroconvulsive interventions necessitate comprehensive multidisciplinary evaluation.") > 12


def _fit(**kw: Any) -> Any:
    result = evaluate(parse_profile({**BASE, **kw}), KB)
    assert result.fit is not None
    return result, {e.id: e for e in result.fit.ranking}


def test_cost_follows_the_persons_payer_not_a_fixed_score() -> None:
    # Spravato on-label: a commercial plan's share ($91-$387) scores better on cost than the
    # full price an uninsured person pays ($907-$1,290); compounded (cash) is the same for both.
    commercial, _ = _fit(insurance="commercial", values_cost=10)
    uninsured, _ = _fit(insurance="uninsured", values_cost=10)
    pairs = (("c", commercial), ("u", uninsured))
    cost = {r: next(a for a in res.fit.attributes if a.id == "cost") for r, res in pairs}
    assert cost["c"].scores["spravato"] > cost["u"].scores["spravato"] == 0
    assert cost["c"].scores["compounded"] == cost["u"].scores["compounded"]
    assert "guess" in cost["c"].notes["spravato"].patient


def test_evidence_follows_certainty_and_off_label_use() -> None:
    on, _ = _fit(values_evidence=10)
    off, _ = _fit(values_evidence=10, diagnoses=["ptsd"])  # Spravato off-label for PTSD only
    ev = {k: next(a for a in r.fit.attributes if a.id == "evidence") for k, r in (("on", on), ("off", off))}
    by = KB.extras["values.yaml"].derived.evidence_by_certainty
    assert ev["on"].scores["spravato"] == by["moderate"] and ev["off"].scores["spravato"] == by["very_low"]
    assert ev["on"].scores["iv"] == by["low"] and ev["on"].scores["compounded"] == by["very_low"]


def test_each_fit_row_cites_what_supports_it_not_the_other_rows_sources() -> None:
    """Issue 24 review (C2): the "Strong proof it works" row cited the coinsurance survey and
    the Medicare deductible. The cost rule's sources belong to the cost row only; the evidence
    row cites the trials and the label's indication."""
    result, _ = _fit(insurance="uninsured", values_cost=10, values_evidence=8)
    rows = {a.id: {r.id for r in a.refs} for a in result.fit.attributes}
    cost_only = {"meps_ic_2020_coinsurance", "cms_part_b_2026"}
    assert cost_only <= rows["cost"]
    assert not cost_only & rows["evidence"]
    assert "spravato_pi" in rows["evidence"] and "spravato_pi" not in rows["cost"]
    assert {"escape_trd_2023", "elektd_2023"} <= rows["evidence"]


def test_every_caution_lowers_the_fit_and_is_named() -> None:
    _, plain = _fit(values_home=10, insurance="commercial")
    whole, pregnant = _fit(values_home=10, insurance="commercial", pregnancy="pregnant")
    penalty = KB.extras["values.yaml"].derived.caution_penalty
    shared = whole.fit.shared_note.patient if whole.fit.shared_note else ""
    cap = KB.extras["values.yaml"].derived.band_at["partial"] - 1
    advised_against = set(KB.screens["pregnancy_or_breastfeeding"].not_advised)
    for ident, entry in pregnant.items():
        assert entry.cautions, ident
        lowered = max(0, plain[ident].score - penalty * len(entry.cautions))
        assert entry.score == (min(lowered, cap) if ident in advised_against else lowered)
        # Named: as the option's drawback, or once for all when every option shares it.
        assert "Main drawback" in entry.drawback.patient
        assert entry.cautions[0].patient in entry.drawback.patient or entry.cautions[0].patient in shared


def test_each_option_shows_its_strongest_match_and_its_main_drawback() -> None:
    _, fit = _fit(insurance="uninsured", values_cost=10, values_evidence=8)
    assert "Best match" in fit["compounded"].strongest.patient
    assert "proof" in fit["compounded"].drawback.patient  # its weak evidence, not only good points
    assert "cost" in fit["spravato"].drawback.patient


def test_a_neutral_rating_is_neutral_never_a_good_match() -> None:
    # IV scores the neutral 5 on evidence (low certainty).
    _, fit = _fit(values_evidence=7)
    words = " ".join(r.patient for r in fit["iv"].reasons)
    assert "good match" not in words and "neither good nor bad" in words
    assert fit["iv"].strongest.patient == "No strong match"


def test_ties_read_as_ties() -> None:
    # Needles only: Spravato and compounded both score 10 (no needles), a tie.
    result, fit = _fit(values_needles=10)
    assert fit["spravato"].score == fit["compounded"].score
    assert any("Spravato" in t.patient and "tie" in t.patient for t in result.fit.ties)


def test_when_no_option_is_open_it_says_so_and_points_elsewhere() -> None:
    ratings = {f"values_{a}": 10 for a in ("evidence", "cost", "home")}
    result, fit = _fit(conditions=["ketamine_hypersensitivity"], **ratings)
    assert fit == {}
    assert result.fit.nothing_open is not None and result.fit.nothing_open_refs
    for word in ("TMS", "ECT", "a new pill", "a second pill", "a doctor who treats hard-to-treat depression"):
        assert word in result.fit.nothing_open.patient
    assert "rated everything 0" not in result.fit.note.patient


def test_the_pointer_to_ect_carries_its_own_blood_pressure_caveat_with_a_source() -> None:
    # Most people ruled out of every ketamine route are ruled out for a blood-pressure or
    # bleeding risk; ECT raises blood pressure too, so the pointer must not offer it bare.
    result, _ = _fit(conditions=["arteriovenous_malformation"], values_evidence=10)
    assert result.fit.nothing_open is not None
    assert "blood pressure" in result.fit.nothing_open.patient.split("ECT also", 1)[-1]
    assert "intracranial pressure" in result.fit.nothing_open.clinician
    assert "openanesthesia_ect" in {r.id for r in result.fit.nothing_open_refs}


def test_people_never_see_a_fit_number_or_rank() -> None:
    from ketadecide.render.consult_steps import fit_lines

    result, _ = _fit(values_cost=10, values_home=3, insurance="uninsured")
    lines = "\n".join(fit_lines(result, "patient")[:8])
    assert "/100" not in lines and "1." not in lines


# ---------------------------------------------------------------- harms beside benefits (issue 24)


def test_transform3_is_shown_to_people_65_and_older_only_and_says_no_clear_difference() -> None:
    def ids(age: int) -> list[str]:
        ev = evaluate(parse_profile({**BASE, "age": age}), KB).modality("spravato").evidence
        assert ev is not None
        return [o.id for o in ev.outcomes]

    assert "transform3_response_65plus" in ids(70) and "transform3_response_65plus" not in ids(44)
    from ketadecide.render.labels import outcome_sentence

    ev = evaluate(parse_profile({**BASE, "age": 70}), KB).modality("spravato").evidence
    assert ev is not None
    t3 = next(o for o in ev.outcomes if o.id == "transform3_response_65plus")
    assert not t3.significant and "may be due to chance" in outcome_sentence(t3, "patient")


def test_spravato_response_is_shown_beside_its_placebo_response() -> None:
    ev = evaluate(parse_profile(BASE), KB).modality("spravato").evidence
    assert ev is not None
    t2 = {o.id: (o.value_pct, o.comparator_pct) for o in ev.outcomes}
    assert t2["transform2_response"] == (69.3, 52.0) and t2["transform2_remission"] == (52.5, 31.0)


def test_every_option_shows_harms_with_a_comparator_or_says_why_not() -> None:
    result = evaluate(parse_profile(BASE), KB)
    for m in result.modalities:
        ev = m.evidence
        assert ev is not None
        for a in ev.adverse_effects:
            assert a.comparator_pct is not None or a.comparator_range_pct is not None, (m.id, a.id)
        if not ev.adverse_effects:
            assert ev.no_figures is not None and "side effect" in ev.no_figures.patient.replace("-", " "), m.id
            # ...and names the kinds of harm, with how often unknown (fourth IPDAS review, D1b).
            assert "dizzy" in ev.no_figures.patient and "not known" in ev.no_figures.patient, m.id
    iv = result.modality("iv").evidence
    assert iv is not None and {a.id for a in iv.adverse_effects} >= {"dissociation", "nausea", "headache"}


def test_an_uncontrolled_cohort_is_never_drawn_and_figures_warn_against_comparing() -> None:
    from ketadecide.render.html import render_html
    from ketadecide.render.terminal import render_table

    result = evaluate(parse_profile(BASE), KB)
    html = render_html(result, "patient")
    cohort = html.split('<li class="cohort">')[1].split("</li>")[0]
    assert "<svg" not in cohort and "no other group" in cohort
    assert html.count("do not weigh the number for one choice") == 1
    assert 'aria-label="52 out of 100 people (comparison group)"' in html  # TRANSFORM-2's placebo arm
    text = render_table(result, "patient", width=200)
    hull = next(line for line in text.splitlines() if "1,247 people" in line or "said they felt much better" in line)
    assert "█" not in hull and "░" not in hull
    assert "do not weigh the number for one choice" in " ".join(text.split())


def test_passive_ideation_names_the_take_home_supply_as_compoundeds_drawback() -> None:
    # Issue 24 (review): with passive thoughts of death, the values fit once ranked at-home
    # compounded ketamine the best match for an uninsured person with nothing said against it.
    # The safety finding is now a caution for the take-home route only: it lowers that fit and
    # is its named drawback; the observed in-clinic routes carry no caution from it.
    ratings = {"values_cost": 10, "values_home": 10, "insurance": "uninsured"}
    result, fit = _fit(suicidality="passive_ideation", **ratings)
    _, calm = _fit(**ratings)
    comp = fit["compounded"]
    finding = next(f for f in result.modality("compounded").findings if f.id == "safety_assessment_needed")
    assert finding.severity == "relative"
    assert [c.patient for c in comp.cautions] == [finding.name.patient]
    assert finding.name.patient in comp.drawback.patient
    penalty = KB.extras["values.yaml"].derived.caution_penalty
    assert comp.score == max(0, calm["compounded"].score - penalty)
    for ident in ("spravato", "iv", "im"):
        assert not fit[ident].cautions and fit[ident].score == calm[ident].score, ident


def test_the_brief_harm_line_never_repeats_the_benefit_text() -> None:
    # Issue 24 (review): IM has no harm figure, and its "-" line showed its benefit text
    # ("One clinic looked back at 452 patients ...") again. The "-" line now says only that
    # there is no side-effect figure we could check, in both audiences.
    from ketadecide.render.consult_steps import evidence_brief_lines

    result = evaluate(parse_profile(BASE), KB)
    for audience in ("patient", "clinician"):
        lines = evidence_brief_lines(result, audience)  # type: ignore[arg-type]
        for m in result.modalities:
            ev = m.evidence
            assert ev is not None
            start = lines.index(f"  {m.short_name} ({ev.certainty_words.for_(audience)})")
            harm = lines[start + 2]
            assert harm.startswith("    - "), harm
            if not ev.adverse_effects:
                assert "side-effect" in harm and "452" not in harm and "100" not in harm, (m.id, harm)
            assert lines[start + 1][6:] not in harm, (m.id, audience)


def test_a_caution_every_option_shares_is_said_once_and_each_drawback_is_its_own() -> None:
    # Issue 24 (review): a benzodiazepine and a high blood pressure flag every route alike; the
    # fit then gave all four the same "Main drawback", which says nothing about the options.
    kw = {"medications": ["benzodiazepine"], "bp_systolic": 150, "bp_diastolic": 95, "values_needles": 8}
    result, fit = _fit(insurance="commercial", **kw)
    assert result.fit.shared_note is not None and len(result.fit.shared_cautions) == 2
    shared = [c.patient for c in result.fit.shared_cautions]
    assert all(name in result.fit.shared_note.patient for name in shared)
    drawbacks = {ident: entry.drawback.patient for ident, entry in fit.items()}
    # Each its own: Spravato and compounded both match "no needles" well, so neither has a poor
    # match; their drawbacks come from their own data (harm figure; very low certainty).
    assert drawbacks["spravato"] != drawbacks["compounded"], drawbacks
    assert "needles" in drawbacks["iv"] and "needles" in drawbacks["im"]
    for ident, text in drawbacks.items():
        assert not any(name in text for name in shared), (ident, text)
        assert "No drawback" not in text, (ident, text)
        assert len(fit[ident].cautions) == 2  # every caution is still listed and still lowers the fit
    assert "out of 100 people" in drawbacks["spravato"]  # its own most common harm, with comparator
    # An option's own caution stays its drawback: passive ideation is compounded's only.
    _, own = _fit(insurance="commercial", suicidality="passive_ideation", **kw)
    assert "Thoughts of death" in own["compounded"].drawback.patient
    assert "Thoughts of death" not in own["spravato"].drawback.patient


@pytest.mark.parametrize(
    ("suicidality", "has_988"),
    [("none", False), ("passive_ideation", True), ("active_ideation", True), ("unknown", True)],
)
def test_the_support_step_names_988_unless_the_person_said_no_thoughts_of_suicide(
    suicidality: str, has_988: bool
) -> None:
    # A crisis line beside "ask for another visit" read as alarm to someone who said "none"
    # (IPDAS reviews 2 and 3); an unasked question ("unknown") is never read as "none".
    sure = {"sure_sure": True, "sure_understand": True, "sure_values": True, "sure_support": False}
    result = evaluate(parse_profile({**BASE, **sure, "suicidality": suicidality}), KB)
    assert result.sure is not None
    (step,) = result.sure.next_steps
    assert ("988" in step.next_step.patient) is has_988
    assert "988" in step.next_step.clinician  # clinicians give the crisis line whatever the answer
