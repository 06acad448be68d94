"""The consult's end menu in a real terminal (issue 24, IPDAS review defects 6 and 18): it takes
exactly the keys it offers; "no" is not the chart note, "yes" is not silence; the handout is
announced once. Synthetic profile (examples/trd-commercial.yaml)."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from tests.conftest import ROOT

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MENU = {"en": "What next? d = all the details", "es": "¿Qué sigue? d = todos los detalles"}
HINT = {
    "en": "Please type d, h, l, s or n, or press Enter to finish.",
    "es": "Escriba d, h, l, s o n, u oprima Enter para terminar.",
}
NOTE = "Ketamine options reviewed with ketadecide"  # the chart note's first line


def _to_menu(tmp_path, lang: str):
    script = shutil.which("ketadecide")
    cmd = [script] if script else [sys.executable, "-m", "ketadecide"]
    cmd += ["consult", "-a", "patient", "--lang", lang, "-p", str(ROOT / "examples" / "trd-commercial.yaml")]
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    child = pexpect.spawn(
        cmd[0], cmd[1:], env=env, cwd=str(tmp_path), dimensions=(40, 100), encoding="utf-8", timeout=30
    )
    while child.expect([re.escape(MENU[lang]), r"> "]) == 1:
        child.sendline("")  # Enter: the default, or skip the optional steps
    child.expect(r"> ")
    return child


def _answer(child, key: str, lang: str) -> str:
    child.sendline(key)
    child.expect(re.escape(MENU[lang]))
    said = ANSI.sub("", child.before)
    child.expect(r"> ")
    return said


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_end_menu_takes_only_the_keys_it_offers(tmp_path, lang: str) -> None:
    child = _to_menu(tmp_path, lang)
    for word in ("no", "yes", "sí", "x", "done"):
        said = _answer(child, word, lang)
        assert HINT[lang] in said, (word, said)
        assert NOTE not in said  # "no" never prints the clinician's chart note
    said = _answer(child, "N", lang)  # the key itself, in either case
    assert NOTE in said and HINT[lang] not in said
    said = _answer(child, "h", lang)
    # the handout: written, and said once
    assert (tmp_path / "ketadecide-handout.html").exists()
    assert said.count("ketadecide-handout.html") == 1, said
    assert "wrote" not in said
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_end_menu_writes_the_handout_in_large_print_without_the_option(tmp_path, lang: str) -> None:
    """Third IPDAS review: a consult started without --large-print could not produce the
    large-print copy. ``l`` writes it (one keystroke, offered on the menu); ``h`` stays standard."""
    child = _to_menu(tmp_path, lang)
    said = _answer(child, "l", lang)
    large = tmp_path / "ketadecide-handout-large-print.html"
    assert large.exists() and said.count(large.name) == 1, said
    page = large.read_text()
    assert f'<html class="large-print" lang="{lang}">' in page
    _answer(child, "h", lang)
    standard = (tmp_path / "ketadecide-handout.html").read_text()
    assert f'<html lang="{lang}">' in standard and "data-lp" not in standard
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
