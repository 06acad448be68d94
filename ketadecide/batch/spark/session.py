"""The Spark session ``ketadecide batch --engine spark`` starts (and stops) for one run.

Local by default (``local[*]``): the driver binds to the loopback interface only and the
web UI is off, so nothing listens beyond this machine. Another master is used only when
named (``--spark-master``). Files Spark writes are readable by their owner only. The JVM's
own output (start-up notes, log lines) goes nowhere: the CLI reports a failure itself, in
one line.

**The workers' Python.** PySpark's ``SparkContext`` takes it from the ``PYSPARK_PYTHON``
environment variable when the context starts (``spark.pyspark.python`` in a ``SparkConf``
is read only by ``spark-submit``, which this engine does not use), so it is set there:

* a local master (``local[N]``): this very Python (``sys.executable``), which has ketadecide
  and its dependencies, whatever PATH says (pipx-style installs, no activated venv);
* a cluster (``spark://…``): the user's ``PYSPARK_PYTHON``, else ``spark.pyspark.python``
  from ``$SPARK_CONF_DIR/spark-defaults.conf``, else PySpark's default ``python3``.

ketadecide itself travels with the job (a zip of the package, ``addPyFile``), so the workers
run the driver's version of it; its dependencies (pyarrow, pydantic, …) must be installed
for the workers' Python, and so must what the input format needs there
(:data:`WORKER_NEEDS`: DuckDB for JSONL). Before any data is read, a probe task on the
workers imports all of it; a worker that cannot is one line naming its Python and what to
install (:class:`~ketadecide.errors.EnvironmentFailure`, exit 1: the environment failed,
CONTRACT §4), never "a bug" and never a failure in the middle of the run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ketadecide.batch.deps import require_spark_deps
from ketadecide.errors import EnvironmentFailure, InputError, Problem, interruption_behind

DEFAULT_MASTER = "local[*]"
#: What the workers import beyond the engine itself, by input format: module -> what needs it.
WORKER_NEEDS: dict[str, dict[str, str]] = {
    # workers.validate_json: each task validates its JSON lines with an in-process DuckDB.
    "jsonl": {"duckdb": "JSONL input (each Spark task validates its lines with DuckDB)"},
}
#: The extra that installs what :data:`WORKER_NEEDS` names.
WORKER_NEEDS_HINT = "pip install 'ketadecide[batch]'"
#: The probe run on the workers: compiled here so that it is shipped by value (it must not
#: need ketadecide to be unpickled, since finding out whether it can be imported is its job).
#: It gives the worker's Python, and the first module it cannot import with the error.
_PROBE_SOURCE = """
def probe_for(needs):
    def probe(_items):
        import importlib
        import sys
        for name in ("pyarrow", "ketadecide.batch.spark.workers", *needs):
            try:
                importlib.import_module(name)
            except Exception as exc:
                yield (sys.executable, name, f"{type(exc).__name__}: {exc}")
                return
        yield (sys.executable, None, None)
    return probe
"""


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def workers_python(master: str) -> str | None:
    """The Python the workers run (None: PySpark's default, ``python3`` on their PATH)."""
    if is_local(master):
        return sys.executable
    if os.environ.get("PYSPARK_PYTHON"):
        return os.environ["PYSPARK_PYTHON"]
    defaults = Path(os.environ.get("SPARK_CONF_DIR", "/nonexistent")) / "spark-defaults.conf"
    with contextlib.suppress(OSError):
        for line in defaults.read_text(encoding="utf-8").splitlines():
            key, _, value = line.strip().partition(" ")
            if key == "spark.pyspark.python" and value.strip():
                return value.strip()
    return None


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
        "spark.pyspark.driver.python": sys.executable,
    }
    python = workers_python(master)
    if python is not None:
        config["spark.pyspark.python"] = python  # for the record; PySpark reads the variable
    if is_local(master):
        config |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    return config


