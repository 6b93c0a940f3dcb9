"""Escalation (RULES 3): a warning at 75% of a limit, then one level up the
ladder per delay after a breach, each step once and with the minutes late;
immediate escalation of major complaints and by amount claimed; a changed
policy or calendar recomputes the deadlines before any alert."""
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from routing.models import Case, DayMark, Deadline, Escalation, Notification, OutboundMessage, utc_day
from routing.rules.ladder import LEVELS
from routing.rules.policy_match import policy_to_dict
from routing.services import lifecycle
from routing.services.escalation import escalation_tick, escalations_for
from routing.services.policies import rule_named
from routing.services.policy_editing import update_calendar, update_policy
from scoring.engine.periods import Period
from scoring.services.daily_tallies import rebuild
from scoring.services.metrics import unit_metrics
from support.ladder import cli_tick, count, local, tick_at
from support.notices import text_of

MONDAY_9 = local(2026, 11, 2, 9, 0)
TZ = "Asia/Shanghai"


def steps(session, case):
    session.expire_all()
    return [(e.target, LEVELS[e.level], e.to_staff_id, e.minutes_late, e.kind) for e in session.scalars(
        select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.level, Escalation.id))]


def sweep(app, session, clock, when):
    session.commit()  # SQLite: the test's session must not hold the write lock while the tick runs
    report = tick_at(app, clock, when)
    session.expire_all()
    return report


def test_a_case_left_alone_climbs_the_ladder_level_by_level(app, session, make, ladder_org, clock, senders):
    # Urban repair (004): on site within 30 minutes; escalation every 30 minutes.
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Power cut in the building")
    ladder_org.deputy.phone, ladder_org.manager.locale = "+8613800000002", "en"
    session.commit()

    report = sweep(app, session, clock, local(2026, 11, 2, 9, 20))
    assert report["escalations"] == {"cases": 0, "warnings": 0, "escalations": 0}
    # 75% of the 30 minutes: the handler is warned, and with no owner yet the supervisor.
    report = sweep(app, session, clock, local(2026, 11, 2, 9, 23))
    assert report["escalations"]["warnings"] == 1
    assert steps(session, case) == [("arrival", "handler", ladder_org.supervisor.id, 0, "warning")]

    sweep(app, session, clock, local(2026, 11, 2, 9, 30))
    sweep(app, session, clock, local(2026, 11, 2, 9, 45))
    assert steps(session, case)[1:] == [("arrival", "supervisor", ladder_org.supervisor.id, 0, "breach")]
    sweep(app, session, clock, local(2026, 11, 2, 10, 0))
    sweep(app, session, clock, local(2026, 11, 2, 10, 31))
    sweep(app, session, clock, local(2026, 11, 2, 11, 2))
    sweep(app, session, clock, local(2026, 11, 2, 11, 40))
    assert steps(session, case)[1:] == [
        ("arrival", "supervisor", ladder_org.supervisor.id, 0, "breach"),
        ("arrival", "manager", ladder_org.manager.id, 30, "breach"),
        ("arrival", "deputy_gm", ladder_org.deputy.id, 61, "breach"),
        ("arrival", "gm", ladder_org.gm.id, 92, "breach"),
    ]
    # Each person escalated to is told in the app and by SMS, in their own language.
    for person in (ladder_org.supervisor, ladder_org.manager, ladder_org.deputy, ladder_org.gm):
        assert session.scalars(select(Notification).where(
            Notification.staff_id == person.id, Notification.kind == "escalated")).first() is not None
        [body] = senders["sms"].bodies_to(person.phone)
        assert case.reference in body
    assert "missed by 30 minutes" in senders["sms"].bodies_to(ladder_org.manager.phone)[0]
    assert "missed by" not in senders["sms"].bodies_to(ladder_org.gm.phone)[0]  # Chinese, like the gm's account


