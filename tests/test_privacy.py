"""Privacy: no network, no files unless asked (then 0600, atomic), no local values in tracebacks.

Every command is run in-process under a Python audit hook (PEP 578), which sees every
socket operation and every file opened for writing, whatever library does it. A
subprocess variant repeats the network check with the hook installed by sitecustomize,
so start-up code is covered too.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketadecide.cli.main import app
from tests.conftest import DATA_DIR, ROOT
from tests.consult.consult_helpers import TYPICAL
from tests.fhir.fhir_bundles import bp_panel, bundle, condition

PROFILE = "id: privacy-001\nage: 45\nsuicidality: none\nantidepressant_trials: 3\nbp_systolic: 150\nbp_diastolic: 85\n"
COURSE = PROFILE + "course_modality: iv\ncourse_sessions: 6\ncourse_response: none\n"
LOG = (ROOT / "examples" / "session-log.csv").read_text()
DATA = ["--data-dir", str(DATA_DIR)]


class Recorder:
    """Collects audit events while armed: network use and files opened for writing."""

    NETWORK = frozenset(
        {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "socket.bind"}
    )
    WRITES = frozenset(
        {"os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir", "shutil.rmtree", "tempfile.mkstemp"}
    )
    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def __init__(self) -> None:
        self.armed = False
        self.network: list[tuple[str, object]] = []
        self.writes: list[tuple[str, object]] = []

    def __call__(self, event: str, args: tuple[object, ...]) -> None:
        if not self.armed:
            return
        if event in self.NETWORK:
            self.network.append((event, args))
        elif event in self.WRITES:
            self.writes.append((event, args[0] if args else None))
        elif event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & self.WRITE_FLAGS
            )
            if writing and path not in {"/dev/null", "/dev/tty"}:
                self.writes.append((event, path))


RECORDER = Recorder()
sys.addaudithook(RECORDER)  # a hook cannot be removed; it is inert while not armed


# Each scenario: (name, builder) where the builder writes its inputs into a folder and
# returns (args, stdin). All of them succeed (exit 0): this is normal use.
def _inputs(folder: Path) -> dict[str, Path]:
    paths = {
        "profile": folder / "profile.yaml",
        "course": folder / "course.yaml",
        "log": folder / "log.csv",
        "bundle": folder / "bundle.json",
    }
    paths["profile"].write_text(PROFILE)
    paths["course"].write_text(COURSE)
    paths["log"].write_text(LOG)
    paths["bundle"].write_text(
        json.dumps(bundle(condition("snomed", "35489007"), bp_panel(150, 85, "2026-10-01T10:00:00Z")))
    )
    return paths


Scenario = Callable[[dict[str, Path]], tuple[list[str], str | None]]
SCENARIOS: dict[str, Scenario] = {
    "version": lambda p: (["--version"], None),
    "help": lambda p: (["--help"], None),
    "compare_table": lambda p: (["compare", *DATA, "-p", str(p["profile"])], None),
    "compare_json": lambda p: (["compare", *DATA, "-p", str(p["profile"]), "-f", "json"], None),
    "compare_markdown_patient": lambda p: (
        ["compare", *DATA, "-p", str(p["profile"]), "-f", "markdown", "-a", "patient"],
        None,
    ),
    "compare_html": lambda p: (["compare", *DATA, "-p", str(p["profile"]), "-f", "html"], None),
    "compare_stdin": lambda p: (["compare", *DATA, "-p", "-", "-f", "json"], PROFILE),
    "compare_fhir": lambda p: (["compare", *DATA, "--fhir", str(p["bundle"]), "-f", "json"], None),
    "consult_piped": lambda p: (["consult", *DATA, "-f", "json"], "".join(f"{a}\n" for a in TYPICAL)),
    "consult_prefill": lambda p: (["consult", *DATA, "--no-input", "-p", str(p["profile"]), "-f", "json"], None),
    "troubleshoot_profile": lambda p: (["troubleshoot", *DATA, "-p", str(p["course"]), "-f", "json"], None),
    "troubleshoot_log": lambda p: (["troubleshoot", *DATA, "--modality", "iv", "--log", str(p["log"])], None),
    "troubleshoot_html": lambda p: (["troubleshoot", *DATA, "-p", str(p["course"]), "-f", "html"], None),
    "modalities": lambda p: (["modalities", *DATA], None),
    "modalities_one": lambda p: (["modalities", *DATA, "iv", "-f", "json"], None),
    "data_validate": lambda p: (["data", "validate", str(DATA_DIR)], None),
    "fhir_to_profile": lambda p: (["fhir", "to-profile", *DATA, str(p["bundle"])], None),
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """An empty cwd, HOME and TMPDIR; inputs in their own folder."""
    dirs = {name: tmp_path / name for name in ("cwd", "home", "tmp", "inputs")}
    for d in dirs.values():
        d.mkdir()
    monkeypatch.chdir(dirs["cwd"])
    for var, d in (("HOME", "home"), ("TMPDIR", "tmp"), ("XDG_CACHE_HOME", "home"), ("XDG_CONFIG_HOME", "home")):
        monkeypatch.setenv(var, str(dirs[d]))
    monkeypatch.setattr(tempfile, "tempdir", str(dirs["tmp"]))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    # The validated-data cache off, so "nothing written" means nothing at all; with it on,
    # see test_the_only_file_written_unasked_is_the_data_cache.
    monkeypatch.delenv("KETADECIDE_CACHE_DIR", raising=False)
    monkeypatch.setenv("KETADECIDE_NO_CACHE", "1")
    yield dirs


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(args: list[str], stdin: str | None) -> tuple[int, str, str]:
    RECORDER.network.clear()
    RECORDER.writes.clear()
    RECORDER.armed = True
    try:
        result = CliRunner().invoke(app, args, input=stdin, env={"NO_COLOR": "1"})
    finally:
        RECORDER.armed = False
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_network_and_no_files_unless_asked(
    name: str, sandbox: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _inputs(sandbox["inputs"])
    before = _tree(sandbox["inputs"])
    attempts: list[object] = []

    def refuse(*args: object, **_: object) -> None:
        attempts.append(args)
        raise OSError("network use is forbidden in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    args, stdin = SCENARIOS[name](inputs)
    code, stdout, stderr = _run(args, stdin)
    assert code == 0, stderr
    assert stdout, "the command printed nothing"
    assert not attempts and not RECORDER.network, (attempts, RECORDER.network)
    assert not RECORDER.writes, f"wrote without being asked: {RECORDER.writes}"
    for folder in ("cwd", "home", "tmp"):
        assert _tree(sandbox[folder]) == {}, f"{folder} is not empty"
    assert _tree(sandbox["inputs"]) == before, "an input file was changed"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_only_file_written_unasked_is_the_data_cache(
    name: str, sandbox: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache on (the default), a command may write one thing unasked: the
    validated form of the data directory, in the user's cache folder, private, holding
    nothing of the profile."""
    monkeypatch.delenv("KETADECIDE_NO_CACHE")
    cache = sandbox["home"] / "ketadecide"  # XDG_CACHE_HOME is the sandbox's home
    inputs = _inputs(sandbox["inputs"])
    args, stdin = SCENARIOS[name](inputs)
    code, _, stderr = _run(args, stdin)
    assert code == 0, stderr
    assert not RECORDER.network
    for event, path in RECORDER.writes:
        assert str(path).isdigit() or Path(str(path)).is_relative_to(cache), (event, path)
    for folder in ("cwd", "tmp"):
        assert _tree(sandbox[folder]) == {}, f"{folder} is not empty"
    written = _tree(sandbox["home"])
    if not written:
        return  # --version, --help: no data read
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for rel, content in written.items():
        path = sandbox["home"] / rel
        assert path.parent == cache and path.name.startswith("kb-") and path.suffix == ".json", rel
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, rel
        for private in ("privacy-001", str(sandbox["inputs"]), str(sandbox["cwd"])):
            assert private.encode() not in content, (rel, private)


