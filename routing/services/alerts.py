"""Threshold alerts: a burst of low ratings at one counter (by default three
within an hour) tells the nearest supervisor at once, in the app and by SMS
or e-mail through the outbox, once per unit and hour."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.models import Notification, Rating, Staff, Unit
from routing.rules import access
from routing.services.notify import notify

DEFAULT_COUNT, DEFAULT_WITHIN, DEFAULT_THRESHOLD = 3, timedelta(hours=1), 2


def nearest_supervisors(session: Session, unit: Unit) -> list[Staff]:
    """The active supervisors (or, failing them, managers) of the unit or
    the nearest unit above it that has some."""
    for role in ("supervisor", "manager"):
        for ancestor in unit.chain():
            found = list(session.scalars(select(Staff).where(
                Staff.unit_id == ancestor.id, Staff.role == role, Staff.active.is_(True)).order_by(Staff.id)))
            if found:
                return found
    return []


def low_rating_alert(session: Session, unit_id: int, now: datetime, *, count: int = DEFAULT_COUNT,
                     within: timedelta = DEFAULT_WITHIN, threshold: int = DEFAULT_THRESHOLD) -> list[Notification]:
    """After a low rating at `unit_id`: when `count` low ratings (suspected
    ballot stuffing left out) came within `within`, notify its supervisors."""
    low = session.scalar(select(func.count()).select_from(Rating).where(
        Rating.unit_id == unit_id, Rating.score <= threshold, Rating.suspect.is_(False),
        Rating.created_at > now - within, Rating.created_at <= now)) or 0
    if low < count:
        return []
    unit = session.get(Unit, unit_id)
    hour = now.strftime("%Y%m%d%H")  # the dedupe key: one alert per unit and hour
    notices = []
    for supervisor in nearest_supervisors(session, unit):
        if not access.at_least(supervisor.role, "supervisor"):
            continue
        key = f"low_ratings:{unit_id}:{hour}:{supervisor.id}"
        if session.scalar(select(Notification.id).where(
                Notification.staff_id == supervisor.id, Notification.kind == "low_ratings",
                Notification.created_at > now - within,
                Notification.data["unit_id"].as_integer() == unit_id)) is not None:
            continue
        notices.append(notify(session, supervisor, "low_ratings", now, send=True, purpose="alert", dedupe_key=key,
                              data={"unit": unit.name, "unit_id": unit_id, "count": low,
                                    "minutes": int(within.total_seconds() // 60)}))
    return notices
