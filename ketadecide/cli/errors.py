"""Turning the core's errors into CONTRACT §4 exit codes, in one place."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

from ketadecide.errors import (
    EnvironmentFailure,
    InputError,
    Problem,
    ResourceError,
    capped,
    interruption_behind,
    shown_name,
)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


class _DebugState:
    debug = False


state = _DebugState()


def debug_enabled() -> bool:
    return state.debug or os.environ.get("KETADECIDE_DEBUG", "") not in {"", "0"}


def report_input_error(exc: InputError) -> None:
    for problem in capped(exc.problems):
        print(f"ketadecide: error: {_in_language(problem)}", file=sys.stderr)


def _in_language(problem: Problem) -> str:
    """The problem's line, in Spanish when the command speaks Spanish to a patient (the
    message from the catalog where it has it; file names and field names as they are)."""
    from ketadecide.lang import error_lang, tr_error

    if error_lang() == "en" or tr_error(problem.message) == problem.message:
        # English, or a message the catalog lacks (a clinic's data error, a parser's words):
        # the whole line as it is, not half in each language
        return str(problem)
    where = [problem.source] if problem.source else []
    if problem.row is not None:
        where.append(f"fila {problem.row}" + (f" (línea {problem.line})" if problem.line is not None else ""))
    if problem.field and shown_name(problem.field) is not None:
        where.append(f"campo '{problem.field}'")
    message = tr_error(problem.message)
    return f"{', '.join(where)}: {message}" if where else message


def _exit_now_if_threads_remain(code: int) -> None:
    """End the process at once when a reader thread is still blocked in a read.

    A batch reading standard input has a daemon thread inside ``stdin.read``; a normal exit
    then finalises the interpreter while that thread holds stdin's lock, and CPython aborts
    ("could not acquire lock for <stdin> at interpreter shutdown", exit -6 instead of 143).
    The temporaries are already removed and the message printed, so nothing is lost.
    """
    import threading

    # Only our own workers (named ketadecide-*): a host process's threads (a test runner's,
    # say) are none of our business, and an embedding program must not be ended under it.
    if any(t.name.startswith("ketadecide-") and t.is_alive() for t in threading.enumerate()):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that bad input exits 2 and a bug exits 1, without a traceback.

    The traceback of an internal error is printed only with ``--debug``, and never with
    local variables, which may hold a patient's answers.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from ketadecide.lang import set_error_lang
        from ketadecide.outputs import signals_handled

        set_error_lang("en")  # a command that speaks Spanish says so itself (cli.lang.speak_errors)
        try:
            with signals_handled():
                return func(*args, **kwargs)
        except InputError as exc:
            _stop_if_interrupted(exc)
            report_input_error(exc)
            raise typer.Exit(EXIT_INPUT) from None
        except (ResourceError, EnvironmentFailure) as exc:
            _stop_if_interrupted(exc)
            print(f"ketadecide: error: {exc}", file=sys.stderr)
            _quiet_if_stdout_fails()
            raise typer.Exit(EXIT_INTERNAL) from None
        except typer.Exit:
            raise
        except KeyboardInterrupt as exc:
            _stop_interrupted(exc)
        except OSError as exc:
            _stop_if_interrupted(exc)
            # Reading inputs reports its own failures (exit 2); an OSError that gets here is
            # the environment failing us: a full disk, a closed or broken standard stream.
            from ketadecide.cli import stdio

            raise typer.Exit(stdio.report(exc)) from None
        except Exception as exc:
            _stop_if_interrupted(exc)
            if debug_enabled():
                traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
            print(
                # Only the type: the message of an unexpected error may quote patient data.
                f"ketadecide: internal error ({type(exc).__name__}). This is a bug; rerun with --debug for details.",
                file=sys.stderr,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def _quiet_if_stdout_fails() -> None:
    """After a failure already reported: what standard output still holds is flushed now, and
    if that fails too (the failure was standard output itself, a full disk say), it is
    silenced, so that Python's flush at exit does not report the same failure again."""
    from ketadecide.cli import stdio

    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        stdio.silence_stdout()


def _stop_if_interrupted(exc: BaseException) -> None:
    interruption = interruption_behind(exc)
    if interruption is not None:
        _stop_interrupted(interruption)


def _stop_interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """Temporaries removed, one line, exit 130 for Ctrl-C or 128 + the signal's number."""
    from ketadecide.lang import tr_error
    from ketadecide.outputs import Terminated, remove_live_temporaries

    remove_live_temporaries()
    print(tr_error("ketadecide: interrupted; nothing was written."), file=sys.stderr)
    code = 128 + exc.signum if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    _exit_now_if_threads_remain(code)
    raise typer.Exit(code) from None
