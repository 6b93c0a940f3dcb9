"""Counter evaluators (评价器) as devices: their heartbeats, the stretches of
uptime the heartbeats add up to, and the supervisor told once when one
falls silent during working time. Services take a session and do not commit.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from routing.models import CounterDevice, DeviceUptime, Unit
from routing.rules import access
from routing.rules.calendar import Calendar, next_working_moment, working_time_between
from routing.services.alerts import nearest_supervisors
from routing.services.notify import notify
from routing.services.policies import OFFICIAL_CALENDAR, calendar_named

DEFAULT_HEARTBEAT_SECONDS = 60
DEFAULT_SILENT_MINUTES = 10


def heartbeat_grace(config: Mapping) -> timedelta:
    """How long between two heartbeats still counts as "on": two missed
    heartbeats and a little more (a slow network is not a dead device)."""
    return timedelta(seconds=2.5 * int(config.get("KIOSK_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)))


def device_calendar(session: Session, config: Mapping) -> Calendar:
    """The working time in which a device must be on (KIOSK_CALENDAR)."""
    return calendar_named(session, config.get("KIOSK_CALENDAR") or OFFICIAL_CALENDAR)


def record_heartbeat(session: Session, device: CounterDevice, now: datetime, config: Mapping) -> DeviceUptime:
    """The device is on: its current stretch of uptime grows to `now`, or a
    new one begins after a gap. Two heartbeats racing may open two
    overlapping stretches; uptime merges overlaps, so nothing counts twice."""
    current = session.scalars(select(DeviceUptime).where(DeviceUptime.device_id == device.id)
                              .order_by(DeviceUptime.last_seen_at.desc(), DeviceUptime.id.desc()).limit(1)).first()
    if current is not None and current.last_seen_at <= now and now - current.last_seen_at <= heartbeat_grace(config):
        current.last_seen_at = now
    elif current is not None and current.last_seen_at > now:
        pass  # a late, out-of-order heartbeat: already covered
    else:
        current = DeviceUptime(device_id=device.id, started_at=now, last_seen_at=now)
        session.add(current)
    if device.last_heartbeat_at is None or device.last_heartbeat_at < now:
        device.last_heartbeat_at = now
    device.silent_alerted_at = None
    session.flush()
    return current


def uptime_stretches(session: Session, device_ids, start: datetime, end: datetime) -> dict[int, list]:
    """device id -> [(started_at, last_seen_at)] of the stretches that touch [start, end)."""
    found: dict[int, list] = {device_id: [] for device_id in device_ids}
    if not found:
        return found
    rows = session.execute(select(DeviceUptime.device_id, DeviceUptime.started_at, DeviceUptime.last_seen_at).where(
        DeviceUptime.device_id.in_(list(found)), DeviceUptime.started_at < end, DeviceUptime.last_seen_at > start))
    for device_id, started_at, last_seen_at in rows:
        found[device_id].append((started_at, last_seen_at))
    return found


def silent_since(device: CounterDevice) -> datetime:
    return device.last_heartbeat_at or device.enabled_at


def silent_devices_tick(session: Session, now: datetime, config: Mapping) -> dict:
    """The tick job: each device in kiosk mode whose last heartbeat is older
    than KIOSK_SILENT_MINUTES of working time tells its unit's supervisor,
    once (until a heartbeat comes again), not on every tick."""
    cal = device_calendar(session, config)
    silent_for = timedelta(minutes=int(config.get("KIOSK_SILENT_MINUTES", DEFAULT_SILENT_MINUTES)))
    alerted = 0
    candidates = session.scalars(select(CounterDevice).where(
        CounterDevice.disabled_at.is_(None), CounterDevice.silent_alerted_at.is_(None))).all()
    for device in candidates:
        since = silent_since(device)
        # Working time only: a tablet switched off overnight is not silent.
        if next_working_moment(cal, now) != now or working_time_between(cal, since, now) < silent_for:
            continue
        # The claim: of two ticks at the same moment only one updates the row.
        claimed = session.execute(update(CounterDevice).where(
            CounterDevice.id == device.id, CounterDevice.silent_alerted_at.is_(None))
            .values(silent_alerted_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        device.silent_alerted_at = now
        unit = session.get(Unit, device.unit_id)
        for supervisor in nearest_supervisors(session, unit):
            if access.at_least(supervisor.role, "supervisor"):
                notify(session, supervisor, "device_silent", now, send=True, purpose="alert",
                       dedupe_key=f"device_silent:{device.id}:{since.isoformat()}:{supervisor.id}",
                       data={"unit": unit.name, "unit_id": unit.id, "device_id": device.id, "label": device.label,
                             "minutes": int(working_time_between(cal, since, now).total_seconds() // 60)})
        alerted += 1
    return {"alerted": alerted}
