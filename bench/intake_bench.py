"""Complaint intake side by side with django-helpdesk's public submission.

    .venv/bin/python bench/intake_bench.py [--complaints 240] [--rounds 6] [--sizes 0 100000 1000000]
        [--no-peer] [--no-growth]

Part one, at 0 open cases, in one run with interleaved rounds whose order
rotates (each side goes first in turn):
- our web form: a browser's first visit, GET /complain (it gets the session
  cookie and the CSRF token), then POST the complaint with both (303);
- django-helpdesk 2.6.1's public form (bench/peer_helpdesk.py): GET
  /tickets/submit/, then POST with its csrftoken cookie and field (302);
- our JSON API: POST /api/v1/cases with a bearer token (201).
Each is one sync gunicorn worker on its own SQLite file, and one client
sends one request at a time, as a single worker serves them. Reported:
complaints per second (median of the rounds and range), our rate over the
peer's (target 10x), the latency of the GET and the POST, and the server's
CPU time per complaint (from /proc, steadier than rates on a shared machine).

Part two: the cost of one complaint (web form and API) with 0, 100,000 and
1,000,000 open cases already in the database, each size its own server, the
rounds rotated over the sizes. Target: the largest at most 1.2x the empty.

The databases are built once with set-based inserts (a recursive CTE inside
SQLite) and kept under bench/out/intake/; each run works on a copy. Every
complaint has a new phone number and e-mail address, so none joins an open
case. At the end every accepted complaint must be a row.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import peer_helpdesk  # noqa: E402
from serving import copy_sqlite, cpu_seconds, free_port, gunicorn, rotated, spread, stop, workers_of  # noqa: E402

OUT = ROOT / "bench" / "out" / "intake"
BRANCHES, OUTLETS_PER_BRANCH = 4, 10
DESCRIPTION = "柜台写着营业，却一直没有人办理业务，等了四十分钟。The counter was open but nobody served us for 40 minutes."
CSRF_INPUT = re.compile(r'<input[^>]*name="(csrf_token|csrfmiddlewaretoken)"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


# --- our databases -----------------------------------------------------------

def cached_database(open_cases: int) -> tuple[Path, str, list[int]]:
    """(path, API token, outlet ids) of a database with that many open cases,
    built once and kept."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"open{open_cases}.db"
    meta = path.with_suffix(".json")
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        token, outlets = _organisation(f"sqlite:///{partial}")
        _open_cases(partial, open_cases, outlets)
        meta.write_text(json.dumps({"token": token, "outlets": outlets}))
        partial.rename(path)
        Path(f"{partial}-writers").unlink(missing_ok=True)  # the writers' lock file beside it
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    saved = json.loads(meta.read_text())
    return path, saved["token"], saved["outlets"]


def _organisation(url: str) -> tuple[str, list[int]]:
    """Schema by migration; a company, its branches and outlets, a supervisor
    and two handlers per outlet, the preset policies, an integrator's token."""
    from intake.shell.schema import upgrade
    from routing.foundation.db import Database
    from routing.services.org import create_api_token, create_staff, create_unit
    from routing.services.policies import ensure_presets

    now = datetime.now(timezone.utc)
    upgrade(url)
    db = Database(url)
    with db.sessionmaker() as session:
        ensure_presets(session, now)
        company = create_unit(session, "HQ", "总行", level="company")
        create_staff(session, "gm", "executive", now, unit=company, ladder_position="gm")
        integrator = create_staff(session, "crm", "manager", now, unit=company)
        outlets = []
        for b in range(BRANCHES):
            branch = create_unit(session, f"B{b}", f"分行 {b}", level="branch", parent=company)
            create_staff(session, f"mgr{b}", "manager", now, unit=branch)
            for o in range(OUTLETS_PER_BRANCH):
                outlet = create_unit(session, f"B{b}O{o}", f"网点 {b}-{o}", parent=branch)
                create_staff(session, f"sup{b}-{o}", "supervisor", now, unit=outlet, phone=f"+86137{b:02d}{o:06d}")
                for h in range(2):
                    create_staff(session, f"h{b}-{o}-{h}", "handler", now, unit=outlet)
                outlets.append(outlet)
        session.flush()
        token, _row = create_api_token(session, integrator, now, "bench")
        session.commit()
        outlet_ids = [outlet.id for outlet in outlets]
    db.dispose()
    return token, outlet_ids


