"""What the benches share: gunicorn servers that are measured only once
their workers have loaded the app, the workers' CPU time from /proc,
interleaved rounds whose order rotates so that no side always runs first,
and fresh copies of kept SQLite databases."""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Each worker leaves a file here once it has loaded the app.
HOOKS = """
import os, pathlib

def post_worker_init(worker):
    pathlib.Path(os.environ["BENCH_READY_DIR"], str(worker.pid)).touch()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def gunicorn(app_spec: str, port: int, env: dict, chdir: Path, work: Path, workers: int = 2,
             executable: str | None = None, timeout: int = 30) -> subprocess.Popen:
    """Serve app_spec with sync workers and return once every worker has
    loaded it (the port opens as soon as the master binds it, before any
    worker has booted)."""
    hooks, ready = work / "gunicorn_hooks.py", work / f"ready-{port}"
    hooks.write_text(HOOKS)
    ready.mkdir()
    command = [executable or shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn")),
               "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "--timeout", str(timeout), "--chdir", str(chdir), "-c", str(hooks), app_spec]
    process = subprocess.Popen(command, env={**env, "BENCH_READY_DIR": str(ready)},
                               stdout=subprocess.DEVNULL)
    wait_for(port)
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < workers:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"the workers on {port} did not boot")
        time.sleep(0.1)
    return process


def workers_of(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes so far (Linux)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def copy_sqlite(source: Path, target: Path) -> Path:
    """A fresh copy of a database file: an earlier run's write-ahead log
    beside the target would otherwise be read into the copy."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def rotated(items: list, round_number: int) -> list:
    """The round's order: each side goes first in turn."""
    shift = round_number % len(items)
    return items[shift:] + items[:shift]


def spread(values: list[float], digits: int = 1) -> str:
    """Median and range, as the README quotes them."""
    return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"
            if values else "-")


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
