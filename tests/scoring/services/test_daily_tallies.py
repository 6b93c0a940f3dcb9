"""Daily roll-ups (DESIGN.md, "Scale, on paper"): scorecards read a row per
subject and day once a day is built, and every number is the one the rows
give, before the build, after it, and after late data changed a built day."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from routing.models import Case, DayMark
from routing.services.escalation import escalation_tick
from routing.services.lifecycle import claim
from scoring.engine.periods import Period
from scoring.models import TallyDay, daily_tally
from scoring.services.daily_tallies import fresh_days, rebuild, tally_tick
from scoring.services.metrics import last_months, monthly_series, staff_metrics, unit_metrics
from support.records import local
from support.statements import reading, statements_during

TZ = "Asia/Shanghai"
OCTOBER = Period.parse("2026-10")
TENTH = date(2026, 10, 10)
AUTUMN = [date(2026, 9, 30)] + [date(2026, 10, d) for d in range(1, 32)] + [date(2026, 11, d) for d in range(1, 4)]


def every_number(session, tree, people):
    """Every metric of every unit and person, for October, November and the year's trend."""
    units = [u.id for u in tree.values()]
    staff = [p.id for p in people]
    return (
        [unit_metrics(session, p, TZ, units) for p in (OCTOBER, OCTOBER.next(), Period.parse("2026-Q4"))],
        staff_metrics(session, OCTOBER, TZ, staff),
        monthly_series(session, "unit", tree["branch"].id, last_months(OCTOBER.next()), TZ),
        monthly_series(session, "staff", people[0].id, last_months(OCTOBER.next()), TZ),
    )


def counted_rows(session, run) -> list[str]:
    """The statements `run` sends that read a source's rows rather than the roll-up."""
    return reading(statements_during(session, run), "rating", '"case"', "service_event", "callback")


def test_built_days_give_the_numbers_their_rows_give(session, tree, october):
    people = [october["alice"], october["bob"]]
    from_rows = every_number(session, tree, people)
    assert from_rows[0][0][tree["o1"].id]["ratings"] == 4  # the data is there

    rebuild(session, AUTUMN, TZ, local("2026-11-20 09:00"))

    assert session.scalar(select(func.count()).select_from(daily_tally)) > 0
    assert every_number(session, tree, people) == from_rows
    # October is read from the roll-up alone: no rating, case or service row is counted for it.
    assert counted_rows(session, lambda: unit_metrics(session, OCTOBER, TZ, [tree["branch"].id])) == []


def test_a_late_change_is_counted_at_once_and_its_day_built_again(session, tree, october):
    session.commit()  # the writes mark their days
    assert tally_tick(session, local("2026-11-20 09:00"), TZ, limit=100) == {"built": 49}  # 1 October to 18 November
    session.commit()
    before = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
    assert (before["complaints"], before["overdue"]) == (3, 2)
    # A year's trend to October: its months before the first record have nothing to count.
    assert counted_rows(session, lambda: monthly_series(session, "unit", tree["branch"].id,
                                                        last_months(OCTOBER), TZ)) == []

    # Weeks later a complaint of 20 October turns out to have been a repair job.
    c5 = session.scalars(select(Case).where(Case.created_at == local("2026-10-20 09:00"))).one()
    c5.kind = "repair"
    session.commit()

    after = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
    assert after["complaints"] == 2
    # Its day is built again, and the 21st: days are marked by UTC date, and 20 October 01:00 UTC
    # shares one with the early hours of the 21st in Shanghai.
    assert tally_tick(session, local("2026-11-20 09:00"), TZ) == {"built": 2}
    session.commit()
    assert unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id] == after
    assert tally_tick(session, local("2026-11-20 09:00"), TZ) == {"built": 0}


def test_a_callers_later_complaints_are_counted_again_when_an_earlier_one_changes(session, rec, tree, october):
    """c2 (15 October) is a repeat complaint because c1 (10 October) came from the same phone."""
    session.commit()
    tally_tick(session, local("2026-11-20 09:00"), TZ, limit=100)
    session.commit()

    def repeats():
        numbers = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
        return round(numbers["repeat_complaint_rate"] * numbers["complaints"])

    assert repeats() == 1
    october["c1"].contact_phone = "+8613800000009"  # the first call's number was typed wrong
    session.commit()
    assert repeats() == 0  # c2's day is counted again, not read from its stale roll-up
    # A complaint of 18 October recorded weeks late makes c5 (20 October, the same phone) a repeat.
    rec.case(tree["o1"], "2026-10-18 09:00", phone="+8613800000005")
    session.commit()
    assert repeats() == 1
    tally_tick(session, local("2026-11-20 09:00"), TZ, limit=100)
    session.commit()
    assert repeats() == 1


def test_an_uncommitted_change_is_read_from_the_rows(session, tree, october):
    session.commit()
    rebuild(session, AUTUMN, TZ, local("2026-11-20 09:00"))
    session.commit()
    rec_case = session.scalars(select(Case).where(Case.created_at == local("2026-10-20 09:00"))).one()
    rec_case.kind = "repair"  # not committed: this transaction still sees its own change
    assert unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]["complaints"] == 2


