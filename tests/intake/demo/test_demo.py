"""`feedback demo`: a demo organisation with about 90 days of realistic
history, loaded once, with logins that work."""
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from intake import create_app
from intake.demo.data import PASSWORD
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
    assert 40 <= len(services) / 90 <= 80
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
