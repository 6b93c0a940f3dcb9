"""What a customer's SMS becomes: a survey answer, an opt-out or opt-in, a
help text, or a message for a handler (their open case, else a new one).
Each MessageSid is handled once. Services take a session and do not commit."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.models import InboundMessage
from intake.phone import normalize_phone
from intake.sms.surveys import answer_survey, locked_contact, recent_survey_unit_id
from intake.sms.text import parse_reply
from routing.models import Case, Contact, OutboundMessage
from routing.rules.notices import notice
from routing.services.cases import NewCase, open_case_for_contact, open_or_join
from routing.services.customer_messages import message_phone
from routing.services.timeline import add_customer_message

# Han ideographs (with extension A and compatibility forms) and CJK punctuation.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CHINESE = "zh_Hans_CN"


@dataclass(frozen=True)
class InboundResult:
    reply_text: str | None  # the reply in the customer's language (Twilio's webhook answer carries it)
    outcome: str  # rating, opt_out, opt_in, help, case_message, new_case, empty
    case: Case | None = None
    repeated: bool = False  # the same MessageSid was handled before: this is its first result
    # The reply as a notice of the registry, for a provider whose webhook
    # answer cannot carry it: it goes through the outbox (queue_reply).
    notice: str | None = None
    params: dict | None = None
    locale: str | None = None


def _reply(outcome: str, key: str, params: dict | None = None, case: Case | None = None) -> InboundResult:
    """A reply rendered in the current (the customer's) language."""
    params = params or {}
    return InboundResult(gettext(notice(key).text, **params), outcome, case, notice=key, params=params,
                         locale=str(get_locale()))


def handle_inbound(session: Session, *, message_sid: str, from_phone: str, body: str,
                   now: datetime, config) -> InboundResult:
    """Handle one inbound SMS. A second delivery of the same MessageSid
    returns the first reply and records nothing. Raises
    intake.phone.InvalidPhone for a sender that is not a phone number."""
    phone = normalize_phone(from_phone, config["DEFAULT_REGION"])
    first = _first_delivery(session, message_sid)
    if first is not None:
        return first
    message = InboundMessage(provider_id=message_sid, from_phone=phone, body=body, received_at=now)
    try:
        with session.begin_nested():  # claims the MessageSid before acting on it
            session.add(message)
    except IntegrityError:  # the same message delivered twice at once
        return _first_delivery(session, message_sid)

    contact = locked_contact(session, phone)
    locale = contact.locale or (CHINESE if _CJK.search(body) else config["BABEL_DEFAULT_LOCALE"])
    with force_locale(locale):
        result, score = _act(session, contact, phone, body, locale, now, config)
    message.outcome, message.reply, message.score = result.outcome, result.reply_text, score
    message.case_id = result.case.id if result.case else None
    return result


def queue_reply(session: Session, result: InboundResult, phone: str, message_id: str,
                now: datetime) -> None:
    """Send the reply to an inbound SMS through the outbox, once per message
    (its id is the key): for a provider whose webhook answer cannot carry
    it, and for a webhook replayed from the spool."""
    if result.notice is None or result.repeated:
        return
    message_phone(session, phone, result.notice, result.params, result.locale, now, purpose="sms_reply",
                  case_id=result.case.id if result.case else None, dedupe_key=f"sms-reply:{message_id}")


def _first_delivery(session: Session, message_sid: str) -> InboundResult | None:
    earlier = session.scalars(select(InboundMessage).where(InboundMessage.provider_id == message_sid)).first()
    if earlier is None:
        return None
    case = session.get(Case, earlier.case_id) if earlier.case_id else None
    return InboundResult(earlier.reply, earlier.outcome or "", case, repeated=True)


def _act(session: Session, contact: Contact, phone: str, body: str, locale: str,
         now: datetime, config) -> tuple[InboundResult, int | None]:
    """Runs under the customer's locale: every reply is rendered in it."""
    reply = parse_reply(body)
    if reply.kind == "rating":
        rating = answer_survey(session, phone, reply.score, now)
        if rating is not None:
            low = rating.score <= config["LOW_RATING_THRESHOLD"]
            return _reply("rating", "rating_sorry" if low else "rating_thanks"), rating.score
        # No survey is waiting for an answer: a lone "5" is a message like any other.
    if reply.kind == "opt_out":
        contact.opted_out_at = contact.opted_out_at or now
        _cancel_pending(session, phone)
        return _reply("opt_out", "opted_out"), None
    if reply.kind == "opt_in":
        contact.opted_out_at = None
        return _reply("opt_in", "opted_in"), None
    if reply.kind == "help":
        return _reply("help", "help"), None
    if not body.strip():  # a picture with no text, say: nothing to register
        return InboundResult(None, "empty"), None
    return _to_case(session, phone, body, locale, now), None


def _to_case(session: Session, phone: str, body: str, locale: str, now: datetime) -> InboundResult:
    """One-call service: a message joins the number's open case (of any kind:
    a text names none), else opens a complaint. The sender's number is proven
    by the carrier, so it joins without a code; two first messages at once
    open one case (routing.services.cases.open_or_join)."""
    case = open_case_for_contact(session, phone=phone)
    if case is not None:
        add_customer_message(session, case, now, body, "sms")
        return _reply("case_message", "sms_added", {"reference": case.reference}, case)
    taken = open_or_join(session, NewCase(
        channel="sms", kind="complaint", description=body, contact_phone=phone, locale=locale,
        unit_id=recent_survey_unit_id(session, phone, now),
    ), now)
    if taken.joined:
        return _reply("case_message", "sms_added", {"reference": taken.case.reference}, taken.case)
    return _reply("new_case", "sms_registered", {"reference": taken.case.reference}, taken.case)


def _cancel_pending(session: Session, phone: str) -> None:
    """Nothing more goes to a customer who opted out; staff notifications
    to the same number are not theirs to stop."""
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.to == phone, OutboundMessage.status == "pending",
               OutboundMessage.staff_id.is_(None))
        .values(status="cancelled")
    )