WRITERS: dict[str, Callable[[dict[str, Path], Path], tuple[list[str], str | None]]] = {
    "compare_output": lambda p, out: (
        ["compare", *DATA, "-p", str(p["profile"]), "-o", str(out.with_suffix(".txt"))],
        None,
    ),
    "compare_output_html": lambda p, out: (
        ["compare", *DATA, "-p", str(p["profile"]), "-o", str(out.with_suffix(".html"))],
        None,
    ),
    "consult_save": lambda p, out: (
        ["consult", *DATA, "--no-input", "-p", str(p["profile"]), "--save", str(out), "-f", "json"],
        None,
    ),
    "consult_save_and_output": lambda p, out: (
        ["consult", *DATA, "-f", "json", "--save", str(out), "-o", str(out.with_suffix(".json"))],
        "".join(f"{a}\n" for a in TYPICAL),
    ),
    "troubleshoot_output": lambda p, out: (
        ["troubleshoot", *DATA, "-p", str(p["course"]), "-o", str(out.with_suffix(".html"))],
        None,
    ),
    "modalities_output": lambda p, out: (["modalities", *DATA, "-o", str(out.with_suffix(".md"))], None),
    "fhir_output": lambda p, out: (["fhir", "to-profile", *DATA, str(p["bundle"]), "-o", str(out)], None),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_files_written_only_where_asked_private_and_atomic(name: str, sandbox: dict[str, Path]) -> None:
    inputs = _inputs(sandbox["inputs"])
    outdir = sandbox["cwd"] / "out"
    outdir.mkdir()
    target = outdir / "result.yaml"
    args, stdin = WRITERS[name](inputs, target)
    code, _, stderr = _run(args, stdin)
    assert code == 0, stderr
    assert not RECORDER.network
    written = sorted(outdir.iterdir())
    assert written, "nothing was written"
    for path in written:
        assert not path.name.startswith("."), f"temporary file left behind: {path.name}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is {oct(path.stat().st_mode)}"
    # Every write went to a temporary file beside a target and was renamed into place.
    for event, path in RECORDER.writes:
        assert Path(str(path)).parent == outdir or str(path).isdigit(), (event, path)
    assert any(event == "os.rename" for event, _ in RECORDER.writes)  # os.replace audits as os.rename
    for folder in ("home", "tmp"):
        assert _tree(sandbox[folder]) == {}


def test_output_is_private_even_with_a_permissive_umask(sandbox: dict[str, Path]) -> None:
    inputs = _inputs(sandbox["inputs"])
    old = os.umask(0)
    try:
        code, _, stderr = _run(["compare", *DATA, "-p", str(inputs["profile"]), "-o", "r.json"], None)
    finally:
        os.umask(old)
    assert code == 0, stderr
    assert stat.S_IMODE((sandbox["cwd"] / "r.json").stat().st_mode) == 0o600


def test_failed_write_leaves_no_temporary_file(sandbox: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while rendering must not leave a half-written file or a temporary one."""
    from ketadecide import outputs

    inputs = _inputs(sandbox["inputs"])
    (sandbox["cwd"] / "r.json").write_text("previous result\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", disk_full)
    code, _, stderr = _run(["compare", *DATA, "-p", str(inputs["profile"]), "-o", "r.json"], None)
    monkeypatch.undo()
    assert code == 1, stderr  # CONTRACT §4: the environment failed us
    assert "r.json: cannot write: No space left on device; nothing was written" in stderr
    assert sorted(p.name for p in sandbox["cwd"].iterdir()) == ["r.json"]
    assert (sandbox["cwd"] / "r.json").read_text() == "previous result\n"


def test_traceback_never_shows_local_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ketadecide import compare as engine

    def boom(person: object, *_: object, **__: object) -> None:
        secret_local = f"SECRET-{getattr(person, 'id', '')}"  # noqa: F841 (the point is that it is a local)
        raise RuntimeError("internal failure")

    monkeypatch.setattr(engine, "evaluate", boom)
    path = tmp_path / "p.yaml"
    path.write_text("id: PATIENT-NAME-123\nage: 40\n")
    for args in (["compare", "-p", str(path)], ["--debug", "compare", "-p", str(path)]):
        result = CliRunner().invoke(app, [*args, *DATA], env={"KETADECIDE_DEBUG": ""})
        assert result.exit_code == 1
        assert "PATIENT-NAME-123" not in result.stderr + result.stdout
        assert "SECRET-" not in result.stderr + result.stdout


SITECUSTOMIZE = """
import sys, os
def _hook(event, args):
    if event in {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"}:
        with open(os.environ["NET_LOG"], "a") as fh:
            fh.write(f"{event} {args!r}\\n")
        raise OSError("network use is forbidden")
sys.addaudithook(_hook)
"""


def test_no_network_in_a_real_process(tmp_path: Path) -> None:
    """The same check from interpreter start-up on, with the hook installed by sitecustomize."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    inputs = _inputs(tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "NET_LOG": str(log),
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
    }
    for args, stdin in (
        (["compare", *DATA, "-p", str(inputs["profile"]), "-f", "json"], None),
        (["consult", *DATA, "-f", "json"], "".join(f"{a}\n" for a in TYPICAL)),
        (["compare", *DATA, "--fhir", str(inputs["bundle"]), "-f", "html"], None),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "ketadecide", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert not log.exists(), log.read_text()
    # The hook really is active: prove it catches a connection attempt.
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode != 0 and log.exists()