def _open_cases(path: Path, total: int, outlets: list[int]) -> None:
    """`total` open complaints of the last 30 days, each with its creation
    event and first-response and resolution deadlines, set-based."""
    if not total:
        return
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    stamp = "strftime('%Y-%m-%d %H:%M:%S', '2026-11-02 02:00:00', '-' || (i % 43200) || ' minutes') || '.000000'"
    with db:
        db.execute("CREATE TEMP TABLE n AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                   "WHERE i < ?) SELECT i FROM n", (total,))
        db.execute("CREATE TEMP TABLE outlet AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM unit "
                   "WHERE level = 'outlet'")
        db.execute(f"""
            INSERT INTO "case" (id, reference, tracking_token, kind, category, severity, status, channel, unit_id,
                                contact_name, contact_phone, contact_email, locale, description, consent,
                                created_at, updated_at, policy_name, next_due_at, next_check_at)
            SELECT i, printf('C-2026-%06d', i), 'open-' || i || '-' || hex(randomblob(8)), 'complaint', 'attitude',
                   'normal', CASE i % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'claimed' ELSE 'in_progress' END, 'web',
                   outlet.id,
                   'Customer ' || i, printf('+86139%08d', i), 'customer' || i || '@example.com', 'zh_Hans_CN',
                   'An earlier complaint.', 1, {stamp}, {stamp}, 'complaint',
                   strftime('%Y-%m-%d %H:%M:%S', '2026-12-01 02:00:00', '+' || (i % 43200) || ' minutes') || '.000000',
                   strftime('%Y-%m-%d %H:%M:%S', '2026-12-01 02:00:00', '+' || (i % 43200) || ' minutes') || '.000000'
            FROM n JOIN outlet ON outlet.k = i % {len(outlets)}""")
        db.execute("""INSERT INTO case_event (case_id, at, kind, actor, body, public, data)
                      SELECT id, created_at, 'created', 'customer', description, 1, '{"channel": "web"}' FROM "case" """)
        for target, hours in (("first_response", 24), ("resolution", 24 * 40)):
            db.execute(f"""INSERT INTO case_deadline (case_id, target, started_at, due_at, escalation_level)
                           SELECT id, '{target}', created_at,
                                  strftime('%Y-%m-%d %H:%M:%S', created_at, '+{hours} hours') || '.000000', 0
                           FROM "case" """)
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def count_rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


# --- the clients -------------------------------------------------------------

def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body, headers or {})
    response = conn.getresponse()
    data = response.read()
    cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
    conn.close()
    return response.status, {"cookies": cookies, "location": response.getheader("Location")}, data


def csrf_token(page: bytes) -> str:
    tag = CSRF_INPUT.search(page.decode())
    if tag is None:
        raise RuntimeError("no CSRF token on the form")
    return VALUE.search(tag.group(0)).group(1)


@dataclass
class Side:
    """One way in, the server behind it and what was measured, round by round."""

    name: str
    port: int
    workers: list[int]
    send: callable  # (side, n) -> status of the complaint's last answer
    accepted: int
    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def round(self, count: int, first: int) -> None:
        cpu, started = cpu_seconds(self.workers), time.perf_counter()
        for n in range(first, first + count):
            self.statuses.append(self.send(self, n))
        elapsed = time.perf_counter() - started
        self.rates.append(count / elapsed)
        self.cpu_ms.append(1000 * (cpu_seconds(self.workers) - cpu) / count)


def timed(side: Side, into: list[float], *args, **kwargs):
    started = time.perf_counter()
    answer = request(side.port, *args, **kwargs)
    into.append(1000 * (time.perf_counter() - started))
    return answer


def browser_headers(port: int, cookies: str) -> dict:
    return {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies,
            "Origin": f"http://127.0.0.1:{port}", "Referer": f"http://127.0.0.1:{port}/",
            "Sec-Fetch-Site": "same-origin"}


def complaint_form(page: bytes, n: int, outlets: list[int]) -> dict:
    """The complaint form as a customer fills it in: a new phone number and
    e-mail address each time, so that none joins an open case."""
    return {"csrf_token": csrf_token(page), "kind": "complaint", "category": "attitude",
            "description": DESCRIPTION, "unit": outlets[n % len(outlets)], "name": f"Bench {n}",
            "phone": f"+86138{n:08d}", "email": f"web{n}@example.com", "preferred_callback": "",
            "consent": "y", "touchpoint": "", "rating": ""}


def api_case(n: int, outlets: list[int]) -> dict:
    return {"description": DESCRIPTION, "kind": "complaint", "category": "attitude",
            "unit": outlets[n % len(outlets)], "contact_name": f"API {n}", "contact_phone": f"+86136{n:08d}",
            "contact_email": f"api{n}@example.com", "consent": True}


def our_web_form(outlets: list[int]):
    def send(side: Side, n: int) -> int:
        status, got, page = timed(side, side.get_ms, "GET", "/complain")
        if status != 200:
            raise RuntimeError(f"GET /complain answered {status}")
        status, _, _ = timed(side, side.post_ms, "POST", "/complain",
                             urlencode(complaint_form(page, n, outlets)).encode(),
                             browser_headers(side.port, got["cookies"]))
        return status
    return send


