"""``ketadecide consult``: the interview, then the same comparison ``compare`` prints.

Wiring only: the questions, their order and every rule live in ``ketadecide.consult``
and ``data/questions.yaml``. Questions go to standard error; standard output carries only
the comparison, so ``--format json`` can be piped while the questions are answered.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ketadecide.cli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import (
    AsOfOpt,
    AudienceOpt,
    AudienceOption,
    DataDirOpt,
    DetailOpt,
    FormatOpt,
    OutputOpt,
    as_of_date,
    output_format,
    resolve_format,
)
from ketadecide.cli.output import present, wants_decision_support, wants_handout
from ketadecide.errors import InputError, Problem
from ketadecide.tty import is_terminal

EXIT_END_OF_INPUT = EXIT_INTERNAL


def _goodbye(what: str, code: int) -> typer.Exit:
    newline = "\n" if is_terminal(sys.stderr) else ""
    print(f"{newline}ketadecide: {what}; goodbye. Nothing was written.", file=sys.stderr)
    return typer.Exit(code)


def _check_save_target(path: Path) -> None:
    """Fail before the first question, not after the last, when --save cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(Problem("is a directory, expected a file name", str(path), "--save"))
    if not folder.is_dir():
        raise InputError(Problem("the folder to write into does not exist", str(path), "--save"))


def _profile_text(record: dict[str, Any], path: Path) -> str:
    if path.suffix.lower() == ".json":
        import json

        return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    import yaml

    header = "# ketadecide profile, written by `ketadecide consult`.\n"
    return header + yaml.safe_dump(record, sort_keys=False, allow_unicode=True, default_flow_style=None)


def _say_missing(fields: list[str], audience: str) -> None:
    """One line on stderr: the safety-screen answers not given, so every status is incomplete."""
    if audience == "patient":
        line = (
            f"ketadecide: some safety questions were not answered ({', '.join(fields)}), so the comparison "
            "cannot be finished; your clinician will ask them."
        )
    else:
        line = (
            f"ketadecide: safety screen incomplete, not asked: {', '.join(fields)} "
            "(statuses are 'incomplete' until they are answered)."
        )
    print(line, file=sys.stderr)


def _plain_problems(exc: InputError, data: object, kb: Any) -> InputError:
    """The pre-fill's problems in the words ``compare`` uses: the field or id probably meant."""
    from ketadecide.knowledge.names import with_id_hints
    from ketadecide.profile import unknown_field_message

    problems = []
    for p in exc.problems:
        if p.field and p.message.startswith("unknown field") and isinstance(data, dict):
            problems.append(Problem(unknown_field_message(p.field, data.get(p.field)), p.source, p.field, p.row))
        else:
            problems.append(p)
    return with_id_hints(InputError(problems), data, kb)


