"""The callback list (RULES 4: every resolved case is called back) and the
form that records a call's outcome and the customer's four answers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.errors import RoutingError
from routing.models import Callback, CaseEvent, Staff
from routing.rules import access
from routing.rules.privacy import mask_phone
from routing.services import callback_outcome, callbacks
from routing.services.org import subtree_ids
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("callbacks", __name__)


@bp.route("/callbacks")
@role_required("handler")
def callback_list():
    session = db_session()
    rows = callbacks.callback_list(session, current_user, now())
    return render_template("routing/callbacks.html", rows=[_row(session, current_user, cb) for cb in rows])


@bp.route("/callbacks/<int:callback_id>", methods=["GET", "POST"])
@role_required("handler")
def record(callback_id: int):
    session = db_session()
    callback = _visible_callback(session, current_user, callback_id)
    form = forms.CallbackOutcomeForm()
    if callback.status != "scheduled" and form.is_submitted():
        flash(gettext("This callback was already recorded."), "error")
        return redirect(url_for(".callback_list"), 303)
    if form.validate_on_submit():
        try:
            rating = callback_outcome.record_outcome(
                session, callback, current_user, outcome=form.outcome.data, answers=form.answers() or None,
                comment=(form.comment.data or "").strip(), reopen=form.reopen.data,
                reopen_reason=(form.reopen_reason.data or "").strip(), now=now())
            session.commit()
        except RoutingError as error:
            session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".record", callback_id=callback_id), 303)
        flash(_outcome_message(form.outcome.data, rating is not None, form.reopen.data), "success")
        return redirect(url_for(".callback_list"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("routing/callback.html", row=_row(session, current_user, callback), form=form,
                           resolution=_resolution(session, callback.case_id)), status


def _outcome_message(outcome: str, rated: bool, reopened: bool) -> str:
    if reopened:
        return gettext("The callback was recorded and a new case was opened for the customer.")
    if outcome == "reached":
        return gettext("The callback and the customer's answers were recorded.") if rated else \
            gettext("The callback was recorded.")
    return gettext("The callback was recorded; it will be tried again if attempts are left.")


def _visible_callback(session: Session, staff: Staff, callback_id: int) -> Callback:
    callback = session.get(Callback, callback_id)
    if callback is None:
        abort(404, _l("There is no such callback."))
    # Whoever sees the case, or works in the unit subtree the callback is assigned to.
    assigned = staff.unit_id is not None and callback.assigned_unit_id in subtree_ids(session, staff.unit_id)
    if not (assigned or access.may_see_case(staff, callback.case)):
        abort(403, _l("This callback belongs to a unit outside yours."))
    return callback


def _row(session: Session, staff: Staff, callback: Callback) -> dict:
    """A callback with its case, and the phone number as far as the staff
    member may see it."""
    case = callback.case
    sees = "see_phone" in access.allowed_actions(staff, case)
    return {"callback": callback, "case": case,
            "phone": case.contact_phone if sees else mask_phone(case.contact_phone), "sees_phone": sees}


def _resolution(session: Session, case_id: int) -> CaseEvent | None:
    """The last "resolved" entry of the timeline: what the customer was told."""
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "resolved")
                           .order_by(CaseEvent.id.desc()).limit(1)).first()
