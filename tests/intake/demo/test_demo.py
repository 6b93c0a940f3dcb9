"""`feedback demo`: a demo organisation with about 90 days of realistic
history, loaded once, with logins that work."""
import re
import socket
from collections import Counter
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from intake import create_app
from intake.demo.data import LOGIN_GROUPS, PASSWORD
from intake.demo.loader import load_demo
from intake.models import InboundMessage, Survey, Touchpoint
from intake.services.touchpoints import touchpoint_by_token
from intake.shell.cli import demo as demo_command
from routing.foundation.db import Base, Database
from routing.models import (
    Callback,
    Case,
    CaseEvent,
    Escalation,
    Notification,
    OutboundMessage,
    Rating,
    ServiceEvent,
    Staff,
    Unit,
)
from routing.vocabulary import OPEN_STATUSES
from scoring.engine.periods import Period
from scoring.engine.scheme import available_schemes, load_scheme
from scoring.models import ComplaintVerdict, Inspection, LedgerEntry
from scoring.services.scorecards import fitting_subjects, scorecards_for

PUBLIC_URL = "https://feedback.example.com"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)  # a Monday, 9:00 in Shanghai


def rows_per_table(session) -> dict[str, int]:
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


@pytest.fixture
def demo(session, clock):
    """The demo, two weeks of it, loaded into the app's database (SQLite and
    PostgreSQL); the full 90 days are checked once, in `history`."""
    summary = load_demo(session, clock.now(), PUBLIC_URL, days=14)
    session.commit()
    return summary


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The demo loaded once for the tests that only read it: generating it
    does not depend on the database."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    db.create_all()
    with db.sessionmaker() as session:
        load_demo(session, NOW, PUBLIC_URL)
        session.commit()
        yield session
    db.dispose()


def test_loading_the_demo_again_adds_nothing_and_leaves_nothing_to_send(session, clock, demo):
    before = rows_per_table(session)
    assert load_demo(session, clock.now() + timedelta(days=1), PUBLIC_URL) == demo
    session.commit()
    assert rows_per_table(session) == before
    for table in ("unit", "staff", "touchpoint", "service_event", "rating", "survey", "case", "case_event",
                  "case_deadline", "callback", "contact", "inbound_message", "notification", "outbound_message"):
        assert before[table] > 0, table
    # What was queued in the past went out in the past: the first tick sends none of it.
    assert session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.status != "sent")) == 0


def test_the_organisation_has_a_bank_branch_a_service_hall_and_staff_in_every_role(history):
    session = history
    units = {unit.code: unit for unit in session.scalars(select(Unit))}
    levels = [unit.level for unit in units.values()]
    assert levels.count("company") == 1 and levels.count("branch") == 1 and levels.count("outlet") == 3
    assert {units[c].area for c in ("DEMO-POWER-URBAN", "DEMO-POWER-RURAL")} == {"urban", "rural"}
    assert units["DEMO-BANK"].name == "城东支行"
    staff = session.scalars(select(Staff)).all()
    assert {s.role for s in staff} == {"handler", "supervisor", "manager", "executive", "admin"}
    assert {s.ladder_position for s in staff if s.role == "executive"} == {"gm", "deputy_gm"}
    assert all(CJK.search(s.display_name) and re.search("[A-Za-z]", s.display_name) for s in staff)
    counters = [unit.id for unit in units.values() if unit.level == "counter"]
    with_touchpoint = set(session.scalars(select(Touchpoint.unit_id).where(Touchpoint.active.is_(True))))
    assert counters and set(counters) <= with_touchpoint


