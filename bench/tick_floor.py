"""The set-based floor of the escalation tick: the same writes the tick makes
for the due cases of tick_bench's database, as eight SQL statements in one
transaction, by a process that imports nothing but the database driver.

    python bench/tick_floor.py URL NOW        # URL: sqlite:///path or postgresql://...; NOW: ISO-8601, UTC

For each case whose next_check_at has come, its arrival deadline missed:
the deadline marked breached at level 1, one escalation step to the unit's
supervisor (the unique step key refuses a duplicate), one timeline event,
one in-app notice, one SMS in the outbox (its dedupe key refuses a
duplicate), the case's next check half an hour after the breach; then the
first 100 messages marked sent, as the tick's outbox job sends them. It is
what a tick could not do with less: the yardstick, not a second tick.
"""
from __future__ import annotations

import sys

# (WHERE true: SQLite reads ON CONFLICT after a bare FROM as a join's ON.)
# {now}: the tick's time as a literal of the database's own; {json}: its
# JSON object builder; {minutes}: minutes from due_at to now.
STATEMENTS = [
    """CREATE TEMP TABLE due AS
       SELECT c.id AS case_id, c.reference, d.id AS deadline_id, d.target, d.due_at, s.id AS staff_id, s.phone,
              {minutes} AS late
       FROM "case" c
       JOIN case_deadline d ON d.case_id = c.id AND d.target = 'arrival' AND d.met_at IS NULL
       JOIN staff s ON s.unit_id = c.unit_id AND s.role = 'supervisor' AND s.active
       WHERE c.next_check_at <= {now}""",
    "UPDATE case_deadline SET breached_at = due_at, escalation_level = 1 WHERE id IN (SELECT deadline_id FROM due)",
    """INSERT INTO escalation (case_id, target, level, to_staff_id, minutes_late, at, kind)
       SELECT case_id, target, 1, staff_id, late, {now}, 'breach' FROM due WHERE true
       ON CONFLICT (case_id, target, level) DO NOTHING""",
    """INSERT INTO case_event (case_id, at, kind, actor, body, public, data)
       SELECT case_id, {now}, 'escalated', 'system', '', {false},
              {json}('target', target, 'level', 'supervisor', 'to_staff_id', staff_id, 'minutes_late', late,
                     'kind', 'breach')
       FROM due""",
    """INSERT INTO notification (staff_id, case_id, kind, data, created_at)
       SELECT staff_id, case_id, 'escalated',
              {json}('reference', reference, 'target', target, 'level', 'supervisor', 'minutes', late), {now}
       FROM due""",
    """INSERT INTO outbound_message (transport, "to", body, purpose, case_id, staff_id, dedupe_key, status,
                                     attempts, not_before, created_at)
       SELECT 'sms', phone, '工单' || reference || '已升级给您（主管）：到达现场时限已超出' || late || '分钟。',
              'escalation', case_id, staff_id, 'escalation:' || case_id || ':' || target || ':1', 'pending', 0,
              {now}, {now}
       FROM due WHERE true
       ON CONFLICT (dedupe_key) DO NOTHING""",
    """UPDATE "case" SET updated_at = {now}, next_check_at = {next_check}
       WHERE id IN (SELECT case_id FROM due)""",
    """UPDATE outbound_message SET status = 'sent', attempts = 1, sent_at = {now},
              provider_id = 'floor-' || id
       WHERE id IN (SELECT id FROM outbound_message WHERE status = 'pending' AND not_before <= {now}
                    ORDER BY id LIMIT 100)""",
]


def sqlite(path: str, now: str) -> None:
    import sqlite3

    stamp = f"'{now.replace('T', ' ')[:19]}.000000'"
    words = {"now": stamp, "json": "json_object", "false": "0",
             "minutes": f"CAST(round((julianday({stamp}) - julianday(d.due_at)) * 1440) AS INTEGER)",
             "next_check": "strftime('%Y-%m-%d %H:%M:%S', (SELECT due_at FROM due WHERE due.case_id = \"case\".id),"
                           " '+30 minutes') || '.000000'"}
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    for statement in STATEMENTS:
        db.execute(statement.format(**words))
    db.execute("COMMIT")
    db.close()


def postgres(url: str, now: str) -> None:
    import psycopg

    stamp = f"timestamptz '{now}'"
    words = {"now": stamp, "json": "json_build_object", "false": "false",
             "minutes": f"floor(extract(epoch FROM {stamp} - d.due_at) / 60)::int",
             "next_check": "(SELECT due_at FROM due WHERE due.case_id = \"case\".id) + interval '30 minutes'"}
    with psycopg.connect(url) as conn:
        for statement in STATEMENTS:
            conn.execute(statement.format(**words))


def main() -> None:
    url, now = sys.argv[1], sys.argv[2]
    if url.startswith("sqlite:///"):
        sqlite(url.removeprefix("sqlite:///"), now)
    else:
        postgres(url.replace("postgresql+psycopg://", "postgresql://"), now)


if __name__ == "__main__":
    main()
