"""Scorecards of every unit against one hand-written GROUP BY.

    .venv/bin/python bench/scoring_bench.py [--url URL] [--ratings 1000000] [--cases 40000]
        [--units 500] [--scheme all | NAME ...] [--month 2026-10] [--repeat 5] [--database NAME] [--drop]

A throwaway PostgreSQL database on --url (default FEEDBACK_BENCH_POSTGRES_URL
or FEEDBACK_TEST_POSTGRES_URL) gets a company, its branches and outlets
(--units in all), four staff per outlet, a year of ratings and cases spread
over the outlets (INSERT ... SELECT FROM generate_series, in the database),
and each case's first-response and resolution deadlines.

The database is loaded once and kept on the server under a name that
says its sizes (feedback_scoring_r<ratings>_c<cases>_u<units>); a later run
with the same sizes times again without loading (--database NAME names
another, --drop drops it at the end).

Then, for every shipped scheme (or those named), in the same run and on the
same rows, it times
- scoring.services.scorecards.scorecards(): the scheme's scorecards of all units for
  its period containing --month (a month, or the quarter or year of a
  scheme scored by quarter or year): metrics rolled up the unit tree,
  inspections, ledger, the engine's arithmetic and explanations, and its
  rules across periods (satisfaction_50_20_30's annual award reads the year
  so far: January to October for October);
- one hand-written SQL statement over the rows the scheme reads: per unit
  and month, ratings and satisfied ratings, cases, resolved cases and first
  responses on time, from the first month the scheme looks at to the end of
  its period (per unit only, no roll-up: the least any scorecard must read).
Each is run once to warm the cache, then --repeat times alternately (the
order rotating); the medians are compared. The figure to reach: scorecards
within 2x of the SQL. Under hotline_three_rates it also checks that every
outlet's three rates agree with the SQL's.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

TZ = "Asia/Shanghai"
YEAR_START = "2025-12-31 16:00:00+00"  # 1 January 2026 in Shanghai
STAFF_PER_OUTLET = 4

HAND_WRITTEN = """
WITH r AS (
    SELECT unit_id, date_trunc('month', created_at, :tz) AS month, count(*) AS rated,
           count(*) FILTER (WHERE score >= 4) AS satisfied
    FROM rating
    WHERE created_at >= :start AND created_at < :end AND NOT suspect
    GROUP BY 1, 2
), c AS (
    SELECT c.unit_id, date_trunc('month', c.created_at, :tz) AS month, count(*) AS cases,
           count(*) FILTER (WHERE c.resolved_at IS NOT NULL OR c.status IN ('resolved', 'closed')) AS resolved,
           count(d.id) FILTER (WHERE d.met_at <= d.due_at) AS responded
    FROM "case" c
    LEFT JOIN case_deadline d ON d.case_id = c.id AND d.target = 'first_response'
    WHERE c.created_at >= :start AND c.created_at < :end
    GROUP BY 1, 2
)
SELECT u.id, u.code, coalesce(r.month, c.month) AS month, r.rated, r.satisfied, c.cases, c.resolved, c.responded
FROM unit u JOIN (r FULL JOIN c ON c.unit_id = r.unit_id AND c.month = r.month)
     ON u.id = coalesce(r.unit_id, c.unit_id)
