"""``ketadecide modalities [ID]``: browse the knowledge base with its sources."""

from __future__ import annotations

from typing import Annotated

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import AudienceOpt, AudienceOption, DataDirOpt, FormatOpt, OutputOpt, output_format
from ketadecide.cli.output import present
from ketadecide.errors import InputError, Problem


@handles_errors
def modalities(
    modality_id: Annotated[
        str | None,
        typer.Argument(metavar="ID", help="spravato, iv, im or compounded; omit to list all.", show_default=False),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
) -> None:
    """List the modalities, or show one in full with every source."""
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths

    check_paths([data_dir], {"--output": output}, stdout=output is None)
    output_format(fmt, output, ("table", "json", "markdown"))
    kb = load_knowledge_base(data_dir)
    if modality_id is not None and modality_id not in kb.modalities:
        raise InputError(Problem(f"unknown modality '{modality_id}' (one of: {', '.join(kb.modalities)})", field="ID"))
    present(lambda r, **kw: r.knowledge(kb, modality_id, audience.value, **kw), fmt, output, audience.value)


def register(app: typer.Typer) -> None:
    app.command(
        "modalities",
        short_help="List the modalities, or show one in full with its sources.",
        epilog=examples(
            "ketadecide modalities",
            "ketadecide modalities spravato",
            "ketadecide modalities iv --audience patient --format markdown -o iv.md",
        ),
    )(modalities)
