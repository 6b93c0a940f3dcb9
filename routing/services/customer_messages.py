"""Notices in the outbox: queued as a key, parameters and the recipient's
language (routing.rules.notices), rendered when they are sent.

`render` gives the translated text (the console, e-mail and Twilio send
it); `template_values` gives a domestic provider's template variables, in
the recipient's language too (a level or a time limit's name is a word).
Rendering needs an application context (the catalogue); the outbox
dispatcher runs its senders inside one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from routing.models import Case, OutboundMessage
from routing.rules.notices import notice, text_values
from routing.services.notify import in_words
from routing.services.outbox import enqueue


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


def render(message: OutboundMessage, public_url: str, default_locale: str = "zh_Hans_CN") -> Rendered:
    """The message as the console, e-mail and Twilio send it."""
    if message.notice is None:
        return Rendered(message.subject, message.body or "")
    item = notice(message.notice)
    with force_locale(message.locale or default_locale):
        values = text_values(in_words(message.params or {}), public_url)
        body = gettext(item.text, **values)
        subject = gettext(item.subject, **values) if item.subject and message.transport == "email" else None
    return Rendered(subject, body)


def template_values(message: OutboundMessage, default_locale: str = "zh_Hans_CN") -> dict[str, str]:
    """A domestic template's variables, by name, in `template_params` order."""
    item = notice(message.notice)
    with force_locale(message.locale or default_locale):
        values = in_words(message.params or {})
    return {name: values[name] for name in item.template_params}


def message_customer(session: Session, case: Case, now: datetime, purpose: str, key: str,
                     params: dict | None = None, *, dedupe_key: str | None = None) -> OutboundMessage | None:
    """Queue a notice about a case to its customer (SMS when there is a
    phone, else e-mail) in the case's language; None without a contact. The
    case's reference and private link are always among the parameters."""
    transport, to = ("sms", case.contact_phone) if case.contact_phone else ("email", case.contact_email)
    if not to:
        return None
    params = {"reference": case.reference, "token": case.tracking_token, **(params or {})}
    wanted = notice(key).params
    return enqueue(session, transport=transport, to=to, notice=key,
                   params={k: v for k, v in params.items() if k in wanted}, locale=case.locale,
                   purpose=purpose, now=now, case_id=case.id, dedupe_key=dedupe_key)


def message_phone(session: Session, phone: str, key: str, params: dict | None, locale: str | None, now: datetime,
                  *, purpose: str, delay: timedelta = timedelta(0), case_id: int | None = None,
                  dedupe_key: str | None = None) -> OutboundMessage | None:
    """Queue a notice by SMS to a customer's number (a survey, an answer to their SMS)."""
    return enqueue(session, transport="sms", to=phone, notice=key, params=params, locale=locale,
                   purpose=purpose, now=now, delay=delay, case_id=case_id, dedupe_key=dedupe_key)
