"""``ketadecide modalities [ID]``: browse the knowledge base with its sources."""

from __future__ import annotations

from typing import Annotated, Any

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
    if modality_id is not None and modality_id.casefold() in kb.modalities:
        modality_id = modality_id.casefold()  # IM, Spravato
    if modality_id is not None and modality_id not in kb.modalities:
        guess = _guess(kb, modality_id)
        hint = f"; did you mean {' or '.join(guess)}?" if guess else ""
        raise InputError(
            Problem(f"unknown modality '{modality_id}'{hint} (one of: {', '.join(kb.modalities)})", field="ID")
        )
    present(lambda r, **kw: r.knowledge(kb, modality_id, audience.value, **kw), fmt, output, audience.value)


def _guess(kb: Any, word: str) -> list[str]:
    """The modality ids ``word`` may name: a word of a modality's name, drug, route or setting
    ("esketamine" -> spravato, "infusion" -> iv; "ketamine" names several), or a near spelling."""
    import re

    from ketadecide.errors import suggest

    owners: dict[str, list[str]] = {}
    for ident, m in kb.modalities.items():
        text = " ".join([ident, m.name, m.drug, m.route, m.setting])
        for term in set(re.split(r"[^a-z]+", text.casefold().replace("_", " "))):
            if len(term) >= 2:
                owners.setdefault(term, []).append(ident)
    exact = owners.get(word.strip().casefold())
    if exact:
        return exact
    unique = {term: ids[0] for term, ids in owners.items() if len(ids) == 1}
    return list(dict.fromkeys(suggest(word, unique)))


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
