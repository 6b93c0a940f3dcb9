"""A small organisation with a month of recorded service for the score pages'
tests: a company with two branches, three outlets and people at every role.

October 2026 under satisfaction_50_20_30 (RULES 5.1):
- O1: 3 problems found (47), ratings 5, 4, 2 (survey 14.67), one valid
  complaint (24): 85.67, unqualified.
- O2: nothing found (50), ratings 5, 5 (20), no complaint (30): 100, excellent.
- O3 (the other branch): 1 problem (49), rating 3 (12), no complaint (30): 91.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from routing.models import Staff, Unit
from routing.services.org import create_staff
from support.factories import password_hash
from support.records import Records

PHONE = "+8613812345678"


def person(session, clock, username: str, role: str, unit: Unit, name: str) -> Staff:
    staff = create_staff(session, username, role, clock.now(), unit=unit, display_name=name, locale="en")
    staff.password_hash = password_hash()
    return staff


@dataclass(frozen=True)
class Ref:
    """What a test needs of a unit, person or case, read once: SQLite allows
    one writer, so the tests' own session must not hold a transaction open
    (reloading an expired object would) while the app writes its audit rows."""

    id: int
    key: str  # a unit's code, a person's username, a case's reference
    name: str = ""

    @property
    def code(self) -> str:
        return self.key

    username = reference = code


def ref(row) -> Ref:
    if isinstance(row, Unit):
        return Ref(row.id, row.code, row.name)
    if isinstance(row, Staff):
        return Ref(row.id, row.username, row.display_name)
    return Ref(row.id, row.reference, row.description)


@contextmanager
def reading(app) -> Iterator:
    """A short session to check what the app recorded; closed on leaving, so
    it never holds the database while the app writes."""
    with app.extensions["db"].sessionmaker() as session:
        yield session


@dataclass(frozen=True)
class Org:
    hq: Ref
    b1: Ref
    b2: Ref
    o1: Ref
    o2: Ref
    o3: Ref
    executive: Ref
    manager: Ref
    supervisor: Ref
    other_manager: Ref
    ann: Ref  # a teller at O1
    bob: Ref  # another teller at O1
    complaint: Ref  # O1's valid complaint, first received by Ann
    open_complaint: Ref  # O1's complaint still without a verdict


def build_org(session, clock) -> Org:
    rec = Records(session)
    hq = rec.unit("HQ", level="company")
    b1, b2 = rec.unit("B1", hq, "branch"), rec.unit("B2", hq, "branch")
    o1, o2, o3 = rec.unit("O1", b1), rec.unit("O2", b1), rec.unit("O3", b2)
    o1.name, o2.name, o3.name = "East Gate outlet", "Riverside outlet", "Hill Road outlet"
    session.commit()
    people = dict(
        executive=person(session, clock, "boss", "executive", hq, "Wang Fang"),
        manager=person(session, clock, "mgr1", "manager", b1, "Li Na"),
        supervisor=person(session, clock, "sup1", "supervisor", b1, "Zhao Lei"),
        other_manager=person(session, clock, "mgr2", "manager", b2, "Chen Jie"),
        ann=person(session, clock, "ann", "handler", o1, "Ann Liu"),
        bob=person(session, clock, "bob", "handler", o1, "Bob Sun"),
    )
    session.commit()
    ann, bob = people["ann"], people["bob"]
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.inspection(o2, "on_site", "2026-10", problems=0)
    rec.inspection(o3, "on_site", "2026-10", problems=1)
    rec.rating(o1, "2026-10-05 10:00", 5, staff=ann)
    rec.rating(o1, "2026-10-06 11:00", 4, staff=ann)
    rec.rating(o1, "2026-10-07 15:00", 2, staff=bob)
    rec.rating(o2, "2026-10-08 10:00", 5)
    rec.rating(o2, "2026-10-09 10:00", 5)
    rec.rating(o3, "2026-10-09 10:00", 3)
    complaint = rec.case(o1, "2026-10-12 09:30", phone=PHONE, first_responder=ann, owner=ann,
                         resolved="2026-10-13 10:00")
    complaint.description = "Kept waiting forty minutes at counter 2."
    rec.verdict(complaint, "valid")
    open_complaint = rec.case(o1, "2026-10-20 14:00", phone="+8613900001111", resolved="2026-10-21 09:00")
    open_complaint.description = "The queue machine gave two people the same number."
    session.flush()
    org = Org(*map(ref, (hq, b1, b2, o1, o2, o3)), complaint=ref(complaint), open_complaint=ref(open_complaint),
              **{k: ref(v) for k, v in people.items()})
    session.commit()
    return org
