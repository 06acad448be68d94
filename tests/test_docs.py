"""The README's promises: two Quick start commands, CI runs the second, every command documented."""

from __future__ import annotations

import re
import shlex

import typer
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_has_exactly_two_one_line_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == quick_start_commands()[1]


def test_quick_start_comparison_works() -> None:
    first = quick_start_commands()[0]
    ketadecide_part = first.split("&& ketadecide ", 1)[1]
    res = CliRunner().invoke(app, shlex.split(ketadecide_part))
    assert res.exit_code == 0, res.stderr
    assert "Spravato" in res.stdout


def _commands(group: typer.Typer, prefix: str = "") -> list[tuple[str, object]]:
    import typer.main

    click_group = typer.main.get_command(group)
    out = []
    for name, cmd in click_group.commands.items():  # type: ignore[attr-defined]
        full = f"{prefix}{name}"
        sub = getattr(cmd, "commands", None)
        if sub:
            out += [(f"{full} {n}", c) for n, c in sub.items()]
        else:
            out.append((full, cmd))
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    commands = _commands(app)
    assert {"compare", "modalities", "data validate"} <= {name for name, _ in commands}
    for name, cmd in commands:
        assert (getattr(cmd, "help", None) or "").strip(), f"{name} has no help"
        assert f"ketadecide {name}" in README, f"`ketadecide {name}` is not documented in README.md"
        res = CliRunner().invoke(app, [*name.split(), "--help"])
        assert res.exit_code == 0, name


def test_cli_choices_match_the_contract() -> None:
    from typing import get_args

    from ketadecide.cli.troubleshoot import DissociationChoice, ModalityChoice, ResponseChoice
    from ketadecide.profile import MODALITY_IDS, CourseDissociation, CourseResponse

    assert tuple(ModalityChoice) == MODALITY_IDS
    assert tuple(ResponseChoice) == get_args(CourseResponse)
    assert tuple(DissociationChoice) == get_args(CourseDissociation)
