"""Options shared by the output commands, defined once (CONTRACT §2)."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class AudienceOpt(enum.StrEnum):
    clinician = "clinician"
    patient = "patient"


FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table (default), json, markdown or html. With --output, inferred from the "
        "file's extension (.json, .md, .html) when not given.",
        case_sensitive=False,
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (atomically, readable by you only) instead of standard output.",
        dir_okay=False,
        show_default=False,
    ),
]
DetailOpt = Annotated[
    bool,
    typer.Option(
        "--detail",
        "-d",
        help="On the terminal, the full comparison (every attribute, every finding with its "
        "sources) instead of the one-screen summary. Markdown, HTML and JSON are always full.",
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="KETADECIDE_DATA_DIR",
        metavar="DIR",
        help="A clinic's own knowledge base (a directory like the bundled data/).",
        file_okay=False,
        show_default=False,
    ),
]
AudienceOption = Annotated[
    AudienceOpt,
    typer.Option(
        "--audience",
        "-a",
        envvar="KETADECIDE_AUDIENCE",
        help="clinician: clinical detail and sources; patient: plain language.",
        case_sensitive=False,
    ),
]

_EXTENSIONS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def resolve_format(fmt: OutputFormat | None, output: Path | None) -> str:
    """The explicit format, else one implied by the output file's extension, else table."""
    if fmt is not None:
        return fmt.value
    if output is not None:
        return _EXTENSIONS.get(output.suffix.lower(), "table")
    return "table"


FhirOpt = Annotated[
    str | None,
    typer.Option(
        "--fhir",
        metavar="FILE",
        help="Read the profile from a patient's FHIR R4 bundle (JSON); what was read from the "
        "record is listed on standard error. Needs the 'fhir' extra.",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        formats=["%Y-%m-%d"],
        help="Read the health record as it stood on DATE (YYYY-MM-DD): the age, and which readings "
        "are the latest. Only with a FHIR bundle. Default: today.",
        show_default=False,
    ),
]


def as_of_date(as_of: dt.datetime | None, fhir: object) -> dt.date | None:
    """The --as-of date, refused (exit 2) when there is no --fhir bundle to read it in."""
    if as_of is None:
        return None
    if fhir is None:
        from ketadecide.errors import InputError, Problem

        raise InputError(Problem("--as-of applies only with --fhir FILE", field="--as-of"))
    return as_of.date()
