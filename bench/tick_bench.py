"""One escalation tick with many open cases, few of them due.

    .venv/bin/python bench/tick_bench.py [--url URL] [--sizes 10000 1000000] [--due 1000] [--sqlite]
    .venv/bin/python bench/tick_bench.py --whole [--open 100000] [--due 1000] [--runs 5] [--url URL]

--whole times whole processes from outside (GNU time: wall, CPU, peak
memory), in rounds whose order rotates, each on a fresh copy of a database
built once (SQLite files under bench/out/tick/, PostgreSQL template
databases named feedback_tick_open<N>_due<M>, kept on the server):
- SQLite: `feedback tick --now 2026-11-02T10:00+08:00` against
  django-helpdesk's `manage.py escalate_tickets` (bench/peer_helpdesk.py)
  on as many open tickets, as many of them due (target: 10x faster);
- both backends: against the set-based floor, bench/tick_floor.py, the same
  writes as eight SQL statements (target on PostgreSQL: within 3x).
Each run is checked: every due case escalated once (every due ticket once).
The tick meets the steady state of its daily roll-ups (scoring's
daily_tallies job): the template has a day mark on its cases' first day, as
the migration seeds it, and every settled day's roll-up is built before any
run (settle_tallies says how many); each run is checked to build none.

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
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import peer_helpdesk  # noqa: E402
from process_timing import run_timed  # noqa: E402
from serving import copy_sqlite, rotated, spread  # noqa: E402

OUT = ROOT / "bench" / "out" / "tick"
NOW_TEXT = "2026-11-02T10:00+08:00"

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
TZ = "Asia/Shanghai"  # the app's default TIMEZONE, that of the roll-ups
OUTLETS = 20
CASE_COLUMNS = ("id", "reference", "tracking_token", "kind", "category", "severity", "status", "channel",
                "unit_id", "locale", "description", "consent", "created_at", "updated_at", "policy_name",
                "next_due_at", "next_check_at", "received_at")
DEADLINE_COLUMNS = ("case_id", "target", "started_at", "due_at", "warn_at", "escalation_level", "calendar_confirmed")


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
                deadline, check, created)
        warn = None if n <= due else check
        yield case, (n, "arrival", created, deadline, warn, 0, True)


def seed(url: str, total: int, due: int) -> None:
    import intake.shell.schema  # noqa: F401  (every package's tables: the tick's other jobs read them)
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


# --- whole processes ---------------------------------------------------------

def settle_tallies(url: str) -> int:
    """Bring a template to the daily roll-ups' steady state: a day mark on
    the first day of its cases if it has none (the migration seeds one so),
    then the tally job run until every settled day is built, so the timed
    tick's job only checks. Says what it found; returns the days built."""
    from sqlalchemy import func, select

    import intake.shell.schema  # noqa: F401
    from routing.foundation.db import Database
    from routing.models import Case, DayMark, utc_day
    from scoring.models import TallyDay
    from scoring.services.daily_tallies import tally_tick

    db = Database(url)
    with db.sessionmaker() as session:
        if session.scalar(select(func.count()).select_from(DayMark)) == 0:
            session.add(DayMark(day=utc_day(session.scalar(select(func.min(Case.created_at)))), stamp=0))
            session.commit()
        while tally_tick(session, NOW, TZ)["built"]:
            session.commit()
        session.commit()
        marks = session.scalar(select(func.count()).select_from(DayMark))
        built = session.scalar(select(func.count()).select_from(TallyDay))
    db.dispose()
    print(f"  daily roll-ups: {marks} day mark(s), {built} day(s) built before the timed ticks"
          + ("" if built else f" (no day of the cases is settled at {NOW_TEXT})"), flush=True)
    return built


