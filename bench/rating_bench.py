"""Rating submissions per second through gunicorn (two workers, SQLite),
side by side with a bare Flask endpoint served the same way.

    .venv/bin/python bench/rating_bench.py [--requests 4000] [--clients 8] [--rounds 4] [--profile]

Taps come two ways, as a browser marks them (Sec-Fetch-Site: same-origin):
from repeat devices (each client opens the rating page once, gets its
device cookie and taps again and again: the repeat path, each tap flagged)
and from first-time devices (every tap carries a device cookie the server
has never seen, as a phone's first tap after opening the page). The servers
are measured only once every worker has booted and served a warm-up, in
rounds whose order rotates (bare, storing, repeat, new; then storing,
repeat, new, bare; ...) so that load from other work on the machine falls
on all alike and no side always goes first. The figure to reach: both kinds
of tap at least half the bare endpoint's rate, with no rating lost (every
303 answer is a row in the database). For reference it also reports the bare endpoint storing the
score with sqlite3, and each server's CPU time per request (steadier than
rates on a shared machine).
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import cpu_seconds, free_port, gunicorn, rotated, spread, stop, workers_of  # noqa: E402

from intake.web.pages import DEVICE_COOKIE  # noqa: E402

WORKERS = 2


def prepare_database(url: str) -> str:
    """Schema by migration, one outlet with one counter; returns its token."""
    from intake.models import Touchpoint
    from intake.shell.schema import upgrade
    from routing.foundation.db import Database
    from routing.services.org import create_unit

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


def prepare_bare_database(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE rating (id INTEGER PRIMARY KEY, score INTEGER NOT NULL, created_at TEXT NOT NULL)")
    connection.close()


def count_ratings(url: str) -> int:
    from sqlalchemy import func, select

    from routing.foundation.db import Database
    from routing.models import Rating

    db = Database(url)
    with db.sessionmaker() as session:
        n = session.scalar(select(func.count(Rating.id)))
    db.dispose()
    return n


def page_cookies(port: int, path: str) -> str:
    """Open the rating page once, as a phone would: its cookies."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])


def first_time_device() -> str:
    """The cookie of a phone the server has never seen: what the rating page
    gives a new device (random, 43 characters), made here so that the page
    view is not timed with the tap."""
    return f"{DEVICE_COOKIE}={secrets.token_urlsafe(32)}"


