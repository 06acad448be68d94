"""Every page lists exactly the sources it cites (issue 24, independent IPDAS review).

C4: "Who made this" promises that each source shows the date it was checked; the terminal
``--detail`` (a patient's too, and the consult's detail view, which is the same screen)
now lists its sources in full with that date, as the printed handout does.
C6: the list of sellers' sources names only sources the page cites elsewhere, so flagging
a seller's page that the page never uses adds nothing to it (nor to its sources list).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import yaml
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from ketadecide.render.labels import findable
from tests.conftest import ROOT

PROFILES = sorted(str(p) for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))
SOURCES = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]
MARK = re.compile(r"\[(\d+)(?::[^\]]*)?\]")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


def _run(*args: str) -> str:
    res = CliRunner().invoke(app, ["compare", *args], env={"COLUMNS": "100"})
    assert res.exit_code in (0, 1), res.stderr
    return res.stdout


def _citation_texts() -> dict[str, str]:
    """Each source's citation as the program prints it (one line, with its address)."""
    out = {}
    for key, s in SOURCES.items():
        text = " ".join(str(s["citation"]).split()).rstrip(".")
        out[key] = f"{text}. {s['url']}" if s.get("url") else text
    return out


def _terminal_list(text: str, heading: str) -> tuple[str, dict[int, str]]:
    """The screen above the sources list, and the list: number -> entry (wrapped lines joined)."""
    lines = text.splitlines()
    start = lines.index(heading)
    entries: dict[int, str] = {}
    current = None
    for line in lines[start + 1 :]:
        m = re.match(r"^\[(\d+)\] (.*)", line)
        if m:
            current = int(m.group(1))
            entries[current] = m.group(2)
        elif line.startswith(" ") and current is not None:
            entries[current] += " " + line.strip()
        else:
            break
    return "\n".join(lines[:start]), entries


@pytest.mark.parametrize(
    ("audience", "lang", "heading", "word"),
    [
        ("patient", "en", "Where this information comes from", "checked"),
        ("patient", "es", "De dónde viene esta información", "revisado el"),
        ("clinician", "en", "Sources", "checked"),
    ],
)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_detail_view_lists_every_source_it_cites_in_full_with_its_date(
    profile: str, audience: str, lang: str, heading: str, word: str
) -> None:
    text = _run("--profile", profile, "-a", audience, "--detail", "--lang", lang)
    above, entries = _terminal_list(text, heading)
    cited = {int(n) for n in MARK.findall(above)}
    assert cited, "the detail view cites its sources"
    assert set(entries) == cited == set(range(1, len(cited) + 1))
    full = _citation_texts()
    for n, entry in entries.items():
        found = re.search(rf" \({word} (\d{{4}}-\d{{2}}-\d{{2}})\)$", entry)
        assert found is not None, entry[:80]
        body = entry[: found.start()]
        # In full: the whole citation (a patient's without the address a DOI already gives).
        matches = [k for k, c in full.items() if body in (c, findable(c))]
        assert matches, f"[{n}] is not a whole source: {body[:80]}"
        assert str(SOURCES[matches[0]]["reviewed"]) == found.group(1)


def test_a_patient_detail_view_cites_the_sources_the_handout_cites() -> None:
    """The table's cells carry no marks for a patient: one line under it cites them, so the
    list holds (nearly) what the handout cites for the same person."""
    profile = str(ROOT / "examples" / "trd-commercial.yaml")
    _, entries = _terminal_list(
        _run("--profile", profile, "-a", "patient", "--detail"), "Where this information comes from"
    )
    page = _run("--profile", profile, "-a", "patient", "-f", "html")
    listed = re.search(r'<ol class="sources brief">(.*?)</ol>', page, re.S)
    assert listed is not None
    handout = {re.sub(r" \(checked [\d-]+\)$", "", x) for x in re.findall(r"<li>(.*?)</li>", listed.group(1))}
    terminal = {re.sub(r" \(checked [\d-]+\)$", "", x) for x in entries.values()}
    handout = {html.unescape(x) for x in handout}
    assert len(handout & terminal) >= 0.9 * len(handout)


