"""The Spark engine's output: a directory of Parquet part files written by Spark's committer.

The output policy of every command holds for the directory as for a file: it is never an
input, nor a folder holding one, and it is replaced only as a whole, only when the run
completes. Spark writes into a staging directory beside it
(``.NAME.<host>-<pid>-<random>.ketadecide-tmp``), which is renamed into place at the end;
an interrupted or failed run removes it. An existing directory is replaced only when it
holds nothing but an earlier run's output (part files, ``_SUCCESS``, Spark's checksums),
so ``-o .`` or a folder of other files is refused before anything is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

from ketadecide.errors import InputError, Problem
from ketadecide.outputs import PRIVATE_MODE, TEMP_SUFFIX

#: What an earlier run's output directory may hold (Spark's part files and markers).
_OUTPUT_FILE = re.compile(r"^(?:\.?part-.*|\.?_SUCCESS(?:\.crc)?|_committed_.*|_started_.*|\..*\.crc)$")
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def check_output_dir(location: str, others: dict[str, str | None]) -> None:
    """Refuse (exit 2) an output directory that Spark must not write: an existing file, a
    folder holding anything but an earlier output, or one that is or would hold one of the
    run's ``others`` (what it is -> its path: the input, the errors file, ...)."""
    path = Path(location)
    real = os.path.realpath(location)
    for what, item in others.items():
        if item is None:
            continue
        held = os.path.realpath(item)
        if held == real or held.startswith(real.rstrip(os.sep) + os.sep):
            raise InputError(
                Problem(
                    f"the output directory is or would hold {what} {item}; refusing to replace it "
                    "(nothing was read or written)",
                    location,
                )
            )
    if not path.exists():
        if not path.parent.is_dir() and str(path.parent) != "":
            raise InputError(Problem("the folder to write into does not exist", location))
        return
    if not path.is_dir():
        raise InputError(
            Problem(
                "exists and is not a directory; --engine spark writes a directory of Parquet part files "
                "(give a new directory name)",
                location,
            )
        )
    foreign = [e.name for e in os.scandir(path) if not (_OUTPUT_FILE.match(e.name) and e.is_file())]
    if foreign:
        raise InputError(
            Problem(
                f"is a directory holding other files ({len(foreign)}, e.g. '{sorted(foreign)[0][:60]}'); "
                "--engine spark replaces only an earlier run's output directory: give a new directory",
                location,
            )
        )


def _private(root: Path) -> None:
    """Owner-only modes, whatever the file system did with Spark's umask setting."""
    os.chmod(root, 0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
        for name in files:
            full = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(full).st_mode):
                os.chmod(full, PRIVATE_MODE)


@contextlib.contextmanager
def staged_directory(location: str) -> Iterator[str]:
    """A staging path for Spark to write the output into (it does not exist yet); renamed
    to ``location`` when the block completes, removed when it fails."""
    target = Path(os.path.abspath(location))
    token = f"{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"
    staging = target.with_name(f".{target.name}.{token}{TEMP_SUFFIX}")
    try:
        yield str(staging)
        _private(staging)
        if target.exists():
            old = target.with_name(f".{target.name}.{token}.old{TEMP_SUFFIX}")
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


__all__ = ["check_output_dir", "staged_directory"]
