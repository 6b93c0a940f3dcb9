"""The staff pages bench's database: a bank's year on PostgreSQL, built once
with set-based statements (INSERT ... SELECT FROM generate_series).

A company with --branches branches of --outlets outlets each; per outlet a
supervisor, four handlers and two QR counters; a manager of each branch; a
GM, a deputy GM and the manager who logs in (`bench-manager`, head office,
sees every unit). --cases cases spread over the twelve months before
2026-11-02 10:00 (Shanghai), the last --open of them open (a fifth of those
overdue and escalated, some waiting for the customer, about 200 owned by
the manager), every case with its deadlines and a timeline of two to six
events, a callback for each resolved one, a verdict for half the
complaints; --ratings ratings, a mystery-shopper inspection per outlet and
month, ledger entries, and the manager's notices.
"""
from __future__ import annotations

from sqlalchemy import text

NOW = "2026-11-02 02:00:00+00"  # Monday 10:00 in Shanghai
PASSWORD = "bench-password"
HANDLERS = 4


def build(conn, *, branches: int, outlets: int, cases: int, open_cases: int, ratings: int) -> dict[str, int]:
    from werkzeug.security import generate_password_hash

    n_outlets = branches * outlets
    first_outlet = 2 + branches
    params = {"branches": branches, "outlets": n_outlets, "first": first_outlet, "cases": cases,
              "open": open_cases, "ratings": ratings, "now": NOW, "per": 1 + HANDLERS,
              "hash": generate_password_hash(PASSWORD)}

    def run(sql: str) -> None:
        conn.execute(text(sql), params)

    run("SELECT setseed(0.17)")
    run("""INSERT INTO unit (id, code, name, level, parent_id, area, timezone, active)
           SELECT g, CASE WHEN g = 1 THEN 'HQ' WHEN g < :first THEN 'B' || (g - 1) ELSE 'O' || (g - :first + 1) END,
                  CASE WHEN g = 1 THEN '总行' WHEN g < :first THEN '分行 ' || (g - 1)
                       ELSE '网点 ' || (g - :first + 1) END,
                  CASE WHEN g = 1 THEN 'company' WHEN g < :first THEN 'branch' ELSE 'outlet' END,
                  CASE WHEN g = 1 THEN NULL WHEN g < :first THEN 1 ELSE 2 + (g - :first) % :branches END,
                  CASE WHEN g % 3 = 0 THEN 'rural' ELSE 'urban' END, 'Asia/Shanghai', true
           FROM generate_series(1, :first + :outlets - 1) g""")
    # Staff: 1 the manager who logs in, 2 the GM, 3 the deputy GM, 10 + b the
    # branch managers, 1000 + 5k (+1..4) the supervisor and handlers of outlet k.
    run("""INSERT INTO staff (id, username, display_name, role, ladder_position, unit_id, password_hash, phone,
                              locale, active, created_at)
           VALUES (1, 'bench-manager', '王经理', 'manager', NULL, 1, :hash, '+8613900000001', 'zh_Hans_CN', true,
                   CAST(:now AS timestamptz) - interval '2 years'),
                  (2, 'gm', '总经理', 'executive', 'gm', 1, NULL, '+8613900000002', 'zh_Hans_CN', true,
                   CAST(:now AS timestamptz) - interval '2 years'),
                  (3, 'dgm', '副总经理', 'executive', 'deputy_gm', 1, NULL, '+8613900000003', 'zh_Hans_CN', true,
                   CAST(:now AS timestamptz) - interval '2 years')""")
    run("""INSERT INTO staff (id, username, display_name, role, unit_id, phone, locale, active, created_at)
           SELECT 10 + b, 'mgr' || b, '分行经理 ' || b, 'manager', 1 + b, '+86137' || lpad(b::text, 8, '0'),
                  'zh_Hans_CN', true, CAST(:now AS timestamptz) - interval '2 years'
           FROM generate_series(1, :branches) b""")
    run("""INSERT INTO staff (id, username, display_name, role, unit_id, phone, locale, active, created_at)
           SELECT 1000 + :per * k + h, CASE WHEN h = 0 THEN 'sup' ELSE 'h' || h || '-' END || k,
                  CASE WHEN h = 0 THEN '主管 ' ELSE '客服 ' || h || '-' END || k,
                  CASE WHEN h = 0 THEN 'supervisor' ELSE 'handler' END, :first + k,
                  '+86136' || lpad((:per * k + h)::text, 8, '0'), 'zh_Hans_CN', true,
                  CAST(:now AS timestamptz) - interval '2 years'
           FROM generate_series(0, :outlets - 1) k, generate_series(0, :per - 1) h""")
    run("""INSERT INTO touchpoint (unit_id, staff_id, label, token, active, created_at)
           SELECT :first + k, NULL, '窗口 ' || c, 'tp-' || k || '-' || c, true, CAST(:now AS timestamptz) - interval '1 year'
           FROM generate_series(0, :outlets - 1) k, generate_series(1, 2) c""")
    # Cases: id g, created over the year (older ids first); the last :open open.
    run("""CREATE TEMP TABLE c0 AS
           SELECT g, (g * 7919) % :outlets AS k, g > :cases - :open AS open,
                  CAST(:now AS timestamptz) - (interval '365 days') * (1 - g::float / :cases) - interval '5 minutes' AS created,
                  random() AS r
           FROM generate_series(1, :cases) g""")
    run("""INSERT INTO "case" (id, reference, tracking_token, kind, category, severity, status, channel, unit_id,
                               contact_name, contact_phone, contact_email, locale, description, consent,
                               first_responder_id, owner_id, created_at, updated_at, resolved_at, closed_at,
                               policy_name, next_due_at, next_check_at, received_at)
           SELECT g, 'C-' || extract(year FROM created AT TIME ZONE 'Asia/Shanghai') || '-' || lpad(g::text, 6, '0'),
                  'bench-' || g || '-' || md5(g::text),
                  (ARRAY['complaint','complaint','complaint','complaint','repair','repair','repair',
                         'consultation','after_sales','suggestion'])[1 + g % 10],
                  (ARRAY['attitude','waiting_time','service_quality','fault','billing','environment','product',
                         'other'])[1 + (g / 10) % 8],
                  CASE WHEN g % 50 = 0 THEN 'major' ELSE 'normal' END,
                  CASE WHEN NOT open THEN CASE WHEN r < 0.05 THEN 'resolved' ELSE 'closed' END
                       WHEN r < 0.15 THEN 'new' WHEN r < 0.40 THEN 'claimed' WHEN r < 0.85 THEN 'in_progress'
                       ELSE 'waiting' END,
                  (ARRAY['web','qr','sms','phone','api','walk_in'])[1 + g % 6], :first + k,
                  '客户' || g, '+86139' || lpad(g::text, 8, '0'),
                  CASE WHEN g % 3 = 0 THEN 'customer' || g || '@example.com' END, 'zh_Hans_CN',
                  '网点柜台办理业务等候时间过长，工作人员态度冷淡，希望尽快给出答复。', true,
                  CASE WHEN open AND r < 0.15 THEN NULL WHEN open AND g % 75 = 0 THEN 1
                       ELSE 1000 + :per * k + 1 + g % 4 END,
                  CASE WHEN open AND r < 0.15 THEN NULL WHEN open AND g % 75 = 0 THEN 1
                       ELSE 1000 + :per * k + 1 + g % 4 END,
                  created, created + interval '1 day',
                  CASE WHEN NOT open THEN created + interval '20 hours' END,
                  CASE WHEN NOT open AND r >= 0.05 THEN created + interval '3 days' END,
                  CASE WHEN g % 10 < 4 THEN 'complaint' ELSE 'repair-urban' END,
                  CASE WHEN open THEN CASE WHEN g % 5 = 0 THEN CAST(:now AS timestamptz) - interval '1 hour' * (1 + g % 40)
                                           ELSE CAST(:now AS timestamptz) + interval '1 hour' * (1 + g % 120) END END,
                  CASE WHEN open THEN CASE WHEN g % 5 = 0 THEN CAST(:now AS timestamptz) + interval '30 minutes'
                                           ELSE CAST(:now AS timestamptz) + interval '1 hour' * (1 + g % 120) END END,
                  created
           FROM c0""")
    run("""INSERT INTO case_deadline (case_id, target, started_at, due_at, warn_at, warned_at, met_at, breached_at,
                                      escalation_level, calendar_confirmed)
           SELECT id, 'acknowledge', created_at, created_at + interval '2 hours', NULL, NULL,
                  CASE WHEN status <> 'new' THEN created_at + interval '30 minutes' END, NULL, 0, true FROM "case" """)
    run("""INSERT INTO case_deadline (case_id, target, started_at, due_at, warn_at, warned_at, met_at, breached_at,
                                      escalation_level, calendar_confirmed)
           SELECT id, 'first_response', created_at, created_at + interval '1 day', created_at + interval '18 hours',
                  NULL, CASE WHEN status NOT IN ('new', 'claimed') THEN created_at + interval '5 hours' END, NULL, 0,
                  true
           FROM "case" """)
    run("""INSERT INTO case_deadline (case_id, target, started_at, due_at, warn_at, warned_at, met_at, breached_at,
                                      escalation_level, calendar_confirmed)
           SELECT id, 'resolution', created_at, coalesce(next_due_at, created_at + interval '5 days'), NULL, NULL,
                  resolved_at, CASE WHEN next_due_at < CAST(:now AS timestamptz) THEN next_due_at END,
                  CASE WHEN next_due_at < CAST(:now AS timestamptz) THEN 1 ELSE 0 END, true
           FROM "case" """)
    run("""INSERT INTO escalation (case_id, target, level, to_staff_id, minutes_late, at, kind)
           SELECT c.id, 'resolution', 1, 1000 + :per * (c.unit_id - :first), 30, c.next_due_at + interval '30 minutes',
                  'breach'
           FROM "case" c WHERE c.next_due_at < CAST(:now AS timestamptz)""")
    # The timeline: created; claimed, reply, a customer's message, resolved and closed as far as each got.
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, created_at, 'created', 'customer', NULL, description, true, json_build_object('channel', channel)
           FROM "case" """)
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, created_at + interval '30 minutes', 'claimed', 'staff', owner_id, '', false, NULL
           FROM "case" WHERE owner_id IS NOT NULL""")
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, created_at + interval '5 hours', 'reply', 'staff', owner_id,
                  '您好，我们已经联系网点负责人，今天内给您回复处理结果。', true, NULL
           FROM "case" WHERE status NOT IN ('new', 'claimed')""")
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, created_at + interval '8 hours', 'customer_message', 'customer', NULL,
                  '请尽快处理，谢谢。', true, json_build_object('channel', 'web')
           FROM "case" WHERE id % 3 = 0 AND status NOT IN ('new', 'claimed')""")
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, resolved_at, 'resolved', 'staff', owner_id, '已向客户致歉并说明处理结果。', true, NULL
           FROM "case" WHERE resolved_at IS NOT NULL""")
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT id, closed_at, 'closed', 'staff', owner_id, '', true, NULL
           FROM "case" WHERE closed_at IS NOT NULL""")
    run("""INSERT INTO case_event (case_id, at, kind, actor, staff_id, body, public, data)
           SELECT e.case_id, e.at, 'escalated', 'system', NULL, '', false,
                  json_build_object('target', e.target, 'level', 'supervisor', 'to_staff_id', e.to_staff_id,
                                    'minutes_late', e.minutes_late, 'kind', e.kind)
           FROM escalation e""")
    # Ratings over the year, a tenth of the callbacks' ratings of the case owner.
    run("""INSERT INTO rating (channel, unit_id, staff_id, touchpoint_id, score, attitude, skill, timeliness, promises,
                               locale, suspect, created_at)
           SELECT 'qr', :first + k, 1000 + :per * k + 1 + (s % 4), NULL, score, score, score,
                  greatest(1, score - 1), score, 'zh_Hans_CN', r < 0.002,
                  CAST(:now AS timestamptz) - random() * interval '365 days'
           FROM (SELECT (random() * (:outlets - 1))::int AS k, (random() * 100)::int AS s, random() AS r,
                        CASE WHEN random() < 0.55 THEN 5 WHEN random() < 0.6 THEN 4 WHEN random() < 0.5 THEN 3
                             WHEN random() < 0.5 THEN 2 ELSE 1 END AS score
                 FROM generate_series(1, :ratings)) x""")
    run("""INSERT INTO callback (case_id, due_start, due_end, requested, status, attempts, assigned_unit_id, staff_id,
                                 outcome_at, comment, next_check_at, created_at)
           SELECT id, resolved_at + interval '14 hours', resolved_at + interval '17 hours', false,
                  CASE WHEN closed_at IS NULL THEN 'scheduled' WHEN id % 20 = 0 THEN 'no_answer' ELSE 'done' END,
                  CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, unit_id, owner_id,
                  CASE WHEN closed_at IS NOT NULL THEN resolved_at + interval '15 hours' END,
                  CASE WHEN closed_at IS NOT NULL THEN '客户表示满意' END,
                  CASE WHEN closed_at IS NULL THEN resolved_at + interval '14 hours' END, resolved_at
           FROM "case" WHERE resolved_at IS NOT NULL""")
    run("""INSERT INTO rating (channel, unit_id, staff_id, case_id, score, attitude, skill, timeliness, promises,
                               locale, suspect, created_at)
           SELECT 'callback', unit_id, owner_id, id, 3 + id % 3, 3 + id % 3, 4, 4, 4, 'zh_Hans_CN', false,
                  resolved_at + interval '15 hours'
           FROM "case" WHERE closed_at IS NOT NULL AND id % 10 = 0""")
    run("""UPDATE callback cb SET rating_id = r.id FROM rating r
           WHERE r.case_id = cb.case_id AND r.channel = 'callback' AND cb.status = 'done'""")
    # Scores inputs: a mystery shopper per outlet and month, verdicts, ledger entries.
    run("""INSERT INTO inspection (unit_id, kind, item, score, problems, held_on, period_label, note, entered_by_id,
                                   created_at)
           SELECT :first + k, 'mystery_shopper', NULL, 70 + (k * 7 + m) % 30, (k + m) % 4,
                  (date '2025-11-15' + (m || ' months')::interval)::date,
                  to_char(date '2025-11-15' + (m || ' months')::interval, 'YYYY-MM'), '', 1,
                  timestamptz '2025-11-20 02:00:00+00' + (m || ' months')::interval
           FROM generate_series(0, :outlets - 1) k, generate_series(0, 11) m""")
    run("""INSERT INTO complaint_verdict (case_id, verdict, reason, points, decided_by_id, decided_at)
           SELECT id, CASE WHEN id % 20 = 0 THEN 'major' WHEN id % 4 = 0 THEN 'invalid' ELSE 'valid' END,
                  '经核实', NULL, 1, created_at + interval '2 days'
           FROM "case" WHERE kind = 'complaint' AND id % 2 = 0 AND created_at < CAST(:now AS timestamptz) - interval '2 days'""")
    run("""INSERT INTO ledger_entry (staff_id, unit_id, kind, code, points, occurred_at, note, entered_by_id,
                                     created_at)
           SELECT 1000 + :per * ((g * 31) % :outlets) + 1 + g % 4, NULL,
                  CASE WHEN g % 3 = 0 THEN 'merit' ELSE 'violation' END,
                  CASE WHEN g % 3 = 0 THEN 'praise_letter' ELSE 'late' END, 1 + g % 3,
                  CAST(:now AS timestamptz) - interval '1 day' * (g % 365), '', 1, CAST(:now AS timestamptz) - interval '1 day' * (g % 365)
           FROM generate_series(1, :outlets * 6) g""")
    run("""INSERT INTO notification (staff_id, case_id, kind, data, created_at, read_at)
           SELECT 1, e.case_id, 'escalated', json_build_object('reference', c.reference, 'target', e.target,
                                                                 'level', 'supervisor', 'minutes', e.minutes_late),
                  e.at, CASE WHEN e.case_id % 5 <> 0 THEN e.at + interval '1 hour' END
           FROM escalation e JOIN "case" c ON c.id = e.case_id WHERE e.case_id % 6 = 0""")
    # Loaded without the ORM, the year marks no day: mark its first, as the migration to roll-ups does.
    run("""INSERT INTO day_mark (day, stamp)
           SELECT CAST(min(first) AT TIME ZONE 'UTC' AS date), 0 FROM (
               SELECT min(created_at) FROM rating UNION ALL SELECT min(occurred_at) FROM service_event
               UNION ALL SELECT min(created_at) FROM "case" UNION ALL SELECT min(due_start) FROM callback) firsts (first)""")
    for table in ("unit", "staff", "case"):
        run(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
    run("ANALYZE")
    return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in ("unit", "staff", "case", "case_event", "case_deadline", "escalation", "callback",
                         "rating", "inspection", "complaint_verdict", "ledger_entry", "notification")}
