"""Helpers for the SMS survey and webhook tests: services as an integrator
posts them, webhooks as Twilio signs them, a small Chinese catalogue."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from intake.sms.surveys import record_service_event
from routing.models import Staff, Unit
from routing.web.extensions import babel

# The conftest app: PUBLIC_URL and TWILIO_AUTH_TOKEN.
PUBLIC_URL = "https://feedback.example.com"
AUTH_TOKEN = "test-auth-token"
PHONE = "+8613812345678"

# Chinese for the messages these tests read, so that "in the customer's
# language" can be checked before the real catalogue exists.
CHINESE = {
    "Thank you for visiting %(unit)s. How satisfied were you? Reply 1 (very dissatisfied) "
    "to 5 (very satisfied). Reply STOP to opt out.":
        "感谢您光临%(unit)s。您对服务满意吗？回复1（非常不满意）至5（非常满意）。回复TD退订。",
    "Thank you for your rating.": "感谢您的评价。",
    "Thank you. Your message is registered as case %(reference)s; a member of staff will contact you.":
        "谢谢。您的留言已登记为案件%(reference)s，工作人员会与您联系。",
}


@contextmanager
def chinese_catalogue(directory: Path):
    """A translations folder holding CHINESE, for BABEL_TRANSLATION_DIRECTORIES.

    Flask-Babel caches loaded catalogues in the one Babel object that every
    app of the process shares: empty that cache on the way in and out, so
    neither this catalogue nor the real one leaks into the other's tests."""
    catalog = Catalog(locale="zh_Hans_CN")
    for english, chinese in CHINESE.items():
        catalog.add(english, chinese)
    folder = directory / "zh_Hans_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    _forget_loaded_catalogues()
    try:
        yield str(directory)
    finally:
        _forget_loaded_catalogues()


def _forget_loaded_catalogues() -> None:
    domain = vars(babel).get("domain_instance")  # a cached property, set by the first lookup
    if domain is not None:
        domain.cache.clear()


def serve(app, unit, staff=None, phone: str | None = PHONE, external_id: str = "Q-1", locale: str | None = None,
          at=None):
    """An integrator reports a service (as the service-events API does):
    record, commit, return (event id, created)."""
    now = app.extensions["clock"].now()
    with app.app_context(), app.extensions["db"].sessionmaker() as session:
        event, created = record_service_event(
            session, external_id=external_id, unit=session.get(Unit, unit.id),
            staff=session.get(Staff, staff.id) if staff else None, customer_phone=phone,
            occurred_at=at or now, locale=locale, service_type="deposit", now=now, config=app.config)
        session.commit()
        return event.id, created


def rows(app, model, *where):
    """Rows as they are committed, read in a session of their own."""
    with app.extensions["db"].sessionmaker() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def signed(path: str, form: dict, token: str = AUTH_TOKEN, query: str = "") -> dict:
    """Headers Twilio would send: the signature over the public URL."""
    url = PUBLIC_URL + path + (f"?{query}" if query else "")
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


def sms(client, body: str, sid: str = "SM0001", phone: str = PHONE):
    """The customer texts `body`; Twilio posts it, signed."""
    form = {"MessageSid": sid, "From": phone, "To": "+15005550006", "Body": body}
    return client.post("/sms/inbound", data=form, headers=signed("/sms/inbound", form))
