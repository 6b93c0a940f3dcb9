"""Tables of the core domain: organisation, cases and their timeline,
service events, ratings, contacts and the outbox.

Records that several packages write or read live here, not in intake:
routing writes ratings and the outbox too (callback surveys, escalation
notices, replies), scoring reads service events, and routing never imports
intake.
"""
from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from routing.foundation.db import Base, UTCDateTime, insert_of, utcnow
from routing.vocabulary import (
    CALLBACK_OUTCOMES,
    CALLBACK_STATUSES,
    ESCALATION_KINDS,
    OPEN_STATUSES,
    ROLES,
)


class Unit(Base):
    """A node of the organisation tree: company, branch, outlet, counter..."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), default="outlet")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    area: Mapped[str] = mapped_column(String(10), default="urban")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def chain(self) -> list[Unit]:
        """This unit and its ancestors, nearest first."""
        unit, chain = self, []
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    # Position on the escalation ladder where it differs from the role
    # (an executive is a deputy general manager or the general manager).
    ladder_position: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The callback desk: may call customers back on cases of their unit tree
    # (routing.rules.access.callback_refusal), whatever their role.
    callback_desk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Part of every session cookie of this person: raising it (logout,
    # a new password, deactivation) ends all of them at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version."""
        return f"{self.id}:{self.session_version}"


