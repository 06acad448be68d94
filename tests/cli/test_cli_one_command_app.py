"""The console script builds only the command it runs (Typer builds every registered
command's parameters on each start). For every command, that app and the whole app must
be indistinguishable: same help, same usage errors, same results."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import COMMANDS, build_app, named_command
from tests.conftest import ROOT

EXAMPLE = str(ROOT / "examples" / "trd-commercial.yaml")
SUBCOMMANDS = {"data": ["validate", "cache"], "fhir": ["to-profile"]}


def _argvs(name: str) -> list[list[str]]:
    argvs = [[name, "-h"], [name, "--help"], [name, "--no-such-option"], ["--debug", name, "-h"], [name]]
    argvs += [[name, sub, "-h"] for sub in SUBCOMMANDS.get(name, [])]
    argvs += [[name, sub, "--no-such-option"] for sub in SUBCOMMANDS.get(name, [])]
    return argvs


@pytest.mark.parametrize("name", list(COMMANDS))
def test_one_command_app_behaves_as_the_whole_app(name: str) -> None:
    runner = CliRunner()
    whole, one = build_app(), build_app(name)
    for argv in _argvs(name):
        a = runner.invoke(whole, argv, input="")
        b = runner.invoke(one, argv, input="")
        assert (a.exit_code, a.stdout, a.stderr) == (b.exit_code, b.stdout, b.stderr), argv


def test_one_command_app_gives_the_same_comparison() -> None:
    runner = CliRunner()
    argv = ["compare", "-p", EXAMPLE, "-f", "json"]
    a = runner.invoke(build_app(), argv)
    b = runner.invoke(build_app("compare"), argv)
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "-p", "x"], "compare"),
        (["--debug", "batch", "in.csv"], "batch"),
        (["data", "validate"], "data"),
        (["--version"], None),
        (["-h"], None),
        ([], None),
        (["comapre"], None),  # the whole app says "did you mean compare?"
        (["--debug"], None),
        (["-p", "compare"], None),
    ],
)
def test_the_command_is_read_only_from_its_own_place(args: list[str], expected: str | None) -> None:
    assert named_command(args) == expected
