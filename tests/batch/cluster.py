"""A real Spark standalone cluster on loopback for the tests: one master and two workers
(one core each), started from pyspark's own ``bin/spark-class`` (the ``sbin`` scripts are not
in the wheel), stopped and their folders removed at the end.

A worker may be given a *private* folder: it runs in a mount namespace of its own
(``unshare --mount``) with an empty tmpfs over that folder, so what its executors write
there is invisible to the driver and to the other worker -- a worker that does not share
the output storage.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
#: How long the master and workers may take to start on a loaded 2-core machine.
START_TIMEOUT = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def can_hide_folders() -> bool:
    """Whether a worker can be given a private folder here (root and ``unshare``)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], check=False)
    return probe.returncode == 0


def base_env(path: str = "/usr/bin:/bin") -> dict[str, str]:
    """The cluster's environment: loopback only, and a PATH without this venv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK", "SPARK_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env |= {"PATH": path, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_NO_DAEMONIZE": "1"}
    java = shutil.which("java")
    if java and "JAVA_HOME" not in env:
        env["JAVA_HOME"] = str(Path(os.path.realpath(java)).parents[1])
    return env


@dataclass
class Cluster:
    url: str
    folder: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("*.log")))


def _start(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    fh = log.open("wb")
    return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name} exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    raise RuntimeError(f"{log.name}: no '{text}' after {START_TIMEOUT} s: {log.read_text(errors='replace')[-2000:]}")


@contextlib.contextmanager
def standalone_cluster(folder: Path, *, private: Path | None = None) -> Iterator[Cluster]:
    """A master and two workers on 127.0.0.1; with ``private``, the second worker sees its
    own empty tmpfs at that path."""
    folder.mkdir(parents=True, exist_ok=True)
    env = base_env()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    port = _free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}", folder)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        master_log = folder / "master.log"
        master = [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port)]
        cluster.procs.append(_start([*master, "--webui-port", str(_free_port())], master_log, env))
        _wait_for(master_log, "I have been elected leader", cluster.procs[0], deadline)
        for n in (1, 2):
            work = folder / f"work{n}"
            work.mkdir()
            cmd = [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                cluster.url,
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1200m",
                "--webui-port",
                str(_free_port()),
                "--work-dir",
                str(work),
            ]
            if n == 2 and private is not None:
                script = f'mount -t tmpfs -o mode=0755 tmpfs "{private}" && exec "$@"'
                cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "worker", *cmd]
            log = folder / f"worker{n}.log"
            cluster.procs.append(_start(cmd, log, env))
            _wait_for(log, "Successfully registered with master", cluster.procs[-1], deadline)
        yield cluster
    finally:
        for proc in reversed(cluster.procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in cluster.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run_ketadecide(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """This venv's ``ketadecide`` run by its path (pipx-style), from ``env`` (whose PATH lacks the venv)."""
    script = Path(sys.executable).parent / "ketadecide"
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False)
