"""Opening a user's file for reading, with every failure named as an :class:`InputError`
(the file, and what is wrong with it in words), never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from ketadecide.errors import InputError, Problem


def reading_error(exc: OSError, name: str) -> InputError:
    """The input error for a failure to open or read ``name``."""
    if isinstance(exc, FileNotFoundError):
        return InputError(Problem("no such file", name))
    if isinstance(exc, PermissionError):
        return InputError(Problem("permission denied (cannot read the file)", name))
    return InputError(Problem(f"cannot read: {exc.strerror or exc}", name))


def open_for_reading(path: Path, name: str, *, regular_only: bool = False) -> IO[bytes]:
    """``path`` opened in binary mode; a folder, a missing or unreadable file is an input error.

    With ``regular_only`` (the files of a data directory), a FIFO, a device or a socket is
    refused as well, before it is read: nothing would ever arrive from a FIFO nobody writes.
    The open itself never blocks (``O_NONBLOCK``, cleared once the file is known)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise InputError(Problem("is a directory, expected a file", name)) from None
    except OSError as exc:
        raise reading_error(exc, name) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(Problem("is a directory, expected a file", name))
        if regular_only and not stat.S_ISREG(mode):
            raise InputError(Problem("is not a regular file (a FIFO, a device or a socket); expected a file", name))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