class ApiToken(Base):
    """A bearer token for integrators; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[Staff] = relationship()


_OPEN_MATTER = f"matter_key IS NOT NULL AND status IN {OPEN_STATUSES!r}"


class Case(Base):
    """A complaint, repair, consultation, suggestion or praise: one register
    for every channel."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The customer's private link to follow the case without an account.
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="complaint")
    category: Mapped[str] = mapped_column(String(40), default="other")
    severity: Mapped[str] = mapped_column(String(10), default="normal")
    amount_claimed: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    channel: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(200), index=True)
    contact_address: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    description: Mapped[str] = mapped_column(Text, default="")
    # When the customer wants the callback: a slot from the form's list
    # (routing.vocabulary.CALLBACK_SLOTS) sets its window; free text is a note.
    callback_slot: Mapped[str | None] = mapped_column(String(20))
    preferred_callback: Mapped[str | None] = mapped_column(String(120))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    first_responder_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # The staff member a complaint is about (the teller at the counter): never
    # its owner, never its callback caller (routing.rules.access).
    subject_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # A customer who rejects the outcome gets a new case linked to this one.
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    # One-call service (routing.services.cases.matter_key): the contact and
    # the kind of request. At most one open case holds a key (a partial
    # unique index), so a second contact joins it, however many come at once.
    # None: a case that others do not join (opted out, reopened, unproven).
    matter_key: Mapped[str | None] = mapped_column(String(240))
    # A public contact that could not prove the phone or e-mail of an open
    # case opened its own; staff see the two as possibly the same customer.
    same_customer_as_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # When the contact came in (a call taken, a letter opened), at or before
    # created_at: the time limits count from it. Not given: when recorded.
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda context: context.get_current_parameters()["created_at"])
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Time limits (routing.deadlines): the policy that matched, an appointment
    # agreed with the customer (it replaces the arrival deadline), the earliest
    # pending deadline (queues sort on it) and when the tick must next look.
    policy_name: Mapped[str | None] = mapped_column(String(80))
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    unit: Mapped[Unit | None] = relationship()
    first_responder: Mapped[Staff | None] = relationship(foreign_keys=[first_responder_id])
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    subject_staff: Mapped[Staff | None] = relationship(foreign_keys=[subject_staff_id])
    same_customer_as: Mapped[Case | None] = relationship(foreign_keys=[same_customer_as_id], remote_side=[id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="save-update, merge"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case", order_by="Deadline.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # The one-call rule held by the database: one open case per matter.
    __table_args__ = (Index("uq_case_open_matter", "matter_key", unique=True,
                            sqlite_where=text(_OPEN_MATTER), postgresql_where=text(_OPEN_MATTER)),)


class CaseEvent(Base):
    """One line of a case's append-only timeline: who did what, when."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(30))
    # "customer", "staff" or "system"; staff_id says which staff member.
    actor: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    # Shown on the customer's tracking page.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="events")
    staff: Mapped[Staff | None] = relationship()

    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)


def _where(condition: str) -> dict:
    """A partial index's condition, on both databases."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class ServiceEvent(Base):
    """A service that happened, posted by an integrator (queue machine, CRM)."""

    __tablename__ = "service_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(16))
    service_type: Mapped[str | None] = mapped_column(String(60))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship()

    __table_args__ = (Index("ix_service_event_unit_occurred", "unit_id", "occurred_at"),)


class Rating(Base):
    """A customer's score of a service: from a QR code, an SMS survey, the API
    or a callback survey."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    touchpoint_id: Mapped[int | None] = mapped_column(Integer)  # indexed first in ix_rating_device
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    # The four dimensions of RULES section 4, 1-5 each, optional.
    attitude: Mapped[int | None] = mapped_column(SmallInteger)
    skill: Mapped[int | None] = mapped_column(SmallInteger)
    timeliness: Mapped[int | None] = mapped_column(SmallInteger)
    promises: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    # Suspected ballot stuffing is kept and flagged, never deleted.
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    suspect_reason: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    # The transaction a counter evaluator rated (一次一评): unique, so one
    # transaction is rated at most once however many taps race.
    service_event_id: Mapped[int | None] = mapped_column(ForeignKey("service_event.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship()

    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_rating_unit_created", "unit_id", "created_at"),
        Index("ix_rating_device", "touchpoint_id", "device_hash", "created_at"),
        # Partial: most ratings are of a counter, not a person, and few have
        # a case, so a QR tap writes neither index; a query for one staff
        # member or one case (staff_id = ?) still uses them.
        Index("ix_rating_staff_created", "staff_id", "created_at", **_where("staff_id IS NOT NULL")),
        Index("ix_rating_case_id", "case_id", **_where("case_id IS NOT NULL")),
    )


class Contact(Base):
    """What we know of a customer's phone number or address: language and
    whether they opted out of messages."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(200), unique=True)  # E.164 or e-mail
    locale: Mapped[str | None] = mapped_column(String(16))
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


OUTBOX_STATUSES = ("pending", "sending", "unconfirmed", "sent", "queued", "accepted", "delivered", "read",
                   "undelivered", "failed", "cancelled", "held")


class OutboundMessage(Base):
    """The outbox: written in the same transaction as the change that caused
    it, sent later by the tick, never from inside a web request."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    transport: Mapped[str] = mapped_column(String(10))  # "sms" or "email"
    to: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    # A notice of the registry (routing.rules.notices), its parameters and
    # the recipient's language: rendered by each sender at send time. `body`
    # is only for a free text that is no notice (an administrator's test).
    body: Mapped[str | None] = mapped_column(Text)
    notice: Mapped[str | None] = mapped_column(String(40))
    params: Mapped[dict | None] = mapped_column(JSON)
    locale: Mapped[str | None] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(30))  # survey, reply, escalation, ...
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # Dedupe key: the same logical message is queued once.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # pending -> sending (claimed, under a lease) -> sent -> delivered |
    # undelivered | failed. "unconfirmed": a request may have reached the
    # provider but its answer was lost; the provider is asked before any
    # resend. cancelled: opted out before sending; failed: also given up
    # after retries (see routing.delivery). held: the SMS provider needs an
    # approved template that the notice lacks; sent once an administrator
    # gives its code (routing.notice_templates).
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    # The lease of a claimed message: who holds it and until when. For an
    # unconfirmed message, lease_until is when to ask the provider (again).
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the latest request to the provider began: where asking it starts.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sent again when the provider could not say whether an earlier request
    # had reached it: the recipient may have it twice.
    possibly_doubled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_outbound_due", "status", "not_before"),
                      Index("ix_outbound_lease", "status", "lease_until"))


# --- the router: time limits, escalation, callbacks, notifications ----------



class Deadline(Base):
    """One target of a case's time limits: when it is due, when to warn, and
    how far it has climbed the escalation ladder."""

    __tablename__ = "case_deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    target: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The moment the limit was missed (its due time), set by the tick.
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while the case waits for the customer and this target's limit pauses.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    # False while the due time rests on a year whose official holidays are
    # not known yet (routing.calendar.is_confirmed); recomputed when they are.
    calendar_confirmed: Mapped[bool] = mapped_column(Boolean, default=True)

    case: Mapped[Case] = relationship(back_populates="deadlines")

    __table_args__ = (UniqueConstraint("case_id", "target", name="uq_case_deadline_case_target"),)


class CasePause(Base):
    """A stretch of "waiting for the customer": the clocks that pause stop."""

    __tablename__ = "case_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(300), default="")


class WeatherDelay(Base):
    """A day on which weather prevented outdoor work on a case (004): its
    outdoor deadlines move to the next day."""

    __tablename__ = "case_weather_delay"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")


class Escalation(Base):
    """One step of a case up the ladder. The unique key makes each step happen
    once, however many ticks run at the same moment."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    # A deadline's target, or "immediate" for a major complaint or a large claim.
    target: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(SmallInteger)  # index into routing.ladder.LEVELS
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    minutes_late: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(10))

    case: Mapped[Case] = relationship()
    to_staff: Mapped[Staff | None] = relationship()

    __table_args__ = (
        UniqueConstraint("case_id", "target", "level", name="uq_escalation_step"),
        CheckConstraint(f"kind IN {ESCALATION_KINDS!r}", name="kind"),
        Index("ix_escalation_to_staff_at", "to_staff_id", "at"),
    )


class Callback(Base):
    """The call back to the customer after a case is resolved (RULES 4)."""

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    due_start: Mapped[datetime] = mapped_column(UTCDateTime())
    due_end: Mapped[datetime] = mapped_column(UTCDateTime())
    # True when the customer asked for this time; else the policy's window.
    requested: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # who called
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The tick's next look: the window's start (reminder), then its end (missed).
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()
    assigned_unit: Mapped[Unit | None] = relationship()
    staff: Mapped[Staff | None] = relationship()
    rating: Mapped[Rating | None] = relationship()
    attempt_log: Mapped[list[CallbackAttempt]] = relationship(order_by="CallbackAttempt.id")

    __table_args__ = (
        CheckConstraint(f"status IN {CALLBACK_STATUSES!r}", name="status"),
        Index("ix_callback_status_due", "status", "due_start"),
    )


class CallbackAttempt(Base):
    """One call of a callback: who called, when, what came of it, and when
    to call again if nobody answered."""

    __tablename__ = "callback_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    call_again_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff | None] = relationship()

    __table_args__ = (CheckConstraint(f"outcome IN {CALLBACK_OUTCOMES!r}", name="outcome"),)


class Notification(Base):
    """An in-app message to a staff member. The text is rendered when shown,
    in the reader's language, from `kind` and `data`."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case | None] = relationship()

    __table_args__ = (Index("ix_notification_staff_created", "staff_id", "created_at"),)


class Policy(Base):
    """A time-limit policy (routing.policy_match.PolicyRule as JSON), editable by an admin."""

    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class WorkCalendar(Base):
    """A working calendar (routing.calendar.Calendar as JSON), editable by an admin."""

    __tablename__ = "work_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CaseRule(Base):
    """Optional routing: new cases of a category arriving at a unit (or below
    it) go to another unit's queue. None matches any."""

    __tablename__ = "case_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str | None] = mapped_column(String(40))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])


class NoticeTemplate(Base):
    """The code of the template approved for a notice at a domestic SMS
    provider (Aliyun's "SMS_123456789", Tencent's "1234567"), kept by an
    administrator on the notices page."""

    __tablename__ = "notice_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))  # aliyun or tencent
    notice: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    __table_args__ = (UniqueConstraint("provider", "notice", name="uq_notice_template"),)


class CacheStamp(Base):
    """A stamp per set of rarely edited rows that processes keep parsed in
    memory (routing.services.cache_stamps): every write to those rows sets a
    new random stamp in the same transaction, so a process sees at its next
    transaction that its copy is stale."""

    __tablename__ = "cache_stamp"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger, default=0)


