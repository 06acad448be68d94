"""Golden files for what people see: a layout change shows as a reviewed diff, not a surprise.

Every example profile, both audiences, the terminal table at 80 and 120 columns, Markdown,
HTML and JSON, plus the troubleshooting report, the knowledge-base listings and the rules
as SQL in every ``--emit-sql`` dialect, rendered through the CLI and compared with
``tests/golden/``. After an intended change, regenerate and review the diff:

    KETADECIDE_UPDATE_GOLDEN=1 pytest tests/render/test_golden.py && git diff tests/golden
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("KETADECIDE_UPDATE_GOLDEN") == "1"
PROFILES = sorted(p.name for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))
AUDIENCES = ("clinician", "patient")
VIEWS = (("table", "80"), ("table", "120"), ("markdown", "120"), ("html", "120"), ("json", "120"))


def _cases() -> list[tuple[str, list[str], str]]:
    cases = []
    for profile in PROFILES:
        for audience in AUDIENCES:
            for fmt, width in VIEWS:
                if fmt == "json" and audience == "patient":
                    continue  # the same keys; the clinician file pins the contract's shape
                name = f"compare-{Path(profile).stem}-{audience}-{fmt}" + (f"-{width}" if fmt == "table" else "")
                args = ["compare", "--profile", str(ROOT / "examples" / profile), "-f", fmt, "--audience", audience]
                cases.append((name, args, width))
    log = str(ROOT / "examples" / "session-log.csv")
    for audience in AUDIENCES:
        for fmt, width in VIEWS:
            name = f"troubleshoot-log-{audience}-{fmt}" + (f"-{width}" if fmt == "table" else "")
            cases.append((name, ["troubleshoot", "--log", log, "-f", fmt, "--audience", audience], width))
    for fmt in ("table", "markdown"):
        cases.append((f"modalities-list-{fmt}", ["modalities", "-f", fmt], "120"))
        cases.append((f"modalities-spravato-{fmt}", ["modalities", "spravato", "-f", fmt], "120"))
    # In Spanish (issue 28): the patient's summary, the printable handout, Markdown, the
    # course report, and a whole consult answered in Spanish.
    for profile in ("crisis.yaml", "trd-commercial.yaml"):
        for fmt, width in (("table", "80"), ("markdown", "120"), ("html", "120")):
            name = f"es-compare-{Path(profile).stem}-patient-{fmt}" + (f"-{width}" if fmt == "table" else "")
            args = [
                "compare",
                "--profile",
                str(ROOT / "examples" / profile),
                "-f",
                fmt,
                "-a",
                "patient",
                "--lang",
                "es",
            ]
            cases.append((name, args, width))
    cases.append(
        (
            "es-troubleshoot-log-patient-markdown",
            ["troubleshoot", "--log", log, "-f", "markdown", "-a", "patient", "--lang", "es"],
            "120",
        )
    )
    cases.append(("es-consult-patient-table-80", ["consult", "-a", "patient", "--lang", "es", "-f", "table"], "80"))
    # The rules as SQL, per dialect: a change to the emitted query (or to sqlglot's
    # translation of it) is a reviewed diff. BigQuery and Snowflake are never run on a live
    # engine (see test_emit_sql_engines.py for the ones that are), so this is their check.
    for dialect in EMIT_DIALECTS:
        cases.append(
            (f"emit-sql-{dialect}", ["batch", "--emit-sql", "--dialect", dialect, "--table", "ds.cohort"], "120")
        )
    return cases


#: Answers typed in Spanish for the consult golden: words, accents and numbers as a patient types them.
INPUTS = {
    "es-consult-patient-table-80": "".join(
        f"{a}\n"
        for a in (
            *("No", "depresión", "3", "no", "45", "nada", "128/82", "ninguno", "ninguno", "no"),
            *("privado", "$300", "sí", "sí", "no", "no"),
            *("sí", "5", "8", "3", "9", "2", "7"),  # what matters, 0-10
            *("sí", "sí", "no", "sí", "sí"),  # SURE
        )
    )
}
EMIT_DIALECTS = ("duckdb", "postgres", "spark", "bigquery", "snowflake")
SUFFIX = {"html": ".html", "json": ".json", "markdown": ".md"}


CASES = _cases()


@pytest.mark.parametrize(("name", "args", "width"), CASES, ids=[c[0] for c in CASES])
def test_rendered_output_matches_its_golden_file(name: str, args: list[str], width: str) -> None:
    res = CliRunner().invoke(app, args, env={"COLUMNS": width, "NO_COLOR": "1"}, input=INPUTS.get(name))
    assert res.exit_code == 0, res.stderr
    suffix = ".sql" if "--emit-sql" in args else SUFFIX.get(args[args.index("-f") + 1], ".txt")
    path = GOLDEN / f"{name}{suffix}"
    if UPDATE:
        path.write_text(res.stdout)
    assert path.exists(), f"no golden file {path.name}: run with KETADECIDE_UPDATE_GOLDEN=1 and review it"
    assert res.stdout == path.read_text(), f"{path.name} differs: review, then regenerate if intended"


def test_no_stale_golden_files() -> None:
    expected = {name for name, _, _ in CASES}
    stale = [p.name for p in GOLDEN.iterdir() if p.stem not in expected]
    assert not stale, f"golden files nothing renders any more: {stale}"
