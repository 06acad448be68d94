"""The DuckDB engine (the default): embedded DuckDB runs the validation and the rules over
Arrow batches of any input (CSV, JSONL, Parquet, FHIR bundles, Python objects).

:mod:`.stream` is the result stream (:func:`~.stream.stream_results`), :mod:`.run` writes
it to files (:func:`~.run.run_batch`), :mod:`.prefetch` runs a step ahead on a thread.
"""

from __future__ import annotations

from collections.abc import Generator
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ketadecide.batch.engines import BatchJob, ResultChunk
from ketadecide.errors import InputError, Problem

if TYPE_CHECKING:
    from ketadecide.batch.io.summary import Summary
    from ketadecide.batch.row_checks import RowError
    from ketadecide.knowledge.base import KnowledgeBase


class DuckDBEngine:
    name = "duckdb"
    shows_progress = True

    def check(self, job: BatchJob) -> BatchJob:
        if job.master is not None:
            raise InputError(Problem("--spark-master is for --engine spark"))
        if job.keep and job.fhir is not None:
            raise InputError(Problem("--keep copies input columns; FHIR bundles have none"))
        return job

    def require(self) -> None:
        from ketadecide.batch.deps import require_batch_deps

        require_batch_deps()

    def run(self, job: BatchJob, kb: KnowledgeBase) -> Summary:
        from ketadecide.batch.duckdb.run import run_batch

        opened = None
        if job.fhir is not None:
            from ketadecide.batch.io.readers import open_fhir

            opened = open_fhir(job.fhir, kb, job.as_of)
        return run_batch(
            job.source,
            job.output,
            kb,
            input_format=job.input_format,
            output_format=job.output_format,
            errors=job.errors,
            progress=job.progress,
            opened=opened,
            threads=job.threads,
            keep=job.keep,
        )

    def results(
        self, source: Any, kb: KnowledgeBase, *, input_format: str | None, spark: Any, keep: tuple[str, ...] = ()
    ) -> tuple[str, Generator[ResultChunk | RowError, None, None]]:
        from ketadecide.batch.duckdb.run import keep_checked
        from ketadecide.batch.io.readers import open_input, open_profiles

        from_file = isinstance(source, str | PathLike)
        if keep and not from_file:
            raise ValueError("keep= copies columns of an input file; profiles have none")
        inp = keep_checked(open_input(str(Path(source)), input_format) if from_file else open_profiles(source), keep)
        return inp.name, _closing(inp, kb, keep)


def _closing(inp: Any, kb: KnowledgeBase, keep: tuple[str, ...] = ()) -> Generator[ResultChunk | RowError, None, None]:
    """The stream, with the input closed when it ends or is closed."""
    from ketadecide.batch.duckdb.stream import stream_results

    stream = stream_results(inp, kb, keep=keep)
    try:
        yield from stream
    finally:
        stream.close()
        if inp.close is not None:
            inp.close()


ENGINE = DuckDBEngine()

__all__ = ["ENGINE", "DuckDBEngine"]
