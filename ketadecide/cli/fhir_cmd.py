"""``ketadecide fhir``: read a patient's FHIR R4 bundle into a profile."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import AsOfOpt, DataDirOpt, as_of_date
from ketadecide.cli.output import emit

if TYPE_CHECKING:
    from ketadecide.fhir.report import MappingReport

app = typer.Typer(
    help="Read a patient's health record (a FHIR R4 bundle) into a ketadecide profile.",
    short_help="Read a health record (FHIR R4 bundle) into a profile.",
    no_args_is_help=True,
    add_completion=False,
)

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the import report on standard error.")]


def print_report(report: MappingReport) -> None:
    """The import report, on stderr (stdout carries the profile or the result)."""
    for line in report.lines():
        print(line, file=sys.stderr)


@app.command(
    "to-profile",
    short_help="Read a FHIR R4 bundle into a profile (YAML).",
    epilog=examples(
        "ketadecide fhir to-profile patient.json",
        "ketadecide fhir to-profile patient.json -o profile.yaml --as-of 2026-11-23",
        "ketadecide compare --fhir patient.json",
    ),
)
@handles_errors
def to_profile_cmd(
    bundle: Annotated[
        str,
        typer.Argument(metavar="BUNDLE", help="A FHIR R4 Bundle (JSON), or - for standard input."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the profile to FILE (atomically, readable by you only).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    data_dir: DataDirOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Print the profile read from BUNDLE as YAML; the report goes to stderr.

    Every code in the record is accounted for in the report: read into the profile,
    informational, not counted (and why), in conflict (and the rule used), or unknown.
    """
    from ketadecide.fhir import profile_from_bundle_file, to_profile
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths

    check_paths([bundle, data_dir], {"--output": output}, stdout=output is None)
    if output is not None and output.suffix.lower() not in ("", ".yaml", ".yml", ".txt"):
        from ketadecide.errors import InputError, Problem

        raise InputError(
            Problem(
                f"cannot write a {output.suffix} file; the profile is YAML: name it .yaml "
                "(a JSON result comes from `ketadecide compare --fhir FILE --format json`)",
                str(output),
                "--output",
            )
        )
    kb = load_knowledge_base(data_dir)
    data, report = profile_from_bundle_file(bundle, kb, as_of_date(as_of, bundle))
    if not quiet:
        print_report(report)
    profile = to_profile(data, report.source)
    # Only the fields read from the record: defaults (e.g. suicidality: unknown) stay implicit.
    record = {k: v for k, v in profile.to_record().items() if k in data}
    emit(profile_yaml(record, report.source, report.as_of), output)
    if output is not None:
        from ketadecide.cli.output import said_written

        said_written(output, "YAML profile; check it with the person")


def profile_yaml(record: dict[str, Any], source: str, as_of: dt.date) -> str:
    import yaml

    header = (
        f"# ketadecide profile read from {source} (FHIR R4), as of {as_of.isoformat()}.\n"
        "# Check it with the person: suicidality, antidepressant trials and preferences are not\n"
        "# in a health record.\n"
    )
    body = yaml.safe_dump(record, sort_keys=False, default_flow_style=None, allow_unicode=True)
    return header + body


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="fhir")
