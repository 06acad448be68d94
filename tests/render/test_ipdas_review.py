"""What an independent IPDAS reviewer found in the printed patient handout (issue 24, review).

C4: the "About this aid" part promises that each source shows the date it was checked;
the sources list on the handout's last page must print it, in English and in Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    # `--lang es` sets the language for the process; the next test must not inherit it.
    yield
    set_lang("en")


def _handout(*extra: str) -> str:
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", "-f", "html", *extra])
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize(("lang", "word"), [("en", "checked"), ("es", "revisado el")])
def test_every_source_on_the_handout_shows_the_date_it_was_checked(lang: str, word: str) -> None:
    page = _handout("--lang", lang)
    refs = re.search(r'<section class="refs-page">.*?</section>', page, re.S)
    assert refs is not None
    items = re.findall(r"<li>(.*?)</li>", refs.group(0), re.S)
    assert len(items) > 10
    sources = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]
    known = {str(s["reviewed"]) for s in sources.values()}
    for item in items:
        found = re.search(rf"\({word} (\d{{4}}-\d{{2}}-\d{{2}})\)$", item)
        assert found is not None, item[:80]
        assert found.group(1) in known


# C6: a source run or paid for by a seller says so, and the handout lists it as such.
SELLERS = {
    "janssen_carepath_spravato": "manufacturer",
    "spravato_find_center": "manufacturer",
    "seed_000": "provider",  # a ketamine clinic's blog: the checklist and most questions
    "seed_003": "provider",  # a clinic's patient guide
    "seed_004": "provider",  # an addiction-treatment centre's page
    "askp_clinic": "provider",  # a society of ketamine providers
    "ketamine_discharge_nervana": "provider",  # a ketamine clinic's discharge page
    "ketamine_expect_northrup": "provider",  # a clinic's "what to expect" page
}


def test_sources_from_a_seller_are_flagged_and_listed_on_the_handout() -> None:
    sources = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]
    for key, kind in SELLERS.items():
        assert sources[key].get("sponsor") == kind, key
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", "-f", "json"])
    assert res.exit_code == 0, res.stderr
    listed = " ".join(_json_sponsored(res.stdout))
    for key in SELLERS:
        assert sources[key]["citation"].split()[0] in listed, key
    page = _handout()
    about = page[page.index('<section class="about">') :]
    assert "no money ties to anyone who sells" in about


def _json_sponsored(text: str) -> list[str]:
    import json

    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "sponsored_sources":
                    found.extend(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(text))
    assert found
    return found


# Q1: page 1's condition sentence fits the person: "at least 2 antidepressants" only for
# someone who tried 2 or more; fewer, or a count not asked, gets the truthful variant.
@pytest.mark.parametrize(
    ("trials", "lang", "expected", "not_expected"),
    [
        ("3", "en", "after trying at least 2 antidepressant medicines", "with the treatment you have tried so far"),
        ("1", "en", "with the treatment you have tried so far", "after trying at least 2"),
        (None, "en", "with the treatment you have tried so far", "after trying at least 2"),
        ("3", "es", "con al menos 2 medicamentos antidepresivos", "que ha probado hasta ahora"),
        ("1", "es", "con el tratamiento que ha probado hasta ahora", "con al menos 2"),
    ],
)
def test_the_condition_sentence_follows_the_antidepressant_trials(
    tmp_path: Path, trials: str | None, lang: str, expected: str, not_expected: str
) -> None:
    text = (ROOT / "examples" / "trd-commercial.yaml").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("antidepressant_trials:")]
    if trials is not None:
        lines.append(f"antidepressant_trials: {trials}")
    profile = tmp_path / "p.yaml"
    profile.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(app, ["compare", "-p", str(profile), "-a", "patient", "-f", "html", "--lang", lang])
    assert res.exit_code == 0, res.stderr
    intro = " ".join(res.stdout[res.stdout.index("<body") :].split())[:20000]
    intro = re.sub(r"<[^>]+>", "", intro)
    assert expected in intro
    assert not_expected not in intro


# Defect 14 of the second review: the footer gave the oldest review date alone (2026-11-23)
# while the content was checked up to a later date. It gives the span of the data in use,
# computed from the records' `reviewed:` dates, never written into the code.
def _review_dates() -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / "data").glob("*.yaml")):
        found += re.findall(r"^\s*reviewed: (\d{4}-\d{2}-\d{2})\s*$", path.read_text(), re.M)
    return sorted(found)


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Knowledge base reviewed {0} to {1}"), ("es", "revisada del {0} al {1}")]
)
def test_the_handout_footer_gives_the_span_of_review_dates(lang: str, words: str) -> None:
    dates = _review_dates()
    oldest, newest = dates[0], dates[-1]
    assert oldest < newest  # the data holds several dates: the test means something
    page = _handout("--lang", lang)
    footer = re.search(r"<footer>(.*?)</footer>", page, re.S)
    assert footer is not None
    assert words.format(oldest, newest) in footer.group(1), footer.group(1)


def test_the_span_follows_the_data_not_the_code(tmp_path: Path) -> None:
    """A copy of the data whose newest records are dated earlier: the footer's newest date
    moves with them."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    dates = _review_dates()
    newest = dates[-1]
    earlier = max(d for d in dates if d < newest)
    for path in data.glob("*.yaml"):
        path.write_text(path.read_text().replace(f"reviewed: {newest}", f"reviewed: {earlier}"))
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "patient", "-f", "html", "--data-dir", str(data)])
    assert res.exit_code == 0, res.stderr
    footer = re.search(r"<footer>(.*?)</footer>", res.stdout, re.S)
    assert footer is not None
    assert f"to {earlier} ·" in footer.group(1) and newest not in footer.group(1)


# Defect 18: "people like you" overclaimed for groups the trials left out (pregnant people,
# people over 65 for TRANSFORM-2): the figures are about the people in the studies.
@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "What happened to 100 people in the studies"), ("es", "Qué les pasó a 100 personas en los estudios")],
)
def test_the_figures_are_about_the_people_in_the_studies(lang: str, title: str) -> None:
    page = _handout("--lang", lang)
    assert title in page
    assert "like you" not in page and "como usted" not in page
