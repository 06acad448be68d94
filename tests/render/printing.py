"""Printing a page as a person would: headless Chromium to PDF, poppler to read it back.

Shared by the handout tests. CI's .ci/run installs Chromium and poppler-utils and sets
KETADECIDE_REQUIRE_ENGINES, so there the tests always run (a missing tool fails them);
elsewhere they are skipped with the reason (``needs_printer``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
PDFTOTEXT, PDFINFO = shutil.which("pdftotext"), shutil.which("pdfinfo")
MISSING = BROWSER is None or PDFTOTEXT is None or PDFINFO is None
_NEEDS = "needs Debian's chromium and poppler-utils (apt-get install -y chromium poppler-utils)"
#: Skipped with the reason where the tools are missing; under KETADECIDE_REQUIRE_ENGINES (CI)
#: a missing printer is a failure, never a skip (as for the SQL engines and Spark).
needs_printer = pytest.mark.skipif(MISSING and not os.environ.get("KETADECIDE_REQUIRE_ENGINES"), reason=_NEEDS)


def print_pdf(html: Path, workdir: Path) -> Path:
    """Print ``html`` to a PDF beside it, in a fresh browser profile under ``workdir``."""
    if MISSING:
        pytest.fail(f"KETADECIDE_REQUIRE_ENGINES is set: {_NEEDS}")
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
        f"--user-data-dir={workdir / 'chromium-profile'}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert pdf.is_file() and pdf.stat().st_size > 1000, proc.stderr[-2000:]
    return pdf


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """The text of the PDF (or of one page) as one line: table cells and wrapped lines join up."""
    assert PDFTOTEXT is not None
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    out = subprocess.run([PDFTOTEXT, *pages, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60)
    return " ".join(out.stdout.split())


def pdf_pages(pdf: Path) -> int:
    assert PDFINFO is not None
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match.group(1))