def test_the_tick_builds_days_once_they_are_over(session, rec, tree):
    rec.rating(tree["o1"], "2026-10-03 10:00", 5)
    rec.rating(tree["o1"], "2026-10-05 23:50", 1)
    session.commit()
    assert session.scalar(select(func.min(DayMark.day))) == date(2026, 10, 3)

    # Tuesday 6 October 09:00: the 5th ended nine hours ago, not yet settled.
    assert tally_tick(session, local("2026-10-06 09:00"), TZ) == {"built": 2}  # the 3rd and the 4th
    session.commit()
    built = set(session.scalars(select(TallyDay.day).where(TallyDay.tz == TZ)))
    assert built == {date(2026, 10, 3), date(2026, 10, 4)}
    assert tally_tick(session, local("2026-10-06 13:00"), TZ) == {"built": 1}  # now the 5th
    session.commit()
    o1 = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
    assert (o1["ratings"], o1["satisfaction_rate"]) == (2, 0.5)


def test_a_day_is_a_local_day(session, rec, tree):
    rec.rating(tree["o1"], "2026-10-31 23:30", 5)  # 15:30 UTC on the 31st
    rec.rating(tree["o1"], "2026-11-01 00:10", 1)  # still 31 October in UTC
    rebuild(session, [date(2026, 10, 31), date(2026, 11, 1)], TZ, local("2026-11-20 09:00"))
    rows = session.execute(select(daily_tally.c.day, daily_tally.c.rated).where(
        daily_tally.c.subject_kind == "unit", daily_tally.c.subject_id == tree["o1"].id)).all()
    assert sorted(rows) == [(date(2026, 10, 31), 1), (date(2026, 11, 1), 1)]


def test_a_claim_outside_the_orm_still_marks_its_day(session, rec, tree):
    handler = rec.staff("carol", tree["o1"])
    case = rec.case(tree["o1"], "2026-10-10 09:00", owner=None)
    case.status = "new"
    session.commit()
    rebuild(session, AUTUMN, TZ, local("2026-11-20 09:00"))
    session.commit()
    assert staff_metrics(session, OCTOBER, TZ, [handler.id])[handler.id]["complaints"] == 0
    assert fresh_days(session, TENTH, TENTH, TZ) == {TENTH}

    claim(session, case, handler, local("2026-11-20 10:00"))  # a conditional UPDATE, not the ORM's
    session.commit()

    assert fresh_days(session, TENTH, TENTH, TZ) == set()
    assert staff_metrics(session, OCTOBER, TZ, [handler.id])[handler.id]["complaints"] == 1


def test_rows_counted_close_to_the_clock_mark_no_day_and_older_ones_do(session, rec, tree):
    def at(ago: timedelta) -> str:
        return (datetime.now(UTC) - ago).astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M")

    late = rec.rating(tree["o1"], at(timedelta(days=2)), 1)  # entered two days late
    session.commit()
    assert session.scalars(select(DayMark.day)).all() == [late.created_at.astimezone(UTC).date()]

    rec.rating(tree["o1"], at(timedelta(minutes=5)), 5)  # a tap now: no day of it is built yet
    session.commit()
    assert session.scalars(select(DayMark.day)).all() == [late.created_at.astimezone(UTC).date()]


def test_an_escalation_weeks_later_marks_the_day_its_case_came_in(session, rec, tree):
    """The escalation tick writes its deadlines without the unit of work
    (routing.services.escalation): it marks their cases' days itself."""
    case = rec.case(tree["o1"], "2026-10-10 09:00", status="new")
    rec.deadline(case, "resolution", "2026-10-12 09:00")
    case.next_check_at = local("2026-10-12 09:00")
    session.commit()
    rebuild(session, AUTUMN, TZ, local("2026-11-20 09:00"))
    session.commit()
    assert fresh_days(session, TENTH, TENTH, TZ) == {TENTH}

    assert escalation_tick(session, local("2026-11-20 10:00"))["escalations"] > 0
    session.commit()

    assert fresh_days(session, TENTH, TENTH, TZ) == set()


def test_the_first_day_anything_is_recorded_is_marked_though_it_is_today(session, tree, rec, monkeypatch):
    """A new installation's first tap is recent, so marks no day of its own;
    yet the roll-ups start from the first mark and take the days before it as
    empty. The first day recorded is therefore always marked."""
    clock = {"now": local("2026-10-03 10:05")}
    for module in ("routing.models", "scoring.services.daily_tallies"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: clock["now"])
    rec.rating(tree["o1"], "2026-10-03 10:00", 5)
    session.commit()
    assert session.scalars(select(DayMark.day)).all() == [date(2026, 10, 3)]

    # A week later a complaint of 10 October is written (late): its day is marked as well.
    clock["now"] = local("2026-10-20 09:00")
    rec.case(tree["o1"], "2026-10-10 09:00")
    session.commit()
    assert tally_tick(session, clock["now"], TZ, limit=100)["built"] > 0
    session.commit()

    numbers = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
    assert (numbers["ratings"], numbers["complaints"]) == (1, 1)