ORDER BY u.id, 3
"""


def load(conn, units: int, ratings: int, cases: int) -> dict[str, int]:
    """The organisation and a year of data, generated inside PostgreSQL."""
    branches = max(1, round(units / 20))
    outlets = units - 1 - branches
    staff = outlets * STAFF_PER_OUTLET
    conn.execute(text("SELECT setseed(0.42)"))
    conn.execute(text("""
        INSERT INTO unit (id, code, name, level, parent_id, area, timezone, active)
        SELECT g, 'U' || g,
               CASE WHEN g = 1 THEN 'Company' WHEN g <= 1 + :branches THEN 'Branch ' || g ELSE 'Outlet ' || g END,
               CASE WHEN g = 1 THEN 'company' WHEN g <= 1 + :branches THEN 'branch' ELSE 'outlet' END,
               CASE WHEN g = 1 THEN NULL WHEN g <= 1 + :branches THEN 1 ELSE 2 + (g % :branches) END,
               'urban', 'Asia/Shanghai', true
        FROM generate_series(1, :units) g"""), {"units": units, "branches": branches})
    first_outlet = 2 + branches
    conn.execute(text("""
        INSERT INTO staff (id, username, display_name, role, unit_id, locale, active, created_at)
        SELECT g, 'staff' || g, 'Staff ' || g, 'handler', :first + (g - 1) / :per, 'zh_Hans_CN', true, now()
        FROM generate_series(1, :staff) g"""), {"staff": staff, "first": first_outlet, "per": STAFF_PER_OUTLET})
    # A rating: an outlet, one of its staff, a mostly good score, a moment of the year.
    conn.execute(text("""
        INSERT INTO rating (channel, unit_id, staff_id, score, attitude, suspect, created_at)
        SELECT 'qr', :first + s / :per, 1 + s, score, score, r < 0.001,
               CAST(:year_start AS timestamptz) + random() * interval '365 days'
        FROM (SELECT (random() * (:staff - 1))::int AS s, random() AS r,
                     CASE WHEN random() < 0.55 THEN 5 WHEN random() < 0.6 THEN 4
                          WHEN random() < 0.5 THEN 3 WHEN random() < 0.5 THEN 2 ELSE 1 END AS score
              FROM generate_series(1, :ratings)) AS x"""),
                 {"ratings": ratings, "staff": staff, "first": first_outlet, "per": STAFF_PER_OUTLET,
                  "year_start": YEAR_START})
    conn.execute(text("""
        INSERT INTO "case" (id, reference, tracking_token, kind, category, severity, status, channel, unit_id,
                            contact_phone, locale, description, consent, first_responder_id, owner_id,
                            created_at, updated_at, resolved_at)
        SELECT g, 'C-2026-' || lpad(g::text, 7, '0'), 'bench-' || g,
               CASE WHEN g % 5 < 2 THEN 'complaint' WHEN g % 5 < 4 THEN 'repair' ELSE 'consultation' END,
               'other', 'normal', CASE WHEN resolved THEN 'resolved' ELSE 'in_progress' END, 'web',
               :first + s / :per, '+86138' || lpad((g % 50000)::text, 8, '0'), 'zh_Hans_CN', '', false,
               1 + s, 1 + s, created, created, CASE WHEN resolved THEN created + interval '20 hours' END
        FROM (SELECT g, (random() * (:staff - 1))::int AS s, random() < 0.85 AS resolved,
                     CAST(:year_start AS timestamptz) + random() * interval '365 days' AS created
              FROM generate_series(1, :cases) g) AS x"""),
                 {"cases": cases, "staff": staff, "first": first_outlet, "per": STAFF_PER_OUTLET,
                  "year_start": YEAR_START})
    # First response due in 2 hours, given within 0-3 hours; resolution due in a day.
    conn.execute(text("""
        INSERT INTO case_deadline (case_id, target, started_at, due_at, met_at, breached_at, escalation_level)
        SELECT id, 'first_response', created_at, created_at + interval '2 hours', met,
               CASE WHEN met > created_at + interval '2 hours' THEN created_at + interval '2 hours' END, 0
        FROM (SELECT id, created_at, created_at + random() * interval '3 hours' AS met FROM "case") AS x"""))
    conn.execute(text("""
        INSERT INTO case_deadline (case_id, target, started_at, due_at, met_at, escalation_level)
        SELECT id, 'resolution', created_at, created_at + interval '1 day', resolved_at, 0 FROM "case" """))
    for table in ("unit", "staff", "case"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                          f"(SELECT max(id) FROM \"{table}\"))"))
    conn.execute(text("ANALYZE"))
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in ("unit", "staff", "rating", "case", "case_deadline")}


def period_of(scheme, month: str):
    """The scheme's own period (month, quarter, year) that holds the month."""
    from scoring.engine.periods import Period

    wanted = Period.parse(month)
    start, _end = wanted.bounds(TZ)
    return Period.containing(start + (wanted.bounds(TZ)[1] - start) / 2, scheme.period, TZ)


