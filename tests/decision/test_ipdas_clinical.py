"""Issue 24, IPDAS review (clinical truth): what a pregnant patient, a patient with every
route ruled out, an uninsured or insured payer and a Spravato reader are told."""

from __future__ import annotations

from typing import Any

import pytest

from ketadecide import evaluate, load_knowledge_base
from ketadecide.knowledge.models import ScreenRule
from ketadecide.profile import parse_profile
from ketadecide.render.html import render_html
from ketadecide.render.json import render_json
from ketadecide.render.markdown import render_markdown
from ketadecide.render.note import render_note
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


def _ich() -> Any:
    from ketadecide.safeyaml import load_yaml
    from tests.conftest import ROOT

    path = ROOT / "examples" / "ich-history.yaml"
    return load_yaml(path.read_text(encoding="utf-8"), str(path))


def test_every_route_ruled_out_points_elsewhere_in_every_view_without_any_rating() -> None:
    from ketadecide.render.consult_steps import evidence_brief_lines
    from ketadecide.render.html import render_html
    from ketadecide.render.markdown import render_markdown

    record = _ich()
    assert not any(k.startswith("values_") for k in record)  # nothing rated
    result = evaluate(parse_profile(record), KB)
    assert all(m.status == "contraindicated" for m in result.modalities) and result.fit is None
    assert result.nothing_open is not None and result.nothing_open_refs
    said = "None of these ketamine choices is safe for you right now."
    summary = " ".join(render_table(result, "patient", detail=False, width=80).split())
    assert said in summary and "[1] US Food and Drug Administration" in summary  # with its sources
    detail = " ".join(render_table(result, "patient", detail=True, width=80).split())
    assert said in detail
    html = render_html(result, "patient")
    assert said in html and html.index(said) < html.index("What we noticed")  # page 1, early
    assert said.replace(".", "\\.") in render_markdown(result, "patient")  # Markdown escapes the full stop
    assert said in " ".join(evidence_brief_lines(result, "patient"))
    # No ruled-out route's figures read as an offer: none shown, and it says why.
    for view in (detail, " ".join(html.split())):
        assert "How sure we are" not in view  # no route's figures block (the alternatives keep theirs)
        assert "Not shown, because they are not advised for you: Spravato, IV ketamine" in view


def test_a_ruled_out_routes_figures_are_left_out_when_others_stay_open() -> None:
    from ketadecide.render.markdown import render_markdown

    # Active suicidal thoughts rule out take-home compounded ketamine alone.
    result = evaluate(parse_profile({**PREGNANT, "pregnancy": "none", "suicidality": "active_ideation"}), KB)
    shut = [m.short_name for m in result.modalities if m.status == "contraindicated"]
    assert shut == ["Oral/sublingual ketamine"]
    text = render_markdown(result, "patient")
    compounded = next(m for m in result.modalities if m.id == "compounded").evidence
    assert compounded is not None
    from ketadecide.render.markdown import md_escape

    assert md_escape(compounded.certainty_reason.patient) not in text  # its figures block is gone
    assert "How sure we are" in text  # the open routes keep theirs
    assert "Not shown, because they are not advised for you: Oral/sublingual ketamine" in text
    assert result.nothing_open is None


def test_spravato_harm_figures_say_the_scale_measured_rates_beside_them() -> None:
    from ketadecide.render.html import render_html

    result = evaluate(parse_profile({**PREGNANT, "pregnancy": "none", "insurance": "commercial"}), KB)
    detail = " ".join(render_table(result, "patient", detail=True, width=80).split())
    html = " ".join(render_html(result, "patient").split())
    for view in (detail, html):
        reported = view.index("41 out of 100 people felt cut off")
        assert view.index("61 to 84 out of 100 had some of this") - reported < 250  # beside it
        assert view.index("48 to 61 out of 100 were sleepy") - view.index("23 out of 100 people felt very sleepy") < 200


def _payer(insurance: str, age: int = 44) -> Any:
    record = {**PREGNANT, "pregnancy": "none", "age": age, "insurance": insurance, "antidepressant_trials": 3}
    return evaluate(parse_profile(record), KB).modality("spravato")


def test_uninsured_spravato_price_says_it_is_medicares_rate_and_no_insurance_is_said_plainly() -> None:
    from ketadecide.render.labels import coverage_text, oop_text

    m = _payer("uninsured")
    assert coverage_text(m.coverage, "patient") == "No insurance: you pay the full price"
    assert "insurance unlikely to pay" not in coverage_text(m.coverage, "patient")
    assert m.cost.out_of_pocket is not None
    assert "insurance will likely not pay" not in m.cost.out_of_pocket.assumptions.patient
    assert "With no insurance" in m.cost.out_of_pocket.assumptions.patient
    said = oop_text(m.cost, "patient")
    assert said.startswith("$907–$1,290") and "Medicare's rate" in said and "may charge more" in said
    # Someone with insurance keeps the insurance words.
    off = _payer("commercial")
    assert "No insurance" not in coverage_text(off.coverage, "patient")


def test_first_course_says_whether_the_deductible_is_in_it() -> None:
    from ketadecide.render.labels import oop_course_text

    medicare = _payer("medicare", age=71)
    oop = medicare.cost.out_of_pocket
    assert oop is not None and oop.basis == "plan_share"
    # 8 sessions at $1,290: the $283 Part B deductible, then 20% of the other $10,037.
    assert oop.induction_course == (1448, round(283 + (8 * 1290 - 283) * 0.2))
    assert "includes the $283 deductible" in oop_course_text(medicare.cost, "caution", "patient")
    commercial = _payer("commercial")
    assert "plus your deductible" in oop_course_text(commercial.cost, "no_flags", "patient")
    medicaid = _payer("medicaid")
    assert "deductible" not in oop_course_text(medicaid.cost, "no_flags", "patient")