# A database made without the migrations (tests, create_all) has its rows too.
event.listen(CacheStamp.__table__, "after_create",
             DDL("INSERT INTO cache_stamp (name, stamp) VALUES ('rules', 0), ('units', 0)"))

# Which stamp each watched table's writes replace (here, beside the tables,
# so that every process that can write them stamps its writes).
CACHE_STAMPED = {Policy: "rules", WorkCalendar: "rules", CaseRule: "rules", Unit: "units"}
CACHE_STAMPS_EDITED = "routing.cache_stamps.edited"  # session.info: names this transaction wrote
CACHE_STAMPS_READ = "routing.cache_stamps"  # session.info: the stamps read in this transaction


def touch_cache_stamp(connection, name: str) -> None:
    """A new random stamp for `name`: every process reads its rows again."""
    stamp = secrets.randbits(62)
    upsert = insert_of(connection, CacheStamp).values(name=name, stamp=stamp)  # its row made if emptied by hand
    connection.execute(upsert.on_conflict_do_update(index_elements=["name"], set_={"stamp": upsert.excluded.stamp}))


def _stamp_write(mapper, connection, target) -> None:
    name = CACHE_STAMPED[mapper.class_]
    touch_cache_stamp(connection, name)
    session = object_session(target)
    if session is not None:
        session.info.setdefault(CACHE_STAMPS_EDITED, set()).add(name)
        session.info.pop(CACHE_STAMPS_READ, None)


