"""``--large-print`` (issue 24, IPDAS "plain language"): the HTML handout in large print, the
same page with a class and one more style sheet; refused with any other format."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.render.large_print import FLOOR_PT, css_string
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")


def handout(runner: CliRunner, tmp_path: Path, name: str, *extra: str) -> str:
    out = tmp_path / name
    res = runner.invoke(app, ["compare", "-p", EXAMPLE, "-o", str(out), *extra])
    assert res.exit_code == 0, res.stderr
    return out.read_text()


def without_large_print(page: str) -> str:
    """``page`` with what large print adds taken out again."""
    page = page.replace('<html class="large-print" ', "<html ", 1)
    page = re.sub(r'<table data-lp="\d+"', "<table", page)
    # a tick box and its label joined by no-break spaces (the standard page writes none)
    page = page.replace("&#160;", " ")
    return re.sub(r"<style>\n/\* Large print .*?</style>\n(?=</head>)", "", page, count=1, flags=re.S)


@pytest.mark.parametrize(("audience", "lang"), [("patient", "en"), ("patient", "es"), ("clinician", "en")])
def test_large_print_is_the_same_page_in_bigger_type(
    runner: CliRunner, tmp_path: Path, audience: str, lang: str
) -> None:
    args = ("-a", audience, "--lang", lang)
    standard = handout(runner, tmp_path, "standard.html", *args)
    large = handout(runner, tmp_path, "large.html", *args, "--large-print")
    # the default is untouched: no large-print markup or style (the words "--large-print" in
    # the patient's line saying how to ask for this copy are the one mention)
    assert "large-print" not in standard.replace("--large-print", "") and "data-lp" not in standard
    assert "&#160;" not in standard
    assert ("&#9744;&#160;" in large) is (audience == "patient")  # the worksheet's boxes
    assert f'<html class="large-print" lang="{lang}">' in large
    assert f"font-size: {FLOOR_PT}pt !important" in large
    # the same content in the same order: nothing but the class, the tables' numbers and
    # the one style sheet differs
    assert without_large_print(large) == standard
    # each stacked table cell is labelled with its own column's head, in the page's language
    spravato_iv = ("Spravato", "IV ketamine") if lang == "en" else ("Spravato", "Ketamina IV")
    for n, name in enumerate(spravato_iv, 2):
        rule = f'table[data-lp="1"] > tbody > tr > td:nth-child({n})::before {{ content: {css_string(name + ": ")}; }}'
        assert rule in large


def test_a_column_head_cannot_break_out_of_the_style_sheet() -> None:
    """Column heads come from the data (a clinic's own modality names): their text is escaped."""
    hostile = 'x"; } body { display: none } </style><script>alert(1)</script>'
    quoted = css_string(hostile)
    assert quoted.startswith('"') and quoted.endswith('"') and '"' not in quoted[1:-1]
    assert "<" not in quoted and "}" not in quoted and " " not in quoted


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json"],
        ["--format", "markdown"],
        ["--format", "note"],
        [],  # the terminal table
        ["-o", "{tmp}/out.json"],
        ["-o", "{tmp}/out.md"],
    ],
)
def test_large_print_with_another_format_is_one_line_exit_2(runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    res = runner.invoke(app, ["compare", "-p", EXAMPLE, *args, "--large-print"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--large-print" in lines[0] and "Traceback" not in res.stderr
    assert res.stdout == "" and list(tmp_path.iterdir()) == []  # refused before anything is written


def test_large_print_with_html_on_stdout(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "-p", EXAMPLE, "--format", "html", "--large-print"])
    assert res.exit_code == 0, res.stderr
    assert '<html class="large-print"' in res.stdout


def test_the_consult_writes_its_handout_in_large_print(runner: CliRunner, tmp_path: Path) -> None:
    def consult(name: str, *extra: str) -> str:
        out = tmp_path / name
        args = ["consult", "--no-input", "-p", EXAMPLE, "-a", "patient", "-o", str(out), *extra]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.stderr
        return out.read_text()

    standard, large = consult("standard.html"), consult("large.html", "--large-print")
    assert "large-print" not in standard.replace("--large-print", "") and '<html class="large-print"' in large
    assert without_large_print(large) == standard


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json"],
        ["--format", "markdown"],
        ["--format", "note"],
        ["--format", "table"],  # with --no-input: no end menu to write a handout from
    ],
)
def test_the_consult_refuses_large_print_with_another_format(runner: CliRunner, args: list[str]) -> None:
    res = runner.invoke(app, ["consult", "--no-input", "-p", EXAMPLE, *args, "--large-print"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--large-print" in lines[0] and res.stdout == ""


def test_the_consult_refuses_large_print_for_a_table_written_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    res = runner.invoke(app, ["consult", "-p", EXAMPLE, "-o", str(out), "--large-print"], input="")
    assert res.exit_code == 2 and "--large-print" in res.stderr and not out.exists()


@pytest.mark.parametrize("large_print", [False, True])
def test_the_consults_handout_key_writes_large_print_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large_print: bool
) -> None:
    """The end menu's ``h`` (the table was on the screen): ``consult --large-print`` gives
    its handout in large print, and only then."""
    from ketadecide.cli.consult_end import offer_end
    from ketadecide.compare import evaluate
    from ketadecide.floor import load_knowledge_base
    from ketadecide.profile import parse_profile
    from ketadecide.sources.profile_file import read_profile_data

    data, where = read_profile_data(EXAMPLE)
    kb = load_knowledge_base(None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("h\n\n"))
    offer_end(
        "patient",
        lambda: evaluate(parse_profile(data, source=where), kb, handout=True, decision_support=True),
        lambda path: None,
        None,
        large_print=large_print,
    )
    page = (tmp_path / "ketadecide-handout.html").read_text()
    assert ('<html class="large-print"' in page) is large_print


@pytest.mark.parametrize(
    ("audience", "lang", "words"),
    [
        ("patient", "en", "Need bigger print? Ask for this sheet in large print."),
        ("patient", "es", "¿Necesita letra más grande? Pida esta hoja en letra grande."),
        ("clinician", "en", None),
    ],
)
def test_the_standard_handout_says_a_large_print_copy_can_be_printed(
    runner: CliRunner, tmp_path: Path, audience: str, lang: str, words: str | None
) -> None:
    """Third IPDAS review: nothing on the standard copy said the large-print copy exists. The
    patient's copy says so, and how staff print it; the large-print copy hides the line."""
    args = ("-a", audience, "--lang", lang)
    standard = handout(runner, tmp_path, "standard.html", *args)
    large = handout(runner, tmp_path, "large.html", *args, "--large-print")
    if words is None:
        assert 'class="bigger"' not in standard
        return
    line = standard.split('<p class="bigger">', 1)[1].split("</p>", 1)[0]
    assert words in line and "--large-print" in line and " l " in line
    assert (
        standard.index('class="disclaimer"')
        < standard.index('class="bigger"')
        < standard.index('<section class="refs-page">')
    )
    assert "html.large-print p.bigger { display: none; }" in large