def test_the_ladder_climbs_through_the_command_line_tick_too(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Transformer fire")
    claim_at = MONDAY_9 + timedelta(minutes=1)
    lifecycle.claim(session, case, ladder_org.handler, claim_at)
    session.commit()

    report = cli_tick(app, local(2026, 11, 2, 9, 25))
    assert report["escalations"]["warnings"] == 1
    assert cli_tick(app, local(2026, 11, 2, 9, 31))["escalations"]["escalations"] == 1
    assert cli_tick(app, local(2026, 11, 2, 10, 1))["escalations"]["escalations"] == 1
    assert cli_tick(app, local(2026, 11, 2, 10, 1))["escalations"]["escalations"] == 0
    assert steps(session, case) == [
        ("arrival", "handler", ladder_org.handler.id, 0, "warning"),  # the owner is warned
        ("arrival", "supervisor", ladder_org.supervisor.id, 1, "breach"),
        ("arrival", "manager", ladder_org.manager.id, 31, "breach"),
    ]


def test_each_step_happens_once_even_when_two_ticks_reach_it(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Street light out")
    at = local(2026, 11, 2, 10, 5)
    first = sweep(app, session, clock, at)
    again = sweep(app, session, clock, at)
    assert first["escalations"]["escalations"] == 2  # supervisor at 09:30, manager at 10:00
    assert again["escalations"] == {"cases": 0, "warnings": 0, "escalations": 0}
    messages = count(session, OutboundMessage)

    # A second worker that read the case before the first one committed:
    # the unique key (case, target, level) turns its steps into no-ops.
    session.execute(update(Case).where(Case.id == case.id).values(next_check_at=at))
    session.execute(update(Deadline).where(Deadline.case_id == case.id).values(escalation_level=0,
                                                                               warned_at=None))
    stale = sweep(app, session, clock, at)
    assert stale["escalations"] == {"cases": 1, "warnings": 0, "escalations": 0}
    assert len(steps(session, case)) == 2
    assert count(session, OutboundMessage) == messages


@pytest.mark.parametrize("amount, level, who", [
    ("999", "manager", "manager"),
    ("1000", "manager", "manager"),  # 1000元以下 includes 1,000 (RULES 3)
    ("1000.01", "deputy_gm", "deputy"),
    ("4999.99", "deputy_gm", "deputy"),
    ("5000", "gm", "gm"),  # 5000元以上 includes 5,000
])
def test_a_claim_goes_at_once_to_whoever_may_approve_its_amount(app, session, make, ladder_org, amount, level, who):
    case = make.case(unit=ladder_org.outlet, amount_claimed=Decimal(amount), description="Card swallowed")
    person = getattr(ladder_org, who)
    assert steps(session, case) == [("immediate", level, person.id, 0, "immediate")]
    notice = session.scalars(select(Notification).where(Notification.staff_id == person.id)).one()
    assert notice.kind == "escalated_amount"
    message = session.scalars(select(OutboundMessage).where(OutboundMessage.staff_id == person.id)).one()
    assert message.purpose == "escalation" and case.reference in text_of(app, message)
    # By SMS, or by e-mail for whoever has no phone (the deputy).
    assert (message.transport, message.to) == (("email", person.email) if who == "deputy" else ("sms", person.phone))


def test_a_major_complaint_goes_to_the_deputy_general_manager_at_once(session, make, ladder_org):
    major = make.case(unit=ladder_org.outlet, severity="major", description="Reported to the newspaper")
    assert steps(session, major) == [("immediate", "deputy_gm", ladder_org.deputy.id, 0, "immediate")]
    big = make.case(unit=ladder_org.outlet, severity="major", amount_claimed=Decimal("8000"))
    assert steps(session, big) == [("immediate", "gm", ladder_org.gm.id, 0, "immediate")]
    # A major repair fault is not a complaint: its own limits, no immediate escalation.
    assert steps(session, make.case(unit=ladder_org.outlet, kind="repair", severity="major")) == []
    assert steps(session, make.case(unit=ladder_org.outlet)) == []


def test_a_longer_limit_set_by_an_admin_holds_before_the_next_tick(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet)  # complaint: first response within 24 hours
    complaint = policy_to_dict(rule_named(session, "complaint"))
    complaint["limits"]["first_response"] = {"amount": 48, "unit": "hours"}
    update_policy(session, "complaint", complaint, clock.advance(hours=1), by=ladder_org.manager)
    session.commit()

    report = sweep(app, session, clock, local(2026, 11, 3, 9, 30))  # past the old 24 hours
    assert report["escalations"]["escalations"] == 0
    due = session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                 Deadline.target == "first_response")).one()
    assert due.due_at == local(2026, 11, 4, 9, 0) and due.breached_at is None


