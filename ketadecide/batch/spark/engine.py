"""``--engine spark``: the DuckDB engine's steps, run on a Spark session over one Parquet,
CSV or JSONL file.

Parquet rows are numbered by the row index plus one (``_metadata.row_index``); CSV and
JSONL rows by their line, from per-split line counts (:mod:`ketadecide.batch.spark.lines`):
how the DuckDB engine numbers the same file. A run is three Spark jobs:

1. **flagged rows**: the validation query (:func:`~ketadecide.batch.sql.spark.flagged_sql`, asked for with the
   results query in one call when the input is opened)
   keeps the rows it cannot vouch for, and the workers re-decide them with the Python
   reference (:func:`~ketadecide.batch.spark.workers.recheck`): the row errors are written
   by the executors; only the number of rows the reference accepts reaches the driver;
2. **results**: validation and rules (:func:`~ketadecide.batch.sql.spark.results_sql`),
   decoded on the workers (:func:`~ketadecide.batch.spark.workers.finish`), each flagged
   row re-checked there from its raw cells and replaced by the reference's answer; written
   by Spark's committer (the CLI) or streamed a partition at a time (:func:`stream_spark`,
   for ``stream_many``/``evaluate_many``);
3. **summary** (files only): the written results counted per partition and merged.

So the errors file, the summary and the output rows are the DuckDB engine's, from the
same code; the differential tests hold them identical. No row passes through the driver.
"""

from __future__ import annotations

import contextlib
import pickle
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ketadecide.batch.engines import ResultChunk
from ketadecide.batch.io.columns import check_keep
from ketadecide.batch.row_checks import RowError
from ketadecide.batch.spark.workers import (
    FIRED,
    RECHECK_DDL,
    as_ipc,
    bad_line_rows,
    count,
    count_errors,
    error_header,
    finish,
    headed,
    output_ddl,
    recheck,
    typed_json_schema,
    validate_json,
)
from ketadecide.batch.sql.spark import SparkQueries, kept_columns, spark_queries, typed_results_sql, uses_decoder
from ketadecide.errors import InputError, Problem
from ketadecide.knowledge.base import KnowledgeBase


@dataclass
class SparkInput:
    """One Parquet file opened on a Spark session, as a temporary view of its columns plus
    ``__row`` and ``__seq``."""

    spark: Any
    name: str
    view: str
    kinds: dict[str, str]
    """Input column -> validation kind (see :mod:`ketadecide.batch.sql.validate`)."""
    queries: SparkQueries
    """The two queries over :attr:`view`, from the SQL room in one call."""
    errors: list[RowError] = field(default_factory=list)
    decided: int = 0
    """How many flagged rows the Python reference accepted (counted on the executors)."""
    rows_in: int = 0
    """The input's row count (from the Parquet footers; for CSV, its lines but the header)."""
    fmt: str = "parquet"
    """``parquet`` or ``csv``: how the Python reference reads a flagged row's cells."""
    bad: Any = None
    """CSV: the lines set aside before parsing (``__row``, ``__bad``: their errors), a DataFrame."""
    cached: list[Any] = field(default_factory=list)
    """DataFrames persisted for the run, unpersisted by :func:`close_input`."""
    keep: tuple[str, ...] = ()
    """``--keep``: input columns copied, as text, into the results after ``id``."""


def _checked(kinds: dict[str, str], keep: tuple[str, ...]) -> dict[str, str]:
    """The columns the validation checks: all but the ``--keep`` ones that are no profile
    field (CONTRACT §5: kept columns are never checked as profile fields)."""
    from ketadecide.profile import PROFILE_FIELDS

    return {k: v for k, v in kinds.items() if k in PROFILE_FIELDS or k not in keep}


