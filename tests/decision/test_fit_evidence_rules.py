"""The fit never reads better than the evidence for this person (issue 24, fourth IPDAS review
D2, D3): an age rule for Spravato at 65+, a cap for very-low-certainty options when proof
matters, and the FDA's at-home warning beside "Treatment at home". All rules are data
(values.yaml); the profiles are synthetic."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ketadecide import evaluate, load_knowledge_base
from ketadecide.engine.fit import fit_of
from ketadecide.profile import VALUE_FIELDS, parse_profile
from ketadecide.render.labels import fit_entry_line
from tests.profiles import screened_adult

KB = load_knowledge_base()
VALUES = KB.extras["values.yaml"]
BY = VALUES.derived.evidence_by_certainty
BASE: dict[str, Any] = screened_adult(age=44)


def _fit(**kw: Any) -> Any:
    result = evaluate(parse_profile({**BASE, **kw}), KB)
    assert result.fit is not None
    return result, {e.id: e for e in result.fit.ranking}


def _evidence_row(result: Any) -> Any:
    return next(a for a in result.fit.attributes if a.id == "evidence")


# ---------------------------------------------------------------- D2: Spravato at 65 or older


def test_at_65_or_older_spravatos_proof_is_scored_from_its_own_age_trial() -> None:
    young, young_fit = _fit(age=64, values_evidence=9)
    old, old_fit = _fit(age=65, values_evidence=9)
    rule = VALUES.derived.evidence_by_age[0]
    assert rule.from_age == 65 and "ochs_ross_2020_transform3" in rule.sources
    assert _evidence_row(young).scores["spravato"] == BY["moderate"]
    assert _evidence_row(old).scores["spravato"] == BY[rule.certainty["spravato"]] == BY["low"]
    # The other options keep their own grades at any age.
    for other in ("iv", "im", "compounded"):
        assert _evidence_row(old).scores[other] == _evidence_row(young).scores[other]
    # Strong proof is the 64-year-old's best match, never the 65-year-old's.
    assert young_fit["spravato"].strongest.patient == "Best match: Strong proof it works"
    assert "Strong proof" not in old_fit["spravato"].strongest.patient
    assert old_fit["spravato"].score < young_fit["spravato"].score


def test_the_age_rule_is_named_in_the_match_text_and_cited_on_the_row() -> None:
    old, old_fit = _fit(age=71, values_evidence=9, values_cost=6, insurance="medicare")
    young, young_fit = _fit(age=44, values_evidence=9, values_cost=6, insurance="medicare")
    line = fit_entry_line(old_fit["spravato"], "Spravato", "patient")
    assert "65 or older" in line and "no clear benefit" in line
    assert "TRANSFORM-3" in fit_entry_line(old_fit["spravato"], "Spravato", "clinician")
    assert "65 or older" in _evidence_row(old).notes["spravato"].patient
    assert not young_fit["spravato"].notes and "65" not in fit_entry_line(young_fit["spravato"], "S", "patient")
    assert "ochs_ross_2020_transform3" in {r.id for r in _evidence_row(old).refs}
    assert "ochs_ross_2020_transform3" not in {r.id for r in _evidence_row(young).refs}
    # Only the option the rule names carries the note.
    assert all(not old_fit[m].notes for m in ("iv", "im", "compounded"))


def test_the_age_rule_only_lowers_and_is_silent_when_proof_is_not_rated() -> None:
    # Off-label Spravato (PTSD only) is very low already: the age rule never raises it.
    off, off_fit = _fit(age=70, diagnoses=["ptsd"], values_evidence=9)
    assert _evidence_row(off).scores["spravato"] == BY["very_low"]
    assert not off_fit["spravato"].notes
    _, unrated = _fit(age=70, values_needles=9)
    assert not unrated["spravato"].notes


# ---------------------------------------------------------------- D3: the weakest never on top


def test_a_very_low_certainty_option_is_capped_below_the_top_band_when_proof_matters() -> None:
    # The fourth review's commercial patient: 42, evidence 7, time 8, needles 9. Before the
    # cap, compounded read "matches much of what you said".
    profile = {"age": 42, "insurance": "commercial", "values_evidence": 7, "values_time": 8, "values_needles": 9}
    _, fit = _fit(**profile)
    cap = VALUES.derived.certainty_caps[0]
    assert cap.certainty == "very_low" and cap.rated_from == 7
    assert fit["compounded"].band == "partial"
    assert fit["compounded"].score == VALUES.derived.band_at["close"] - 1
    assert "proof" in fit["compounded"].drawback.patient
    # Rated 6, the cap does not apply: the same option may reach the top band.
    _, lower = _fit(**{**profile, "values_evidence": 6})
    assert lower["compounded"].band == "close"


@settings(max_examples=60, deadline=None)
@given(
    ratings=st.dictionaries(st.sampled_from([f for f in VALUE_FIELDS if f != "values_evidence"]), st.integers(0, 10)),
    evidence=st.integers(7, 10),
    age=st.integers(18, 90),
    diagnoses=st.sampled_from([["mdd"], ["ptsd"], ["mdd", "gad"]]),
    insurance=st.sampled_from(["commercial", "medicare", "medicaid", "uninsured"]),
)
def test_the_fit_never_puts_a_very_low_certainty_option_in_the_top_band(
    ratings: dict[str, int], evidence: int, age: int, diagnoses: list[str], insurance: str
) -> None:
    result, fit = _fit(**ratings, values_evidence=evidence, age=age, diagnoses=diagnoses, insurance=insurance)
    row = _evidence_row(result)
    for ident, entry in fit.items():
        if row.scores[ident] == BY["very_low"]:
            assert entry.band != "close", (ident, entry.score)


def test_home_as_best_match_names_the_fdas_at_home_warning() -> None:
    # The fourth review's uninsured patient: cost 10, evidence 5, home 8.
    result, fit = _fit(age=34, insurance="uninsured", values_cost=10, values_evidence=5, values_home=8)
    warning = VALUES.attributes["home"].best_match_warning
    assert warning is not None and "fda_compounded_ketamine_2023" in warning.sources
    entry = fit["compounded"]
    assert entry.strongest.patient == "Best match: Treatment at home"
    assert "FDA has warned" in entry.drawback.patient and "breathing" in entry.drawback.patient
    assert "FDA" in entry.drawback.clinician and "respiratory depression" in entry.drawback.clinician
    # Its own drawback is kept, the warning said after it.
    assert entry.drawback.patient.startswith("Main drawback: a poor match on strong proof")
    home = next(a for a in result.fit.attributes if a.id == "home")
    assert "fda_compounded_ketamine_2023" in {r.id for r in home.refs}
    # Options whose best match is something else do not carry it.
    assert all("FDA" not in fit[m].drawback.patient for m in ("spravato", "iv", "im"))
    # Home not its best match (needles outweigh it): no warning.
    _, other = _fit(values_needles=10, values_home=1)
    assert "FDA" not in other["compounded"].drawback.patient


def test_the_warning_follows_the_attribute_not_the_option() -> None:
    # Synthetic data: the same warning moved to "No needles" lands on Spravato too.
    profile = parse_profile({**BASE, "values_needles": 10})
    result = evaluate(profile, KB)
    warning = VALUES.attributes["home"].best_match_warning
    attributes = dict(VALUES.attributes)
    attributes["needles"] = attributes["needles"].model_copy(update={"best_match_warning": warning})
    attributes["home"] = attributes["home"].model_copy(update={"best_match_warning": None})
    moved = VALUES.model_copy(update={"attributes": attributes})
    fit = fit_of(profile, result.modalities, moved, KB)
    assert fit is not None
    by_id = {e.id: e for e in fit.ranking}
    assert "FDA has warned" in by_id["spravato"].drawback.patient
    assert "FDA has warned" in by_id["compounded"].drawback.patient
    assert "FDA has warned" not in by_id["iv"].drawback.patient
