"""Sixth IPDAS review (issue 24), non-blocking findings n1-n4, in every patient view, EN and ES.

- n1: a harm text shown where an option has no harm figure (``no_figures``) cites its own
  sources, not every source of the option (compounded's cited the seller's cohort, Hull 2022,
  which supports none of its words).
- n4: misuse and dependence, and bladder harm with frequent or long use, are named once for
  every ketamine route, under the warning above the figures, cited to the two labels; the
  JSON carries them on each option and the consult's brief says them once.

Synthetic profiles; the bundled data.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ketadecide import evaluate
from ketadecide.lang import use
from ketadecide.profile import parse_profile
from ketadecide.render.consult_steps import evidence_brief_lines
from tests.render.test_ipdas_review4 import _flat
from tests.render.test_ipdas_review5 import BASE, KB, KB_ES, VIEWS, _view

#: The end of compounded's harm words (no_figures) and of Hull 2022's own words (in_words).
HARM_END = {"en": "mild and short.", "es": "leves y cortos a sus efectos secundarios."}
HULL_END = {"en": "good or bad.", "es": "ni lo bueno ni lo malo."}
MARKS = re.compile(r"(?:\[\d+\])+")


def _marks_after(text: str, end: str) -> set[str]:
    at = text.index(end) + len(end)
    # The first marks after the words: Hull's follow its people in brackets.
    found = MARKS.search(text, at, at + 120)
    assert found is not None, text[at : at + 120]
    return set(re.findall(r"\d+", found.group(0)))


@pytest.mark.parametrize(("view", "lang"), VIEWS)
def test_compounded_harm_words_cite_their_own_sources(tmp_path: Any, view: str, lang: str) -> None:
    text = _flat(_view(tmp_path, view, lang))
    harm = _marks_after(text, HARM_END[lang])
    hull = _marks_after(text, HULL_END[lang])
    assert len(hull) == 1, hull
    # KetECT, the Spravato label and Domany 2019 (evidence.yaml compounded.no_figures.sources).
    assert len(harm) == 3 and not harm & hull, (harm, hull)


#: n4: misuse and dependence, and bladder harm, said once for every ketamine route.
EVERY_ROUTE = {
    "en": ("can be misused", "depend on it", "harm the bladder."),
    "es": ("puede usarse mal", "crear dependencia", "dañar la vejiga."),
}


@pytest.mark.parametrize(("view", "lang"), VIEWS)
def test_misuse_and_the_bladder_are_named_once_with_the_labels(tmp_path: Any, view: str, lang: str) -> None:
    text = _flat(_view(tmp_path, view, lang))
    for words in EVERY_ROUTE[lang]:
        assert text.count(words) == 1, words
    # Cited to the Spravato label and the Ketalar label (evidence.yaml every_route.sources).
    assert len(_marks_after(text, EVERY_ROUTE[lang][-1])) == 2
    # Said with the figures, before the first option's.
    assert text.index(EVERY_ROUTE[lang][0]) < text.index("100", text.index(EVERY_ROUTE[lang][0]))


def test_every_route_harms_rest_on_the_labels() -> None:
    words = KB.evidence().every_route  # type: ignore[union-attr]
    assert words is not None
    assert {s.partition(" ")[0] for s in words.sources} == {"spravato_pi", "ketalar_pi"}
    assert "misuse" in words.clinician and "cystitis" in words.clinician


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_the_json_carries_the_every_route_harms_on_each_option(tmp_path: Any, lang: str, audience: str) -> None:
    """A patient app built on the JSON shows what the patient views show (fourth review, D4)."""
    words = KB.evidence().every_route  # type: ignore[union-attr]
    assert words is not None
    doc = json.loads(_view(tmp_path, "json", lang, audience=audience))
    for m in doc["modalities"]:
        ev = m["evidence"]
        harms = ev["every_route_harms"]
        if audience == "patient":
            assert all(w in harms for w in EVERY_ROUTE[lang]), harms
        elif lang == "en":
            assert harms == " ".join(words.clinician.split())
        assert len(ev["every_route_sources"]) == 2
        assert any("SPRAVATO" in s for s in ev["every_route_sources"])
        assert any("KETALAR" in s for s in ev["every_route_sources"])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_consult_s_brief_names_the_every_route_harms_once(lang: str) -> None:
    """The brief before the SURE question "Do you know the benefits and risks of each option?"."""
    with use(lang):
        lines = evidence_brief_lines(
            evaluate(parse_profile({**BASE, "age": 44}), KB if lang == "en" else KB_ES), "patient"
        )
    text = " ".join(" ".join(lines).split())
    for words in EVERY_ROUTE[lang]:
        assert text.count(words) == 1, (words, text)