for _model in CACHE_STAMPED:
    for _when in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _when, _stamp_write)


# --- counter evaluators (评价器) -----------------------------------------------


class CounterDevice(Base):
    """A touchpoint switched to kiosk mode: the rating tablet on a counter.
    Here, not in intake, because scoring measures its uptime (RULES 1, 004:
    "device on 100% of the time") and the tick alerts on its silence.
    `touchpoint_id` is intake's touchpoint (no foreign key: routing does not
    know intake's tables, as with Rating.touchpoint_id)."""

    __tablename__ = "counter_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(Integer, unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    label: Mapped[str] = mapped_column(String(120))  # the touchpoint's, for the supervisor's alert
    # What the kiosk page's address carries: unguessable, replaced on demand.
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when its supervisor was told it fell silent; cleared by the next heartbeat.
    silent_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship()


class DeviceUptime(Base):
    """A stretch in which a device's heartbeats came without a gap: from the
    first heartbeat to the latest. A gap longer than the grace opens a new one."""

    __tablename__ = "device_uptime"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("counter_device.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_device_uptime_device_seen", "device_id", "last_seen_at"),)


# --- days whose counted rows changed (scoring's daily roll-ups) ---------------


class DayMark(Base):
    """A stamp per UTC date, replaced whenever a row counted on that date (a
    rating, service, case, deadline or callback; scoring's verdicts, ledger
    entries and inspections) is written: a daily roll-up built under another
    stamp (scoring.services.daily_tallies) is stale, counted from the rows
    until it is built again. Late data, a case resolved weeks after it came
    in, thus reaches the scorecards of its day."""

    __tablename__ = "day_mark"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


DAY_MARKS_PENDING = "routing.day_marks"  # session.info: UTC dates this transaction wrote counted rows of
# Rows counted at an instant this close to the clock mark no day: no roll-up
# is built of a day until it ended twice as long ago (scoring.services.daily_tallies),
# so a new complaint or a tap costs no statement. The servers' clocks must agree to within it.
UNMARKED_WITHIN = timedelta(hours=6)


def utc_day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()


DAY_FIRST_PENDING = "routing.first_day"  # session.info: the earliest recent UTC date this transaction wrote
# Per engine, the first day marked in its database, once read: marks are never
# removed, so it can only move earlier, and only by a write this process sees.
_first_marked: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def mark_days(session: Session, instants: Iterable[datetime | None]) -> None:
    """Note the days of rows written outside the ORM (a conditional UPDATE);
    the ORM's writes are noted by themselves. Stamped when the transaction commits."""
    recent = utcnow() - UNMARKED_WITHIN
    pending = session.info.setdefault(DAY_MARKS_PENDING, set())
    for instant in instants:
        if instant is None:
            continue
        day = utc_day(instant)
        if instant < recent:
            pending.add(day)
        elif day < session.info.get(DAY_FIRST_PENDING, date.max):
            session.info[DAY_FIRST_PENDING] = day


