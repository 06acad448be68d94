"""``ketadecide consult``: the interview, then the same comparison ``compare`` prints.

Wiring only: the questions, their order and every rule live in ``ketadecide.consult``
and ``data/questions.yaml``. Questions go to standard error; standard output carries only
the comparison, so ``--format json`` can be piped while the questions are answered.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ketadecide.cli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.lang import LangOpt, LangOption, say_interface_fallbacks, speak_errors, with_language
from ketadecide.cli.options import (
    NOT_NOTE,
    AsOfOpt,
    AudienceOpt,
    AudienceOption,
    DataDirOpt,
    DetailOpt,
    FormatOpt,
    LargePrintOpt,
    OutputFormat,
    OutputOpt,
    as_of_date,
    check_large_print,
    output_format,
    resolve_format,
)
from ketadecide.cli.output import (
    in_large_print,
    present,
    screen_rows,
    table_width,
    wants_decision_support,
    wants_handout,
)
from ketadecide.errors import InputError, Problem
from ketadecide.lang import tr, trf
from ketadecide.tty import is_terminal

if TYPE_CHECKING:
    from datetime import datetime

EXIT_END_OF_INPUT = EXIT_INTERNAL


def _goodbye(what: str, code: int) -> typer.Exit:
    newline = "\n" if is_terminal(sys.stderr) else ""
    from ketadecide.lang import tr, trf

    print(newline + trf("ketadecide: {what}; goodbye. Nothing was written.", what=tr(what)), file=sys.stderr)
    return typer.Exit(code)


def _check_save_target(path: Path) -> None:
    """Fail before the first question, not after the last, when --save cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(Problem("is a directory, expected a file name", str(path), "--save"))
    if not folder.is_dir():
        raise InputError(Problem("the folder to write into does not exist", str(path), "--save"))


def _keep_typed(save: Path, audience: str) -> bool:
    """After Ctrl-C with --save: ask (on standard error) whether to keep what was typed.
    Anything but yes, another Ctrl-C or the end of input keeps nothing."""
    question = {
        "clinician": f"\nConsult cancelled. Save the answers typed so far to {save}? [y/N] ",
        "patient": "\n" + trf("You stopped the questions. Keep what you typed in {save}? (yes or no) ", save=save),
    }[audience]
    try:
        print(question, end="", file=sys.stderr, flush=True)
        reply = sys.stdin.readline()
    except (KeyboardInterrupt, OSError, ValueError):
        return False
    return reply.strip().casefold() in {"y", "yes", "s", "sí", "si"}


def _as_typed(record: dict[str, Any]) -> dict[str, Any]:
    """Numbers as the person typed them: ``400``, not ``400.0`` (a whole-number budget is
    parsed as a float, and YAML would write the float)."""
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in record.items()}


def _profile_text(record: dict[str, Any], path: Path) -> str:
    record = _as_typed(record)
    if path.suffix.lower() == ".json":
        import json

        return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    import yaml

    header = "# ketadecide profile, written by `ketadecide consult`.\n"
    # One field a line, lists inline (`diagnoses: [mdd]`): a record of scalars only would
    # otherwise be dumped as one flow mapping (`{suicidality: none}`).
    lines = [
        yaml.safe_dump(
            {k: v}, sort_keys=False, allow_unicode=True, default_flow_style=None if isinstance(v, list) else False
        )
        for k, v in record.items()
    ]
    return header + "".join(lines)


def _print_glance(result: Any, audience: str) -> None:
    from ketadecide.cli.output import table_width, use_color
    from ketadecide.render.terminal import render_glance

    text = render_glance(result, audience, color=use_color(None), width=table_width(None))  # type: ignore[arg-type]
    sys.stdout.write(text)
    sys.stdout.flush()


