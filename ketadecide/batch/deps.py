"""The optional dependencies of ``batch``, checked once with a message that says how to get them."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator

from ketadecide.errors import InputError, Problem

BATCH_MODULES: tuple[str, ...] = ("duckdb", "pyarrow", "sqlglot")
INSTALL_HINT = "pip install 'ketadecide[batch]'"


def missing_batch_modules() -> list[str]:
    """The batch extra's modules that are not installed."""
    return [name for name in BATCH_MODULES if importlib.util.find_spec(name) is None]


def require_batch_deps() -> None:
    """Raise :class:`InputError` (exit 2) naming what to install when the extra is missing."""
    missing = missing_batch_modules()
    if missing:
        raise InputError(
            Problem(f"batch needs {', '.join(missing)}, which are not installed; install them with: {INSTALL_HINT}")
        )


SPARK_INSTALL_HINT = "pip install 'ketadecide[spark]'"


def require_spark_deps() -> None:
    """Raise :class:`InputError` (exit 2) with the install hint when pyspark is missing
    (``--engine spark`` only: the DuckDB engine never imports it)."""
    require_batch_deps()
    if importlib.util.find_spec("pyspark") is None:
        raise InputError(
            Problem(f"--engine spark needs pyspark, which is not installed; install it with: {SPARK_INSTALL_HINT}")
        )


#: pyarrow's memory pool for a batch run (see :func:`prefer_jemalloc`).
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def prefer_jemalloc() -> bool:
    """Have pyarrow take its buffers from jemalloc for this process (``batch`` on the DuckDB
    engine), unless the user chose a pool or pyarrow is already loaded; returns whether it did.

    Why: each chunk's Arrow buffers are freed and new ones taken for the next. pyarrow's
    default on Linux, mimalloc, gives freed memory back to the kernel and takes it again in
    transparent huge pages, which the kernel zeroes (and at times compacts memory for) on
    first touch: ``perf`` put 11-23% of a 100k-row run's CPU in ``clear_page_erms``, and
    the run's kernel time swung from 0.1 to 1.9 s between identical runs. With jemalloc it
    was 0.1-0.4% and 0.2-0.25 s. The pool must be chosen before pyarrow loads (Arrow's own
    kernels read it once; ``pyarrow.set_memory_pool`` reaches only Python-level calls), so
    it is the environment variable pyarrow documents. Linux only: pyarrow's Linux wheels
    carry jemalloc; elsewhere the default stays."""
    import os
    import sys

    if sys.platform != "linux" or os.environ.get(ARROW_POOL_ENV) or "pyarrow" in sys.modules:
        return False
    os.environ[ARROW_POOL_ENV] = "jemalloc"
    return True


@contextlib.contextmanager
def without_pandas() -> Iterator[bool]:
    """Within: ``import pandas`` fails, unless pandas is already loaded (then nothing
    changes); yields whether it was refused. For a ``batch`` run on the DuckDB engine,
    which never uses pandas.

    Why: pyarrow imports pandas, if it can, the first time it is given a Python list
    (``pyarrow.array``) or a Python number (most ``pyarrow.compute`` calls), to ask whether
    the value is a pandas object: about 0.2 s of a run's serial start, before any row is
    read. Refused, pyarrow treats values as plain Python ones, which is what batch gives it.
    Afterwards everything imports pandas as usual, pyarrow included (its ``to_pandas`` and
    ``from_pandas`` try again). Enter it on the thread that starts the run, before the
    run's threads start, and leave it after they end."""
    import sys

    if "pandas" in sys.modules:
        yield False
        return
    refuse = _RefusePandas()
    sys.meta_path.insert(0, refuse)
    try:
        yield True
    finally:
        sys.meta_path.remove(refuse)


class _RefusePandas:
    """An import finder that refuses pandas (``sys.modules["pandas"] = None`` would not do:
    pyarrow's compiled ``import`` takes the ``None`` for the module)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
