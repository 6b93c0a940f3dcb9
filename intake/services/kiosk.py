"""The counter evaluator (评价器): a touchpoint in kiosk mode, the counter
system's prompt to rate one transaction (办件编号), and the rating the
customer taps for it, once per transaction (一次一评). The per-device
interval of QR ratings does not apply: a counter tablet is one device for
every customer, and its abuse check is one rating per transaction.
Services take a session and do not commit.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.models import CounterPrompt, Touchpoint
from intake.services.ratings import SCORES, RatingRejected, alert_if_low
from intake.services.touchpoints import new_token, plausible_token
from intake.sms.surveys import record_service_event
from routing.errors import Conflict, NotFound, RoutingError
from routing.models import CounterDevice, Rating, ServiceEvent, Staff
from routing.services.devices import record_heartbeat

TAP_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
ID_MAX = 2**31 - 1  # the largest id an integer column holds


class AlreadyRated(Conflict):
    """The transaction has its rating: a second tap records nothing."""


# --- kiosk mode ---------------------------------------------------------------

def device_of(session: Session, touchpoint: Touchpoint) -> CounterDevice | None:
    return session.scalars(select(CounterDevice).where(CounterDevice.touchpoint_id == touchpoint.id)).first()


def enable_kiosk(session: Session, touchpoint: Touchpoint, now: datetime) -> CounterDevice:
    """Switch the touchpoint to kiosk mode, with a new secret for the kiosk
    page's address (switching again replaces it: the old address stops
    working, as when a tablet is lost)."""
    if not touchpoint.active:
        raise Conflict("touchpoint_revoked", _l("A revoked touchpoint cannot be a counter evaluator."))
    device = device_of(session, touchpoint)
    if device is None:
        device = CounterDevice(touchpoint_id=touchpoint.id, unit_id=touchpoint.unit_id, staff_id=touchpoint.staff_id,
                               label=touchpoint.label, secret=new_token(), enabled_at=now)
        session.add(device)
    else:
        device.secret = new_token()
        if device.disabled_at is not None:
            # A fresh start: the time it was switched off is not time it should have been on.
            device.enabled_at, device.disabled_at = now, None
            device.last_heartbeat_at = device.silent_alerted_at = None
    session.flush()
    return device


def disable_kiosk(session: Session, touchpoint: Touchpoint, now: datetime) -> CounterDevice | None:
    device = device_of(session, touchpoint)
    if device is not None and device.disabled_at is None:
        device.disabled_at = now
        device.secret = new_token()  # the tablet's address stops working
        session.flush()
    return device


def kiosk_by_secret(session: Session, secret: str | None) -> tuple[CounterDevice, Touchpoint] | None:
    """The device in kiosk mode this address belongs to, and its touchpoint."""
    if not plausible_token(secret):
        return None
    device = session.scalars(select(CounterDevice).where(
        CounterDevice.secret == secret, CounterDevice.disabled_at.is_(None))).first()
    if device is None:
        return None
    touchpoint = session.get(Touchpoint, device.touchpoint_id)
    if touchpoint is None or not touchpoint.active:
        return None
    return device, touchpoint


def active_device(session: Session, touchpoint: Touchpoint) -> CounterDevice:
    device = device_of(session, touchpoint)
    if device is None or device.disabled_at is not None or not touchpoint.active:
        raise Conflict("not_a_kiosk", _l("This touchpoint is not in kiosk mode: an administrator switches it on."))
    return device


def heartbeat(session: Session, touchpoint: Touchpoint, now: datetime, config: Mapping) -> CounterDevice:
    device = active_device(session, touchpoint)
    record_heartbeat(session, device, now, config)
    return device


# --- prompts: one transaction to rate -----------------------------------------

def prompt_rating(session: Session, touchpoint: Touchpoint, transaction_no: str, staff: Staff | None, *,
                  now: datetime, config: Mapping) -> tuple[CounterPrompt, bool]:
    """The counter system asks the evaluator to rate this transaction. The
    transaction is recorded as a service event (its number the event's
    external id, so a service event posted for it before is the same one).
    Returns (prompt, created); prompting the same transaction again at the
    same counter returns the first prompt."""
    active_device(session, touchpoint)
    transaction_no = (transaction_no or "").strip()
    if not transaction_no:
        raise RoutingError("transaction_required", _l("Give the transaction number."))
    staff = staff or touchpoint.staff
    if staff is not None and not staff.active:
        raise Conflict("staff_inactive", _l("The staff member's account is inactive."))
    event, _created = record_service_event(
        session, external_id=transaction_no, unit=touchpoint.unit, staff=staff, customer_phone=None,
        occurred_at=now, locale=None, service_type="counter", now=now, config=config)
    if event.unit_id != touchpoint.unit_id:
        raise Conflict("transaction_elsewhere", _l("This transaction number belongs to another unit."))
    existing = _prompt_for(session, event)
    if existing is not None:
        if existing.touchpoint_id != touchpoint.id:
            raise Conflict("transaction_elsewhere", _l("This transaction was sent to another counter evaluator."))
        return existing, False
    prompt = CounterPrompt(touchpoint_id=touchpoint.id, service_event_id=event.id, transaction_no=transaction_no,
                           staff_id=staff.id if staff else None, created_at=now)
    try:
        with session.begin_nested():
            session.add(prompt)
    except IntegrityError:  # the same transaction prompted twice at once
        return _prompt_for(session, event), False
    return prompt, True


def _prompt_for(session: Session, event: ServiceEvent) -> CounterPrompt | None:
    return session.scalars(select(CounterPrompt).where(CounterPrompt.service_event_id == event.id)).first()


def pending_prompt(session: Session, touchpoint: Touchpoint, now: datetime, config: Mapping) -> CounterPrompt | None:
    """What the kiosk shows: the newest prompt not yet rated, for
    KIOSK_PROMPT_MINUTES (a customer who walked away leaves it unrated)."""
    since = now - timedelta(minutes=int(config["KIOSK_PROMPT_MINUTES"]))
    return session.scalars(select(CounterPrompt).where(
        CounterPrompt.touchpoint_id == touchpoint.id, CounterPrompt.created_at > since,
        CounterPrompt.created_at <= now, CounterPrompt.rating_id.is_(None))
        .order_by(CounterPrompt.created_at.desc(), CounterPrompt.id.desc()).limit(1)).first()


# --- the tap --------------------------------------------------------------------

def _external_id(touchpoint: Touchpoint, tap_id: str) -> str:
    return f"kiosk:{touchpoint.id}:{tap_id}"


def record_kiosk_rating(session: Session, touchpoint: Touchpoint, *, tap_id: str, prompt_id: int, score: int,
                        locale: str | None, now: datetime, config: Mapping,
                        tapped_at: datetime | None = None) -> tuple[Rating, bool]:
    """A customer's tap on the evaluator, for the transaction it was
    prompted with. `tap_id` is the kiosk's own id of the tap: a tap sent
    again (the network dropped before the answer came) returns the rating
    recorded the first time, (rating, False). A second rating of the same
    transaction is refused (AlreadyRated); the database's unique key on the
    rating's transaction holds even when two taps race. `tapped_at`, the
    tablet's time of the tap, dates a tap that waited out a network drop,
    kept between the prompt and now (the tablet's clock may be wrong)."""
    if not isinstance(tap_id, str) or not TAP_ID.fullmatch(tap_id):
        raise RoutingError("invalid_tap_id", _l("A tap needs its own id: 8 to 64 letters, digits, - or _."))
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise RatingRejected("invalid_score", _l("A score must be a whole number from 1 to 5."))
    if isinstance(prompt_id, bool) or not isinstance(prompt_id, int) or not 0 < prompt_id <= ID_MAX:
        raise RoutingError("invalid_prompt", _l("A tap names the transaction it rates by the prompt's id."))
    active_device(session, touchpoint)
    external_id = _external_id(touchpoint, tap_id)
    first = _by_external_id(session, external_id)
    if first is not None:
        return first, False
    prompt = session.get(CounterPrompt, prompt_id)
    if prompt is None or prompt.touchpoint_id != touchpoint.id:
        raise NotFound("prompt_not_found", _l("There is no such transaction to rate at this counter."))
    if prompt.rating_id is not None:
        raise AlreadyRated("already_rated", _l("This transaction has been rated already."))
    at = now if tapped_at is None else min(now, max(prompt.created_at, tapped_at))
    rating = Rating(channel="kiosk", unit_id=touchpoint.unit_id, staff_id=prompt.staff_id,
                    touchpoint_id=touchpoint.id, service_event_id=prompt.service_event_id, score=score,
                    locale=locale, external_id=external_id, created_at=at, suspect=False)
    try:
        with session.begin_nested():
            session.add(rating)
    except IntegrityError:
        # Lost a race: the same tap (its id) or another tap of this transaction.
        first = _by_external_id(session, external_id)
        if first is not None:
            return first, False
        raise AlreadyRated("already_rated", _l("This transaction has been rated already.")) from None
    prompt.rating_id = rating.id
    alert_if_low(session, touchpoint.unit_id, score, now, config)
    session.flush()
    return rating, True


def _by_external_id(session: Session, external_id: str) -> Rating | None:
    return session.scalars(select(Rating).where(Rating.external_id == external_id)).first()
