"""No broken word, no padding: every command's text output at 60, 80, 100 and 120 columns.

A word split by wrapping ("Indicat" / "ion", "$907–$1,3" / "56") leaves a token in the
narrow render that the same output rendered very wide does not contain; a padded line ends
in spaces. Both are checked for every example profile, both audiences, and every command a
person reads on a terminal: compare (summary and ``--detail``), the consult's end (with the
values fit and SURE), ``modalities`` (list and each id), ``ids``, ``troubleshoot``, the batch
summary and error lines.

Layouts that change with the width (the summary stacks one option per block below
``STACK_BELOW`` columns) are rendered wide in both layouts, so a label that only the
stacked layout uses is still a known word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.render import terminal
from tests.conftest import ROOT

WIDTHS = ("60", "80", "100", "120")
WIDE = "1000"
EXAMPLES = ROOT / "examples"
PROFILES = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
AUDIENCES = ("clinician", "patient")
#: Answers after a pre-filled profile: Enter to every question left (the defaults, the skips).
CONSULT_ANSWERS = "\n" * 40
#: Added to a copy of each example so that ``--detail`` shows the values fit and SURE.
DECIDING = (
    "values_evidence: 8\nvalues_cost: 3\nvalues_time: 5\nvalues_home: 7\nvalues_needles: 2\n"
    "values_monitoring: 6\nsure_sure: false\nsure_understand: true\nsure_values: false\nsure_support: true\n"
)
_EDGE = "\"'“”‘’()[]{}.,;:!?*•·…|│┃━─═-–—=+<>"


def tokens(text: str) -> set[str]:
    """The words of ``text``, without the punctuation and rules around them."""
    out = set()
    for raw in text.split():
        word = raw.strip(_EDGE)
        if word and not all("\u2500" <= ch <= "\u259f" for ch in word):  # a border, not a word
            out.add(word)
    return out


def _cases() -> Iterator[tuple[str, list[str], str]]:
    for profile in PROFILES:
        path = str(EXAMPLES / profile)
        for audience in AUDIENCES:
            stem = Path(profile).stem
            yield f"compare-{stem}-{audience}", ["compare", "-p", path, "--audience", audience], ""
            yield f"detail-{stem}-{audience}", ["compare", "-p", path, "--audience", audience, "--detail"], ""
            if profile.endswith(".yaml"):
                deciding = ["compare", "-p", "{tmp}/deciding-" + profile, "--audience", audience, "--detail"]
                yield f"fit-sure-{stem}-{audience}", deciding, ""
            yield (
                f"consult-{stem}-{audience}",
                ["consult", "-p", path, "--audience", audience],
                # after a crisis answer, going on is a choice (never the Enter default)
                ("y\n" if stem == "crisis" else "") + CONSULT_ANSWERS,
            )
    for audience in AUDIENCES:
        yield f"modalities-{audience}", ["modalities", "--audience", audience], ""
        for ident in ("spravato", "iv", "im", "compounded"):
            yield f"modalities-{ident}-{audience}", ["modalities", ident, "--audience", audience], ""
        log = str(EXAMPLES / "session-log.csv")
        yield f"troubleshoot-log-{audience}", ["troubleshoot", "--log", log, "--audience", audience], ""
        course = str(EXAMPLES / "course-under-way.yaml")
        yield f"troubleshoot-profile-{audience}", ["troubleshoot", "-p", course, "--audience", audience], ""
    yield "ids", ["ids"], ""
    yield "batch-summary", ["batch", str(EXAMPLES / "cohort.csv"), "-o", "{tmp}/out.csv"], ""
    yield "error-missing-file", ["compare", "-p", "{tmp}/no-such-profile-file-with-a-long-name.yaml"], ""
    yield "error-bad-field", ["compare", "-p", "{tmp}/bad.yaml"], ""
    yield "error-unknown-modality", ["modalities", "esketamine"], ""


CASES = list(_cases())


def _run(args: list[str], stdin: str, width: str, tmp: Path) -> str:
    (tmp / "bad.yaml").write_text("age: 44\nsuicidality: sometimes\ninsurance: aetna\n")
    for example in EXAMPLES.glob("*.yaml"):
        (tmp / f"deciding-{example.name}").write_text(example.read_text() + DECIDING)
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    res = CliRunner().invoke(app, argv, input=stdin, env={"COLUMNS": width, "NO_COLOR": "1"})
    assert res.exit_code in (0, 2), (res.exit_code, res.stderr, res.exception)
    return res.stdout + res.stderr


@pytest.mark.parametrize(("name", "args", "stdin"), CASES, ids=[c[0] for c in CASES])
def test_no_word_is_split_and_no_line_is_padded(
    name: str, args: list[str], stdin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = tokens(_run(args, stdin, WIDE, tmp_path))
    with monkeypatch.context() as m:
        m.setattr(terminal, "STACK_BELOW", 10**6)  # the narrow layouts, rendered wide
        m.setattr(terminal, "DETAIL_STACK_BELOW", 10**6)
        wide |= tokens(_run(args, stdin, WIDE, tmp_path))
    problems = []
    for width in WIDTHS:
        text = _run(args, stdin, width, tmp_path)
        padded = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
        if padded:
            problems.append(f"at {width} columns: trailing spaces on lines {padded[:10]}")
        too_long = [line for line in text.splitlines() if too_wide(line, int(width))]
        if too_long:
            problems.append(f"at {width} columns: lines wider than the terminal: {too_long[:3]}")
        split = sorted(tokens(text) - wide)
        if split:
            problems.append(f"at {width} columns: split words {split[:12]}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def too_wide(line: str, width: int) -> bool:
    """Wider than the terminal, except an error line (one line per problem, CONTRACT §4) and
    a line holding one word that cannot be broken (a web address on its own line)."""
    if len(line) <= width or line.startswith("ketadecide: "):
        return False
    return len(line.split()) > 1 and not (len(line.split()) == 2 and line.split(maxsplit=1)[0].startswith("["))


def test_the_token_check_catches_a_split_word() -> None:
    """The check itself: a word broken across lines is caught, a wrapped one is not."""
    wide = tokens("Oral/sublingual ketamine: $907–$1,356 per session.")
    assert tokens("Oral/sublingual\nketamine: $907–$1,356\nper session.") <= wide
    assert tokens("Oral/sublingua\nl ketamine") - wide == {"Oral/sublingua", "l"}
    assert re.sub(r"\s", "", "$907–$1,3\n56") == "$907–$1,356"
    assert tokens("$907–$1,3\n56") - wide == {"$907–$1,3", "56"}
