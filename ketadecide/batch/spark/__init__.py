"""The Spark engine (``--engine spark``): the DuckDB engine's queries and row checks, run
on a Spark session.

The walk of one input stays in this room: :mod:`.options` checks the options,
:mod:`.session` starts Spark, :mod:`.engine` opens the input and asks the SQL room once for
its two queries (:func:`ketadecide.batch.sql.spark.spark_queries`), :mod:`.workers` is what
runs on the executors, :mod:`.run` and :mod:`.output` write the files; the errors file
and the summary are handed to ``batch/io`` at the end.
"""

from __future__ import annotations

from collections.abc import Generator
from os import PathLike
from typing import TYPE_CHECKING, Any

from ketadecide.batch.engines import BatchJob, ResultChunk

if TYPE_CHECKING:
    from ketadecide.batch.io.summary import Summary
    from ketadecide.batch.row_checks import RowError
    from ketadecide.knowledge.base import KnowledgeBase


class SparkEngine:
    name = "spark"
    shows_progress = False

    def check(self, job: BatchJob) -> BatchJob:
        from ketadecide.batch.spark.options import check_spark_options
        from ketadecide.batch.spark.run import spark_errors_path

        check_spark_options(
            job.input,
            job.output,
            fhir=job.fhir,
            input_format=job.input_format,
            output_format=job.output_format,
            threads=job.threads,
        )
        return job.with_errors(spark_errors_path(str(job.output), job.errors))

    def require(self) -> None:
        from ketadecide.batch.deps import require_spark_deps

        require_spark_deps()

    def run(self, job: BatchJob, kb: KnowledgeBase) -> Summary:
        """Check the output directory, start Spark on the job's master, run, stop it."""
        from ketadecide.batch.spark.output import check_output_dir
        from ketadecide.batch.spark.run import run_spark_batch
        from ketadecide.batch.spark.session import DEFAULT_MASTER, spark_session

        assert job.input is not None and job.output is not None and job.errors is not None  # by check()
        others = {
            "the input": job.input,
            "the data directory": None if job.data_dir is None else str(job.data_dir),
            "the summary file": None if job.summary is None else str(job.summary),
        }
        check_output_dir(job.output, {**others, "the errors output": job.errors})
        check_output_dir(job.errors, {**others, "the results output": job.output})
        from ketadecide.batch.io.readers import format_of

        fmt = format_of(job.input, job.input_format, what="input")
        with spark_session(job.master or DEFAULT_MASTER, input_format=fmt) as spark:
            return run_spark_batch(job.input, job.output, kb, spark=spark, errors=job.errors, fmt=fmt, keep=job.keep)

    def results(
        self, source: Any, kb: KnowledgeBase, *, input_format: str | None, spark: Any, keep: tuple[str, ...] = ()
    ) -> tuple[str, Generator[ResultChunk | RowError, None, None]]:
        if spark is None:
            raise ValueError('engine="spark" needs spark=<a SparkSession>')
        if not isinstance(source, str | PathLike):
            raise ValueError('engine="spark" reads one Parquet or CSV file: give its path')
        from ketadecide.batch.io.readers import format_of
        from ketadecide.batch.spark.engine import stream_spark
        from ketadecide.batch.spark.options import SPARK_INPUTS

        location = str(source)
        fmt = format_of(location, input_format, what="input")
        if fmt not in SPARK_INPUTS:
            raise ValueError(f'engine="spark" reads Parquet or CSV, not {fmt.upper()}')
        return location, stream_spark(spark, location, kb, fmt, keep)


ENGINE = SparkEngine()

__all__ = ["ENGINE", "SparkEngine"]