def test_the_history_covers_about_90_days_up_to_now_in_shanghai_working_hours(history):
    session, now = history, NOW
    services = session.scalars(select(ServiceEvent)).all()
    first, last = min(s.occurred_at for s in services), max(s.occurred_at for s in services)
    assert now - timedelta(days=91) <= first < now - timedelta(days=88) and last <= now
    counters = session.scalar(select(func.count()).select_from(Unit).where(Unit.level == "counter"))
    assert 20 <= len(services) / 90 / counters <= 45  # dozens of services a counter a day
    bank_units = set(session.scalars(select(Unit.id).where(Unit.code.like("DEMO-BANK-%"))))
    bank = [s for s in services if s.unit_id in bank_units]
    assert bank and all(9 <= s.occurred_at.astimezone(SHANGHAI).hour < 17 for s in bank)
    assert session.scalar(select(func.max(Rating.created_at))) <= now
    assert session.scalar(select(func.max(CaseEvent.at))) <= now


def test_ratings_are_mostly_good_with_some_low_ones_commented_and_some_flagged(history):
    session = history
    ratings = session.scalars(select(Rating)).all()
    assert sum(r.score >= 4 for r in ratings) / len(ratings) > 0.75
    low_comments = [r.comment for r in ratings if r.score <= 2 and r.comment]
    assert any(CJK.search(c) for c in low_comments) and any(not CJK.search(c) for c in low_comments)
    suspects = [r for r in ratings if r.suspect]
    assert suspects and {r.suspect_reason for r in suspects} == {"repeat_device"}
    assert {r.channel for r in ratings} == {"qr", "sms", "callback"}


def test_surveys_were_answered_or_expired_and_answers_are_ratings(history):
    session = history
    surveys = session.scalars(select(Survey)).all()
    assert {"answered", "expired"} <= {s.status for s in surveys}
    answered = [s for s in surveys if s.status == "answered"]
    ratings = {r.id: r for r in session.scalars(select(Rating).where(Rating.channel == "sms"))}
    assert len(ratings) == len(answered)
    assert all(ratings[s.rating_id].created_at == s.answered_at for s in answered)
    assert session.scalar(select(func.count()).select_from(InboundMessage).where(
        InboundMessage.outcome == "opt_out")) > 0


def test_cases_of_every_kind_have_timelines_and_some_are_still_open(history):
    session = history
    cases = session.scalars(select(Case)).all()
    assert {c.kind for c in cases} == {"complaint", "repair", "consultation", "suggestion", "praise"}
    assert len({c.channel for c in cases}) >= 6
    assert any(c.status in OPEN_STATUSES for c in cases) and any(c.status == "closed" for c in cases)
    assert any(c.status == "new" for c in cases)
    assert any(c.reopened_from_id for c in cases)
    for case in cases:
        kinds = [event.kind for event in case.events]
        assert kinds[0] == "created"
        assert [e.at for e in case.events] == sorted(e.at for e in case.events)
        if case.status != "new":
            assert case.first_responder_id is not None and case.owner_id is not None
        if case.status == "closed":
            assert "resolved" in kinds and case.created_at <= case.resolved_at <= case.closed_at <= NOW
            assert case.next_check_at is None  # the tick never looks at history again
    assert {e.kind for e in session.scalars(select(CaseEvent)) if e.kind in ("claimed", "reply", "transferred",
            "waiting", "arrival", "callback", "escalated", "warning", "reopened")} == {
        "claimed", "reply", "transferred", "waiting", "arrival", "callback", "escalated", "warning", "reopened"}


def test_callbacks_were_made_and_limits_missed_climbed_the_ladder(history):
    session = history
    statuses = [c.status for c in session.scalars(select(Callback))]
    assert statuses.count("done") / len(statuses) > 0.9 and "missed" in statuses
    reached = {s.username for s in session.scalars(select(Staff).join(Escalation, Escalation.to_staff_id == Staff.id))}
    assert {"deputy.gm", "gm"} <= reached and any(name.endswith("supervisor") for name in reached)
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.read_at.is_(None), Notification.created_at < NOW - timedelta(days=2))) == 0