def _first_recorded(connection, day: date | None) -> set[date]:
    """The day to mark as the first one recorded, if nothing is marked as
    early: the roll-ups start from the first mark and take the days before it
    as empty, so a recent day must be marked when it is the first."""
    if day is None:
        return set()
    known = _first_marked.get(connection.engine)
    if known is None or known > day:
        known = connection.scalar(select(func.min(DayMark.day)))
        if known is not None:
            _first_marked[connection.engine] = known
    if known is not None and known <= day:
        return set()
    return {day}  # known once committed and read again


def case_counted_at(session: Session, case_id: int | None) -> list[datetime | None]:
    """When the case counts: the instant it came in."""
    if case_id is None:
        return []
    with session.no_autoflush:
        case = session.get(Case, case_id)
    return [case.created_at if case is not None else None]


def _case_days(session: Session, case: Case) -> list[datetime | None]:
    """A case counts on the day it came in; a follow-up case reopens the one
    it follows (its reopening rate); a new owner or unit moves its callbacks."""
    instants = [case.created_at, *case_counted_at(session, case.reopened_from_id)]
    state = inspect(case)
    if not state.pending and (state.attrs.owner_id.history.has_changes()
                              or state.attrs.unit_id.history.has_changes()):
        instants.extend(session.scalars(select(Callback.due_start).where(Callback.case_id == case.id)))
    return instants + _later_complaints(session, case, state)


def _later_complaints(session: Session, case: Case, state) -> list[datetime]:
    """A complaint makes the same caller's later complaints repeats (scoring's
    repeat-complaint count): a complaint recorded late, or an edit of one's
    phone, kind or time, changes the days of theirs. A complaint just made has
    none after it, and costs no statement."""
    if state.pending:
        if case.created_at is None or case.created_at >= utcnow() - UNMARKED_WITHIN:
            return []
        phones, since = {case.contact_phone}, case.created_at
    else:
        histories = [getattr(state.attrs, name).history for name in ("contact_phone", "kind", "created_at")]
        if not any(history.has_changes() for history in histories):
            return []
        phones = {case.contact_phone, *histories[0].sum()}
        since = min(t for t in (case.created_at, *histories[2].sum()) if t is not None)
    phones.discard(None)
    if not phones:
        return []
    return list(session.scalars(select(Case.created_at).where(
        Case.contact_phone.in_(phones), Case.kind == "complaint", Case.created_at > since, Case.id != case.id)))


# The instants each counted row is counted at (scoring.models adds its verdicts).
DAY_MARKED: dict[type, Callable[[Session, object], list[datetime | None]]] = {
    Rating: lambda session, row: [row.created_at],
    ServiceEvent: lambda session, row: [row.occurred_at],
    Case: _case_days,
    Deadline: lambda session, row: case_counted_at(session, row.case_id),
    Callback: lambda session, row: [row.due_start],
}


@event.listens_for(Session, "after_flush")
def _note_counted_writes(session: Session, _context) -> None:
    written = [row for row in (*session.new, *session.deleted) if type(row) in DAY_MARKED]
    written += [row for row in session.dirty if type(row) in DAY_MARKED
                and session.is_modified(row, include_collections=False)]
    for row in written:
        mark_days(session, DAY_MARKED[type(row)](session, row))


@event.listens_for(Session, "before_commit")
def _stamp_marked_days(session: Session) -> None:
    if session.dirty or session.new or session.deleted:
        session.flush()  # the last writes' days too
    days = session.info.pop(DAY_MARKS_PENDING, None) or set()
    first = session.info.pop(DAY_FIRST_PENDING, None)
    if not days and first is None:
        return
    connection = session.connection()
    days |= _first_recorded(connection, first)
    statement = insert_of(connection, DayMark.__table__)
    # One row at a time in date order: two transactions lock the same dates in the same order.
    for day in sorted(days):
        connection.execute(statement.values(day=day, stamp=secrets.randbits(62))
                           .on_conflict_do_update(index_elements=["day"], set_={"stamp": statement.excluded.stamp}))


@event.listens_for(Session, "after_soft_rollback")
def _forget_marked_days(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(DAY_MARKS_PENDING, None)
        session.info.pop(DAY_FIRST_PENDING, None)