def column_kinds(schema: Any) -> dict[str, str]:
    """Input column -> validation kind for a Spark schema, as ``readers._kind_of`` decides
    it for the Arrow schema of the same Parquet file."""
    from pyspark.sql import types as t

    def kind(dt: Any) -> str:
        if isinstance(dt, t.StringType | t.VarcharType | t.CharType):
            return "text"
        if isinstance(dt, t.BooleanType):
            return "bool"
        if isinstance(dt, t.ByteType | t.ShortType | t.IntegerType | t.LongType):
            return "int"
        if isinstance(dt, t.FloatType | t.DoubleType):
            return "float"
        if isinstance(dt, t.ArrayType):
            inner = kind(dt.elementType)
            if inner == "text":
                return "list_text"
            if inner == "int":
                return "list_int"
        return "other"

    return {f.name: kind(f.dataType) for f in schema.fields}


@contextlib.contextmanager
def spark_errors(name: str, fmt: str = "parquet") -> Iterator[None]:
    """Spark's failures to read the input as :class:`InputError` (exit 2, one line)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        text = str(exc)
        reading = (
            "FAILED_READ_FILE",
            "PATH_NOT_FOUND",
            "Could not read footer",
            "is not a Parquet file",
            "UNABLE_TO_INFER_SCHEMA",
            "CANNOT_READ_FILE_FOOTER",
            "PARQUET",
            "Parquet",
            "DUPLICATE",
            "Unsupported",
        )
        if any(marker in text for marker in reading):
            first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
            raise InputError(Problem(f"Spark cannot read it as {fmt.upper()} ({first[:300]})", name)) from None
        raise


def open_spark_input(
    spark: Any, location: str, kb: KnowledgeBase, fmt: str = "parquet", keep: tuple[str, ...] = ()
) -> SparkInput:
    """Open one Parquet, CSV or JSONL file (any path the session can read) as a :class:`SparkInput`;
    ``keep`` names its columns copied into the results (exit 2 when one is not there)."""
    if fmt in {"csv", "jsonl"}:
        return open_spark_text(spark, location, kb, fmt, keep)
    with spark_errors(location):
        frame = spark.read.parquet(location)
        files = frame.inputFiles()
    if len(files) != 1:
        raise InputError(
            Problem(
                f"--engine spark reads one Parquet file (its row index numbers the rows); this is {len(files)} files",
                location,
            )
        )
    seen: set[str] = set()
    for name in frame.columns:
        if name in seen:
            raise InputError(Problem(f"the file has two columns named '{name}'", location))
        seen.add(name)
    check_keep(keep, frame.columns)
    kinds = _checked(column_kinds(frame.schema), keep)
    numbered = frame.selectExpr("*", "_metadata.row_index + 1 AS __row", "_metadata.row_index AS __seq")
    view = f"__ketadecide_input_{secrets.token_hex(4)}"
    numbered.createOrReplaceTempView(view)
    with spark_errors(location):
        rows_in = frame.count()
    return SparkInput(spark, location, view, kinds, spark_queries(kinds, kb, view, keep), rows_in=rows_in, keep=keep)


def open_spark_text(spark: Any, location: str, kb: KnowledgeBase, fmt: str, keep: tuple[str, ...] = ()) -> SparkInput:
    """Open one CSV or JSONL file through Spark's text source (:mod:`ketadecide.batch.spark.lines`):
    its lines numbered from per-split counts, cut into cells on the executors exactly as the
    DuckDB engine cuts them, with the same refusals (exit 2) for the file as a whole. A CSV's
    text cells go through the validation SQL in Spark; JSONL lines through the DuckDB
    engine's JSON validation in each task (:func:`~ketadecide.batch.spark.workers.validate_json`)."""
    from pyspark import StorageLevel
    from pyspark.sql import types as t

    from ketadecide.batch.io.lines import MAX_LINE_BYTES
    from ketadecide.batch.io.readers import JSONL_DELIMITER, csv_header
    from ketadecide.batch.spark.lines import BAD, COUNTS_DDL, line_offsets, parse_splits, read_lines, split_counts

    kind = fmt.upper()
    with spark_errors(location, fmt):
        lines, framed = read_lines(spark, location)
        files = lines.inputFiles()
    if len(files) > 1:
        raise InputError(
            Problem(
                f"--engine spark reads one {kind} file (its lines number the rows); this is {len(files)} files",
                location,
            )
        )
    with spark_errors(location, fmt):
        counts = [r.asDict() for r in framed.mapInArrow(split_counts, COUNTS_DDL).collect()]
    offsets, total, first_bad, head = line_offsets(counts)
    skip = 1 if fmt == "csv" else 0  # the header's line
    if fmt == "csv":
        first = b"" if head is None else bytes(head)
        if total > 1 and len(first) <= MAX_LINE_BYTES:
            first += b"\n"  # the header line as a line reader gives it
        header, delimiter = csv_header(first, location)
        check_keep(keep, header)
    else:
        header, delimiter = ["line"], JSONL_DELIMITER
        check_keep(keep, None)
    if first_bad is not None:
        raise InputError(Problem(f"not valid UTF-8 text (line {first_bad - skip})", location))
    schema = t.StructType(
        [
            *(t.StructField(c, t.StringType()) for c in header),
            t.StructField("__row", t.LongType()),
            t.StructField("__seq", t.LongType()),
            t.StructField(BAD, t.StringType()),
        ]
    )
    work = partial(parse_splits, offsets=offsets, header=header, delimiter=delimiter, name=location, fmt=fmt)
    # Kept: the three jobs (errors, accepted rows, results) read the cells cut once.
    parsed = framed.mapInArrow(work, schema).persist(StorageLevel.MEMORY_AND_DISK)
    view = f"__ketadecide_input_{secrets.token_hex(4)}"
    good = parsed.where(f"{BAD} IS NULL").drop(BAD)
    cached = [parsed]
    if fmt == "csv":
        good.createOrReplaceTempView(view)
        kinds = _checked(dict.fromkeys(header, "text"), keep)
        queries = spark_queries(kinds, kb, view, keep)
    else:
        from pyspark.sql.pandas.types import from_arrow_schema

        typed_schema = from_arrow_schema(typed_json_schema(keep))
        typed = good.mapInArrow(partial(validate_json, kb=kb, keep=keep), typed_schema)
        typed = typed.persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(typed)
        typed.createOrReplaceTempView(view)
        kinds = {"line": "json"}
        kept = "".join(f", {k}" for k in kept_columns(keep))
        queries = SparkQueries(
            f"SELECT __row, line{kept} FROM {view} WHERE __flag",
            typed_results_sql(kb, view, keep),
            uses_decoder(kb),
            ("line",),
        )
    inp = SparkInput(spark, location, view, kinds, queries, rows_in=max(total - skip, 0), fmt=fmt, keep=keep)
    inp.bad = parsed.where(f"{BAD} IS NOT NULL").select("__row", BAD)
    inp.cached.extend(cached)
    return inp


