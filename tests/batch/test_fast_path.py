"""The DuckDB engine's fast path against the one-at-a-time reference.

The findings decoder (``batch/decode.py``) builds each text once per distinct combination
of a row's lists, screen mask and completeness, from lookup tables; these tests make its
tables, slices and keys tiny so that every branch (several screen groups per severity,
several slices per group, key compaction) runs, and hold the results to ``evaluate`` on
rows with every boundary value and every kind of bad row.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.sql import decode
from ketadecide.batch.sql.decode import first_rows
from ketadecide.knowledge import KnowledgeBase
from tests.batch.helpers import read_errors, read_output, reference_csv, write_csv
from tests.batch.test_differential import seeded_rows


def _agree(tmp_path: Path, rows: list[dict[str, str]], kb: KnowledgeBase, out_fmt: str) -> int:
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    out = tmp_path / f"out.{out_fmt}"
    summary = run_batch(str(src), str(out), kb, threads=2)
    expected, bad = reference_csv(rows, kb)
    assert read_output(out, out_fmt) == expected
    assert {int(e["row"]) for e in read_errors(Path(f"{out}.errors.csv"))} == bad
    # A generated cell may hold a line break, which ends a CSV record (CONTRACT §1): count
    # the records as the reference read them, not the generated rows.
    assert summary.rows_in == len(expected) + len(bad) == summary.rows_out + summary.error_rows
    return len(bad)


def test_first_rows_finds_each_codes_first_row_in_any_dictionary_order() -> None:
    assert first_rows(pa.array([0, 1, 0, 2, 1], pa.int32())).to_pylist() == [0, 1, 3]
    # Codes not numbered in order of first occurrence: the group-by answers.
    assert first_rows(pa.array([1, 0, 1, 2, 0], pa.int32())).to_pylist() == [1, 0, 3]
    assert first_rows(pa.array([], pa.int32())).to_pylist() == []


@pytest.mark.parametrize("out_fmt", ["csv", "parquet"])
def test_decoder_with_tiny_tables_slices_and_keys_agrees(
    tmp_path: Path, rich_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, out_fmt: str
) -> None:
    # 26 screens: groups of 2 screens, 3-bit slices, keys compacted past 20 bits.
    monkeypatch.setattr(decode, "_GROUP", 2)
    monkeypatch.setattr(decode, "_SLICE", 3)
    monkeypatch.setattr(decode, "_KEY_BITS", 20)
    bad = _agree(tmp_path, seeded_rows(rich_kb, 2500, seed=11, bad=0.004), rich_kb, out_fmt)
    assert 50 < bad < 1000


def test_shipped_rules_agree_on_every_boundary_and_bad_row(tmp_path: Path) -> None:
    from ketadecide.floor import load_knowledge_base

    kb = load_knowledge_base()
    bad = _agree(tmp_path, seeded_rows(kb, 2500, seed=5, bad=0.004), kb, "csv")
    assert 50 < bad < 1000


def test_a_run_shortens_the_thread_switch_interval_and_puts_it_back(
    tmp_path: Path, minimal_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from ketadecide.batch.duckdb import run as writers

    seen: list[float] = []
    real = writers._write_run

    def spy(*args: object, **kwargs: object) -> None:
        seen.append(sys.getswitchinterval())
        real(*args, **kwargs)

    monkeypatch.setattr(writers, "_write_run", spy)
    before = sys.getswitchinterval()
    src = tmp_path / "in.csv"
    src.write_text("id,age\na,40\nb,forty\n", encoding="utf-8")
    summary = run_batch(str(src), str(tmp_path / "out.csv"), minimal_kb)
    assert summary.rows_out == 1 and summary.error_rows == 1
    assert seen == [min(before, writers.SWITCH_INTERVAL)]
    assert sys.getswitchinterval() == before
