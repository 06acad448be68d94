"""The choices other than ketamine (issue 24, independent IPDAS review of Q3-Q5): each has one
good point and one harder point, cited and dated; a figure only where a stored source gives
it, the same number as the evidence file's record from that study; and every output that
shows them shows their sources."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from ketadecide import load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from ketadecide.render.labels import per_100
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
KB = load_knowledge_base()
ALT_SOURCES = (
    "icsi_depression",
    "taylor_2020_augmentation",
    "escape_trd_2023",
    "fda_tms_510k",
    "elektd_2023",
    "nami_brain_stimulation",
    "mayo_tms_risks",
    "spielmans_2013_aap",
)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


def _compare(*args: str) -> str:
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, *args], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_every_alternative_has_a_cited_good_and_harder_point() -> None:
    decision = KB.decision()
    assert decision is not None
    alts = decision.about.alternatives
    assert [a.id for a in alts] == ["stay", "augmentation", "tms", "ect"]
    for a in alts:
        assert a.good is not None and a.harder is not None, a.id
        for point in (a.good, a.harder):
            assert point.sources and all(s.partition(" ")[0] in KB.sources for s in point.sources)
            assert str(point.reviewed) >= "2026-12-06"


def _figures(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"(\d+) out of 100", text)]


def test_each_figure_is_the_comparator_arm_of_the_stored_study() -> None:
    """ECT and an added medicine are the comparator arms of trials the evidence file already
    holds: the patient's number must be that record's, rounded the same way."""
    decision, evidence = KB.decision(), KB.evidence()
    assert decision is not None and evidence is not None
    alts = {a.id: a for a in decision.about.alternatives}
    outcomes = {o.id: o for m in evidence.modalities.values() for o in m.outcomes}
    harms = {(mid, h.id): h for mid, m in evidence.modalities.items() for h in m.adverse_effects}

    def pct(x: float | None) -> int:
        assert x is not None
        return per_100(x)

    ect, aug = alts["ect"], alts["augmentation"]
    assert ect.good is not None and ect.harder is not None and aug.good is not None
    # the alternative's own arm first, then the other arm of the same trial beside it
    response, amnesia = outcomes["elektd_response"], harms[("iv", "amnesia")]
    remission = outcomes["escape_trd_remission"]
    assert _figures(ect.good.patient) == [pct(response.comparator_pct), pct(response.value_pct)] == [41, 55]
    assert response.sources == ect.good.sources
    assert _figures(ect.harder.patient) == [pct(amnesia.comparator_pct), pct(amnesia.value_pct)] == [29, 9]
    assert set(amnesia.sources) <= set(ect.harder.sources)
    assert _figures(aug.good.patient) == [pct(remission.comparator_pct), pct(remission.value_pct)] == [18, 27]
    assert remission.sources == aug.good.sources
    # An added medicine's harder point has a figure too, from the same trial and arms as its
    # good point (issue 24, C1): stopped because of side effects, quetiapine XR then esketamine,
    # as the stored safety report of ESCAPE-TRD gives them (11.0% of 336, 4.2% of 334).
    assert aug.harder is not None
    assert _figures(aug.harder.patient) == [per_100(11.0), per_100(4.2)] == [11, 4]
    assert "In the same study, with Spravato" in aug.harder.patient
    assert "mcintyre_2024_escape_safety" in aug.harder.sources
    safety = KB.sources["mcintyre_2024_escape_safety"]
    assert "ESCAPE-TRD" in safety.citation and "doi:10.1016/j.euroneuro.2024.05.009" in safety.citation
    assert safety.sponsor == "manufacturer"
    assert "11.0%" in aug.harder.clinician and "4.2%" in aug.harder.clinician
    # No stored figure for staying or for TMS: none is shown, and the text says so.
    for ident in ("stay", "tms"):
        a = alts[ident]
        assert a.good is not None and a.harder is not None
        assert not _figures(a.good.patient + a.harder.patient)
        assert "no number" in a.harder.patient and "No figure shown" in a.harder.clinician


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_handout_prints_each_point_with_its_marks_and_lists_their_sources(lang: str) -> None:
    page = _compare("-a", "patient", "-f", "html", "--lang", lang)
    table = re.search(r'<table class="compare alternatives">.*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>.*?</tr>", table.group(0), re.S)
    assert len(rows) == 4
    for row in rows:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert len(cells) == 3 and all('class="refs"' in c for c in cells), row
    refs = re.search(r'<section class="refs-page">.*?</section>', page, re.S)
    assert refs is not None
    listed = refs.group(0)
    for key in ALT_SOURCES:
        first_words = KB.sources[key].citation.split(".")[0][:30]
        assert first_words in listed, key
    # the marks point at those entries: every number in the table is on the list
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", table.group(0))}
    assert numbers and max(numbers) <= listed.count("<li>")


def test_markdown_json_and_the_terminal_detail_carry_the_points_and_sources() -> None:
    md = _compare("-a", "patient", "-f", "markdown")
    section = md.split("## Other choices (not ketamine)", 1)[1].split("## ", 1)[0]
    assert section.count("Good point:") == 4 and section.count("Harder point:") == 4
    assert "At 3 weeks, 41 out of 100 people felt much better" in section
    listed = md.split("## Where this information comes from", 1)[1]
    for key in ALT_SOURCES:
        assert KB.sources[key].citation.split(".")[0][:30] in listed.replace("\\", ""), key
    data = json.loads(_compare("-a", "clinician", "-f", "json"))
    alts = data["about"]["alternatives"]
    assert [a["id"] for a in alts] == ["stay", "augmentation", "tms", "ect"]
    for a in alts:
        assert a["good"]["text"] and a["good"]["sources"] and a["harder"]["text"] and a["harder"]["sources"]
    detail = _compare("-a", "patient", "--detail")
    block = detail.split("Other choices (not ketamine)", 1)[1]
    assert block.count("Good point:") == 4 and block.count("Harder point:") == 4
    memory = r"Over up to 12 sessions, 29 out of 100 people had memory loss\. "
    memory += r"In the same study, with IV ketamine: 9 out of 100\. "
    memory += r"\(Adults in hospital\.\)"  # the study's people (review #10)
    assert re.search(memory + r"\s*\[\d+\]", " ".join(block.split()))
    assert "41.2%" in alts[3]["good"]["text"] and "28.9%" in alts[3]["harder"]["text"]


def test_each_choice_says_what_it_is_and_its_burdens_from_a_checked_source() -> None:
    """Issue 24 review (#8, #11): ECT said only "A treatment given while you are asleep"; TMS
    and an added medicine named no side effect; staying named no downside; staying's good point
    cited a page that only defines remission; TMS coverage was a seller's claim stated as fact.
    Each statement now names its source, and every source is a stored, dated record."""
    decision = KB.decision()
    assert decision is not None
    alts = {a.id: a for a in decision.about.alternatives}
    ect, tms, aug, stay = alts["ect"], alts["tms"], alts["augmentation"], alts["stay"]
    assert ect.harder is not None and tms.good is not None and tms.harder is not None
    assert aug.harder is not None and stay.good is not None and stay.harder is not None
    line = ect.line.patient
    assert "electric current" in line and "seizure" in line and "anaesthesia" in line
    assert "3 times a week" in line and "nami_brain_stimulation" in ect.sources and "elektd_2023" in ect.sources
    assert "headache" in ect.harder.patient and "Anaesthesia each time" in ect.harder.patient
    assert "nami_brain_stimulation" in ect.harder.sources
    # KetECT gives at most 12 sessions, not the ECT arm's weeks: the period says what it gives.
    assert "12 sessions" in ect.harder.patient and "weeks" not in ect.harder.patient
    assert "headache" in tms.harder.patient and "seizure is rare" in tms.harder.patient
    assert "mayo_tms_risks" in tms.harder.sources
    assert "gain weight" in aug.harder.patient and "sleepy" in aug.harder.patient
    assert "spielmans_2013_aap" in aug.harder.sources
    assert "depression may go on" in stay.harder.patient
    assert "costs" not in stay.good.patient and "6 weeks" in stay.good.patient  # what ICSI says
    # A seller's claim is worded as theirs.
    assert "A TMS clinic says" in tms.good.patient
    assert any(KB.sources[s.partition(" ")[0]].sponsor for s in tms.good.sources)
    for key in ("nami_brain_stimulation", "mayo_tms_risks", "spielmans_2013_aap"):
        src = KB.sources[key]
        assert src.url and str(src.reviewed) == "2026-12-06", key


def _order(text: str, *marks: str) -> list[int]:
    at = [text.find(m) for m in marks]
    assert all(i >= 0 for i in at), list(zip(marks, at, strict=True))
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_other_choices_follow_the_four_options_not_who_made_this(lang: str) -> None:
    """Issue 24 review (#9): the alternatives sat under "Who made this and how we keep it up to
    date". Each output now gives them their own heading right after the four options."""
    set_lang(lang)
    heading = "Other choices (not ketamine)" if lang == "en" else "Otras opciones (sin ketamina)"
    page = _compare("-a", "patient", "-f", "html", "--lang", lang)
    glance_end = page.index("</table></section>")  # the four options at a glance, page 1
    noticed = page.index("<section><h2>", glance_end)  # what we noticed: page 1 keeps it (budget)
    own = page.index(f'<section class="alternatives"><h2>{heading}</h2>')
    about = page.index('<section class="about">')
    assert glance_end < noticed < own < about
    assert '<table class="compare alternatives">' in page[own : page.index("</section>", own)]
    assert page.count('class="compare alternatives"') == 1
    # page 1's answer, then the other choices: no other section between them
    between = page[glance_end:own]
    assert between.count("<section") == 1 and between.rstrip().endswith("</section>")
    md = _compare("-a", "patient", "-f", "markdown", "--lang", lang)
    own_md = md.index(f"## {heading}")
    about_md = md.index("## Who made this" if lang == "en" else "## Quién hizo esto")
    section = md[own_md : md.index("\n## ", own_md + 3)]
    assert section.count("- **") == 4 and own_md < about_md and heading not in md[about_md:]
    # right after the comparison table: no other heading between its last row and this one
    assert "\n## " not in md[md.rindex("\n|", 0, own_md) : own_md]
    text = _compare("-a", "patient", "--detail", "--lang", lang)
    table_sources, own_t = _order(
        text, "Sources for the table above:" if lang == "en" else "Fuentes de la tabla", heading
    )
    assert table_sources < own_t
    assert text.count(heading) == 1
