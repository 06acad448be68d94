"""The printed handout, as a patient takes it away: printed by headless Chromium, read back
with poppler. Page 1 is the summary; the example's content prints on at most four Letter pages, its
sources in full on a fifth."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT
from tests.render.printing import needs_printer, pdf_pages, pdf_text, print_pdf

pytestmark = needs_printer
EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
CRISIS = str(ROOT / "examples" / "crisis.yaml")
#: A course under way: its troubleshooting cards make it the longest example (issue 24: its
#: Spanish Letter copy ran onto a sixth page before the print layout was tightened).
COURSE = str(ROOT / "examples" / "course-under-way.yaml")


def handout(tmp_path: Path, profile: str, audience: str) -> Path:
    out = tmp_path / f"{Path(profile).stem}-{audience}.html"
    res = CliRunner().invoke(app, ["compare", "--profile", profile, "-a", audience, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    return print_pdf(out, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("profile", [EXAMPLE, CRISIS, COURSE])
def test_the_patient_handout_is_four_pages_of_content_with_the_summary_first(tmp_path: Path, profile: str) -> None:
    pdf = handout(tmp_path, profile, "patient")
    # The page budget (issue 24): four Letter pages of content, the sources in full and in
    # small print on a fifth; the content never reaches the sources' page.
    pages = pdf_pages(pdf)
    assert pages <= 5
    sources_page = next(i for i in range(1, pages + 1) if "Where this information comes from" in pdf_text(pdf, i))
    assert sources_page <= 5 and "…" not in pdf_text(pdf, pages)
    assert all("Where this information comes from" not in pdf_text(pdf, i) for i in range(1, min(sources_page, 5)))
    assert pdf_text(pdf, sources_page).lstrip().startswith("Where this information comes from")  # its own page
    first = pdf_text(pdf, 1)
    # page 1: the four options with their safety check, approved use, insurance, what the person
    # might pay (an estimate) and the price only as "before insurance" (issue 24)
    for name in ("Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual"):
        assert name in first
    rows = ("Safety check", "Approved use?", "Your insurance", "You might pay (estimate)", "First course (estimate)")
    for row in (*rows, "Price before insurance", "Visits"):
        assert row in first, row
    assert "Price per visit" not in first
    statuses = ("talk it over first", "nothing flagged", "not advised", "urgent — safety first")
    assert sum(first.count(status) for status in statuses) >= 4
    assert "What we noticed for you" in first
    if profile == CRISIS:
        assert first.index("988") < first.index("Spravato")  # the crisis box opens page 1


@pytest.mark.slow
def test_what_we_noticed_names_each_finding_once(tmp_path: Path) -> None:
    pdf = handout(tmp_path, EXAMPLE, "patient")
    first = pdf_text(pdf, 1)
    noticed = first.split("What we noticed for you", 1)[1]
    # the benzodiazepine finding applies to all four options, and is written out once
    assert noticed.count("These medicines can make you sleepier") == 1


@pytest.mark.slow
def test_the_clinician_handout_lets_long_rows_split(tmp_path: Path) -> None:
    """Rows may break across pages, so no page is left half empty before a tall row."""
    pdf = handout(tmp_path, EXAMPLE, "clinician")
    n = pdf_pages(pdf)
    texts = [pdf_text(pdf, p) for p in range(1, n + 1)]
    assert all(len(t) > 2000 for t in texts[:-1]), [len(t) for t in texts]


@pytest.mark.slow
def test_page_one_opens_with_the_condition_the_decision_and_a_glossary_and_every_copy_has_a_plan(
    tmp_path: Path,
) -> None:
    """Issue 24: the condition and the decision in two sentences and the handout's words
    explained, first; a worksheet, the leaning question and a plan to fill in by hand."""
    pdf = handout(tmp_path, EXAMPLE, "patient")
    first = " ".join(pdf_text(pdf, 1).split())
    assert first.index("You are choosing whether to try ketamine") < first.index("The four options at a glance")
    for term in ("TRD:", "Off-label:", "IM:", "Sublingual:", "REMS:"):
        assert term in first, term
    text = " ".join(" ".join(pdf_text(pdf, i).split()) for i in range(1, pdf_pages(pdf) + 1))
    for words in ("What matters most to you", "Which option are you leaning toward?", "Decide by (date)"):
        assert words in text, words


@pytest.mark.slow
@pytest.mark.parametrize("profile", [EXAMPLE, CRISIS])
def test_how_to_get_started_prints_within_the_content_pages(tmp_path: Path, profile: str) -> None:
    """Issue 24: the "How to get started" rows (referral, approval, where to go, a first
    visit, getting home) print before the sources' page, inside the four-page budget."""
    pdf = handout(tmp_path, profile, "patient")
    pages = [" ".join(pdf_text(pdf, i).split()) for i in range(1, pdf_pages(pdf) + 1)]
    where = next(i for i, t in enumerate(pages, 1) if "How to get started" in t)
    sources = next(i for i, t in enumerate(pages, 1) if t.startswith("Where this information comes from"))
    assert where < sources <= 5
    text = " ".join(pages[: sources - 1])
    for row in ("Who refers you", "Insurance approval", "Where to go", "A first visit, step by step", "Getting home"):
        assert row in text, row
    # The choices other than ketamine, each with its good and harder point (issue 24 review),
    # inside the same budget.
    for words in ("Other choices (not ketamine)", "Good point", "Harder point", "29 out of 100 people had memory loss"):
        assert words in text, words


