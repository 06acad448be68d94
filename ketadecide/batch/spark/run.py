"""``ketadecide batch INPUT --engine spark -o DIR``: the Spark engine writing files.

The results go to ``DIR``, a directory of Parquet part files written by Spark's committer
(``_SUCCESS`` marks a complete one; the part files in name order hold the rows in input
order). The errors file and the summary are the DuckDB engine's, written on the driver
the same way (:class:`~ketadecide.batch.io.writers.ErrorsWriter`, the output policy's atomic
replacement); the errors file is renamed into place before the directory.
"""

from __future__ import annotations

from typing import Any

from ketadecide.batch.io.summary import Summary, SummaryCounter
from ketadecide.batch.io.writers import ErrorsWriter
from ketadecide.batch.spark.engine import count_results, open_spark_input, recheck_flagged, results_frame, spark_errors
from ketadecide.batch.spark.output import staged_directory
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.outputs import open_output


def spark_errors_path(output: str, errors: str | None) -> str:
    """The errors file: ``--errors``, else ``DIR.errors.csv`` beside the output directory."""
    return errors or f"{output.rstrip('/') or output}.errors.csv"


def run_spark_batch(input_location: str, output: str, kb: KnowledgeBase, *, spark: Any, errors: str) -> Summary:
    """Run the Spark engine on ``spark`` end to end: results to the directory ``output``,
    row errors to ``errors``. Paths are checked by the caller (the CLI) beforehand."""
    inp = open_spark_input(spark, input_location, kb)
    try:
        with staged_directory(output) as staging, open_output(errors) as err_fh:
            recheck_flagged(inp, kb)
            with spark_errors(input_location):
                results_frame(inp, kb, fired=False).write.parquet(staging)
            parts = count_results(spark, staging, kb)
            # The Spark work is done: the errors file and the summary are batch/io's.
            counter = SummaryCounter(kb)
            writer = ErrorsWriter(err_fh, errors.lower().endswith(".jsonl"))
            for error in inp.errors:
                writer.write(error)
                counter.add_error(error)
            counter.decided_in_python += len(inp.accepted)
            for part in parts:
                counter.merge(part)
            summary = counter.summary(input=inp.name, output=output, errors_file=errors)
    finally:
        spark.catalog.dropTempView(inp.view)
    return summary


__all__ = ["run_spark_batch", "spark_errors_path"]
