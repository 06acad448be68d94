"""The Spark engine's outputs: folders of part files written by Spark's own writer and
Hadoop's committer, on any file system the cluster's Hadoop connectors reach (``file:``,
a plain path, ``hdfs://``, ``s3a://``, ``gs://``, ``abfss://`` …).

The output policy of every command holds for a folder as for a file: it is never an input,
nor a folder holding one, and it is replaced only as a whole, only when the run completes.

* **What we write is marked.** Every folder the engine writes holds ``_ketadecide.json``
  (ignored by Spark, Hadoop and pyarrow readers, which skip names starting with ``_``). An
  existing output is replaced only when it carries that mark: a folder of anyone else's
  files is refused before anything is read, and no file the tool did not write is deleted.
* **Staging.** Spark writes into ``.NAME.<host>-<pid>-<random>.ketadecide-tmp`` beside the
  final name (same file system); its mark names the run that owns it. Only after the
  written rows are counted against the input is it renamed (Hadoop ``FileSystem.rename``)
  to the final name. A failed or interrupted run deletes its staging folder.
* **Stale staging** left by a run killed with ``kill -9`` is removed by a later run only when
  its mark shows a run on this host whose process is gone; anything else is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketadecide.errors import InputError, Problem
from ketadecide.outputs import TEMP_SUFFIX

MARK = "_ketadecide.json"
#: What an earlier output folder of ours may hold: Spark's part files and markers, our mark.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_OUTPUT_FILE = re.compile(
    rf"^(?:\.?part-\d{{5,}}-{_UUID}[-.].*|\.?_SUCCESS(?:\.crc)?|\.?_ketadecide\.json(?:\.crc)?|_committed_.*|_started_.*)$"
)
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def is_local_path(location: str) -> bool:
    """A plain path or a ``file:`` URI (the ones the output policy can check on this machine)."""
    return location.startswith("file:") or "://" not in location


def _local(location: str) -> str:
    if location.startswith("file://"):
        return location[len("file://") :]
    if location.startswith("file:"):
        return location[len("file:") :]
    return location


def check_output_dir(location: str, others: dict[str, str | None]) -> None:
    """Refuse (exit 2) an output folder that is or would hold one of the run's ``others``
    (what it is -> its path: the input, the errors output, ...). Local paths only; the
    file system checks (:meth:`Target.check`) run for every URI once Spark is up."""
    if not is_local_path(location):
        return
    real = os.path.realpath(_local(location))
    for what, item in others.items():
        if item is None or not is_local_path(item):
            continue
        held = os.path.realpath(_local(item))
        if held == real or held.startswith(real.rstrip(os.sep) + os.sep):
            raise InputError(
                Problem(
                    f"the output directory is or would hold {what} {item}; refusing to replace it "
                    "(nothing was read or written)",
                    location,
                )
            )
    path = Path(_local(location))
    if not path.exists() and not path.parent.is_dir() and str(path.parent) != "":
        raise InputError(Problem("the folder to write into does not exist", location))
    if path.is_dir():
        foreign_files(location, [e.name for e in os.scandir(path)], marked=(path / MARK).is_file())


def foreign_files(location: str, names: list[str], *, marked: bool) -> None:
    """Refuse (exit 2) to replace a folder that is not an earlier output of ours: one
    without our mark, or holding any name Spark's writer would not have written."""
    foreign = sorted(n for n in names if not _OUTPUT_FILE.match(n))
    if foreign or not marked:
        example = f", e.g. '{foreign[0][:60]}'" if foreign else f"; no {MARK}: ketadecide did not write it"
        raise InputError(
            Problem(
                f"is a directory holding other files ({len(foreign)}{example}); --engine spark replaces only "
                "its own earlier output, as a whole: give a new directory",
                location,
            )
        )