def _say_missing(fields: list[str], audience: str) -> None:
    """One line on stderr: the safety-screen answers not given, so every status is incomplete."""
    if audience == "patient":
        line = trf(
            "ketadecide: some safety questions were not answered ({fields}), so the comparison "
            "cannot be finished; your clinician will ask them.",
            fields=", ".join(fields),
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


def _show(line: str, stream: Any, width: int) -> None:
    """One line of the optional steps, wrapped at words to the width, its indent kept (a
    "+ " or "- " item hangs under its text)."""
    from ketadecide.render.tidy import wrap_words

    body = line.lstrip()
    if not body:
        print(line, file=stream, flush=True)
        return
    indent = line[: len(line) - len(body)]
    hang = indent + ("  " if body[:2] in ("+ ", "- ") else "")
    for part in wrap_words(body, width, indent, hang):
        print(part, file=stream, flush=True)


def _optional_steps(  # noqa: PLR0917 - the consult state, passed on once
    person: Any,
    result: Any,
    kb: Any,
    who: str,
    asker: Any,
    fmt: OutputFormat | None,
    output: Path | None,
    detail: bool,
    record: Any = None,
) -> tuple[Any, Any, bool]:
    """The optional steps after the comparison (values, SURE): a table on the screen is shown
    first and the fit and SURE result follow it there; any other format (or --output) is
    written once, at the end, and carries them (stdout keeps the JSON alone). Returns the
    profile, the result and whether the table was already shown."""
    from ketadecide.consult.after import after_comparison, has_steps

    if not has_steps(kb):
        return person, result, False
    shown = output is None and resolve_format(fmt, output) == "table"
    # With -o the options are still shown on the screen before values are rated.
    on_screen = shown or (output is not None and is_terminal(sys.stdout))
    if on_screen:
        sys.stderr.write("\n")
        first = result
        present(lambda r, **kw: r.comparison(first, who, detail=detail, **kw), OutputFormat.table, None)
    stream = sys.stdout if on_screen else sys.stderr
    try:
        person, later = after_comparison(
            person,
            kb,
            who,  # type: ignore[arg-type]
            asker,
            lambda line: _show(line, stream, table_width(output if not on_screen else None)),
            handout=wants_handout(fmt, output),
            notes=record,
            pointer_shown=on_screen,  # the table just shown says where else to turn
        )
    except KeyboardInterrupt:
        raise _goodbye("consult cancelled", EXIT_INTERRUPTED) from None
    result = later or result
    if on_screen and is_terminal(sys.stdout):
        # The answer again after the last prompt (at most 12 lines): the table has scrolled
        # away behind the questions.
        _print_glance(result, who)
    return person, result, shown


def _offer_end(  # noqa: PLR0917 - the consult's state, passed on once
    asker: Any,
    who: str,
    detailed: Any,
    save_answers: Any,
    save: Path | None,
    for_note: Any = None,
    large_print: bool = False,
) -> None:
    """The one-key offers at the end (detail, handout, save, chart note): after questions
    asked in a terminal only. ``for_note()`` evaluates for the chart note when it must differ
    from ``detailed()`` (in Spanish: the note is the clinician's, on the English data)."""
    if asker is not None and is_terminal(sys.stdin) and is_terminal(sys.stderr):
        from ketadecide.cli.consult_end import offer_end

        offer_end(who, detailed, save_answers, save, for_note, large_print=large_print)


def _show_result(  # noqa: PLR0917 - the consult's state, passed on once
    result: Any, shown_to: str, detail: bool, fmt: FormatOpt, output: Path | None, large_print: bool = False
) -> None:
    """The comparison, in the chosen format, for whom it is written (an HTML handout in
    large print with --large-print)."""
    if output is None and resolve_format(fmt, output) == "table":
        sys.stderr.write("\n")  # a blank line between the last answer and the table
    present(
        in_large_print(
            lambda r, **kw: r.comparison(result, shown_to, detail=detail, screen=screen_rows(output), **kw),
            large_print,
        ),
        fmt,
        output,
        shown_to,
    )
    say_interface_fallbacks()


def _english_note(person: Any, english_kb: Any, notes: Any, fmt: FormatOpt, output: Path | None) -> None:
    """The chart note after a Spanish interview: the clinician's, from the English data, in
    English (as ``compare --lang es -f note``; stderr says so in the patient's language)."""
    from ketadecide.compare import evaluate
    from ketadecide.lang import use

    note = "ketadecide: --lang es: the chart note is written for the clinician and stays in English."
    print(tr(note), file=sys.stderr)
    with use("en"):
        english = evaluate(
            person,
            english_kb,
            handout=wants_handout(fmt, output),
            decision_support=wants_decision_support(fmt, output, False),
            record=notes,
        )
        present(lambda r, **kw: r.comparison(english, "clinician", **kw), fmt, output, "clinician")


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
    lang: LangOption = LangOpt.en,
    large_print: LargePrintOpt = False,
) -> None:
    """Interview (safety, history, health, insurance, practicalities), then the comparison.

    Answers are checked as they are given; type ? for help, back for the previous
    question, Enter for the default shown. Questions go to standard error and the
    comparison to standard output. Ctrl-C leaves without writing anything (exit 130).
    """
    import gc

    gc.enable()  # off for a quick start (cli.main.run); an interview runs long
    who = audience.value
    # With the table on the screen after questions, large print is for the handout the end
    # menu writes (h); a table to a file or after --no-input has no such menu.
    menu = output is None and not no_input
    check_large_print(large_print, resolve_format(fmt, output), also=("table",) if menu else ())
    start = _prefill(profile, fhir, as_of, save, no_input, fmt, output, data_dir, who, lang)
    start.large_print = large_print
    asked = _interview(start, who, no_input, save)
    if asked is None:
        return  # stopped after the crisis message: nothing to compare
    person, asker, stopped = asked
    result = _evaluate(start, person, who, fmt, output, detail)
    _after_steps(start, person, result, who, asker, stopped, fmt, output, detail, save)


