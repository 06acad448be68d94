"""The hostile-input matrix: every hostile input on every surface that reads one.

Each cell runs the real command in-process (CliRunner) and checks the contract of §4 for
bad input: exit 2; every stderr line is ``ketadecide: error: ...`` and names the file
(and the row, for a CSV); no traceback; nothing on stdout; done within a second; no
YAML tag executed. The heavy entries (bombs, deep and huge documents) are also run under
tracemalloc to prove memory stays bounded.
"""

from __future__ import annotations

import gc
import re
import shutil
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from ketadecide.errors import MAX_REPORTED
from tests import hostile
from tests.conftest import DATA_DIR, MINIMAL_KB

VALID_PROFILE = b"age: 45\nsuicidality: none\nantidepressant_trials: 3\n"
TIME_LIMIT = 1.0
#: The count `data validate` prints after its list of problems.
SUMMARY = re.compile(r"\d+ error\(s\), \d+ warning\(s\)\.")
MEMORY_LIMIT = 64 * 1024 * 1024


@dataclass
class Case:
    """One command run on one hostile input."""

    args: list[str]
    stdin: bytes | None
    names: str
    """What every error line must mention (the file, or <stdin>)."""


# A surface turns (hostile bytes, a temporary directory) into a Case.
Surface = Callable[[bytes, Path], Case]


def _file(tmp: Path, data: bytes, name: str) -> str:
    path = tmp / name
    path.write_bytes(data)
    return str(path)


def _kb_with(tmp: Path, source: Path, filename: str, data: bytes) -> Path:
    target = tmp / "kb"
    shutil.copytree(source, target)
    (target / filename).write_bytes(data)
    return target


KB = ["--data-dir", str(MINIMAL_KB)]

SURFACES: dict[str, Surface] = {
    "compare_profile_yaml": lambda d, t: Case(
        ["compare", *KB, "-f", "json", "--profile", p := _file(t, d, "p.yaml")], None, p
    ),
    "compare_profile_json": lambda d, t: Case(
        ["compare", *KB, "-f", "json", "--profile", p := _file(t, d, "p.json")], None, p
    ),
    "compare_stdin": lambda d, t: Case(["compare", *KB, "-f", "json", "--profile", "-"], d, "<stdin>"),
    "consult_prefill_file": lambda d, t: Case(
        ["consult", *KB, "--no-input", "-f", "json", "--profile", p := _file(t, d, "p.yaml")], None, p
    ),
    "consult_prefill_stdin": lambda d, t: Case(
        ["consult", *KB, "--no-input", "-f", "json", "--profile", "-"], d, "<stdin>"
    ),
    "troubleshoot_profile": lambda d, t: Case(
        ["troubleshoot", *KB, "-f", "json", "--profile", p := _file(t, d, "p.yaml")], None, p
    ),
    "data_dir_required_file": lambda d, t: Case(
        [
            "compare",
            "--data-dir",
            str(k := _kb_with(t, MINIMAL_KB, "contraindications.yaml", d)),
            "-f",
            "json",
            "--profile",
            _file(t, VALID_PROFILE, "ok.yaml"),
        ],
        None,
        str(k / "contraindications.yaml"),
    ),
    # Optional files are validated when a feature first uses them: the consult reads questions.yaml.
    "data_dir_optional_file": lambda d, t: Case(
        [
            "consult",
            "--no-input",
            "--data-dir",
            str(k := _kb_with(t, DATA_DIR, "questions.yaml", d)),
            "-f",
            "json",
        ],
        None,
        str(k / "questions.yaml"),
    ),
    "data_validate": lambda d, t: Case(
        ["data", "validate", str(k := _kb_with(t, MINIMAL_KB, "sources.yaml", d))], None, str(k / "sources.yaml")
    ),
}

# FHIR import needs codes.yaml, which the shipped data has.
SHIPPED = ["--data-dir", str(DATA_DIR)]
FHIR_SURFACES: dict[str, Surface] = {
    "fhir_to_profile": lambda d, t: Case(["fhir", "to-profile", *SHIPPED, p := _file(t, d, "b.json")], None, p),
    "fhir_to_profile_stdin": lambda d, t: Case(["fhir", "to-profile", *SHIPPED, "-"], d, "<stdin>"),
    "compare_fhir": lambda d, t: Case(
        ["compare", *SHIPPED, "-f", "json", "--fhir", p := _file(t, d, "b.json")], None, p
    ),
}

LOG_SURFACES: dict[str, Surface] = {
    "troubleshoot_log": lambda d, t: Case(
        ["troubleshoot", *KB, "-f", "json", "--modality", "iv", "--log", p := _file(t, d, "log.csv")], None, p
    ),
}

