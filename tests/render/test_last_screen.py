"""The answer on the last screen: when ``compare`` ends on a terminal of 80x24 or 120x40, the
visible lines hold each option's status, indication, coverage and price, the headline
finding, and (after a crisis answer) a last line with 988 and 911. Synthetic profiles."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from ketadecide.compare import evaluate
from ketadecide.engine.result import Result
from ketadecide.floor import load_knowledge_base
from ketadecide.profile import parse_profile
from ketadecide.render.labels import coverage_text, money, status_text
from ketadecide.render.terminal import GLANCE_MAX, SHORT_DISCLAIMER, glance_lines, render_summary
from ketadecide.sources.profile_file import read_profile_data
from tests.conftest import ROOT
from tests.render.test_wrap import tokens

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))
SCREENS = ((80, 24), (120, 40))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _result(path: os.PathLike[str]) -> Result:
    data, where = read_profile_data(str(path))
    return evaluate(parse_profile(data, source=where), load_knowledge_base(None))


def _words(text: str) -> str:
    return " ".join(text.split())


def _answers_on(screen: str, result: Result, audience: str) -> None:
    """Every word of each option's name, status, indication, coverage and price, and of the
    headline findings, is on ``screen`` (a table cell may wrap them over two lines)."""
    seen = tokens(screen)
    for m in result.modalities:
        said = [
            m.short_name,
            status_text(m.status, audience, urgent=result.crisis.triggered),  # type: ignore[arg-type]
            m.indication.label.for_(audience),  # type: ignore[arg-type]
            coverage_text(m.coverage, audience, m.status),  # type: ignore[arg-type]
            # what this person would likely pay (issue 24: the estimate, not the list price);
            # nothing for an option that is not advised
            money(*m.cost.out_of_pocket.per_session) if m.cost.out_of_pocket and m.status != "contraindicated" else "",
        ]
        for text in said:
            assert tokens(text) <= seen, (text, tokens(text) - seen)
    for m in result.modalities:
        for f in m.findings:
            if f.headline:
                name = f.name.for_(audience)  # type: ignore[arg-type]
                assert tokens(name) <= seen, name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize(("width", "height"), SCREENS, ids=["80x24", "120x40"])
def test_the_last_screen_answers_the_question(path, audience: str, width: int, height: int) -> None:
    result = _result(path)
    text = render_summary(result, audience, width=width, screen=height)  # type: ignore[arg-type]
    lines = text.rstrip("\n").split("\n")
    last = "\n".join(lines[-(height - 1) :])  # one line for the next prompt
    _answers_on(last, result, audience)
    assert SHORT_DISCLAIMER[audience] in last  # type: ignore[index]
    if result.crisis.triggered:
        assert "988" in lines[-1] and "911" in lines[-1]
        assert "CRISIS" in lines[0] or "URGENT" in lines[0]  # the crisis panel is still first
    assert all(len(line) <= width for line in lines)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
@pytest.mark.parametrize("width", [80, 120])
def test_the_glance_is_at_most_twelve_lines(path, audience: str, width: int) -> None:
    assert len(glance_lines(_result(path), audience, width)) <= GLANCE_MAX  # type: ignore[arg-type]


def test_no_glance_when_the_summary_fits_or_the_output_is_not_a_terminal() -> None:
    result = _result(ROOT / "examples" / "minimal.json")
    assert "At a glance" not in render_summary(result, "clinician", width=120, screen=None)
    assert "At a glance" not in render_summary(result, "clinician", width=120, screen=200)
    assert "At a glance" in render_summary(result, "clinician", width=80, screen=24)


def test_the_summary_disclaimer_is_one_line_and_detail_keeps_it_whole() -> None:
    result = _result(ROOT / "examples" / "trd-commercial.yaml")
    summary = render_summary(result, "clinician", width=80)
    assert SHORT_DISCLAIMER["clinician"] in summary.split("\n")
    for line in SHORT_DISCLAIMER.values():
        assert len(line) <= 80 and "988" in line and "911" in line  # the crisis line is never lost
    assert _words(result.disclaimer.for_("clinician")) not in _words(summary)
    from ketadecide.render.terminal import render_table

    assert _words(result.disclaimer.for_("clinician")) in _words(render_table(result, "clinician", width=80))


pexpect = pytest.importorskip("pexpect")


@pytest.mark.terminal
@pytest.mark.parametrize(("width", "height"), SCREENS, ids=["80x24", "120x40"])
def test_compare_in_a_real_terminal_ends_with_the_answer(width: int, height: int) -> None:
    """Through the CLI in a pseudo-terminal: the glance is added because stdout is one."""
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["compare", "-p", str(ROOT / "examples" / "crisis.yaml")]
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    child = pexpect.spawn(cmd[0], cmd[1:], env=env, dimensions=(height, width), encoding="utf-8", timeout=30)
    child.expect(pexpect.EOF)
    lines = ANSI.sub("", child.before).replace("\r\n", "\n").rstrip("\n").split("\n")
    last = "\n".join(lines[-(height - 1) :])
    _answers_on(last, _result(ROOT / "examples" / "crisis.yaml"), "clinician")
    assert "988" in lines[-1] and "911" in lines[-1]
