"""The counter evaluator's health: its heartbeats add up to uptime, and a
device silent for KIOSK_SILENT_MINUTES of working time tells its unit's
supervisor once, not on every tick; overnight it is allowed to sleep."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from intake.shell.jobs import sweep
from routing.models import CounterDevice, DeviceUptime, Notification, OutboundMessage
from routing.services.devices import record_heartbeat
from routing.services.policies import ensure_presets
from scoring.services.coverage import device_on_rates
from support.kiosk import counter_evaluator
from support.notices import text_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def kiosk(make, session, clock, bank):
    ensure_presets(session, clock.now())  # the official working calendar (cn-business)
    bank.supervisor_a.phone = "+8613900000009"
    session.commit()
    return counter_evaluator(make, session, clock, bank)  # switched on Monday 2026-11-02 09:00


def alerts(session, bank) -> list[Notification]:
    session.rollback()
    return list(session.scalars(select(Notification).where(
        Notification.staff_id == bank.supervisor_a.id, Notification.kind == "device_silent")))


def test_the_device_firmware_reports_a_heartbeat_through_the_api(api_as, session, clock, kiosk, bank):
    touchpoint, _device = kiosk
    firmware = api_as(bank.handler_a)
    response = firmware.post(f"/touchpoints/{touchpoint.id}/heartbeat")
    assert response.status_code == 200
    assert response.get_json()["last_heartbeat_at"] == "2026-11-02T01:00:00Z"
    other_outlet = api_as(bank.handler_b)
    assert other_outlet.post(f"/touchpoints/{touchpoint.id}/heartbeat").status_code == 404


def test_heartbeats_a_minute_apart_are_one_stretch_and_a_gap_opens_another(app, session, clock, kiosk):
    _touchpoint, device = kiosk
    for minute in range(31):  # 09:00-09:30, then nothing until 10:00
        record_heartbeat(session, device, at("2026-11-02 09:00") + timedelta(minutes=minute), app.config)
    for minute in range(121):  # 10:00-12:00
        record_heartbeat(session, device, at("2026-11-02 10:00") + timedelta(minutes=minute), app.config)
    session.commit()
    stretches = session.execute(select(DeviceUptime.started_at, DeviceUptime.last_seen_at)
                                .order_by(DeviceUptime.started_at)).all()
    assert [(a.astimezone(SHANGHAI).strftime("%H:%M"), b.astimezone(SHANGHAI).strftime("%H:%M"))
            for a, b in stretches] == [("09:00", "09:30"), ("10:00", "12:00")]
    rates = device_on_rates(session, at("2026-11-02 09:00"), at("2026-11-02 12:00"), app.config)
    # 31 + 120 minutes of 180 (the last heartbeat of each stretch vouches for a minute more).
    assert rates == {device.staff_id: Decimal("0.8388")}


def test_a_silent_device_alerts_its_supervisor_once(app, api_as, session, clock, kiosk, bank):
    touchpoint, device = kiosk
    firmware = api_as(bank.handler_a)
    assert firmware.post(f"/touchpoints/{touchpoint.id}/heartbeat").status_code == 200  # 09:00
    clock.advance(minutes=9)
    sweep(app)
    assert alerts(session, bank) == []  # nine minutes: not yet
    clock.advance(minutes=2)
    sweep(app)
    (alert,) = alerts(session, bank)
    assert alert.data["label"] == "Counter 1 evaluator" and alert.data["minutes"] == 11
    for _ in range(5):  # the next ticks: still one alert
        clock.advance(minutes=1)
        sweep(app)
    assert len(alerts(session, bank)) == 1
    sms = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "alert")).all()
    assert [message.to for message in sms] == ["+8613900000009"]
    assert "Counter 1 evaluator" in text_of(app, sms[0])

    # It comes back, and falls silent again: a new alert.
    assert firmware.post(f"/touchpoints/{touchpoint.id}/heartbeat").status_code == 200
    session.rollback()
    assert session.get(CounterDevice, device.id).silent_alerted_at is None
    clock.advance(minutes=15)
    sweep(app)
    assert len(alerts(session, bank)) == 2


def test_a_device_switched_off_at_closing_time_is_not_silent_overnight(app, api_as, session, clock, kiosk, bank):
    touchpoint, _device = kiosk
    firmware = api_as(bank.handler_a)
    clock.set(at("2026-11-02 17:25"))
    assert firmware.post(f"/touchpoints/{touchpoint.id}/heartbeat").status_code == 200
    for evening in ("2026-11-02 17:40", "2026-11-02 22:00", "2026-11-03 03:00", "2026-11-03 09:03"):
        clock.set(at(evening))
        sweep(app)
    assert alerts(session, bank) == []  # 5 minutes before closing and 3 after opening: 8 of working time
    clock.set(at("2026-11-03 09:06"))
    sweep(app)
    assert len(alerts(session, bank)) == 1


def test_a_device_switched_out_of_kiosk_mode_is_not_watched(app, session, clock, kiosk, bank):
    touchpoint, _device = kiosk
    from_admin = app.test_client()
    with from_admin.session_transaction() as browser_session:
        browser_session["_user_id"] = bank.admin.get_id()
        browser_session["_fresh"] = True
    session.commit()
    assert from_admin.post(f"/admin/touchpoints/{touchpoint.id}/kiosk/off").status_code == 302
    clock.advance(hours=2)
    sweep(app)
    assert alerts(session, bank) == []
