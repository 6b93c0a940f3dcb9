"""The supervisor's escalation inbox (cases escalated to me: level, target,
minutes late) and my in-app notifications."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from routing.rules.ladder import LEVELS
from routing.services import escalation, notify
from routing.web.glue import db_session, now, record_id, role_required

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
    try:  # no id: all of them; an id no notification can have is a mistake, not "all"
        ids = [record_id(i) for i in request.form.getlist("id")] or None
    except ValueError:
        abort(400, _l("There is no such notification. Reload the page and try again."))
    count = notify.mark_read(session, current_user, now(), ids)
    session.commit()
    if count:
        flash(gettext("Notifications marked as read."), "success")
    back = url_for(".inbox", **({"show": "all"} if request.args.get("show") == "all" else {}))
    return redirect(back + "#notifications", 303)