@dataclass
class _Start:
    """What the consult knows before its first question: the data (the interview's language,
    and the English beneath it for the chart note), the questions, the pre-filled answers
    and where they came from, and the record's notes (stale values, conflicts)."""

    kb: Any
    english_kb: Any
    shown_to: str
    shown_as: str
    questions: Any
    prefill: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    notes: Any = None
    large_print: bool = False


def _prefill(  # noqa: PLR0917 - the command's options, passed on once
    profile: str | None,
    fhir: str | None,
    as_of: datetime | None,
    save: Path | None,
    no_input: bool,
    fmt: OutputFormat | None,
    output: Path | None,
    data_dir: Path | None,
    who: str,
    lang: LangOpt,
) -> _Start:
    """Step 1: check the paths, load the data and the questions, and read the pre-fill (a
    FHIR bundle, then a profile whose fields win)."""
    from ketadecide.consult.questions import load_questions
    from ketadecide.floor import load_knowledge_base
    from ketadecide.knowledge.fields import parse_partial
    from ketadecide.sources.profile_file import read_profile_data

    speak_errors(lang, who)
    if profile == "-" and not no_input:
        raise InputError(
            Problem(
                "standard input carries the answers during a consult; use '--profile -' only with --no-input",
                field="--profile",
            )
        )
    from ketadecide.outputs import check_paths

    check_paths([profile, fhir, data_dir], {"--output": output, "--save": save}, stdout=output is None)
    shown_as = output_format(fmt, output, (*NOT_NOTE, "note"))
    if save is not None:
        _check_save_target(save)
    # Spanish for the patient: the interview too when the patient answers; a clinician's
    # interview stays English and only the handout is Spanish.
    english_kb = load_knowledge_base(data_dir)
    # The interview in the patient's language even when the output is the (English) chart note.
    kb, shown_to = with_language(english_kb, lang, who, "table" if shown_as == "note" else shown_as)
    start = _Start(kb, english_kb, shown_to, shown_as, load_questions(kb))
    when = as_of_date(as_of, fhir)
    if fhir is not None:
        from ketadecide.cli.fhir_cmd import print_report
        from ketadecide.fhir import profile_from_bundle_file, refuse_deceased

        record, report = profile_from_bundle_file(fhir, kb, when)
        print_report(report)
        refuse_deceased(report)
        # Stale values and record conflicts go with every evaluation, as in compare --fhir.
        start.notes = report.notes()
        start.source = report.source
        start.prefill = parse_partial(record, source=start.source)
    if profile is not None:
        data, start.source = read_profile_data(profile)
        try:
            start.prefill = {**start.prefill, **parse_partial(data, source=start.source)}
        except InputError as exc:
            raise _plain_problems(exc, data, kb) from None
    return start


