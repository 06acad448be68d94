"""``ketadecide compare``: one profile in, one comparison out."""

from __future__ import annotations

from typing import Annotated

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.lang import LangOpt, LangOption, say_interface_fallbacks, speak_errors, with_language
from ketadecide.cli.options import (
    NOT_NOTE,
    AsOfOpt,
    AudienceOpt,
    AudienceOption,
    DataDirOpt,
    DetailOpt,
    FhirOpt,
    FormatOpt,
    LargePrintOpt,
    OutputOpt,
    as_of_date,
    check_large_print,
    output_format,
)
from ketadecide.cli.output import in_large_print, present, screen_rows, wants_decision_support, wants_handout
from ketadecide.errors import InputError, Problem


@handles_errors
def compare(  # noqa: PLR0917 (Typer passes options by keyword)
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="FILE",
            help="Profile file (YAML or JSON; fields as in the README's 'The profile'), or - to read "
            "it from standard input.",
            show_default=False,
        ),
    ] = None,
    fhir: FhirOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
    detail: DetailOpt = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="With --format json: one line of a few hundred bytes per profile (statuses, "
            "indications, finding ids, coverage, costs), not the full result.",
        ),
    ] = False,
    lang: LangOption = LangOpt.en,
    large_print: LargePrintOpt = False,
) -> None:
    """Compare the four ketamine modalities for one profile, non-interactively.

    The profile comes from --profile FILE, or from a patient's health record with
    --fhir BUNDLE (exactly one of the two).
    """
    from ketadecide.compare import evaluate
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths
    from ketadecide.profile import parse_profile
    from ketadecide.sources.profile_file import read_profile_data

    speak_errors(lang, audience.value)
    data: object

    if (profile is None) == (fhir is None):
        raise InputError(Problem("give exactly one of --profile FILE or --fhir BUNDLE"))
    check_paths([profile, fhir, data_dir], {"--output": output}, stdout=output is None)
    shown_as = output_format(fmt, output, (*NOT_NOTE, "note"))
    if compact and shown_as != "json":
        raise InputError(Problem("--compact is a JSON form: add --format json", field="--compact"))
    check_large_print(large_print, shown_as)
    when = as_of_date(as_of, fhir)
    kb, who = with_language(load_knowledge_base(data_dir), lang, audience.value, shown_as)
    if fhir is not None:
        from ketadecide.cli.fhir_cmd import print_report
        from ketadecide.fhir import profile_from_bundle_file, refuse_deceased, to_profile

        record, report = profile_from_bundle_file(fhir, kb, when)
        print_report(report)
        refuse_deceased(report)
        notes = report.notes()
        data = record
        person = to_profile(record, report.source)
        where = report.source
    else:
        assert profile is not None
        data, where = read_profile_data(profile)
        notes = None
    try:
        if fhir is None:
            person = parse_profile(data, source=where)
        result = evaluate(
            person,
            kb,
            handout=wants_handout(fmt, output),
            decision_support=wants_decision_support(fmt, output, detail),
            record=notes,
        )
    except InputError as exc:
        from ketadecide.knowledge.names import with_id_hints

        raise with_id_hints(exc.with_source(where), data, kb) from None
    if compact:
        from ketadecide.cli.output import emit
        from ketadecide.render.json import render_json

        emit(render_json(result, compact=True), output)
        return

    present(
        in_large_print(
            lambda r, **kw: r.comparison(result, who, detail=detail, screen=screen_rows(output), **kw), large_print
        ),
        fmt,
        output,
        who,
    )
    say_interface_fallbacks()


def register(app: typer.Typer) -> None:
    app.command(
        "compare",
        short_help="Compare the four ketamine modalities for one profile.",
        epilog=examples(
            "ketadecide compare --profile examples/trd-commercial.yaml",
            "ketadecide compare --profile examples/crisis.yaml --audience patient",
            "ketadecide compare --profile examples/minimal.json --format json > result.json",
            "ketadecide compare --profile visit.yaml -o handout.html --audience patient",
            "ketadecide compare --fhir patient.json --as-of 2026-11-23",
            "ketadecide compare --profile visit.yaml --audience patient --lang es -o folleto.html",
            "(field names and values: ketadecide ids)",
        ),
    )(compare)