def close_input(inp: SparkInput) -> None:
    """Drop the input's view and what was persisted for it."""
    inp.spark.catalog.dropTempView(inp.view)
    for frame in inp.cached:
        frame.unpersist()


def recheck_frame(inp: SparkInput, kb: KnowledgeBase, *, jsonl: bool = False) -> Any:
    """Job 1's DataFrame: the rows the validation flags, re-decided on the executors by the
    Python reference: per problem a row error and its errors-file ``line`` (a partition's
    first line is the header, ``row`` 0), per accepted row its output record."""
    flagged = inp.spark.sql(inp.queries.flagged)
    work = partial(recheck, kinds=inp.kinds, kb=kb, fired=inp.queries.decode, jsonl=jsonl, fmt=inp.fmt, keep=inp.keep)
    return flagged.mapInArrow(work, RECHECK_DDL)


def error_frame(inp: SparkInput, rechecked: Any, *, jsonl: bool) -> Any:
    """Every problem of every row (``row``, ``n``, ``id``, ``field``, ``error``, ``line``):
    the flagged rows' and, for CSV, the set-aside lines'."""
    errors = rechecked.where("accepted IS NULL")
    if inp.bad is not None:
        errors = errors.unionByName(inp.bad.mapInArrow(partial(bad_line_rows, jsonl=jsonl), RECHECK_DDL))
    return errors


def count_accepted(inp: SparkInput, rechecked: Any) -> None:
    """How many flagged rows the reference accepted (rare: values only the reference can
    read), counted on the executors into ``inp.decided``; the rows themselves are re-checked
    again where the results are made (:func:`~ketadecide.batch.spark.workers.finish`)."""
    inp.decided = rechecked.where("accepted IS NOT NULL").count()