def test_the_printed_logins_and_qr_link_work(client, session, login, demo):
    token = re.search(r"/q/([\w-]+)", demo).group(1)
    assert touchpoint_by_token(session, token) is not None
    assert client.get(f"/q/{token}").status_code == 200
    for username, path, status in (("admin", "/admin/", 200), ("gm", "/cases", 200),
                                   ("rmr.teller1", "/admin/", 403), ("rmr.teller1", "/cases", 200)):
        assert re.search(rf"^\s+{re.escape(username)}\s", demo, re.M), username
        login(SimpleNamespace(username=username), password=PASSWORD)
        assert client.get(path).status_code == status, (username, path)
    for url in (f"{PUBLIC_URL}/login", f"{PUBLIC_URL}/cases", f"{PUBLIC_URL}/admin", f"{PUBLIC_URL}/q/"):
        assert url in demo


def test_every_fresh_load_is_the_same(tmp_path, clock):
    def fingerprint(name):
        db = Database(f"sqlite:///{tmp_path / name}")
        db.create_all()
        with db.sessionmaker() as session:
            load_demo(session, clock.now(), PUBLIC_URL, days=7)
            session.commit()
            print_ = (rows_per_table(session),
                      session.execute(select(Rating.score, Rating.created_at, Rating.comment).order_by(Rating.id)).all(),
                      session.execute(select(Case.reference, Case.status, Case.description).order_by(Case.id)).all())
        db.dispose()
        return print_

    assert fingerprint("one.db") == fingerprint("two.db")


def test_feedback_demo_creates_the_database_and_prints_the_same_summary_twice(tmp_path, clock, monkeypatch):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr("intake.demo.loader.DAYS", 7)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "CLOCK": clock, "PUBLIC_URL": PUBLIC_URL,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})

    runner = app.test_cli_runner()
    first = runner.invoke(demo_command, ["--no-serve"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(demo_command, ["--no-serve"])
    assert second.output == first.output and "admin" in first.output
    with app.extensions["db"].sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.code == "DEMO")) == 1
        assert session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.status == "pending")) == 0
    app.extensions["db"].dispose()


def test_few_customers_scan_and_no_complaint_is_told_the_same_way_more_than_a_few_times(history):
    session = history
    scans = session.scalar(select(func.count()).select_from(Rating).where(Rating.channel == "qr"))
    assert scans / session.scalar(select(func.count()).select_from(ServiceEvent)) < 0.2
    told = Counter(session.scalars(select(Case.description)))
    assert told.most_common(1)[0][1] <= 3, told.most_common(3)


def test_complaints_about_a_teller_go_to_the_outlet_of_their_counter_never_to_them(history):
    session = history
    about = session.scalars(select(Case).where(Case.subject_staff_id.is_not(None))).all()
    assert len(about) >= 5
    for case in about:
        assert case.subject_staff.unit.level == "counter" and case.unit_id == case.subject_staff.unit.parent_id
        assert case.subject_staff_id not in (case.owner_id, case.first_responder_id)


def test_callbacks_are_made_by_the_callback_desk_never_by_who_handled_the_case(history):
    session = history
    made = session.scalars(select(Callback).where(Callback.staff_id.is_not(None))).all()
    callers = {session.get(Staff, cb.staff_id).username for cb in made}
    assert callers == {"bank.callback", "power.callback"}
    for cb in made:
        assert cb.staff_id not in (cb.case.owner_id, cb.case.first_responder_id, cb.case.subject_staff_id)
        assert cb.attempt_log and cb.attempt_log[-1].staff_id == cb.staff_id
    ratings = session.scalars(select(Rating).where(Rating.channel == "callback")).all()
    assert ratings and all(r.staff_id not in {s.id for s in session.scalars(
        select(Staff).where(Staff.callback_desk.is_(True)))} for r in ratings)


def test_complaints_were_judged_except_the_last_weeks_and_checks_were_entered(history):
    session = history
    verdicts = session.scalars(select(ComplaintVerdict)).all()
    assert {v.verdict for v in verdicts} == {"valid", "invalid", "major"}
    judged = {v.case_id for v in verdicts}
    unjudged = session.scalars(select(Case).where(Case.kind == "complaint", Case.id.not_in(judged),
                                                  Case.status.in_(("resolved", "closed")))).all()
    assert unjudged and all(c.created_at >= NOW - timedelta(days=8) for c in unjudged)
    assert {i.kind for i in session.scalars(select(Inspection))} >= {
        "mystery_shopper", "off_site", "on_site", "checklist", "self_check", "questionnaire", "daily_work",
        "attendance", "self_assessment", "manager_assessment", "management"}
    assert {(e.kind, e.code) for e in session.scalars(select(LedgerEntry))} >= {
        ("violation", "late_or_early"), ("merit", "service_star"), ("violation", "other")}


