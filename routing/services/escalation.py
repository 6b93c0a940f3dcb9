"""Escalation: warnings before a limit runs out, the ladder after it is missed,
and immediate escalation of major complaints and large claims (RULES 3).

Each step is one Escalation row with a unique key (case, target, level): a
second tick reaching the same step finds it taken and tells nobody twice. The
tick writes a batch of cases' steps, events, notices and messages one
statement a table, and the deadlines and schedules it moved on one
executemany UPDATE a table: it reads its due cases as plain rows, not as
objects the unit of work would compare and update one by one. On PostgreSQL
the tick also claims its cases with FOR UPDATE SKIP LOCKED, so two workers
share the due cases instead of racing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from routing.foundation.db import insert_new
from routing.models import (
    Case,
    CaseEvent,
    Deadline,
    Escalation,
    Notification,
    OutboundMessage,
    Staff,
    Unit,
    case_counted_at,
    mark_days,
)
from routing.rules.ladder import LEVELS, escalation_level_due, immediate_level, ladder_for
from routing.rules.notices import checked_params
from routing.rules.timelimits import minutes_late
from routing.services.deadlines import escalation_delay, pending_deadlines, refresh_schedule
from routing.vocabulary import OPEN_STATUSES

DEFAULT_BATCH = 200
LADDER_ROLES = ("supervisor", "manager")  # Staff.role values that hold a ladder level
LADDER_POSITIONS = ("deputy_gm", "gm")  # Staff.ladder_position values


class Ladders:
    """Who holds each ladder level, read once per tick for the units it meets
    (the nearest holder up the unit tree answers; routing.ladder.ladder_for)."""

    def __init__(self, session: Session):
        self.session = session
        self.chains: dict[int, list[int]] = {}  # unit id -> its id and its ancestors', nearest first
        self.holders: dict[int, dict[str, int]] = {}  # unit id -> level -> staff id
        self.ladders: dict[tuple[int | None, int | None, int | None], dict[str, int | None]] = {}
        # Strong references: the session's identity map is weak, and a
        # supervisor told of 200 cases must not be read 200 times.
        self.people: dict[int, Staff] = {}

    def staff(self, staff_id: int | None) -> Staff | None:
        if staff_id is None:
            return None
        if staff_id not in self.people:
            self.people[staff_id] = self.session.get(Staff, staff_id)
        return self.people[staff_id]

    def _chain(self, unit_id: int | None) -> list[int]:
        if unit_id is None:
            return []
        if unit_id not in self.chains:
            self.chains[unit_id] = [unit.id for unit in self.session.get(Unit, unit_id).chain()]
            self._load(self.chains[unit_id])
        return self.chains[unit_id]

    def _load(self, unit_ids: list[int]) -> None:
        missing = [u for u in unit_ids if u not in self.holders]
        if not missing:
            return
        for unit_id in missing:
            self.holders[unit_id] = {}
        staff = self.session.execute(
            select(Staff.id, Staff.unit_id, Staff.role, Staff.ladder_position)
            .where(Staff.unit_id.in_(missing), Staff.active.is_(True),
                   Staff.role.in_(LADDER_ROLES) | Staff.ladder_position.in_(LADDER_POSITIONS))
            .order_by(Staff.id))
        for staff_id, unit_id, role, position in staff:
            level = position if position in LADDER_POSITIONS else role
            if level in LEVELS:
                self.holders[unit_id].setdefault(level, staff_id)

    def for_case(self, case: Case) -> dict[str, int | None]:
        """Level name -> staff id (or None) for this case; the handler is its
        owner. The person a complaint is about holds no level of its ladder:
        their level goes to the next holder up."""
        key = (case.unit_id, case.owner_id, case.subject_staff_id)
        if key not in self.ladders:
            chain = self._chain(case.unit_id)

            def role_of(unit_id: int, level: str) -> int | None:
                if level == "handler":
                    return case.owner_id if unit_id == chain[0] else None
                holder = self.holders[unit_id].get(level)
                return None if holder is not None and holder == case.subject_staff_id else holder

            ladder = ladder_for(chain, role_of)
            if not chain:
                ladder["handler"] = case.owner_id
            self.ladders[key] = ladder
        return self.ladders[key]


STEP_FIELDS = ("case_id", "target", "level", "to_staff_id", "minutes_late", "at", "kind")


def _step(case: Case, ladders: Ladders, *, target: str, level: int, kind: str, now: datetime,
          late: int = 0) -> Escalation:
    return Escalation(case_id=case.id, target=target, level=level, minutes_late=late, at=now, kind=kind,
                      to_staff_id=ladders.for_case(case)[LEVELS[level]])


class Announcements:
    """What taken steps write besides themselves (timeline events, notices,
    messages), gathered for a whole batch and then inserted one statement a
    table; a message already queued under its dedupe key is refused by the
    key's unique index (ON CONFLICT DO NOTHING), not looked up first. The
    rows are those of routing.services.timeline.add_event,
    routing.services.notify.notify and routing.services.outbox.enqueue."""

    def __init__(self):
        self.events: list[dict] = []
        self.notices: list[dict] = []
        self.messages: list[dict] = []

    def event(self, case: Case, now: datetime, kind: str, data: dict) -> None:
        self.events.append({"case_id": case.id, "at": now, "kind": kind, "actor": "system", "staff_id": None,
                            "body": "", "public": False, "data": data})
        case.updated_at = now

    def notice(self, staff: Staff, kind: str, now: datetime, *, case: Case, data: dict | None = None,
               send: bool = False, purpose: str = "staff_notice", dedupe_key: str | None = None) -> None:
        data = {"reference": case.reference, **(data or {})}
        self.notices.append({"staff_id": staff.id, "case_id": case.id, "kind": kind, "data": data,
                             "created_at": now, "read_at": None})
        if send and (staff.phone or staff.email):  # a notice of the registry, rendered when sent
            self.messages.append({
                "transport": "sms" if staff.phone else "email", "to": staff.phone or staff.email, "body": None,
                "notice": kind, "params": checked_params(kind, data), "locale": staff.locale,
                "subject": None, "purpose": purpose, "case_id": case.id, "staff_id": staff.id,
                "dedupe_key": dedupe_key, "status": "pending", "attempts": 0, "not_before": now,
                "created_at": now, "possibly_doubled": False})

    def notice_each(self, people: list[Staff | None], kind: str, now: datetime, *, case: Case, data: dict,
                    skip: Staff | None) -> None:
        """As routing.services.notify.notify_each: each distinct active person once, not `skip`."""
        seen = {skip.id} if skip is not None else set()
        for person in people:
            if person is not None and person.id not in seen and person.active:
                seen.add(person.id)
                self.notice(person, kind, now, case=case, data=data)

    def write(self, session: Session) -> None:
        if self.events:
            session.execute(insert(CaseEvent.__table__), self.events)
        if self.notices:
            session.execute(insert(Notification.__table__), self.notices)
        if self.messages:
            session.execute(insert_new(session, OutboundMessage.__table__, ["dedupe_key"]), self.messages)
        self.events, self.notices, self.messages = [], [], []


def insert_steps(session: Session, steps: list[Escalation]) -> list[Escalation]:
    """The batch's steps in one statement; returns those inserted now (the
    others were already taken, by this tick earlier or by another worker:
    the step's unique key refuses them)."""
    if not steps:
        return []
    table = Escalation.__table__
    # executemany: compiled once and cached, sent as multi-row statements (insertmanyvalues)
    statement = insert_new(session, table, ["case_id", "target", "level"]) \
        .returning(table.c.case_id, table.c.target, table.c.level)
    rows = [{f: getattr(step, f) for f in STEP_FIELDS} for step in steps]
    taken = {(case_id, target, level) for case_id, target, level in session.execute(statement, rows)}
    return [step for step in steps if (step.case_id, step.target, step.level) in taken]


