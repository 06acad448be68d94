"""Standard streams that fail as the environment, not as a bug (CONTRACT §4).

* A closed standard input or output (``>&-``) becomes a stream whose use raises
  ``OSError(EBADF)``, reported as one line, exit 1, instead of Python's ``None``.
* Text that the output encoding cannot carry (``PYTHONIOENCODING=ascii``, a C locale) is
  written with ASCII stand-ins (``-`` for a dash, ``'`` for a curly quote, ``?`` for the
  rest), so the crisis message with 988 and the emergency advice is never lost to an
  encoding error.
* :func:`finish` flushes standard output itself, so a full disk or a broken pipe at exit
  is one clear line (or, for a pipe, nothing), not "Exception ignored".
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
import unicodedata
from typing import Any

ERRORS_HANDLER = "ketadecide-ascii"
STDIN = "standard input"
STDOUT = "standard output"
_STAND_INS = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501", "-"),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u2033", '"'),
    **dict.fromkeys("\u00a0\u2009\u202f", " "),
    **dict.fromkeys("\u2502\u2503\u2551", "|"),
    "\u2026": "...",
    "\u2022": "*",
    "\u00b7": "*",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u00d7": "x",
    "\u00a7": "S",
    "\u2248": "~",
    "\u2550": "=",
}


def _ascii_stand_in(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        if ch in _STAND_INS:
            out.append(_STAND_INS[ch])
        elif "\u2500" <= ch <= "\u257f":  # box drawing: a table border
            out.append("+")
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(plain or "?")
    return "".join(out), exc.end


codecs.register_error(ERRORS_HANDLER, _ascii_stand_in)


class _Closed(io.RawIOBase):
    """A standard stream that was closed when the process started: every use fails with
    ``EBADF``, naming the stream."""

    def __init__(self, name: str, *, reading: bool) -> None:
        super().__init__()
        self._name = name
        self._reading = reading

    def readable(self) -> bool:
        return self._reading

    def writable(self) -> bool:
        return not self._reading

    def isatty(self) -> bool:
        return False

    def _fail(self) -> OSError:
        return OSError(errno.EBADF, os.strerror(errno.EBADF), self._name)

    def fileno(self) -> int:
        raise self._fail()

    def readinto(self, buffer: Any) -> int:
        raise self._fail()

    def write(self, data: Any) -> int:
        raise self._fail()


def prepare() -> None:
    """Make the standard streams safe to use before a command runs."""
    if sys.stdin is None:
        raw = _Closed(STDIN, reading=True)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8")
    if sys.stdout is None:
        raw = _Closed(STDOUT, reading=False)
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors=ERRORS_HANDLER)
    if sys.stderr is None:
        # Started with stderr closed: Python then prints ``print(..., file=None)`` to stdout,
        # and the next file opened would get descriptor 2, where Java, DuckDB or a late
        # message write. Descriptor 2 becomes /dev/null, so nothing of ours lands in the
        # results on stdout (or in a file we write).
        with contextlib.suppress(OSError):
            fd = os.open(os.devnull, os.O_WRONLY)
            if fd != 2:
                os.dup2(fd, 2)
                os.close(fd)
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors=ERRORS_HANDLER)


def say(line: str) -> None:
    """One line on standard error, if it can be written at all."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(line, file=sys.stderr, flush=True)


def report(exc: OSError, where: str | None = None) -> int:
    """Report a failed standard stream (or another environment failure at ``where``); returns
    the exit code (1). A broken pipe is quiet: the reader went away (``| head``)."""
    where = where or (str(exc.filename) if exc.filename is not None else STDOUT)
    if not isinstance(exc, BrokenPipeError):
        verb = "cannot read" if where == STDIN else "cannot write"
        say(f"ketadecide: error: {where}: {verb}: {exc.strerror or type(exc).__name__}")
    silence_stdout()
    return 1


def silence_stdout() -> None:
    """Point standard output at /dev/null, so Python's own flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    with contextlib.suppress(Exception):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit


def finish(code: int) -> int:
    """Flush standard output; a failure there turns a success into exit 1."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        failed = report(exc)
        return code or failed
    except ValueError:
        pass
    return code
