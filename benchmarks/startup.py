"""Start-up cost of one comparison, as ratios to baselines measured in the same run.

    python benchmarks/startup.py [--runs 21] [--profile examples/trd-commercial.yaml]

Three commands run in fresh processes, interleaved, so the shared, noisy machine
affects them alike; the report gives medians and their ratios:

- ``ketadecide compare --format json`` on the example profile (the real work);
- ``python -c "import typer, rich"`` (the baseline the project's target is set against:
  ratio <= 2.0);
- a Typer command with the same three options that does nothing (the floor of the
  stack: Typer >= 0.29 coerces every parameter through pydantic, which it imports on
  invocation, so no Typer command can start faster than this).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR_APP = """
from pathlib import Path
from typing import Annotated
import typer
app = typer.Typer()
@app.callback()
def main() -> None: ...
@app.command()
def compare(
    profile: Annotated[str, typer.Option("--profile")],
    fmt: Annotated[str, typer.Option("--format")] = "table",
    output: Annotated[Path | None, typer.Option("--output")] = None,
) -> None:
    print("{}")
app()
"""


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

    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR_APP)
        commands = {
            "compare": [*ketadecide_cmd(), "compare", "--format", "json", "--profile", args.profile],
            "baseline": [sys.executable, "-c", "import typer, rich"],
            "floor": [sys.executable, str(floor_script), "compare", "--profile", "x", "--format", "json"],
        }
        for cmd in commands.values():  # warm the page cache and .pyc files
            timed(cmd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                samples[name].append(timed(cmd))
    med = {name: statistics.median(values) for name, values in samples.items()}
    ratio = med["compare"] / med["baseline"]
    print(f"ketadecide compare --format json : {med['compare'] * 1000:7.1f} ms (median of {args.runs})")
    print(f"import typer, rich (baseline)    : {med['baseline'] * 1000:7.1f} ms")
    print(f"empty Typer command (floor)      : {med['floor'] * 1000:7.1f} ms")
    print(f"compare / baseline               : {ratio:.2f}  (target <= {args.target})")
    print(f"floor / baseline                 : {med['floor'] / med['baseline']:.2f}  (the best any Typer CLI can do)")
    print(f"compare / floor                  : {med['compare'] / med['floor']:.2f}  (ketadecide's own cost)")
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
