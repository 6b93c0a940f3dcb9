"""Staff pages at a bank's size: p50 and p95 of every page a manager opens.

    .venv/bin/python bench/pages_bench.py [--url URL] [--cases 100000] [--open 15000] [--ratings 1000000]
        [--rounds 12] [--profile] [--database NAME] [--drop]

A PostgreSQL database (bench/pages_build.py: a company of 20 branches and
400 outlets, 2,000 staff, a year of cases, 15,000 of them open, timelines,
deadlines, escalations, callbacks, ratings, inspections, verdicts, ledger
entries) is loaded once and kept on the server under a name that says its
sizes (feedback_pages_c<cases>_o<open>_r<ratings>); later runs reuse it.

The platform is served by gunicorn (one sync worker) and a manager of the
head office (every unit in sight) logs in. In each round every page is
requested once, the order rotating from round to round; the pages: the
queue's tabs (mine, unit, first received, overdue, waiting), a search by
phone number and by text, a case page (a different open case each round),
the escalation inbox, callbacks, /scores, a unit's scorecard, a drill-down,
the CSV and XLSX exports, the quarterly quality report (page and PDF).
Reported: p50 and p95 of the wall time per page as the client sees it.
Target: every p95 under 300 ms.

--profile then loads the app in this process (Flask's test client, the
same database) and for each page counts the SQL statements and prints the
functions of the platform where the time goes (cProfile, cumulative).
"""
from __future__ import annotations

import argparse
import cProfile
import http.client
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages_build  # noqa: E402
from profiling import Statements, top_costs  # noqa: E402
from serving import free_port, gunicorn, rotated, stop  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

NOW_TEXT = "2026-11-02T10:00:00+08:00"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
TARGET_MS = 300


