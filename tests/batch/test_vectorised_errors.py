"""Issue 25 (speed): a flagged row whose one bad text cell explains it gets its error lines
from the validation SQL's mask and the reference's words for that cell, not from a
re-check of the whole row. The errors file (and the results) must be byte for byte what
re-checking every flagged row with the Python reference writes (``KETADECIDE_BATCH_RECHECK_ALL=1``),
on hostile cohorts: several problems in a row, hints, unknown columns, ragged lines,
formula-looking ids, control characters, swapped blood pressures, a missing age."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ketadecide.batch.duckdb.stream as stream_mod
from ketadecide.batch.duckdb.fast_errors import RECHECK_ALL_ENV, WANTS_RAW, CellProblems
from ketadecide.batch.duckdb.run import run_batch
from ketadecide.batch.row_checks import check_cells
from ketadecide.batch.sql.validate import AGE_MISSING, BP_ORDER, OTHER_BAD, bad_field
from ketadecide.floor import load_knowledge_base
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.helpers import DATA_DIR, write_csv
from tests.batch.test_differential import GENERATED_ROWS, json_row, row_strategy, seeded_rows, text_candidates

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
    # A bad age cell leaves age without a valid value too: only the cell is reported.
    assert cells.of(age | AGE_MISSING, "forty") == problems
    assert cells.of(age, "40") is None  # the reference accepts it: re-check the row
    assert cells.of(age | OTHER_BAD, "forty") is None
    assert cells.of(None, None) is None
    ident = cells.of(1 << PROFILE_FIELDS.index("id"), "tab\there")
    assert ident is not None and [p.field for p in ident] == ["id"]
    meds = cells.of(1 << PROFILE_FIELDS.index("medications"), "Xanax;foo")
    assert meds is not None and [p.field for p in meds] == ["medications[0]", "medications[1]"]
    assert "benzodiazepine" in meds[0].message


def test_several_bad_cells_are_put_together_in_the_reference_s_order(shipped_kb: KnowledgeBase) -> None:
    cells = CellProblems(shipped_kb, frozenset(PROFILE_FIELDS))

    def bit(*names: str) -> int:
        return sum(1 << PROFILE_FIELDS.index(n) for n in names)

    raw = {"age": "", "has_driver": "Y", "conditions": "hypertension;foo", "bp_systolic": "80", "bp_diastolic": "90"}
    mask = bit("has_driver", "conditions") | AGE_MISSING | BP_ORDER
    assert cells.wants_raw(mask, None)
    problems = cells.of(mask, None, raw)
    assert problems is not None
    assert [p.field for p in problems] == ["age", "bp_diastolic", "conditions[0]", "conditions[1]", "has_driver"]
    assert problems == check_cells(raw, shipped_kb, text_fields=None).problems
    # Systolic not above diastolic needs the two cells; with either bad, nothing is compared.
    assert cells.wants_raw(BP_ORDER, None)
    assert not cells.wants_raw(bit("bp_systolic") | BP_ORDER, "abc")
    # A list failing as a whole beside another bad field: the reference adds its unknown ids.
    long = ";".join(["foo"] * 101)
    assert cells.of(bit("conditions"), long) is not None
    raw = {"conditions": long, "insurance": "Aetna", "age": "40"}
    assert cells.of(bit("conditions", "insurance"), None, raw) is None


def test_a_row_s_answer_is_remembered_per_mask_and_cell(shipped_kb: KnowledgeBase, monkeypatch: Any) -> None:
    cells = CellProblems(shipped_kb, frozenset(PROFILE_FIELDS))
    age = 1 << PROFILE_FIELDS.index("age")
    two = age | (1 << PROFILE_FIELDS.index("has_driver"))
    answers = {(age, "forty"): cells.of(age, "forty"), (age, "40"): None, (two, None): WANTS_RAW}
    for (mask, cell), answer in answers.items():
        assert cells.of_cell(mask, cell) == answer
    asked: list[Any] = []
    monkeypatch.setattr(cells, "of", lambda *args: asked.append(args))
    monkeypatch.setattr(cells, "wants_raw", lambda *args: asked.append(args))
    for (mask, cell), answer in answers.items():
        assert cells.of_cell(mask, cell) == answer
    assert asked == []  # each answered from memory


def _bad_cohort(kb: KnowledgeBase, data: st.DataObject, *, size: int) -> list[dict[str, str]]:
    """Rows where every field is bad now and then (so most flagged rows have several bad
    cells), with systolic not above diastolic and age not given among them."""
    table = {f: text_candidates(f, kb) for f in PROFILE_FIELDS}
    rate = data.draw(st.sampled_from([0.03, 0.08, 0.2]), label="bad rate per cell")
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    rows = []
    for _ in range(size):
        row = {}
        for f, (valid, invalid) in table.items():
            roll = rng.random()
            if f != "age" and roll < 0.4:
                continue
            row[f] = rng.choice(invalid) if roll > 1 - rate else rng.choice(valid)
        kind = rng.random()
        if kind < 0.05:
            row.pop("age", None)
        elif kind < 0.1:
            row.update(bp_systolic=str(rng.randint(60, 100)), bp_diastolic=str(rng.randint(100, 120)))
        rows.append(row)
    return rows


@pytest.mark.slow
@settings(max_examples=12, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_cohorts_with_many_bad_cells(
    tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject
) -> None:
    """Random cohorts, each field bad now and then: the errors file and the rows are those
    of the row-by-row re-check, and rows with several bad cells are not re-checked."""
    rows = _bad_cohort(rich_kb, data, size=300)
    tmp = tmp_path_factory.mktemp("many")
    src = tmp / "in.csv"
    write_csv(src, rows)
    several = sum(1 for r in rows if sum(1 for f, v in r.items() if v in text_candidates(f, rich_kb)[1]) > 1)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _, rechecked = _run_both(tmp, src, rich_kb, monkeypatch)
    # Rows with several bad cells are put together from their cells, not re-checked.
    assert several > 20 and rechecked <= several // 10


def _typed_table(rows: list[dict[str, str]], rng: random.Random) -> Any:
    """The rows as a Parquet table with typed columns, as pandas and other tools write
    them: whole numbers as doubles (2.0, with NaN for a gap, 2.5 now and then), booleans,
    lists of text and of integers; the rest stay text."""
    import pyarrow as pa

    def number(text: str | None) -> float | None:
        try:
            return float(text) if text else None
        except ValueError:
            return rng.choice([float("nan"), 2.5, -1.0])

    def flag(text: str | None) -> bool | None:
        low = (text or "").lower()
        return True if low in ("true", "yes", "1") else False if low in ("false", "no", "0") else None

    columns: dict[str, Any] = {}
    for f in PROFILE_FIELDS:
        cells = [r.get(f) or None for r in rows]
        if f in ("age", "bp_systolic", "values_cost", "antidepressant_trials"):
            columns[f] = pa.array([number(c) for c in cells], pa.float64())
        elif f == "bp_diastolic":
            columns[f] = pa.array([int(c) if c and c.lstrip("-").isdigit() and len(c) < 10 else None for c in cells])
        elif f in ("has_driver", "prefers_home"):
            columns[f] = pa.array([flag(c) for c in cells], pa.bool_())
        elif f in ("conditions", "medications"):
            columns[f] = pa.array([None if c is None else [] if c == "none" else c.split(";") for c in cells])
        elif f == "phq9":
            columns[f] = pa.array(
                [
                    [int(x) if x.lstrip("-").isdigit() and len(x) < 5 else -9 for x in c.split(";")] if c else None
                    for c in cells
                ],
                pa.list_(pa.int64()),
            )
        else:
            columns[f] = pa.array(cells, pa.string())
    return pa.table(columns)


@pytest.mark.slow
@settings(max_examples=8, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_typed_parquet_cohorts(tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject) -> None:
    """Typed Parquet cells (integral doubles, NaN, booleans, lists) with several bad
    cells a row: the same errors file and rows either way."""
    import pyarrow.parquet as pq

    rows = _bad_cohort(rich_kb, data, size=250)
    tmp = tmp_path_factory.mktemp("typed")
    src = tmp / "in.parquet"
    pq.write_table(_typed_table(rows, random.Random(len(rows))), src)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _run_both(tmp, src, rich_kb, monkeypatch)


#: Wrong JSON values, each the only bad value of a line (the fast case for JSONL).
_WRONG_JSON: dict[str, list[Any]] = {
    "age": ["40", 4.5, 130, True, None, [40]],
    "has_driver": ["yes", 1, "Y"],
    "bp_systolic": ["150/95", 400, 150.5],
    "conditions": [["not_a_condition"], "x", [1], ["Bad Id!", "zz"]],
    "medications": [["Xanax"], ["Xanax", "foo"]],
    "insurance": ["Aetna", "Medi-Cal", 3],
    "phq9": [[1, 2, 3], [1.0, 2, 3, 0, 0, 0, 0, 0, 9]],
    "id": ["tab\there", 7, "x" * 250],
    "budget_per_session": ["$400", -1, True],
    "values_cost": [11, 2.5, "ten"],
    "plan_decide_by": ["2027-02-30", 20270101],
}


def _jsonl_lines(rng: random.Random, n: int) -> list[str]:
    """Valid lines, lines with one wrong value (or two), no age, swapped blood pressures."""
    lines = []
    for i in range(n):
        record: dict[str, Any] = {"id": f"p{i}", "age": rng.randint(18, 80), "has_driver": rng.choice([True, False])}
        if rng.random() < 0.5:
            record.update(bp_systolic=120, bp_diastolic=80, conditions=[], medications=[])
        roll = rng.random()
        if roll < 0.5:
            field = rng.choice(sorted(_WRONG_JSON))
            record[field] = rng.choice(_WRONG_JSON[field])
        elif roll < 0.6:
            for field in rng.sample(sorted(_WRONG_JSON), 2):
                record[field] = rng.choice(_WRONG_JSON[field])
        elif roll < 0.65:
            del record["age"]
        elif roll < 0.7:
            record.update(bp_systolic=80, bp_diastolic=90)
        elif roll < 0.72:
            record["colour"] = "blue"
        lines.append(json.dumps(record))
    return lines


def test_jsonl_lines_with_one_bad_value(
    tmp_path: Path, shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _jsonl_lines(random.Random(25), 1500)
    lines[7] = '{"age": 40, "age": 41}'  # a key twice: the line's own problem
    lines[8] = '{"age": 40,}'
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors, rechecked = _run_both(tmp_path, src, shipped_kb, monkeypatch, out="out.jsonl")
    assert errors > 800
    # Lines with one bad value, swapped pressures or no age are put together, not re-checked.
    assert rechecked < 0.3 * errors


@pytest.mark.slow
@settings(max_examples=10, **GENERATED_ROWS)
@given(data=st.data())
def test_generated_jsonl_lines(tmp_path_factory: Any, rich_kb: KnowledgeBase, data: st.DataObject) -> None:
    """Hypothesis JSON lines (typed values of every kind, wrong types, unknown keys, keys
    twice, lines that are not JSON) beside one-bad-value lines: the same errors file either way."""
    lines = data.draw(st.lists(json_row(rich_kb), min_size=1, max_size=100))
    lines += _jsonl_lines(random.Random(data.draw(st.integers(0, 2**32 - 1))), 100)
    data.draw(st.randoms()).shuffle(lines)
    tmp = tmp_path_factory.mktemp("jsonl")
    src = tmp / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _run_both(tmp, src, rich_kb, monkeypatch, out="out.csv")
