"""Recorded data for scoring tests, written straight into the tables: ratings,
services, cases with their deadlines and callbacks, verdicts, inspections,
ledger entries. Times are given in Shanghai local time."""
from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from routing.models import Callback, Case, Deadline, Rating, ServiceEvent, Staff, Unit
from routing.services.cases import format_reference
from scoring.models import ComplaintVerdict, Inspection, LedgerEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def local(text: str) -> datetime:
    """"2026-10-31 23:30" in Shanghai, as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


class Records:
    def __init__(self, session):
        self.session = session

    def _add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def unit(self, code: str, parent: Unit | None = None, level: str = "outlet") -> Unit:
        return self._add(Unit(code=code, name=f"Unit {code}", level=level, parent_id=parent.id if parent else None))

    def staff(self, username: str, unit: Unit | None = None, role: str = "handler") -> Staff:
        return self._add(Staff(username=username, display_name=username.title(), role=role,
                               unit_id=unit.id if unit else None, created_at=local("2026-01-01 00:00")))

    def rating(self, unit: Unit, at: str, score: int, staff: Staff | None = None, suspect: bool = False,
               **dimensions) -> Rating:
        return self._add(Rating(channel="qr", unit_id=unit.id, staff_id=staff.id if staff else None, score=score,
                                suspect=suspect, created_at=local(at), **dimensions))

    def service(self, unit: Unit, at: str, staff: Staff | None = None, phone: str | None = None) -> ServiceEvent:
        return self._add(ServiceEvent(external_id=f"svc-{next(_seq)}", unit_id=unit.id,
                                      staff_id=staff.id if staff else None, customer_phone=phone,
                                      occurred_at=local(at), created_at=local(at)))

    def case(self, unit: Unit, at: str, kind: str = "complaint", *, first_responder: Staff | None = None,
             owner: Staff | None = None, phone: str | None = None, resolved: str | None = None,
             reopened_from: Case | None = None, status: str | None = None) -> Case:
        created = local(at)
        case = self._add(Case(
            tracking_token=secrets.token_urlsafe(12), kind=kind, channel="web", unit_id=unit.id,
            contact_phone=phone, description="", created_at=created, updated_at=created,
            first_responder_id=first_responder.id if first_responder else None,
            owner_id=owner.id if owner else None, resolved_at=local(resolved) if resolved else None,
            status=status or ("resolved" if resolved else "claimed"),
            reopened_from_id=reopened_from.id if reopened_from else None))
        case.reference = format_reference(case.id, created)
        self.session.flush()
        return case

    def deadline(self, case: Case, target: str, due: str, met: str | None = None, breached: bool = False) -> Deadline:
        return self._add(Deadline(case_id=case.id, target=target, started_at=case.created_at, due_at=local(due),
                                  met_at=local(met) if met else None, breached_at=local(due) if breached else None))

    def callback(self, case: Case, due: str, status: str, staff: Staff | None = None,
                 unit: Unit | None = None) -> Callback:
        start = local(due)
        return self._add(Callback(case_id=case.id, due_start=start, due_end=start + timedelta(hours=4),
                                  status=status, staff_id=staff.id if staff else None,
                                  assigned_unit_id=unit.id if unit else None, created_at=start))

    def verdict(self, case: Case, verdict: str, points=None, superseded: bool = False) -> ComplaintVerdict:
        return self._add(ComplaintVerdict(
            case_id=case.id, verdict=verdict, reason="checked", decided_at=case.created_at,
            points=Decimal(str(points)) if points is not None else None,
            superseded_at=case.created_at if superseded else None))

    def inspection(self, unit: Unit, kind: str, period: str, score=None, problems: int | None = None,
                   staff: Staff | None = None, item: str | None = None, held_on: date | None = None) -> Inspection:
        held = held_on or date(int(period[:4]), int(period[5:7]) if period[5:7].isdigit() else 1, 1)
        return self._add(Inspection(
            unit_id=unit.id, staff_id=staff.id if staff else None, kind=kind, item=item,
            score=Decimal(str(score)) if score is not None else None, problems=problems, held_on=held,
            period_label=period, note="", created_at=local("2026-01-01 00:00")))

    def ledger(self, kind: str, code: str, points: int, at: str, staff: Staff | None = None,
               unit: Unit | None = None) -> LedgerEntry:
        return self._add(LedgerEntry(staff_id=staff.id if staff else None, unit_id=unit.id if unit else None,
                                     kind=kind, code=code, points=points, occurred_at=local(at),
                                     created_at=local(at)))


def build_tree(rec: Records) -> dict:
    """A company, a branch and its two outlets O1 and O2."""
    company = rec.unit("C", level="company")
    branch = rec.unit("B", company, level="branch")
    return {"company": company, "branch": branch, "o1": rec.unit("O1", branch), "o2": rec.unit("O2", branch)}
