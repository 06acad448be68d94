"""Issue 25 (speed): a flagged row whose one bad text cell explains it gets its error lines
from the validation SQL's mask and the reference's words for that cell, not from a
re-check of the whole row. The errors file (and the results) must be byte for byte what
re-checking every flagged row with the Python reference writes (``KETADECIDE_BATCH_RECHECK_ALL=1``),
on hostile cohorts: several problems in a row, hints, unknown columns, ragged lines,
formula-looking ids, control characters, swapped blood pressures, a missing age."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ketadecide.batch.duckdb.stream as stream_mod
from ketadecide.batch.duckdb.fast_errors import RECHECK_ALL_ENV, CellProblems
from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.sql.validate import OTHER_BAD, bad_field
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.helpers import DATA_DIR, write_csv
from tests.batch.test_differential import GENERATED_ROWS, row_strategy, seeded_rows

#: Bad cells people write, each with the hint the reference gives it.
HINTED = {
    "medications": ["Xanax", "xanax;ssri", "benzodiazepine;Xanax"],
    "conditions": ["not_a_condition", "hypertension;foo", "none;x"],
    "budget_per_session": ["$400", "$1,200", "400 dollars"],
    "has_driver": ["Y", "N", "maybe", "Yes please"],
    "bp_systolic": ["150/95", "high"],
    "insurance": ["Aetna", "Medi-Cal", "Commercial", "medicare "],
    "age": ["forty", "130", "-3", "4.5"],
    "phq9": ["1;2;3", "9;9;9;9;9;9;9;9;9"],
    "values_cost": ["11", "ten"],
    "diagnoses": ["none;mdd", "MDD"],
    "id": ["=HYPERLINK(1)", "tab\there", "x" * 250],
    "pregnancy": ["Pregnant", "yes"],
    "plan_decide_by": ["2027-02-30", "soon"],
}


def _hostile_rows(n: int, seed: int) -> list[dict[str, str]]:
    """Rows of the shipped schema: mostly valid, about one in five with one bad cell (the
    fast case), one in twenty with two or more, and the cross-field cases."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {
            "id": rng.choice([f"p{i}", f"-p{i}", f"@p{i}", "", f"p{i},with comma"]),
            "age": str(rng.randint(18, 80)),
            "conditions": rng.choice(["", "none", "hypertension"]),
            "medications": rng.choice(["", "none", "ssri"]),
            "insurance": rng.choice(["", "commercial", "medicare"]),
            "has_driver": rng.choice(["", "true", "no"]),
            "bp_systolic": rng.choice(["", "120"]),
            "bp_diastolic": rng.choice(["", "80"]),
        }
        roll = rng.random()
        fields = sorted(HINTED)
        if roll < 0.2:
            field = rng.choice(fields)
            row[field] = rng.choice(HINTED[field])
        elif roll < 0.25:
            for field in rng.sample(fields, rng.randint(2, 4)):
                row[field] = rng.choice(HINTED[field])
        elif roll < 0.27:
            row.update(bp_systolic="80", bp_diastolic="90")
        elif roll < 0.29:
            row["age"] = ""
        rows.append(row)
    return rows


def _run_both(
    tmp: Path, src: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, out: str = "out.csv"
) -> tuple[int, int]:
    """Runs ``src`` the vectorised way and the reference way, asserts the same bytes, and
    returns (error lines, rows the reference re-checked on the vectorised run)."""
    calls = 0
    check_row = stream_mod.check_row

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return check_row(*args, **kwargs)

    monkeypatch.setattr(stream_mod, "check_row", counted)
    monkeypatch.delenv(RECHECK_ALL_ENV, raising=False)
    fast = tmp / "fast"
    fast.mkdir()
    run_batch(str(src), str(fast / out), kb, threads=2)
    rechecked = calls
    monkeypatch.setenv(RECHECK_ALL_ENV, "1")
    ref = tmp / "ref"
    ref.mkdir()
    run_batch(str(src), str(ref / out), kb, threads=2)
    fast_errors = (fast / f"{out}.errors.csv").read_bytes()
    assert fast_errors == (ref / f"{out}.errors.csv").read_bytes()
    assert (fast / out).read_bytes() == (ref / out).read_bytes() or out.endswith(".parquet")
    return fast_errors.count(b"\n") - 1, rechecked