def post_many(port: int, path: str, count: int, cookies: str | None) -> list[int]:
    """Taps from one client: all from its one device, or (cookies None) each
    from a device never seen before."""
    statuses = []
    for i in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = f"score={1 + i % 5}"
        conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": first_time_device() if cookies is None else cookies,
                                          "Sec-Fetch-Site": "same-origin"})
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
    cookies: list[str | None]  # per client; None: a new device for every tap
    workers: list[int]
    statuses: list[int] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0
    round_rates: list[float] = field(default_factory=list)

    def post(self, requests: int) -> list[int]:
        """All clients posting at once, requests in all; their answers."""
        per_client = requests // len(self.cookies)
        with ThreadPoolExecutor(len(self.cookies)) as pool:
            results = pool.map(lambda c: post_many(self.port, self.path, per_client, c), self.cookies)
            return [status for result in results for status in result]

    def measure(self, requests: int) -> None:
        cpu, started = cpu_seconds(self.workers), time.perf_counter()
        answers = self.post(requests)
        elapsed = time.perf_counter() - started
        self.cpu += cpu_seconds(self.workers) - cpu
        self.statuses += answers
        self.seconds += elapsed
        self.round_rates.append(len(answers) / elapsed)

    @property
    def rate(self) -> float:
        return len(self.statuses) / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU time per request."""
        return 1000 * self.cpu / len(self.statuses)


def profile(url: str, token: str, work: Path, taps: int = 2000, lines: int = 22) -> None:
    """Taps in this process (Flask's test client), repeat and first-time
    devices: CPU time a tap and the top costs, against the bare endpoint."""
    import cProfile

    from bare_app import app as bare
    from profiling import top_costs

    os.environ.update(FEEDBACK_DATABASE_URL=url, FEEDBACK_SECRET_KEY="bench", FEEDBACK_INSTANCE_PATH=str(work),
                      FEEDBACK_RATE_LIMIT_PUBLIC='"1000000 per minute"')
    from intake import create_app

    app = create_app()
    path, headers = f"/q/{token}", {"Sec-Fetch-Site": "same-origin"}
    repeat_cookie = first_time_device()
    kinds = {
        "bare endpoint": (bare.test_client(), "/rate", lambda: None),
        "tap, repeat device": (app.test_client(), path, lambda: repeat_cookie),
        "tap, first-time device": (app.test_client(), path, first_time_device),
    }
    for name, (client, target, cookie) in kinds.items():
        def tap(i: int) -> None:
            extra = {"Cookie": cookie()} if cookie() else {}
            if client.post(target, data={"score": 1 + i % 5}, headers={**headers, **extra}).status_code != 303:
                raise RuntimeError(f"{name}: refused")
        for i in range(50):
            tap(i)
        started = time.process_time()
        for i in range(taps):
            tap(i)
        cpu_ms = 1000 * (time.process_time() - started) / taps
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(taps // 4):
            tap(i)
        profiler.disable()
        print(f"\n== {name}: {cpu_ms:.3f} ms of CPU a tap in process (without the profiler)")
        for line in top_costs(profiler, lines, r"(intake|routing|flask_limiter|flask_babel|flask/app|sqlalchemy|limits)/"):
            print("   " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the requests are spread over")
    parser.add_argument("--profile", action="store_true", help="only profile taps in process")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rating-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    token = prepare_database(url)
    if args.profile:
        os.environ["BENCH_BARE_DB"] = str(work / "bare.db")
        prepare_bare_database(work / "bare.db")
        profile(url, token, work)
        return
    prepare_bare_database(work / "bare.db")
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work), "FEEDBACK_RATE_LIMIT_PUBLIC": '"1000000 per minute"',
           "BENCH_BARE_DB": str(work / "bare.db"), "PYTHONPATH": str(ROOT)}
    platform_port, bare_port = free_port(), free_port()
    servers = []
    try:
        servers.append(gunicorn("intake:create_app()", platform_port, env, ROOT, work, WORKERS))
        servers.append(gunicorn("bare_app:app", bare_port, env, ROOT / "bench", work, WORKERS))
        platform_workers, bare_workers = (workers_of(server) for server in servers)
        rating_page = f"/q/{token}"
        no_cookies = [""] * args.clients
        bare = Side(bare_port, "/rate", no_cookies, bare_workers)
        stored = Side(bare_port, "/rate-stored", no_cookies, bare_workers)
        repeats = Side(platform_port, rating_page,
                       [page_cookies(platform_port, rating_page) for _ in range(args.clients)], platform_workers)
        first_time = Side(platform_port, rating_page, [None] * args.clients, platform_workers)
        for side in (bare, stored):
            side.post(5 * args.clients)  # warm-up, not timed
        warm_up = repeats.post(5 * args.clients) + first_time.post(5 * args.clients)
        sides = [bare, stored, repeats, first_time]
        for r in range(args.rounds):
            for side in rotated(sides, r):
                side.measure(args.requests // args.rounds)
    finally:
        stop(servers)
    answers = repeats.statuses + first_time.statuses + warm_up
    accepted, stored_rows = answers.count(303), count_ratings(url)
    for label, side, unit in (("bare Flask endpoint", bare, "requests/s"),
                              ("bare, storing (ref.)", stored, "requests/s"),
                              ("taps, repeat device", repeats, "ratings/s "),
                              ("taps, new devices", first_time, "ratings/s ")):
        print(f"{label:20s}: {side.rate:8.1f} {unit} ({side.statuses.count(303)} of {len(side.statuses)} "
              f"answered 303; server CPU {side.cpu_ms:.2f} ms a request; by round {spread(side.round_rates)})")
    ratios = {}
    for label, side in (("repeat device", repeats), ("new devices", first_time)):
        by_round = [p / b for b, p in zip(bare.round_rates, side.round_rates)]
        ratios[label] = side.rate / bare.rate
        print(f"ratio, {label:14s}: {ratios[label]:.2f} (target >= 0.50); by round {spread(by_round, 2)}; "
              f"against the storing endpoint {side.rate / stored.rate:.2f}; server CPU ratio "
              f"{bare.cpu_ms / side.cpu_ms:.2f}")
    print("(server CPU ratio: the bare endpoint's CPU a request to the platform's; the rates' ratio is higher "
          "while the clients share the CPUs)")
    print(f"ratings lost        : {accepted - stored_rows} (with the warm-up {accepted} accepted, "
          f"{stored_rows} stored)")
    shutil.rmtree(work, ignore_errors=True)
    if accepted != stored_rows or accepted != len(answers):
        sys.exit("ratings were lost or refused")
    if min(ratios.values()) < 0.5:
        sys.exit("below half the bare endpoint's rate")


if __name__ == "__main__":
    main()
