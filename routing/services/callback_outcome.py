"""A callback's outcome (RULES 4): the call is recorded with the four-item
survey as a rating of the case owner; a dissatisfied customer's case can be
reopened on the spot; when nobody answers it is tried again in the next
window, until the attempts run out."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy.orm import Session

from routing.errors import Conflict, Forbidden, RoutingError
from routing.models import Callback, Rating, Staff
from routing.rules import access
from routing.rules.callback_rules import callback_satisfied, callback_scores, callback_window
from routing.services import lifecycle
from routing.services.callbacks import calendar_for
from routing.services.org import subtree_ids
from routing.services.timeline import add_event

OUTCOMES = ("reached", "no_answer", "wrong_number")
DEFAULT_MAX_ATTEMPTS = 3
# The callback survey's items as Rating columns.
RATING_COLUMNS = {"attitude": "attitude", "skill": "skill", "arrival_time": "timeliness",
                  "keeping_promises": "promises"}


def _max_attempts() -> int:
    if has_app_context():
        return int(current_app.config.get("CALLBACK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    return DEFAULT_MAX_ATTEMPTS


def _may_call(session: Session, staff: Staff, callback: Callback) -> bool:
    if not staff.active:
        return False
    if access.may_see_case(staff, callback.case) or access.record_reach(staff.role) == access.ALL:
        return True
    return (staff.unit_id is not None and callback.assigned_unit_id is not None
            and callback.assigned_unit_id in subtree_ids(session, staff.unit_id))


def record_outcome(session: Session, callback: Callback, staff: Staff, *, outcome: str,
                   answers: dict[str, str] | None, comment: str = "", reopen: bool = False,
                   reopen_reason: str = "", now: datetime, max_attempts: int | None = None) -> Rating | None:
    """Record a call. Reached: the survey answers become a rating (channel
    "callback") of the case owner, and a dissatisfied customer's case can be
    reopened on the spot. No answer: tried again in the next window, until
    `max_attempts` (CALLBACK_MAX_ATTEMPTS) calls went unanswered."""
    case = callback.case
    if callback.status != "scheduled":
        raise Conflict("callback_done", gettext("This callback was already recorded."))
    if not _may_call(session, staff, callback):
        raise Forbidden("not_allowed", gettext("You may not record callbacks of this unit."))
    if outcome not in OUTCOMES:
        raise RoutingError("invalid_outcome", gettext("Choose the outcome of the call."))
    if reopen and outcome != "reached":
        raise RoutingError("reopen_unreached", gettext("A case can only be reopened after talking to the customer."))
    if reopen and not (reopen_reason or "").strip():
        raise RoutingError("reason_required", gettext("Say why the customer is not satisfied."))
    scores = _scores(answers) if outcome == "reached" else None
    comment = (comment or "").strip()
    callback.attempts += 1
    callback.staff_id, callback.outcome_at, callback.comment = staff.id, now, comment or None
    rating = None
    data: dict = {"outcome": outcome, "attempt": callback.attempts}
    if scores is not None:
        rating = _rating(session, callback, staff, scores, comment, now)
        callback.status, callback.rating_id = "done", rating.id
        data.update(answers=answers, satisfied=callback_satisfied(answers))
    elif outcome == "wrong_number":
        callback.status = "wrong_number"
    elif callback.attempts >= (max_attempts or _max_attempts()):
        callback.status = "no_answer"
    else:
        # Nobody answered: try again in the next window.
        callback.due_start, callback.due_end = callback_window(calendar_for(session, case), now)
        callback.reminded_at = None
    callback.next_check_at = callback.due_start if callback.status == "scheduled" else None
    add_event(session, case, now, "callback", actor="staff", staff=staff, body=comment, data=data)
    if reopen:
        lifecycle.reopen(session, case, staff, reopen_reason, now, by_customer=True)
    return rating


def _scores(answers: dict[str, str] | None) -> dict[str, int]:
    try:
        return callback_scores(answers or {})
    except ValueError as error:
        raise RoutingError("invalid_answers", gettext(
            "Record the customer's answers to the callback survey: each of attitude, skill, arrival time "
            "and keeping promises is very satisfied, satisfied, average or poor.")) from error


def _rating(session: Session, callback: Callback, staff: Staff, scores: dict[str, int], comment: str,
            now: datetime) -> Rating:
    case = callback.case
    unit_id = case.unit_id or callback.assigned_unit_id or staff.unit_id
    if unit_id is None:
        raise RoutingError("no_unit", gettext("The case has no unit to rate."))
    mean = Decimal(sum(scores.values())) / len(scores)
    rating = Rating(channel="callback", unit_id=unit_id, staff_id=case.owner_id, case_id=case.id,
                    score=int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
                    comment=comment or None, locale=case.locale, external_id=f"callback-{callback.id}",
                    created_at=now,
                    **{RATING_COLUMNS[item]: score for item, score in scores.items()})
    session.add(rating)
    session.flush()
    return rating
