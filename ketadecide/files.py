"""Opening a user's file for reading, with every failure named as an :class:`InputError`
(the file, and what is wrong with it in words), never a traceback."""

from __future__ import annotations

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


def open_for_reading(path: Path, name: str) -> IO[bytes]:
    """``path`` opened in binary mode; a folder, a missing or unreadable file is an input error."""
    try:
        if path.is_dir():
            raise InputError(Problem("is a directory, expected a file", name))
        return path.open("rb")
    except OSError as exc:
        raise reading_error(exc, name) from None
