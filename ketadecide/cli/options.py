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
    note = "note"


class AudienceOpt(enum.StrEnum):
    clinician = "clinician"
    patient = "patient"


FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table (default), json, markdown, html, or note (compare and consult: a 5-8 line "
        "plain-text chart note). With --output, inferred from the file's extension (.json, .md, "
        ".html) when not given.",
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
#: Files the table may go to (plain text); any other extension is refused unless --format says.
_TEXT_EXTENSIONS = ("", ".txt", ".text", ".out", ".log")
_WORD_PROCESSOR = "write .html (or .md) and open that in a word processor"
#: Extensions people try that no command writes, and what to do instead.
CANNOT_WRITE = {
    ".pdf": "write .html and print it to PDF from a browser",
    ".docx": _WORD_PROCESSOR,
    ".doc": _WORD_PROCESSOR,
    ".odt": _WORD_PROCESSOR,
    ".rtf": _WORD_PROCESSOR,
    ".png": "write .html and print or save it from a browser",
    ".jpg": "write .html and print or save it from a browser",
    ".yaml": "a profile as YAML comes from `ketadecide fhir to-profile` or `consult --save FILE.yaml`; "
    "results are .json, .md, .html or a text table (.txt)",
    ".yml": "a profile as YAML comes from `ketadecide fhir to-profile` or `consult --save FILE.yaml`; "
    "results are .json, .md, .html or a text table (.txt)",
    ".csv": "for one row per profile use `ketadecide batch`",
    ".xlsx": "for one row per profile use `ketadecide batch` (CSV or Parquet)",
    ".parquet": "for one row per profile use `ketadecide batch`",
    ".jsonl": "for one row per profile use `ketadecide batch`",
}
FORMAT_NAMES = {"table": "text table", "json": "JSON", "markdown": "Markdown", "html": "HTML", "note": "chart note"}
#: Every format but the chart note, which only a comparison (compare, consult) writes.
NOT_NOTE = ("table", "json", "markdown", "html")


def resolve_format(fmt: OutputFormat | None, output: Path | None) -> str:
    """The explicit format, else one implied by the output file's extension, else table."""
    if fmt is not None:
        return fmt.value
    if output is not None:
        return _EXTENSIONS.get(output.suffix.lower(), "table")
    return "table"


def output_format(fmt: OutputFormat | None, output: Path | None, allowed: tuple[str, ...] = NOT_NOTE) -> str:
    """The format to write, checked before anything is read: an output file whose extension
    we cannot write (``.pdf``, ``.docx``, ``.yaml``...) is an input error with what to do."""
    from ketadecide.errors import InputError, Problem

    name = resolve_format(fmt, output)
    if output is not None:
        suffix = output.suffix.lower()
        if suffix in CANNOT_WRITE:
            raise InputError(Problem(f"cannot write a {suffix} file; {CANNOT_WRITE[suffix]}", str(output), "--output"))
        if fmt is None and suffix not in _EXTENSIONS and suffix not in _TEXT_EXTENSIONS:
            raise InputError(
                Problem(
                    f"cannot tell the format from {suffix!r}; name the file .json, .md, .html or .txt, "
                    "or give --format",
                    str(output),
                    "--output",
                )
            )
    if name not in allowed:
        raise InputError(Problem(f"this command writes {', '.join(allowed)}, not {name}", field="--format"))
    return name


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


LargePrintOpt = Annotated[
    bool,
    typer.Option(
        "--large-print",
        help="The HTML handout (-o FILE.html or --format html; in a consult, also the one its end "
        "menu's h writes) in large print for readers with low vision: 18 pt text and up, one "
        "column, tables stacked (ACB large-print guidelines). Longer than the standard handout: "
        "no page limit.",
    ),
]


def check_large_print(large_print: bool, shown_as: str, *, also: tuple[str, ...] = ()) -> None:
    """``--large-print`` is a form of the HTML handout: refused (exit 2) with any other output
    format, before anything is read (``also``: formats a command accepts it with, such as the
    consult's table, whose end menu writes the handout)."""
    if large_print and shown_as not in ("html", *also):
        from ketadecide.errors import InputError, Problem

        text = "large print is a form of the HTML handout: write a .html file or add --format html"
        raise InputError(Problem(text, field="--large-print"))
