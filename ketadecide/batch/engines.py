"""The batch engines: one small protocol (:class:`Engine`), picked from one table (:data:`ENGINES`).

Each engine is a room of its own -- ``ketadecide/batch/duckdb/`` and ``ketadecide/batch/spark/``
-- whose package defines ``ENGINE``. Both the CLI (:func:`run_job`) and the Python API
(``ketadecide.evaluate_many``) pick theirs here, so adding an engine is a new room plus one
line in :data:`ENGINES`. What the engines share lives beside them: the SQL (``batch/sql/``),
reading and writing files, the output columns and the summary (``batch/io/``) and the
Python reference's row checks (:mod:`ketadecide.batch.row_checks`).

Nothing here imports an engine's libraries: an engine's package is imported only when it
is picked, and imports DuckDB or PySpark only inside its functions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ketadecide.batch.io.summary import Summary
    from ketadecide.batch.row_checks import RowError
    from ketadecide.knowledge.base import KnowledgeBase

#: Engine name -> the package whose ``ENGINE`` runs it (imported when picked).
ENGINES: dict[str, str] = {
    "duckdb": "ketadecide.batch.duckdb",
    "spark": "ketadecide.batch.spark",
}
DEFAULT_ENGINE = "duckdb"


@dataclass(frozen=True)
class ResultChunk:
    """Results for consecutive valid input rows, in input order: what every engine's
    :meth:`Engine.results` stream yields besides :class:`~ketadecide.batch.row_checks.RowError`."""

    table: Any
    """A ``pyarrow.Table`` of the output columns (``batch.io.columns.output_schema``; with
    ``dictionary`` types when the run was asked for them)."""
    fired: Any
    """The rule bit mask per row (``batch.sql.compile.rule_bits`` order), or None when the
    rules do not fit one mask."""
    json_lines: tuple[str, ...] | None
    """Each row as a JSON line (only when the run was asked for JSON lines)."""
    decided_in_python: int
    """How many of the rows the SQL was unsure of and the reference engine decided."""


Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class BatchJob:
    """One ``ketadecide batch`` file run as asked: where to read and write, and how."""

    input: str | None
    """INPUT as given (a path, ``-`` for standard input), or None with :attr:`fhir`."""
    output: str | None
    """``-o``: a file, a directory (Spark), or None/``-`` for standard output."""
    input_format: str | None = None
    output_format: str | None = None
    errors: str | None = None
    """``--errors``; filled in with the engine's default by :meth:`Engine.check`."""
    summary: Path | None = None
    """``--summary``: written by the caller; here so no output overwrites it."""
    data_dir: Path | None = None
    fhir: str | None = None
    as_of: date | None = None
    threads: int | None = None
    master: str | None = None
    progress: Progress | None = None
    keep: tuple[str, ...] = ()
    """``--keep``: input columns copied into the results after ``id`` (CONTRACT §5)."""

    @property
    def source(self) -> str:
        """What the run reads: the FHIR bundles or INPUT."""
        return self.fhir if self.fhir is not None else str(self.input)

    @property
    def to_stdout(self) -> bool:
        return self.output in (None, "-")

    def with_errors(self, errors: str) -> BatchJob:
        return replace(self, errors=errors)


class Engine(Protocol):
    """What an engine does for the CLI and for ``evaluate_many``."""

    name: str
    shows_progress: bool
    """Whether :meth:`run` calls :attr:`BatchJob.progress`."""

    def check(self, job: BatchJob) -> BatchJob:
        """Refuse (``InputError``, exit 2, naming the option) what this engine does not do,
        before anything is read or started; the job with the errors file's default."""
        ...

    def require(self) -> None:
        """Raise ``InputError`` naming the extra to install when a library is missing."""
        ...

    def run(self, job: BatchJob, kb: KnowledgeBase) -> Summary:
        """Run ``job`` end to end, writing its files; the run's summary."""
        ...

    def results(
        self, source: Any, kb: KnowledgeBase, *, input_format: str | None, spark: Any, keep: tuple[str, ...] = ()
    ) -> tuple[str, Generator[ResultChunk | RowError, None, None]]:
        """For ``evaluate_many``: the input's name and the stream of result chunks and row
        errors (rows ascending), with the ``keep`` input columns after ``id``. Checks its
        arguments (``ValueError``) before returning."""
        ...


def engine_for(name: str) -> Engine:
    """The engine called ``name`` (``ValueError`` naming the choices when none is)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r} ({' or '.join(ENGINES)})")
    engine: Engine = importlib.import_module(ENGINES[name]).ENGINE
    return engine


def run_job(job: BatchJob, engine: str = DEFAULT_ENGINE) -> Summary:
    """``ketadecide batch``'s one core call: check the job against ``engine``, check that no
    output overwrites an input, load the knowledge base and run. Raises ``InputError`` for
    what the user can fix (nothing is then written under the final names)."""
    from ketadecide.batch.io.writers import default_errors_path
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths

    picked = engine_for(engine)
    job = picked.check(job)
    check_paths(
        [job.source, job.data_dir],
        {
            "--output": job.output,
            "--errors": job.errors or default_errors_path(job.output, job.source),
            "--summary": job.summary,
        },
        stdout=job.to_stdout,
    )
    picked.require()
    return picked.run(job, load_knowledge_base(job.data_dir))


__all__ = ["DEFAULT_ENGINE", "ENGINES", "BatchJob", "Engine", "Progress", "ResultChunk", "engine_for", "run_job"]
