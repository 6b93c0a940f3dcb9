"""Ratings: posted by counter devices and other systems, read by
supervisors and scoring tools (scoring data is confidential, RULES 7)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from intake.api.operations import operation
from intake.api.paging import Page, Paged, page
from intake.api.problems import unusable_fields
from intake.api.schemas import (
    Answer,
    Body,
    Given,
    Id,
    Locale,
    LongestFrom,
    StaffRef,
    Text,
    Timestamp,
    UnitFilter,
    UnitRef,
    Whole,
    choice,
)
from intake.api.scope import api_staff, find_staff, find_unit, get_visible, require_scope, unit_filter, within_scope
from intake.models import Touchpoint
from intake.services.ratings import DIMENSIONS, record_rating
from routing.models import Rating as RatingRecord
from routing.vocabulary import CHANNELS
from routing.web.glue import db_session, now

Score = Whole(1, 5)
DIMENSION = Field(description="RULES 4: one of the four dimensions.")


class Rating(Answer):
    """A customer's score of a service, 1 (very dissatisfied) to 5 (very satisfied); suspect ratings
    (the same device again within the interval) are kept and flagged."""

    id: int
    channel: choice(CHANNELS)
    unit_id: int
    staff_id: int | None
    touchpoint_id: int | None
    case_id: int | None
    score: Score
    attitude: Score | None
    skill: Score | None
    timeliness: Score | None
    promises: Score | None
    comment: str | None
    locale: str | None
    suspect: bool
    suspect_reason: str | None
    external_id: str | None
    created_at: datetime


class NewRating(Body):
    """A rating; either unit or touchpoint is required."""

    score: Score
    unit: Annotated[UnitRef | None, Field(
        description="The unit rated, by id or code; the touchpoint's unit if not given.")] = None
    staff: Annotated[StaffRef | None, Field(
        description="The staff member rated, by id or username; the touchpoint's if not given.")] = None
    touchpoint: Annotated[Id | None, Field(description="The touchpoint's id, when the rating came from one.")] = None
    attitude: Annotated[Score | None, DIMENSION] = None
    skill: Annotated[Score | None, DIMENSION] = None
    timeliness: Annotated[Score | None, DIMENSION] = None
    promises: Annotated[Score | None, DIMENSION] = None
    comment: Annotated[Annotated[Text(10_000), LongestFrom("COMMENT_MAX_LENGTH")] | None, Field(
        description="At most COMMENT_MAX_LENGTH characters.")] = None
    locale: Locale | None = None
    external_id: Annotated[Text(120) | None, Field(
        description="Your id of this rating; a retry records nothing twice.")] = None

    rules = (Given(("unit", "touchpoint"), _l("required unless a touchpoint is given")),)


class RatingFilter(Paged):
    unit: UnitFilter = None
    since: Annotated[Timestamp | None, Field(description="Created at or after this time.")] = None
    until: Annotated[Timestamp | None, Field(description="Created before this time.")] = None
    channel: choice(CHANNELS) | None = None


@operation("POST", "/ratings", summary="Record a rating (channel api)", tag="ratings",
           responses={201: Rating, 200: Rating, 403: "A staff member may not rate their own service."},
           description="201 when recorded; 200 with the first rating when this external_id was recorded before.")
def create_rating(body: NewRating):
    session = db_session()
    touchpoint = None
    if body.touchpoint is not None:
        touchpoint = session.get(Touchpoint, body.touchpoint)
        if touchpoint is None or not touchpoint.active:
            raise unusable_fields({"touchpoint": _l("not an active touchpoint")})
    if body.unit is not None:
        unit = find_unit(session, body.unit)
        if touchpoint is not None and touchpoint.unit_id != unit.id:
            raise unusable_fields({"touchpoint": _l("not a touchpoint of this unit")})
    else:
        unit = touchpoint.unit
    require_scope(unit)
    if body.staff is not None:
        staff = find_staff(session, body.staff)
    else:
        staff = touchpoint.staff if touchpoint is not None else None
    if body.external_id is not None:
        first = session.scalars(select(RatingRecord).where(RatingRecord.external_id == body.external_id)).first()
        if first is not None:
            return first, 200
    return record_rating(
        session, unit=unit, staff=staff, touchpoint=touchpoint, channel="api", score=body.score,
        **{name: getattr(body, name) for name in DIMENSIONS}, comment=body.comment, locale=body.locale,
        external_id=body.external_id, now=now(), config=current_app.config, recorded_by=api_staff()), 201


@operation("GET", "/ratings", summary="List ratings", tag="ratings", role="supervisor",
           responses={200: Page[Rating]})
def list_ratings(query: RatingFilter):
    session = db_session()
    stmt = within_scope(select(RatingRecord), RatingRecord.unit_id)
    stmt = stmt.where(*unit_filter(session, query.unit, RatingRecord.unit_id))
    if query.since is not None:
        stmt = stmt.where(RatingRecord.created_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(RatingRecord.created_at < query.until)
    if query.channel is not None:
        stmt = stmt.where(RatingRecord.channel == query.channel)
    return page(stmt, RatingRecord.id, query)


@operation("GET", "/ratings/<int:rating_id>", summary="One rating", tag="ratings", role="supervisor",
           responses={200: Rating})
def get_rating(rating_id):
    return get_visible(RatingRecord, rating_id, lambda rating: rating.unit_id, _l("There is no such rating."))
