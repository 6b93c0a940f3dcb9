"""Landing pages (/overview): managers and executives see the period's key
figures against the last period and the target, the week's worst counters
and staff, complaints to judge and overdue cases; supervisors see what needs
them: escalations, the week's low ratings, verdicts to give, overdue cases.
Views read the services, audit, commit and render."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from routing import labels as case_labels
from routing.models import Unit
from routing.rules import access as policy
from routing.web.glue import db_session, now, role_required
from scoring import labels
from scoring.engine.periods import Period
from scoring.services import overview
from scoring.services import sight as access
from scoring.web.common import timezone
from scoring.web.dashboard import DEFAULT_TARGETS

bp = Blueprint("overview", __name__)


@bp.route("/overview")
@role_required("supervisor")
def overview_page():
    session = db_session()
    units, _people = access.visible_subjects(session, current_user)
    unit_ids = units if units is not None else list(session.scalars(select(Unit.id).where(Unit.active.is_(True))))
    at, tz = now(), timezone()
    period = Period.containing(at, "month", tz)
    boss = policy.at_least(current_user.role, "manager")
    page = {
        "unjudged": overview.unjudged_complaints(session, unit_ids),
        "overdue": overview.overdue_cases(session, unit_ids, at),
        "low_ratings": [] if boss else overview.low_ratings(session, unit_ids, at),
        "escalations": overview.escalations_to(session, current_user),
    }
    if boss:
        scope = _scope(session, units)
        targets = current_app.config.get("SCORE_TARGETS") or DEFAULT_TARGETS
        page.update(scope=scope, figures=overview.key_figures(session, scope.id, period, tz, targets) if scope else [],
                    worst_counters=overview.worst_counters(session, unit_ids, at),
                    worst_staff=overview.worst_staff(session, unit_ids, at))
    access.audit(session, current_user, "view", f"overview {period.label}", at)
    session.commit()
    return render_template("scoring/overview.html", boss=boss, period=period, period_name=labels.period_name(period),
                           labels=labels, case_labels=case_labels, **page)


def _scope(session, units: list[int] | None) -> Unit | None:
    """Whose figures: the manager's own unit, or the top of the organisation."""
    if units is not None:
        return session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    return session.scalars(select(Unit).where(Unit.parent_id.is_(None), Unit.active.is_(True))
                           .order_by(Unit.id)).first()
