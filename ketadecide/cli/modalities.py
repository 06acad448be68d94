"""``ketadecide modalities [ID]``: browse the knowledge base with its sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.options import AudienceOpt, AudienceOption, DataDirOpt, FormatOpt, OutputOpt, resolve_format
from ketadecide.cli.output import emit, table_width, use_color
from ketadecide.errors import InputError, Problem


@handles_errors
def modalities(
    modality_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="spravato, iv, im or compounded; omit to list all.", show_default=False),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
) -> None:
    """List the modalities, or show one in full with every source."""
    from ketadecide.knowledge import load_knowledge_base
    from ketadecide.outputs import check_paths
    from ketadecide.render.knowledge import describe_modalities

    check_paths([data_dir], {"--output": output}, stdout=output is None)
    kb = load_knowledge_base(data_dir)
    if modality_id is not None and modality_id not in kb.modalities:
        raise InputError(Problem(f"unknown modality '{modality_id}' (one of: {', '.join(kb.modalities)})", field="ID"))
    fmt_name = resolve_format(fmt, output)
    if fmt_name == "json":
        emit(json.dumps(_as_json(kb, modality_id), indent=2, ensure_ascii=False) + "\n", output)
        return
    if fmt_name == "html":
        raise InputError(Problem("html is not offered for `modalities`; use table, json or markdown", field="--format"))
    emit(
        describe_modalities(
            kb,
            modality_id,
            audience.value,
            markdown=fmt_name == "markdown",
            color=use_color(output),
            width=table_width(output),
        ),
        output,
    )


def _as_json(kb: Any, modality_id: str | None) -> dict[str, Any]:
    ids = [modality_id] if modality_id else list(kb.modalities)
    out: dict[str, Any] = {
        "knowledge_base": {"reviewed": kb.reviewed.isoformat(), "sha256": kb.sha256},
        "modalities": [],
    }
    for ident in ids:
        record = kb.modalities[ident].model_dump(mode="json")
        record["id"] = ident
        out["modalities"].append(_expand_sources(record, kb))
    return out


def _expand_sources(value: Any, kb: Any) -> Any:
    if isinstance(value, dict):
        return {k: ([kb.cite(s) for s in v] if k == "sources" else _expand_sources(v, kb)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_sources(v, kb) for v in value]
    return value


def register(app: typer.Typer) -> None:
    app.command("modalities")(modalities)