def write_errors(errors: Any, location: str, *, jsonl: bool) -> None:
    """The errors output as part files written by the executors (CONTRACT §5: each part
    starts with the header; the parts in name order hold the rows ascending, a row's
    problems together in one part: range-partitioned by row)."""
    ordered = errors.select("row", "n", "line").repartitionByRange("row").sortWithinPartitions("row", "n")
    ordered.mapInArrow(partial(headed, header=error_header(jsonl=jsonl)), "line STRING").write.mode("append").text(
        location
    )


def count_error_parts(spark: Any, location: str, *, jsonl: bool) -> tuple[int, int]:
    """(problems, distinct rows) in the errors part files visible under ``location``,
    counted on the executors (each part parsed where it is read)."""
    frame = spark.read.text(location, wholetext=True)
    counts = frame.mapInArrow(partial(count_errors, jsonl=jsonl), "problems BIGINT, rows BIGINT").collect()
    return sum(r["problems"] for r in counts), sum(r["rows"] for r in counts)


def results_frame(inp: SparkInput, kb: KnowledgeBase, *, fired: bool) -> Any:
    """Job 2's DataFrame: the output columns (and the rule mask ``__fired`` when asked and
    the rules fit one), each partition's rows in input order."""
    decode = inp.queries.decode
    mask = fired and decode
    rules = inp.spark.sql(inp.queries.results)
    work = partial(
        finish, kb=kb, decode=decode, fired=mask, kinds=inp.kinds, raw=inp.queries.raw, fmt=inp.fmt, keep=inp.keep
    )
    return rules.mapInArrow(work, output_ddl(fired=mask, keep=inp.keep))


def count_results(spark: Any, location: str, kb: KnowledgeBase) -> list[Any]:
    """Job 3: the written results' counts, one ``SummaryCounter`` per partition (each
    partition counted where it is), for the caller to merge."""
    frame = spark.read.parquet(location)
    return [pickle.loads(row["counter"]) for row in frame.mapInArrow(partial(count, kb=kb), "counter BINARY").collect()]


def stream_spark(
    spark: Any, location: str, kb: KnowledgeBase, fmt: str = "parquet", keep: tuple[str, ...] = ()
) -> Generator[ResultChunk | RowError, None, None]:
    """The Spark engine as :func:`~ketadecide.batch.duckdb.stream.stream_results` gives it: the
    row errors (rows ascending), then the results in input order, one chunk per Arrow batch
    of a partition. Nothing is collected: both come to this process a partition at a time
    (``toLocalIterator``; the results as Arrow IPC bytes, one value per batch), sorted by
    row on the executors first. For ``stream_many``/``evaluate_many(..., engine="spark")``."""
    import pyarrow as pa

    inp = open_spark_input(spark, location, kb, fmt, keep)
    try:
        with spark_errors(location, fmt):
            rechecked = recheck_frame(inp, kb).persist()
            try:
                count_accepted(inp, rechecked)
                errors = error_frame(inp, rechecked, jsonl=False).orderBy("row", "n")
                for item in errors.select("row", "id", "field", "error").toLocalIterator():
                    yield RowError(item["row"], item["id"], item["field"], item["error"])
            finally:
                rechecked.unpersist()
            ordered = results_frame(inp, kb, fired=True).orderBy("row")
            decided = inp.decided
            for item in ordered.mapInArrow(as_ipc, "ipc BINARY").toLocalIterator():
                with pa.ipc.open_stream(bytes(item["ipc"])) as reader:
                    table = reader.read_all()
                fired = table.column(FIRED) if FIRED in table.column_names else None
                if fired is not None:
                    table = table.drop_columns([FIRED])
                yield ResultChunk(table, fired, None, decided)
                decided = 0  # counted once, with the first chunk
    finally:
        close_input(inp)


__all__ = [
    "SparkInput",
    "close_input",
    "count_accepted",
    "count_error_parts",
    "count_results",
    "error_frame",
    "open_spark_input",
    "open_spark_text",
    "recheck_frame",
    "results_frame",
    "spark_errors",
    "stream_spark",
    "write_errors",
]
