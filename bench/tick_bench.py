"""One escalation tick with many open cases, few of them due.

    /work/venv/bin/python bench/tick_bench.py [--url URL] [--sizes 10000 1000000] [--due 1000] [--sqlite]

For each size, a fresh database gets that many open cases (bulk loaded: COPY
on PostgreSQL, executemany on SQLite), each with a deadline; `--due` of them
missed their arrival limit five minutes ago, the others are due later. Then a
separate process runs one sweep as `feedback tick` does and reports its time
and memory: the escalation job alone (the part that reads next_check_at) and
the whole tick (escalations, callbacks, then sending the queued messages).

The figure to reach: the tick with 1,000,000 open cases within a factor of 2
of the tick with 10,000, for the same 1,000 due cases - the cost follows the
due cases, not the open ones.

--url is a PostgreSQL server URL (default FEEDBACK_BENCH_POSTGRES_URL or
FEEDBACK_TEST_POSTGRES_URL); a throwaway database is made on it per size and
dropped afterwards. --sqlite runs the same on a temporary SQLite file too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
OUTLETS = 20
CASE_COLUMNS = ("id", "reference", "tracking_token", "kind", "category", "severity", "status", "channel",
                "unit_id", "locale", "description", "consent", "created_at", "updated_at", "policy_name",
                "next_due_at", "next_check_at")
DEADLINE_COLUMNS = ("case_id", "target", "started_at", "due_at", "warn_at", "escalation_level")


def case_rows(total: int, due: int, outlets: list[int]):
    """Cases and their arrival deadline: the first `due` breached five minutes
    ago, the rest due from one hour to a month ahead."""
    for n in range(1, total + 1):
        if n <= due:
            deadline = NOW - timedelta(minutes=5)
        else:
            deadline = NOW + timedelta(hours=1, minutes=n % 43_200)
        created = deadline - timedelta(minutes=30)
        check = deadline if n <= due else created + timedelta(minutes=22, seconds=30)
        case = (n, f"C-2026-{n:07d}", f"bench-{n}", "repair", "fault", "normal", "new", "web",
                outlets[n % len(outlets)], "zh_Hans_CN", "No power", False, created, created, "repair-urban",
                deadline, check)
        warn = None if n <= due else check
        yield case, (n, "arrival", created, deadline, warn, 0)


def seed(url: str, total: int, due: int) -> None:
    from routing.foundation.db import Database
    from routing.models import Staff, Unit
    from routing.services.policies import ensure_presets

    db = Database(url)
    db.create_all()
    with db.sessionmaker() as session:
        ensure_presets(session, NOW)
        company = Unit(code="HQ", name="Head office", level="company")
        branch = Unit(code="BR", name="Branch", level="branch", parent=company)
        outlets = [Unit(code=f"O{i}", name=f"Outlet {i}", parent=branch) for i in range(OUTLETS)]
        session.add_all([company, branch, *outlets])
        people = [Staff(username="gm", display_name="GM", role="executive", ladder_position="gm", unit=company),
                  Staff(username="dgm", display_name="Deputy", role="executive", ladder_position="deputy_gm",
                        unit=company),
                  Staff(username="mgr", display_name="Manager", role="manager", unit=branch)]
        people += [Staff(username=f"sup{i}", display_name=f"Supervisor {i}", role="supervisor", unit=unit,
                         phone=f"+86138{i:08d}") for i, unit in enumerate(outlets)]
        for person in people:
            person.created_at = NOW
        session.add_all(people)
        session.commit()
        outlet_ids = [u.id for u in outlets]
    started = time.perf_counter()
    if db.is_postgres:
        _copy(db, total, due, outlet_ids)
    else:
        _executemany(db, total, due, outlet_ids)
    print(f"  loaded {total:,} cases in {time.perf_counter() - started:.1f} s", flush=True)
    db.dispose()


def _copy(db, total: int, due: int, outlets: list[int]) -> None:
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "case" ({", ".join(CASE_COLUMNS)}) FROM STDIN') as copy:
                for case, _deadline in case_rows(total, due, outlets):
                    copy.write_row(case)
            with cursor.copy(f'COPY case_deadline ({", ".join(DEADLINE_COLUMNS)}) FROM STDIN') as copy:
                for _case, deadline in case_rows(total, due, outlets):
                    copy.write_row(deadline)
            cursor.execute("SELECT setval(pg_get_serial_sequence('\"case\"', 'id'), %s)", (total,))
            cursor.execute('ANALYZE "case"')
            cursor.execute("ANALYZE case_deadline")
        raw.commit()
    finally:
        raw.close()


def _executemany(db, total: int, due: int, outlets: list[int], chunk: int = 50_000) -> None:
    from sqlalchemy import insert

    from routing.models import Case, Deadline

    rows = case_rows(total, due, outlets)
    with db.engine.begin() as conn:
        while True:
            batch = [next(rows, None) for _ in range(chunk)]
            batch = [row for row in batch if row is not None]
            if not batch:
                break
            conn.execute(insert(Case), [dict(zip(CASE_COLUMNS, case)) for case, _ in batch])
            conn.execute(insert(Deadline), [dict(zip(DEADLINE_COLUMNS, d)) for _, d in batch])
        conn.exec_driver_sql("ANALYZE")
    raw = db.engine.raw_connection()  # leave no write-ahead log for the measured process to read
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def measure(url: str) -> dict:
    """In this process (a child, so loading does not count): one sweep at NOW,
    timed; then the same amount of work again with tracemalloc on, half an
    hour later, when the same cases climb one more level."""
    import tracemalloc

    os.environ.update(FEEDBACK_DATABASE_URL=url, FEEDBACK_SECRET_KEY="bench",
                      FEEDBACK_INSTANCE_PATH=tempfile.mkdtemp(prefix="tick-bench-"))
    from intake import create_app
    from intake.shell.jobs import tick
    from routing.services.escalation import escalation_tick

    app = create_app()
    db = app.extensions["db"]
    plan = explain_range_query(db)

    def escalation_job(now: datetime) -> tuple[float, dict]:
        started = time.perf_counter()
        with db.sessionmaker() as session, app.app_context():
            report = escalation_tick(session, now)
            session.commit()
        return time.perf_counter() - started, report

    escalation_seconds, report = escalation_job(NOW)
    started = time.perf_counter()
    rest = tick(app, NOW)  # callbacks and the outbox: the rest of the sweep
    rest_seconds = time.perf_counter() - started
    tracemalloc.start()
    _seconds, again = escalation_job(NOW + timedelta(minutes=30))
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    db.dispose()
    return {"escalation_seconds": round(escalation_seconds, 3),
            "tick_seconds": round(escalation_seconds + rest_seconds, 3),
            "escalation_report": report, "traced_report": again, "sent": rest["outbox"].get("sent"),
            "python_peak_mb": round(python_peak / 2**20, 1),
            "max_rss_mb": peak_rss_mb(),
            "plan": plan}


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux keeps ru_maxrss across
    exec, so a child would report its parent's loading peak: read VmHWM."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return round(int(line.split()[1]) / 1024, 1)
    except (OSError, StopIteration):
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def explain_range_query(db) -> str:
    """The tick's range query as the planner runs it: it must use the index."""
    from sqlalchemy import select, text

    from routing.models import Case

    query = select(Case.id).where(Case.next_check_at <= NOW).order_by(Case.next_check_at, Case.id).limit(200)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN " if db.is_postgres else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as conn:
        return "\n".join(str(row[0] if db.is_postgres else row[-1]) for row in conn.execute(text(explain + sql)))


