"""``ketadecide batch INPUT --engine spark -o DIR``: the Spark engine writing files.

The results go to ``DIR`` and the row errors to ``--errors`` (default ``DIR.errors``): both
folders of part files written by Spark's own writers and Hadoop's committer, on any file
system the session's Hadoop reaches (:mod:`ketadecide.batch.spark.output`). No row travels
through the driver: the executors re-check the flagged rows and write the errors parts
(CONTRACT §5: each part with the header, the parts in name order hold the rows ascending),
then run the rules and write the results parts; the summary is counted on the executors.

Before success is declared, the rows really under the staging names -- the results parts'
Parquet footers, read on the driver, and the error rows of the visible errors parts -- are
compared with the input's row count: a worker that wrote where the driver cannot see (a
folder not shared by every worker) makes them differ, and the run fails (exit 1) with
nothing under the final names. Then the errors folder, and last the results folder, are
renamed into place.
"""

from __future__ import annotations

from typing import Any

from ketadecide.batch.io.summary import Summary, SummaryCounter
from ketadecide.batch.spark.engine import (
    close_input,
    count_accepted,
    count_error_parts,
    count_results,
    error_frame,
    open_spark_input,
    recheck_frame,
    results_frame,
    spark_errors,
    write_errors,
)
from ketadecide.batch.spark.output import Target, parquet_rows, row_group_split, tidy_parts
from ketadecide.batch.spark.workers import error_header
from ketadecide.errors import EnvironmentFailure
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.outputs import all_written


def spark_errors_path(output: str, errors: str | None) -> str:
    """The errors output: ``--errors``, else ``DIR.errors`` beside the output directory."""
    return errors or f"{output.rstrip('/') or output}.errors"


def _written(spark: Any, out_dir: str, err_dir: str, *, jsonl: bool, output: str) -> tuple[int, int]:
    """(result rows, error rows) really under the staging names. A part the driver lists but
    an executor cannot read (written where only some workers see) is the same failure."""
    try:
        written = parquet_rows(spark, out_dir)
        _, error_rows = count_error_parts(spark, err_dir, jsonl=jsonl)
    except Exception as exc:  # py4j and PySpark raise several types for one missing file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise EnvironmentFailure(
            f"the written parts cannot be read back ({first}): not every Spark worker writes where the driver "
            f"reads (give -o and --errors on storage every worker shares); nothing was written to {output}"
        ) from None
    return written, error_rows


def run_spark_batch(
    input_location: str,
    output: str,
    kb: KnowledgeBase,
    *,
    spark: Any,
    errors: str,
    fmt: str = "parquet",
    keep: tuple[str, ...] = (),
) -> Summary:
    """Run the Spark engine on ``spark`` end to end: results to the folder ``output``, row
    errors to the folder ``errors`` (JSON lines parts when it ends in ``.jsonl``). Local
    paths are checked by the caller (the CLI) beforehand; every target is checked here."""
    jsonl = errors.lower().endswith(".jsonl")
    results, problems = Target(spark, output, "results"), Target(spark, errors, "errors")
    for target in (results, problems):
        target.check()
        target.remove_stale()
    try:
        split = row_group_split(spark, input_location) if fmt == "parquet" else None
    except Exception:  # an unreadable input is reported by the read below, in one line
        split = None
    if split is not None:  # our own session: one task per row group, as documented
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(split))
    inp = open_spark_input(spark, input_location, kb, fmt, keep)
    try:
        with results.staged() as out_dir, problems.staged() as err_dir, spark_errors(input_location, fmt):
            rechecked = recheck_frame(inp, kb, jsonl=jsonl).persist()
            try:
                write_errors(error_frame(inp, rechecked, jsonl=jsonl), err_dir, jsonl=jsonl)
                count_accepted(inp, rechecked)
            finally:
                rechecked.unpersist()
            results_frame(inp, kb, fired=False).write.mode("append").parquet(out_dir)
            tidy_parts(spark, err_dir, error_header(jsonl=jsonl))
            written, error_rows = _written(spark, out_dir, err_dir, jsonl=jsonl, output=output)
            if written + error_rows != inp.rows_in:
                raise EnvironmentFailure(
                    f"the input has {inp.rows_in} rows but the output folders hold {written} results and "
                    f"{error_rows} error rows: not every Spark worker writes where the driver reads "
                    f"(give -o and --errors on storage every worker shares); nothing was written to {output}"
                )
            counter = SummaryCounter(kb)
            for part in count_results(spark, out_dir, kb):
                counter.merge(part)
            counter.error_rows = error_rows
            counter.decided_in_python = inp.decided
            summary = counter.summary(input=inp.name, output=output, errors_file=errors)
            problems.commit()
            results.commit()
            all_written()  # the outputs are complete: a late SIGTERM no longer fails the run
    finally:
        close_input(inp)
    return summary


__all__ = ["run_spark_batch", "spark_errors_path"]
