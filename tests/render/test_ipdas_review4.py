"""Fourth IPDAS review (issue 24, C1 "partly", defect D1 with D5 and D6): harms for IM and
compounded ketamine in the same detail as their benefit, in every patient view, EN and ES.

- D1a: an uncontrolled cohort's harms sit in the same item as its benefit, with the same "no
  other group" reserve (Hull 2022: 6 stopped early, a helper at every home dose; the IM clinic
  cohort: some side effects or other problems, in words since the fifth review, N1).
- D1b: the harm words name the kinds of effect ketamine causes by other routes, marked as
  from other routes, and say how often with pills or shots is not known.
- D1c: the FDA's 2023 warning names what it reported (slowed breathing), not "extra risks".
- D1d: "mild and short" only as the trial authors' words, after the kinds of effect.
- D5: the consult brief's "-" line never refers to a "big study" it never introduced.
- D6: compounded's benefit words say the test was too small to be sure of it.

Synthetic profile (tests/conftest's example file); the bundled data.
"""

from __future__ import annotations

import html
import re

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import use
from ketadecide.render.consult_steps import evidence_brief_lines
from tests.conftest import ROOT
from tests.render.test_benefit_reserve import BASE, _result

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
NAMES = {
    "en": {"compounded": "Oral/sublingual ketamine", "im": "IM ketamine"},
    "es": {"compounded": "Ketamina oral/sublingual", "im": "Ketamina IM"},
}
#: Hull 2022's benefit and, in the same item, its harms and its reserve.
HULL = {
    "en": (
        "many people said they felt much better",
        "6 of the people who started stopped early because of side effects or a doctor's choice",
        "A helper stayed with each person at each dose",
        "it cannot show what the pills caused, good or bad",
    ),
    "es": (
        "muchos dijeron que se sentían mucho mejor",
        "6 de quienes empezaron lo dejaron antes por efectos secundarios o decisión médica",
        "Alguien acompañó a cada uno en cada dosis",
        "no muestra qué causaron las pastillas, ni lo bueno ni lo malo",
    ),
}
#: The IM clinic cohort's benefit and its harms, in one item.
IM_COHORT = {
    "en": ("One clinic looked back at 452 patients", "side effects", "cannot show what the shots caused"),
    "es": (
        "Una clínica revisó a 452 pacientes",
        "contaron problemas por visita",
        "no puede mostrar qué causaron las inyecciones",
    ),
}
#: The kinds of effect (from other routes) and that their frequency is unknown.
KINDS = {
    "en": ("spaced out, dizzy, sick or sleepy", "raise blood pressure for a while", "is not known"),
    "es": (
        "desconexión, mareo, náuseas o sueño",
        "subir la presión un rato",
        "No se sabe con qué frecuencia",
    ),
}
AUTHORS = {"en": "authors called its side effects mild and short", "es": "llamaron leves y cortos"}
FROM_OTHER_ROUTES = {
    "en": "By other routes (drips, the Spravato spray)",
    "es": "Por otras vías (sueros, el aerosol Spravato)",
}
SURE = {
    "en": "so small that we cannot be sure of this",
    "es": "tan pequeña que no podemos estar seguros de esto",
}
FDA = {
    "en": "breathing slowed too much after taking ketamine pills at home",
    "es": "respiró demasiado lento tras tomar",
}


def _flat(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text.replace("\\", ""))).split())


def _cli(*args: str) -> str:
    out = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", *args])
    assert out.exit_code == 0, out.output
    return out.stdout


def _figures_block(view: str, lang: str, option: str) -> list[str]:
    """The items (one string each) of one option in the figures section of a patient view."""
    name = NAMES[lang][option]
    lang_args = ("--lang", lang)
    if view == "detail":
        text = _cli("--detail", *lang_args)
        head = "How sure we are" if lang == "en" else "Qué tan seguros"
        at = text.index(f"{name}\n  {head}")
        block = text[at : text.index("\n\n", at)]
        return [_flat(x) for x in re.split(r"\n  (?=\S)", block)[1:]]
    if view == "markdown":
        text = _cli("-f", "markdown", *lang_args)
        found = re.search(rf"^### {re.escape(name)}\n(.*?)(?=^#)", text, re.M | re.S)
        assert found is not None, name
        return [_flat(x) for x in re.split(r"\n(?=- )", found.group(1).strip())]
    extra = ("--large-print",) if view == "large" else ()
    page = _cli("-f", "html", *lang_args, *extra)
    at = page.index(f"<h3>{name}</h3>")
    ul = page[at : page.index("</ul>", at)]
    return [_flat(x) for x in re.findall(r"<li[^>]*>(.*?)</li>", ul, re.S)]


VIEWS = [(v, lang) for v in ("detail", "markdown", "html", "large") for lang in ("en", "es")]


@pytest.mark.parametrize(("view", "lang"), VIEWS)
def test_the_cohorts_give_their_harms_in_the_same_item_as_their_benefit(view: str, lang: str) -> None:
    with use(lang):
        oral = _figures_block(view, lang, "compounded")
        im = _figures_block(view, lang, "im")
    hull = [x for x in oral if HULL[lang][0] in x]
    assert len(hull) == 1, oral
    said = hull[0]
    # The benefit, then its harms, then the same reserve: one item, in that order.
    assert [said.index(part) for part in HULL[lang]] == sorted(said.index(part) for part in HULL[lang]), said
    cohort = [x for x in im if IM_COHORT[lang][0] in x]
    assert len(cohort) == 1 and all(part in cohort[0] for part in IM_COHORT[lang]), im


