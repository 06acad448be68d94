"""The batch pipeline's threads: the read-ahead of input and query results, and the
writer thread. Each must keep order, hand its errors to the main thread, and stop
when the run stops."""

from __future__ import annotations

import io
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.duckdb.prefetch import prefetched
from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.io.columns import output_schema
from ketadecide.batch.io.writers import BackgroundWriter, ResultWriter
from ketadecide.knowledge import KnowledgeBase


def test_prefetched_keeps_order_and_runs_the_source_on_another_thread() -> None:
    threads: set[str] = set()

    def source() -> Iterator[int]:
        for i in range(500):
            threads.add(threading.current_thread().name)
            yield i

    assert list(prefetched(source(), depth=3)) == list(range(500))
    assert threads == {"ketadecide-reader"}


def test_prefetched_raises_the_source_error_in_its_place() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad byte on line 3")

    got = []
    with pytest.raises(ValueError, match="line 3"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1, 2]


def test_prefetched_stops_and_closes_the_source_when_the_consumer_stops() -> None:
    closed_on: list[str] = []

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed_on.append(threading.current_thread().name)

    stream = prefetched(endless(), depth=2)
    assert next(stream) == 0
    started = time.perf_counter()
    stream.close()
    assert time.perf_counter() - started < 5
    # Closed on the producing thread (where, for the query, the DuckDB connection is used).
    assert closed_on == ["ketadecide-reader"]
    assert not any(t.name == "ketadecide-reader" for t in threading.enumerate())


class _FailingStream(io.RawIOBase):
    """Takes the header, then fails like a full disk."""

    def __init__(self) -> None:
        self.writes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        self.writes += 1
        if self.writes > 1:
            raise OSError(28, "No space left on device")
        return len(memoryview(data))  # type: ignore[arg-type]


def _table(n: int) -> pa.Table:
    schema = output_schema()
    return pa.Table.from_pylist([dict.fromkeys(schema.names) | {"row": i, "id": f"x{i}"} for i in range(n)], schema)


def test_writer_thread_hands_a_write_error_to_the_caller() -> None:
    writer = BackgroundWriter(ResultWriter(_FailingStream(), "csv", output_schema()))  # type: ignore[arg-type]
    with pytest.raises(OSError, match="No space left"):
        for _ in range(50):  # raised at a later write, or at close
            writer.write(_table(10), None)
        writer.close()
    writer.abort()  # after a failure, stopping does not hang or raise again


def test_writer_thread_writes_every_table_in_order() -> None:
    sink = io.BytesIO()
    schema = output_schema()
    writer = BackgroundWriter(ResultWriter(sink, "parquet", schema))
    for start in range(0, 1000, 100):
        part = _table(1000).slice(start, 100)
        writer.write(part, None)
    writer.close()
    rows = pq.read_table(io.BytesIO(sink.getvalue())).column("row").to_pylist()
    assert rows == list(range(1000))


