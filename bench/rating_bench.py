"""Rating submissions per second through gunicorn (two workers, SQLite),
side by side with a bare Flask endpoint served the same way.

    .venv/bin/python bench/rating_bench.py [--requests 4000] [--clients 8]

Each client first opens the rating page (a browser would: it gets the CSRF
token and the device cookie), then posts ratings. The figure to reach: at
least half the bare endpoint's rate, with no rating lost (every 303 answer is
a row in the database).
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


def gunicorn(app_spec: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    command = [shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn")),
               "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(chdir), app_spec]
    process = subprocess.Popen(command, env=env)
    wait_for(port)
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


def measure(port: int, get_path: str | None, post_path: str, requests: int, clients: int) -> tuple[float, list[int]]:
    sessions = [client_session(port, get_path) if get_path else ("", "") for _ in range(clients)]
    per_client = requests // clients
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda s: post_many(port, post_path, per_client, *s), sessions))
    elapsed = time.perf_counter() - started
    statuses = [status for result in results for status in result]
    return len(statuses) / elapsed, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rating-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    token = prepare_database(url)
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work), "FEEDBACK_RATE_LIMIT_PUBLIC": '"1000000 per minute"',
           "PYTHONPATH": str(ROOT)}
    platform_port, bare_port = free_port(), free_port()
    servers = [gunicorn("intake:create_app()", platform_port, env, ROOT),
               gunicorn("bare_app:app", bare_port, env, ROOT / "bench")]
    try:
        bare_rate, bare_statuses = measure(bare_port, None, "/rate", args.requests, args.clients)
        rate, statuses = measure(platform_port, f"/q/{token}", f"/q/{token}", args.requests, args.clients)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    accepted = statuses.count(303)
    stored = count_ratings(url)
    print(f"bare Flask endpoint : {bare_rate:8.1f} requests/s ({bare_statuses.count(303)} of {len(bare_statuses)} answered 303)")
    print(f"rating submissions  : {rate:8.1f} ratings/s  ({accepted} of {len(statuses)} answered 303, {stored} stored)")
    print(f"ratio               : {rate / bare_rate:.2f} (target >= 0.50)")
    print(f"ratings lost        : {accepted - stored}")
    shutil.rmtree(work, ignore_errors=True)
    if accepted != stored or accepted != len(statuses):
        sys.exit("ratings were lost or refused")


if __name__ == "__main__":
    main()
