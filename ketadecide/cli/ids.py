"""``ketadecide ids [SECTION]``: the ids and values a profile may use, with plain and brand names.

The did-you-mean for condition and medication ids (:func:`with_id_hints`) lives in
:mod:`ketadecide.knowledge.names`, beside the knowledge base, for batch to use too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import DataDirOpt, FormatOpt, OutputOpt
from ketadecide.errors import InputError, Problem, did_you_mean
from ketadecide.knowledge.names import ID_FIELDS, with_id_hints  # noqa: F401 - re-exported
from ketadecide.knowledge.terms import brand_names, id_entries, id_terms  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from ketadecide.knowledge.base import KnowledgeBase


def field_entries() -> list[dict[str, Any]]:
    """Every profile field: its type and, for enums, its values; for numbers, the range."""
    from ketadecide.profile import FIELD_SPECS

    kinds = {
        "int": "whole number",
        "number": "number",
        "bool": "true or false",
        "str": "text",
        "date": "date YYYY-MM-DD",
        "enum": "one of",
        "enum_list": "list of",
        "id_list": "list of ids",
        "int_list": "list of whole numbers",
    }
    out = []
    for name, spec in FIELD_SPECS.items():
        entry: dict[str, Any] = {"field": name, "type": kinds[spec.kind], "required": spec.required}
        if spec.choices:
            entry["values"] = list(spec.choices)
        if name in ID_FIELDS:
            entry["values_from"] = f"ketadecide ids {name}"
        if spec.minimum is not None and spec.maximum is not None:
            entry["range"] = [_number(spec.minimum), _number(spec.maximum)]
        if spec.length:
            entry["items"] = spec.length
        if spec.max_length is not None:
            entry["max_length"] = spec.max_length
        out.append(entry)
    return out


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def enum_sections() -> dict[str, list[str]]:
    from ketadecide.profile import FIELD_SPECS

    return {name: list(spec.choices) for name, spec in FIELD_SPECS.items() if spec.choices}


def sections() -> tuple[str, ...]:
    return ("conditions", "medications", "fields", *enum_sections())


def listing(kb: KnowledgeBase, section: str | None) -> dict[str, Any]:
    """The listing as plain data: what every format renders (JSON prints it as is)."""
    out: dict[str, Any] = {}
    wanted = [section] if section else list(sections())
    enums = enum_sections()
    for name in wanted:
        if name in ID_FIELDS:
            out[name] = id_entries(kb, name)
        elif name == "fields":
            out[name] = field_entries()
        elif section is not None:
            out[name] = enums[name]
    if section is None:
        out["values"] = enums
    return out


_SECTION_SYNONYMS = {
    "condition": "conditions",
    "medication": "medications",
    "meds": "medications",
    "drugs": "medications",
    "field": "fields",
    "diagnosis": "diagnoses",
    "payer": "insurance",
    "payers": "insurance",
    "modality": "course_modality",
    "modalities": "course_modality",
}


@handles_errors
def ids(
    section: Annotated[
        str | None,
        typer.Argument(
            metavar="SECTION",
            help="Only one part: conditions, medications, fields, or an enum field "
            "(pregnancy, diagnoses, suicidality, insurance, course_modality, ...).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """List the ids and values a profile may use: conditions and medications with their
    plain and brand names, every field, and the values of every enum field."""
    from ketadecide.cli.options import output_format
    from ketadecide.cli.output import present
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths

    if section is not None and section not in sections():
        known = {**{s: s for s in sections()}, **_SECTION_SYNONYMS}
        exact = _SECTION_SYNONYMS.get(section.casefold())
        if exact is None:
            raise InputError(
                Problem(f"no section {section!r}{did_you_mean(section, known)} (one of: {', '.join(sections())})")
            )
        section = exact
    fmt_name = output_format(fmt, output, ("table", "json", "markdown"))
    check_paths([data_dir], {"--output": output}, stdout=output is None)
    kb = load_knowledge_base(data_dir)
    data = listing(kb, section)

    def draw(_renderer: object, *, color: bool = False, width: int = 120) -> str:
        if fmt_name == "json":
            from ketadecide.render.json import render_ids_json

            return render_ids_json(data)
        if fmt_name == "markdown":
            from ketadecide.render.markdown import render_ids_markdown

            return render_ids_markdown(data)
        from ketadecide.render.terminal import render_ids_text

        return render_ids_text(data, color=color, width=width)

    present(draw, fmt, output)


def register(app: typer.Typer) -> None:
    app.command(
        "ids",
        short_help="List the ids, brand names and values a profile may use.",
        epilog=examples(
            "ketadecide ids",
            "ketadecide ids medications          # ids with plain and brand names",
            "ketadecide ids insurance            # the values of one field",
            "ketadecide ids fields --format json",
        ),
    )(ids)
