"""A health record with very many readings: bounded time and memory, the latest reading used."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fhir.resources")

from ketadecide.fhir.reader import RECENT_OBSERVATIONS_PER_CODE, keep_recent_observations


def _bundle(n: int, *, future: int = 0) -> dict[str, object]:
    """One patient and ``n`` systolic/diastolic pairs, one a day from 2020 on (the last is the
    highest), plus ``future`` pairs dated after 2026-11-30 (an as-of date in the past)."""
    entries: list[dict[str, object]] = [
        {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01", "gender": "female"}}
    ]

    def pair(i: int, day: str, s: int, d: int) -> None:
        for code, value in (("8480-6", s), ("8462-4", d)):
            entries.append(
                {
                    "resource": {
                        "resourceType": "Observation",
                        "id": f"o{code}-{i}",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                        "subject": {"reference": "Patient/p1"},
                        "effectiveDateTime": f"{day}T10:00:00Z",
                        "valueQuantity": {"value": value, "unit": "mm[Hg]"},
                    }
                }
            )

    start = 737425  # 2020-01-01 as a date ordinal
    import datetime as dt

    for i in range(n):
        day = dt.date.fromordinal(start + i % 2000).isoformat()
        last = i == n - 1
        pair(i, "2026-06-30" if last else day, 150 if last else 120, 95 if last else 80)
    for j in range(future):
        pair(n + j, "2027-01-01", 200, 120)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def test_only_the_most_recent_observations_of_each_code_are_kept() -> None:
    import datetime as dt

    data = _bundle(300, future=80)
    dropped = keep_recent_observations(data, dt.date(2026, 11, 30))
    kept = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]  # type: ignore[index]
    # per code: the 50 latest up to the as-of date and at most 50 after it
    assert len(kept) == 2 * 2 * RECENT_OBSERVATIONS_PER_CODE
    assert dropped == 2 * (300 + 80) - len(kept)
    assert any(r["effectiveDateTime"].startswith("2026-06-30") for r in kept)
    assert data["entry"][0]["resource"]["resourceType"] == "Patient"  # type: ignore[index]


@pytest.mark.slow
def test_a_bundle_of_100k_observations_is_read_in_bounded_time_and_memory(tmp_path: Path) -> None:
    bundle = tmp_path / "big.json"
    bundle.write_text(json.dumps(_bundle(50_000, future=10)))  # 100,020 Observations, ~29 MB
    start = time.process_time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = (
        "import sys\n"
        "from ketadecide.cli.main import run\n"
        "sys.argv = ['ketadecide', 'fhir', 'to-profile', sys.argv[1], '--as-of', '2026-11-30']\n"
        "try:\n    run()\nfinally:\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking test process.
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "    print(hwm.split()[1], file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(bundle)], capture_output=True, text=True, timeout=120, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # this child's CPU, not the session's
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak_kib = int(proc.stderr.strip().splitlines()[-1])
    assert peak_kib < 300 * 1024, f"peak {peak_kib / 1024:.0f} MiB"
    assert cpu < 10, f"{cpu:.1f} CPU seconds"
    assert time.process_time() - start < 10
    profile = yaml.safe_load(proc.stdout)
    assert (profile["bp_systolic"], profile["bp_diastolic"]) == (150, 95)  # the latest before the as-of date
    assert "older Observation(s) not read" in proc.stderr
