"""A carrier or state-plan name in a batch row's ``insurance`` (``Aetna``, ``Medi-Cal``) is
an error row that says what the name may mean, from the same cited data the consult and the
profile files use -- never guessed into a kind of plan. Every engine gives the same words:
the rows the SQL flags are re-decided by the Python reference, which words the problem."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ketadecide.batch.engines import BatchJob, run_job
from ketadecide.batch.row_checks import check_cells
from ketadecide.knowledge import KnowledgeBase
from ketadecide.knowledge.names import plan_name_hint
from ketadecide.profile import PROFILE_FIELDS
from tests.batch.helpers import minimal_dir, read_engine_errors

pytestmark = pytest.mark.slow

NAMES = ["Aetna", "Medi-Cal", "medi-cal", "UHC", "Humana", "Blue Cross"]


def test_the_hint_comes_from_the_cited_data(minimal_kb: KnowledgeBase) -> None:
    assert plan_name_hint("Aetna", minimal_kb) == (
        "Aetna sells employer, Medicare Advantage and Medicaid plans: write commercial, medicare or medicaid"
    )
    assert plan_name_hint("MediCal", minimal_kb) == "Medi-Cal is a Medicaid plan: write medicaid"
    assert plan_name_hint("Blue Cross", minimal_kb) == ""  # not in the data: the plain problem stands
    assert plan_name_hint("medicaid", minimal_kb) == plan_name_hint(None, minimal_kb) == ""


def test_every_engine_words_a_plan_name_as_the_reference_does(
    tmp_path: Path, minimal_kb: KnowledgeBase, engine: str
) -> None:
    rows = [{"age": "40", "insurance": name} for name in NAMES] + [{"age": "40", "insurance": "medicaid"}]
    src = tmp_path / "cohort.parquet"
    columns = {f: pa.array([r.get(f) for r in rows], pa.string()) for f in PROFILE_FIELDS}
    pq.write_table(pa.table(columns), src)
    out = tmp_path / ("out" if engine == "spark" else "out.parquet")
    errors = tmp_path / "errors.csv"
    summary = run_job(BatchJob(input=str(src), output=str(out), errors=str(errors), data_dir=minimal_dir()), engine)
    assert summary.rows_in == len(rows) and summary.rows_out == 1 and summary.error_rows == len(NAMES)
    got = {int(e["row"]): (e["field"], e["error"]) for e in read_engine_errors(errors)}
    reference = {
        i: ("insurance", check_cells(row, minimal_kb, row=i, text_fields=set(PROFILE_FIELDS)).problems[0].message)
        for i, row in enumerate(rows[: len(NAMES)], start=1)
    }
    assert got == reference
    for i, name in enumerate(NAMES, start=1):
        hint = plan_name_hint(name, minimal_kb)
        if name == "Blue Cross":
            assert not hint and "expected one of" in got[i][1]
        else:
            assert hint and got[i][1].endswith(hint), got[i]
    assert "write commercial, medicare or medicaid" in got[1][1]
    assert "Medi-Cal is a Medicaid plan: write medicaid" in got[2][1] == got[3][1].replace("'medi-cal'", "'Medi-Cal'")
