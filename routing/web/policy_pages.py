"""Administration of time-limit policies and working calendars (RULES 2:
every number is a preset an organisation may change). Saving one recomputes
the deadlines of the open cases it governs (routing.policies); a calendar
that follows official holidays shows how far it is confirmed and imports a
year from python-holidays (routing.official_calendars)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from routing import labels
from routing.errors import RoutingError
from routing.rules.calendar import calendar_from_dict
from routing.rules.official_days import SOURCE, YEARS
from routing.services import policies, policy_editing
from routing.services.official_calendars import import_year, missing_next_year, official_calendars
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("policy_admin", __name__, url_prefix="/admin")
# Every page may carry the calendar notice (routing/_calendar_notice.html).
for _name, _words in (("calendar_name", labels.calendar_name), ("policy_name", labels.policy_name),
                      ("quoted", labels.quoted)):
    bp.add_app_template_global(_words, _name)
    bp.add_app_template_filter(_words, _name)


@bp.app_template_global()
def official_year_missing() -> list:
    """From November, the calendars still without next year's official
    holidays (the notice of routing/_calendar_notice.html)."""
    return missing_next_year(db_session(), now())


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
    form.calendar.choices = [SelectChoice(c.name, labels.calendar_name(c.name)) for c in policies.calendars(session)]
    if row is not None:
        form.name.data = row.name  # a policy keeps its name: cases refer to it
        if not form.is_submitted():
            form.fill(row.data, row.active)
    return _save_or_show(session, form, row, lambda: policy_editing.update_policy(
        session, form.name.data, form.policy_data(), now(), by=current_user, active=form.active.data,
        new=row is None), saved=gettext(
        "The policy %(name)s was saved; the deadlines of its open cases were recomputed.",
        name=labels.policy_name(form.name.data)),
        back=".policy_list", template="routing/policy_edit.html", targets=forms.TARGETS)


@bp.route("/calendars")
def calendar_list():
    return _calendar_list(_with_presets(db_session()))


def _calendar_list(session, status: int = 200):
    rows = policies.calendars(session)
    users = {}
    for policy in policies.policies(session):
        users.setdefault(policy.data.get("calendar"), []).append(policy.name)
    coverage = {c.name: c for c in official_calendars(session, now())}
    return render_template("routing/calendars.html", rows=rows, users=users, coverage=coverage,
                           next_year=now().year + 1, years=YEARS, source=SOURCE), status


@bp.route("/calendars/<name>/import", methods=["POST"])
def calendar_import(name: str):
    """Fill one year of a calendar from python-holidays."""
    session = _with_presets(db_session())
    form = forms.ImportYearForm()
    if not form.validate_on_submit():
        flash(gettext("Choose a year between %(first)s and %(last)s.", first=YEARS[0], last=YEARS[-1]), "error")
        return _calendar_list(session, 400)
    try:
        coverage = import_year(session, name, form.year.data, now(), by=current_user)
        session.commit()
    except RoutingError as error:
        session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
        return _calendar_list(session, 400)
    if coverage.years.get(form.year.data):
        flash(gettext("The official holidays of %(year)s were imported into %(name)s from %(source)s; the deadlines "
                      "and callbacks that run on it were recomputed.", year=form.year.data, name=labels.calendar_name(name),
                      source=SOURCE), "success")
    else:
        flash(gettext("%(source)s does not have the official notice for %(year)s yet: only the fixed public holidays "
                      "were filled in, and %(year)s stays not confirmed. Add the days by hand when the notice is "
                      "out, or import again after updating python-holidays.", year=form.year.data,
                      source=SOURCE), "error")
    return redirect(url_for(".calendar_list"), 303)


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
        "The calendar %(name)s was saved; the deadlines that run on it were recomputed.",
        name=labels.calendar_name(form.name.data)),
        back=".calendar_list", template="routing/calendar_edit.html", weekdays=labels.WEEKDAY_LABELS,
        filled=calendar_from_dict(row.data).filled if row is not None else {})


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