PROFILE_SURFACES = (
    "compare_profile_yaml",
    "compare_stdin",
    "consult_prefill_file",
    "consult_prefill_stdin",
    "troubleshoot_profile",
)


#: Surfaces that get every entry of DOCUMENTS; the others share their reading code and
#: get hostile.SAMPLE (their own value checks still get every PROFILE_VALUES entry).
FULL = {"compare_profile_yaml", "compare_profile_json", "compare_stdin", "data_dir_required_file", "fhir_to_profile"}


def _matrix() -> Iterator[object]:
    for surface, make in SURFACES.items():
        names = hostile.DOCUMENTS if surface in FULL else hostile.SAMPLE
        for name in names:
            yield pytest.param(make, name, hostile.DOCUMENTS[name], id=f"{surface}-{name}")
        if surface in PROFILE_SURFACES or surface == "compare_profile_json":
            for name, raw in hostile.PROFILE_VALUES.items():
                data = _as_json(raw) if surface == "compare_profile_json" else raw
                if data is not None:
                    yield pytest.param(make, name, data, id=f"{surface}-{name}")
    for surface, make in FHIR_SURFACES.items():
        names = hostile.DOCUMENTS if surface in FULL else hostile.SAMPLE
        for name in [*names, *hostile.FHIR_BUNDLES]:
            data = hostile.DOCUMENTS[name] if name in hostile.DOCUMENTS else hostile.FHIR_BUNDLES[name]
            yield pytest.param(make, name, data, id=f"{surface}-{name}")
    for surface, make in LOG_SURFACES.items():
        for name, data in hostile.SESSION_LOGS.items():
            yield pytest.param(make, name, data, id=f"{surface}-{name}")


def _as_json(yaml_bytes: bytes) -> bytes | None:
    """The same wrong value as JSON, where JSON can say it (no tags, dates, NaN in JSON)."""
    import json

    import yaml

    try:
        data = yaml.safe_load(yaml_bytes)
        return json.dumps(data, allow_nan=False).encode()
    except (yaml.YAMLError, TypeError, ValueError):
        return None


def run_case(case: Case, tmp: Path, *, measure_memory: bool = False) -> tuple[int, str, str, float, int]:
    marker = tmp / "pwned"
    args = [a.replace("@MARKER@", str(marker)) for a in case.args]
    stdin = case.stdin.replace(hostile.MARKER, str(marker).encode()) if case.stdin is not None else None
    for path in tmp.iterdir():
        if path.is_file():
            path.write_bytes(path.read_bytes().replace(hostile.MARKER, str(marker).encode()))
    runner = CliRunner()
    if measure_memory:
        tracemalloc.start()
    # CPU time of this process: the limit is about our work, not a busy CI machine's. The
    # session's earlier objects are frozen out of the collector for this module (_freeze_the_
    # session_heap), so this collection, and any during the case, costs what the matrix
    # allocated, not the whole session's heap.
    gc.collect()
    start = time.process_time()
    try:
        result = runner.invoke(app, args, input=stdin)
    finally:
        elapsed = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
        if measure_memory:
            tracemalloc.stop()
    assert not marker.exists(), "a YAML tag executed code"
    return result.exit_code, result.stdout, result.stderr, elapsed, peak


def assert_refused(code: int, stdout: str, stderr: str, names: str) -> None:
    assert code == 2, f"exit {code}\nstdout: {stdout[:500]}\nstderr: {stderr[:1000]}"
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert stdout == "", stdout[:300]
    lines = [line for line in stderr.strip().splitlines() if not SUMMARY.fullmatch(line)]
    assert lines, "no error message"
    assert len(lines) <= MAX_REPORTED + 1, f"{len(lines)} lines of errors"
    for line in lines:
        assert line.startswith("ketadecide: error: "), line
        assert names in line, f"{line!r} does not name {names!r}"
        assert len(line) < 600, f"error line too long ({len(line)} chars)"


