"""``--format note``: a plain-text chart note of 5 to 8 lines, dated, with the knowledge base,
the SI screen and what is still to ask; for compare and consult only. Synthetic profiles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.render.note import NOTE_INDENT, NOTE_LINES, NOTE_WIDTH
from tests.conftest import ROOT

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_the_note_is_short_plain_and_complete(path, audience: str) -> None:
    res = CliRunner().invoke(app, ["compare", "-p", str(path), "-f", "note", "-a", audience])
    assert res.exit_code == 0, res.stderr
    rows = res.stdout.rstrip("\n").split("\n")
    assert all(row == row.rstrip() and row for row in rows)  # no padding, no blank line
    assert all(len(row) <= NOTE_WIDTH or " " not in row.strip() for row in rows)  # 80 wide, for a chart
    lines = entries(res.stdout)
    low, high = NOTE_LINES
    assert low <= len(lines) <= high
    assert "\x1b[" not in res.stdout and "│" not in res.stdout and "━" not in res.stdout
    assert dt.date.today().isoformat() in lines[0] and re.search(r"knowledge base reviewed \d{4}-\d\d-\d\d", lines[0])
    # The span of review dates, as every other report dates its data (not the oldest alone).
    span = re.search(r"knowledge base reviewed (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d),", lines[0])
    assert span is not None and span[1] < span[2]
    assert any(line.startswith("SI screen: ") for line in lines)
    assert any(line.startswith("Still to ask: ") for line in lines)
    for name in ("Spravato", "IV ketamine", "IM ketamine", "Oral/sublingual ketamine"):
        assert name in lines[1]


def entries(note: str) -> list[str]:
    """The note's facts: a line and the indented lines that continue it, joined back."""
    found: list[str] = []
    for row in note.rstrip("\n").split("\n"):
        if row.startswith(NOTE_INDENT) and found:
            found[-1] += " " + row.strip()
        else:
            found.append(row)
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_note_wraps_at_spaces_to_80_columns(path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row fits 80 columns, and the words are exactly those of the unwrapped note: a
    word, price range or address is never cut."""
    from ketadecide.render import note

    def wrapped(width: int) -> str:
        monkeypatch.setattr(note, "NOTE_WIDTH", width)
        res = CliRunner().invoke(app, ["compare", "-p", str(path), "-f", "note"])
        assert res.exit_code == 0, res.stderr
        return res.stdout

    narrow, wide = wrapped(80), wrapped(10_000)
    assert narrow.split() == wide.split()
    assert entries(narrow) == wide.rstrip("\n").split("\n")
    assert all(len(row) <= 80 for row in narrow.splitlines())
    if "spravato" in path.stem or "trd" in path.stem:
        assert max(len(row) for row in wide.splitlines()) > 80  # the test has something to wrap


def test_a_crisis_note_says_what_was_given() -> None:
    res = CliRunner().invoke(app, ["compare", "-p", str(ROOT / "examples" / "crisis.yaml"), "-f", "note"])
    si = next(line for line in entries(res.stdout) if line.startswith("SI screen"))
    assert "988" in si and "911" in si and "urgent — safety first" in res.stdout


def test_a_minimal_note_lists_what_is_still_to_ask() -> None:
    res = CliRunner().invoke(app, ["compare", "-p", str(ROOT / "examples" / "minimal.json"), "-f", "note"])
    ask = next(line for line in entries(res.stdout) if line.startswith("Still to ask"))
    assert "suicidality" in ask and "pregnancy" in ask
    assert "SI screen: not asked" in res.stdout


def test_the_consult_writes_a_note_and_other_commands_refuse_it() -> None:
    profile = str(ROOT / "examples" / "trd-commercial.yaml")
    res = CliRunner().invoke(app, ["consult", "--no-input", "-p", profile, "-f", "note"])
    assert res.exit_code == 0 and res.stdout.startswith("Ketamine options reviewed")
    log = str(ROOT / "examples" / "session-log.csv")
    res = CliRunner().invoke(app, ["troubleshoot", "--log", log, "-f", "note"])
    assert res.exit_code == 2 and "not note" in res.stderr


# Issue 24, second IPDAS review, defect 17: the note carries the SURE score and the plan (or
# says SURE was not asked), and a commercial plan's prior-authorisation paperwork only where
# the person's payer's coverage record does not say it asks none.
PA = "Prior authorisation documentation"


def _note(tmp_path, extra: str) -> str:
    profile = tmp_path / "p.yaml"
    profile.write_text((ROOT / "examples" / "trd-commercial.yaml").read_text() + extra)
    res = CliRunner().invoke(app, ["compare", "-p", str(profile), "-f", "note"])
    assert res.exit_code == 0, res.stderr
    lines = entries(res.stdout)
    assert NOTE_LINES[0] <= len(lines) <= NOTE_LINES[1]
    return res.stdout


def test_the_note_gives_the_sure_score_and_the_plan(tmp_path) -> None:
    sure = "sure_sure: false\nsure_understand: true\nsure_values: false\nsure_support: true\n"
    plan = "plan_leaning: iv\nplan_decide_by: '2027-03-01'\n"
    note = " ".join(entries(_note(tmp_path, sure + plan)))
    assert "SURE 2/4 (possible decisional conflict); leaning IV ketamine; decide by 2027-03-01." in note
    assert PA in note  # commercial: a plan that asks for prior authorisation
    assert "SURE: not asked." in _note(tmp_path, "")


def test_no_prior_authorisation_paperwork_for_a_payer_that_asks_none(tmp_path) -> None:
    import yaml

    coverage = yaml.safe_load((ROOT / "data" / "modalities.yaml").read_text())["modalities"]["spravato"]["coverage"]
    none = [payer for payer, c in coverage.items() if c.get("prior_authorization") is False]
    assert "uninsured" in none  # the data says it; the code does not list payers
    for payer in none:
        text = (
            (ROOT / "examples" / "trd-commercial.yaml")
            .read_text()
            .replace("insurance: commercial", f"insurance: {payer}")
        )
        profile = tmp_path / "q.yaml"
        profile.write_text(text)
        res = CliRunner().invoke(app, ["compare", "-p", str(profile), "-f", "note"])
        assert res.exit_code == 0, res.stderr
        assert PA not in res.stdout and "SPRAVATO REMS" in res.stdout
