"""``ketadecide batch INPUT -o FILE`` on the DuckDB engine: the input opened, the one
result stream (:func:`ketadecide.batch.duckdb.stream.stream_results`) consumed, each chunk
written at once, encoding on a thread of its own
(:class:`~ketadecide.batch.io.writers.BackgroundWriter`). Output and errors files are
written to temporary files and renamed into place only when the run completes (the errors
file first, so an output file under its final name always has its errors file).
"""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable
from typing import IO

from ketadecide.batch.duckdb.stream import stream_results
from ketadecide.batch.io.columns import check_keep
from ketadecide.batch.io.readers import Input, format_of, open_input
from ketadecide.batch.io.summary import Summary, SummaryCounter
from ketadecide.batch.io.writers import BackgroundWriter, ErrorsWriter, ResultWriter, default_errors_path
from ketadecide.batch.row_checks import RowError
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.outputs import NamedStream, all_written, check_paths, open_output

#: Python's thread switch interval during a run (seconds; see :func:`run_batch`).
SWITCH_INTERVAL = 0.001


def keep_checked(inp: Input, keep: tuple[str, ...]) -> Input:
    """``inp``, once ``--keep`` names only its columns (JSONL: any name); closed if not."""
    try:
        check_keep(keep, None if inp.fmt == "jsonl" else list(inp.columns))
    except BaseException:
        if inp.close is not None:
            inp.close()
        raise
    return inp


def run_batch(
    input_location: str,
    output: str | None,
    kb: KnowledgeBase,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    errors: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    threads: int | None = None,
    opened: Input | None = None,
    keep: tuple[str, ...] = (),
) -> Summary:
    """Run ``batch`` end to end, writing the output and errors files, and return its
    summary. Raises :class:`InputError` when the input itself cannot be read (then nothing
    is written under the final names)."""
    to_stdout = output in (None, "-")
    out_fmt = (output_format or "csv").lower() if to_stdout else format_of(str(output), output_format, what="output")
    errors_path = errors or default_errors_path(output, input_location)
    check_paths(
        [input_location] if opened is None else [],
        {"output": output, "errors": errors_path},
        stdout=to_stdout,
    )
    inp = keep_checked(opened or open_input(input_location, input_format, progress=progress is not None), keep)
    counter = SummaryCounter(kb)
    # Five threads share the cores, and the decoding thread makes hundreds of short Arrow
    # calls per chunk, giving up the GIL for each: at Python's default 5 ms switch interval
    # it waits behind the pure-Python re-checks of flagged rows; 1 ms made whole runs about
    # 10% faster on 2 cores. The process's own setting is put back when the run ends.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
    # Everything alive now (modules, the knowledge base, the caller's objects) lives through
    # the run: out of the collector's sight, so that the collections the run's many short-
    # lived objects set off do not walk them again each time (about 6% of a 100k-row run's
    # CPU). Put back when the run ends, so nothing of the caller's stays uncollectable; left
    # alone when the caller froze objects of its own (a forking server, say).
    froze = gc.isenabled() and gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    try:
        with contextlib.ExitStack() as stack:
            if to_stdout:
                out_fh: IO[bytes] = NamedStream(sys.stdout.buffer, "standard output")  # type: ignore[assignment]
            else:
                out_fh = stack.enter_context(open_output(str(output), binary=True))
            err_fh = stack.enter_context(open_output(errors_path))
            _write_run(
                inp,
                kb,
                out_fmt=out_fmt,
                out_fh=out_fh,
                errors=ErrorsWriter(err_fh, errors_path.lower().endswith(".jsonl")),
                counter=counter,
                progress=progress,
                threads=threads,
                keep=keep,
            )
            if to_stdout:
                # Before the summary says what was written: with a buffered standard output
                # (not a terminal, no PYTHONUNBUFFERED) a full disk shows only on this flush,
                # which Python would otherwise do at exit, after a summary of a run that failed.
                out_fh.flush()
        all_written()  # renamed into place: a late SIGTERM no longer fails the run
    finally:
        if froze:
            gc.unfreeze()
        sys.setswitchinterval(switch)
        if inp.close is not None:
            inp.close()
    return counter.summary(input=inp.name, output="<stdout>" if to_stdout else str(output), errors_file=errors_path)


def _write_run(
    inp: Input,
    kb: KnowledgeBase,
    *,
    out_fmt: str,
    out_fh: IO[bytes],
    errors: ErrorsWriter,
    counter: SummaryCounter,
    progress: Callable[[int, int | None], None] | None,
    threads: int | None,
    keep: tuple[str, ...] = (),
) -> None:
    from ketadecide.batch.duckdb.stream import key_mode
    from ketadecide.batch.io.columns import output_schema

    json_lines = out_fmt == "jsonl"
    schema = output_schema(dictionary=key_mode(kb, json_lines=json_lines), keep=keep)
    writer: BackgroundWriter | None = None
    stream = None
    try:
        writer = BackgroundWriter(ResultWriter(out_fh, out_fmt, schema))
        stream = stream_results(inp, kb, json_lines=json_lines, threads=threads, keep=keep)
        for item in stream:
            if isinstance(item, RowError):
                errors.write(item)
                counter.add_error(item)
                continue
            writer.write(item.table, item.json_lines)
            counter.add_results(item.table, item.fired, item.decided_in_python)
            if progress is not None:
                progress(counter.rows_in, inp.total_rows)
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()  # the temporary file is removed by open_output
        raise
    finally:
        if stream is not None:
            stream.close()


__all__ = ["SWITCH_INTERVAL", "run_batch"]