@pytest.mark.parametrize(("view", "lang"), VIEWS)
def test_the_harm_words_name_the_kinds_of_effect_then_the_authors_words(view: str, lang: str) -> None:
    with use(lang):
        blocks = {o: _figures_block(view, lang, o) for o in ("compounded", "im")}
    for option, items in blocks.items():
        harm = next((x for x in items if KINDS[lang][0] in x), None)
        assert harm is not None, (option, items)
        assert all(k in harm for k in KINDS[lang]) and FROM_OTHER_ROUTES[lang] in harm, harm
        # Never for one route only, never the rate: how often with this route is not known.
        assert not re.search(r"\d (out of|de cada) 100", harm), harm
    oral = next(x for x in blocks["compounded"] if KINDS[lang][0] in x)
    assert oral.index(KINDS[lang][0]) < oral.index(AUTHORS[lang])
    domany = next(x for x in blocks["compounded"] if SURE[lang] in x)
    assert not re.search(r"\d (out of|de cada) 100", domany), domany


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_consult_brief_names_the_harms_and_no_big_study(lang: str) -> None:
    with use(lang):
        lines = evidence_brief_lines(_result(lang), "patient")
    for option in ("compounded", "im"):
        at = next(i for i, x in enumerate(lines) if x.strip().startswith(NAMES[lang][option]))
        benefit, harm = lines[at + 1].strip(), lines[at + 2].strip()
        assert harm.startswith("- ") and all(k in harm for k in KINDS[lang]), harm
        # D5: the "+" line never introduced the seller's cohort, so the "-" line never names it.
        assert "big study" not in harm and "estudio grande" not in harm
        assert "452" not in harm and "1,247" not in harm
        if option == "compounded":
            assert SURE[lang] in benefit and harm.index(KINDS[lang][0]) < harm.index(AUTHORS[lang])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_fda_warning_says_what_it_reported(lang: str) -> None:
    with use(lang):
        detail = _flat(_cli("--detail", "--lang", lang))
        markdown = _flat(_cli("-f", "markdown", "--lang", lang))
        handout = _flat(_cli("-f", "html", "--lang", lang))
    where = {"en": "breathing slowed too much at home", "es": "respiró demasiado lento en casa"}[lang]
    for text in (detail, markdown):
        assert FDA[lang] in text
        assert "extra risks" not in text and "tiene más riesgos" not in text
    # "How to get started" (the terminal's detail and the handout; Markdown has no such part).
    assert where in detail and where in handout


def test_harm_words_must_cite_sources_the_option_prints() -> None:
    """The words rest on their own sources, printed beside them through the option's list: a
    source only the words name would never reach the page, so the data is refused."""
    from pydantic import ValidationError

    from ketadecide.knowledge.files.evidence import EvidenceFile
    from tests.render.test_benefit_reserve import _evidence_data

    data = _evidence_data()
    assert EvidenceFile.model_validate(data).modalities["im"].no_figures is not None
    data["modalities"]["im"]["no_figures"]["sources"].append("ketalar_pi §6")
    with pytest.raises(ValidationError, match="no_figures cites ketalar_pi"):
        EvidenceFile.model_validate(data)
    bare = _evidence_data()
    del bare["modalities"]["compounded"]["no_adverse_figures"]["sources"]
    with pytest.raises(ValidationError):
        EvidenceFile.model_validate(bare)


# ---------------------------------------------------------------- D7 (small points)

PREGNANT = dict(BASE)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_pregnant_person_reads_that_the_studies_tell_little_about_pregnancy(lang: str) -> None:
    from ketadecide import evaluate
    from ketadecide.profile import parse_profile
    from ketadecide.render.markdown import render_markdown
    from tests.render.test_benefit_reserve import KB, KB_ES

    said = {
        "en": ("too little data in pregnant women", "left out pregnant people"),
        "es": ("muy pocos datos en mujeres embarazadas", "no incluyó a personas embarazadas"),
    }[lang]
    with use(lang):
        pregnant = render_markdown(
            evaluate(parse_profile({**PREGNANT, "pregnancy": "pregnant"}), KB_ES if lang == "es" else KB), "patient"
        )
        other = render_markdown(evaluate(parse_profile(PREGNANT), KB_ES if lang == "es" else KB), "patient")
    assert all(s in _flat(pregnant) for s in said)
    assert not any(s in _flat(other) for s in said)


def test_compounded_coverage_and_its_good_to_know_agree_for_a_commercial_plan() -> None:
    """The payer record says "unknown" for a commercial plan (some pay part of the visits):
    "Good to know" must not say insurance does not pay, full stop."""
    result = _result("en")
    oral = result.modality("compounded")
    assert oral.coverage.likely_covered is None
    text = _flat(_cli("--detail"))
    assert "insurance does not pay for the medicine." not in text
    assert "Insurance usually won't pay for the drug itself. Some plans pay part of the visits." in text