@pytest.fixture(scope="module")
def shipped_kb() -> KnowledgeBase:
    return load_knowledge_base(DATA_DIR)


@pytest.mark.slow
def test_hostile_cohort_errors_file_is_the_reference_s(
    tmp_path: Path, shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _hostile_rows(4000, seed=25)
    src = tmp_path / "in.csv"
    columns = list(PROFILE_FIELDS)
    write_csv(src, rows, columns)
    # A few lines that cannot be split, and an unknown column's cell, by hand.
    text = src.read_text(encoding="utf-8").splitlines()
    text[10] += ",extra"
    text[20] = "p20,40"
    src.write_text("\n".join(text) + "\n", encoding="utf-8")
    lines, rechecked = _run_both(tmp_path, src, shipped_kb, monkeypatch)
    assert lines > 900
    # The one-cell rows (about four in five of the flagged ones) were not re-checked.
    assert rechecked < 0.4 * lines


@pytest.mark.slow
def test_unknown_column_and_parquet_output(
    tmp_path: Path, shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _hostile_rows(600, seed=3)
    for i, row in enumerate(rows):
        if i % 50 == 0:
            row["site"] = "north"  # a value in a column that is not a profile field
    src = tmp_path / "in.csv"
    write_csv(src, rows, [*PROFILE_FIELDS, "site"])
    lines, _ = _run_both(tmp_path, src, shipped_kb, monkeypatch, out="out.parquet")
    assert lines > 100


def test_parquet_input_text_and_typed_columns(
    tmp_path: Path, shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet strings are text cells (the fast case); a typed column is re-checked."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _hostile_rows(800, seed=11)
    table = pa.table({f: [r.get(f, "") or None for r in rows] for f in ("id", "has_driver", "insurance", "phq9")})
    ages = [int(r["age"]) if r["age"].isdigit() else 200 for r in rows]
    table = table.append_column("age", pa.array(ages, pa.int64()))
    src = tmp_path / "in.parquet"
    pq.write_table(table, src)
    lines, _ = _run_both(tmp_path, src, shipped_kb, monkeypatch)
    assert lines > 100


@pytest.mark.slow
@settings(max_examples=15, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_rows_errors_are_the_reference_s(
    tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject
) -> None:
    """Hypothesis rows (every boundary value, valid and invalid, of every field) on the rule-rich
    knowledge base: the same errors file either way."""
    rows = data.draw(st.lists(row_strategy(rich_kb), min_size=1, max_size=150))
    tmp = tmp_path_factory.mktemp("vec")
    src = tmp / "in.csv"
    write_csv(src, rows)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _run_both(tmp, src, rich_kb, monkeypatch)


@pytest.mark.slow
def test_seeded_rows_with_many_bad_cells(
    tmp_path: Path, rich_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = seeded_rows(rich_kb, 3000, seed=99, bad=0.01)
    src = tmp_path / "in.csv"
    write_csv(src, rows)
    lines, rechecked = _run_both(tmp_path, src, rich_kb, monkeypatch)
    assert lines > 500
    assert rechecked < lines


def test_bad_field_names_one_field_only() -> None:
    assert bad_field(1) == PROFILE_FIELDS[0]
    assert bad_field(1 << PROFILE_FIELDS.index("age")) == "age"
    assert bad_field(0) is None
    assert bad_field(3) is None  # two fields
    assert bad_field(OTHER_BAD) is None
    assert bad_field((1 << 5) | OTHER_BAD) is None


def test_a_cell_the_reference_words_otherwise_is_rechecked(shipped_kb: KnowledgeBase) -> None:
    cells = CellProblems(shipped_kb, frozenset(PROFILE_FIELDS))
    age = 1 << PROFILE_FIELDS.index("age")
    problems = cells.of(age, "forty")
    assert problems is not None and [p.field for p in problems] == ["age"]
    assert cells.of(age, "40") is None  # the reference accepts it: re-check the row
    assert cells.of(1 << PROFILE_FIELDS.index("id"), "tab\there") is None  # the id is echoed
    assert cells.of(age | OTHER_BAD, "forty") is None
    assert cells.of(None, None) is None
    meds = cells.of(1 << PROFILE_FIELDS.index("medications"), "Xanax;foo")
    assert meds is not None and [p.field for p in meds] == ["medications[0]", "medications[1]"]
    assert "benzodiazepine" in meds[0].message
