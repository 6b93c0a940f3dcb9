"""What the demo's supervisors entered besides the cases: complaint verdicts,
inspections and ledger entries, for every shipped scheme and the units and
staff it fits (its [fits]), so each ranks them with distinct totals.

Checks follow how well each unit or person serves (data.UNIT_QUALITY,
data.QUALITY) with some noise; the twelve-point ledger and the deduction
points get a spread of entries so nobody ties. Complaints of the last week
are left unjudged: they wait on the supervisors' "to judge" list.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.demo.data import QUALITY, UNIT_QUALITY, ZONE
from routing.models import Case, Staff, Unit
from scoring.engine.periods import Period
from scoring.engine.scheme import load_scheme
from scoring.labels import CHECKLIST_ITEMS
from scoring.services.entries import (
    NewInspection,
    NewLedgerEntry,
    decide_complaint,
    record_inspection,
    record_ledger_entry,
)
from scoring.services.scorecards import fitting_subjects, scorecards_for

STAFF_QUALITY = {"good": 0.85, "usual": 0.6, "weak": 0.3}
UNJUDGED_DAYS = 7
VERDICT_REASONS = {
    "valid": ("经核实，情况属实，属服务问题。", "经调取录像核实，员工服务态度确有问题。", "办理时间超出承诺，延误属实。"),
    "invalid": ("经核实，系客户对业务规定有误解，已解释清楚。", "经核实，不属于服务问题。"),
    "major": ("客户投诉至上级单位并被媒体报道，影响较大。",),
}
# The ledger's spread: a net change of points for each counter staff member,
# best first, made of entries at least a month apart.
LEDGER_NETS = (3, 2, 1, 0, -1, -2, -3, -4, -5, -6, -7, -8)
MERITS = ("service_star", "adopted_suggestion", "first_class_technician")
VIOLATIONS = ("late_or_early", "untidy_counter", "poor_explanation", "queue_order", "forbidden_words",
              "missed_morning_training", "preparation", "no_polite_words")


class _Entries:
    def __init__(self, session: Session, units: dict[str, Unit], staff: dict[str, Staff], now: datetime,
                 days: int, rng: random.Random):
        self.session, self.units, self.staff, self.now, self.rng = session, units, staff, now, rng
        self.start = now - timedelta(days=days)
        self.by = staff["gm"]  # the service management office enters them; never about the GM
        self.by_level = {u.id: u.level for u in units.values()}

    # -- periods and subjects ----------------------------------------------

    def periods(self, kind: str) -> list[Period]:
        """Each period of `kind` the history reaches into, up to the last complete one
        (the year: the current one, counted to date)."""
        if kind == "year":
            return [Period.containing(self.now, "year", "Asia/Shanghai")]
        period, found = Period.containing(self.now, kind, "Asia/Shanghai").previous(), []
        while period.bounds("Asia/Shanghai")[1] > self.start:
            found.append(period)
            period = period.previous()
        return found[::-1]

    def units_fit(self, scheme: str) -> list[Unit]:
        fit = load_scheme(scheme).fits
        return [u for u in self.units.values() if fit.admits("unit", u.level)]

    def staff_fit(self, scheme: str) -> list[Staff]:
        fit = load_scheme(scheme).fits
        return [m for m in self.staff.values() if fit.admits("staff", self.by_level[m.unit_id], m.role)]

    def quality(self, who: Unit | Staff) -> float:
        if isinstance(who, Unit):
            return UNIT_QUALITY.get(who.code, 0.5)
        # Each person a little apart from the others of their kind.
        return STAFF_QUALITY[QUALITY.get(who.username, "usual")] + (who.id % 7) / 100

    def score(self, quality: float, low: float = 60, high: float = 99, noise: float = 4) -> Decimal:
        value = low + (high - low) * quality + self.rng.uniform(-noise, noise)
        return Decimal(str(round(min(max(value, 0), 100), 1)))

    @staticmethod
    def apart(score: Decimal, total_of, taken: set[Decimal]) -> Decimal:
        """The score, nudged up by tenths until the total it makes is nobody else's."""
        while total_of(score) in taken:
            score += Decimal("0.1")
        taken.add(total_of(score))
        return score

    def held(self, period: Period, day: int = 20) -> date:
        first = period.bounds("Asia/Shanghai")[0].astimezone(ZONE).date()
        return min(first + timedelta(days=day), self.now.astimezone(ZONE).date() - timedelta(days=1))

    def inspect(self, unit: Unit, kind: str, period: Period, *, staff: Staff | None = None, day: int = 20,
                **fields) -> None:
        record_inspection(self.session, NewInspection(
            unit_id=unit.id, staff_id=staff.id if staff else None, kind=kind, held_on=self.held(period, day),
            period_label=period.label, **fields), self.by, self.now)

    def ledger(self, member: Staff, kind: str, code: str, points: int, day: date, note: str = "") -> None:
        occurred = datetime.combine(day, time(10, 30), ZONE).astimezone(timezone.utc)
        record_ledger_entry(self.session, NewLedgerEntry(kind=kind, code=code, points=points, occurred_at=occurred,
                                                         staff_id=member.id, note=note), self.by, self.now)

    # -- what each scheme reads ----------------------------------------------

    def enter(self) -> None:
        self.verdicts()
        for quarter in self.periods("quarter"):
            for outlet in self.units_fit("bank_outlet"):
                q = self.quality(outlet)
                for kind, day in (("mystery_shopper", 15), ("off_site", 40), ("on_site", 70)):
                    self.inspect(outlet, kind, quarter, day=day, score=self.score(q, 70, 98))
            for branch in self.units_fit("bank_branch"):
                self.inspect(branch, "management", quarter, score=self.score(0.7, 70, 98))
            for unit in self.units_fit("quality_department"):
                q = self.quality(unit)
                self.inspect(unit, "questionnaire", quarter, day=60, score=self.score(q, 82, 99, 2))
        for month in self.periods("month"):
            self.month(month)
        self.twelve_points()
        self.untie()

    def month(self, month: Period) -> None:
        for unit in self.units_fit("checklist_100"):
            q = self.quality(unit)
            for component in load_scheme("checklist_100").components:
                item = (component.inspection or "").removeprefix("checklist.")
                if item in CHECKLIST_ITEMS:
                    most = CHECKLIST_ITEMS[item][1]
                    share = min(1.0, 0.65 + 0.35 * q + self.rng.uniform(-0.03, 0.03))
                    self.inspect(unit, "checklist", month, item=item, score=Decimal(round(most * share * 2)) / 2)
        for unit in self.units_fit("quality_department"):
            self.inspect(unit, "self_check", month, day=25, score=self.score(self.quality(unit), 85, 99, 2))
        for unit in self.units_fit("satisfaction_50_20_30"):
            problems = max(0, round((1 - self.quality(unit)) * 4 + self.rng.uniform(-1, 1.5)))
            self.inspect(unit, "on_site", month, day=12, problems=problems)
        taken: set[Decimal] = set()
        for member in self.staff_fit("sales_70_30"):
            absent = self.rng.choice((0, 0, 0, 1, 2))
            # 70% of the daily work and 30% of attendance (4 points a day absent): a total of its own.
            daily = self.apart(self.score(self.quality(member), 62, 98),
                               lambda d: d * Decimal("0.7") - absent * Decimal("1.2"), taken)
            self.inspect(member.unit, "daily_work", month, staff=member, score=daily)
            self.inspect(member.unit, "attendance", month, staff=member, problems=absent)
        taken = set()
        assessed = {m.id: m for m in self.staff_fit("ecommerce_30_70") + self.staff_fit("grades_80_60")}
        for member in assessed.values():
            # The manager's score sets the total (the self-assessment runs 5 above it): each its own.
            manager = self.apart(self.score(self.quality(member), 55, 93), lambda m: m, taken)
            self.inspect(member.unit, "self_assessment", month, staff=member, score=manager + 5)
            self.inspect(member.unit, "manager_assessment", month, staff=member, score=manager)
        for n, member in enumerate(sorted(self.staff_fit("deduction_points"), key=lambda m: m.id)):
            points = 2 + 5 * n + self.rng.randint(0, 2)  # a spread: nobody ties
            for day, part in enumerate((min(points, 10), points - min(points, 10))):
                if part:
                    self.ledger(member, "violation", "other", part, self.held(month, 10 + day), note="工作记录不完整")

    def twelve_points(self) -> None:
        """The year so far: merits and violations a month or more apart, so a
        repeat never doubles and each person ends on their own total."""
        members = sorted(self.staff_fit("twelve_point_ledger"), key=lambda m: (-self.quality(m), m.id))
        today = self.now.astimezone(ZONE).date()
        for member, net in zip(members, LEDGER_NETS):
            kind, codes = ("merit", MERITS) if net > 0 else ("violation", VIOLATIONS)
            for i in range(abs(net)):
                day = today - timedelta(days=3 + 9 * i)  # different codes: a repeat needs the same one
                self.ledger(member, kind, codes[i % len(codes)], 1, day)

    def untie(self) -> None:
        """Complaints about a teller count on the ledger too: where two
        people still end the year on the same points, one gets another
        suggestion adopted (+1, a merit never doubled) until nobody ties."""
        scheme = load_scheme("twelve_point_ledger")
        members = {m.username: m for m in self.staff_fit("twelve_point_ledger")}
        subjects = fitting_subjects(self.session, scheme, [m.id for m in members.values()])
        year, today = self.periods("year")[0], self.now.astimezone(ZONE).date()
        for extra in range(30):
            self.session.flush()
            cards = scorecards_for(self.session, scheme, year, "staff", subjects)
            seen, tied = set(), None
            for card in sorted(cards, key=lambda c: (c.total, c.subject)):
                if card.total in seen:
                    tied = card
                    break
                seen.add(card.total)
            if tied is None:
                return
            self.ledger(members[tied.subject], "merit", "adopted_suggestion", 1, today - timedelta(days=1 + extra))

    def verdicts(self) -> None:
        """Complaints handled more than a week ago are judged by the unit's manager."""
        judged_before = self.now - timedelta(days=UNJUDGED_DAYS)
        cases = self.session.scalars(select(Case).where(
            Case.kind == "complaint", Case.status.in_(("resolved", "closed")), Case.created_at < judged_before)
            .order_by(Case.id))
        for case in cases:
            code = case.unit.chain()[-2].code if len(case.unit.chain()) > 1 else "DEMO"
            judge = self.staff["bank.manager" if code == "DEMO-BANK" else "power.manager"]
            verdict = "major" if case.severity == "major" else \
                self.rng.choices(("valid", "invalid", "major"), (57, 38, 5))[0]
            decide_complaint(self.session, case, verdict, self.rng.choice(VERDICT_REASONS[verdict]), judge,
                             case.resolved_at or self.now)


def enter_scores(session: Session, units: dict[str, Unit], staff: dict[str, Staff], now: datetime, days: int,
                 rng: random.Random) -> None:
    _Entries(session, units, staff, now, days, rng).enter()
    session.flush()