@pytest.fixture(scope="module", autouse=True)
def _freeze_the_session_heap(_warm: None) -> Iterator[None]:
    """Move what earlier tests left out of the garbage collector's reach while this module runs.

    A full collection late in a test session walks the whole session's heap: the same case
    took 1.0-1.4 s late in a full run and 0.5 s alone, over the per-case limit. Freezing per
    case (collect, freeze, unfreeze) fixed the limit but paid one full-heap collection per
    case, some 630 of them: a third of the fast lane's CPU. Frozen once here, each case's
    collection walks only what this module allocated.
    """
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Import everything once, so the per-case time limit measures the work, not imports."""
    runner = CliRunner()
    runner.invoke(app, ["compare", *KB, "--profile", "-", "-f", "json"], input=VALID_PROFILE)
    runner.invoke(app, ["modalities", "-f", "json"])
    runner.invoke(app, ["fhir", "to-profile", *SHIPPED, "-"], input=b'{"resourceType": "Bundle", "type": "collection"}')


@pytest.mark.parametrize(("surface", "name", "data"), list(_matrix()))
def test_hostile_input_is_refused(surface: Surface, name: str, data: bytes, tmp_path: Path) -> None:
    work = tmp_path / "in"
    work.mkdir()
    case = surface(data, work)
    code, stdout, stderr, elapsed, _ = run_case(case, work)
    assert_refused(code, stdout, stderr, case.names)
    assert elapsed < TIME_LIMIT, f"took {elapsed:.2f} s"


@pytest.mark.parametrize(
    ("surface", "name"),
    [("data_dir_required_file", name) for name in hostile.HEAVY]
    + [("compare_profile_yaml", name) for name in hostile.HEAVY if name != "dense_under_limits"],
)
def test_hostile_input_memory_is_bounded(surface: str, name: str, tmp_path: Path) -> None:
    work = tmp_path / "in"
    work.mkdir()
    case = SURFACES[surface](hostile.DOCUMENTS[name], work)
    code, stdout, stderr, _, peak = run_case(case, work, measure_memory=True)
    assert_refused(code, stdout, stderr, case.names)
    assert peak < MEMORY_LIMIT, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("name", list(hostile.PATHS))
@pytest.mark.parametrize(
    "build",
    [
        lambda p: ["compare", *KB, "--profile", p],
        lambda p: ["consult", *KB, "--no-input", "--profile", p],
        lambda p: ["troubleshoot", *KB, "--profile", p],
        lambda p: ["troubleshoot", *KB, "--modality", "iv", "--log", p],
        lambda p: ["fhir", "to-profile", *SHIPPED, p],
        lambda p: ["compare", "--data-dir", p, "--profile", "-"],
        lambda p: ["data", "validate", p],
    ],
    ids=["compare", "consult", "troubleshoot", "troubleshoot_log", "fhir", "data_dir", "data_validate"],
)
def test_unreadable_path_is_refused(build: Callable[[str], list[str]], name: str, tmp_path: Path) -> None:
    path = hostile.PATHS[name].format(tmp=tmp_path)
    args = build(path)
    if name == "directory" and args[:2] == ["data", "validate"]:
        pytest.skip("a directory is what data validate expects")
    start = time.process_time()
    result = CliRunner().invoke(app, args, input=VALID_PROFILE)
    elapsed = time.process_time() - start
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line and not SUMMARY.fullmatch(line)]
    if lines[0].startswith("Usage:"):  # refused by the option parser (e.g. --log DIR)
        assert any(line.startswith("Error: ") for line in lines), lines
    else:
        assert all(line.startswith("ketadecide: error: ") for line in lines), lines
    assert elapsed < TIME_LIMIT


def test_permission_denied_is_refused_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads any file, so an unreadable file is simulated: its open raises PermissionError."""
    profile = tmp_path / "locked.yaml"
    profile.write_bytes(VALID_PROFILE)
    import os

    real_open = os.open

    def guarded(path: object, *args: object, **kwargs: object) -> int:
        where = Path(os.fspath(path))  # type: ignore[call-overload]
        if where.name == "locked.yaml" or where.parent.name == "locked_kb":
            raise PermissionError(13, "Permission denied", str(where))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded)  # every file of ours is opened through os.open
    kb = tmp_path / "locked_kb"
    shutil.copytree(MINIMAL_KB, kb)
    for args, names in [
        (["compare", *KB, "--profile", str(profile)], str(profile)),
        (["consult", *KB, "--no-input", "--profile", str(profile)], str(profile)),
        (["troubleshoot", *KB, "--profile", str(profile)], str(profile)),
        (["compare", "--data-dir", str(kb), "--profile", "-"], str(kb)),
        (["data", "validate", str(kb)], str(kb)),
    ]:
        result = CliRunner().invoke(app, args, input=VALID_PROFILE)
        assert result.exit_code == 2, (args, result.stderr)
        assert "permission denied" in result.stderr and names in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
    reason="root can read a chmod 000 file; the simulated variant above covers it",
)
def test_permission_denied_real_chmod(tmp_path: Path) -> None:
    profile = tmp_path / "locked.yaml"
    profile.write_bytes(VALID_PROFILE)
    profile.chmod(0)
    result = CliRunner().invoke(app, ["compare", *KB, "--profile", str(profile)])
    assert result.exit_code == 2 and "permission denied" in result.stderr
