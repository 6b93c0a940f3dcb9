"""Calendars that follow China's official working days, as people meet them:
seeded filled, their coverage on the admin pages, the November warning on the
admin pages, the dashboard and the queues, a year imported or typed in and
confirmed by hand, `feedback calendars`, the deadlines and callbacks
recomputed when a year is filled in, and an existing database upgraded."""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text

from intake import create_app
from intake.shell.cli import main
from intake.shell.schema import upgrade
from routing.foundation.clock import FakeClock
from routing.models import Callback, CaseEvent, Deadline, Policy, WorkCalendar
from routing.services import lifecycle
from support.pages import follow, page_of

SH = ZoneInfo("Asia/Shanghai")
POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
OFFICE = {day: "09:00-12:00, 13:30-17:30" for day in ("mon", "tue", "wed", "thu", "fri")}


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def stored(session, name: str) -> dict:
    session.expire_all()
    data = session.scalars(select(WorkCalendar.data).where(WorkCalendar.name == name)).one()
    session.commit()
    return data


def resolution_of(session, case) -> Deadline:
    session.expire_all()
    deadline = session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                      Deadline.target == "resolution")).one()
    session.commit()
    return deadline


def cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(main, args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_installation_runs_every_working_day_preset_on_the_filled_official_calendar(client, sign_in, bank,
                                                                                         session):
    sign_in(bank.admin)
    page = page_of(client.get("/admin/calendars"))
    assert "Office hours on China&#39;s official working days" in page and "China's official working days" in page
    data = stored(session, "cn-business")
    assert data["official"] == "CN" and set(data["filled"]) == {"2025", "2026", "2027", "2028"}
    assert data["filled"]["2026"]["confirmed"] and len(data["filled"]["2026"]["holidays"]) == 33
    on_it = set(session.scalars(select(Policy.name).where(Policy.data["calendar"].as_string() == "cn-business")))
    assert on_it == {"complaint", "complaint-case", "service-appointment", "installation",
                     "installation-network-ready", "default"}


def test_the_admin_pages_show_coverage_and_from_november_that_next_year_is_missing(
        client, sign_in, bank, clock, before_the_2027_notice):
    sign_in(bank.admin)
    page = page_of(client.get("/admin/calendars"))  # Monday 2 November 2026
    assert "2026 · confirmed" in page and "2027 · not confirmed" in page
    assert "Confirmed until 2026-12-31" in page
    assert ("Next year's official holidays and make-up working days are not in the calendar "
            "“Office hours on China&#39;s official working days”") in page
    assert "Import the year or add its days under Working calendars." in page
    assert "Next year's official holidays" in page_of(client.get("/admin/units"))
    clock.set(sh(2026, 10, 31, 9))
    assert "Next year's official holidays" not in page_of(client.get("/admin/calendars"))


def test_the_dashboard_and_the_queues_say_so_too_in_chinese_as_well(client, sign_in, bank, before_the_2027_notice):
    sign_in(bank.handler_a)
    for path in ("/cases", "/scores"):
        page = page_of(client.get(path))
        assert "not in the calendar “Office hours on China&#39;s official working days” yet" in page
        assert "An administrator imports the year when the State Council's notice is published." in page
    sign_in(bank.handler_a, lang="zh_Hans_CN")
    assert "明年的法定节假日和调休上班日尚未录入日历“法定工作日工作时间”" in page_of(client.get("/cases"))


def test_an_admin_imports_a_year_once_the_library_has_its_notice(client, sign_in, bank, make, session, clock,
                                                                   before_the_2027_notice, library_update):
    sign_in(bank.admin)
    clock.set(sh(2026, 12, 31, 10))
    case = make.case(bank.outlet_a)  # a complaint: 3 working days, into 2027
    assert (resolution_of(session, case).due_at, resolution_of(session, case).calendar_confirmed) == (
        sh(2027, 1, 6, 10), False)
    case_page = page_of(client.get(f"/cases/{case.reference}"))
    assert case_page.count("Calendar not confirmed") == 1 and "2027-01-06 10:00" in case_page
    page = follow(client, client.post("/admin/calendars/cn-business/import", data={"year": "2027"}))
    assert "does not have the official notice for 2027 yet" in page
    assert resolution_of(session, case).calendar_confirmed is False

    library_update()
    page = follow(client, client.post("/admin/calendars/cn-business/import", data={"year": "2027"}))
    assert "The official holidays of 2027 were imported into Office hours on China&#39;s official working days" in page
    assert "2027 · confirmed" in page
    deadline = resolution_of(session, case)
    assert (deadline.due_at, deadline.calendar_confirmed) == (sh(2027, 1, 7, 10), True)  # 4 January is off
    assert "Calendar not confirmed" not in page_of(client.get(f"/cases/{case.reference}"))
    assert "The calendar hotline does not follow an official arrangement" in page_of(
        client.post("/admin/calendars/hotline/import", data={"year": "2027"}), 400)
    assert "Choose a year between 2000 and 2099." in page_of(
        client.post("/admin/calendars/cn-business/import", data={"year": "1999"}), 400)
    assert client.post("/admin/calendars/nothing/import", data={"year": "2027"}).status_code == 404


def test_an_admin_types_next_years_days_in_and_confirms_the_year_by_hand(client, sign_in, bank, make, session,
                                                                         clock, before_the_2027_notice):
    sign_in(bank.admin)
    clock.set(sh(2026, 12, 31, 10))
    case = make.case(bank.outlet_a)
    form = {"name": "cn-business", "tz": "Asia/Shanghai", "official": "CN", **OFFICE, "sat": "", "sun": "",
            "holidays": "2027-01-04", "workdays": "2027-01-09 09:00-12:00, 13:30-17:30", "confirmed_years": "2027"}
    assert page_of(client.post("/admin/calendars/cn-business", data=form), 303)
    deadline = resolution_of(session, case)
    assert (deadline.due_at, deadline.calendar_confirmed) == (sh(2027, 1, 7, 10), True)
    data = stored(session, "cn-business")
    assert data["filled"]["2026"]["confirmed"] and not data["filled"]["2027"]["confirmed"]  # the source's, kept

    cli(app := client.application, "calendars", "refresh")  # a refresh never erases a hand correction
    data = stored(session, "cn-business")
    assert data["holidays"] == {"2027-01-04": []} and data["confirmed_years"] == [2027]
    assert resolution_of(session, case).due_at == sh(2027, 1, 7, 10)
    shown = json.loads(cli(app, "calendars", "show"))
    assert shown == [{"calendar": "cn-business", "region": "CN",
                      "years": {"2025": "confirmed", "2026": "confirmed", "2027": "confirmed", "2028": "not confirmed"},
                      "confirmed_until": "2027-12-31", "next_year_missing": False}]
    bad = page_of(client.post("/admin/calendars/cn-business", data={**form, "confirmed_years": "next year"}), 400)
    assert "Write years such as 2027, 2028." in bad


def test_a_year_without_its_notice_is_reported_not_confirmed_by_the_command_line(app, session,
                                                                                 before_the_2027_notice):
    shown = json.loads(cli(app, "calendars", "refresh", "--year", "2027"))
    assert shown[0]["years"]["2027"] == "not confirmed" and shown[0]["years"]["2026"] == "confirmed"
    assert shown[0]["confirmed_until"] == "2026-12-31" and shown[0]["next_year_missing"] is True


def test_a_scheduled_callback_moves_when_its_year_is_filled_in(app, session, make, bank, clock,
                                                               before_the_2027_notice, library_update):
    clock.set(sh(2026, 12, 28, 10))
    case = make.case(bank.outlet_a, contact_phone="+8613812345678")
    lifecycle.claim(session, case, bank.supervisor_a, clock.now())
    clock.set(sh(2026, 12, 31, 16))
    lifecycle.resolve(session, case, bank.supervisor_a, "Refunded.", clock.now())
    session.commit()
    callback = session.scalars(select(Callback).where(Callback.case_id == case.id)).one()
    assert (callback.due_start, callback.due_end) == (sh(2027, 1, 4, 9), sh(2027, 1, 4, 12))
    session.commit()  # ends the read: SQLite would keep showing this snapshot

    library_update()
    cli(app, "calendars", "refresh")
    session.expire_all()
    assert (callback.due_start, callback.due_end) == (sh(2027, 1, 5, 9), sh(2027, 1, 5, 12))
    assert callback.next_check_at == sh(2027, 1, 5, 9)
    moved = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.kind == "callback_scheduled")
                            .order_by(CaseEvent.id)).all()[-1]
    assert moved.data == {"due_start": sh(2027, 1, 5, 9).astimezone(timezone.utc).isoformat(),
                          "due_end": sh(2027, 1, 5, 12).astimezone(timezone.utc).isoformat(), "moved": True}


