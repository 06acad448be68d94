"""A single comparison imports nothing heavy (start-up matters in a consult)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


WARM_PROBE = """
import sys, json, io, contextlib
sys.argv = ["ketadecide", "compare", "--format", "json", "--profile", sys.argv[1]]
from pydantic import BaseModel
from ketadecide.cli.main import build_app, named_command
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        build_app(named_command(sys.argv[1:]))()
    except SystemExit:
        pass
json.loads(out.getvalue())

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

print(json.dumps({
    "built": sorted(c.__qualname__ for c in subclasses(BaseModel)
                    if c.__module__.startswith("ketadecide") and c.__pydantic_complete__),
    "modules": sorted(m for m in sys.modules if m.startswith("ketadecide")),
}))
"""


def test_a_warm_start_builds_no_validator_and_loads_only_what_compare_needs(tmp_path: Path) -> None:
    """What the start-up target rests on, checked without a stopwatch: with the
    validated-data cache warm, a comparison builds no pydantic validator (the data is not
    re-validated), parses no data file, and imports no other command or feature."""
    env = {**os.environ, "KETADECIDE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("KETADECIDE_NO_CACHE", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", WARM_PROBE, str(ROOT / "examples" / "trd-commercial.yaml")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        for _ in range(2)
    ]
    cold, warm = (json.loads(run.stdout.strip().splitlines()[-1]) for run in runs)
    assert cold["built"], "the first run validates (and so builds validators)"
    assert warm["built"] == []
    loaded = set(warm["modules"])
    for other in ("batch", "consult", "troubleshoot", "fhir", "modalities", "ids", "data_cmd", "fhir_cmd"):
        assert f"ketadecide.cli.{other}" not in loaded, other
    for feature in ("ketadecide.fhir", "ketadecide.consult", "ketadecide.troubleshoot", "ketadecide.batch"):
        assert not any(m == feature or m.startswith(feature + ".") for m in loaded), feature
