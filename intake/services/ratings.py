"""Ratings from QR codes and the API: recording a score, the optional
details of step two, flagging repeat devices, and closing the loop on low
ratings. Services take a session and do not commit.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, Exists, bindparam, case, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from intake.models import Touchpoint
from intake.services.complaints import Complaint, Filed, file_complaint
from intake.services.touchpoints import active_token, plausible_token
from routing.errors import Conflict, NotFound, RoutingError
from routing.foundation.db import DriverStatement, write_on_driver
from routing.models import Rating, Staff, Unit
from routing.rules import access
from routing.services.alerts import low_rating_alert
from routing.vocabulary import CHANNELS

# RULES 4: attitude, skill, arrival time (timeliness), keeping promises.
DIMENSIONS = ("attitude", "skill", "timeliness", "promises")
SCORES = range(1, 6)


class RatingRejected(RoutingError):
    status = 400


class SelfRating(RatingRejected):
    """A staff member rating their own service: not allowed anywhere."""

    status = 403


class RatingClosed(Conflict):
    """Step two came too late: the rating stands as it was."""


def device_hash(device_token: str) -> str:
    """What is stored of the device cookie: its SHA-256, never the cookie."""
    return hashlib.sha256(device_token.encode()).hexdigest()


def _check_score(value: int | None, code: str, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise RatingRejected(code, _l("A score must be a whole number from 1 to 5."))
    return value


def _clean_comment(comment: str | None, config: Mapping) -> str | None:
    text = (comment or "").strip()
    limit = int(config.get("COMMENT_MAX_LENGTH", 1000))
    if len(text) > limit:
        # Refused, not cut short: the customer must know what we kept.
        raise RatingRejected("comment_too_long", _l(
            "Your comment has %(length)s characters; please shorten it to %(max)s.", length=len(text), max=limit))
    return text or None


def _dimensions(values: Mapping[str, int | None]) -> dict[str, int | None]:
    return {name: _check_score(values.get(name), f"invalid_{name}") for name in DIMENSIONS}


REPEAT_DEVICE = "repeat_device"
SELF_RATING = "self_rating"
_RATING = Rating.__table__.c
_TOUCHPOINT = Touchpoint.__table__.c


def _seen(touchpoint_id) -> Exists:
    """Has the device rated the touchpoint since then? (See _seen_params.)"""
    return select(_RATING.id).where(
        _RATING.touchpoint_id == touchpoint_id,
        _RATING.device_hash == bindparam("device", type_=_RATING.device_hash.type),
        _RATING.created_at > bindparam("since", type_=_RATING.created_at.type),
    ).exists()


def _seen_params(device: str | None, now: datetime, config: Mapping) -> dict:
    """One rating per device per touchpoint per RATING_INTERVAL_MINUTES."""
    since = now - timedelta(minutes=int(config.get("RATING_INTERVAL_MINUTES", 30)))
    return {"device": device, "since": since}


# Built once, with bind parameters: the QR page runs them on every tap.
_SEEN_QUERY = select(_seen(bindparam("touchpoint")))

# A tap in one statement: the touchpoint found by its token, the repeat-device
# flag and the new row. SQLite's write lock is held for this statement and
# the commit, and two taps racing from one device cannot both miss each other.
_INSERT_TAP = DriverStatement(insert(Rating.__table__).from_select(
    ("channel", "unit_id", "staff_id", "touchpoint_id", "score", "locale", "device_hash", "created_at",
     "suspect", "suspect_reason"),
    select(
        literal("qr", _RATING.channel.type), _TOUCHPOINT.unit_id, _TOUCHPOINT.staff_id, _TOUCHPOINT.id,
        bindparam("score", type_=_RATING.score.type), bindparam("locale", type_=_RATING.locale.type),
        bindparam("device", type_=_RATING.device_hash.type), bindparam("now", type_=_RATING.created_at.type),
        _seen(_TOUCHPOINT.id), case((_seen(_TOUCHPOINT.id), REPEAT_DEVICE)),
    ).where(active_token(bindparam("token"))),
).returning(_RATING.id))


def _repeat_device(session: Session, touchpoint_id: int, device: str, now: datetime, config: Mapping) -> bool:
    return bool(session.scalar(_SEEN_QUERY, {"touchpoint": touchpoint_id, **_seen_params(device, now, config)}))


def record_tap(engine: Engine, token: str, *, score: int, device_hash: str, locale: str | None,
               now: datetime, config: Mapping) -> int | None:
    """Step one of a QR rating: a tap's score for the touchpoint whose code
    was scanned, under the rules of record_rating, in a single INSERT that
    is its own transaction, committed here: no lookup before it, no ORM
    unit of work (the rating page's hot path). Returns the new rating's id,
    or None when the token is no active touchpoint's."""
    _check_score(score, "invalid_score", required=True)
    if not plausible_token(token):
        return None
    row = write_on_driver(engine, _INSERT_TAP, {
        "token": token, "score": score, "locale": locale, "now": now, **_seen_params(device_hash, now, config),
    })
    return row[0] if row else None


def alert_if_low(session: Session, unit_id: int, score: int, now: datetime, config: Mapping) -> None:
    """A low rating may complete a burst: the supervisor hears of it (routing.services.alerts)."""
    threshold = config.get("LOW_RATING_THRESHOLD", 2)
    if score <= threshold:
        low_rating_alert(session, unit_id, now, count=config.get("LOW_RATING_ALERT_COUNT", 3),
                         within=timedelta(minutes=config.get("LOW_RATING_ALERT_MINUTES", 60)), threshold=threshold)


def record_rating(
    session: Session,
    *,
    unit: Unit,
    staff: Staff | None,
    touchpoint: Touchpoint | None,
    channel: str,
    score: int,
    attitude: int | None = None,
    skill: int | None = None,
    timeliness: int | None = None,
    promises: int | None = None,
    comment: str | None = None,
    locale: str | None = None,
    device_hash: str | None = None,
    external_id: str | None = None,
    now: datetime,
    config: Mapping,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    contact_email: str | None = None,
    recorded_by: Staff | None = None,
) -> Rating:
    """Record a rating. Staff never rate themselves (`recorded_by`: who posts
    it, such as an API token's staff member). A second rating from the same device at the same
    touchpoint within RATING_INTERVAL_MINUTES is kept and flagged suspect.
    A retried `external_id` returns the rating recorded the first time.
    A low rating with contact details opens (or joins) a case."""
    if external_id:
        existing = session.scalars(select(Rating).where(Rating.external_id == external_id)).first()
        if existing is not None:
            return existing
    if channel not in CHANNELS:
        raise RatingRejected("invalid_channel", _l("Unknown channel."))
    if not access.may_rate(recorded_by.id if recorded_by else None, staff.id if staff else None):
        raise SelfRating(SELF_RATING, _l("Staff cannot rate their own service."))
    _check_score(score, "invalid_score", required=True)
    rating = Rating(
        channel=channel, unit_id=unit.id, staff_id=staff.id if staff else None,
        touchpoint_id=touchpoint.id if touchpoint else None, score=score,
        comment=_clean_comment(comment, config), locale=locale, device_hash=device_hash,
        external_id=external_id or None, created_at=now, suspect=False,
        **_dimensions({"attitude": attitude, "skill": skill, "timeliness": timeliness, "promises": promises}),
    )
    if touchpoint is not None and device_hash and _repeat_device(session, touchpoint.id, device_hash, now, config):
        rating.suspect, rating.suspect_reason = True, REPEAT_DEVICE
    if external_id:
        # Two retries racing: the second insert loses and returns the first.
        try:
            with session.begin_nested():
                session.add(rating)
        except IntegrityError:
            return session.scalars(select(Rating).where(Rating.external_id == external_id)).one()
    else:
        session.add(rating)
        session.flush()
    alert_if_low(session, unit.id, score, now, config)
    if contact_phone or contact_email:
        close_the_loop(session, rating, name=contact_name, phone=contact_phone, email=contact_email,
                       now=now, config=config)
    return rating


def rating_for_device(session: Session, rating_id: int, device: str | None, *, now: datetime,
                      config: Mapping) -> Rating:
    """The rating step two may change: the same device, within
    RATING_EDIT_MINUTES. Someone else's rating is "not found", not
    "forbidden": its existence is nobody else's business."""
    rating = session.get(Rating, rating_id)
    if rating is None or not device or rating.device_hash != device:
        raise NotFound("rating_not_found", _l("This rating was not found."))
    if now - rating.created_at > timedelta(minutes=int(config.get("RATING_EDIT_MINUTES", 30))):
        raise RatingClosed("rating_closed", _l("The time for adding to this rating has passed."))
    return rating


def add_details(
    session: Session,
    rating: Rating,
    *,
    now: datetime,
    config: Mapping,
    comment: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    contact_email: str | None = None,
    **dimensions: int | None,
) -> Filed | None:
    """Step two: the four dimensions and a comment on the same rating (get it
    with rating_for_device first). Returns the case when contact details
    given with a low rating opened or joined one."""
    unknown = set(dimensions) - set(DIMENSIONS)
    if unknown:
        raise TypeError(f"unknown dimensions: {', '.join(sorted(unknown))}")
    values = _dimensions(dimensions)
    comment = _clean_comment(comment, config)
    for name, value in values.items():
        setattr(rating, name, value)
    rating.comment = comment
    if contact_phone or contact_email:
        return close_the_loop(session, rating, name=contact_name, phone=contact_phone, email=contact_email,
                              now=now, config=config)
    return None


def is_low(rating: Rating, config: Mapping) -> bool:
    return rating.score <= int(config.get("LOW_RATING_THRESHOLD", 2))


def close_the_loop(session: Session, rating: Rating, *, name: str | None, phone: str | None,
                   email: str | None, now: datetime, config: Mapping) -> Filed | None:
    """A low rating with a way to reach the customer becomes a case, so that
    someone calls back; a rating already linked to a case is left alone."""
    if not is_low(rating, config) or rating.case_id is not None:
        return None
    description = rating.comment or gettext(
        "Rated %(score)s of 5 by QR code and asked to be contacted.", score=rating.score)
    return file_complaint(session, Complaint(
        description=description, channel="qr", kind="complaint", category="other",
        unit_id=rating.unit_id, touchpoint_id=rating.touchpoint_id, name=name, phone=phone, email=email,
        consent=True, locale=rating.locale or config.get("BABEL_DEFAULT_LOCALE", "zh_Hans_CN"),
    ), now=now, config=config, rating=rating)


def low_ratings(session: Session, unit_ids: Sequence[int] | None, since: datetime, *,
                threshold: int = 2, limit: int = 500) -> list[Rating]:
    """Low ratings of these units (None: every unit) since a time, newest
    first: the supervisor's list, with or without a case attached."""
    query = (select(Rating).where(Rating.score <= threshold, Rating.created_at >= since)
             .options(selectinload(Rating.unit), selectinload(Rating.staff)))
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(list(unit_ids)))
    return list(session.scalars(query.order_by(Rating.created_at.desc(), Rating.id.desc()).limit(limit)))
