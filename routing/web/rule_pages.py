"""Administration of the routing rules: which unit's queue takes the new
cases of a category, or of a unit and everything below it
(routing.services.queue_rules). A rule is retired, never deleted: the cases
it routed name it on their timeline."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from wtforms import SelectChoice

from routing.errors import RoutingError
from routing.models import Unit
from routing.services import queue_rules
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("rule_admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for administrators."""


def _units(session) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code).limit(1000)))


def _form(session) -> forms.RoutingRuleForm:
    form = forms.RoutingRuleForm()
    units = [SelectChoice(str(u.id), f"{u.code} {u.name}") for u in _units(session)]
    form.from_unit.choices = form.from_unit.choices[:1] + units
    form.to_unit.choices = form.to_unit.choices[:1] + units
    return form


def _page(session, form, status: int = 200):
    units = {u.id: u for u in session.scalars(select(Unit))}
    return render_template("routing/routing_rules.html", rows=queue_rules.rules(session), units=units,
                           form=form), status


@bp.route("/routing-rules", methods=["GET", "POST"])
def routing_rules():
    session = db_session()
    form = _form(session)
    if not form.is_submitted():
        return _page(session, form)
    if form.validate_on_submit():
        try:
            queue_rules.add_rule(
                session, to_unit=session.get(Unit, int(form.to_unit.data)), now=now(),
                category=form.category.data or None, priority=form.priority.data or 0,
                from_unit=session.get(Unit, int(form.from_unit.data)) if form.from_unit.data else None)
            session.commit()
        except RoutingError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            flash(gettext("The routing rule was added: new cases it covers go to its queue."), "success")
            return redirect(url_for(".routing_rules"), 303)
    return _page(session, form, 400)


@bp.route("/routing-rules/<int:rule_id>/retire", methods=["POST"])
def retire_rule(rule_id: int):
    session = db_session()
    form = forms.StepForm()
    if not form.validate_on_submit():
        return _page(session, _form(session), 400)
    try:
        queue_rules.remove_rule(session, rule_id)
        session.commit()
    except RoutingError as error:
        session.rollback()
        flash(error.message, "error")
        return _page(session, _form(session), error.status)
    flash(gettext("The routing rule was retired: new cases no longer follow it."), "success")
    return redirect(url_for(".routing_rules"), 303)
