"""``ketadecide batch --emit-sql --dialect spark`` run on Spark (local mode, two cores),
with ``spark.sql.ansi.enabled`` true and false: the answers must not depend on it. The
cohort's CSV is read as text, as the docs show, and every row must agree with ``evaluate``
(valid rows) and with the engine's errors file (invalid rows). Needs the ``spark`` extra
(pyspark) and Java 17+; skipped without them. The session is the test run's one
(``tests/batch/conftest.py::spark``)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from ketadecide.knowledge import KnowledgeBase
from tests.batch.emit_helpers import EMITTED_COLUMNS, cohort, compare, emitted, expected

if os.environ.get("KETADECIDE_REQUIRE_ENGINES"):
    # CI (.ci/run): the test must run, so a missing pyspark or Java is a failure.
    import pyspark  # noqa: F401

    assert shutil.which("java") or os.environ.get("JAVA_HOME"), "Spark needs Java (default-jre-headless)"
else:
    pytest.importorskip("pyspark")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Spark needs Java (.ci/run installs default-jre-headless)", allow_module_level=True)


@pytest.mark.slow
@pytest.mark.parametrize("ansi", ["true", "false"])
def test_spark_runs_the_emitted_sql_on_the_csv_as_text(
    tmp_path: Path, rich_kb: KnowledgeBase, spark: Any, ansi: str
) -> None:
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    exp = expected(tmp_path, cohort(rich_kb), rich_kb)
    # The docs' example: every column as text (no schema inference), '""' escapes a quote.
    df = spark.read.csv(str(exp.csv_path), header=True, inferSchema=False, escape='"', multiLine=False)
    df.createOrReplaceTempView("cohort")
    started = time.monotonic()
    got = [r.asDict() for r in spark.sql(emitted(rich_kb, "spark", "cohort")).collect()]
    elapsed = time.monotonic() - started
    assert list(got[0]) == EMITTED_COLUMNS
    rows, valid, invalid = compare(got, exp)
    print(f"spark (ansi={ansi}): {rows} rows, {valid} valid, {invalid} invalid, 0 mismatches, query {elapsed:.1f}s")
    assert valid > 300 and invalid > 80
