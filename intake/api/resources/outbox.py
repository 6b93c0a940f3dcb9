"""The outbox for administrators: what was sent, what was not delivered,
what may have reached its recipient twice; and sending a given-up message
again."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from intake.api.operations import operation
from intake.api.paging import Page, Paged, page
from intake.api.schemas import Answer, Flag, Read, choice
from intake.api.scope import get_visible
from routing.models import OUTBOX_STATUSES, OutboundMessage
from routing.services.customer_messages import Rendered, render
from routing.services.outbox import GIVEN_UP, retry
from routing.web.glue import db_session, now

NO_MESSAGE = _l("There is no such message.")


class OutboxMessage(Answer):
    """A message to a customer or a staff member, by SMS or e-mail."""

    id: int
    transport: choice(("sms", "email"))
    to: str
    subject: Annotated[str | None, Read(lambda message, reading: _rendered(message).subject)]
    body: Annotated[str, Field(description="The text as the console, e-mail and Twilio send it."),
                    Read(lambda message, reading: _rendered(message).body)]
    notice: Annotated[str | None, Field(description="The notice of the registry (see the notices page); "
                                                    "None for a free text.")]
    params: dict[str, str] | None
    locale: str | None
    purpose: str
    status: Annotated[choice(OUTBOX_STATUSES), Field(
        description=f"{', '.join(GIVEN_UP)}: not delivered; POST .../retry sends it again.")]
    attempts: int
    last_error: str | None
    possibly_doubled: Annotated[bool, Read(lambda message, reading: bool(message.possibly_doubled))]
    case_id: int | None
    provider_id: str | None
    created_at: datetime
    not_before: datetime
    attempted_at: datetime | None
    sent_at: datetime | None


class OutboxFilter(Paged):
    status: Annotated[choice(OUTBOX_STATUSES) | None, Field(
        description="failed and undelivered: not delivered (given up, refused, or reported).")] = None
    possibly_doubled: Annotated[Flag | None, Field(
        description="true: sent again when the provider could not say whether an earlier attempt had "
                    "reached it.")] = None


def _rendered(message: OutboundMessage) -> Rendered:
    return render(message, current_app.config["PUBLIC_URL"], current_app.config["BABEL_DEFAULT_LOCALE"])


def _message(message_id: int) -> OutboundMessage:
    return get_visible(OutboundMessage, message_id, lambda _message: None, NO_MESSAGE)


@operation("GET", "/outbox", summary="List outbox messages", tag="outbox", role="admin",
           responses={200: Page[OutboxMessage]})
def list_outbox(query: OutboxFilter):
    stmt = select(OutboundMessage)
    if query.status is not None:
        stmt = stmt.where(OutboundMessage.status == query.status)
    if query.possibly_doubled is not None:
        stmt = stmt.where(OutboundMessage.possibly_doubled.is_(query.possibly_doubled))
    return page(stmt, OutboundMessage.id, query)


@operation("GET", "/outbox/<int:message_id>", summary="One outbox message", tag="outbox", role="admin",
           responses={200: OutboxMessage})
def get_outbox_message(message_id):
    return _message(message_id)


@operation("POST", "/outbox/<int:message_id>/retry", summary="Send a message that was not delivered again",
           tag="outbox", role="admin",
           responses={200: OutboxMessage, 409: "The message is not one that was given up."},
           description="Due at once, with a fresh set of attempts.")
def retry_outbox_message(message_id):
    message = _message(message_id)
    retry(db_session(), message, now())
    return message
