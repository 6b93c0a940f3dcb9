"""Monthly scorecards of every unit against one hand-written GROUP BY.

    /work/venv/bin/python bench/scoring_bench.py [--url URL] [--ratings 5000000] [--cases 200000]
        [--units 500] [--scheme hotline_three_rates] [--month 2026-10] [--repeat 5] [--keep]

A throwaway PostgreSQL database on --url (default FEEDBACK_BENCH_POSTGRES_URL
or FEEDBACK_TEST_POSTGRES_URL) gets a company, its branches and outlets
(--units in all), four staff per outlet, a year of ratings and cases spread
over the outlets (INSERT ... SELECT FROM generate_series, in the database),
and each case's first-response and resolution deadlines.

Then, in the same run and on the same rows, it times
- scoring.scorecards.scorecards(): the scheme's monthly scorecards of all
  units (metrics rolled up the unit tree, inspections, ledger, the engine's
  arithmetic and explanations), and
- one hand-written SQL statement: per unit, ratings and satisfied ratings,
  cases, resolved cases and first responses on time, for the same month (per
  unit only, no roll-up: the least any scorecard must read).
Each is run once to warm the cache, then --repeat times alternately; the
medians are compared. The figure to reach: scorecards within 2x of the SQL.
Under hotline_three_rates it also checks that every outlet's three rates
agree with the SQL's. --database NAME times again on a database kept by an
earlier run (--keep) without loading it.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
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
    SELECT unit_id, count(*) AS rated, count(*) FILTER (WHERE score >= 4) AS satisfied
    FROM rating
    WHERE created_at >= :start AND created_at < :end AND NOT suspect
    GROUP BY unit_id
), c AS (
    SELECT c.unit_id, count(*) AS cases,
           count(*) FILTER (WHERE c.resolved_at IS NOT NULL OR c.status IN ('resolved', 'closed')) AS resolved,
           count(d.id) FILTER (WHERE d.met_at <= d.due_at) AS responded
    FROM "case" c
    LEFT JOIN case_deadline d ON d.case_id = c.id AND d.target = 'first_response'
    WHERE c.created_at >= :start AND c.created_at < :end
    GROUP BY c.unit_id
)
SELECT u.id, u.code, r.rated, r.satisfied, c.cases, c.resolved, c.responded
FROM unit u LEFT JOIN r ON r.unit_id = u.id LEFT JOIN c ON c.unit_id = u.id
ORDER BY u.id
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
                        or os.environ.get("FEEDBACK_TEST_POSTGRES_URL"))
    parser.add_argument("--ratings", type=int, default=5_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--scheme", default="hotline_three_rates")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="time again on a database kept by an earlier run (no loading)")
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url (a PostgreSQL server) or set FEEDBACK_TEST_POSTGRES_URL")

    from intake.shell.schema import metadata
    from routing.foundation.db import Database
    from scoring.engine.periods import Period
    from scoring.engine.scheme import load_scheme
    from scoring.services.scorecards import scorecards

    name = args.database or f"feedback_scoring_bench_{uuid.uuid4().hex[:8]}"
    keep = args.keep or bool(args.database)
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    if not args.database:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(url)
        if not args.database:
            metadata.create_all(db.engine)
            started = time.perf_counter()
            with db.engine.begin() as conn:
                counts = load(conn, args.units, args.ratings, args.cases)
            print(f"loaded in {time.perf_counter() - started:.0f} s: "
                  + ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)

        period = Period.parse(args.month)
        start, end = period.bounds(TZ)
        scheme = load_scheme(args.scheme)

        def hand_written():
            with db.engine.connect() as conn:
                return conn.execute(text(HAND_WRITTEN), {"start": start, "end": end}).all()

        def ours():
            with db.sessionmaker() as session:
                return scorecards(session, scheme.name, period, "unit", None, TZ)

        rows, cards = hand_written(), ours()  # warm the cache
        sql_times, our_times = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            rows = hand_written()
            sql_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            cards = ours()
            our_times.append(time.perf_counter() - t)
        tracemalloc.start()  # once more, apart: tracing slows Python down several times
        ours()
        _current, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # Every outlet's rates as the hand-written SQL counts them.
        by_code = {c.subject: c for c in cards}
        month_ratings = sum(r.rated or 0 for r in rows)
        month_cases = sum(r.cases or 0 for r in rows)
        mismatches = 0
        for row in rows:
            if not row.rated or not row.cases or row.code not in by_code:
                continue
            parts = by_code[row.code].components
            expected = {"satisfaction": Decimal(row.satisfied) * 100 / row.rated,
                        "resolution": Decimal(row.resolved) * 100 / row.cases,
                        "response": Decimal(row.responded) * 100 / row.cases}
            if scheme.name == "hotline_three_rates" and any(parts[k].score != v for k, v in expected.items()):
                mismatches += 1
        sql_median, our_median = statistics.median(sql_times), statistics.median(our_times)
        ratio = our_median / sql_median
        print(f"month {period.label}: {month_ratings:,} ratings and {month_cases:,} cases of {len(rows)} units")
        print(f"hand-written GROUP BY: median {sql_median * 1000:.0f} ms  "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in sql_times)})")
        print(f"scorecards ({scheme.name}, {len(cards)} units): median {our_median * 1000:.0f} ms  "
              f"(runs: {', '.join(f'{t * 1000:.0f}' for t in our_times)})")
        print(f"ratio {ratio:.2f} (target: at most 2.00); outlets disagreeing with the SQL: {mismatches}")
        print(f"peak memory: Python allocations {python_peak / 2**20:.1f} MiB, "
              f"process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        db.dispose()
        return 0 if ratio <= 2 and mismatches == 0 else 1
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {name}")
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
