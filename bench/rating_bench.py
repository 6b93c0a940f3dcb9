"""Rating submissions per second through gunicorn (two workers, SQLite),
side by side with a bare Flask endpoint served the same way.

    /work/venv/bin/python bench/rating_bench.py [--requests 4000] [--clients 8] [--rounds 4]

Each client first opens the rating page (a browser would: it gets the CSRF
token and the device cookie), then posts ratings. Both servers are measured
only once every worker has booted and served a warm-up, and in alternating
rounds (bare, platform, bare, ...) so that load from other work on the
machine falls on both alike. The figure to reach: at least half the bare
endpoint's rate, with no rating lost (every 303 answer is a row in the
database).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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


# Each worker leaves a file here once it has loaded the app.
HOOKS = """
import os, pathlib

def post_worker_init(worker):
    pathlib.Path(os.environ["BENCH_READY_DIR"], str(worker.pid)).touch()
"""
WORKERS = 2


def gunicorn(app_spec: str, port: int, env: dict, chdir: Path, work: Path) -> subprocess.Popen:
    """Serve app_spec and return once every worker has loaded it (the port
    opens as soon as the master binds it, before any worker has booted)."""
    hooks, ready = work / "gunicorn_hooks.py", work / f"ready-{port}"
    hooks.write_text(HOOKS)
    ready.mkdir()
    command = [shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn")),
               "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(chdir),
               "-c", str(hooks), app_spec]
    process = subprocess.Popen(command, env={**env, "BENCH_READY_DIR": str(ready)})
    wait_for(port)
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < WORKERS:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"the workers on {port} did not boot")
        time.sleep(0.1)
    return process


def prepare_database(url: str) -> str:
    """Schema by migration, one outlet with one counter; returns its token."""
    from intake.models import Touchpoint
    from routing.db import Database
    from routing.migrate import upgrade
    from routing.org import create_unit

    upgrade(url)
    db = Database(url)
    with db.sessionmaker() as session:
        unit = create_unit(session, "BENCH", "Bench outlet")
        token = "bench-" + os.urandom(12).hex()
        session.add(Touchpoint(unit_id=unit.id, label="Counter 1", token=token, active=True,
                               created_at=datetime.now(timezone.utc)))
        session.commit()
    db.dispose()
    return token


def count_ratings(url: str) -> int:
    from sqlalchemy import func, select

    from routing.db import Database
    from routing.models import Rating

    db = Database(url)
    with db.sessionmaker() as session:
        n = session.scalar(select(func.count(Rating.id)))
    db.dispose()
    return n


def client_session(port: int, path: str) -> tuple[str, str]:
    """Open the rating page once, as a phone would: cookies and CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    html = response.read().decode()
    cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    conn.close()
    return cookies, match.group(1) if match else ""


def post_many(port: int, path: str, count: int, cookies: str, csrf: str) -> list[int]:
    statuses = []
    for i in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = f"score={1 + i % 5}&csrf_token={csrf}"
        conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": cookies})
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
        conn.close()
    return statuses


@dataclass
class Side:
    """One server under test, the clients posting to it and what they saw."""

    port: int
    path: str
    sessions: list[tuple[str, str]]  # per client: cookies and CSRF token
    statuses: list[int] = field(default_factory=list)
    seconds: float = 0.0
    round_rates: list[float] = field(default_factory=list)

    def post(self, requests: int) -> list[int]:
        """All clients posting at once, requests in all; their answers."""
        per_client = requests // len(self.sessions)
        with ThreadPoolExecutor(len(self.sessions)) as pool:
            results = pool.map(lambda s: post_many(self.port, self.path, per_client, *s), self.sessions)
            return [status for result in results for status in result]

    def measure(self, requests: int) -> None:
        started = time.perf_counter()
        answers = self.post(requests)
        elapsed = time.perf_counter() - started
        self.statuses += answers
        self.seconds += elapsed
        self.round_rates.append(len(answers) / elapsed)

    @property
    def rate(self) -> float:
        return len(self.statuses) / self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the requests are spread over")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rating-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    token = prepare_database(url)
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work), "FEEDBACK_RATE_LIMIT_PUBLIC": '"1000000 per minute"',
           "PYTHONPATH": str(ROOT)}
    platform_port, bare_port = free_port(), free_port()
    servers = []
    try:
        servers.append(gunicorn("intake:create_app()", platform_port, env, ROOT, work))
        servers.append(gunicorn("bare_app:app", bare_port, env, ROOT / "bench", work))
        rating_page = f"/q/{token}"
        bare = Side(bare_port, "/rate", [("", "")] * args.clients)
        platform = Side(platform_port, rating_page,
                        [client_session(platform_port, rating_page) for _ in range(args.clients)])
        bare.post(5 * args.clients)  # warm-up, not timed
        warm_up = platform.post(5 * args.clients)
        for _ in range(args.rounds):
            for side in (bare, platform):
                side.measure(args.requests // args.rounds)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    answers = platform.statuses + warm_up
    accepted, stored = answers.count(303), count_ratings(url)
    print(f"bare Flask endpoint : {bare.rate:8.1f} requests/s ({bare.statuses.count(303)} of "
          f"{len(bare.statuses)} answered 303)")
    print(f"rating submissions  : {platform.rate:8.1f} ratings/s  ({platform.statuses.count(303)} of "
          f"{len(platform.statuses)} answered 303; with the warm-up {accepted} accepted, {stored} stored)")
    print(f"ratio               : {platform.rate / bare.rate:.2f} (target >= 0.50); by round "
          + ", ".join(f"{p / b:.2f}" for b, p in zip(bare.round_rates, platform.round_rates)))
    print(f"ratings lost        : {accepted - stored}")
    shutil.rmtree(work, ignore_errors=True)
    if accepted != stored or accepted != len(answers):
        sys.exit("ratings were lost or refused")


if __name__ == "__main__":
    main()
