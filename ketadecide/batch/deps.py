"""The optional dependencies of ``batch``, checked once with a message that says how to get them."""

from __future__ import annotations

import importlib.util

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