def cached_sqlite(total: int, due: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"sqlite-open{total}-due{due}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seed(f"sqlite:///{partial}", total, due)
        partial.rename(path)
        Path(f"{partial}-writers").unlink(missing_ok=True)
    settle_tallies(f"sqlite:///{path}")
    Path(f"{path}-writers").unlink(missing_ok=True)
    return path


def cached_postgres(server_url: str, total: int, due: int) -> str:
    """The name of a template database with that many open cases, loaded once."""
    from sqlalchemy import create_engine, text

    name = f"feedback_tick_open{total}_due{due}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_partial" WITH (FORCE)'))  # an interrupted load
            conn.execute(text(f'CREATE DATABASE "{name}_partial"'))
            seed(admin.url.set(database=f"{name}_partial").render_as_string(hide_password=False), total, due)
            conn.execute(text(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"'))
    settle_tallies(admin.url.set(database=name).render_as_string(hide_password=False))
    admin.dispose()
    return name


def postgres_database(server_url: str, template: str | None = None):
    """A throwaway database on the server, empty or a copy of a template: (url, drop)."""
    from sqlalchemy import create_engine, text

    name = f"feedback_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = admin.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def count(url: str, sql: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return n


class Contender:
    """One command of the comparison: how to give it a fresh database, run it,
    and check that it did the work; its figures run by run."""

    def __init__(self, name: str, prepare, check):
        self.name, self.prepare, self.check = name, prepare, check
        self.runs: list[dict] = []

    def run(self, work: Path) -> None:
        argv, env, cwd, cleanup = self.prepare(work)
        try:
            figures = run_timed(argv, env, cwd)
            self.check(figures)
        finally:
            cleanup()
        self.runs.append(figures)

    def figure(self, key: str, digits: int = 2) -> str:
        return spread([run[key] for run in self.runs], digits)


def feedback_tick(url: str, work: Path) -> tuple[list[str], dict, Path]:
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work)}
    return [str(Path(sys.executable).with_name("feedback")), "tick", "--now", NOW_TEXT], env, ROOT


def floor_command(url: str) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "tick_floor.py"), url, NOW.isoformat()]


def sqlite_contenders(total: int, due: int) -> list[Contender]:
    ours_db, peer_db = cached_sqlite(total, due), peer_helpdesk.cached_database(total, due)

    def copy_of(source: Path, work: Path) -> Path:
        return copy_sqlite(source, work / f"run-{source.name}")

    def rows(path: Path, table: str) -> int:
        with sqlite3.connect(path) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def ours(work):
        path = copy_of(ours_db, work)
        argv, env, cwd = feedback_tick(f"sqlite:///{path}", work)
        ours_run.path = path
        return argv, env, cwd, lambda: None

    def floor(work):
        path = copy_of(ours_db, work)
        floor_run.path = path
        return floor_command(f"sqlite:///{path}"), None, ROOT, lambda: None

    def peer(work):
        path = peer_helpdesk.fresh_copy(peer_db, work / "run-helpdesk.db", due)
        peer_run.path = path
        argv, env, cwd = peer_helpdesk.command(["escalate_tickets"], path)
        return argv, env, cwd, lambda: None

    def escalated(contender, table):
        def check(_figures):
            done = rows(contender.path, table)
            if done != due:
                raise RuntimeError(f"{contender.name}: {done} rows in {table}, {due} expected")
        return check

    ours_run = Contender("feedback tick (SQLite)", ours, None)
    peer_run = Contender("escalate_tickets (django-helpdesk, SQLite)", peer, None)
    floor_run = Contender("set-based floor (SQLite)", floor, None)
    built = rows(ours_db, "daily_tally_day")

    def steady(_figures):
        escalated(ours_run, "escalation")(_figures)
        if rows(ours_run.path, "daily_tally_day") != built:
            raise RuntimeError("feedback tick built daily roll-ups: not the steady state")

    ours_run.check = steady
    peer_run.check = escalated(peer_run, "helpdesk_ticketchange")
    floor_run.check = escalated(floor_run, "escalation")
    return [ours_run, peer_run, floor_run]


def postgres_contenders(server_url: str, total: int, due: int) -> list[Contender]:
    template = cached_postgres(server_url, total, due)

    def with_copy(command):
        def prepare(work):
            url, drop = postgres_database(server_url, template)
            argv, env, cwd = command(url, work)
            prepare.url = url
            return argv, env, cwd, drop
        return prepare

    from sqlalchemy.engine import make_url

    template_url = make_url(server_url).set(database=template).render_as_string(hide_password=False)
    built = count(template_url, "SELECT count(*) FROM daily_tally_day")

    def escalated(prepare, name):
        def check(_figures):
            done = count(prepare.url, "SELECT count(*) FROM escalation")
            if done != due:
                raise RuntimeError(f"{name}: {done} escalations, {due} expected")
            if count(prepare.url, "SELECT count(*) FROM daily_tally_day") != built:
                raise RuntimeError(f"{name} built daily roll-ups: not the steady state")
        return check

    ours = with_copy(feedback_tick)
    floor = with_copy(lambda url, work: (floor_command(url), None, ROOT))
    return [Contender("feedback tick (PostgreSQL)", ours, escalated(ours, "feedback tick")),
            Contender("set-based floor (PostgreSQL)", floor, escalated(floor, "floor"))]