def _interview(start: _Start, who: str, no_input: bool, save: Path | None) -> tuple[Any, Any, bool] | None:
    """Step 2: the questions (or, with --no-input, the pre-fill alone). Returns the profile,
    the asker (None when nothing was asked) and whether the person stopped after the crisis
    message; None when they stopped before there was anything to compare."""
    from ketadecide.consult.interview import Interview, missing_required
    from ketadecide.profile import parse_profile

    prefill, source, kb = start.prefill, start.source, start.kb
    if no_input:
        missing = missing_required(start.questions, prefill)
        if missing:
            raise InputError([Problem(p.message, source or "consult", p.field) for p in missing])
        return parse_profile(prefill, source=source), None, False
    from ketadecide.cli.console import make_asker
    from ketadecide.consult.asker import run_interview

    interview = Interview(start.questions, kb, who, prefill)  # type: ignore[arg-type]
    if kb.synthetic:
        from ketadecide.render.synthetic import SYNTHETIC_LINE

        # Before the first question: whoever answers knows this is not for patient care.
        print(tr(SYNTHETIC_LINE), file=sys.stderr)
    asker = make_asker(who)  # type: ignore[arg-type]
    try:
        run_interview(interview, asker)
    except KeyboardInterrupt:
        if save is not None and interview.answers != prefill and _keep_typed(save, who):
            from ketadecide.outputs import write_text

            write_text(save, _profile_text(interview.answers, save))
            kept = "ketadecide: consult cancelled; what was typed is in {save} (readable by you only)."
            print(trf(kept, save=save), file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        raise _goodbye("consult cancelled", EXIT_INTERRUPTED) from None
    except EOFError:
        raise _goodbye("end of input before the consult was finished", EXIT_END_OF_INPUT) from None
    if interview.stopped and "age" not in interview.answers:
        # After the crisis message: a plain line, no error marker or field names.
        said = {
            "clinician": "No comparison was made and nothing was saved.",
            "patient": "Nothing you typed was saved.",
        }
        print(tr(said[who]) if who == "patient" else said[who], file=sys.stderr)
        return None
    return interview.profile(), asker, interview.stopped


def _evaluate(  # noqa: PLR0917 - the consult's state, passed on once
    start: _Start, person: Any, who: str, fmt: OutputFormat | None, output: Path | None, detail: bool
) -> Any:
    """Step 3: the comparison of the answers (the safety-screen answers not given said on
    standard error)."""
    from ketadecide.compare import evaluate

    try:
        result = evaluate(
            person,
            start.kb,
            handout=wants_handout(fmt, output),
            decision_support=wants_decision_support(fmt, output, detail),
            record=start.notes,
        )
    except InputError as exc:
        raise _plain_problems(exc.with_source(start.source or "consult"), start.prefill, start.kb) from None
    if result.missing:
        _say_missing([m.field for m in result.missing], who)
    return result


def _after_steps(  # noqa: PLR0917 - the consult's state, passed on once
    start: _Start,
    person: Any,
    result: Any,
    who: str,
    asker: Any,
    stopped: bool,
    fmt: OutputFormat | None,
    output: Path | None,
    detail: bool,
    save: Path | None,
) -> None:
    """Step 4: the optional steps (values, SURE, plan), --save, then the comparison shown
    (or the end offers, when the table is on the screen already)."""
    from ketadecide.compare import evaluate

    kb, english_kb, notes = start.kb, start.english_kb, start.notes
    shown = False
    # After a crisis answer the optional steps (values, SURE) are not offered: safety first.
    if asker is not None and not stopped and not result.crisis.triggered:
        person, result, shown = _optional_steps(person, result, kb, who, asker, fmt, output, detail, notes)

    def save_answers(path: Path) -> None:
        from ketadecide.outputs import write_text

        write_text(path, _profile_text(person.to_record(), path))
        print(trf("ketadecide: answers saved to {save} (readable by you only).", save=path), file=sys.stderr)

    if save is not None:
        save_answers(save)
    if shown:
        _offer_end(
            asker,
            who,
            lambda: evaluate(person, kb, handout=True, decision_support=True, record=notes),
            save_answers,
            save,
            (lambda: evaluate(person, english_kb, handout=True, decision_support=True, record=notes))
            if english_kb is not kb
            else None,
            start.large_print,
        )
        return
    if start.shown_as == "note" and kb is not english_kb:
        _english_note(person, english_kb, notes, fmt, output)
        return
    _show_result(result, start.shown_to, detail, fmt, output, start.large_print)


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