@pytest.mark.slow
@pytest.mark.parametrize("profile", [EXAMPLE, CRISIS, COURSE])
def test_the_page_budget_holds_on_a4(tmp_path: Path, profile: str) -> None:
    """A4 is taller and narrower than Letter: the same four pages of content, sources on the
    fifth (the Spanish A4 copy is held to the English one's pages in tests/i18n)."""
    out = tmp_path / "a4.html"
    res = CliRunner().invoke(app, ["compare", "--profile", profile, "-a", "patient", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    out.write_text(out.read_text().replace("</head>", "<style>@page { size: A4; }</style></head>", 1))
    pdf = print_pdf(out, tmp_path)
    pages = [" ".join(pdf_text(pdf, i).split()) for i in range(1, pdf_pages(pdf) + 1)]
    sources = next(i for i, t in enumerate(pages, 1) if t.startswith("Where this information comes from"))
    assert len(pages) <= 5 and sources <= 5
    assert any("How to get started" in t for t in pages[: sources - 1])


#: A consult-filled copy (issue 24 review, defect 16: it printed 6 pages): the example's
#: answers with every value rated, SURE 2 of 4 and a plan, as a consult saves them.
FILLED = (
    "values_evidence: 8\nvalues_cost: 3\nvalues_time: 5\nvalues_home: 10\nvalues_needles: 5\n"
    "values_monitoring: 9\nsure_sure: false\nsure_understand: true\nsure_values: true\nsure_support: false\n"
    "plan_leaning: unsure\nplan_decide_by: '2027-03-01'\n"
    "plan_notes: 'Questions: Does it hurt? Talk it over with: My partner.'\n"
)


def filled_profile(tmp_path: Path) -> str:
    path = tmp_path / "filled.yaml"
    path.write_text(Path(EXAMPLE).read_text() + FILLED)
    return str(path)


def filled_pages(tmp_path: Path, size: str, *lang: str) -> list[str]:
    out = tmp_path / f"filled-{size}-{'-'.join(lang) or 'en'}.html"
    res = CliRunner().invoke(app, ["compare", "-p", filled_profile(tmp_path), "-a", "patient", "-o", str(out), *lang])
    assert res.exit_code == 0, res.stderr
    if size == "A4":
        out.write_text(out.read_text().replace("</head>", "<style>@page { size: A4; }</style></head>", 1))
    pdf = print_pdf(out, tmp_path)
    return [" ".join(pdf_text(pdf, i).split()) for i in range(1, pdf_pages(pdf) + 1)]


@pytest.mark.slow
@pytest.mark.parametrize("size", ["Letter", "A4"])
def test_a_consult_filled_handout_keeps_the_page_budget(tmp_path: Path, size: str) -> None:
    """Values, SURE and a plan on four pages of content, the sources on the fifth."""
    pages = filled_pages(tmp_path, size)
    sources = next(i for i, t in enumerate(pages, 1) if t.startswith("Where this information comes from"))
    assert len(pages) <= 5 and sources <= 5, (len(pages), sources)
    content = " ".join(pages[: sources - 1])
    for words in (
        "How each option matches what you said matters",  # the fit, in words
        "Score 2 of 4.",  # SURE
        "Decide by 2027-03-01",  # the plan
        "You do not have to decide today.",  # a SURE "no" and its next step
        "This tool gives you information",  # the disclaimer, before the sources
    ):
        assert words in content, words


#: A Medicare 71-year-old (synthetic; IPDAS review 3's profile): the evidence heading fell at
#: the foot of page 2 on Letter, its figures on page 3.
MEDICARE = (
    "id: medicare-71\nage: 71\npregnancy: none\ndiagnoses: [mdd]\nantidepressant_trials: 2\n"
    "suicidality: passive_ideation\nbp_systolic: 150\nbp_diastolic: 88\nconditions: []\n"
    "medications: [benzodiazepine]\ninsurance: medicare\nhas_driver: true\ncan_attend_twice_weekly: false\n"
    "prefers_home: false\nneedle_averse: false\nvalues_evidence: 9\nvalues_cost: 6\n"
)
HEADING = {"en": "What happened to 100 people in the studies", "es": "Qué les pasó a 100 personas en los estudios"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("which", "size", "lang"),
    [("medicare", "Letter", "en"), ("medicare", "A4", "en"), ("medicare", "A4", "es"), ("filled", "A4", "en")],
)
def test_the_evidence_heading_prints_on_the_page_of_its_first_figure(
    tmp_path: Path, which: str, size: str, lang: str
) -> None:
    """IPDAS review 3, D3: the heading and its warning were stranded at a page's foot, the
    figures starting on the next page. These profiles and sizes stranded them before the fix."""
    if which == "medicare":
        profile = tmp_path / "medicare.yaml"
        profile.write_text(MEDICARE)
    else:
        profile = Path(filled_profile(tmp_path))
    out = tmp_path / f"{which}-{size}-{lang}.html"
    res = CliRunner().invoke(app, ["compare", "-p", str(profile), "-a", "patient", "-o", str(out), "--lang", lang])
    assert res.exit_code == 0, res.stderr
    html = out.read_text()
    # the first figure's opening words, as the page says them
    first_figure = html.split('<ul class="figures">', 1)[1].split("<span>", 1)[1].split("<", 1)[0]
    opening = " ".join(unescape(first_figure).split()[:4])
    if size == "A4":
        out.write_text(html.replace("</head>", "<style>@page { size: A4; }</style></head>", 1))
    pdf = print_pdf(out, tmp_path)
    pages = [" ".join(pdf_text(pdf, i).split()) for i in range(1, pdf_pages(pdf) + 1)]
    page = next(t for t in pages if HEADING[lang] in t)
    assert opening in page.split(HEADING[lang], 1)[1], (opening, page[-300:])
    assert len(pages) <= 5