def test_parquet_output_reads_back_as_plain_text(tmp_path: Path, minimal_kb: KnowledgeBase) -> None:
    """Status and findings are written from dictionary arrays; readers must still see text."""
    src = tmp_path / "in.csv"
    src.write_text("id,age,conditions\na,40,\nb,70,\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    run_batch(str(src), str(out), minimal_kb)
    schema = pq.read_schema(out)
    for name in schema.names:
        if name.endswith(("_status", "_findings")):
            assert schema.field(name).type == pa.string(), name


def test_a_callers_iterable_is_consumed_on_the_callers_thread(minimal_kb: KnowledgeBase) -> None:
    """evaluate_many reads a caller's iterable on the caller's thread (a sqlite3 cursor, for
    one, refuses to be used from another), while files are read ahead on their own."""
    from ketadecide.batch.api import evaluate_many

    seen: set[str] = set()

    def profiles() -> Iterator[dict[str, object]]:
        for i in range(2000):
            seen.add(threading.current_thread().name)
            yield {"id": f"s{i}", "age": 30 + i % 50}

    run = evaluate_many(profiles(), minimal_kb)
    assert run.table.num_rows == 2000
    assert seen == {threading.current_thread().name}


def _pipeline_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ketadecide-")]


def test_a_run_that_fails_early_leaves_no_thread_and_no_file(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure right after the writer thread starts (here: building the query) must stop
    it too: a notebook calling the API again and again must not collect stuck threads."""
    import ketadecide.batch.duckdb.stream as run_mod

    def broken(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("no query today")

    monkeypatch.setattr(run_mod, "batch_sql", broken)
    src = tmp_path / "in.csv"
    src.write_text("id,age\na,40\n", encoding="utf-8")
    for _ in range(3):
        with pytest.raises(RuntimeError, match="no query today"):
            run_batch(str(src), str(tmp_path / "out.parquet"), minimal_kb)
    assert _pipeline_threads() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_running_out_of_memory_is_a_clear_error_not_a_write_failure(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB running out of memory used to surface as 'cannot write' of the errors file."""
    import ketadecide.batch.duckdb.stream as run_mod
    from ketadecide.errors import ResourceError

    monkeypatch.setattr(run_mod, "memory_limit_mb", lambda _threads: 1)
    src = tmp_path / "in.csv"
    src.write_text("id,age,conditions\n" + "".join(f"p{i},{20 + i % 60},\n" for i in range(30_000)), encoding="utf-8")
    # Two DuckDB threads, as this test was written for: one thread fits this input in 1 MB.
    with pytest.raises(ResourceError, match="ran out of memory"):
        run_batch(str(src), str(tmp_path / "out.parquet"), minimal_kb, threads=2)
    assert _pipeline_threads() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_memory_limit_grows_with_threads() -> None:
    from ketadecide.batch.duckdb.stream import memory_limit_mb

    assert memory_limit_mb(1) == memory_limit_mb(2) == 512
    assert memory_limit_mb(8) > memory_limit_mb(4) > 512


def _runs_out_of_order(n: int, seed: int) -> list[pa.RecordBatch]:
    """Records 0 .. n-1 as DuckDB's threads hand them back: runs of consecutive records,
    several runs to a batch, the runs of nearby input batches in any order."""
    import random

    rng = random.Random(seed)
    cuts = sorted({0, n, *rng.sample(range(1, n), k=min(n - 1, n // 7))})
    runs = [list(range(lo, hi)) for lo, hi in itertools.pairwise(cuts)]
    order: list[list[int]] = []
    for i in range(0, len(runs), 4):  # an out-of-order window of 4 runs
        window = runs[i : i + 4]
        rng.shuffle(window)
        order += window
    batches = []
    while order:
        take = order[: rng.randint(1, 3)]
        order = order[len(take) :]
        seq = [s for run in take for s in run]
        batches.append(
            pa.record_batch({"row": pa.array([s + 1 for s in seq], pa.int64()), "__seq": pa.array(seq, pa.int64())})
        )
    return batches


@pytest.mark.parametrize("seed", range(8))
def test_result_runs_come_back_in_input_order_with_every_row_once(seed: int) -> None:
    from ketadecide.batch.duckdb.stream import _in_order

    n = 5_000
    batches = _runs_out_of_order(n, seed)
    tables = list(_in_order(iter(batches)))
    assert all(t.num_rows for t in tables)
    assert pa.concat_tables(tables).column("__seq").to_pylist() == list(range(n))
    assert pa.concat_tables(tables).column("row").to_pylist() == list(range(1, n + 1))


def test_result_runs_start_at_the_chunk_s_first_record() -> None:
    from ketadecide.batch.duckdb.stream import _in_order

    later = pa.record_batch({"__seq": pa.array([103, 104, 100, 101, 102], pa.int64())})
    assert [t.column("__seq").to_pylist() for t in _in_order(iter([later]), start=100)] == [[100, 101, 102, 103, 104]]


@pytest.mark.parametrize(("cores", "threads"), [(None, 1), (1, 1), (2, 1), (3, 1), (4, 2), (8, 4), (64, 4)])
def test_duckdb_gets_half_the_cores_unless_told(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, threads: int
) -> None:
    # Reading, decoding and writing keep three other threads busy: on two cores a second
    # DuckDB thread only competes with them (docs/batch.md, "Threads").
    from ketadecide.batch.duckdb import stream

    monkeypatch.setattr(stream.os, "cpu_count", lambda: cores)
    assert stream.default_threads() == threads
    for given, want in ((None, threads), (3, 3)):
        con = stream._connect(given)
        try:
            assert con.sql("SELECT current_setting('threads')").fetchall() == [(want,)]
        finally:
            con.close()


def _cohort(path: Path, n: int) -> None:
    path.write_text(
        "id,age,conditions\n" + "".join(f"p{i},{(20 + i % 90) if i % 13 else 'old'},\n" for i in range(n)),
        encoding="utf-8",
    )


def test_two_connections_query_alternate_chunks_with_the_same_output(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of a file are queried two at a time, each on its own connection, on pool
    threads; the results and errors files are those of one connection, chunk after chunk."""
    import ketadecide.batch.duckdb.stream as run_mod

    monkeypatch.setattr(run_mod, "CHUNK_ROWS", 37)
    src = tmp_path / "in.csv"
    _cohort(src, 2_000)
    seen: set[str] = set()
    run = run_mod._Lanes._run

    def spied(self: object, *args: object) -> Iterator[object]:
        seen.add(threading.current_thread().name)
        return run(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run_mod._Lanes, "_run", spied)
    run_batch(str(src), str(tmp_path / "two.csv"), minimal_kb)
    assert any(name.startswith("ketadecide-query_") for name in seen), seen
    assert _pipeline_threads() == []

    class OneConnection(run_mod._Lanes):
        def __init__(self, con: object, sql: str, inp: object, connect: object) -> None:
            super().__init__(con, sql, inp, None)  # type: ignore[arg-type]

    monkeypatch.setattr(run_mod, "_Lanes", OneConnection)
    run_batch(str(src), str(tmp_path / "one.csv"), minimal_kb)
    for name in ("two.csv", "two.csv.errors.csv"):
        assert (tmp_path / name).read_bytes() == (tmp_path / name.replace("two", "one")).read_bytes()
    assert (tmp_path / "one.csv.errors.csv").read_text(encoding="utf-8").count("\n") > 100


def test_a_stream_closed_with_chunks_in_flight_leaves_no_thread(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ketadecide.batch.duckdb.stream as run_mod
    from ketadecide.batch.io.readers import open_input

    monkeypatch.setattr(run_mod, "CHUNK_ROWS", 37)
    src = tmp_path / "in.csv"
    _cohort(src, 2_000)
    stream = run_mod.stream_results(open_input(str(src), None), minimal_kb)
    next(item for item in stream if not isinstance(item, run_mod.RowError))
    stream.close()
    assert _pipeline_threads() == []
