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