LIST_HEADS = ("Where this information comes from", "De dónde viene esta información", "Sources")


def _split(text: str, fmt: str) -> tuple[str, dict[int, str]]:
    """The page above its sources list, and the list: number -> entry on one line."""
    if fmt == "html":
        m = re.search(r'<ol class="sources[^"]*">(.*?)</ol>', text, re.S)
        assert m is not None
        items = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)]
        return text[: m.start()], dict(enumerate(items, 1))
    if fmt == "markdown":
        m = re.search(r"^## (Sources|Where this information comes from)$", text, re.M)
        assert m is not None
        items = re.findall(r"^(\d+)\. (.*)$", text[m.end() :], re.M)
        return text[: m.start()], {int(n): html.unescape(x.replace("\\", "")) for n, x in items}
    heading = next(h for h in LIST_HEADS if f"\n{h}\n" in text)
    return _terminal_list(text, heading)


def _source_of(entry: str) -> str:
    flat = re.sub(r" \((checked|revisado el) [\d-]+\)$", "", " ".join(entry.split()))
    keys = [k for k, c in _citation_texts().items() if flat in (c, findable(c))]
    assert len(keys) == 1, flat[:80]
    return keys[0]


@pytest.mark.parametrize(
    ("audience", "fmt", "intro"),
    [
        ("patient", "html", "Some sources come from a company or clinic that sells these treatments:"),
        ("clinician", "html", "Sources paid for or run by a seller of the treatment:"),
        ("patient", "markdown", "Some sources come from a company or clinic that sells these treatments:"),
        ("clinician", "markdown", "Sources paid for or run by a seller of the treatment:"),
        ("patient", "table", "Some sources come from a company or clinic that sells these"),
        ("clinician", "table", "Sources paid for or run by a seller of the treatment:"),
    ],
)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_sellers_list_names_only_sources_the_page_cites_elsewhere(
    profile: str, audience: str, fmt: str, intro: str
) -> None:
    extra = ["--detail"] if fmt == "table" else ["-f", fmt]
    above, listing = _split(_run("--profile", profile, "-a", audience, *extra), fmt)
    numbers: set[int] = set()
    rest = above
    if intro in above:
        i = above.index(intro)
        end = above.index("</li>", i) if fmt == "html" else (above.index("\n", i) if fmt == "markdown" else len(above))
        numbers = {int(n) for n in MARK.findall(above[i:end])}
        rest = above[:i] + above[end:]
    elsewhere = {int(n) for n in MARK.findall(rest)}
    # Each number on the sellers' line is cited elsewhere on the page...
    assert numbers <= elsewhere, f"on the sellers' line only: {sorted(numbers - elsewhere)}"
    # ...and the list of sources holds only what the page cites.
    assert set(listing) == elsewhere
    # The line names exactly the sellers' sources among those listed.
    sellers = {n for n, entry in listing.items() if SOURCES[_source_of(entry)].get("sponsor")}
    assert numbers == sellers


def test_clinic_pages_from_sellers_are_flagged() -> None:
    # Two clinics that sell ketamine treatment, cited by a question about getting home.
    for key in ("ketamine_discharge_nervana", "ketamine_expect_northrup"):
        assert SOURCES[key].get("sponsor") == "provider", key


def test_a_seller_cited_only_by_the_sellers_line_is_not_listed() -> None:
    """A page that never cites a flagged clinic page does not list it, nor number it."""
    profile = str(ROOT / "examples" / "trd-commercial.yaml")
    page = _run("--profile", profile, "-a", "patient", "-f", "html")
    assert "Nervana" not in page and "Northrup" not in page
    # ...while the JSON (the knowledge base's whole list, for researchers) keeps them.
    data = _run("--profile", profile, "-a", "patient", "-f", "json")
    assert "Nervana Medical" in data and "Northrup Psychiatry" in data