def run(url: str, total: int, due: int) -> dict:
    seed(url, total, due)
    child = subprocess.run([sys.executable, __file__, "--measure", url], capture_output=True, text=True, cwd=ROOT)
    if child.returncode != 0:
        raise RuntimeError(child.stderr)
    return json.loads(child.stdout.strip().splitlines()[-1])


def postgres_database(server_url: str):
    """A throwaway database on the server: (url, drop)."""
    from sqlalchemy import create_engine, text

    name = f"feedback_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
                        or os.environ.get("FEEDBACK_TEST_POSTGRES_URL"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true", help="also on a temporary SQLite file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    backends = []
    if args.url:
        backends.append("postgresql")
    if args.sqlite or not args.url:
        backends.append("sqlite")
    results = {}
    for backend in backends:
        for total in args.sizes:
            print(f"{backend}: {total:,} open cases, {args.due:,} due", flush=True)
            if backend == "postgresql":
                url, drop = postgres_database(args.url)
            else:
                folder = tempfile.mkdtemp(prefix="tick-bench-")
                url, drop = f"sqlite:///{folder}/bench.db", (lambda: None)
            try:
                result = run(url, total, args.due)
            finally:
                drop()
            results[(backend, total)] = result
            print(f"  escalation job {result['escalation_seconds']:.2f} s, whole tick {result['tick_seconds']:.2f} s, "
                  f"{result['escalation_report']['escalations']} escalations, {result['sent']} messages sent, "
                  f"Python peak {result['python_peak_mb']} MB, max RSS {result['max_rss_mb']} MB", flush=True)
            if result["plan"]:
                print("  plan: " + result["plan"].replace("\n", "\n        "), flush=True)
        small, large = results[(backend, min(args.sizes))], results[(backend, max(args.sizes))]
        ratio = large["escalation_seconds"] / small["escalation_seconds"]
        print(f"{backend}: escalation job with {max(args.sizes):,} open cases / with {min(args.sizes):,}: "
              f"{ratio:.2f} ({'within' if ratio <= 2 else 'NOT within'} a factor of 2)", flush=True)


if __name__ == "__main__":
    main()