# --- an existing database --------------------------------------------------------------

OLD_BUSINESS = {"tz": "Asia/Shanghai", "always_open": False,
                "weekly": {d: [["08:30", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": {}, "workdays": {}}


def _old_policy(name: str, calendar: str, limits: dict, **criteria) -> dict:
    return {"name": name, "kind": None, "category": None, "severity": None, "area": None, "channel": None,
            "priority": 0, "limits": limits, "calendar": calendar, "warn_fraction": 0.75,
            "escalation_delay": 1440, **criteria}


def _seed_as_before(url: str, created: datetime) -> None:
    """What the release before issue 11 left in a database: the presets as it
    seeded them (office hours edited to 8:30), one policy an administrator
    moved, and an open complaint and a resolved one whose callback falls on
    National Day."""
    engine = create_engine(url)
    working_days = {"amount": 3, "unit": "working_days", "basis": "working", "cutoff": None, "pauses": True}
    hour = {"amount": 1, "unit": "hours", "basis": "clock", "cutoff": None, "pauses": True}
    with engine.begin() as conn:
        def insert(table: str, **values):
            columns = ", ".join(f'"{c}"' for c in values)
            params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in values.items()}
            conn.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(":" + c for c in values)})'),
                         params)

        insert("unit", id=1, code="OUT", name="Outlet", level="outlet", area="urban", timezone="Asia/Shanghai",
               active=True)
        insert("work_calendar", id=1, name="business", data=OLD_BUSINESS, updated_at=created)
        insert("work_calendar", id=2, name="hotline", updated_at=created, data={
            "tz": "Asia/Shanghai", "always_open": False, "holidays": {}, "workdays": {},
            "weekly": {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
        for row_id, data in enumerate([
                _old_policy("complaint", "business", {"resolution": working_days}, kind="complaint"),
                _old_policy("installation", "hotline", {"resolution": working_days}, kind="installation"),
                _old_policy("repair-urban-minor", "hotline", {"resolution": hour}, kind="repair", area="urban",
                            severity="minor")], start=1):
            insert("policy", id=row_id, name=data["name"], data=data, active=True, updated_at=created)
        for case_id, status in ((1, "new"), (2, "resolved")):
            insert("case", id=case_id, reference=f"C-2026-00000{case_id}", tracking_token=f"t{case_id}",
                   kind="complaint", category="other", severity="normal", status=status, channel="web", unit_id=1,
                   locale="en", description="Rude", consent=False, created_at=created, updated_at=created,
                   policy_name="complaint", resolved_at=created if status == "resolved" else None)
        insert("case_deadline", id=1, case_id=1, target="resolution", started_at=created,
               due_at=sh(2026, 10, 5, 10), escalation_level=0)  # "3 working days" on Monday to Friday
        insert("callback", id=1, case_id=2, due_start=sh(2026, 10, 1, 9), due_end=sh(2026, 10, 1, 12),
               requested=False, status="scheduled", attempts=0, assigned_unit_id=1,
               next_check_at=sh(2026, 10, 1, 9), created_at=created)
        if conn.dialect.name == "postgresql":  # rows written with their ids: the sequences go on after them
            for table in ("unit", "work_calendar", "policy", "case", "case_deadline", "callback"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f'(SELECT max(id) FROM "{table}"))'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="FEEDBACK_TEST_POSTGRES_URL is not set: no PostgreSQL to test against"))])
