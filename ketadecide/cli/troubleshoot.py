"""``ketadecide troubleshoot``: suggestions for a course under way, from a profile, flags or a log."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.lang import LangOpt, LangOption, say_interface_fallbacks, speak_errors, with_language
from ketadecide.cli.options import AudienceOpt, AudienceOption, DataDirOpt, FormatOpt, OutputOpt, output_format
from ketadecide.cli.output import present


# The contract's values again, as Typer needs classes; tests/test_docs.py checks they match.
class ModalityChoice(enum.StrEnum):
    spravato = "spravato"
    iv = "iv"
    im = "im"
    compounded = "compounded"


class ResponseChoice(enum.StrEnum):
    none = "none"
    partial = "partial"
    fading = "fading"
    sustained = "sustained"


class DissociationChoice(enum.StrEnum):
    tolerable = "tolerable"
    too_intense = "too_intense"


@handles_errors
def troubleshoot(  # noqa: PLR0917 - Typer passes options by keyword; this is its signature
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="FILE",
            help="Profile file (YAML or JSON) whose course_* fields describe the course; - for stdin. "
            "With a profile, the four-modality comparison is included too.",
            show_default=False,
        ),
    ] = None,
    modality: Annotated[
        ModalityChoice | None,
        typer.Option(
            "--modality", help="The modality of the course under way.", case_sensitive=False, show_default=False
        ),
    ] = None,
    sessions: Annotated[
        int | None,
        typer.Option(
            "--sessions", metavar="N", min=0, max=1000, help="Sessions completed at the full dose.", show_default=False
        ),
    ] = None,
    response: Annotated[
        ResponseChoice | None,
        typer.Option(
            "--response", help="none, partial, fading or sustained.", case_sensitive=False, show_default=False
        ),
    ] = None,
    dissociation: Annotated[
        DissociationChoice | None,
        typer.Option("--dissociation", help="tolerable or too_intense.", case_sensitive=False, show_default=False),
    ] = None,
    financial_stress: Annotated[
        bool | None,
        typer.Option(
            "--financial-stress/--no-financial-stress",
            help="Whether the cost is causing real strain.",
            show_default=False,
        ),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            metavar="FILE",
            help="Session log CSV (date,modality,dose,phq9_total,dissociation,bp[,therapeutic]): the "
            "response, full-dose sessions and dissociation are derived from it.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
    lang: LangOption = LangOpt.en,
) -> None:
    """Suggestions for a ketamine course that is not going as hoped (informs; never prescribes)."""
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths
    from ketadecide.troubleshoot.log import read_session_log, summarize_log
    from ketadecide.troubleshoot.report import build_report

    speak_errors(lang, audience.value)
    check_paths([profile, log, data_dir], {"--output": output}, stdout=output is None)
    shown_as = output_format(fmt, output)
    kb, who = with_language(load_knowledge_base(data_dir), lang, audience.value, shown_as)
    person = None
    if profile is not None:
        from ketadecide.engine import check_profile_ids
        from ketadecide.errors import InputError
        from ketadecide.knowledge.names import with_id_hints
        from ketadecide.profile import parse_profile
        from ketadecide.sources.profile_file import read_profile_data

        data, where = read_profile_data(profile)
        try:
            person = parse_profile(data, source=where)
            check_profile_ids(person, kb)
        except InputError as exc:
            raise with_id_hints(exc.with_source(where), data, kb) from None
    summary = summarize_log(read_session_log(log), kb) if log is not None else None
    report = build_report(
        kb,
        profile=person,
        course={
            "course_modality": modality.value if modality else None,
            "course_sessions": sessions,
            "course_response": response.value if response else None,
            "course_dissociation": dissociation.value if dissociation else None,
            "financial_stress": financial_stress,
        },
        log=summary,
    )
    present(lambda r, **kw: r.course_report(report, who, **kw), fmt, output, who)
    say_interface_fallbacks()


def register(app: typer.Typer) -> None:
    app.command(
        "troubleshoot",
        short_help="Suggestions for a course that is not going as hoped.",
        epilog=examples(
            "ketadecide troubleshoot --modality iv --sessions 6 --response none",
            "ketadecide troubleshoot --profile visit.yaml",
            "ketadecide troubleshoot --log examples/session-log.csv --audience patient -o handout.html",
        ),
    )(troubleshoot)
