"""Start-up cost of one comparison, as a ratio to importing typer and rich.

    python benchmarks/startup.py [--runs 21] [--profile examples/trd-commercial.yaml]

Both commands run in fresh processes, interleaved, in the same run, so the shared and
noisy machine affects them alike; the report is the ratio of medians (target <= 2.0).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ketadecide_cmd() -> list[str]:
    script = Path(sys.executable).parent / "ketadecide"
    if script.exists():
        return [str(script)]
    found = shutil.which("ketadecide")
    return [found] if found else [sys.executable, "-m", "ketadecide"]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default=str(ROOT / "examples" / "trd-commercial.yaml"))
    parser.add_argument("--target", type=float, default=2.0)
    args = parser.parse_args()

    compare = [*ketadecide_cmd(), "compare", "--format", "json", "--profile", args.profile]
    baseline = [sys.executable, "-c", "import typer, rich"]
    for cmd in (compare, baseline):  # warm the page cache and .pyc files
        timed(cmd)
    a: list[float] = []
    b: list[float] = []
    for _ in range(args.runs):
        a.append(timed(compare))
        b.append(timed(baseline))
    med_a, med_b = statistics.median(a), statistics.median(b)
    ratio = med_a / med_b
    print(f"compare --format json : median {med_a * 1000:7.1f} ms over {args.runs} runs ({' '.join(compare[:1])})")
    print(f"import typer, rich    : median {med_b * 1000:7.1f} ms")
    print(f"ratio                 : {ratio:.2f} (target <= {args.target})")
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
