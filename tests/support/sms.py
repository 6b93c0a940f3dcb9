"""Helpers for the SMS survey and webhook tests: services as an integrator
posts them, webhooks as Twilio signs them, a small Chinese catalogue."""
from __future__ import annotations

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from intake.sms.surveys import record_service_event
from routing.models import Staff, Unit

# The conftest app: PUBLIC_URL and TWILIO_AUTH_TOKEN.
PUBLIC_URL = "https://feedback.example.com"
AUTH_TOKEN = "test-auth-token"
PHONE = "+8613812345678"

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