# The reviewer's ratings (re-review N1): proof 5, cost 8, time 3, home 10, needles 2, staff 2.
REVIEWER_RATINGS = {
    "values_evidence": 5,
    "values_cost": 8,
    "values_time": 3,
    "values_home": 10,
    "values_needles": 2,
    "values_monitoring": 2,
}


@pytest.mark.parametrize(
    ("ratings", "equal"),
    [
        (REVIEWER_RATINGS, ("spravato", "compounded")),
        ({"values_needles": 10}, ("spravato", "compounded")),
        ({"values_home": 10}, ("iv", "im")),
    ],
)
def test_routes_capped_in_pregnancy_or_matching_little_never_tie(
    ratings: dict[str, int], equal: tuple[str, str]
) -> None:
    result = evaluate(parse_profile({**PREGNANT, **ratings}), KB)
    assert result.fit is not None
    fit = {e.id: e for e in result.fit.ranking}
    # Two routes share a score, but both are capped (not advised) or both match little: no tie.
    assert fit[equal[0]].score == fit[equal[1]].score
    assert result.fit.ties == ()
    assert "tie" not in render_table(result, "patient", detail=False, width=80)


def test_a_tie_is_the_best_match_shared_above_the_little_band() -> None:
    # Not pregnant, needles only: Spravato and compounded both match much (no needles), a tie.
    result = evaluate(parse_profile({**PREGNANT, "pregnancy": "none", "values_needles": 10}), KB)
    assert result.fit is not None
    fit = {e.id: e for e in result.fit.ranking}
    assert fit["spravato"].score == fit["compounded"].score and fit["spravato"].band != "little"
    assert [t.patient for t in result.fit.ties] == [
        "Spravato and Oral/sublingual ketamine match what you said equally well. It is a tie."
    ]


def test_a_route_not_recommended_in_pregnancy_says_so_in_the_safety_check_and_the_note() -> None:
    # Re-review N4: "talk it over first" / "caution" read like any caution.
    result = evaluate(parse_profile(PREGNANT), KB)
    summary = " ".join(render_table(result, "patient", detail=False, width=80).split())
    assert summary.count("▲ not recommended for you") == 2
    assert summary.count("▲ talk it over first") == 2  # IV and IM: a caution, not advised against
    for page in (render_html(result, "patient"), render_markdown(result, "patient")):
        assert page.count("▲ not recommended for you") >= 2
    note = " ".join(render_note(result).split())
    assert "Spravato: caution (not recommended)," in note
    assert "Oral/sublingual ketamine: caution (not recommended)," in note
    assert "IV ketamine: caution, " in note and "IM ketamine: caution, " in note
    # Display only: the result's status stays "caution".
    assert {m.id: m.status for m in result.modalities} == dict.fromkeys(
        ("spravato", "iv", "im", "compounded"), "caution"
    )
    assert '"status": "caution"' in render_json(result, "patient")


@pytest.mark.parametrize(
    ("notes", "said"),
    [
        ("Something else (not ketamine): ECT. Questions: how many sessions?", "leaning: something else (ECT);"),
        # The patient's words for TMS (a patient consult); the note names it in the clinician's.
        ("Something else (not ketamine): TMS (magnet therapy).", "leaning: something else (TMS);"),
        ("Something else (not ketamine): Add another medicine.", "leaning: something else (Augmentation);"),
        ("Questions: is it safe?", "leaning unsure;"),
    ],
)
def test_the_chart_note_names_a_leaning_other_than_ketamine(notes: str, said: str) -> None:
    # Re-review N3: a choice other than ketamine is stored as plan_leaning "unsure" with its name
    # first in plan_notes (CONTRACT §1); the note said "leaning unsure".
    record = {
        **PREGNANT,
        "pregnancy": "none",
        "plan_leaning": "unsure",
        "plan_notes": notes,
        "plan_decide_by": "2027-01-15",
    }
    note = " ".join(render_note(evaluate(parse_profile(record), KB)).split())
    assert said in note and "decide by 2027-01-15" in note
    if "Something else" in notes:
        assert "leaning unsure" not in note


def test_an_all_ruled_out_chart_note_names_the_other_choice() -> None:
    record = {
        **PREGNANT,
        "pregnancy": "none",
        "conditions": ["ketamine_hypersensitivity"],
        "plan_leaning": "unsure",
        "plan_notes": "Something else (not ketamine): ECT.",
    }
    result = evaluate(parse_profile(record), KB)
    assert all(m.status == "contraindicated" for m in result.modalities)
    assert "leaning: something else (ECT)." in " ".join(render_note(result).split())


@pytest.mark.parametrize(
    ("record", "payer"),
    [
        (PREGNANT, "Medicaid"),
        ({**PREGNANT, "pregnancy": "none", "insurance": "commercial"}, "Commercial"),
        ({**PREGNANT, "pregnancy": "none", "insurance": "medicare", "age": 70}, "Medicare"),
        ({**PREGNANT, "pregnancy": "none", "insurance": "unknown"}, "Unknown"),
    ],
)
def test_the_prior_authorisation_block_is_named_by_the_persons_payer(record: dict[str, Any], payer: str) -> None:
    # Re-review N8: a pregnant Medicaid patient's note said "(Spravato, commercial plans; ...)".
    note = " ".join(render_note(evaluate(parse_profile(record), KB)).split())
    assert f"Prior authorisation documentation (Spravato; payer: {payer}; criteria vary by plan)" in note
    assert "commercial plans" not in note
