"""A whole command timed from outside, as the operating system accounts for
it: GNU time's wall, user and system seconds and the peak resident memory of
the process (its own, not the parent's: time is a small process)."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

TIME = "/usr/bin/time"


def run_timed(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run argv to its end; its figures. Its output is thrown away."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        process = subprocess.run([TIME, "-o", report.name, "-f", "%e %U %S %M", *argv], env=env, cwd=cwd,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if process.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({process.returncode}): {process.stderr[-2000:]}")
        wall, user, system, rss_kb = report.read().split()[-4:]
    return {"wall": float(wall), "user": float(user), "sys": float(system), "cpu": float(user) + float(system),
            "rss_mb": int(rss_kb) / 1024}