def package_zip(folder: str) -> str:
    """ketadecide's own package as a zip in ``folder`` (for ``addPyFile``)."""
    import ketadecide

    root = Path(ketadecide.__file__).resolve().parent
    target = os.path.join(folder, "ketadecide.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                zf.write(path, Path("ketadecide") / path.relative_to(root))
    return target


def check_workers(context: Any, python: str | None, needs: Mapping[str, str] | None = None) -> None:
    """Run the probe on the workers: :class:`EnvironmentFailure` naming the worker's Python
    when one cannot start it, cannot import what the engine runs there, or cannot import a
    module of ``needs`` (module -> what needs it; see :data:`WORKER_NEEDS`)."""
    needs = needs or {}
    namespace: dict[str, Any] = {"__name__": "ketadecide_probe"}
    exec(compile(_PROBE_SOURCE, "<ketadecide probe>", "exec"), namespace)
    slots = max(2, int(context.defaultParallelism))
    hint = "set PYSPARK_PYTHON to a Python that has 'ketadecide[spark]' installed on every worker"
    named = python or "python3 (PySpark's default; PYSPARK_PYTHON is not set)"
    probe = namespace["probe_for"](tuple(needs))
    try:
        answers = context.parallelize(range(slots), slots).mapPartitions(probe).collect()
    except Exception as exc:  # py4j and PySpark report a missing program in several types
        lines = [x.strip() for x in str(exc).splitlines() if "Cannot run program" in x or "error=2" in x]
        why = lines[0][:200] if lines else type(exc).__name__
        raise EnvironmentFailure(f"the Spark workers could not start their Python {named} ({why}); {hint}") from None
    for executable, module, error in answers:
        if module in needs:
            raise EnvironmentFailure(
                f"the Spark workers' Python {executable} cannot import {module}, which {needs[module]} needs "
                f"({error[:200]}); install it for that Python on every worker: {WORKER_NEEDS_HINT}"
            )
        if error is not None:
            raise EnvironmentFailure(
                f"the Spark workers' Python {executable} cannot run ketadecide ({error[:200]}); {hint}"
            )


@contextlib.contextmanager
def spark_session(master: str = DEFAULT_MASTER, *, input_format: str | None = None) -> Iterator[Any]:
    """A new session on ``master`` for the block, stopped after it, with ketadecide shipped
    to its workers and checked there, with what reading ``input_format`` needs there
    (:data:`WORKER_NEEDS`). Raises :class:`InputError` (exit 2) when pyspark or Java is
    missing or the master is not valid, :class:`EnvironmentFailure` (exit 1) when the
    workers cannot run ketadecide or lack what the input format needs."""
    require_spark_deps()
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    if is_local(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    python = workers_python(master)
    if python is not None:
        os.environ["PYSPARK_PYTHON"] = python  # where SparkContext reads it
    conf = SparkConf(loadDefaults=False).setAll(list(session_config(master).items()))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with _interrupts_unlogged():
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
            with tempfile.TemporaryDirectory(prefix="ketadecide-spark-") as folder:
                context.addPyFile(package_zip(folder))
                check_workers(context, python, WORKER_NEEDS.get(input_format or "", {}))
                yield SparkSession(context)
        finally:
            context.stop()


# py4j logs on these; the first through the ``logging`` module itself, which also installs a
# stderr handler on the root logger that the other two then reach. A logger's filters only see
# the records made on that logger, not those propagated to it, so each gets its own.
_PY4J_LOGGERS = ("", "py4j.java_gateway", "py4j.clientserver")


class _DropInterrupts(logging.Filter):
    """Drops a log record whose exception is an interruption (Ctrl-C, or the SIGTERM/SIGHUP
    the CLI raises as one), or comes from handling one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return interruption_behind(record.exc_info[1] if record.exc_info else None) is None


@contextlib.contextmanager
def _interrupts_unlogged() -> Iterator[None]:
    """While the session lives, an interruption that arrives during a call into the JVM is not
    logged with its traceback. py4j reports it with ``logging.exception`` ("KeyboardInterrupt
    while sending command." and a traceback on stderr), and then the broken pipe it finds while
    closing the connection, before the CLI says in one line that it was interrupted and what
    was kept. Other records pass."""
    drop = _DropInterrupts()
    loggers = [logging.getLogger(name) for name in _PY4J_LOGGERS]
    for logger in loggers:
        logger.addFilter(drop)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(drop)


__all__ = [
    "DEFAULT_MASTER",
    "WORKER_NEEDS",
    "check_workers",
    "is_local",
    "package_zip",
    "session_config",
    "spark_session",
    "workers_python",
]