def time_scheme(db, scheme_name: str, month: str, repeat: int) -> dict:
    """Scorecards and the hand-written SQL over the same window, alternately."""
    from scoring.engine.scheme import load_scheme
    from scoring.services.scorecards import _series_months, scorecards

    scheme = load_scheme(scheme_name)
    period = period_of(scheme, month)
    first = ([*_series_months(scheme, period), period])[0]
    start, end = first.bounds(TZ)[0], period.bounds(TZ)[1]

    def hand_written():
        with db.engine.connect() as conn:
            return conn.execute(text(HAND_WRITTEN), {"start": start, "end": end, "tz": TZ}).all()

    def ours():
        with db.sessionmaker() as session:
            return scorecards(session, scheme.name, period, "unit", None, TZ)

    rows, cards = hand_written(), ours()  # warm the cache
    times = {"sql": [], "ours": []}
    for r in range(repeat):
        for name, run in (("sql", hand_written), ("ours", ours))[::1 if r % 2 == 0 else -1]:
            started = time.perf_counter()
            result = run()
            times[name].append(time.perf_counter() - started)
            if name == "sql":
                rows = result
            else:
                cards = result
    tracemalloc.start()  # once more, apart: tracing slows Python down several times
    ours()
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Every outlet's rates of the period as the hand-written SQL counts them.
    by_code = {c.subject: c for c in cards}
    period_start = period.bounds(TZ)[0]
    in_period = [row for row in rows if row.month >= period_start]
    mismatches = 0
    for row in in_period:
        if scheme.name != "hotline_three_rates" or not row.rated or not row.cases or row.code not in by_code:
            continue
        parts = by_code[row.code].components
        expected = {"satisfaction": Decimal(row.satisfied) * 100 / row.rated,
                    "resolution": Decimal(row.resolved) * 100 / row.cases,
                    "response": Decimal(row.responded) * 100 / row.cases}
        mismatches += any(parts[k].score != v for k, v in expected.items())
    sql_median, our_median = statistics.median(times["sql"]), statistics.median(times["ours"])
    return {"scheme": scheme.name, "period": period.label, "from": first.label, "units": len(cards),
            "ratings": sum(row.rated or 0 for row in rows), "cases": sum(row.cases or 0 for row in rows),
            "sql": times["sql"], "ours": times["ours"], "ratio": our_median / sql_median,
            "mismatches": mismatches, "python_peak_mib": python_peak / 2**20}


def shipped_schemes() -> list[str]:
    return sorted(path.stem for path in (ROOT / "scoring" / "schemes").glob("*.toml"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
                        or os.environ.get("FEEDBACK_TEST_POSTGRES_URL"))
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=40_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--scheme", nargs="+", default=["all"], help="scheme names, or all (the default)")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="time on this database (loaded first if it does not exist)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url (a PostgreSQL server) or set FEEDBACK_TEST_POSTGRES_URL")

    from intake.shell.schema import metadata
    from routing.foundation.db import Database

    name = args.database or f"feedback_scoring_r{args.ratings}_c{args.cases}_u{args.units}"
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}_partial" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}_partial"'))
    if not exists:
        partial = Database(admin.url.set(database=f"{name}_partial").render_as_string(hide_password=False))
        metadata.create_all(partial.engine)
        started = time.perf_counter()
        with partial.engine.begin() as conn:
            counts = load(conn, args.units, args.ratings, args.cases)
        partial.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"'))
        print(f"loaded in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    schemes = shipped_schemes() if args.scheme == ["all"] else args.scheme
    failed = 0
    try:
        db = Database(url)
        for scheme in schemes:
            result = time_scheme(db, scheme, args.month, args.repeat)
            ok = result["ratio"] <= 2 and result["mismatches"] == 0
            failed += not ok
            window = result["period"] if result["from"] == result["period"] else f"{result['from']} to {result['period']}"
            print(f"{scheme:24s} {window:18s} SQL {spread_ms(result['sql'])}  scorecards {spread_ms(result['ours'])}"
                  f"  ratio {result['ratio']:.2f}{'' if ok else ' MISSED'}  ({result['ratings']:,} ratings, "
                  f"{result['cases']:,} cases; Python peak {result['python_peak_mib']:.1f} MiB"
                  + (f"; {result['mismatches']} outlets disagree with the SQL" if result["mismatches"] else "")
                  + ")", flush=True)
        print(f"target: scorecards within 2x of the SQL; process peak "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        db.dispose()
        return 1 if failed else 0
    finally:
        if args.drop:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {name}")
        admin.dispose()


def spread_ms(seconds: list[float]) -> str:
    ms = [1000 * s for s in seconds]
    return f"{statistics.median(ms):6.0f} ms ({min(ms):.0f}-{max(ms):.0f})"


if __name__ == "__main__":
    sys.exit(main())
