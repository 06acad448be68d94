"""The output policy (ketadecide/outputs.py, CONTRACT §4) on every command, tried as a hostile
user would: outputs that are inputs (by name, symlink, hard link, /proc/self/fd, a redirected
stdout), devices and symlinks that must not be replaced, real SIGTERM and kill -9 of a running
batch, and environment failures (full or closed stdout, read-only folder) as one line, exit 1."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR, ROOT

EXE = [sys.executable, "-m", "ketadecide"]
PROFILE = "id: out-001\nage: 45\nsuicidality: none\n"
COHORT = "id,age\np1,40\np2,51\n"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"}


def run(args: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, *args], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=120, check=False, **kw
    )  # type: ignore[call-overload, no-any-return]


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".ketadecide-tmp"))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.yaml").write_text(PROFILE)
    (tmp_path / "c.csv").write_text(COHORT)
    (tmp_path / "log.csv").write_text((ROOT / "examples" / "session-log.csv").read_text())
    return tmp_path


# Each case: the arguments, and the file that must come through unchanged.
SAME_FILE = {
    "batch -o input": (["batch", "c.csv", "-o", "c.csv"], "c.csv"),
    "batch --errors input": (["batch", "c.csv", "-o", "r.csv", "--errors", "c.csv"], "c.csv"),
    "batch --summary input": (["batch", "c.csv", "-o", "r.csv", "--summary", "c.csv"], "c.csv"),
    "batch --summary output": (["batch", "c.csv", "-o", "r.csv", "--summary", "r.csv"], "c.csv"),
    "batch -o = --errors": (["batch", "c.csv", "-o", "r.csv", "--errors", "r.csv"], "c.csv"),
    "batch via symlink": (["batch", "link.csv", "-o", "c.csv"], "c.csv"),
    "batch via hard link": (["batch", "c.csv", "-o", "hard.csv"], "c.csv"),
    "batch via ./ and ..": (["batch", "c.csv", "-o", "sub/../c.csv"], "c.csv"),
    "compare -o profile": (["compare", "-p", "p.yaml", "-o", "p.yaml"], "p.yaml"),
    "consult --save profile": (["consult", "--no-input", "-p", "p.yaml", "--save", "p.yaml"], "p.yaml"),
    "consult --save = -o": (["consult", "--no-input", "-p", "p.yaml", "--save", "s.yaml", "-o", "s.yaml"], "p.yaml"),
    "troubleshoot -o log": (["troubleshoot", "--modality", "iv", "--log", "log.csv", "-o", "log.csv"], "log.csv"),
    "fhir to-profile -o bundle": (["fhir", "to-profile", "c.csv", "-o", "c.csv"], "c.csv"),
    "modalities -o data file": (["modalities", "-o", "data/modalities.yaml"], "data/modalities.yaml"),
}


@pytest.mark.parametrize("case", list(SAME_FILE))
def test_an_output_that_is_an_input_is_refused_before_reading(case: str, work: Path) -> None:
    args, kept = SAME_FILE[case]
    (work / "link.csv").symlink_to("c.csv")
    os.link(work / "c.csv", work / "hard.csv")
    (work / "sub").mkdir()
    (work / "data").mkdir()
    (work / "data" / "modalities.yaml").write_text("not: read\n")
    data = "data" if case.startswith("modalities") else str(DATA_DIR)
    args = [*args, "--data-dir", data]
    before = {p.name: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    res = run(args, work)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ketadecide: error: ") and "same file" in lines[0], res.stderr
    assert res.stdout == ""
    after = {p.name: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing replaced
    assert (work / kept).read_bytes() == before[Path(kept).name]


def test_stdout_appended_to_the_input_is_refused(work: Path) -> None:
    with (work / "c.csv").open("a") as out:
        res = subprocess.run(
            [*EXE, "batch", "c.csv", "--data-dir", str(DATA_DIR)],
            cwd=work,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            timeout=60,
            check=False,
        )
    assert res.returncode == 2 and "standard output" in res.stderr and "same file" in res.stderr
    assert (work / "c.csv").read_text() == COHORT


def test_proc_self_fd_naming_the_input_is_refused(work: Path) -> None:
    with (work / "c.csv").open("a") as out:
        res = subprocess.run(
            [*EXE, "batch", "c.csv", "-o", "/proc/self/fd/1", "--output-format", "csv", "--errors", "e.csv"],
            cwd=work,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            timeout=60,
            check=False,
        )
    assert res.returncode == 2 and "same file" in res.stderr
    assert (work / "c.csv").read_text() == COHORT


def test_devices_and_symlinks_are_written_through_not_replaced(work: Path) -> None:
    (work / "null").symlink_to("/dev/null")
    (work / "term").symlink_to("/dev/stdout")
    real = work / "real.json"
    real.write_text("old\n")
    os.chmod(real, 0o600)
    (work / "alias.json").symlink_to("real.json")
    data = ["--data-dir", str(DATA_DIR)]
    res = run(["batch", "c.csv", "-o", "null", "--output-format", "csv", "--errors", "e.csv", *data], work)
    assert res.returncode == 0, res.stderr
    res = run(["batch", "c.csv", "-o", "term", "--output-format", "csv", "--errors", "e.csv", *data], work)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("\n") == 3  # the header and two rows, through the symlink to stdout
    res = run(["compare", "-p", "p.yaml", "-f", "json", "-o", "/proc/self/fd/1", *data], work)
    assert res.returncode == 0, res.stderr
    assert '"schema_version"' in res.stdout
    res = run(["compare", "-p", "p.yaml", "-o", "alias.json", *data], work)
    assert res.returncode == 0, res.stderr
    assert (work / "null").is_symlink() and os.readlink(work / "null") == "/dev/null"
    assert (work / "term").is_symlink()
    assert (work / "alias.json").is_symlink() and '"schema_version"' in real.read_text()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert temporaries(work) == []


def test_a_character_device_is_written_through(work: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    os.mknod(work / "dev", 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
    res = run(["batch", "c.csv", "-o", "dev", "--output-format", "csv", "--data-dir", str(DATA_DIR)], work)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISCHR((work / "dev").stat().st_mode)


def test_replacing_a_file_with_another_mode_says_so(work: Path) -> None:
    out = work / "r.json"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    res = run(["compare", "-p", "p.yaml", "-o", "r.json", "--data-dir", str(DATA_DIR)], work)
    assert res.returncode == 0, res.stderr
    assert "r.json was mode 0644" in res.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# ----------------------------------------------------------------------------- signals


def _start_batch(work: Path, out: str) -> subprocess.Popen[bytes]:
    """A batch reading a pipe we hold open: it is running, with its temporaries created."""
    proc = subprocess.Popen(
        [*EXE, "batch", "-", "-o", out, "--data-dir", str(DATA_DIR)],
        cwd=work,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdin is not None
    proc.stdin.write(b"id,age\n" + b"".join(b"p%d,%d\n" % (i, 20 + i % 60) for i in range(5000)))
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while len(temporaries(work)) < 2:  # the results and the errors file
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the batch never started writing"
        time.sleep(0.05)
    return proc


def test_sigterm_removes_every_temporary(work: Path) -> None:
    proc = _start_batch(work, "r.parquet")
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    took = time.monotonic() - started
    assert proc.returncode == 128 + signal.SIGTERM
    assert took < 10
    assert temporaries(work) == []
    assert not (work / "r.parquet").exists() and not (work / "r.parquet.errors.csv").exists()
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read().decode()


def test_after_kill_9_the_next_run_removes_the_stale_temporaries(work: Path) -> None:
    proc = _start_batch(work, "r.csv")
    stale = temporaries(work)
    proc.kill()
    proc.wait(timeout=30)
    assert temporaries(work) == stale and stale  # kill -9 cannot be handled: they are left...
    res = run(["batch", "c.csv", "-o", "r.csv", "--data-dir", str(DATA_DIR)], work)
    assert res.returncode == 0, res.stderr
    assert temporaries(work) == []  # ... and the next run into the same folder removes them
    assert (work / "r.csv").read_text().count("\n") == 3


def test_a_live_runs_temporaries_are_not_removed(work: Path) -> None:
    proc = _start_batch(work, "r.csv")
    try:
        live = temporaries(work)
        res = run(["batch", "c.csv", "-o", "other.csv", "--data-dir", str(DATA_DIR)], work)
        assert res.returncode == 0, res.stderr
        assert set(live) <= set(temporaries(work))
    finally:
        proc.kill()
        proc.wait(timeout=30)


# ----------------------------------------------------------------------------- environment failures


def _one_line_exit_1(res: subprocess.CompletedProcess[str], where: str) -> None:
    assert res.returncode == 1, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"ketadecide: error: {where}"), res.stderr
    assert "bug" not in res.stderr and "Traceback" not in res.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["compare", "-p", "p.yaml"],
        ["batch", "c.csv", "--errors", "e.csv"],
        ["batch", "c.csv", "--errors", "e.csv", "--output-format", "jsonl"],
        ["batch", "c.csv", "--errors", "e.csv", "--output-format", "parquet"],
        ["modalities"],
    ],
)
# Buffered (a user's usual standard output: the failure shows only when it is flushed) and
# unbuffered (PYTHONUNBUFFERED=1: it shows at the first write); the suite's own environment
# may have either, so each is set here.
@pytest.mark.parametrize("buffered", [True, False])
def test_full_stdout_is_one_line_exit_1(args: list[str], buffered: bool, work: Path) -> None:
    if args[0] in {"compare", "batch", "modalities"}:
        args = [*args, "--data-dir", str(DATA_DIR)]
    env = {k: v for k, v in ENV.items() if k != "PYTHONUNBUFFERED"} | ({} if buffered else {"PYTHONUNBUFFERED": "1"})
    with open("/dev/full", "w") as full:
        res = subprocess.run(
            [*EXE, *args], cwd=work, stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=60, check=False
        )
    # One line: no summary of a run whose results could not be written
    _one_line_exit_1(res, "standard output")
    assert "No space left" in res.stderr


@pytest.mark.parametrize("args", [["--version"], ["compare", "-p", "p.yaml", "-f", "json"]])
def test_closed_stdout_is_one_line_exit_1(args: list[str], work: Path) -> None:
    if args[0] == "compare":
        args = [*args, "--data-dir", str(DATA_DIR)]
    res = subprocess.run(
        [*EXE, *args], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV,
        timeout=60, check=False, preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    _one_line_exit_1(res, "standard output")


def test_closed_stdin_is_one_line_exit_1(work: Path) -> None:
    res = subprocess.run(
        [*EXE, "compare", "-p", "-", "--data-dir", str(DATA_DIR)], cwd=work, capture_output=True, text=True,
        env=ENV, timeout=60, check=False, preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert res.returncode == 1, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "bug" not in res.stderr


def test_broken_pipe_is_quiet(work: Path) -> None:
    big = "id,age\n" + "".join(f"p{i},{20 + i % 60}\n" for i in range(20000))
    (work / "big.csv").write_text(big)
    proc = subprocess.Popen(
        [*EXE, "batch", "big.csv", "--errors", "e.csv", "--data-dir", str(DATA_DIR)],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "bug" not in err and "Exception ignored" not in err
    assert temporaries(work) == []


def test_read_only_folder_is_one_line_exit_1(work: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    ro = work / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        res = run(["compare", "-p", "p.yaml", "-o", "ro/r.json", "--data-dir", str(DATA_DIR)], work)
    finally:
        os.chmod(ro, 0o700)
    _one_line_exit_1(res, "ro/r.json")


def test_disk_full_while_writing_a_file_is_exit_1(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process variant: a failing fsync (ENOSPC) keeps the old file and leaves no temporary."""
    from typer.testing import CliRunner

    from ketadecide import outputs
    from ketadecide.cli.main import app

    monkeypatch.chdir(work)
    (work / "r.json").write_text("previous\n")

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full)
    res = CliRunner().invoke(app, ["compare", "-p", "p.yaml", "-o", "r.json", "--data-dir", str(DATA_DIR)])
    assert res.exit_code == 1
    assert "r.json: cannot write: No space left on device" in res.stderr
    assert (work / "r.json").read_text() == "previous\n" and temporaries(work) == []


def test_crisis_message_survives_an_ascii_output_encoding(work: Path) -> None:
    for fmt in ("table", "markdown", "json"):
        res = subprocess.run(
            [*EXE, "compare", "-p", str(ROOT / "examples" / "crisis.yaml"), "-f", fmt, "--data-dir", str(DATA_DIR)],
            cwd=work, capture_output=True, env={**ENV, "PYTHONIOENCODING": "ascii"}, timeout=60, check=False,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        out = res.stdout.decode("ascii")  # nothing but ASCII reached the stream
        assert "988" in out and "emergency" in out.lower(), fmt