def peer_web_form(side: Side, n: int) -> int:
    status, got, page = timed(side, side.get_ms, "GET", "/tickets/submit/")
    if status != 200:
        raise RuntimeError(f"GET /tickets/submit/ answered {status}")
    form = {"csrfmiddlewaretoken": csrf_token(page), "title": f"Complaint {n}", "body": DESCRIPTION,
            "submitter_email": f"peer{n}@example.com", "due_date": ""}
    status, _, _ = timed(side, side.post_ms, "POST", "/tickets/submit/", urlencode(form).encode(),
                         browser_headers(side.port, got["cookies"]))
    return status


def our_api(token: str, outlets: list[int]):
    def send(side: Side, n: int) -> int:
        status, _, _ = timed(side, side.post_ms, "POST", "/api/v1/cases", json.dumps(api_case(n, outlets)).encode(),
                             {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        return status
    return send


# --- running -----------------------------------------------------------------

def our_server(database: Path, work: Path, port: int):
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{database}", "FEEDBACK_SECRET_KEY": "bench",
           "FEEDBACK_INSTANCE_PATH": str(work), "FEEDBACK_RATE_LIMIT_PUBLIC": '"1000000 per minute"',
           "FEEDBACK_PUBLIC_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    return gunicorn("intake:create_app()", port, env, ROOT, work, workers=1)


def run_rounds(sides: list[Side], complaints: int, rounds: int) -> None:
    for side in sides:  # warm-up: every page and query once, not timed
        for n in range(3):
            side.send(side, 10_000_000 + n)
        side.get_ms.clear()
        side.post_ms.clear()
    per_round = max(1, complaints // rounds)
    for r in range(rounds):
        for side in rotated(sides, r):
            side.round(per_round, 1_000 + r * per_round)
            print(f"  round {r + 1}: {side.name:28s} {side.rates[-1]:7.1f}/s", flush=True)


def check(side: Side, expected: int) -> int:
    wrong = [s for s in side.statuses if s != expected]
    if wrong:
        print(f"{side.name}: {len(wrong)} answers were not {expected}: {sorted(set(wrong))}")
    return len(wrong)


def side_by_side(args, work: Path) -> tuple[int, int]:
    """(answers wrong or complaints lost, targets missed)"""
    source, token, outlets = cached_database(0)
    ours_db, peer_db = work / "ours.db", work / "peer.db"
    copy_sqlite(source, ours_db)
    peer_helpdesk.setup()
    copy_sqlite(peer_helpdesk.EMPTY_DB, peer_db)
    ours_port, peer_port = free_port(), free_port()
    servers = [our_server(ours_db, work, ours_port)]
    try:
        servers.append(peer_helpdesk.serve(peer_port, peer_db, work))
        ours_workers, peer_workers = workers_of(servers[0]), workers_of(servers[1])
        web = Side("our web form (GET + POST)", ours_port, ours_workers, our_web_form(outlets), 303)
        peer = Side("django-helpdesk (GET + POST)", peer_port, peer_workers, peer_web_form, 302)
        api = Side("our JSON API (POST)", ours_port, ours_workers, our_api(token, outlets), 201)
        sides = [web, peer, api]
        cases_before = count_rows(ours_db, "case")
        run_rounds(sides, args.complaints, args.rounds)
    finally:
        stop(servers)
    errors = sum(check(side, side.accepted) for side in sides)
    stored = count_rows(ours_db, "case") - cases_before
    tickets = count_rows(peer_db, "helpdesk_ticket")
    sent_ours = len(web.statuses) + len(api.statuses) + 6
    print(f"\nside by side, 0 open cases, {args.rounds} rounds of {args.complaints // args.rounds} complaints "
          "(median of the rounds, range):")
    for side in sides:
        print(f"  {side.name:28s} {spread(side.rates):>20s} complaints/s   server CPU {spread(side.cpu_ms, 2)} ms"
              f"   GET {spread(side.get_ms) if side.get_ms else '-':>18s} ms   POST {spread(side.post_ms)} ms")
    missed = 0
    for side in (web, api):
        ratios = [a / b for a, b in zip(side.rates, peer.rates)]
        cpu = [b / a for a, b in zip(side.cpu_ms, peer.cpu_ms)]
        missed += statistics.median(ratios) < 10
        print(f"  {side.name} / django-helpdesk: {spread(ratios, 2)} by round (target 10x); "
              f"on server CPU {spread(cpu, 2)}")
    print(f"  stored: {stored} cases of {sent_ours} sent, {tickets} tickets of {len(peer.statuses) + 3} sent")
    lost = (stored != sent_ours) + (tickets != len(peer.statuses) + 3)
    return errors + lost, missed


def growth(args, work: Path) -> tuple[int, int]:
    """Our web form and API with the sizes' open cases, one server each:
    (answers wrong, targets missed)."""
    servers, sides = [], []
    try:
        for size in args.sizes:
            source, token, outlets = cached_database(size)
            database = copy_sqlite(source, work / f"open{size}.db")
            port = free_port()
            servers.append(our_server(database, work, port))
            workers = workers_of(servers[-1])
            sides.append(Side(f"web form, {size:,} open", port, workers, our_web_form(outlets), 303))
            sides.append(Side(f"API, {size:,} open", port, workers, our_api(token, outlets), 201))
        run_rounds(sides, args.complaints // 2, args.rounds)
    finally:
        stop(servers)
    errors = sum(check(side, side.accepted) for side in sides)
    print("\ncost of one complaint by open cases (ms of wall time a complaint, median of the rounds, range; "
          "the growth on wall time and on server CPU):")
    missed = 0
    for kind in ("web form", "API"):
        mine = [s for s in sides if s.name.startswith(kind)]
        base = statistics.median(1000 / r for r in mine[0].rates)
        base_cpu = statistics.median(mine[0].cpu_ms)
        for side in mine:
            ms = [1000 / r for r in side.rates]
            growth_ms = statistics.median(ms) / base
            print(f"  {side.name:26s} {spread(ms, 2):>22s} ms   server CPU {spread(side.cpu_ms, 2)} ms   "
                  f"x{growth_ms:.2f}, on CPU x{statistics.median(side.cpu_ms) / base_cpu:.2f} "
                  "(target <= 1.2)")
        missed += growth_ms > 1.2
    return errors, missed


def profile(args, work: Path) -> None:
    """Complaints in this process (Flask's test client) on each size's
    database: SQL statements per complaint, the slowest shapes, top costs."""
    import cProfile

    from profiling import Statements, top_costs

    count = 50
    for size in args.sizes:
        source, token, outlets = cached_database(size)
        database = copy_sqlite(source, work / f"profile{size}.db")
        os.environ.update(FEEDBACK_DATABASE_URL=f"sqlite:///{database}", FEEDBACK_SECRET_KEY="bench",
                          FEEDBACK_INSTANCE_PATH=str(work), FEEDBACK_RATE_LIMIT_PUBLIC='"1000000 per minute"')
        from intake import create_app

        app = create_app()
        statements = Statements(app.extensions["db"].engine)
        for name, send in (("web form (GET + POST)", web_in_process(outlets)),
                           ("JSON API", api_in_process(token, outlets))):
            client = app.test_client()
            for n in range(3):
                send(client, 20_000_000 + n)
            profiler = cProfile.Profile()
            with statements.record():
                started = time.perf_counter()
                profiler.enable()
                for n in range(count):
                    send(client, 30_000_000 + n)
                profiler.disable()
                elapsed = 1000 * (time.perf_counter() - started) / count
            sql_ms = 1000 * sum(seconds for _sql, seconds in statements.rows) / count
            print(f"\n== {name}, {size:,} open cases: {elapsed:.1f} ms a complaint in process (profiled), "
                  f"{len(statements.rows) / count:.0f} SQL statements a complaint taking {sql_ms:.1f} ms")
            for line in statements.summary(5) + top_costs(profiler, args.profile_lines):
                print("   " + line)
        app.extensions["db"].dispose()
        database.unlink()


def web_in_process(outlets: list[int]):
    def send(client, n: int) -> None:
        form = complaint_form(client.get("/complain").get_data(), n, outlets)
        if client.post("/complain", data=form).status_code != 303:
            raise RuntimeError("the complaint was refused")
    return send


def api_in_process(token: str, outlets: list[int]):
    def send(client, n: int) -> None:
        answer = client.post("/api/v1/cases", json=api_case(n, outlets), headers={"Authorization": f"Bearer {token}"})
        if answer.status_code != 201:
            raise RuntimeError("the case was refused")
    return send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=240, help="measured complaints per side")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 100_000, 1_000_000])
    parser.add_argument("--no-peer", action="store_true", help="skip the side-by-side part")
    parser.add_argument("--no-growth", action="store_true", help="skip the open-cases part")
    parser.add_argument("--profile", action="store_true", help="only profile complaints in process, per size")
    parser.add_argument("--profile-lines", type=int, default=12)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    errors = missed = 0
    try:
        if args.profile:
            profile(args, work)
            return
        for part, skip in ((side_by_side, args.no_peer), (growth, args.no_growth)):
            if not skip:
                wrong, short = part(args, work)
                errors, missed = errors + wrong, missed + short
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if errors:
        sys.exit("complaints were refused or lost")
    if missed:
        sys.exit(f"{missed} target(s) missed")


if __name__ == "__main__":
    main()
