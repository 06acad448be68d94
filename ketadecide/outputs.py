"""The one output policy every command follows (CONTRACT §4).

* Before anything is read, :func:`check_paths` refuses (an :class:`InputError`, exit 2) an
  output that is the same file as one of the run's inputs, or as another of its outputs.
  "The same" is decided on real paths *and* on device + inode, so a symlink, a hard link,
  ``/proc/self/fd/N`` or a redirected standard input/output count.
* :func:`open_output` writes a character device, a FIFO, or a descriptor named as
  ``/dev/stdout``, ``/dev/fd/N`` or ``/proc/self/fd/N`` straight through: it never replaces
  them. A regular file (or a new one) is replaced atomically: the data goes to a temporary
  file beside it (beside the real file, when the name is a symlink, which stays a symlink),
  created readable by its owner only, then renamed into place.
* Temporary files are named ``.NAME.<host>-<pid>-<random>.ketadecide-tmp``. They are removed
  when the run fails, on Ctrl-C and on SIGTERM/SIGHUP (:func:`signals_handled`); after a
  ``kill -9`` a later run that writes into the same folder removes the ones whose process
  is gone (:func:`remove_stale`).
* A failure of the environment (a full disk, a read-only file system, a closed
  descriptor) is an :class:`~ketadecide.errors.EnvironmentFailure` (exit 1) naming the
  path and the system's reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import signal
import socket
import stat
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ketadecide.errors import EnvironmentFailure, InputError, Problem

PRIVATE_MODE = 0o600
TEMP_SUFFIX = ".ketadecide-tmp"
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_TEMP_NAME = re.compile(r"^\..+\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-[0-9a-f]+" + re.escape(TEMP_SUFFIX) + "$")
_FD_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(?P<fd>[0-9]+)$")
_STD_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2}

#: Temporary files this process has created and not yet renamed or removed.
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM, SIGHUP); handled like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# ----------------------------------------------------------------------------- same-file check


@dataclass(frozen=True)
class _Identity:
    real: str | None
    """The real path (symlinks resolved), None for standard input/output."""
    inode: tuple[int, int] | None
    """(device, inode) when the file exists and is a regular file."""


def _fd_of(location: str) -> int | None:
    if location in _STD_PATHS:
        return _STD_PATHS[location]
    match = _FD_PATH.match(location)
    if match:
        return int(match.group("fd"))
    match = re.match(rf"^/proc/{os.getpid()}/fd/(?P<fd>[0-9]+)$", location)
    return int(match.group("fd")) if match else None


def _regular_inode(st: os.stat_result) -> tuple[int, int] | None:
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _identity_of_fd(fd: int) -> _Identity:
    try:
        return _Identity(None, _regular_inode(os.fstat(fd)))
    except OSError:
        return _Identity(None, None)


def _identity(location: str | os.PathLike[str], *, stdio: int) -> _Identity:
    text = os.fspath(location)
    if text == "-":
        return _identity_of_fd(stdio)
    fd = _fd_of(text)
    if fd is not None:
        return _identity_of_fd(fd)
    try:
        st: os.stat_result | None = os.stat(text)
    except (OSError, ValueError):
        st = None
    real = os.path.realpath(text)
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        return _Identity(None, None)  # a device or FIFO is written through; sharing one is no harm
    return _Identity(real, _regular_inode(st) if st is not None else None)


def _same(a: _Identity, b: _Identity) -> bool:
    if a.inode is not None and a.inode == b.inode:
        return True
    return a.real is not None and a.real == b.real


def _inside(output: _Identity, folder: str | os.PathLike[str]) -> bool:
    """An output that is a file of an input folder (a data directory, a folder of bundles)."""
    try:
        if not os.path.isdir(folder) or output.real is None:
            return False
    except (OSError, ValueError):
        return False
    return os.path.dirname(output.real) == os.path.realpath(folder) and output.inode is not None


def check_paths(
    inputs: Iterable[str | os.PathLike[str] | None],
    outputs: Mapping[str, str | os.PathLike[str] | None],
    *,
    stdout: bool = False,
) -> None:
    """Refuse, before anything is read, an output that is one of the run's inputs or another
    of its outputs (exit 2). ``outputs`` maps the option that names a file to it (``None``:
    not given; ``-``: standard output); ``stdout`` says that the run writes to standard
    output (which then must not be one of the inputs either: ``>> input.csv``)."""
    ins = [(str(p), _identity(p, stdio=0)) for p in inputs if p is not None]
    outs: list[tuple[str, str, _Identity]] = []
    for option, path in outputs.items():
        if path is None:
            continue
        if os.fspath(path) == "-":
            stdout = True
            continue
        outs.append((option, os.fspath(path), _identity(path, stdio=1)))
    if stdout:
        outs.append(("standard output", "-", _identity_of_fd(1) if _has_fd(sys.stdout) else _Identity(None, None)))
    problems: list[Problem] = []
    for i, (named, path, ident) in enumerate(outs):
        shown = "standard output" if path == "-" else path
        option = "it" if path == "-" else named
        for in_path, in_ident in ins:
            if _same(ident, in_ident) or _inside(ident, in_path):
                what = "standard input" if in_path == "-" else in_path
                problems.append(
                    Problem(
                        f"{option} is the same file as the input {what}; refusing to overwrite an input "
                        "(nothing was read or written)",
                        shown,
                    )
                )
        for other_option, _other_path, other in outs[:i]:
            if _same(ident, other):
                problems.append(
                    Problem(
                        f"{option} is the same file as {other_option}; give each output its own file "
                        "(nothing was read or written)",
                        shown,
                    )
                )
    if problems:
        raise InputError(problems)


def _has_fd(stream: Any) -> bool:
    try:
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    return True


# ----------------------------------------------------------------------------- writing


def environment_failure(exc: OSError, path: str, what: str = "cannot write") -> EnvironmentFailure:
    """The exit-1 error for an operating-system failure at ``path`` (no input values)."""
    reason = exc.strerror or type(exc).__name__
    if path == "standard output":
        return EnvironmentFailure(f"{path}: {what}: {reason}")
    return EnvironmentFailure(f"{path}: {what}: {reason}; nothing was written")


def _temp_path(target: Path) -> Path:
    token = secrets.token_hex(4)
    return target.with_name(f".{target.name}.{_HOST}-{os.getpid()}-{token}{TEMP_SUFFIX}")


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, OSError):
        return False
    return False


def remove_stale(folder: Path) -> list[str]:
    """Remove the temporary files an earlier run on this machine left in ``folder`` (killed
    with ``kill -9``, say): ours by name, owned by this user, whose process is gone."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    uid = os.geteuid()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or match.group("host") != _HOST or not _process_gone(int(match.group("pid"))):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_uid == uid:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _forget(tmp: str) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(tmp)


