"""How to get started with each option (issue 24): who refers, the insurer's approval, where
to go (Spravato only at a REMS-certified clinic, with the manufacturer's centre finder),
a first visit step by step and getting home; dated, cited records shown on the patient's
handout and in a patient's --detail, never as steps for an option nobody should start.
Synthetic profiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge.files.decision import DecisionFile, GetStarted
from ketadecide.lang import use
from ketadecide.profile import MODALITY_IDS
from tests.conftest import ROOT

TRD = str(ROOT / "examples" / "trd-commercial.yaml")
ICH = str(ROOT / "examples" / "ich-history.yaml")  # every option contraindicated
CRISIS = str(ROOT / "examples" / "crisis.yaml")  # compounded contraindicated
STEPS = ("Who refers you", "Insurance approval", "Where to go", "A first visit, step by step")


def _run(*args: str) -> str:
    # use(): the command sets the patient's language for its context; put it back after, so
    # a Spanish run here never leaves later tests in Spanish
    with use("en"):
        res = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.stderr
    return res.stdout


def _handout(tmp_path: Path, profile: str, *extra: str) -> str:
    out = tmp_path / "h.html"
    _run("compare", "-p", profile, "-a", "patient", "-o", str(out), *extra)
    return out.read_text(encoding="utf-8")


def _section(html: str) -> str:
    """The rows from the "How to get started" heading row to the end of its table."""
    start = html.index('<tr class="start">')
    return html[start : html.index("</table>", start)]


def test_every_cell_is_a_cited_dated_record_for_each_option() -> None:
    decision = load_knowledge_base(None).extras["decision.yaml"]
    assert isinstance(decision, DecisionFile) and decision.get_started is not None
    g = decision.get_started
    assert [s.id for s in g.steps] == ["referral", "approval", "where", "first_visit"]
    for step in g.steps:
        assert set(step.options) == set(MODALITY_IDS)
        assert all(c.sources and c.reviewed.isoformat() >= "2026-12-05" for c in step.options.values())
    where = next(s for s in g.steps if s.id == "where").options["spravato"]
    assert "spravato_rems" in where.sources and where.floor == "label"


def test_a_step_missing_an_option_is_refused() -> None:
    decision = load_knowledge_base(None).extras["decision.yaml"]
    assert isinstance(decision, DecisionFile) and decision.get_started is not None
    raw = decision.get_started.model_dump(mode="json")
    del raw["steps"][0]["options"]["im"]
    with pytest.raises(ValidationError, match="options must cover exactly"):
        GetStarted.model_validate(raw)


def test_the_patient_handout_has_the_section_with_getting_home_said_once(tmp_path: Path) -> None:
    html = _handout(tmp_path, TRD)
    section = _section(html)
    assert "<h2>How to get started</h2>" in section
    for label in (*STEPS, "Getting home"):
        assert f'<th scope="row">{label}</th>' in section, label
    # four cells in each row, one per option, each with its source marks
    for row in re.findall(r'<tr><th scope="row">.*?</tr>', section):
        assert row.count("<td>") == 4 and row.count('class="refs"') == 4, row
    # the driving row moved here: the page says it once
    assert html.count('<th scope="row">Getting home</th>') == 1
    assert "only at a clinic certified in the Spravato safety program".lower() in section.lower()
    assert "at least 2 hours" in section and "Find a Center at spravato.com" in section
    # informs, never tells anyone to start
    assert "Ask your clinician about each step" in section
    # no address with a query or a path that could carry who is looking
    assert not re.search(r"spravato(rems)?\.com/?[?&#/][^\s<]", html)


def test_a_contraindicated_option_gets_no_steps(tmp_path: Path) -> None:
    section = _section(_handout(tmp_path, CRISIS))  # compounded contraindicated, the rest open
    assert "Not advised for you. Ask your clinician why, and about other options." in section
    assert section.count('rowspan="5"') == 1
    assert "take the medicine at home" not in section and "Often through an online service" not in section
    assert "A small tube goes into a vein" in section and "Find a Center" in section  # the others keep theirs
    for row in re.findall(r'<tr><th scope="row">.*?</tr>', section):
        assert row.count("<td") == (4 if "rowspan" in row else 3), row


def test_no_steps_at_all_when_every_option_is_shut(tmp_path: Path) -> None:
    html = _handout(tmp_path, ICH)  # every option contraindicated
    assert "<h2>How to get started</h2>" not in html
    # Nor "More about each option" at all: no route's details read as an offer (IPDAS re-review N5).
    assert '<th scope="row">Getting home</th>' not in html
    detail = _run("compare", "-p", ICH, "-a", "patient", "--detail")
    assert "How to get started" not in detail


def test_patient_detail_lists_the_steps_for_open_options_only() -> None:
    detail = " ".join(_run("compare", "-p", TRD, "-a", "patient", "--detail").split())
    assert "How to get started" in detail
    for label in STEPS:
        assert f"{label}:" in detail, label
    crisis = " ".join(_run("compare", "-p", CRISIS, "-a", "patient", "--detail").split())
    assert "How to get started" in crisis and "Often through an online service" not in crisis
    clinician = _run("compare", "-p", TRD, "--detail")
    assert "How to get started" not in clinician  # the clinician has the checklists


def test_the_spanish_handout_has_the_section_in_spanish(tmp_path: Path) -> None:
    section = _section(_handout(tmp_path, TRD, "--lang", "es"))
    assert "<h2>Cómo empezar</h2>" in section and "Volver a casa" in section
    assert "spravato.com" in section and "al menos 2 horas" in section
    assert "Who refers you" not in section and "Insurance approval" not in section
