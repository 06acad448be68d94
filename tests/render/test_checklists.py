"""The Spravato REMS and prior-authorisation checklists: dated, cited records in the data,
shown in --detail, the clinician handout and the chart note, never for a contraindicated
option. Synthetic profiles."""

from __future__ import annotations

from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge.files.decision import DecisionFile
from tests.conftest import ROOT

TRD = str(ROOT / "examples" / "trd-commercial.yaml")
ICH = str(ROOT / "examples" / "ich-history.yaml")
REMS_STEPS = ("Enrol the patient", "40 minutes after", "at least 2 hours", "Patient Monitoring Form", "certified")


def _run(*args: str) -> str:
    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.stderr
    return res.stdout


def test_the_checklists_are_cited_dated_records() -> None:
    decision = load_knowledge_base(None).extras["decision.yaml"]
    assert isinstance(decision, DecisionFile)
    ids = {c.id for c in decision.checklists}
    assert {"spravato_rems", "spravato_prior_auth"} <= ids
    for c in decision.checklists:
        assert c.sources and c.reviewed and all(i.sources and i.reviewed for i in c.items)


def test_detail_the_clinician_handout_and_the_note_carry_the_rems_steps() -> None:
    detail = " ".join(_run("compare", "-p", TRD, "--detail").split())
    markdown = _run("compare", "-p", TRD, "-f", "markdown")
    note = " ".join(_run("compare", "-p", TRD, "-f", "note").split())  # wrapped at 80 for a chart
    for step in REMS_STEPS:
        assert step in detail and step in markdown and step in note, step
    assert "☐ Enrol the patient" in detail and "- [ ] Enrol the patient" in markdown
    assert "Prior authorisation documentation" in detail and "Prior authorisation documentation" in note


def test_no_steps_for_an_option_nobody_should_start() -> None:
    for args in (("--detail",), ("-f", "markdown"), ("-f", "note")):
        assert "Submit the REMS Patient Monitoring Form" not in " ".join(_run("compare", "-p", ICH, *args).split())


def test_the_patient_handout_keeps_its_page_budget() -> None:
    assert "- [ ] Enrol" not in _run("compare", "-p", TRD, "-f", "markdown", "-a", "patient")