def remove_live_temporaries() -> None:
    """Remove every temporary file of this process (on a signal, or at exit)."""
    with _LIVE_LOCK:
        names = list(_LIVE)
        _LIVE.clear()
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _open_stream(location: str, fd: int | None) -> int:
    """A descriptor for writing straight through to a device, a FIFO or an open descriptor."""
    try:
        if fd is not None:
            return os.dup(fd)
        return os.open(location, os.O_WRONLY | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise environment_failure(exc, location, "cannot open for writing") from None


def _wrap(fd: int, binary: bool) -> IO[Any]:
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", newline="")


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open ``path`` for writing under the output policy (see the module's docstring).

    A regular file is written through a temporary file and renamed into place only when the
    block completes; on any error (KeyboardInterrupt and SIGTERM included) the temporary file
    is removed and the old file is left as it was.
    """
    location = os.fspath(path)
    fd = _fd_of(location)
    st: os.stat_result | None = None
    if fd is None:
        try:
            st = os.stat(location)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise environment_failure(exc, location) from None
    if fd is not None or (st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode))):
        stream = _wrap(_open_stream(location, fd), binary)
        try:
            yield stream
            stream.flush()
        except BrokenPipeError:
            raise  # the reader went away (`| head`): quiet, see ketadecide.cli.stdio
        except OSError as exc:
            raise environment_failure(exc, location) from None
        finally:
            with contextlib.suppress(OSError):
                stream.close()
        return
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(Problem("is a directory, expected a file name", location))
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise InputError(Problem("is not a regular file, a character device or a FIFO; refusing to write", location))
    target = Path(os.path.realpath(location))
    folder = target.parent
    if not folder.is_dir():
        raise InputError(Problem("the folder to write into does not exist", location))
    remove_stale(folder)
    tmp = _temp_path(target)
    try:
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_MODE)
    except OSError as exc:
        raise environment_failure(exc, location) from None
    with _LIVE_LOCK:
        _LIVE.add(str(tmp))
    try:
        os.fchmod(handle, PRIVATE_MODE)  # whatever the umask
        with _wrap(handle, binary) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _forget(str(tmp))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _forget(str(tmp))
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise environment_failure(exc, location) from None
        raise
    if st is not None and stat.S_IMODE(st.st_mode) != PRIVATE_MODE:
        print(
            f"ketadecide: note: {location} was mode {stat.S_IMODE(st.st_mode):04o}; "
            f"it was replaced by a file readable by you only ({PRIVATE_MODE:04o})",
            file=sys.stderr,
        )


class NamedStream(io.RawIOBase):
    """A binary stream already open (standard output) whose failures name it: a full disk
    there is not blamed on another file of the run. A broken pipe stays one (quiet)."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self._raw = raw
        self._name = name

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            return self._raw.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise environment_failure(exc, self._name) from None

    def flush(self) -> None:
        try:
            self._raw.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise environment_failure(exc, self._name) from None

    def close(self) -> None:  # the stream is not ours to close
        with contextlib.suppress(OSError, ValueError):
            self.flush()
        super().close()


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` under the output policy."""
    with open_output(path) as fh:
        fh.write(text)


# ----------------------------------------------------------------------------- signals

_STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)


#: Set once a command's outputs are all under their final names (:func:`all_written`).
_written = threading.Event()


def all_written() -> None:
    """Say that every output of the command is in place: a SIGTERM or SIGHUP from now on
    is ignored, so the command ends as it would have (exit 0, its summary printed) instead
    of reporting "nothing was written" about outputs that are complete."""
    _written.set()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _written.is_set():
        return
    remove_live_temporaries()  # first, in case unwinding is slow
    if _importing(frame):
        # An exception raised while a C extension initialises (DuckDB's, say) can abort the
        # interpreter (exit -6, not 143): let the import finish and take the signal again.
        threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
        return
    raise Terminated(signum)


def _importing(frame: FrameType | None) -> bool:
    """Whether the interrupted code is inside an import (importlib's frames on the stack)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def signals_handled() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the command like Ctrl-C (temporary files removed); the
    previous handlers come back afterwards. A no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _written.clear()
    previous = {}
    for signum in _STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, handler)
