"""The ``ketadecide`` command: a Typer app whose commands each live in their own module."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ketadecide._version import __version__
from ketadecide.cli.errors import EXIT_INPUT, state
from ketadecide.cli.help import conventional_metavars

conventional_metavars()

#: ``-h`` as well as ``--help``, everywhere (inherited by every subcommand's context).
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class Group(TyperGroup):
    """The top-level command: usage errors are one line in our words (see cli/usage.py)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from typer import _click as click
        from typer.exceptions import Abort

        standalone_mode = kwargs.get("standalone_mode", True)
        kwargs["standalone_mode"] = False  # errors come back here, to be said in one line
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()  # no arguments: the help itself, as before
            sys.exit(exc.exit_code)
        except click.exceptions.UsageError as exc:
            if not standalone_mode:
                raise
            from ketadecide.cli.usage import usage_line

            print(f"ketadecide: error: {usage_line(exc)}", file=sys.stderr)
            sys.exit(EXIT_INPUT)
        except click.exceptions.ClickException as exc:
            if not standalone_mode:
                raise
            print(f"ketadecide: error: {exc.format_message()}", file=sys.stderr)
            sys.exit(exc.exit_code)
        except Abort:
            if not standalone_mode:
                raise
            print("ketadecide: aborted; nothing was written.", file=sys.stderr)
            sys.exit(1)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


#: The commands in the order help lists them, each with the module that registers it.
COMMANDS: dict[str, str] = {
    "compare": "compare",
    "consult": "consult",
    "batch": "batch",
    "modalities": "modalities",
    "troubleshoot": "troubleshoot",
    "ids": "ids",
    "data": "data_cmd",
    "fhir": "fhir_cmd",
    "serve": "serve",
}


def build_app(only: str | None = None) -> typer.Typer:
    """The ``ketadecide`` app with every command, or with ``only`` that one (what the
    console script builds when the command is named: Typer builds every registered
    command's parameters on each start, and a comparison need not pay for the other seven).
    Both give the same help, errors and results for that command (tested)."""
    built = typer.Typer(
        cls=Group,
        context_settings=CONTEXT_SETTINGS,
        name="ketadecide",
        help=(
            "Compare ketamine treatment options for depression: Spravato (esketamine nasal "
            "spray), IV, IM and compounded oral/sublingual ketamine.\n\n"
            "It informs; it does not prescribe. If you are in danger now, call or text 988 "
            "(US) or go to the nearest emergency room."
        ),
        no_args_is_help=True,
        add_completion=False,
        # Tracebacks could show local variables holding a patient's answers.
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
    )
    built.callback()(main)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            register = importlib.import_module(f"ketadecide.cli.{module}").register
            register(built)
    return built


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ketadecide {__version__}")
        raise typer.Exit(0)


def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
) -> None:
    """Decision support for ketamine treatment modalities (informs; never prescribes)."""
    state.debug = debug
    from ketadecide.lang import set_lang

    set_lang("en")  # the patient's language is set by the command's own --lang


def named_command(args: list[str]) -> str | None:
    """The command ``args`` run, when it is one of ours and named before anything else but
    the global ``--debug``; else ``None`` (then the whole app is built)."""
    for arg in args:
        if arg == "--debug":
            continue
        return arg if arg in COMMANDS else None
    return None


def hoist_debug(args: list[str]) -> list[str]:
    """``args`` with every ``--debug`` (before a ``--``) moved to the front: it is a global
    option, and the error messages say "rerun with --debug", which users add at the end."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a == "--debug"]
    return [*flags, *(a for a in args[:end] if a != "--debug"), *args[end:]]


def __getattr__(name: str) -> Any:
    # ``app`` (every command) is built on first use: the console script builds its own.
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def run() -> None:
    """Console-script entry point: the app, with the standard streams made safe and their
    failures (``>/dev/full``, a closed stdout) reported as one line, exit 1."""
    import gc

    from ketadecide.cli import stdio

    # A one-shot command creates many long-lived objects (classes, the knowledge base) and
    # little garbage, so the cycle collector would only re-scan them: about 10 ms of a
    # comparison. Commands that run long (batch, consult) switch it back on.
    gc.disable()
    stdio.prepare()
    sys.argv[1:] = hoist_debug(sys.argv[1:])
    try:
        build_app(named_command(sys.argv[1:]))()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except OSError as exc:  # a standard stream failed outside a command (--help, --version)
        code = stdio.report(exc)
    sys.exit(stdio.finish(code))
