"""The outbox for administrators: what was sent, what was not delivered,
what may have reached its recipient twice; and sending a given-up message
again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from intake.api.base import (
    BOOL,
    INT,
    INT_OR_NULL,
    STR,
    STR_OR_NULL,
    Page,
    Prop,
    Shape,
    answer,
    get_visible,
    operation,
    page,
    time_prop,
)
from intake.api.fields import Boolean, Choice
from routing.models import OUTBOX_STATUSES, OutboundMessage
from routing.services.outbox import GIVEN_UP, retry
from routing.web.glue import db_session, now

OUTBOX_MESSAGE = Shape(
    "OutboxMessage", "A message to a customer or a staff member, by SMS or e-mail.",
    id=Prop(INT), transport=Prop({"type": "string", "enum": ["sms", "email"]}), to=Prop(STR),
    subject=Prop(STR_OR_NULL), body=Prop(STR), purpose=Prop(STR),
    status=Prop({"type": "string", "enum": list(OUTBOX_STATUSES),
                 "description": f"{', '.join(GIVEN_UP)}: not delivered; POST .../retry sends it again."}),
    attempts=Prop(INT), last_error=Prop(STR_OR_NULL),
    possibly_doubled=Prop(BOOL, lambda m: bool(m.possibly_doubled)),
    case_id=Prop(INT_OR_NULL), provider_id=Prop(STR_OR_NULL),
    created_at=time_prop("created_at"), not_before=time_prop("not_before"),
    attempted_at=time_prop("attempted_at", required=False), sent_at=time_prop("sent_at", required=False),
)
NO_MESSAGE = _l("There is no such message.")


@operation("GET", "/outbox", summary="List outbox messages", tag="outbox", role="admin",
           query=(Choice("status", choices=OUTBOX_STATUSES,
                         description="failed and undelivered: not delivered (given up, refused, or reported)."),
                  Boolean("possibly_doubled", description="true: sent again when the provider could not say "
                                                          "whether an earlier attempt had reached it.")),
           responses={200: Page(OUTBOX_MESSAGE)})
def list_outbox(query):
    stmt = select(OutboundMessage)
    if query["status"]:
        stmt = stmt.where(OutboundMessage.status == query["status"])
    if query["possibly_doubled"] is not None:
        stmt = stmt.where(OutboundMessage.possibly_doubled.is_(query["possibly_doubled"]))
    return page(stmt, OutboundMessage.id, query, OUTBOX_MESSAGE)


@operation("GET", "/outbox/<int:message_id>", summary="One outbox message", tag="outbox", role="admin",
           responses={200: OUTBOX_MESSAGE})
def get_outbox_message(message_id):
    return answer(OUTBOX_MESSAGE, get_visible(OutboundMessage, message_id, lambda _message: None, NO_MESSAGE))


@operation("POST", "/outbox/<int:message_id>/retry", summary="Send a message that was not delivered again",
           tag="outbox", role="admin",
           responses={200: OUTBOX_MESSAGE, 409: "The message is not one that was given up."},
           description="Due at once, with a fresh set of attempts.")
def retry_outbox_message(message_id):
    message = get_visible(OutboundMessage, message_id, lambda _message: None, NO_MESSAGE)
    retry(db_session(), message, now())
    return answer(OUTBOX_MESSAGE, message)
