"""Ratings: posted by counter devices and other systems, read by
supervisors and scoring tools (scoring data is confidential, RULES 7)."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.base import (
    BOOL,
    INT,
    INT_OR_NULL,
    STR_OR_NULL,
    ApiError,
    Page,
    Prop,
    Shape,
    answer,
    find_staff,
    find_unit,
    get_visible,
    invalid_fields,
    operation,
    page,
    require_scope,
    time_prop,
    unit_filter,
    within_scope,
)
from intake.api.fields import MAX_ID, Body, Choice, Integer, Locale, Reference, Text, Timestamp
from intake.models import Touchpoint
from intake.services.ratings import DIMENSIONS, RatingRejected, record_rating
from routing.models import Rating
from routing.vocabulary import CHANNELS
from routing.web.glue import db_session, now

SCORE = {"type": "integer", "minimum": 1, "maximum": 5}
SCORE_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": 5}

RATING = Shape(
    "Rating", "A customer's score of a service, 1 (very dissatisfied) to 5 (very satisfied); suspect "
              "ratings (the same device again within the interval) are kept and flagged.",
    id=Prop(INT), channel=Prop({"type": "string", "enum": list(CHANNELS)}),
    unit_id=Prop(INT), staff_id=Prop(INT_OR_NULL), touchpoint_id=Prop(INT_OR_NULL), case_id=Prop(INT_OR_NULL),
    score=Prop(SCORE), **{name: Prop(SCORE_OR_NULL) for name in DIMENSIONS},
    comment=Prop(STR_OR_NULL), locale=Prop(STR_OR_NULL), suspect=Prop(BOOL), suspect_reason=Prop(STR_OR_NULL),
    external_id=Prop(STR_OR_NULL), created_at=time_prop("created_at"),
)

NEW_RATING = Body("NewRating", (
    Integer("score", required=True, minimum=1, maximum=5),
    Reference("unit", description="The unit rated, by id or code; the touchpoint's unit if not given."),
    Reference("staff", key="username",
              description="The staff member rated, by id or username; the touchpoint's if not given."),
    Integer("touchpoint", minimum=1, maximum=MAX_ID, description="The touchpoint's id, when the rating came from one."),
    *(Integer(name, minimum=1, maximum=5, description="RULES 4: one of the four dimensions.")
      for name in DIMENSIONS),
    Text("comment", max_length=10_000, description="At most COMMENT_MAX_LENGTH characters (1000 by default)."),
    Locale("locale"),
    Text("external_id", max_length=120, description="Your id of this rating; a retry records nothing twice."),
), "A rating; either unit or touchpoint is required.")

# Which body field a service's refusal is about.
_REFUSED_FIELD = {"comment_too_long": "comment", "invalid_score": "score",
                  **{f"invalid_{name}": name for name in DIMENSIONS}}

RATING_FILTERS = (
    Text("unit", max_length=40, description="A unit's code: that unit and the units below it."),
    Timestamp("since", description="Created at or after this time."),
    Timestamp("until", description="Created before this time."),
    Choice("channel", choices=CHANNELS),
)


@operation("POST", "/ratings", summary="Record a rating (channel api)", tag="ratings", body=NEW_RATING,
           responses={201: RATING, 200: RATING},
           description="201 when recorded; 200 with the first rating when this external_id was recorded before.")
def create_rating(body):
    session = db_session()
    touchpoint = None
    if body["touchpoint"] is not None:
        touchpoint = session.get(Touchpoint, body["touchpoint"])
        if touchpoint is None or not touchpoint.active:
            raise invalid_fields({"touchpoint": _l("not an active touchpoint")})
    if body["unit"] is not None:
        unit = find_unit(session, body["unit"])
        if touchpoint is not None and touchpoint.unit_id != unit.id:
            raise invalid_fields({"touchpoint": _l("not a touchpoint of this unit")})
    elif touchpoint is not None:
        unit = touchpoint.unit
    else:
        raise invalid_fields({"unit": _l("required")})
    require_scope(unit)
    if body["staff"] is not None:
        staff = find_staff(session, body["staff"])
    else:
        staff = touchpoint.staff if touchpoint is not None else None
    if body["external_id"] is not None:
        first = session.scalars(select(Rating).where(Rating.external_id == body["external_id"])).first()
        if first is not None:
            return answer(RATING, first, 200)
    try:
        rating = record_rating(
            session, unit=unit, staff=staff, touchpoint=touchpoint, channel="api", score=body["score"],
            **{name: body[name] for name in DIMENSIONS}, comment=body["comment"], locale=body["locale"],
            external_id=body["external_id"], now=now(), config=current_app.config)
    except RatingRejected as refused:
        field = _REFUSED_FIELD.get(refused.code)
        raise ApiError(400, refused.message, refused.code,
                       errors={field: refused.message} if field else None) from None
    return answer(RATING, rating, 201)


@operation("GET", "/ratings", summary="List ratings", tag="ratings", role="supervisor",
           query=RATING_FILTERS, responses={200: Page(RATING)})
def list_ratings(query):
    session = db_session()
    stmt = within_scope(select(Rating), Rating.unit_id).where(*unit_filter(session, query["unit"], Rating.unit_id))
    if query["since"] is not None:
        stmt = stmt.where(Rating.created_at >= query["since"])
    if query["until"] is not None:
        stmt = stmt.where(Rating.created_at < query["until"])
    if query["channel"] is not None:
        stmt = stmt.where(Rating.channel == query["channel"])
    return page(stmt, Rating.id, query, RATING)


@operation("GET", "/ratings/<int:rating_id>", summary="One rating", tag="ratings", role="supervisor",
           responses={200: RATING})
def get_rating(rating_id):
    return answer(RATING, get_visible(Rating, rating_id, lambda rating: rating.unit_id,
                                      _l("There is no such rating.")))