def announce(session: Session, case: Case, step: Escalation, ladders: Ladders, now: datetime,
             out: Announcements | None = None) -> None:
    """A step taken: on the timeline, and the person escalated to is told in
    the app and by SMS or e-mail; on a breach the owner and first responder
    too. Written at once, or with the batch's other steps when given `out`."""
    writes = out if out is not None else Announcements()
    writes.event(case, now, "warning" if step.kind == "warning" else "escalated",
                 data={"target": step.target, "level": LEVELS[step.level], "to_staff_id": step.to_staff_id,
                       "minutes_late": step.minutes_late, "kind": step.kind})
    to_staff = ladders.staff(step.to_staff_id)
    level = LEVELS[step.level]
    if step.kind == "warning":
        if to_staff is not None:
            writes.notice(to_staff, "warning", now, case=case, data={"target": step.target})
    else:
        if step.kind == "immediate":
            kind, data = ("escalated_amount", {"amount": f"{case.amount_claimed:,.2f}"}) \
                if level != "deputy_gm" or case.severity != "major" else ("escalated_major", {})
        else:
            kind, data = "escalated", {"target": step.target, "level": level, "minutes": step.minutes_late}
        if to_staff is not None:
            writes.notice(to_staff, kind, now, case=case, data=data, send=True, purpose="escalation",
                          dedupe_key=f"escalation:{case.id}:{step.target}:{step.level}")
        if step.kind == "breach":
            writes.notice_each([ladders.staff(case.first_responder_id), ladders.staff(case.owner_id)],
                               "overdue", now, case=case, data={"target": step.target, "minutes": step.minutes_late},
                               skip=to_staff)
    if out is None:
        writes.write(session)


