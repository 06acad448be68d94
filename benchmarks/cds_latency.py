"""End-to-end latency of ``ketadecide serve`` over loopback: the first call after a start and
warm p50/p95, measured with a real HTTP client against a real uvicorn process.

    python benchmarks/cds_latency.py                 # 200 warm calls, 3 cold starts
    python benchmarks/cds_latency.py --calls 50 --starts 1 --json

The calls are patient-view requests with every prefetch key filled from a seeded synthetic
population (tests/fhir/synth.py), so each call maps, validates and evaluates a whole chart.
``--dev`` is used so the timing excludes no check that matters here: with a JWT the verify
step adds one signature check (about 1 ms) and no network call once the JWKS is cached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fhir.synth import cohort  # noqa: E402 - after the path is set


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prefetch(bundle: dict[str, Any], templates: dict[str, str]) -> dict[str, Any]:
    resources = [e["resource"] for e in bundle["entry"]]
    out: dict[str, Any] = {}
    for key, query in templates.items():
        rtype = query.split("/")[0].split("?")[0]
        hits = [r for r in resources if r["resourceType"] == rtype]
        if rtype == "Patient":
            out[key] = hits[0]
        else:
            entries = [{"resource": r} for r in hits]
            out[key] = {"resourceType": "Bundle", "type": "searchset", "entry": entries} if hits else None
    return out


def _start() -> tuple[subprocess.Popen[bytes], str, float]:
    port = _port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "ketadecide", "serve", "--dev", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(base + "/cds-services", timeout=1).status_code == 200:
                return process, base, time.perf_counter() - started
        except httpx.HTTPError:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("ketadecide serve did not start") from None
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    today = dt.date.today()
    people = cohort(seed=2027, count=max(args.calls, 1), as_of=today)
    first_calls, ready = [], []
    warm: list[float] = []
    for n in range(args.starts):
        process, base, ready_s = _start()
        ready.append(ready_s)
        try:
            with httpx.Client(base_url=base) as client:
                templates = client.get("/cds-services").json()["services"][0]["prefetch"]
                bodies = [
                    {
                        "hook": "patient-view",
                        "hookInstance": f"bench-{i}",
                        "context": {"userId": "Practitioner/bench", "patientId": p.id},
                        "prefetch": _prefetch(p.bundle(today), templates),
                    }
                    for i, p in enumerate(people)
                ]
                for i, body in enumerate(bodies if n == 0 else bodies[:1]):
                    started = time.perf_counter()
                    response = client.post("/cds-services/ketamine-options", json=body)
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise SystemExit(f"call failed: {response.status_code}")
                    if i == 0:
                        first_calls.append(elapsed)
                    else:
                        warm.append(elapsed)
        finally:
            process.terminate()
            process.wait(timeout=10)
    quantiles = statistics.quantiles(warm, n=20) if len(warm) >= 2 else [warm[0] if warm else 0.0] * 19
    result = {
        "starts": args.starts,
        "ready_after_start_s": round(max(ready), 2),
        "first_call_ms_max": round(1000 * max(first_calls), 1),
        "first_call_ms": [round(1000 * t, 1) for t in first_calls],
        "warm_calls": len(warm),
        "warm_p50_ms": round(1000 * statistics.median(warm), 1) if warm else None,
        "warm_p95_ms": round(1000 * quantiles[-1], 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"ketadecide serve over loopback ({args.starts} starts, {len(warm)} warm calls):")
        print(f"  ready after start: {result['ready_after_start_s']} s (slowest start)")
        print(f"  first call after start: {result['first_call_ms']} ms")
        print(f"  warm: p50 {result['warm_p50_ms']} ms, p95 {result['warm_p95_ms']} ms")


if __name__ == "__main__":
    main()
