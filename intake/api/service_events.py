"""Service events: a queue machine or CRM says a service happened; the
customer gets an SMS survey about it."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from intake.api.base import (
    INT,
    INT_OR_NULL,
    STR,
    STR_OR_NULL,
    Prop,
    Shape,
    answer,
    find_staff,
    find_unit,
    invalid_fields,
    operation,
    require_scope,
    shown_phone,
    time_prop,
)
from intake.api.fields import Body, Locale, Phone, Reference, Text, Timestamp
from intake.phone import InvalidPhone
from intake.sms.surveys import record_service_event
from routing.web.glue import db_session, now

SERVICE_EVENT = Shape(
    "ServiceEvent", "A service that happened. customer_phone is masked unless the token's role is "
                    "supervisor or higher.",
    id=Prop(INT), external_id=Prop(STR), unit_id=Prop(INT), staff_id=Prop(INT_OR_NULL),
    customer_phone=Prop(STR_OR_NULL, lambda event: shown_phone(event.customer_phone)),
    locale=Prop(STR_OR_NULL), service_type=Prop(STR_OR_NULL),
    occurred_at=time_prop("occurred_at"), created_at=time_prop("created_at"),
)

NEW_SERVICE_EVENT = Body("NewServiceEvent", (
    Text("external_id", required=True, max_length=120,
         description="Your id of this service (ticket number); a retry with the same id records nothing twice."),
    Reference("unit", required=True, description="Where it happened: the unit's id or code."),
    Reference("staff", key="username", description="Who served: the staff member's id or username."),
    Phone("customer_phone", description="Gets the SMS survey; national numbers are read in FEEDBACK_DEFAULT_REGION."),
    Timestamp("occurred_at", required=True, description="ISO-8601 with a UTC offset."),
    Locale("locale", description="The customer's language for the survey."),
    Text("service_type", max_length=60),
), "A service that happened.")


@operation("POST", "/service-events", summary="Record a service (and queue its SMS survey)",
           tag="service-events", body=NEW_SERVICE_EVENT,
           responses={201: SERVICE_EVENT, 200: SERVICE_EVENT},
           description="201 when recorded; 200 with the first event when this external_id was recorded "
                       "before. The survey is queued unless the customer opted out or was surveyed within "
                       "the throttle window.")
def create_service_event(body):
    session = db_session()
    unit = find_unit(session, body["unit"])
    require_scope(unit)
    staff = find_staff(session, body["staff"]) if body["staff"] is not None else None
    try:
        event, created = record_service_event(
            session, external_id=body["external_id"], unit=unit, staff=staff,
            customer_phone=body["customer_phone"], occurred_at=body["occurred_at"], locale=body["locale"],
            service_type=body["service_type"], now=now(), config=current_app.config)
    except InvalidPhone:
        raise invalid_fields({"customer_phone": _l("not a valid phone number")}) from None
    return answer(SERVICE_EVENT, event, 201 if created else 200)