def escalate_immediately(session: Session, case: Case, now: datetime,
                         ladders: Ladders | None = None) -> Escalation | None:
    """A major complaint goes to the deputy GM at once, a claim to the level
    that may approve its amount (003); the higher of the two wins."""
    if case.kind != "complaint":
        return None
    authority = current_app.config.get("AUTHORITY_BANDS") if has_app_context() else None
    level = immediate_level(case.severity, case.amount_claimed or None, authority)
    if level == "handler":
        return None
    ladders = ladders or Ladders(session)
    step = _step(case, ladders, target="immediate", level=LEVELS.index(level), kind="immediate", now=now)
    if not insert_steps(session, [step]):
        return None
    announce(session, case, step, ladders, now)
    return step


def plan_case(session: Session, case: Case, now: datetime, ladders: Ladders) -> list[Escalation]:
    """The steps one due case needs now (a warning, or the ladder levels its
    breach has reached); moves its deadlines on and reschedules it."""
    steps = []
    delay = escalation_delay(session, case)
    for deadline in pending_deadlines(case):
        if deadline.paused_at is not None:
            continue
        if now >= deadline.due_at:
            if deadline.breached_at is None:
                deadline.breached_at = deadline.due_at  # the ladder runs from the breach, not from the tick
            due_level = escalation_level_due(deadline.breached_at, now, delay)
            steps += [_step(case, ladders, target=deadline.target, level=level, kind="breach", now=now,
                            late=minutes_late(deadline.due_at, now))
                      for level in range(deadline.escalation_level + 1, due_level + 1)]
            deadline.escalation_level = max(deadline.escalation_level, due_level)
        elif deadline.warned_at is None and deadline.warn_at is not None and now >= deadline.warn_at:
            steps.append(_step(case, ladders, target=deadline.target, level=0, kind="warning", now=now))
            deadline.warned_at = now
    refresh_schedule(session, case)
    return steps


@dataclass(slots=True)
class DueDeadline:
    """A due case's deadline as the tick reads and moves it (a Deadline's columns)."""
    id: int
    target: str
    due_at: datetime
    warn_at: datetime | None
    warned_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused_at: datetime | None
    escalation_level: int


@dataclass(slots=True)
class DueCase:
    """A due case as the tick reads it: what planning, the ladder and the
    announcements read of a Case, and its deadlines in id order."""
    id: int
    reference: str | None
    kind: str
    severity: str
    amount_claimed: Decimal | None
    status: str
    unit_id: int | None
    owner_id: int | None
    first_responder_id: int | None
    subject_staff_id: int | None
    policy_name: str | None
    created_at: datetime
    reopened_from_id: int | None
    updated_at: datetime
    next_check_at: datetime | None
    next_due_at: datetime | None
    deadlines: list[DueDeadline] = field(default_factory=list)


CASE_READ = tuple(f.name for f in fields(DueCase) if f.name != "deadlines")
DEADLINE_READ = tuple(f.name for f in fields(DueDeadline))
DEADLINE_MOVED = ("breached_at", "escalation_level", "warned_at")  # what plan_case changes
CASE_MOVED = ("updated_at", "next_check_at", "next_due_at")


