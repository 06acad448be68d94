"""``ketadecide batch INPUT --engine spark -o DIR``: the options the Spark engine takes,
checked before anything is read or started."""

from __future__ import annotations

from ketadecide.errors import InputError, Problem

#: The input formats the Spark engine reads.
SPARK_INPUTS = ("parquet", "csv", "jsonl")
#: Output names that read as a single file of another format, not a directory.
_FILE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")


def check_spark_options(
    input_file: str | None,
    output: str | None,
    *,
    fhir: str | None,
    input_format: str | None,
    output_format: str | None,
    threads: int | None,
) -> None:
    """Exit 2, naming the option, for what ``--engine spark`` does not do (yet)."""
    from ketadecide.batch.io.readers import format_of

    if fhir is not None:
        raise InputError(
            Problem("--engine spark reads a Parquet, CSV or JSONL file; --fhir runs on the default --engine duckdb")
        )
    if input_file is None or input_file == "-":
        raise InputError(
            Problem(
                "--engine spark reads a Parquet, CSV or JSONL file, not standard input: Spark's executors read "
                "the input themselves, from storage every worker sees, and ketadecide does not copy your rows "
                "to disk unasked; save them to a file there and give its path as INPUT"
            )
        )
    kind = format_of(input_file, input_format, what="input")
    if kind not in SPARK_INPUTS:
        raise InputError(
            Problem(
                f"--engine spark reads Parquet, CSV or JSONL input, not {kind.upper()}; "
                "use the default --engine duckdb, or convert the file",
                input_file,
            )
        )
    if output is None or output == "-":
        raise InputError(
            Problem("--engine spark writes a directory of Parquet part files: give it with -o DIR (not stdout)")
        )
    if (output_format is not None and output_format.lower() != "parquet") or output.lower().endswith(_FILE_SUFFIXES):
        raise InputError(
            Problem(
                "--engine spark writes Parquet only, as a directory of part files (CSV and JSON lines on Spark may "
                "come later); give -o DIR, or use the default --engine duckdb",
                output,
            )
        )
    if threads is not None:
        raise InputError(Problem("--threads sets DuckDB's threads; with --engine spark use --spark-master local[N]"))


__all__ = ["SPARK_INPUTS", "check_spark_options"]
