"""Seed 004 (RULES 1, 5.6): evaluator coverage applied each month from the
measured rates, and the ledger's fines per item: an evaluation rate of 80%
costs 1 point and 100 yuan (12 -> 11 points, -100 yuan); a late arrival on
the ledger costs 100 yuan; a repeat within 30 days doubles points and fine."""
import itertools
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from routing.models import CounterDevice, DeviceUptime
from routing.services.policies import ensure_presets
from scoring.engine.periods import Period
from scoring.models import LedgerEntry
from scoring.services.coverage import apply_evaluator_coverage, coverage_tick
from scoring.services.scorecards import scorecards
from support.records import local

TZ = "Asia/Shanghai"
NOVEMBER = datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc)
_touchpoints = itertools.count(9000)


def served(rec, unit, staff, services: int, rated: int, score: int = 5) -> None:
    for n in range(services):
        at = f"2026-10-{1 + n % 28:02d} {9 + n % 8:02d}:{n % 60:02d}"
        rec.service(unit, at, staff)
        if n < rated:
            rec.rating(unit, at, score, staff)


def ledger_card(session, staff):
    (card,) = scorecards(session, "twelve_point_ledger", "2026", "staff", [staff.id], TZ)
    return card


def test_evaluator_coverage_at_80_percent_gives_11_points_and_minus_100_yuan(session, rec, tree):
    counter = rec.unit("O1-C1", tree["o1"], level="counter")
    short, covered = rec.staff("short", counter), rec.staff("covered", counter)
    fitter = rec.staff("fitter", tree["o1"])  # no rating device in a repair team: not measured
    served(rec, counter, short, 100, 80)
    served(rec, counter, covered, 100, 90)
    served(rec, tree["o1"], fitter, 100, 0)
    session.flush()
    entered = apply_evaluator_coverage(session, Period.parse("2026-10"), NOVEMBER, TZ)
    assert [(e.staff_id, e.code, e.points) for e in entered] == [(short.id, "rating_device", 1)]
    assert "80.0%" in entered[0].note and "85%" in entered[0].note
    card = ledger_card(session, short)
    assert (card.total, card.money) == (11, -100)
    assert [(line.reason, line.points) for line in card.money_breakdown] == [("violation.rating_device", -100)]
    assert (ledger_card(session, covered).total, ledger_card(session, covered).money) == (12, 0)
    # Applied once: the next sweep of the month finds it done.
    assert coverage_tick(session, NOVEMBER, TZ) == {"month": "2026-10", "entered": 0}
    assert len(session.scalars(select(LedgerEntry)).all()) == 1


def test_satisfaction_below_99_percent_is_a_shortfall_too(session, rec, tree):
    counter = rec.unit("O1-C1", tree["o1"], level="counter")
    teller = rec.staff("teller", counter)
    served(rec, counter, teller, 100, 90, score=3)
    session.flush()
    (entry,) = apply_evaluator_coverage(session, Period.parse("2026-10"), NOVEMBER, TZ)
    assert "0.0%" in entry.note and "99%" in entry.note


def test_a_late_arrival_on_the_ledger_costs_100_yuan(session, rec, tree):
    teller = rec.staff("teller", tree["o1"])
    rec.ledger("violation", "late_or_early", 1, "2026-03-02 08:40", staff=teller)
    card = ledger_card(session, teller)
    assert (card.total, card.money) == (11, -100)
    # The same violation again within 30 days counts double, its fine too.
    rec.ledger("violation", "late_or_early", 1, "2026-03-20 08:40", staff=teller)
    card = ledger_card(session, teller)
    assert (card.total, card.money) == (9, -300)


def test_a_ranged_fine_follows_the_points_or_the_amount_recorded(session, rec, tree):
    teller = rec.staff("teller", tree["o1"])
    rec.ledger("violation", "counter_unattended", 3, "2026-04-02 10:00", staff=teller)  # 2-3 points, 200-300 yuan
    assert ledger_card(session, teller).money == -300
    row = rec.ledger("merit", "patience", 2, "2026-05-02 10:00", staff=teller)  # 1-3 points, 50-300 yuan
    row.yuan = 250
    session.flush()
    card = ledger_card(session, teller)
    assert (card.total, card.money) == (11, -50)


