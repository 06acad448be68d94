"""The printed handout, as a patient takes it away: printed by headless Chromium, read back
with poppler. Page 1 is the summary; the example prints on at most four Letter pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
PDFTOTEXT, PDFINFO = shutil.which("pdftotext"), shutil.which("pdfinfo")
pytestmark = pytest.mark.skipif(
    BROWSER is None or PDFTOTEXT is None or PDFINFO is None,
    reason="needs Debian's chromium and poppler-utils (.ci/run installs them)",
)
EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
CRISIS = str(ROOT / "examples" / "crisis.yaml")


def print_pdf(html: Path, tmp_path: Path) -> Path:
    assert BROWSER is not None
    pdf = html.with_suffix(".pdf")
    cmd = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert pdf.is_file() and pdf.stat().st_size > 1000, proc.stderr[-2000:]
    return pdf


def pages(pdf: Path) -> int:
    assert PDFINFO is not None
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match.group(1))


def page_text(pdf: Path, page: int) -> str:
    assert PDFTOTEXT is not None
    cmd = [PDFTOTEXT, "-f", str(page), "-l", str(page), str(pdf), "-"]
    return " ".join(subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout.split())


def handout(tmp_path: Path, profile: str, audience: str) -> Path:
    out = tmp_path / f"{Path(profile).stem}-{audience}.html"
    res = CliRunner().invoke(app, ["compare", "--profile", profile, "-a", audience, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    return print_pdf(out, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("profile", [EXAMPLE, CRISIS])
def test_the_patient_handout_is_at_most_four_pages_with_the_summary_first(tmp_path: Path, profile: str) -> None:
    pdf = handout(tmp_path, profile, "patient")
    assert pages(pdf) <= 4
    first = page_text(pdf, 1)
    # page 1: the four options with their safety check, approved use, insurance and price
    for name in ("Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual"):
        assert name in first
    for row in ("Safety check", "Approved use?", "Your insurance", "Price per visit", "First course", "Visits"):
        assert row in first, row
    assert first.count("talk it over first") + first.count("nothing flagged") + first.count("not advised") >= 4
    assert "What we noticed for you" in first
    if profile == CRISIS:
        assert first.index("988") < first.index("Spravato")  # the crisis box opens page 1


@pytest.mark.slow
def test_what_we_noticed_names_each_finding_once(tmp_path: Path) -> None:
    pdf = handout(tmp_path, EXAMPLE, "patient")
    first = page_text(pdf, 1)
    noticed = first.split("What we noticed for you", 1)[1]
    # the benzodiazepine finding applies to all four options, and is written out once
    assert noticed.count("These medicines can make you sleepier") == 1


@pytest.mark.slow
def test_the_clinician_handout_lets_long_rows_split(tmp_path: Path) -> None:
    """Rows may break across pages, so no page is left half empty before a tall row."""
    pdf = handout(tmp_path, EXAMPLE, "clinician")
    n = pages(pdf)
    texts = [page_text(pdf, p) for p in range(1, n + 1)]
    assert all(len(t) > 2000 for t in texts[:-1]), [len(t) for t in texts]