def profile_whole(args) -> None:
    """`feedback tick` once under cProfile on a fresh copy of each backend's
    database: where a whole run's time goes (imports, the app, the jobs)."""
    import pstats

    work = Path(tempfile.mkdtemp(prefix="tick-profile-"))
    targets = [] if args.no_sqlite else [("SQLite", None)]
    if args.url:
        targets.append(("PostgreSQL", cached_postgres(args.url, args.open, args.due)))
    try:
        for backend, template in targets:
            if template is None:
                path = copy_sqlite(cached_sqlite(args.open, args.due), work / "profile.db")
                url, drop = f"sqlite:///{path}", (lambda: None)
            else:
                url, drop = postgres_database(args.url, template)
            try:
                argv, env, cwd = feedback_tick(url, work)
                stats_file = work / "tick.prof"
                figures = run_timed([sys.executable, "-m", "cProfile", "-o", str(stats_file), *argv], env, cwd)
            finally:
                drop()
            print(f"\n== feedback tick on {backend}, {args.open:,} open, {args.due:,} due: "
                  f"{figures['wall']:.2f} s wall under the profiler")
            stats = pstats.Stats(str(stats_file))
            stats.sort_stats("cumulative").print_stats(args.profile_lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def whole(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="tick-whole-"))
    groups = []
    if not args.no_sqlite:
        groups.append(("SQLite", sqlite_contenders(args.open, args.due)))
    if args.url:
        groups.append(("PostgreSQL", postgres_contenders(args.url, args.open, args.due)))
    try:
        for backend, contenders in groups:
            contenders[0].run(work)  # warm-up: file caches, compiled bytecode
            contenders[0].runs.clear()
            for r in range(args.runs):
                for contender in rotated(contenders, r):
                    contender.run(work)
                    print(f"  run {r + 1}: {contender.name:42s} {contender.runs[-1]['wall']:6.2f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = 0
    print(f"\nwhole process, {args.open:,} open cases, {args.due:,} due; {args.runs} runs each "
          "(median and range):")
    for backend, contenders in groups:
        for c in contenders:
            print(f"  {c.name:44s} wall {c.figure('wall'):>20s} s   CPU {c.figure('cpu'):>20s} s   "
                  f"peak RSS {c.figure('rss_mb', 0)} MB")
        ours = contenders[0]
        for other in contenders[1:]:
            ratios = [o["wall"] / u["wall"] for u, o in zip(ours.runs, other.runs)]
            cpu = [o["cpu"] / u["cpu"] for u, o in zip(ours.runs, other.runs)]
            if "floor" in other.name:
                label, target = "ours / floor", "within 3x on PostgreSQL"
                ratios, cpu = [1 / r for r in ratios], [1 / r for r in cpu]
                ok = statistics.median(ratios) <= 3 if backend == "PostgreSQL" else True
            else:
                label, target = "escalate_tickets / ours", "at least 10x"
                ok = statistics.median(ratios) >= 10
            failed += not ok
            print(f"  {backend} {label}: wall {spread(ratios, 2)} run by run (target {target}); "
                  f"CPU {spread(cpu, 2)}")
        failed += max(run["rss_mb"] for run in ours.runs) >= 150
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
                        or os.environ.get("FEEDBACK_TEST_POSTGRES_URL"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true", help="also on a temporary SQLite file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--whole", action="store_true", help="whole processes against the peer and the floor")
    parser.add_argument("--open", type=int, default=100_000, help="--whole: open cases")
    parser.add_argument("--runs", type=int, default=5, help="--whole: runs of each command")
    parser.add_argument("--no-sqlite", action="store_true", help="--whole: PostgreSQL only")
    parser.add_argument("--profile", action="store_true", help="--whole: profile one tick of ours instead")
    parser.add_argument("--profile-lines", type=int, default=30)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.whole and args.profile:
        profile_whole(args)
        return
    if args.whole:
        sys.exit(1 if whole(args) else 0)
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