def test_a_newcomer_sees_open_cases_past_their_limits(history):
    session = history
    overdue = session.scalars(select(Case).where(Case.status.in_(OPEN_STATUSES), Case.next_due_at < NOW)).all()
    assert len(overdue) >= 3


@pytest.mark.parametrize("name", available_schemes())
def test_every_shipped_scheme_ranks_the_demos_units_with_distinct_totals(history, name):
    scheme = load_scheme(name)
    period = Period.containing(NOW, scheme.period, "Asia/Shanghai")
    if scheme.period != "year":  # the last complete period; a year counts to date
        period = period.previous()
    fitting = fitting_subjects(history, scheme)
    cards = scorecards_for(history, scheme, period, scheme.fits.subject, fitting)
    assert cards and all(not card.not_rated for card in cards), [(c.subject, c.not_rated_reason) for c in cards]
    totals = [card.total for card in cards]
    assert len(set(totals)) == len(totals), sorted(zip(totals, (c.subject for c in cards)))
    if name != "bank_branch":  # the demo has one branch
        assert len(cards) >= 3


def test_the_logins_are_grouped_by_what_to_try_first(demo):
    for heading, usernames in LOGIN_GROUPS:
        assert heading in demo
        for username in usernames:
            assert re.search(rf"^\s+{re.escape(username)}\s", demo, re.M), username
    assert demo.index(LOGIN_GROUPS[0][0]) < demo.index(LOGIN_GROUPS[-1][0])


def test_a_busy_port_is_reported_before_anything_is_loaded_or_printed(tmp_path, clock, monkeypatch):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "CLOCK": clock,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = app.test_cli_runner().invoke(demo_command, ["--port", str(port)])
    assert result.exit_code == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in result.output and "--port" in result.output
    assert "Demo organisation" not in result.output and "admin" not in result.output
    assert not (tmp_path / "fresh.db").exists()  # nothing created, loaded or ticked
    app.extensions["db"].dispose()


def test_on_all_interfaces_the_links_use_the_local_network_address(tmp_path, clock, monkeypatch):
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("FEEDBACK_PUBLIC_URL", raising=False)
    monkeypatch.setattr("intake.demo.loader.DAYS", 3)
    monkeypatch.setattr("intake.shell.serving.lan_addresses", lambda: ["192.168.1.23"])
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "CLOCK": clock,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
    result = app.test_cli_runner().invoke(demo_command, ["--no-serve", "--host", "0.0.0.0", "--port", "5055"])
    assert result.exit_code == 0, result.output
    assert "http://192.168.1.23:5055/login" in result.output and "http://192.168.1.23:5055/q/" in result.output
    assert "127.0.0.1" not in result.output
    app.extensions["db"].dispose()


def test_on_either_database_every_scheme_ranks_five_weeks_of_the_demo_with_distinct_totals(session, clock):
    # The same check on the app's database (SQLite and PostgreSQL), on a shorter history that still
    # reaches into the last quarter and holds the whole last month.
    load_demo(session, clock.now(), PUBLIC_URL, days=36)
    session.commit()
    for name in available_schemes():
        scheme = load_scheme(name)
        period = Period.containing(clock.now(), scheme.period, "Asia/Shanghai")
        period = period if scheme.period == "year" else period.previous()
        cards = scorecards_for(session, scheme, period, scheme.fits.subject, fitting_subjects(session, scheme))
        totals = [card.total for card in cards]
        assert cards and None not in totals and len(set(totals)) == len(totals), (name, sorted(
            (str(c.total), c.subject, c.not_rated_reason) for c in cards))
