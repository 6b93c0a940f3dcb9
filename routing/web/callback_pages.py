"""The callback list (RULES 4: every resolved case is called back), the
form that records a call's outcome and the customer's four answers, and the
caller's audited look at the customer's full number."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import RoutingError
from routing.labels import CALLBACK_REFUSAL_LABELS
from routing.models import Callback, CaseEvent, Staff
from routing.rules import callback_rules
from routing.rules.privacy import mask_phone
from routing.services import callback_outcome, callbacks, queues
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("callbacks", __name__)


@bp.route("/callbacks")
@role_required("handler")
def callback_list():
    session = db_session()
    rows = callbacks.callback_list(session, current_user, now())
    openable = queues.in_sight_of(session, current_user, {cb.case_id for cb in rows})
    return render_template("routing/callbacks.html", rows=[_row(session, current_user, cb, openable) for cb in rows])


@bp.route("/callbacks/<int:callback_id>", methods=["GET", "POST"])
@role_required("handler")
def record(callback_id: int):
    session = db_session()
    callback = _callers_callback(session, current_user, callback_id)
    form = forms.CallbackOutcomeForm()
    if callback.status != "scheduled" and form.is_submitted():
        flash(gettext("This callback was already recorded."), "error")
        return redirect(url_for(".callback_list"), 303)
    if form.validate_on_submit():
        try:
            rating = callback_outcome.record_outcome(
                session, callback, current_user, outcome=form.outcome.data, answers=form.answers() or None,
                comment=(form.comment.data or "").strip(), reopen=form.reopen.data,
                reopen_reason=(form.reopen_reason.data or "").strip(), now=now(),
                call_again_at=_local(form.call_again_at.data))
            session.commit()
        except RoutingError as error:
            session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".record", callback_id=callback_id), 303)
        flash(_outcome_message(form.outcome.data, rating is not None, form.reopen.data), "success")
        return redirect(url_for(".callback_list"), 303)
    return _record_page(session, callback, form, status=400 if form.is_submitted() else 200)


@bp.route("/callbacks/<int:callback_id>/phone", methods=["POST"])
@role_required("handler")
def reveal(callback_id: int):
    """The full number, for the caller only; the reveal goes on the case's timeline."""
    session = db_session()
    callback = _callers_callback(session, current_user, callback_id)
    phone = callback_outcome.reveal_phone(session, callback, current_user, now())
    session.commit()
    return _record_page(session, callback, forms.CallbackOutcomeForm(formdata=None), phone=phone)


def _record_page(session: Session, callback: Callback, form, *, status: int = 200, phone: str | None = None):
    return render_template("routing/callback.html", row=_row(session, current_user, callback, phone=phone),
                           form=form, asked=callback_rules.items_asked(callback.case.kind),
                           resolution=_resolution(session, callback.case_id)), status


def _local(value):
    """datetime-local carries no zone: it is the organisation's wall clock."""
    return None if value is None else value.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _outcome_message(outcome: str, rated: bool, reopened: bool) -> str:
    if reopened:
        return gettext("The callback was recorded and a new case was opened for the customer.")
    if outcome == "reached":
        return gettext("The callback and the customer's answers were recorded.") if rated else \
            gettext("The callback was recorded.")
    return gettext("The callback was recorded; it will be tried again if attempts are left.")


def _callers_callback(session: Session, staff: Staff, callback_id: int) -> Callback:
    """The callback, if `staff` may make the call; else 404 or 403 with the reason."""
    callback = session.get(Callback, callback_id)
    if callback is None:
        abort(404, _l("There is no such callback."))
    reason = callbacks.refusal(session, staff, callback)
    if reason is not None:
        abort(403, CALLBACK_REFUSAL_LABELS[reason])
    return callback


def _row(session: Session, staff: Staff, callback: Callback, openable: set[int] | None = None,
         phone: str | None = None) -> dict:
    """A callback with its case; the number masked until its caller asks to
    see it (`phone`, audited), and why the staff member may not call, if so.
    A caller of a unit above the case's calls it back from here: its case
    page is linked only for those who may open it (`openable`)."""
    case = callback.case
    refusal = callbacks.refusal(session, staff, callback)
    if openable is None:
        openable = queues.in_sight_of(session, staff, [case.id])
    return {"callback": callback, "case": case, "phone": phone or mask_phone(case.contact_phone),
            "case_open": case.id in openable,
            "revealed": phone is not None, "refusal": refusal and CALLBACK_REFUSAL_LABELS[refusal],
            "may_call": refusal is None and callback.status == "scheduled"}


def _resolution(session: Session, case_id: int) -> CaseEvent | None:
    """The last "resolved" entry of the timeline: what the customer was told."""
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "resolved")
                           .order_by(CaseEvent.id.desc()).limit(1)).first()
