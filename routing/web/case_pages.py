"""Handler pages: the queues and the case page with its steps.

Views parse, call a lifecycle service, commit and redirect; whether a step is
allowed is routing.rules.access's business (allowed_actions, and the service
refusing with a RoutingError, shown as a flash message).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager
from wtforms import SelectChoice

from routing import labels
from routing.errors import RoutingError
from routing.models import Case, Deadline, Staff, Unit
from routing.rules import access
from routing.rules.countdown import AMBER_WITHIN, RED_WITHIN, deadline_state
from routing.rules.ladder import LEVELS
from routing.rules.privacy import mask_phone
from routing.services import customer_history, lifecycle, notify, queues
from routing.services.cases import case_by_reference
from routing.services.org import subtree_ids
from routing.web import forms
from routing.web.glue import db_session, now, role_required

bp = Blueprint("cases", __name__)

# --- who sees what -----------------------------------------------------------

def visible_case(session: Session, staff: Staff, reference: str) -> Case:
    """The case by reference, or 404; 403 when it is out of the staff
    member's sight (routing.rules.access.may_see_case: role, unit tree, own case)."""
    case = case_by_reference(session, reference) if len(reference) <= 40 else None
    if case is None:
        abort(404, _l("There is no case with the reference %(reference)s.", reference=reference))
    if not access.may_see_case(staff, case, subject_sees=current_app.config.get("SUBJECT_SEES_COMPLAINT", False)):
        abort(403, lifecycle.subject_refusal(case) if access.is_subject(staff, case)
              else _l("This case belongs to a unit outside yours."))
    return case


# --- countdowns ----------------------------------------------------------------

