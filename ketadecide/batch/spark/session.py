"""The Spark session ``ketadecide batch --engine spark`` starts (and stops) for one run.

Local by default (``local[*]``): the driver binds to the loopback interface only and the
web UI is off, so nothing listens beyond this machine. Another master is used only when
named (``--spark-master``). Workers run this same Python (which has ketadecide), and files
Spark writes are readable by their owner only. The JVM's own output (start-up notes, log
lines) goes nowhere: the CLI reports a failure itself, in one line.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

from ketadecide.batch.deps import require_spark_deps
from ketadecide.errors import InputError, Problem

DEFAULT_MASTER = "local[*]"


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def session_config(master: str) -> dict[str, str]:
    """The settings of a session ketadecide starts (``master``: a Spark master URL)."""
    config = {
        "spark.master": master,
        "spark.app.name": "ketadecide-batch",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # A file with columns `Age` and `age` is refused by name, as the DuckDB engine does.
        "spark.sql.caseSensitive": "true",
        # Output files and folders are the owner's only, as every ketadecide output is.
        "spark.hadoop.fs.permissions.umask-mode": "077",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }
    if is_local(master):
        config |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    return config


@contextlib.contextmanager
def spark_session(master: str = DEFAULT_MASTER) -> Iterator[Any]:
    """A new session on ``master`` for the block, stopped after it. Raises
    :class:`InputError` (exit 2) when pyspark or Java is missing or the master is not valid."""
    require_spark_deps()
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    if is_local(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = SparkConf(loadDefaults=False).setAll(list(session_config(master).items()))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        gateway = launch_gateway(conf, popen_kwargs=quiet)  # type: ignore[no-untyped-call]
        context = SparkContext(conf=conf, gateway=gateway)
    except Exception as exc:  # pyspark reports a missing Java or a bad master in several types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(
            Problem(
                f"could not start Spark on master '{master}' ({first[:200]}); Spark needs Java 17 or later "
                "(java on PATH or JAVA_HOME)"
            )
        ) from None
    try:
        yield SparkSession(context)
    finally:
        context.stop()


__all__ = ["DEFAULT_MASTER", "is_local", "session_config", "spark_session"]
