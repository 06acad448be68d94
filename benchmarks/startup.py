"""Start-up cost of one comparison, as ratios to a floor measured in the same run.

    python benchmarks/startup.py [--runs 21] [--profile examples/trd-commercial.yaml] [--json FILE]

Each command runs in a fresh process, the commands interleaved so the shared, noisy
machine affects them alike; the report gives medians of wall time and of CPU time (user +
system, which waiting for a busy core does not inflate) and their ratios to the floor:

- ``compare``: ``ketadecide compare --format json`` on the example profile, the
  validated-data cache warm (the usual case: it is filled by the first run after the data
  or the program changes; a temporary cache directory is used, never the user's);
- ``compare, no cache``: the same with ``KETADECIDE_NO_CACHE=1`` (the YAML read and
  validated, as on a first run or with the cache turned off);
- ``compare, table``: the terminal summary (Rich), cache warm;
- ``floor``: an empty Typer command with compare's eight options, of the same types,
  given the same arguments. Typer coerces every parameter through pydantic, which it
  imports on invocation, so no Typer command with these options starts faster. The
  issue-14 target is compare <= 1.25 x this floor;
- ``import typer, rich``: for reference.

Bytecode: every command runs with Python writing and reading ``.pyc`` files as normal (the
variable PYTHONDONTWRITEBYTECODE is removed from their environment), so ketadecide's
modules are measured compiled, as after ``pip install`` and as Typer's always are. Without
that, a source checkout recompiles ketadecide's 45-odd modules on every start, which is
not what users run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: compare's options (see ketadecide/cli/compare.py and cli/options.py), same types, no work.
FLOOR_APP = """
import datetime as dt
import enum
from pathlib import Path
from typing import Annotated
import typer

class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"

class Audience(enum.StrEnum):
    clinician = "clinician"
    patient = "patient"

app = typer.Typer()

@app.callback()
def main() -> None: ...

@app.command()
def compare(
    profile: Annotated[str | None, typer.Option("--profile", "-p")] = None,
    fhir: Annotated[str | None, typer.Option("--fhir")] = None,
    as_of: Annotated[dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"])] = None,
    fmt: Annotated[OutputFormat | None, typer.Option("--format", "-f", case_sensitive=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False)] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", envvar="KETADECIDE_DATA_DIR", file_okay=False)] = None,
    audience: Annotated[Audience, typer.Option("--audience", "-a", envvar="KETADECIDE_AUDIENCE")] = Audience.clinician,
    detail: Annotated[bool, typer.Option("--detail", "-d")] = False,
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


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from wait4) of one run. CPU time is what a
    busy machine disturbs least: a process waiting for a core accrues none."""
    # From the checkout given by PYTHONPATH (--compare-with), never the current directory's.
    cwd = env.get("PYTHONPATH", ROOT)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd=cwd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--profile", default=str(ROOT / "examples" / "trd-commercial.yaml"))
    parser.add_argument("--target", type=float, default=1.25, help="compare / floor at most this (default 1.25)")
    parser.add_argument("--json", type=Path, help="also write the medians and ratios here")
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time another version: a source checkout, run as python -m ketadecide (e.g. a git worktree)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR_APP)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["KETADECIDE_CACHE_DIR"] = str(Path(tmp) / "cache")
        env.pop("KETADECIDE_NO_CACHE", None)
        no_cache = {**env, "KETADECIDE_NO_CACHE": "1"}
        compare = [*ketadecide_cmd(), "compare", "--profile", args.profile]
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "compare": ([*compare, "--format", "json"], env),
            "compare, no cache": ([*compare, "--format", "json"], no_cache),
            "compare, table": (compare, {**env, "COLUMNS": "120"}),
            "floor": (
                [sys.executable, str(floor_script), "compare", "--profile", args.profile, "--format", "json"],
                env,
            ),
            "import typer, rich": ([sys.executable, "-c", "import typer, rich"], env),
        }
        if args.compare_with:
            other = {**env, "PYTHONPATH": str(args.compare_with.resolve())}
            other_cmd = [sys.executable, "-m", "ketadecide", "compare", "--profile", args.profile, "--format", "json"]
            commands[f"compare, {args.compare_with.name}"] = (other_cmd, other)
        for cmd, cmd_env in commands.values():  # fill the cache, write .pyc files, warm the page cache
            timed(cmd, cmd_env)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, cmd_env) in commands.items():
                wall, cpu = timed(cmd, cmd_env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall_med = {name: statistics.median(values) for name, values in walls.items()}
    cpu_med = {name: statistics.median(values) for name, values in cpus.items()}
    print(f"median of {args.runs} fresh processes each, interleaved")
    print(f"{'':<22}  {'wall':>9}  {'x floor':>7}  {'CPU':>9}  {'x floor':>7}")
    for name in commands:
        wall, cpu = wall_med[name], cpu_med[name]
        print(
            f"{name:<22}: {wall * 1000:6.1f} ms  {wall / wall_med['floor']:7.2f}  "
            f"{cpu * 1000:6.1f} ms  {cpu / cpu_med['floor']:7.2f}"
        )
    ratio = wall_med["compare"] / wall_med["floor"]
    cpu_ratio = cpu_med["compare"] / cpu_med["floor"]
    print(f"compare / floor = {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target <= {args.target})")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runs": args.runs,
                    "median_wall_ms": {k: round(v * 1000, 1) for k, v in wall_med.items()},
                    "median_cpu_ms": {k: round(v * 1000, 1) for k, v in cpu_med.items()},
                    "wall_ratio_to_floor": {k: round(v / wall_med["floor"], 3) for k, v in wall_med.items()},
                    "cpu_ratio_to_floor": {k: round(v / cpu_med["floor"], 3) for k, v in cpu_med.items()},
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