def _duration(delta: timedelta) -> str:
    """The two largest parts of a duration: "2 hr 10 min", "1 day 3 hr"."""
    minutes = max(1, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [timedelta(days=days), timedelta(hours=hours), timedelta(minutes=minutes)]
    start = next(i for i, part in enumerate(parts) if part)
    locale = get_locale()
    words = [format_timedelta(part, format="short", threshold=1000, locale=locale,
                              granularity=("day", "hour", "minute")[i])
             for i, part in enumerate(parts[start:start + 2], start) if part]
    return words[0] if len(words) == 1 else gettext("%(larger)s %(smaller)s", larger=words[0], smaller=words[1])


@bp.app_template_global()
def countdown(due_at: datetime | None, at: datetime | None = None) -> str:
    """"in 2 hr 10 min" or "overdue by 35 min", from the app's clock."""
    if due_at is None:
        return ""
    left = due_at - (at or now())
    if left > timedelta(0):
        return gettext("in %(time)s", time=_duration(left))
    return gettext("overdue by %(time)s", time=_duration(-left))


@bp.app_template_global()
def case_due_state(case: Case) -> str:
    """The queue's colour for a case: its next pending deadline's state."""
    if case.next_due_at is None:
        return "ok"
    return deadline_state(case.next_due_at, now(), paused=case.status == "waiting")


def event_detail(event) -> str:
    """What the timeline shows of a system step's data (escalations, callbacks)."""
    data = event.data or {}
    if event.kind in ("escalated", "warning") and "target" in data:
        target = labels.TARGET_LABELS.get(data["target"], data["target"])
        level = labels.LADDER_LABELS.get(data.get("level"), data.get("level"))
        if event.kind == "warning":
            return gettext("%(target)s: most of the time limit has passed.", target=target)
        if data["target"] == "immediate":  # a major complaint or a large claim: no limit was missed
            return gettext("Escalated at once to: %(level)s.", level=level)
        return gettext("%(target)s: the time limit was missed by %(minutes)s minutes; escalated to: %(level)s.",
                       target=target, level=level, minutes=data.get("minutes_late", 0))
    if event.kind == "facts_changed" and "changes" in data:
        unit_ids = [v for v in data["changes"].get("unit_id", []) if v is not None]
        names = {u.id: u.name for u in db_session().scalars(select(Unit).where(Unit.id.in_(unit_ids)))} \
            if unit_ids else {}
        return lifecycle.describe_changes(data["changes"], names)
    return ""


@bp.app_context_processor
def template_words():
    at = now()
    return {"labels": labels, "now_dt": at, "clock_now": at.isoformat(),
            "countdown_minutes": {"red": int(RED_WITHIN.total_seconds() // 60),
                                  "amber": int(AMBER_WITHIN.total_seconds() // 60)},
            "event_label": lambda kind: labels.EVENT_LABELS.get(kind) or kind.replace("_", " "),
            "event_detail": event_detail, "iso_time": datetime.fromisoformat}


# --- queues -------------------------------------------------------------------

@bp.route("/cases")
@role_required("handler")
def queue():
    session = db_session()
    tab = request.args.get("tab", "mine")
    if tab not in queues.QUEUES:
        tab = "mine"
    form = forms.QueueFilterForm(request.args)
    form.unit.choices = [forms.any_option(), *[SelectChoice(str(u.id), f"{u.code} {u.name}")
                                               for u in _units(session, current_user)]]
    filters = {"status": None, "kind": None, "category": None, "unit_id": None, "search": None}
    if form.validate():
        filters.update(status=form.status.data or None, kind=form.kind.data or None,
                       category=form.category.data or None, search=(form.q.data or "").strip() or None,
                       unit_id=int(form.unit.data) if form.unit.data else None)
    if filters["search"]:
        # A search looks through every case in sight, open or finished.
        tab = "all"
    cases = queues.queue(session, current_user, tab, now(), region=current_app.config.get("DEFAULT_REGION", "CN"),
                         **filters)
    filtered = any(filters.values())
    return render_template("routing/queue.html", cases=cases, tab=tab, tabs=queues.QUEUES, form=form,
                           filtered=filtered, filter_args={k: v for k, v in request.args.items() if k != "tab"},
                           unread=notify.unread_count(session, current_user))


def _units(session: Session, staff: Staff, limit: int = 500) -> list[Unit]:
    units = queues.scope_unit_ids(session, staff)
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code).limit(limit)
    if units is not None:
        query = query.where(Unit.id.in_(units))
    return list(session.scalars(query))


# --- the case page --------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """A step of the case page: its form, the service call and what to say."""

    form: type[FlaskForm]
    run: Callable[[Session, Case, Staff, FlaskForm, datetime], Case | None]
    done: object  # a lazy string, formatted with the case's reference


def _appointment_time(form: forms.AppointmentForm) -> datetime:
    """datetime-local carries no zone: it is the organisation's wall clock."""
    return form.at.data.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _transfer(session: Session, case: Case, me: Staff, form: forms.TransferForm, at: datetime) -> None:
    to_staff = session.get(Staff, int(form.to_staff.data)) if form.to_staff.data else None
    to_unit = session.get(Unit, int(form.to_unit.data)) if form.to_unit.data else None
    lifecycle.transfer(session, case, me, to_staff=to_staff, to_unit=to_unit, reason=form.reason.data.strip(), now=at)


def _change_facts(session: Session, case: Case, me: Staff, form: forms.FactsForm, at: datetime) -> None:
    unit = session.get(Unit, int(form.fact_unit.data)) if form.fact_unit.data else None
    lifecycle.change_facts(session, case, me, reason=form.fact_reason.data.strip(), now=at, kind=form.fact_kind.data,
                           category=form.fact_category.data, severity=form.fact_severity.data, unit=unit,
                           amount_claimed=form.fact_amount.data)


def _facts_form(session: Session, case: Case, form: forms.FactsForm | None = None) -> forms.FactsForm:
    """The facts form with the units to choose from, showing the case as it is."""
    if form is None:
        form = forms.FactsForm(formdata=None, data={
            "fact_kind": case.kind, "fact_category": case.category, "fact_severity": case.severity,
            "fact_unit": str(case.unit_id) if case.unit_id else "", "fact_amount": case.amount_claimed})
    units = session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code).limit(500))
    form.fact_unit.choices = [SelectChoice("", _l("Not assigned"))] + [
        SelectChoice(str(u.id), f"{u.code} {u.name}") for u in units]
    return form


STEPS: dict[str, Step] = {
    "claim": Step(forms.StepForm, lambda s, c, me, f, at: lifecycle.claim(s, c, me, at),
                  _l("You have claimed %(reference)s: you are its owner now.")),
    "start": Step(forms.StepForm, lambda s, c, me, f, at: lifecycle.start_work(s, c, me, at),
                  _l("Work on %(reference)s has started.")),
    "reply": Step(forms.ReplyForm, lambda s, c, me, f, at: lifecycle.reply(s, c, me, f.body.data.strip(), at),
                  _l("Your reply is on its way to the customer.")),
    "note": Step(forms.NoteForm, lambda s, c, me, f, at: lifecycle.add_note(s, c, me, f.body.data.strip(), at),
                 _l("Your note was added to the timeline.")),
    "transfer": Step(forms.TransferForm, _transfer, _l("%(reference)s was transferred.")),
    "appointment": Step(forms.AppointmentForm,
                        lambda s, c, me, f, at: lifecycle.set_appointment(s, c, me, _appointment_time(f), at,
                                                                          note=(f.note.data or "").strip()),
                        _l("The appointment was recorded; it is now the arrival deadline.")),
    "wait": Step(forms.WaitForm,
                 lambda s, c, me, f, at: lifecycle.wait_for_customer(s, c, me, f.reason.data.strip(), at),
                 _l("%(reference)s is waiting for the customer.")),
    "resume": Step(forms.StepForm, lambda s, c, me, f, at: lifecycle.resume(s, c, me, at),
                   _l("Work on %(reference)s has resumed.")),
    "arrival": Step(forms.StepForm, lambda s, c, me, f, at: lifecycle.record_arrival(s, c, me, at),
                    _l("Your arrival on site was recorded.")),
    "weather": Step(forms.WeatherForm,
                    lambda s, c, me, f, at: lifecycle.record_weather(s, c, me, f.reason.data.strip(), at),
                    _l("The outdoor deadlines of %(reference)s moved to the next day; the customer was sent "
                       "an apology.")),
    "resolve": Step(forms.ResolveForm, lambda s, c, me, f, at: lifecycle.resolve(s, c, me, f.summary.data.strip(), at),
                    _l("%(reference)s is resolved; the customer will be called back.")),
    "close": Step(forms.StepForm, lambda s, c, me, f, at: lifecycle.close(s, c, me, at),
                  _l("%(reference)s is closed.")),
    "facts": Step(forms.FactsForm, _change_facts,
                  _l("The facts of %(reference)s were changed; its deadlines were recomputed.")),
    "reopen": Step(forms.ReopenForm, lambda s, c, me, f, at: lifecycle.reopen(s, c, me, f.reason.data.strip(), at),
                   _l("A new case %(reference)s was opened and linked to the original one.")),
}
def _compose(session: Session, case: Case, me: Staff, form: forms.ComposeForm, at: datetime) -> None:
    """The composer: a reply to the customer or an internal note, as switched."""
    step = COMPOSED[form.audience.data]
    STEPS[step].run(session, case, me, form, at)


# The composer's switch: which step each choice takes.
COMPOSED = {"customer": "reply", "internal": "note"}
STEPS["compose"] = Step(forms.ComposeForm, _compose, "")
# The order the step forms appear in on the page.
STEP_ORDER = ("claim", "start", "compose", "appointment", "arrival", "weather", "wait", "resume",
              "transfer", "resolve", "close", "reopen", "facts")


@bp.route("/cases/<reference>")
@role_required("handler")
def case_page(reference: str):
    return _render_case(db_session(), visible_case(db_session(), current_user, reference))


@bp.route("/cases/<reference>/<step>", methods=["POST"])
@role_required("handler")
def case_step(reference: str, step: str):
    if step not in STEPS:
        abort(404)
    session = db_session()
    case = visible_case(session, current_user, reference)
    form = STEPS[step].form()
    if step == "transfer":
        _transfer_choices(session, case, form)
    if step == "facts":
        _facts_form(session, case, form)
    if access.is_subject(current_user, case):
        flash(lifecycle.subject_refusal(case), "error")
        return redirect(url_for(".case_page", reference=case.reference), 303)
    # The composer takes the step its switch names (a reply, or a note).
    needed = COMPOSED.get(request.form.get("audience"), "reply") if step == "compose" else step
    if needed not in access.allowed_actions(current_user, case):
        flash(gettext("You cannot do this with %(reference)s now: it is %(status)s.", reference=case.reference,
                      status=labels.STATUS_LABELS.get(case.status, case.status)), "error")
        return redirect(url_for(".case_page", reference=case.reference), 303)
    if not form.validate_on_submit():
        return _render_case(session, case, {step: form}), 400
    try:
        result = STEPS[step].run(session, case, current_user, form, now())
        session.commit()
    except RoutingError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".case_page", reference=reference), 303)
    target = result if isinstance(result, Case) else case  # reopen leads to the new case
    flash(str(STEPS[needed].done) % {"reference": target.reference}, "success")
    return redirect(url_for(".case_page", reference=target.reference), 303)


