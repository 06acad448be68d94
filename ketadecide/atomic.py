"""Atomic, private file writes: a reader sees the old file or the whole new one, never half.

Outputs may hold a patient's answers, so they are created readable by their owner only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ketadecide.errors import InputError, Problem

PRIVATE_MODE = 0o600


@contextlib.contextmanager
def atomic_writer(path: Path | str, *, mode: int = PRIVATE_MODE, binary: bool = False) -> Iterator[IO[bytes] | IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    On any error (including KeyboardInterrupt) the temporary file is removed and ``path``
    is left untouched.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(Problem("the folder to write into does not exist", str(target)))
    if target.is_dir():
        raise InputError(Problem("is a directory, expected a file name", str(target)))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except PermissionError:
        raise InputError(Problem("permission denied (cannot write here)", str(target))) from None
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(
            fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=None if binary else ""
        ) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError):
            # A full disk or a vanished folder is a problem with where to write, not a bug.
            raise InputError(
                Problem(f"cannot write: {exc.strerror or exc}; nothing was written", str(target))
            ) from None
        raise


def write_text_atomic(path: Path | str, text: str, *, mode: int = PRIVATE_MODE) -> None:
    with atomic_writer(path, mode=mode) as fh:
        fh.write(text)  # type: ignore[call-overload]
