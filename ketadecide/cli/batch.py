"""``ketadecide batch``: many profiles (CSV, JSONL, Parquet), one result row each (CONTRACT §5)."""

from __future__ import annotations

import contextlib
import enum
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from ketadecide.batch.engines import BatchJob, engine_for, run_job
from ketadecide.cli.errors import handles_errors
from ketadecide.cli.help import examples
from ketadecide.cli.options import AsOfOpt, DataDirOpt, as_of_date
from ketadecide.errors import InputError, Problem
from ketadecide.tty import is_terminal


class FileFormat(enum.StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class Engine(enum.StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Dialect(enum.StrEnum):
    duckdb = "duckdb"
    spark = "spark"
    postgres = "postgres"
    bigquery = "bigquery"
    snowflake = "snowflake"


@handles_errors
def batch(  # noqa: PLR0917 - Typer passes every option by position
    input_file: Annotated[
        str | None,
        typer.Argument(
            metavar="INPUT",
            help="Profiles, one per row: .csv, .jsonl or .parquet (or - for CSV/JSONL on stdin).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Results file (.csv, .jsonl, .parquet), or - for stdout (default).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--output-format",
            help="csv, jsonl or parquet (default: from -o's extension; csv on stdout).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    input_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--input-format",
            help="csv, jsonl or parquet (default: from INPUT's extension).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    errors: Annotated[
        str | None,
        typer.Option(
            "--errors",
            metavar="FILE",
            help="Errors file (default OUTPUT.errors.csv; .jsonl for JSON lines).",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            metavar="FILE",
            help="Also write the run summary as JSON to FILE.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    fhir: Annotated[
        str | None,
        typer.Option(
            "--fhir",
            metavar="DIR|FILE",
            help="Read profiles from FHIR R4 bundles instead: a folder of .json bundles or an NDJSON "
            "file (one bundle per line). Needs the 'fhir' extra.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    emit_sql: Annotated[
        bool,
        typer.Option(
            "--emit-sql",
            help="Print the rules as one SQL query instead of running: it reads a table with the "
            "contract's columns as text (the CSV cells), validates each row as batch does and gives "
            "the CSV output's columns plus 'error' (NULL for a valid row). See docs/batch.md.",
        ),
    ] = False,
    dialect: Annotated[
        Dialect,
        typer.Option(
            "--dialect",
            help="SQL dialect for --emit-sql. duckdb, postgres and spark are tested on the real engines; "
            "bigquery and snowflake are untested on a live engine (review before use).",
            case_sensitive=False,
        ),
    ] = Dialect.duckdb,
    table: Annotated[
        str,
        typer.Option("--table", metavar="NAME", help="Table the emitted query reads (contract columns, as text)."),
    ] = "profiles",
    row_column: Annotated[
        str | None,
        typer.Option(
            "--row-column",
            metavar="NAME",
            help="Column of --table holding each row's number (for --emit-sql). Without it the row is "
            "ROW_NUMBER() in the table's scan order: the load order on DuckDB and Spark, not on PostgreSQL.",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        bool,
        typer.Option("--progress/--no-progress", help="Progress bar (only ever on a terminal)."),
    ] = True,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            metavar="N",
            help="DuckDB threads for the rules query, per connection (a file is queried on two at "
            "once; default: half the cores, 1 to 4). "
            "More use more memory: 192 MB each above 2.",
            min=1,
            max=64,
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="duckdb (embedded; every format) or spark: a Parquet, CSV or JSONL file in, -o DIR out (a "
            "directory of Parquet part files written by Spark's committer). "
            "Spark needs the 'spark' extra and Java 17+.",
            case_sensitive=False,
        ),
    ] = Engine.duckdb,
    keep: Annotated[
        str | None,
        typer.Option(
            "--keep",
            metavar="COL,...",
            help="Copy these input columns into the results, after id, as text (never checked as "
            "profile fields; formula-escaped in CSV).",
            show_default=False,
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            metavar="URL",
            help="Spark master for --engine spark (default local[*]: this machine only, no web UI).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare the modalities for many profiles: one result row per valid input row, in input
    order; bad rows go to the errors file with their row number and reason."""
    import gc

    gc.enable()  # off for a quick start (cli.main.run); a batch runs long
    if emit_sql:
        _emit(output, data_dir, dialect.value, table, row_column)
        return
    if (input_file is None) == (fhir is None):
        raise InputError(Problem("give exactly one of INPUT (or - for stdin) or --fhir BUNDLES, or --emit-sql"))
    if engine is Engine.duckdb:
        from ketadecide.batch.deps import prefer_jemalloc

        prefer_jemalloc()  # before pyarrow loads
    job = BatchJob(
        input=input_file,
        output=output,
        input_format=input_format.value if input_format else None,
        output_format=output_format.value if output_format else None,
        errors=errors,
        summary=summary,
        data_dir=data_dir,
        fhir=fhir,
        as_of=as_of_date(as_of, fhir),
        threads=threads,
        master=spark_master,
        keep=tuple(name.strip() for name in keep.split(",")) if keep is not None else (),
    )
    with contextlib.ExitStack() as stack:
        if engine is Engine.duckdb:
            from ketadecide.batch.deps import without_pandas

            stack.enter_context(without_pandas())  # 0.2 s of start-up (see there)
        if progress and is_terminal(sys.stderr) and engine_for(engine.value).shows_progress:
            from ketadecide.render.terminal_batch import progress_bar

            width = max(80, shutil.get_terminal_size((120, 40)).columns)
            job = replace(job, progress=stack.enter_context(progress_bar(sys.stderr, width=width)))
        result = run_job(job, engine.value)
    _report(result.to_dict(), summary)


def _emit(output: str | None, data_dir: Path | None, dialect: str, table: str, row_column: str | None) -> None:
    """``--emit-sql``: the rules as one query, to ``-o`` or standard output."""
    from ketadecide.batch.deps import require_batch_deps
    from ketadecide.floor import load_knowledge_base
    from ketadecide.outputs import check_paths, write_text

    to_stdout = output in (None, "-")
    check_paths([data_dir], {"--output": output}, stdout=to_stdout)
    require_batch_deps()
    from ketadecide.batch.sql.emit import emit_sql

    text = emit_sql(load_knowledge_base(data_dir), dialect, table, text_input=True, row_column=row_column)
    if to_stdout:
        sys.stdout.write(text)
    else:
        write_text(str(output), text)


def _report(data: dict[str, Any], summary: Path | None) -> None:
    """The summary: to ``--summary`` as JSON, and on stderr (a table on a terminal, else a line)."""
    from ketadecide.outputs import write_text

    if summary is not None:
        write_text(summary, json.dumps(data, indent=2) + "\n")
    terminal = is_terminal(sys.stderr)
    width = max(80, shutil.get_terminal_size((120, 40)).columns)
    if terminal:
        from ketadecide.render.terminal_batch import print_summary

        color = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        print_summary(data, sys.stderr, color=color, width=width)
    else:
        print(
            f"ketadecide: batch: {data['rows_in']:,} rows in = {data['rows_out']:,} results + "
            f"{data['error_rows']:,} error rows" + (f" (see {data['errors_file']})" if data["error_rows"] else ""),
            file=sys.stderr,
        )


def register(app: typer.Typer) -> None:
    app.command(
        "batch",
        short_help="Compare the modalities for a cohort (CSV, JSONL, Parquet).",
        epilog=examples(
            "ketadecide batch examples/cohort.csv -o results.csv",
            "ketadecide batch cohort.jsonl -o results.parquet --errors problems.jsonl --summary summary.json",
            "cat cohort.csv | ketadecide batch - --output-format jsonl > results.jsonl",
            "ketadecide batch --emit-sql --dialect bigquery --table research.cohort > rules.sql",
            "ketadecide batch --fhir bundles/ -o results.csv",
            "ketadecide batch cohort.parquet --engine spark -o results/",
        ),
    )(batch)