@handles_errors
def consult(  # noqa: PLR0917 - Typer passes options positionally
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="FILE",
            help="Pre-fill answers from a profile file (YAML or JSON; may be "
            "partial). Only what is missing is asked. '-' (standard input) only with --no-input.",
            show_default=False,
        ),
    ] = None,
    fhir: Annotated[
        str | None,
        typer.Option(
            "--fhir",
            metavar="FILE",
            help="Pre-fill answers from a patient's FHIR R4 bundle (JSON); what was read is listed "
            "before the questions. With --profile too, the profile's fields win. Needs the 'fhir' extra.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            metavar="FILE",
            help="Write the answers as a profile (YAML, or JSON for .json), readable by you only. "
            "Nothing is written without it.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            help="Never ask: fail (exit 2) naming any required answer (age) the profile lacks. Safety-screen "
            "answers it lacks are listed on stderr and the comparison says 'incomplete' (exit 0).",
        ),
    ] = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    data_dir: DataDirOpt = None,
    audience: AudienceOption = AudienceOpt.clinician,
    detail: DetailOpt = False,
) -> None:
    """Interview (safety, history, health, insurance, practicalities), then the comparison.

    Answers are checked as they are given; type ? for help, back for the previous
    question, Enter for the default shown. Questions go to standard error and the
    comparison to standard output. Ctrl-C leaves without writing anything (exit 130).
    """
    import gc

    gc.enable()  # off for a quick start (cli.main.run); an interview runs long
    from ketadecide.compare import evaluate
    from ketadecide.consult.interview import Interview, missing_required
    from ketadecide.consult.questions import load_questions
    from ketadecide.floor import load_knowledge_base
    from ketadecide.knowledge.fields import parse_partial
    from ketadecide.profile import parse_profile
    from ketadecide.sources.profile_file import read_profile_data

    who = audience.value
    if profile == "-" and not no_input:
        raise InputError(
            Problem(
                "standard input carries the answers during a consult; use '--profile -' only with --no-input",
                field="--profile",
            )
        )
    from ketadecide.outputs import check_paths

    check_paths([profile, fhir, data_dir], {"--output": output, "--save": save}, stdout=output is None)
    output_format(fmt, output)
    if save is not None:
        _check_save_target(save)
    kb = load_knowledge_base(data_dir)
    questions = load_questions(kb)
    prefill: dict[str, Any] = {}
    source = None
    when = as_of_date(as_of, fhir)
    if fhir is not None:
        from ketadecide.cli.fhir_cmd import print_report
        from ketadecide.fhir import profile_from_bundle_file

        record, report = profile_from_bundle_file(fhir, kb, when)
        print_report(report)
        source = report.source
        prefill = parse_partial(record, source=source)
    if profile is not None:
        data, source = read_profile_data(profile)
        try:
            prefill = {**prefill, **parse_partial(data, source=source)}
        except InputError as exc:
            raise _plain_problems(exc, data, kb) from None

    asker = None
    stopped = False
    if no_input:
        missing = missing_required(questions, prefill)
        if missing:
            raise InputError([Problem(p.message, source or "consult", p.field) for p in missing])
        person = parse_profile(prefill, source=source)
    else:
        from ketadecide.cli.console import make_asker
        from ketadecide.consult.asker import run_interview

        interview = Interview(questions, kb, who, prefill)  # type: ignore[arg-type]
        asker = make_asker(who)  # type: ignore[arg-type]
        try:
            run_interview(interview, asker)
        except KeyboardInterrupt:
            raise _goodbye("consult cancelled", EXIT_INTERRUPTED) from None
        except EOFError:
            raise _goodbye("end of input before the consult was finished", EXIT_END_OF_INPUT) from None
        if interview.stopped and "age" not in interview.answers:
            print(
                "ketadecide: no comparison was made (the consult stopped before age was given); nothing was written.",
                file=sys.stderr,
            )
            return
        person = interview.profile()
        stopped = interview.stopped

    try:
        result = evaluate(
            person,
            kb,
            handout=wants_handout(fmt, output),
            decision_support=wants_decision_support(fmt, output, detail),
        )
    except InputError as exc:
        raise _plain_problems(exc.with_source(source or "consult"), prefill, kb) from None
    if result.missing:
        _say_missing([m.field for m in result.missing], who)
    shown = False
    if asker is not None and not stopped:
        # The optional steps after the comparison (values, SURE): a table on the screen is shown
        # first and the fit and SURE result follow it there; any other format (or --output) is
        # written once, at the end, and carries them (stdout keeps the JSON alone).
        from ketadecide.consult.after import after_comparison, has_steps

        if has_steps(kb):
            shown = output is None and resolve_format(fmt, output) == "table"
            if shown:
                sys.stderr.write("\n")
                present(lambda r, **kw: r.comparison(result, who, detail=detail, **kw), fmt, output)
            stream = sys.stdout if shown else sys.stderr
            try:
                person, later = after_comparison(
                    person,
                    kb,
                    who,  # type: ignore[arg-type]
                    asker,
                    lambda line: print(line, file=stream, flush=True),
                    handout=wants_handout(fmt, output),
                )
            except KeyboardInterrupt:
                raise _goodbye("consult cancelled", EXIT_INTERRUPTED) from None
            result = later or result
    if save is not None:
        from ketadecide.outputs import write_text

        write_text(save, _profile_text(person.to_record(), save))
        print(f"ketadecide: answers saved to {save} (readable by you only).", file=sys.stderr)
    if shown:
        return
    if output is None and resolve_format(fmt, output) == "table":
        sys.stderr.write("\n")  # a blank line between the last answer and the table
    present(lambda r, **kw: r.comparison(result, who, detail=detail, **kw), fmt, output, who)


def register(app: typer.Typer) -> None:
    app.command(
        "consult",
        short_help="Ask the questions, then compare the four modalities.",
        epilog=examples(
            "ketadecide consult",
            "ketadecide consult --audience patient",
            "ketadecide consult --profile visit.yaml --save answers.yaml",
            "ketadecide consult --no-input --profile visit.yaml --format json",
            "ketadecide consult --fhir patient.json -o handout.html",
        ),
    )(consult)
