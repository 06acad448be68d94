"""The third IPDAS review's figure defects (issue 24, review 3, D1, D2, D4). Synthetic
profiles; the bundled data.

- D1: a 71-year-old saw Spravato's TRANSFORM-2 figures (adults aged 18 to 64) first, and in
  the consult's brief only; the over-65 trial (TRANSFORM-3) came third. The trial of the
  person's own age now comes first in every view and is the brief's benefit, and
  TRANSFORM-2's population says its ages.
- D2: the compounded option's Domany 2019 figure says the trial's people were checked by
  study staff after a dose (the option itself is at home, with no staff).
- D4: the added medicine's harm figure names its people, like its benefit figure.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner

from ketadecide import evaluate, load_knowledge_base
from ketadecide.cli.main import app
from ketadecide.engine.result import Result
from ketadecide.i18n.texts import localize
from ketadecide.lang import use
from ketadecide.profile import parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines
from ketadecide.render.markdown import render_markdown
from tests.profiles import screened_adult, write_profile

KB = load_knowledge_base()
KB_ES = localize(KB).knowledge_base
BASE: dict[str, Any] = screened_adult(insurance="medicare")
T3_PATIENT = "27 out of 100 people felt much better (people aged 65 or older)"
T2_PATIENT = "69 out of 100 people felt much better (response)"


def _result(age: int, lang: str = "en") -> Result:
    return evaluate(parse_profile({**BASE, "age": age}), KB_ES if lang == "es" else KB)


def _spravato_ids(age: int) -> list[str]:
    ev = _result(age).modality("spravato").evidence
    assert ev is not None
    return [o.id for o in ev.outcomes]


def test_the_trial_of_the_persons_own_age_comes_first_and_the_rest_keep_their_order() -> None:
    young = _spravato_ids(44)
    assert young[0] == "transform2_response" and "transform3_response_65plus" not in young
    for age in (65, 71, 90):
        old = _spravato_ids(age)
        assert old[0] == "transform3_response_65plus", age
        assert old[1:] == young, age  # nothing else moves


def _brief_benefit(age: int, audience: str = "patient") -> str:
    lines = evidence_brief_lines(_result(age), audience)  # type: ignore[arg-type]
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("Spravato"))
    benefit = lines[at + 1].strip()
    assert benefit.startswith("+ "), lines[at : at + 3]
    return benefit


def test_the_consult_brief_gives_a_71_year_old_the_over_65_trial_and_a_44_year_old_transform2() -> None:
    old = _brief_benefit(71)
    assert T3_PATIENT in old and "may be due to chance" in old and "137 adults aged 65 or older" in old
    young = _brief_benefit(44)
    assert T2_PATIENT in young and "aged 18 to 64" in young
    assert "aged 65 or older" in _brief_benefit(71, "clinician")


def _profile(tmp_path: Any, age: int) -> str:
    return write_profile(tmp_path / f"p{age}.yaml", {**BASE, "age": age})


def _first_spravato_figure(text: str) -> str:
    """The first "out of 100 people" figure after Spravato's own heading in a view's text."""
    at = text.index("Spravato\n  How sure we are") if "Spravato\n  How sure we are" in text else None
    assert at is not None, "no Spravato evidence block"
    return next(line for line in text[at:].splitlines() if "out of 100 people" in line)


@pytest.mark.parametrize(("age", "first"), [(71, "27 out of 100"), (44, "69 out of 100")])
def test_the_detail_view_shows_the_persons_age_group_first(tmp_path: Any, age: int, first: str) -> None:
    with use("en"):
        out = CliRunner().invoke(app, ["compare", "-p", _profile(tmp_path, age), "-a", "patient", "--detail"])
    assert out.exit_code == 0, out.output
    assert first in _first_spravato_figure(out.stdout)


def _html_spravato_figures(page: str) -> list[str]:
    blocks = re.findall(r'<ul class="figures">(.*?)</ul>', page, re.S)
    spans = [re.sub(r"<[^>]+>", "", s).strip() for s in re.findall(r"<span>(.*?)</span>", blocks[0], re.S)]
    return [s for s in spans if "de cada 100" in s or "out of 100" in s]


@pytest.mark.parametrize(
    ("lang", "age", "first"),
    [
        ("en", 71, "27 out of 100"),
        ("en", 44, "69 out of 100"),
        ("es", 71, "27 de cada 100"),
        ("es", 44, "69 de cada 100"),
    ],
)
def test_the_handout_shows_the_persons_age_group_first(tmp_path: Any, lang: str, age: int, first: str) -> None:
    with use("en"):
        out = CliRunner().invoke(
            app, ["compare", "-p", _profile(tmp_path, age), "-a", "patient", "-f", "html", "--lang", lang]
        )
    assert out.exit_code == 0, out.output
    figures = _html_spravato_figures(out.stdout)  # Spravato is the first option's figure list
    assert figures and figures[0].find(first) >= 0, figures[:2]


def test_the_markdown_shows_the_persons_age_group_first() -> None:
    for age, first in ((71, "27 out of 100"), (44, "69 out of 100")):
        text = render_markdown(_result(age), "patient")
        spravato = text[text.index("### Spravato") :]
        assert first in next(line for line in spravato.splitlines() if "out of 100 people" in line), age


def test_transform2_population_says_its_ages_for_both_audiences_and_in_spanish() -> None:
    ev = _result(44).modality("spravato").evidence
    assert ev is not None
    for o in ev.outcomes:
        if o.id.startswith("transform2"):
            assert "aged 18 to 64" in o.population.patient and "18-64" in o.population.clinician
    ev_es = _result(44, "es").modality("spravato").evidence
    assert ev_es is not None
    assert all("de 18 a 64 años" in o.population.patient for o in ev_es.outcomes if o.id.startswith("transform2"))


def test_the_oral_ketamine_trial_figure_says_staff_checked_people_after_a_dose() -> None:
    for lang, words in (("en", "Study staff checked on them"), ("es", "El personal del estudio los revisó")):
        ev = _result(44, lang).modality("compounded").evidence
        assert ev is not None
        domany = next(o for o in ev.outcomes if o.id == "domany_remission")
        assert words in domany.population.patient, lang
        assert "40 and 240 minutes" in domany.population.clinician
        assert "40 and 240 minutes" in ev.certainty_reason.clinician


def test_the_added_medicines_harm_figure_names_its_people_like_its_benefit_figure() -> None:
    for lang, people in (
        ("en", "In the same study, with Spravato: 4 out of 100. (676 adults on an antidepressant.)"),
        ("es", "con Spravato, 4 de cada 100 (mismo estudio: 676 adultos)"),
    ):
        d = _result(44, lang).decision
        assert d is not None
        add = next(a for a in d.alternatives if a.id == "augmentation")
        assert add.harder is not None and people in add.harder.text.patient, lang
        assert add.good is not None and "676" in add.good.text.patient
