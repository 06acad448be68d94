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
