"""A SURE "no" gets a next step that fits what the person already did (issue 24, IPDAS review
defect 7): after rating what matters it points to the fit, not to "rate what matters"; the
benefits-and-harms step names the section by the title it has where it is shown, and the
consult offers to show that section again. Synthetic profiles only."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.lang import set_lang
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "trd-commercial.yaml"
RATE_AGAIN = {"en": "Rate what matters to you, 0 to 10", "es": "Califique de 0 a 10 lo que le importa"}
FIT = {
    "en": "Look again at 'How each option matches what you said matters'.",
    "es": "Vuelva a mirar «Cómo va cada opción con lo que usted dijo que le importa».",
}
FIGURES = {
    "en": "Read 'What happened to 100 people in the studies' again.",
    "es": "Vuelva a leer «Qué les pasó a 100 personas en los estudios».",
}


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    set_lang("en")


def _profile(tmp_path, **extra: object) -> str:
    text = EXAMPLE.read_text() + "".join(f"{k}: {json.dumps(v)}\n" for k, v in extra.items())
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return str(path)


SURE_NO = {"sure_sure": True, "sure_understand": False, "sure_values": False, "sure_support": True}
RATED = {"values_evidence": 8, "values_cost": 5, "values_time": 3, "values_home": 0, "values_needles": 7}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_handout_points_to_the_fit_once_values_are_rated(tmp_path, lang: str) -> None:
    res = CliRunner().invoke(
        app, ["compare", "-p", _profile(tmp_path, **SURE_NO, **RATED), "-a", "patient", "-f", "html", "--lang", lang]
    )
    assert res.exit_code == 0, res.stderr
    page = res.stdout.replace("&#x27;", "'").replace("&#39;", "'")
    assert RATE_AGAIN[lang] not in page
    assert FIT[lang] in page and FIGURES[lang] in page
    # the titles the steps name are the titles of sections on this page
    assert re.search(r"<h2>[^<]*" + re.escape(FIGURES[lang].split("'" if lang == "en" else "«")[1][:30]), page)


def test_before_rating_the_step_still_asks_to_rate(tmp_path) -> None:
    res = CliRunner().invoke(app, ["compare", "-p", _profile(tmp_path, **SURE_NO), "-a", "patient", "-f", "json"])
    assert res.exit_code == 0, res.stderr
    steps = {s["field"]: s["step"] for s in json.loads(res.stdout)["sure"]["next_steps"]}
    assert steps["sure_values"].startswith(RATE_AGAIN["en"])
    assert (
        "{" not in steps["sure_understand"] and "What happened to 100 people in the studies" in steps["sure_understand"]
    )


def test_nothing_rated_above_zero_is_not_done(tmp_path) -> None:
    zeros = dict.fromkeys(RATED, 0)
    res = CliRunner().invoke(
        app, ["compare", "-p", _profile(tmp_path, **SURE_NO, **zeros), "-a", "patient", "-f", "json"]
    )
    steps = {s["field"]: s["step"] for s in json.loads(res.stdout)["sure"]["next_steps"]}
    assert steps["sure_values"].startswith(RATE_AGAIN["en"])


pexpect = pytest.importorskip("pexpect")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BRIEF = "What helps and what harms, in short"


@pytest.mark.terminal
def test_the_consult_names_its_own_brief_and_offers_it_again(tmp_path) -> None:
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["consult", "-a", "patient", "-p", str(EXAMPLE)]
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    child = pexpect.spawn(
        cmd[0], cmd[1:], env=env, cwd=str(tmp_path), dimensions=(40, 100), encoding="utf-8", timeout=30
    )
    seen = ""

    def until(pattern: str, answer: str) -> None:
        nonlocal seen
        while True:
            i = child.expect([pattern, r"> "])
            seen += child.before + child.after
            if i == 0:
                child.expect(r"> ")
                seen += child.before + child.after
                child.sendline(answer)
                return
            child.sendline("")  # Enter: the default

    until("Would you like to rate what matters to you", "8 5 3 0 7 2")
    until("Would you like to answer 4 yes-or-no questions", "y")
    for answer in ("y", "n", "n", "y"):
        child.expect(r"> ")
        seen += child.before + child.after
        child.sendline(answer)
    until(re.escape(f"Would you like to see '{BRIEF}' again?"), "y")
    until("Would you like to make a short plan", "")
    until("What next", "")
    child.expect(pexpect.EOF)
    seen = ANSI.sub("", seen + child.before).replace("\r\n", "\n")
    after_sure = seen.split("Score 2 of 4.")[1]
    assert RATE_AGAIN["en"] not in after_sure
    assert FIT["en"] in " ".join(after_sure.split())
    assert f"Read '{BRIEF}' again." in " ".join(after_sure.split())
    # the brief, shown again after the offer
    assert after_sure.split("again?")[-1].count(BRIEF) == 1 and "69 out of 100" in after_sure.split("again?")[-1]
