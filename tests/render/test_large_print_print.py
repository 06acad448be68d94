"""The large-print handout (``--large-print``) printed as a reader takes it away: headless
Chromium to PDF, read back with poppler's ``pdftohtml -xml`` (each run of text with its font
size, colour and place on the page). In English and Spanish, on US Letter and A4: no text
below the large-print floor (18 pt, ACB Large Print Guidelines 2022), none faint, none
outside the page's 1-inch margins (nothing cut off or pushed past the edge), and the
sources on pages of their own at the end."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.render.large_print import FLOOR_PT
from tests.conftest import ROOT
from tests.render.printing import needs_printer, pdf_pages, pdf_text, print_pdf
from tests.render.test_handout_print import filled_profile

pytestmark = [needs_printer, pytest.mark.slow]
EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
CRISIS = str(ROOT / "examples" / "crisis.yaml")
#: The large-print page's margins (``@page { margin: 1in }``), in points.
MARGIN_PT = 72
SOURCES = {"en": "Where this information comes from", "es": "De dónde viene esta información"}


@dataclass(frozen=True)
class Run:
    """One run of text on a printed page, in points."""

    page: int
    left: float
    top: float
    right: float
    bottom: float
    size: float
    color: str
    text: str


def runs(pdf: Path) -> tuple[list[Run], list[tuple[float, float]]]:
    """Every run of text in ``pdf`` and each page's (width, height), in points (zoom 2: sizes
    to half a point)."""
    tool = shutil.which("pdftohtml")
    assert tool, "pdftohtml (poppler-utils) is needed with pdftotext"
    xml = subprocess.run(
        [tool, "-xml", "-i", "-stdout", "-q", "-zoom", "2", str(pdf)], capture_output=True, check=True, timeout=120
    ).stdout
    root = ET.fromstring(xml)
    fonts: dict[str, tuple[float, str]] = {}
    out: list[Run] = []
    boxes: list[tuple[float, float]] = []
    for page in root.iter("page"):
        boxes.append((int(page.get("width", 0)) / 2, int(page.get("height", 0)) / 2))
        for spec in page.iter("fontspec"):
            fonts[spec.get("id", "")] = (int(spec.get("size", 0)) / 2, spec.get("color", ""))
        for t in page.iter("text"):
            left, top = int(t.get("left", 0)) / 2, int(t.get("top", 0)) / 2
            size, color = fonts[t.get("font", "")]
            text = "".join(t.itertext())
            right, bottom = left + int(t.get("width", 0)) / 2, top + int(t.get("height", 0)) / 2
            out.append(Run(int(page.get("number", 0)), left, top, right, bottom, size, color, text))
    return out, boxes


def contrast_on_white(color: str) -> float:
    """WCAG 2 contrast ratio of ``#rrggbb`` text on white paper."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def printed(tmp_path: Path, profile: str, lang: str, size: str, *extra: str) -> Path:
    out = tmp_path / f"{Path(profile).stem}-{lang}-{size}{'-lp' if extra else ''}.html"
    res = CliRunner().invoke(app, ["compare", "-p", profile, "-a", "patient", "--lang", lang, "-o", str(out), *extra])
    assert res.exit_code == 0, res.stderr
    if size == "A4":
        out.write_text(out.read_text().replace("</head>", "<style>@page { size: A4; }</style></head>", 1))
    return print_pdf(out, tmp_path)


def check_large_print(pdf: Path, lang: str | None = "en") -> None:
    """Every run of text at the floor or above, dark, inside the margins; a patient's copy
    (``lang``) ends with the sources on pages of their own (a clinician's lists them inline)."""
    text, boxes = runs(pdf)
    assert text and len(boxes) == pdf_pages(pdf)
    # the floor: no run of text is smaller (the standard copy's smallest is 5.8 pt)
    smallest = min(text, key=lambda r: r.size)
    assert smallest.size >= FLOOR_PT, smallest
    # dark on white: every colour at least WCAG's 4.5:1 (the standard copy's grey becomes ink)
    faint = [r for r in text if contrast_on_white(r.color) < 4.5]
    assert not faint, faint[:3]
    # nothing cut off at a page's edge, nothing pushed into the margin by a wide table or word
    for r in text:
        width, height = boxes[r.page - 1]
        across = r.left >= MARGIN_PT - 1 and r.right <= width - MARGIN_PT + 1
        down = r.top >= MARGIN_PT - 1 and r.bottom <= height - MARGIN_PT + 1
        assert across and down, (r, width, height)
    if lang is None:
        return
    # the sources, in full, start a page of their own after the content
    pages = [pdf_text(pdf, i) for i in range(1, len(boxes) + 1)]
    first_sources = next(i for i, t in enumerate(pages) if t.startswith(SOURCES[lang]))
    assert 0 < first_sources < len(pages)
    assert "…" not in " ".join(pages[first_sources:])


@pytest.mark.parametrize("size", ["Letter", "A4"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_large_print_prints_every_word_large_dark_and_inside_the_margins(tmp_path: Path, lang: str, size: str) -> None:
    check_large_print(printed(tmp_path, EXAMPLE, lang, size, "--large-print"), lang)


def test_a_consult_filled_copy_and_the_clinicians_copy_print_large_too(tmp_path: Path) -> None:
    # The standard handout's consult-filled profile: values rated, SURE 2 of 4, a plan.
    check_large_print(printed(tmp_path, filled_profile(tmp_path), "en", "Letter", "--large-print"))
    out = tmp_path / "clinician.html"
    res = CliRunner().invoke(app, ["compare", "-p", EXAMPLE, "-a", "clinician", "-o", str(out), "--large-print"])
    assert res.exit_code == 0, res.stderr
    check_large_print(print_pdf(out, tmp_path), None)


def test_the_standard_handout_is_the_small_print_large_print_replaces(tmp_path: Path) -> None:
    """The measure above can fail: the standard copy prints below the floor, in grey."""
    text, _ = runs(printed(tmp_path, EXAMPLE, "en", "Letter"))
    assert min(r.size for r in text) < 9
    assert any(r.color != "#000000" and contrast_on_white(r.color) < 8 for r in text)


def test_the_crisis_box_still_opens_the_large_print_copy(tmp_path: Path) -> None:
    pdf = printed(tmp_path, CRISIS, "en", "Letter", "--large-print")
    first = pdf_text(pdf, 1)
    assert "988" in first and first.index("988") < first.index("Comparing ketamine")