def cached_database(server_url: str, args) -> str:
    from intake.shell.schema import upgrade

    name = args.database or f"feedback_pages_c{args.cases}_o{args.open}_r{args.ratings}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_partial" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}_partial"'))
            partial = admin.url.set(database=f"{name}_partial").render_as_string(hide_password=False)
            started = time.perf_counter()
            upgrade(partial)
            engine = create_engine(partial)
            with engine.begin() as load:
                counts = pages_build.build(load, branches=20, outlets=20, cases=args.cases,
                                           open_cases=args.open, ratings=args.ratings)
            engine.dispose()
            conn.execute(text(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"'))
            print(f"loaded in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    upgrade(url)  # a database kept from an older schema
    if not args.raw:
        roll_up(url)
    return url


def roll_up(url: str) -> None:
    """The daily roll-ups, built as the tick builds them (its job, at the bench's now)."""
    from routing.foundation.db import Database
    from scoring.services.daily_tallies import tally_tick

    db, now, built, started = Database(url), datetime.fromisoformat(pages_build.NOW), 0, time.perf_counter()
    with db.sessionmaker() as session:
        while step := tally_tick(session, now, "Asia/Shanghai")["built"]:
            session.commit()
            built += step
    db.dispose()
    if built:
        print(f"daily roll-ups: {built} days built in {time.perf_counter() - started:.1f} s", flush=True)


def pages(url: str) -> dict[str, list[str]]:
    """Page name -> the paths to request (one per round, in turn)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        open_refs = conn.execute(text("""SELECT reference FROM "case" WHERE status IN ('in_progress', 'waiting')
                                         ORDER BY id DESC LIMIT 50""")).scalars().all()
        phone = conn.execute(text("""SELECT contact_phone FROM "case" WHERE status = 'in_progress'
                                     ORDER BY id DESC LIMIT 1""")).scalar_one()
        branch, outlet = conn.execute(text("""SELECT (SELECT id FROM unit WHERE level = 'branch' ORDER BY id LIMIT 1),
                                                     (SELECT id FROM unit WHERE level = 'outlet' ORDER BY id LIMIT 1)""")
                                      ).one()
    engine.dispose()
    month = {"scheme": "hotline_three_rates", "period": "2026-10"}
    return {
        **{f"queue: {tab}": [f"/cases?tab={tab}"] for tab in ("mine", "unit", "first_received", "overdue", "waiting")},
        "search: phone": [f"/cases?tab=unit&q={phone[3:]}"],
        "search: text": ["/cases?tab=unit&" + urlencode({"q": "客户1234"})],
        "case page": [f"/cases/{ref}" for ref in open_refs],
        "escalations": ["/escalations"],
        "callbacks": ["/callbacks"],
        "scores": ["/scores"],
        "scores: a unit": [f"/scores/unit/{branch}?" + urlencode(month)],
        "scores: drill-down": ["/scores/drilldown?" + urlencode({"kind": "unit", "id": outlet,
                                                                "metric": "satisfaction_rate", "period": "2026-10"})],
        "export CSV": ["/scores/export.csv?" + urlencode(month)],
        "export XLSX": ["/scores/export.xlsx?" + urlencode(month)],
        "quality report": ["/scores/report?period=2026-Q3"],
        "quality report PDF": ["/scores/report?period=2026-Q3&format=pdf"],
    }


class Browser:
    """One logged-in manager: a cookie jar over plain HTTP connections."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Accept-Language": "zh-CN,zh;q=0.9"}
        if body is not None:
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": f"http://127.0.0.1:{self.port}", "Sec-Fetch-Site": "same-origin"})
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        data = response.read()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        conn.close()
        return response.status, data

    def log_in(self) -> None:
        _status, page = self.request("GET", "/login")
        token = next(g for g in CSRF.search(page.decode()).groups() if g)
        status, _ = self.request("POST", "/login", urlencode(
            {"csrf_token": token, "username": "bench-manager", "password": pages_build.PASSWORD}))
        if status != 302:
            raise RuntimeError(f"login answered {status}")


def measure(url: str, args) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    port = free_port()
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work), "FEEDBACK_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "PYTHONPATH": str(ROOT)}
    # A slow page on a busy machine must be timed, not killed at gunicorn's 30 s.
    server = gunicorn("intake:create_app()", port, env, ROOT, work, workers=1, timeout=600)
    timings: dict[str, list[float]] = {}
    try:
        browser = Browser(port)
        browser.log_in()
        plan = {name: paths for name, paths in pages(url).items()
                if not args.pages or any(wanted in name for wanted in args.pages)}
        for name, paths in plan.items():  # warm-up, and every page must answer 200
            status, _ = browser.request("GET", paths[-1])
            if status != 200:
                raise RuntimeError(f"{name}: {paths[-1]} answered {status}")
            timings[name] = []
        for r in range(args.rounds):
            for name in rotated(list(plan), r):
                path = plan[name][r % len(plan[name])]
                started = time.perf_counter()
                status, _ = browser.request("GET", path)
                timings[name].append(1000 * (time.perf_counter() - started))
                if status != 200:
                    raise RuntimeError(f"{name}: {path} answered {status}")
            print(f"  round {r + 1} of {args.rounds}", flush=True)
    finally:
        stop([server])
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def profile(url: str, args) -> None:
    """Each page in this process: SQL statements and the top costs."""
    os.environ.update(FEEDBACK_DATABASE_URL=url, FEEDBACK_SECRET_KEY="bench",
                      FEEDBACK_INSTANCE_PATH=tempfile.mkdtemp(prefix="pages-profile-"))
    from intake import create_app

    app = create_app()
    statements = Statements(app.extensions["db"].engine)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = next(g for g in CSRF.search(page).groups() if g)
    client.post("/login", data={"csrf_token": token, "username": "bench-manager",
                                "password": pages_build.PASSWORD})
    for name, paths in pages(url).items():
        if args.pages and not any(wanted in name for wanted in args.pages):
            continue
        client.get(paths[0])  # warm
        profiler = cProfile.Profile()
        with statements.record():
            started = time.perf_counter()
            profiler.enable()
            client.get(paths[0])
            profiler.disable()
            elapsed = 1000 * (time.perf_counter() - started)
        sql_ms = 1000 * sum(seconds for _sql, seconds in statements.rows)
        print(f"\n== {name}: {elapsed:.0f} ms in process (profiled), {len(statements.rows)} SQL statements "
              f"taking {sql_ms:.0f} ms")
        for line in statements.summary() + top_costs(profiler, args.profile_lines):
            print("   " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
                        or os.environ.get("FEEDBACK_TEST_POSTGRES_URL"))
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=15_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--database", help="use (or load) this database")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--profile", action="store_true", help="also profile every page in this process")
    parser.add_argument("--profile-lines", type=int, default=8)
    parser.add_argument("--pages", nargs="+", help="only the pages whose names contain one of these words")
    parser.add_argument("--raw", action="store_true", help="leave the daily roll-ups unbuilt (count every row)")
    parser.add_argument("--no-measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url (a PostgreSQL server) or set FEEDBACK_TEST_POSTGRES_URL")
    url = cached_database(args.url, args)
    missed = []
    try:
        if not args.no_measure:
            timings = measure(url, args)
            print(f"\nstaff pages, {args.cases:,} cases ({args.open:,} open), a head-office manager, "
                  f"{args.rounds} rounds (ms):")
            print(f"  {'page':22s} {'p50':>8s} {'p95':>8s} {'max':>8s}")
            for name, values in timings.items():
                p95 = percentile(values, 95)
                if p95 >= TARGET_MS:
                    missed.append(name)
                print(f"  {name:22s} {statistics.median(values):8.0f} {p95:8.0f} {max(values):8.0f}"
                      f"{'   MISSED' if p95 >= TARGET_MS else ''}")
            print(f"target: p95 under {TARGET_MS} ms on every page; missed on {len(missed)} of {len(timings)}")
        if args.profile:
            profile(url, args)
    finally:
        if args.drop:
            admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
            admin.dispose()
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
