"""``ketadecide compare``: one profile in, one comparison out."""

from __future__ import annotations

from typing import Annotated

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.options import AudienceOpt, AudienceOption, DataDirOpt, FormatOpt, OutputOpt, resolve_format
from ketadecide.cli.output import emit, table_width, use_color
from ketadecide.errors import InputError


@handles_errors
def compare(
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            "-p",
            help="Profile file (YAML or JSON, CONTRACT §1), or - to read it from standard input.",
            show_default=False,
        ),
    ],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
) -> None:
    """Compare the four ketamine modalities for one profile, non-interactively."""
    from ketadecide.engine import evaluate
    from ketadecide.knowledge import load_knowledge_base
    from ketadecide.render import render
    from ketadecide.sources.profile_file import load_profile

    kb = load_knowledge_base(data_dir)
    person = load_profile(profile)
    try:
        result = evaluate(person, kb)
    except InputError as exc:
        raise exc.with_source("<stdin>" if profile == "-" else profile) from None
    fmt_name = resolve_format(fmt, output)
    text = render(
        result,
        fmt_name,  # type: ignore[arg-type]
        audience.value,
        color=use_color(output) and fmt_name == "table",
        width=table_width(output),
    )
    emit(text, output)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