def due_cases(session: Session, now: datetime, batch_size: int, postgres: bool) -> list[DueCase]:
    """The next batch by next_check_at (the index's order), with their deadlines."""
    query = (select(*(getattr(Case, name) for name in CASE_READ)).where(Case.next_check_at <= now)
             .order_by(Case.next_check_at, Case.id).limit(batch_size))
    if postgres:
        query = query.with_for_update(skip_locked=True, of=Case)
    cases = {row.id: DueCase(*row) for row in session.execute(query)}
    if cases:
        deadlines = select(Deadline.case_id, *(getattr(Deadline, name) for name in DEADLINE_READ)) \
            .where(Deadline.case_id.in_(cases)).order_by(Deadline.id)
        for case_id, *row in session.execute(deadlines):
            cases[case_id].deadlines.append(DueDeadline(*row))
    return list(cases.values())


def moved(record, names: tuple[str, ...], before: tuple) -> dict | None:
    now = tuple(getattr(record, name) for name in names)
    return None if now == before else {"id": record.id, **dict(zip(names, now))}


def save_moves(session: Session, cases: list[DueCase], before: dict[tuple[type, int], tuple]) -> None:
    """The batch's changed deadlines and schedules, one executemany UPDATE a
    table (ORM bulk UPDATE by primary key, no unit of work); their days
    marked as the unit of work would have marked them (routing.models: a
    case counts on the day it came in and on that of the case it reopens);
    copies of these rows in the session's identity map expired."""
    case_rows, deadline_rows, written = [], [], []
    for case in cases:
        rows = [row for d in case.deadlines if (row := moved(d, DEADLINE_MOVED, before[DueDeadline, d.id]))]
        row = moved(case, CASE_MOVED, before[DueCase, case.id])
        case_rows += [row] if row else []
        deadline_rows += rows
        written += [case] if row or rows else []
    if not written:
        return
    if case_rows:
        session.execute(update(Case), case_rows)
    if deadline_rows:
        session.execute(update(Deadline), deadline_rows)
    mark_days(session, [instant for case in written
                        for instant in (case.created_at, *case_counted_at(session, case.reopened_from_id))])
    for key in [identity_key(Case, row["id"]) for row in case_rows] \
            + [identity_key(Deadline, row["id"]) for row in deadline_rows]:
        if (held := session.identity_map.get(key)) is not None:
            session.expire(held)


def escalation_tick(session: Session, now: datetime, *, batch_size: int = DEFAULT_BATCH) -> dict:
    """The tick job: one range query on the indexed next_check_at, a batch at
    a time, until no due case is left. Never reads the cases that are not due.
    On PostgreSQL the batch's rows are locked (SKIP LOCKED: another worker
    takes the next ones) until the tick commits."""
    report = {"cases": 0, "warnings": 0, "escalations": 0}
    ladders = Ladders(session)
    seen: set[int] = set()
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        batch = {case.id: case for case in due_cases(session, now, batch_size, postgres) if case.id not in seen}
        if not batch:
            break
        seen.update(batch)
        before = {(DueCase, case.id): tuple(getattr(case, name) for name in CASE_MOVED) for case in batch.values()}
        before.update({(DueDeadline, d.id): tuple(getattr(d, name) for name in DEADLINE_MOVED)
                       for case in batch.values() for d in case.deadlines})
        steps = [step for case in batch.values() for step in plan_case(session, case, now, ladders)]
        writes = Announcements()
        for step in insert_steps(session, steps):
            announce(session, batch[step.case_id], step, ladders, now, writes)
            report["warnings" if step.kind == "warning" else "escalations"] += 1
        writes.write(session)
        save_moves(session, list(batch.values()), before)
        report["cases"] += len(batch)
    return report


def escalations_for(session: Session, staff: Staff, open_only: bool = True) -> list[Escalation]:
    """The escalation inbox: steps that reached this staff member, newest first."""
    query = (select(Escalation).where(Escalation.to_staff_id == staff.id)
             .options(selectinload(Escalation.case)).order_by(Escalation.at.desc(), Escalation.id.desc()))
    if open_only:
        query = query.join(Case, Case.id == Escalation.case_id).where(Case.status.in_(OPEN_STATUSES))
    return list(session.scalars(query))


def escalations_of(session: Session, case: Case) -> list[Escalation]:
    """A case's steps in the order they happened (for the case page)."""
    return list(session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                .order_by(Escalation.at, Escalation.id)))
