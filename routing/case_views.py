"""Handler pages: queues and the case page."""
from flask import Blueprint, render_template
from sqlalchemy import select

from routing.models import OPEN_STATUSES, Case
from routing.web import db_session, role_required

bp = Blueprint("cases", __name__)


@bp.route("/cases")
@role_required("handler")
def queue():
    cases = db_session().scalars(
        select(Case).where(Case.status.in_(OPEN_STATUSES)).order_by(Case.created_at).limit(200)
    ).all()
    return render_template("routing/queue.html", cases=cases)
