"""SMS satisfaction surveys: a service happened, the customer is asked
"reply 1-5" after a delay, and the answer becomes a rating of that service's
unit and staff member. Services take a session and do not commit."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.i18n import normalize_locale
from intake.models import Survey
from intake.phone import normalize_phone
from routing.models import Contact, Rating, ServiceEvent, Staff, Unit
from routing.services.customer_messages import message_phone
from routing.services.outbox import contact_for

# Surveys expired per tick: the job stays short and several workers share it.
EXPIRE_BATCH = 500


def record_service_event(
    session: Session,
    *,
    external_id: str,
    unit: Unit,
    staff: Staff | None,
    customer_phone: str | None,
    occurred_at: datetime,
    locale: str | None,
    service_type: str | None,
    now: datetime,
    config,
) -> tuple[ServiceEvent, bool]:
    """Record a service and queue its survey. Returns (event, created); an
    integrator's retry of the same `external_id` returns the first event and
    records nothing. Raises intake.phone.InvalidPhone before writing anything."""
    phone = normalize_phone(customer_phone, config["DEFAULT_REGION"]) if customer_phone else None
    existing = _event_by_external_id(session, external_id)
    if existing is not None:
        return existing, False
    event = ServiceEvent(
        external_id=external_id, unit_id=unit.id, staff_id=staff.id if staff else None,
        customer_phone=phone, locale=normalize_locale(locale), service_type=service_type,
        occurred_at=occurred_at, created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        # Another request inserted the same external_id after our lookup.
        return _event_by_external_id(session, external_id), False
    if phone:
        _survey(session, event, unit, phone, now, config)
    return event, True


def _event_by_external_id(session: Session, external_id: str) -> ServiceEvent | None:
    return session.scalars(select(ServiceEvent).where(ServiceEvent.external_id == external_id)).first()


def _survey(session: Session, event: ServiceEvent, unit: Unit, phone: str, now: datetime, config) -> Survey | None:
    """Queue the survey unless the customer opted out or was asked recently."""
    contact = locked_contact(session, phone)
    if event.locale:
        contact.locale = event.locale  # what the integrator knows beats a guess
    throttle = timedelta(days=config["SURVEY_THROTTLE_DAYS"])
    if contact.opted_out_at or (contact.last_surveyed_at and now - contact.last_surveyed_at < throttle):
        return None
    delay = timedelta(minutes=config["SURVEY_DELAY_MINUTES"])
    survey = Survey(service_event_id=event.id, phone=phone, status="open", sent_at=now + delay,
                    expires_at=now + delay + timedelta(hours=config["SURVEY_EXPIRY_HOURS"]))
    session.add(survey)
    contact.last_surveyed_at = now
    message_phone(session, phone, "survey", {"unit": unit.name}, contact.locale or config["BABEL_DEFAULT_LOCALE"],
                  now, purpose="survey", delay=delay, dedupe_key=f"survey:{event.id}")
    return survey


def locked_contact(session: Session, phone: str) -> Contact:
    """The phone number's contact, created when new, and locked on PostgreSQL
    so that two requests about one number (a survey and a STOP, two service
    events) take their turns instead of both deciding on stale data."""
    try:
        with session.begin_nested():
            contact = contact_for(session, phone)
    except IntegrityError:  # created by a concurrent request
        contact = contact_for(session, phone, create=False)
    return session.scalars(
        select(Contact).where(Contact.id == contact.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def answer_survey(session: Session, phone: str, score: int, now: datetime) -> Rating | None:
    """The answer to the newest open survey sent to `phone` (E.164): a rating
    of the service's unit and staff member. None when no survey is waiting."""
    survey = session.scalars(
        select(Survey)
        .where(Survey.phone == phone, Survey.status == "open",
               Survey.sent_at <= now, Survey.expires_at > now)
        .order_by(Survey.sent_at.desc(), Survey.id.desc())
        .limit(1)
        .with_for_update()  # two quick replies answer it once
    ).first()
    if survey is None:
        return None
    event = survey.service_event
    rating = Rating(channel="sms", unit_id=event.unit_id, staff_id=event.staff_id, score=score,
                    locale=event.locale, created_at=now)
    session.add(rating)
    session.flush()
    survey.status, survey.answered_at, survey.rating_id = "answered", now, rating.id
    return rating


def recent_survey_unit_id(session: Session, phone: str, now: datetime) -> int | None:
    """The unit of the service the customer was last asked about, while that
    survey runs: a complaint texted in reply to it concerns that unit."""
    return session.scalars(
        select(ServiceEvent.unit_id)
        .join(Survey, Survey.service_event_id == ServiceEvent.id)
        .where(Survey.phone == phone, Survey.sent_at <= now, Survey.expires_at > now)
        .order_by(Survey.sent_at.desc(), Survey.id.desc())
        .limit(1)
    ).first()


def expire_surveys(session: Session, now: datetime) -> dict:
    """Tick job: close unanswered surveys whose time is up, a bounded batch
    per sweep. Idempotent, so several workers may run it at once."""
    due = list(session.scalars(
        select(Survey.id)
        .where(Survey.expires_at <= now, Survey.status == "open")
        .order_by(Survey.expires_at)
        .limit(EXPIRE_BATCH)
    ))
    if not due:
        return {"expired": 0}
    result = session.execute(
        update(Survey).where(Survey.id.in_(due), Survey.status == "open").values(status="expired")
    )
    return {"expired": result.rowcount}


def survey_ratings(session: Session, phone: str, limit: int = 20) -> list[Rating]:
    """The ratings a customer gave by answering SMS surveys, newest first:
    the case page lists them with the ratings of their cases (routing asks
    through app.extensions["customer_ratings"], knowing no surveys)."""
    return list(session.scalars(
        select(Rating).join(Survey, Survey.rating_id == Rating.id).where(Survey.phone == phone)
        .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(limit)))