def _own_ids(form: FlaskForm, step: str) -> FlaskForm:
    """Each step's fields get ids of their own ("reply-body", "wait-reason"):
    several forms on one page share field names, never ids."""
    for field in form:
        if field.type != "CSRFTokenField":
            field.id = f"{step}-{field.name}"
            field.label.field_id = field.id
    return form


def _transfer_choices(session: Session, case: Case, form: forms.TransferForm) -> None:
    """Colleagues in the case's wider unit (its parent's subtree) and every
    active unit; the service checks who is eligible."""
    unit = case.unit.parent or case.unit if case.unit else None
    staff_query = (select(Staff).join(Unit, Staff.unit_id == Unit.id).options(contains_eager(Staff.unit))
                   .where(Staff.active.is_(True), Staff.role.in_(access.HANDLING_ROLES))
                   .order_by(Unit.code, Staff.display_name).limit(300))
    if unit is not None:
        staff_query = staff_query.where(Staff.unit_id.in_(subtree_ids(session, unit.id)))
    form.to_staff.choices = form.to_staff.choices[:1] + [
        SelectChoice(str(s.id), f"{s.display_name} ({s.unit.name})") for s in session.scalars(staff_query)
        if s.id not in (case.owner_id, case.subject_staff_id)]
    units = session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.code).limit(500))
    form.to_unit.choices = form.to_unit.choices[:1] + [SelectChoice(str(u.id), f"{u.code} {u.name}") for u in units]


