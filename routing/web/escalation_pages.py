"""The supervisor's escalation inbox (cases escalated to me: level, target,
minutes late) and my in-app notifications."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from routing.rules.ladder import LEVELS
from routing.services import escalation, notify
from routing.web.glue import db_session, now, role_required

bp = Blueprint("escalations", __name__)


@bp.route("/escalations")
@role_required("handler")
def inbox():
    session = db_session()
    show_all = request.args.get("show") == "all"
    steps = escalation.escalations_for(session, current_user, open_only=not show_all)
    notices = notify.notifications_for(session, current_user, limit=50)
    return render_template(
        "routing/escalations.html", steps=steps, show_all=show_all, levels=LEVELS,
        notices=[(n, notify.notification_text(n.kind, n.data)) for n in notices],
        unread=notify.unread_count(session, current_user))


@bp.route("/notifications/read", methods=["POST"])
@role_required("handler")
def mark_read():
    session = db_session()
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
    count = notify.mark_read(session, current_user, now(), ids)
    session.commit()
    if count:
        flash(gettext("Notifications marked as read."), "success")
    back = url_for(".inbox", **({"show": "all"} if request.args.get("show") == "all" else {}))
    return redirect(back + "#notifications", 303)
