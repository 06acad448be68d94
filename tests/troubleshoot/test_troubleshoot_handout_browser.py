"""The printed handout, end to end: a real headless Chromium prints the page to PDF,
pdftotext reads it back, and the text must hold what a patient needs.

Skipped (with the reason) only when Chromium or pdftotext is not installed; CI's .ci/run
installs both, so there the test always runs.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.compare import evaluate
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import parse_profile
from tests.conftest import ROOT
from tests.render.printing import needs_printer, pdf_text, print_pdf

pytestmark = needs_printer

#: Markup in a profile id that, if it ever ran, would replace the page with a token that is
#: not in the source text itself ('HACKED'+'X'+(40+2) -> HACKEDX42).
INJECTED = "<script>document.body.textContent='HACKED'+'X'+(40+2)</script><img src=x onerror=\"document.title='PWN'\">"


def print_to_text(html_path: Path, tmp_path: Path) -> str:
    """Print a page to PDF in headless Chromium, then extract its text with pdftotext."""
    return pdf_text(print_pdf(html_path, tmp_path))


def handout(runner: CliRunner, tmp_path: Path, args: list[str], name: str) -> Path:
    out = tmp_path / name
    res = runner.invoke(app, [*args, "--format", "html", "--output", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_compare_handout_prints_with_crisis_first_and_inert_markup(
    runner: CliRunner, tmp_path: Path, kb: KnowledgeBase
) -> None:
    record = {
        "id": f"{INJECTED} p-07",
        "age": 44,
        "diagnoses": ["mdd"],
        "antidepressant_trials": 3,
        "suicidality": "active_ideation",
        "bp_systolic": 150,
        "bp_diastolic": 95,
        "conditions": ["psychosis_history"],
        "insurance": "commercial",
        "course_modality": "compounded",
        "course_sessions": 3,
        "course_response": "none",
        "course_dissociation": "too_intense",
    }
    profile_file = tmp_path / "p.json"
    import json

    profile_file.write_text(json.dumps(record))
    page = handout(runner, tmp_path, ["compare", "-p", str(profile_file), "-a", "patient"], "compare.html")
    text = print_to_text(page, tmp_path)

    result = evaluate(parse_profile(record), kb)
    # The crisis banner comes first, before the title and the comparison.
    assert text.startswith("⚠ Your safety comes first")
    assert "988" in text[:400]
    # The four modalities, and every finding the engine made, by its plain name.
    for m in result.modalities:
        assert m.short_name in text, m.short_name
        for f in m.findings:
            assert " ".join(f.name.patient.split()) in text, f.id
    assert "Oral/sublingual ketamine" in text
    # The course under way, the checklist, the questions, sources, date, disclaimer.
    for s in result.troubleshooting:
        assert " ".join(s.situation.patient.split()) in text, s.id
    assert "Things to think about before any of these choices" in text
    assert "Questions to ask a provider" in text
    assert "Where this information comes from" in text
    assert f"Knowledge base reviewed {kb.reviewed.isoformat()}" in text
    assert " ".join(kb.disclaimer.patient.split())[:60] in text
    # Injected markup is shown as text and never ran.
    assert "HACKEDX42" not in text
    compact = "".join(text.split())  # lines may wrap anywhere inside the long id
    assert "".join(INJECTED.split()) in compact


def test_troubleshoot_handout_prints_the_trend_without_a_crisis_banner(
    runner: CliRunner, tmp_path: Path, kb: KnowledgeBase
) -> None:
    log = ROOT / "examples" / "session-log.csv"
    page = handout(runner, tmp_path, ["troubleshoot", "--log", str(log), "-a", "patient"], "course.html")
    text = print_to_text(page, tmp_path)
    assert text.startswith("When a ketamine course isn't going as hoped")
    assert "Your safety comes first" not in text
    assert "If you are ever in danger" in text and "988" in text
    # The chart's labels and values are real text in the PDF.
    assert "response" in text and "remission" in text and "session" in text
    for score in ("22", "17", "9"):
        assert score in text
    assert "9 sessions so far, 7 of them at your full dose" in text
    assert "went from 22 to 17 (23% lower); at its best it was 9" in text
    assert "You felt better, but it wears off within days." in text
    assert "Questions to ask a provider" in text


def test_clinician_handout_with_profile_and_log(runner: CliRunner, tmp_path: Path) -> None:
    course = ROOT / "examples" / "course-under-way.yaml"
    log = tmp_path / "compounded.csv"
    log.write_text(
        "date,modality,dose,phq9_total,dissociation,bp\n"
        + "".join(f"2026-04-{d:02d},compounded,200,{s},severe,130/80\n" for d, s in ((1, 20), (4, 19), (8, 19)))
    )
    page = handout(
        runner, tmp_path, ["troubleshoot", "-p", str(course), "--log", str(log), "-a", "clinician"], "clinician.html"
    )
    text = print_to_text(page, tmp_path)
    for name in ("Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual ketamine"):
        assert name in text
    assert "dissociation_too_intense" in text  # rule ids shown to clinicians
    assert "move to a monitored setting" in text
    assert "Sources" in text and "Questions for the provider" in text
    assert "Candidate checklist" not in text  # pre-treatment; this course is under way
