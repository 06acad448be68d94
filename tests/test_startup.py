"""A single comparison imports nothing heavy (start-up matters in a consult)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("duckdb", "pyarrow", "sqlglot", "fhir", "pandas", "numpy", "rich", "jsonschema", "hypothesis")

PROBE = """
import sys, json, io, contextlib
from ketadecide.cli.main import app
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app(["compare", "--format", "json", "--profile", sys.argv[1]], standalone_mode=False)
    except SystemExit:
        pass
json.loads(out.getvalue())
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def test_json_compare_imports_nothing_heavy() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "examples" / "trd-commercial.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
