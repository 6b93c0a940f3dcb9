"""A callback's outcome (RULES 4): each call is an attempt on record (who,
when, what came of it); a reached customer's four-item survey becomes a
rating of the case owner, recorded by the caller, who is never the owner,
the first responder or the person complained about; a dissatisfied
customer's case can be reopened on the spot; when nobody answers it is tried
again at the time the caller set, or in the next window, until the attempts
run out. Showing the customer's number to the caller is audited too."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy.orm import Session

from routing.errors import Conflict, Forbidden, RoutingError
from routing.labels import CALLBACK_REFUSAL_LABELS
from routing.models import Callback, CallbackAttempt, Rating, Staff
from routing.rules.callback_rules import callback_satisfied, callback_scores, callback_window
from routing.services import lifecycle
from routing.services.callbacks import calendar_for, refusal
from routing.services.timeline import add_event
from routing.vocabulary import CALLBACK_OUTCOMES

OUTCOMES = CALLBACK_OUTCOMES
DEFAULT_MAX_ATTEMPTS = 3
# "Call again at" is at most this far ahead: a callback checks a fresh outcome.
CALL_AGAIN_WITHIN = timedelta(days=14)
# The callback survey's items as Rating columns.
RATING_COLUMNS = {"attitude": "attitude", "skill": "skill", "arrival_time": "timeliness",
                  "keeping_promises": "promises"}


def _max_attempts() -> int:
    if has_app_context():
        return int(current_app.config.get("CALLBACK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    return DEFAULT_MAX_ATTEMPTS


def check_caller(session: Session, staff: Staff, callback: Callback) -> None:
    """Refuse, with the reason in words, a staff member who may not make this call."""
    reason = refusal(session, staff, callback)
    if reason is not None:
        raise Forbidden(f"callback_{reason}", str(CALLBACK_REFUSAL_LABELS[reason]))


def reveal_phone(session: Session, callback: Callback, staff: Staff, now: datetime) -> str | None:
    """The customer's full number for the caller to dial; each reveal is on the case's timeline."""
    check_caller(session, staff, callback)
    add_event(session, callback.case, now, "phone_revealed", actor="staff", staff=staff,
              data={"callback": callback.id})
    return callback.case.contact_phone


def record_outcome(session: Session, callback: Callback, staff: Staff, *, outcome: str,
                   answers: dict[str, str] | None, comment: str = "", reopen: bool = False,
                   reopen_reason: str = "", now: datetime, max_attempts: int | None = None,
                   call_again_at: datetime | None = None) -> Rating | None:
    """Record a call. Reached: the survey answers become a rating (channel
    "callback") of the case owner, and a dissatisfied customer's case can be
    reopened on the spot. No answer: tried again at `call_again_at` or in the
    next window, until `max_attempts` (CALLBACK_MAX_ATTEMPTS) calls went unanswered."""
    case = callback.case
    if callback.status != "scheduled":
        raise Conflict("callback_done", gettext("This callback was already recorded."))
    check_caller(session, staff, callback)
    if outcome not in OUTCOMES:
        raise RoutingError("invalid_outcome", gettext("Choose the outcome of the call."))
    if reopen and outcome != "reached":
        raise RoutingError("reopen_unreached", gettext("A case can only be reopened after talking to the customer."))
    if reopen and not (reopen_reason or "").strip():
        raise RoutingError("reason_required", gettext("Say why the customer is not satisfied."))
    if call_again_at is not None:
        if outcome != "no_answer":
            raise RoutingError("call_again_unneeded", gettext("Set a time to call again only when nobody answered."))
        if call_again_at.tzinfo is None or not now < call_again_at <= now + CALL_AGAIN_WITHIN:
            raise RoutingError("invalid_call_again", gettext(
                "The time to call again must be in the next %(days)s days.", days=CALL_AGAIN_WITHIN.days))
    scores = _scores(answers) if outcome == "reached" else None
    comment = (comment or "").strip()
    session.add(CallbackAttempt(callback_id=callback.id, staff_id=staff.id, at=now, outcome=outcome,
                                call_again_at=call_again_at, note=comment or None))
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
        # Nobody answered: try again when the caller said, or in the next window.
        callback.due_start, callback.due_end = callback_window(calendar_for(session, case), now, call_again_at)
        callback.reminded_at = None
    callback.next_check_at = callback.due_start if callback.status == "scheduled" else None
    add_event(session, case, now, "callback", actor="staff", staff=staff, body=comment, data=data)
    if reopen:
        # The customer rejects the outcome, through the caller (already checked above).
        lifecycle.reopen(session, case, None, reopen_reason, now, by_customer=True)
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
