"""The counter evaluator (评价器) for the counter system and device firmware:
a prompt to rate one transaction, and the device's heartbeat."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field

from intake.api.operations import operation
from intake.api.schemas import Answer, Body, StaffRef, Text
from intake.api.scope import find_staff, get_visible
from intake.models import Touchpoint
from intake.services.kiosk import heartbeat, prompt_rating
from routing.web.glue import db_session, now

NO_TOUCHPOINT = _l("There is no such touchpoint.")
NOT_A_KIOSK = {409: "The touchpoint is not in kiosk mode, or the transaction belongs to another unit or counter."}


class Prompt(Answer):
    """A transaction the counter evaluator asks the customer to rate, once (一次一评)."""

    id: int
    touchpoint_id: int
    transaction_no: str
    staff_id: int | None
    service_event_id: int
    rating_id: Annotated[int | None, Field(description="The rating, once the customer has tapped a face.")]
    created_at: datetime


class NewPrompt(Body):
    """The counter system's call when a transaction ends."""

    transaction_no: Annotated[Text(120), Field(
        description="The transaction number (办件编号); it is rated at most once. Also the service event's "
                    "external_id, so the evaluation rate counts it once.")]
    staff: Annotated[StaffRef | None, Field(
        description="Who served, by id or username; the touchpoint's staff member if not given.")] = None


class Heartbeat(Answer):
    """The device's state after this heartbeat."""

    touchpoint_id: int
    last_heartbeat_at: datetime | None
    enabled_at: datetime


def _touchpoint(touchpoint_id: int) -> Touchpoint:
    touchpoint = get_visible(Touchpoint, touchpoint_id, lambda tp: tp.unit_id, NO_TOUCHPOINT)
    return touchpoint


@operation("POST", "/touchpoints/<int:touchpoint_id>/prompt", summary="Ask the counter evaluator to rate a transaction",
           tag="touchpoints", responses={201: Prompt, 200: Prompt, **NOT_A_KIOSK},
           description="201 when prompted; 200 with the first prompt when this transaction was prompted here "
                       "before. The kiosk shows the faces until the customer taps one.")
def prompt_touchpoint(touchpoint_id, body: NewPrompt):
    session = db_session()
    touchpoint = _touchpoint(touchpoint_id)
    staff = find_staff(session, body.staff) if body.staff is not None else None
    prompt, created = prompt_rating(session, touchpoint, body.transaction_no, staff, now=now(),
                                    config=current_app.config)
    return prompt, 201 if created else 200


@operation("POST", "/touchpoints/<int:touchpoint_id>/heartbeat", summary="The counter evaluator is on",
           tag="touchpoints", responses={200: Heartbeat, **NOT_A_KIOSK},
           description="Sent by the device every FEEDBACK_KIOSK_HEARTBEAT_SECONDS; its uptime is measured "
                       "from these, and a silent device alerts its supervisor.")
def touchpoint_heartbeat(touchpoint_id):
    device = heartbeat(db_session(), _touchpoint(touchpoint_id), now(), current_app.config)
    return device, 200