def _render_case(session: Session, case: Case, failed: dict[str, FlaskForm] | None = None):
    actions = access.allowed_actions(current_user, case)
    if actions & set(COMPOSED.values()):
        actions = actions | {"compose"}
    step_forms = {}
    for step in STEP_ORDER:
        if step in actions:
            step_forms[step] = _own_ids((failed or {}).get(step) or STEPS[step].form(formdata=None), step)
    if "compose" in step_forms and "reply" not in actions:
        # A closed case takes notes only: the switch offers no reply.
        compose = step_forms["compose"]
        compose.audience.choices = [c for c in compose.audience.choices if c.value == "internal"]
        compose.audience.data = "internal"
    if "transfer" in step_forms:
        _transfer_choices(session, case, step_forms["transfer"])
    if "facts" in step_forms:
        step_forms["facts"] = _facts_form(session, case, (failed or {}).get("facts"))
    deadlines = list(session.scalars(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.due_at)))
    at = now()
    states = {d.target: deadline_state(d.due_at, at, met_at=d.met_at, paused=d.paused_at is not None)
              for d in deadlines}
    linked = list(session.scalars(select(Case).where(Case.reopened_from_id == case.id).order_by(Case.id)))
    return render_template(
        "routing/case.html", case=case, actions=actions, step_forms=step_forms, deadlines=deadlines,
        failed_form=next(iter((failed or {}).values()), None),
        states=states, linked=linked,
        origin=session.get(Case, case.reopened_from_id) if case.reopened_from_id else None,
        phone=case.contact_phone if "see_phone" in actions else mask_phone(case.contact_phone),
        now=at, ladder=LEVELS,
        customer=customer_history.history(session, current_user, case,
                                          current_app.extensions.get("touchpoint_server"),
                                          current_app.extensions.get("customer_ratings")),
    )