def old_database(request, tmp_path):
    """A database at the revision before issue 11, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"feedback_upgrade_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_feedback_db_upgrade_moves_the_presets_to_the_official_calendar_and_recomputes(old_database, tmp_path,
                                                                                       monkeypatch):
    created = sh(2026, 9, 30, 10)
    upgrade(old_database, "5b1e0c7a9d42")
    _seed_as_before(old_database, created)
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": old_database,
                      "CLOCK": FakeClock(sh(2026, 9, 30, 17).astimezone(timezone.utc))})
    try:
        assert "database is up to date" in cli(app, "db", "upgrade")
        with app.extensions["db"].sessionmaker() as session:
            calendars = {row.name: row.data for row in session.scalars(select(WorkCalendar))}
            policies = {row.name: row.data for row in session.scalars(select(Policy))}
            assert calendars["cn-business"]["official"] == "CN"
            assert calendars["cn-business"]["weekly"]["mon"] == [["08:30", "12:00"], ["13:00", "17:00"]]  # their hours
            assert len(calendars["cn-business"]["filled"]["2026"]["holidays"]) == 33
            assert policies["complaint"]["calendar"] == "cn-business"
            assert policies["installation"]["calendar"] == "hotline"  # an administrator's choice stays
            assert policies["repair-urban-minor"]["cutoff"] == "21:00"
            deadline = session.get(Deadline, 1)
            # Received Wednesday 30 September 10:00: 1-7 October off, Saturday 10 October worked.
            assert (deadline.due_at, deadline.calendar_confirmed) == (sh(2026, 10, 10, 10), True)
            assert session.scalar(text('SELECT received_at FROM "case" WHERE id = 1')) is not None
            callback = session.get(Callback, 1)
            assert (callback.due_start, callback.due_end) == (sh(2026, 10, 8, 9), sh(2026, 10, 8, 12))
        assert "database is up to date" in cli(app, "db", "upgrade")  # again: nothing moves twice
    finally:
        app.extensions["db"].dispose()