def test_half_a_point_off_for_an_incomplete_callback_record(session, rec, tree):
    # RULES 5.3: 0.5-1 point straight off the department's final score.
    rec.inspection(tree["o1"], "self_check", "2026-Q3", score=96)
    rec.inspection(tree["o1"], "questionnaire", "2026-Q3", score=96)
    rec.ledger("violation", "callback_record_problem", 0.5, "2026-08-02 10:00", unit=tree["o1"])
    (card,) = scorecards(session, "quality_department", "2026-Q3", "unit", [tree["o1"].id], TZ)
    # 96 x 0.4 + 100 (95 or more counts as 100) x 0.3 + 100 x 0.3 = 98.4, less 0.5.
    assert card.total == Decimal("97.9")


def test_a_suspended_employee_is_paid_450_yuan_and_no_performance_pay(session, rec, tree):
    # 004: points used up or three violations within 30 days: suspension and retraining, 450 yuan of pay.
    teller = rec.staff("teller", tree["o1"])
    for day, code in ((2, "late_or_early"), (9, "untidy_counter"), (16, "queue_order")):
        rec.ledger("violation", code, 1, f"2026-03-{day:02d} 09:00", staff=teller)
    card = ledger_card(session, teller)
    assert "suspension" in card.flags and (card.total, card.money) == (9, -300)
    (pay,) = [line for line in card.money_breakdown if line.reason == "flag_pay"]
    assert (pay.points, pay.params["pay"]) == (0, 450)


# --- the device's on-time, from its heartbeats (RULES 1: "device on 100% of the time") ---------

def evaluator(session, rec, counter, staff, days_on, off_on_the_14th: bool = False):
    """A counter evaluator rating `staff`, in kiosk mode since September, on
    from 08:50 to 17:40 each day of October (off from 14:00 on the 14th)."""
    device = CounterDevice(touchpoint_id=next(_touchpoints), unit_id=counter.id, staff_id=staff.id,
                           label="Counter 1", secret=f"secret-{staff.username}", enabled_at=local("2026-09-30 12:00"))
    session.add(device)
    session.flush()
    for day in days_on:
        end = "14:00" if off_on_the_14th and day == 14 else "17:40"
        session.add(DeviceUptime(device_id=device.id, started_at=local(f"2026-10-{day:02d} 08:50"),
                                 last_seen_at=local(f"2026-10-{day:02d} {end}")))
    session.flush()
    return device


def test_an_evaluator_off_for_an_afternoon_costs_its_teller_1_point(session, rec, tree, clock):
    ensure_presets(session, clock.now())  # the official working calendar the device must be on in
    counter = rec.unit("O1-C1", tree["o1"], level="counter")
    always_on, off_once = rec.staff("always-on", counter), rec.staff("off-once", counter)
    for teller in (always_on, off_once):
        served(rec, counter, teller, 100, 100)  # evaluation and satisfaction rates met
    evaluator(session, rec, counter, always_on, range(1, 32))
    evaluator(session, rec, counter, off_once, range(1, 32), off_on_the_14th=True)
    entered = apply_evaluator_coverage(session, Period.parse("2026-10"), NOVEMBER, TZ,
                                       config={"KIOSK_CALENDAR": "cn-business"})
    assert [(e.staff_id, e.points) for e in entered] == [(off_once.id, 1)]
    # October 2026 has 18 working days (the 1st-7th off, Saturday the 10th a
    # make-up day): 126 working hours, of which 14:01-17:30 on the 14th were
    # missed (the last heartbeat vouches for a minute): 122.52 / 126.
    assert "Evaluator on-time 97.2% (target 100%)" in entered[0].note
    assert (ledger_card(session, off_once).total, ledger_card(session, off_once).money) == (11, -100)


def test_a_teller_without_an_evaluator_is_not_measured_on_it(session, rec, tree, clock):
    ensure_presets(session, clock.now())
    counter = rec.unit("O1-C1", tree["o1"], level="counter")
    teller = rec.staff("teller", counter)
    served(rec, counter, teller, 100, 100)
    assert apply_evaluator_coverage(session, Period.parse("2026-10"), NOVEMBER, TZ, config={}) == []
