"""What the customer's tracking page says of when: the appointment, the
expected reply and resolution, who is handling the case; and the customer's
verdict once it is resolved ("satisfied / not satisfied", RULES 4).
Services take a session and never commit."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from routing.errors import Conflict, RoutingError
from routing.models import Case
from routing.rules.public_names import shown_handler
from routing.services import lifecycle
from routing.services.timeline import add_event

REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Expectations:
    appointment_at: datetime | None
    reply_due: datetime | None  # first response (or acknowledgement) still to come
    resolution_due: datetime | None
    handler: str | None  # a first name, or the unit
    staff_number: str | None


def _pending_due(case: Case, *targets: str) -> datetime | None:
    for target in targets:
        for deadline in case.deadlines:
            if deadline.target == target and deadline.met_at is None:
                return deadline.due_at
    return None


def expectations(case: Case, config: Mapping) -> Expectations:
    """The dates a customer is waiting for, while they are still to come."""
    open_case = case.status not in ("resolved", "closed")
    owner = case.owner
    name, number = shown_handler(config.get("TRACKING_SHOWS_HANDLER", "unit"),
                                 display_name=owner.display_name if owner else None,
                                 staff_number=owner.username if owner else None,
                                 unit_name=case.unit.name if case.unit else None)
    return Expectations(
        appointment_at=case.appointment_at if open_case else None,
        reply_due=_pending_due(case, "first_response", "acknowledge") if open_case else None,
        resolution_due=_pending_due(case, "resolution") if open_case else None,
        handler=name, staff_number=number)


class VerdictRejected(RoutingError):
    status = 400


def may_give_verdict(case: Case) -> bool:
    """Once resolved and until closed; a case already judged is not asked again."""
    return case.status == "resolved" and not any(e.kind == "customer_satisfied" for e in case.events)


def customer_verdict(session: Session, case: Case, *, satisfied: bool, reason: str | None, now: datetime,
                     config: Mapping) -> Case:
    """Satisfied: recorded; the case closes, or waits for its callback, as
    the organisation's setting SATISFIED_CLOSES says. Not satisfied: a new
    case linked to this one (RULES 4), which is returned."""
    if not may_give_verdict(case):
        raise Conflict("not_resolved", _l("This case is not waiting for your answer."))
    if not satisfied:
        text = (reason or "").strip()
        if not text:
            raise VerdictRejected("reason_required", _l("Please tell us what is still wrong."))
        if len(text) > REASON_MAX_LENGTH:
            raise VerdictRejected("reason_too_long", _l(
                "Please keep the message under %(max)s characters.", max=REASON_MAX_LENGTH))
        return lifecycle.reopen(session, case, None, text, now, by_customer=True)
    add_event(session, case, now, "customer_satisfied", actor="customer", public=True,
              body=(reason or "").strip()[:REASON_MAX_LENGTH])
    if config.get("SATISFIED_CLOSES", False):
        lifecycle.close_for_customer(session, case, now)
    return case
