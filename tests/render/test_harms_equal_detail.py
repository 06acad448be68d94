"""Issue 24, IPDAS C1 "equal detail for benefits and harms" (second review, #10 and N6):
every figure names the people it comes from, a harm figure sits beside an added medicine's
benefit figure from the same trial, and where there is no comparison group or no harm figure
the text says exactly what the source gives instead of leaving it out silently."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from ketadecide import load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from tests.conftest import ROOT

KB = load_knowledge_base()
EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")


def _compare(*args: str) -> str:
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, *args], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_every_alternative_figure_names_its_study_population() -> None:
    """The ketamine figures end with their people ("(676 adults ...)"); the other choices'
    figures gave only the period (review #10). A point with an "N out of 100" now names the
    people in both registers, the patient's in the same closing parentheses."""
    decision = KB.decision()
    assert decision is not None
    named = 0
    for alt in decision.about.alternatives:
        for point in (alt.good, alt.harder):
            assert point is not None
            if "out of 100" not in point.patient:
                continue
            assert "Population:" in point.clinician, alt.id
            named += 1
            assert re.search(r"\(\S[^()]*\.\)$", point.patient), (alt.id, point.patient)
    # ECT's two (two trials), an added medicine's two: its harm figure names its people
    # too (third IPDAS review, D4; it said only "In the same study").
    assert named == 4


def test_an_added_medicine_shows_a_harm_figure_beside_its_benefit_in_every_view() -> None:
    page = _compare("-a", "patient", "-f", "html")
    table = re.search(r'<table class="compare alternatives">.*?</table>', page, re.S)
    assert table is not None
    row = next(r for r in re.findall(r"<tr><td>.*?</tr>", table.group(0), re.S) if "quetiapine" in r)
    harder = re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[2])
    assert "Over up to 32 weeks, 11 out of 100 people stopped quetiapine due to side effects" in harder
    assert "In the same study, with Spravato: 4 out of 100." in harder
    assert "We show no number" not in harder
    detail = " ".join(_compare("-a", "patient", "--detail").split())
    assert "stopped quetiapine due to side effects. In the same study, with Spravato: 4 out of 100." in detail


def test_scale_measured_rates_give_a_placebo_figure_or_say_there_is_none() -> None:
    """N6: "61 to 75" and "48 to 61" were the only figures with no "M out of 100" beside them
    and no word why. Dissociation now has the placebo groups' rate on the same scale (the
    maker's medical information: 5 to 16 beside 61 to 84); the label's warning gives none for
    sedation, and the text says so. The sedation range is the label's 48 (not 49) to 61."""
    evidence = KB.evidence()
    assert evidence is not None
    harms = {a.id: a for a in evidence.modalities["spravato"].adverse_effects}
    dissociation, sedation = harms["dissociation"].measured, harms["sedation"].measured
    assert dissociation is not None and sedation is not None
    assert "61 to 84 out of 100" in dissociation.patient
    assert "With a fake spray: 5 to 16 out of 100" in dissociation.patient
    assert "jnj_medinfo_dissociation" in harms["dissociation"].sources
    assert "48 to " in sedation.patient and "no figure for the fake spray" in sedation.patient
    assert "no placebo rate" in sedation.clinician


@pytest.mark.parametrize("lang", ["en", "es"])
def test_compounded_says_what_its_one_trial_reports_about_harms(lang: str) -> None:
    """No harm figure for compounded ketamine (Domany 2019's abstract gives no count per
    group): the text says what the trial does report, not "none we could check"."""
    set_lang(lang)
    try:
        evidence = KB.evidence()
        assert evidence is not None
        comp = evidence.modalities["compounded"]
        assert not comp.adverse_effects
        assert comp.no_adverse_figures is not None
        text = comp.no_adverse_figures.clinician
        assert "mild and transient" in text and "no adverse-event count" in text and "no comparison group" in text
        page = _compare("-a", "patient", "-f", "html", "--lang", lang)
        said = "mild and short" if lang == "en" else "leves y cortos"
        assert said in page
        assert "gave none we could check" not in page
    finally:
        set_lang("en")
