"""Intake's own records: touchpoints, SMS surveys and the inbound message
log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from routing.foundation.db import Base, UTCDateTime
from routing.models import Rating, ServiceEvent, Staff, Unit


class Touchpoint(Base):
    """A counter, or a staff member at a counter, with its QR code token.

    The token is all the QR code carries: unguessable, no personal data;
    rotating it replaces the token and revoking it retires the touchpoint.
    """

    __tablename__ = "touchpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    label: Mapped[str] = mapped_column(String(120))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()
    staff: Mapped[Staff | None] = relationship()

    @property
    def place(self) -> str:
        """Where the customer stands: "Lujiazui Outlet · Counter 3"; a counter
        named as its unit (a counter unit "1号窗口") is named once."""
        return self.unit.name if self.label == self.unit.name else f"{self.unit.name} · {self.label}"


class Survey(Base):
    """An SMS satisfaction survey about one service event: "reply 1-5"."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_event_id: Mapped[int] = mapped_column(ForeignKey("service_event.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # open -> answered | expired
    status: Mapped[str] = mapped_column(String(10), default="open")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id"))

    service_event: Mapped[ServiceEvent] = relationship()

    # The tick expires open surveys by one range query on this index.
    __table_args__ = (Index("ix_survey_status_expires", "status", "expires_at"),)


class InboundMessage(Base):
    """Every SMS received, once: Twilio may deliver a webhook twice."""

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)  # MessageSid
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    # What it became: rating, opt_out, opt_in, help, case_message, new_case.
    outcome: Mapped[str | None] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(SmallInteger)


class HealthProbe(Base):
    """One row per node, rewritten by each /healthz: proof that the
    database takes a write, not only a read."""

    __tablename__ = "health_probe"

    node: Mapped[str] = mapped_column(String(100), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JoinCode(Base):
    """A one-time code sent by SMS: proof that whoever fills in the public
    form holds the phone of an open case, so their message may join it
    (intake.services.proof). Only the code's hash is kept; each code takes a
    bounded number of guesses and expires soon."""

    __tablename__ = "join_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_join_code_phone_created", "phone", "created_at"),)


class CounterPrompt(Base):
    """The counter system asked the evaluator to rate one transaction (办件
    编号). The transaction is a service event, so the evaluation rate is
    exact: rated transactions over prompted ones."""

    __tablename__ = "counter_prompt"

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"))
    service_event_id: Mapped[int] = mapped_column(ForeignKey("service_event.id"), unique=True)
    transaction_no: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id"))

    touchpoint: Mapped[Touchpoint] = relationship()
    service_event: Mapped[ServiceEvent] = relationship()
    staff: Mapped[Staff | None] = relationship()
    rating: Mapped[Rating | None] = relationship()

    # The kiosk asks for its newest prompt on every poll.
    __table_args__ = (Index("ix_counter_prompt_touchpoint_created", "touchpoint_id", "created_at"),)