def test_a_holiday_added_to_the_calendar_moves_working_day_deadlines(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet)  # resolution within 3 working days: Thursday 09:00
    update_calendar(session, "cn-business", {"tz": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri"],
                                             "hours": [["09:00", "12:00"], ["13:30", "17:30"]], "official": "CN",
                                             "holidays": ["2026-11-04"]}, clock.now())
    session.commit()
    due = session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                 Deadline.target == "resolution")).one()
    assert due.due_at == local(2026, 11, 6, 9, 0)


def test_the_warning_fraction_is_the_policys(app, session, make, ladder_org, clock):
    repair = policy_to_dict(rule_named(session, "repair-urban"))
    update_policy(session, "repair-urban", {**repair, "warn_fraction": 0.5}, clock.now())
    case = make.case(unit=ladder_org.outlet, kind="repair")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    assert sweep(app, session, clock, local(2026, 11, 2, 9, 14))["escalations"]["warnings"] == 0
    assert sweep(app, session, clock, local(2026, 11, 2, 9, 15))["escalations"]["warnings"] == 1
    assert session.scalars(select(Notification).where(Notification.staff_id == ladder_org.handler.id,
                                                      Notification.kind == "warning")).one()


def test_a_case_waiting_for_the_customer_does_not_escalate(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, kind="repair")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.wait_for_customer(session, case, ladder_org.handler, "Nobody home", clock.advance(minutes=10))
    report = sweep(app, session, clock, local(2026, 11, 2, 18, 0))
    assert report["escalations"]["escalations"] == 0 and steps(session, case) == []


def test_the_escalation_inbox_shows_open_cases_escalated_to_me(app, session, make, ladder_org, clock):
    open_case = make.case(unit=ladder_org.outlet, kind="repair")
    done = make.case(unit=ladder_org.outlet, kind="repair")
    lifecycle.claim(session, done, ladder_org.handler, clock.now())
    sweep(app, session, clock, local(2026, 11, 2, 9, 35))
    lifecycle.resolve(session, done, ladder_org.handler, "Fixed", clock.now())
    lifecycle.close(session, done, ladder_org.handler, clock.now())
    session.commit()
    assert [e.case_id for e in escalations_for(session, ladder_org.supervisor)] == [open_case.id]
    assert {e.case_id for e in escalations_for(session, ladder_org.supervisor, open_only=False)} == {open_case.id, done.id}
    assert escalations_for(session, ladder_org.handler) == []


def test_a_breach_found_days_later_reaches_the_scores_of_the_day_the_case_came_in(app, session, make, ladder_org,
                                                                                clock):
    """The escalation job writes per batch; the breach it records still marks
    the day the case came in, so that day's roll-up is built again."""
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Power cut in the building")
    came_in = case.created_at.astimezone(ZoneInfo(TZ)).date()
    session.commit()
    rebuild(session, [came_in], TZ, MONDAY_9 + timedelta(days=3))
    session.commit()
    mark = session.get(DayMark, utc_day(case.created_at)).stamp
    assert unit_metrics(session, Period.parse("2026-11"), TZ, [ladder_org.outlet.id])[ladder_org.outlet.id][
        "overdue"] == 0

    sweep(app, session, clock, MONDAY_9 + timedelta(days=3))

    assert session.get(DayMark, utc_day(case.created_at)).stamp != mark
    assert unit_metrics(session, Period.parse("2026-11"), TZ, [ladder_org.outlet.id])[ladder_org.outlet.id][
        "overdue"] == 1


def test_a_case_held_by_the_ticking_session_reads_what_the_tick_wrote(app, session, make, ladder_org, clock):
    """The demo loader ticks on its own session: the cases and deadlines it
    holds must show the breach and the next check, not what they were."""
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Power cut in the building")
    session.commit()
    deadline = next(d for d in case.deadlines if d.target == "arrival")
    assert (deadline.escalation_level, deadline.breached_at) == (0, None)

    with app.app_context():
        escalation_tick(session, local(2026, 11, 2, 9, 45))
    session.commit()

    assert deadline.escalation_level == 1
    assert deadline.breached_at == deadline.due_at
    assert case.next_check_at == deadline.due_at + timedelta(minutes=30)
