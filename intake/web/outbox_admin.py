"""The administrators' view of the outbox: messages that were not delivered,
with a button to send one again, and messages that may have reached their
recipient twice. Administrators only."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from intake.web.admin import action_error, get_or_404
from routing.errors import RoutingError
from routing.labels import OUTBOX_STATUS_LABELS, PURPOSE_LABELS, TRANSPORT_LABELS
from routing.models import Case, OutboundMessage
from routing.services.customer_messages import render
from routing.services.outbox import GIVEN_UP, retry
from routing.web.glue import db_session, now, role_required

bp = Blueprint("outbox_admin", __name__, url_prefix="/admin/outbox")

SHOWN = 200  # the newest; the API pages through all of them
VIEWS = {
    "given_up": OutboundMessage.status.in_(GIVEN_UP),
    "doubled": OutboundMessage.possibly_doubled.is_(True),
    "held": OutboundMessage.status == "held",  # waiting for a template code (the notices page)
}


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for administrators."""


@bp.route("")
def outbox():
    view = request.args.get("show") if request.args.get("show") in VIEWS else "given_up"
    rows = db_session().execute(
        select(OutboundMessage, Case.reference).outerjoin(Case, Case.id == OutboundMessage.case_id)
        .where(VIEWS[view]).order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(SHOWN)
    ).all()
    texts = {message.id: render(message, current_app.config["PUBLIC_URL"]).body for message, _ in rows}
    return render_template("admin/outbox.html", rows=rows, texts=texts, view=view, retryable=GIVEN_UP, shown=SHOWN,
                           statuses=OUTBOX_STATUS_LABELS, purposes=PURPOSE_LABELS, transports=TRANSPORT_LABELS)


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    session = db_session()
    message = get_or_404(session, OutboundMessage, message_id)
    try:
        retry(session, message, now())
    except RoutingError as error:
        session.rollback()
        action_error(error)
    else:
        session.commit()
        flash(_("The message to %(to)s will be sent again in a moment.", to=message.to), "success")
    return redirect(url_for(".outbox"))