@dataclass
class Target:
    """One output folder on the session's Hadoop file system, written through a staging folder."""

    spark: Any
    location: str
    what: str
    """``"results"`` or ``"errors"``, for messages."""
    staging: str = ""

    def _fs(self, location: str) -> tuple[Any, Any]:
        jvm = self.spark._jvm
        path = jvm.org.apache.hadoop.fs.Path(location)
        return path.getFileSystem(self.spark._jsc.hadoopConfiguration()), path

    def _mark_of(self, location: str) -> dict[str, Any] | None:
        fs, path = self._fs(location)
        mark = self.spark._jvm.org.apache.hadoop.fs.Path(path, MARK)
        if not fs.exists(mark):
            return None
        stream = fs.open(mark)
        try:
            data = bytes(self.spark._jvm.org.apache.commons.io.IOUtils.toByteArray(stream))
        finally:
            stream.close()
        try:
            found = json.loads(data.decode("utf-8"))
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def check(self) -> None:
        """Refuse (exit 2) a final name that exists and is not an earlier output of ours."""
        fs, path = self._fs(self.location)
        if not fs.exists(path):
            parent = path.getParent()
            if parent is not None and not fs.exists(parent):
                raise InputError(Problem("the folder to write into does not exist", self.location))
            return
        if not fs.getFileStatus(path).isDirectory():
            raise InputError(
                Problem(
                    f"exists and is not a directory; --engine spark writes the {self.what} as a directory of "
                    "part files (give a new directory name)",
                    self.location,
                )
            )
        names = [status.getPath().getName() for status in fs.listStatus(path)]
        foreign_files(self.location, names, marked=self._mark_of(self.location) is not None)

    def _write_mark(self, location: str, state: str) -> None:
        fs, path = self._fs(location)
        mark = self.spark._jvm.org.apache.hadoop.fs.Path(path, MARK)
        body = {"tool": "ketadecide", "host": _HOST, "pid": os.getpid(), "started": int(time.time()), "state": state}
        stream = fs.create(mark, True)
        try:
            stream.write(bytearray(json.dumps(body).encode("utf-8")))
        finally:
            stream.close()

    def remove_stale(self) -> list[str]:
        """Delete staging folders beside the final name whose mark names a run on this host
        whose process is gone; the names removed."""
        fs, path = self._fs(self.location)
        parent = path.getParent()
        if parent is None or not fs.exists(parent):
            return []
        prefix = f".{path.getName()}."
        removed = []
        for status in fs.listStatus(parent):
            name = status.getPath().getName()
            if not (status.isDirectory() and name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
                continue
            mark = self._mark_of(status.getPath().toString())
            if mark is None or mark.get("tool") != "ketadecide" or mark.get("host") != _HOST:
                continue
            if _alive(mark.get("pid")):
                continue
            fs.delete(status.getPath(), True)
            removed.append(name)
        return removed

    @contextlib.contextmanager
    def staged(self) -> Iterator[str]:
        """The staging folder (made, and marked as this run's) for the block; deleted when
        the block fails. :meth:`commit` puts it under the final name."""
        fs, path = self._fs(self.location)
        token = f"{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"
        self.staging = self.spark._jvm.org.apache.hadoop.fs.Path(
            path.getParent(), f".{path.getName()}.{token}{TEMP_SUFFIX}"
        ).toString()
        fs.mkdirs(self._fs(self.staging)[1])
        self._write_mark(self.staging, "running")
        try:
            yield self.staging
        except BaseException:
            with contextlib.suppress(Exception):
                self.abort()
            raise

    def abort(self) -> None:
        if self.staging:
            fs, staging = self._fs(self.staging)
            fs.delete(staging, True)
            self.staging = ""

    def commit(self) -> None:
        """Rename the staging folder to the final name (an earlier output of ours there is
        moved aside first and deleted after)."""
        fs, final = self._fs(self.location)
        _, staging = self._fs(self.staging)
        self._write_mark(self.staging, "complete")
        old = None
        if fs.exists(final):
            old = self.spark._jvm.org.apache.hadoop.fs.Path(final.getParent(), f"{staging.getName()}.old")
            if not fs.rename(final, old):
                raise OSError(f"could not move the earlier output {self.location} aside")
        if not fs.rename(staging, final):
            raise OSError(f"could not rename the staging folder to {self.location}")
        self.staging = ""
        if old is not None:
            fs.delete(old, True)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # unknown: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tidy_parts(spark: Any, location: str, header: str | None) -> None:
    """Remove the empty part files Spark writes for an errors output with no rows, so that
    every part starts with ``header`` (CONTRACT §5); with no part left, one holding only the
    header is written (a CSV reader then finds the columns)."""
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    parts = [s for s in fs.listStatus(path) if s.isFile() and s.getPath().getName().startswith("part-")]
    for status in parts:
        if status.getLen() == 0:
            fs.delete(status.getPath(), False)
    if header is not None and all(status.getLen() == 0 for status in parts):
        name = f"part-00000-{uuid.uuid4()}-c000.txt"
        stream = fs.create(jvm.org.apache.hadoop.fs.Path(path, name), False)
        try:
            stream.write(bytearray(header.encode("utf-8")))
        finally:
            stream.close()


def parquet_rows(spark: Any, location: str) -> int:
    """The rows the Parquet part files under ``location`` hold, from their footers, read
    on the driver: what is really there under that name, not what the tasks reported."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(conf)
    total = 0
    for status in fs.listStatus(path):
        name = status.getPath().getName()
        if not name.startswith("part-") or not status.isFile():
            continue
        reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
            jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromStatus(status, conf)
        )
        try:
            total += int(reader.getRecordCount())
        finally:
            reader.close()
    return total


def row_group_split(spark: Any, location: str) -> int | None:
    """Bytes per Spark task so that a Parquet file's tasks follow its row groups (its size
    over its row-group count, read from the footer on the driver); None when unknown."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(location)
    status = path.getFileSystem(conf).getFileStatus(path)
    if not status.isFile():
        return None
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
        jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromStatus(status, conf)
    )
    try:
        groups = int(reader.getRowGroups().size())
    finally:
        reader.close()
    return max(1024, -(-int(status.getLen()) // max(1, groups)))


__all__ = [
    "MARK",
    "Target",
    "check_output_dir",
    "foreign_files",
    "is_local_path",
    "parquet_rows",
    "row_group_split",
    "tidy_parts",
]
