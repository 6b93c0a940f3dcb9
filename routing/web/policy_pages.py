"""Administration of time-limit policies and working calendars (RULES 2:
every number is a preset an organisation may change). Saving one recomputes
the deadlines of the open cases it governs (routing.policies)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from routing import labels
from routing.errors import RoutingError
from routing.services import policies, policy_editing
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("policy_admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for administrators."""


def _with_presets(session):
    """A fresh database shows and edits the RULES 2 presets rather than nothing."""
    if not policies.calendars(session):
        policies.ensure_presets(session, now())
        session.commit()
    return session


@bp.route("/policies")
def policy_list():
    return render_template("routing/policies.html", rows=policies.policies(_with_presets(db_session())))


@bp.route("/policies/new", methods=["GET", "POST"], defaults={"name": None})
@bp.route("/policies/<name>", methods=["GET", "POST"])
def policy_edit(name: str | None):
    session = _with_presets(db_session())
    row = next((p for p in policies.policies(session) if p.name == name), None) if name else None
    if name and row is None:
        abort(404)
    form = forms.PolicyForm()
    form.calendar.choices = [SelectChoice(c.name, c.name) for c in policies.calendars(session)]
    if row is not None:
        form.name.data = row.name  # a policy keeps its name: cases refer to it
        if not form.is_submitted():
            form.fill(row.data, row.active)
    return _save_or_show(session, form, row, lambda: policy_editing.update_policy(
        session, form.name.data, form.policy_data(), now(), by=current_user, active=form.active.data,
        new=row is None), saved=gettext(
        "The policy %(name)s was saved; the deadlines of its open cases were recomputed.", name=form.name.data),
        back=".policy_list", template="routing/policy_edit.html", targets=forms.TARGETS)


@bp.route("/calendars")
def calendar_list():
    session = _with_presets(db_session())
    rows = policies.calendars(session)
    users = {}
    for policy in policies.policies(session):
        users.setdefault(policy.data.get("calendar"), []).append(policy.name)
    return render_template("routing/calendars.html", rows=rows, users=users)


@bp.route("/calendars/new", methods=["GET", "POST"], defaults={"name": None})
@bp.route("/calendars/<name>", methods=["GET", "POST"])
def calendar_edit(name: str | None):
    session = _with_presets(db_session())
    row = next((c for c in policies.calendars(session) if c.name == name), None) if name else None
    if name and row is None:
        abort(404)
    form = forms.CalendarForm()
    if row is not None:
        form.name.data = row.name
        if not form.is_submitted():
            form.fill(row.data)
    return _save_or_show(session, form, row, lambda: policy_editing.update_calendar(
        session, form.name.data, form.calendar_data(), now(), by=current_user, new=row is None), saved=gettext(
        "The calendar %(name)s was saved; the deadlines that run on it were recomputed.", name=form.name.data),
        back=".calendar_list", template="routing/calendar_edit.html", weekdays=labels.WEEKDAY_LABELS)


def _save_or_show(session, form, row, save, *, saved: str, back: str, template: str, **context):
    """The editors' POST: save (recomputing deadlines) and go back to the list,
    or show the form again with what is wrong."""
    if form.validate_on_submit():
        try:
            save()
            session.commit()
        except RoutingError as error:
            session.rollback()
            if error.code == "name_taken":
                form.name.errors = [*form.name.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            flash(saved, "success")
            return redirect(url_for(back), 303)
    return render_template(template, form=form, row=row, **context), 400 if form.is_submitted() else 200
