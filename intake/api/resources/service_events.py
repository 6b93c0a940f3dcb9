"""Service events: a queue machine or CRM says a service happened; the
customer gets an SMS survey about it."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import current_app
from pydantic import Field

from intake.api.operations import operation
from intake.api.schemas import Answer, Body, Locale, Phone, Read, StaffRef, Text, Timestamp, UnitRef
from intake.api.scope import find_staff, find_unit, require_scope
from intake.sms.surveys import record_service_event
from routing.web.glue import db_session, now


class ServiceEvent(Answer):
    """A service that happened. customer_phone is masked unless the token's role is supervisor or higher."""

    id: int
    external_id: str
    unit_id: int
    staff_id: int | None
    customer_phone: Annotated[str | None, Read(lambda event, reading: reading.phone(event.customer_phone))]
    locale: str | None
    service_type: str | None
    occurred_at: datetime
    created_at: datetime


class NewServiceEvent(Body):
    """A service that happened."""

    external_id: Annotated[Text(120), Field(
        description="Your id of this service (ticket number); a retry with the same id records nothing twice.")]
    unit: Annotated[UnitRef, Field(description="Where it happened: the unit's id or code.")]
    staff: Annotated[StaffRef | None, Field(description="Who served: the staff member's id or username.")] = None
    customer_phone: Annotated[Phone | None, Field(
        description="Gets the SMS survey; national numbers are read in FEEDBACK_DEFAULT_REGION.")] = None
    occurred_at: Annotated[Timestamp, Field(description="ISO-8601 with a UTC offset.")]
    locale: Annotated[Locale | None, Field(description="The customer's language for the survey.")] = None
    service_type: Text(60) | None = None


@operation("POST", "/service-events", summary="Record a service (and queue its SMS survey)",
           tag="service-events", responses={201: ServiceEvent, 200: ServiceEvent},
           description="201 when recorded; 200 with the first event when this external_id was recorded "
                       "before. The survey is queued unless the customer opted out or was surveyed within "
                       "the throttle window.")
def create_service_event(body: NewServiceEvent):
    session = db_session()
    unit = find_unit(session, body.unit)
    require_scope(unit)
    staff = find_staff(session, body.staff) if body.staff is not None else None
    event, created = record_service_event(
        session, external_id=body.external_id, unit=unit, staff=staff, customer_phone=body.customer_phone,
        occurred_at=body.occurred_at, locale=body.locale, service_type=body.service_type, now=now(),
        config=current_app.config)
    return event, 201 if created else 200
