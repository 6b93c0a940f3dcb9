"""Staff intake: a member of staff registers a call, a walk-in, a letter, an
e-mail or an opinion-book entry (RULES 1, seeds 000 and 004).

首问负责制: whoever takes the contact is its first responder for good and
owns it. If it is not within their duty they hand it over at once, with a
reason, and stay accountable (routing.services.lifecycle.transfer tells
them of every step). 一个电话服务制: a contact whose customer has an open
case of the same matter joins that case (routing.services.cases.open_or_join).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from intake.services.complaints import UnitChoice, clean_email, clean_phone, unit_choices
from intake.web.forms import StaffIntakeForm
from routing.errors import RoutingError
from routing.models import Case, Staff, Unit
from routing.rules import access
from routing.services import lifecycle
from routing.services.cases import NewCase, open_or_join
from routing.services.queues import scope_unit_ids
from routing.web.glue import db_session, now, role_required

bp = Blueprint("staff_intake", __name__)


@bp.app_template_global()
def possibly_same_customer(case: Case) -> list[tuple[str, bool]]:
    """The cases linked to this one as possibly the same customer (a contact
    on the public form that could not prove the phone of an open case), in
    both directions: (reference, whether the signed-in staff member may open it)."""
    session = db_session()
    others = session.scalars(select(Case).where(
        or_(Case.id == case.same_customer_as_id, Case.same_customer_as_id == case.id)).order_by(Case.id)).all()
    return [(other.reference, access.may_see_case(current_user, other)) for other in others]


def _received_at(form: StaffIntakeForm) -> datetime | None:
    """The local time typed in, in the organisation's time zone."""
    if form.received_at.data is None:
        return None
    return form.received_at.data.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def _units(session) -> list[UnitChoice]:
    return unit_choices(session, include=current_user.unit_id)


def _colleagues(session) -> list[tuple[int, str]]:
    """Whom a complaint may be about: the active staff of the units the recorder sees."""
    query = select(Staff).where(Staff.active).order_by(Staff.display_name, Staff.id)
    units = scope_unit_ids(session, current_user)
    if units is not None:
        query = query.where(Staff.unit_id.in_(units))
    return [(person.id, f"{person.display_name} ({person.username})") for person in session.scalars(query)]


@bp.route("/cases/new", methods=["GET", "POST"])
@role_required("handler")
def new_case():
    if not access.may_record_intake(current_user):
        abort(403, _l("Your role handles no cases: a colleague who handles them records the contact."))
    session = db_session()
    form = StaffIntakeForm()
    choices = _units(session)
    form.set_unit_choices(choices)
    form.set_colleague_choices(_colleagues(session))
    if not form.is_submitted() and current_user.unit_id in {choice.id for choice in choices}:
        form.unit.data = current_user.unit_id
    if form.validate_on_submit():
        try:
            case, message = _record(session, form)
        except RoutingError as error:
            session.rollback()
            field = {"received_in_future": form.received_at, "reason_required": form.reason}.get(
                error.code, form.description)
            field.errors = [*field.errors, str(error.message)]
        else:
            session.commit()
            flash(message, "success")
            if access.may_see_case(current_user, case):
                return redirect(url_for("cases.case_page", reference=case.reference), 303)
            return redirect(url_for("cases.queue"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("intake/staff_new_case.html", form=form), status


def _record(session, form: StaffIntakeForm) -> tuple[Case, str]:
    region = current_app.config["DEFAULT_REGION"]
    phone, email = clean_phone(form.contact_phone.data, region), clean_email(form.contact_email.data)
    # Not known: the unit of whoever took it, until they hand it over.
    unit = session.get(Unit, form.unit.data) if form.unit.data else current_user.unit
    rings = form.rings.data if form.channel.data == "phone" else None
    taken = open_or_join(session, NewCase(
        subject_staff_id=form.about.data or None, channel=form.channel.data, description=form.description.data.strip(), kind=form.kind.data,
        category=form.category.data, severity=form.severity.data, unit_id=unit.id if unit else None,
        contact_name=(form.contact_name.data or "").strip() or None, contact_phone=phone, contact_email=email,
        contact_address=(form.contact_address.data or "").strip() or None, consent=bool(form.consent.data),
        amount_claimed=form.amount_claimed.data, received_at=_received_at(form),
        locale=current_app.config["BABEL_DEFAULT_LOCALE"],
    ), now(), current_user, join=not form.separate.data,
        proven=lambda case: access.may_see_case(current_user, case), rings=rings)
    case = taken.case
    if taken.joined:
        return case, _("This customer already has an open case of the same matter: what they said was added "
                       "to %(reference)s. No second case was opened.", reference=case.reference)
    if form.hand_over_to.data:
        to_unit = session.get(Unit, form.hand_over_to.data)
        if to_unit is None:
            raise RoutingError("transfer_target", _("Please choose one of the options offered."))
        lifecycle.transfer(session, case, current_user, to_unit=to_unit, reason=form.reason.data, now=now())
        return case, _("Case %(reference)s is registered and handed over to %(unit)s. You stay its first "
                       "responder: you are told of every step until it is closed.",
                       reference=case.reference, unit=to_unit.name)
    if taken.same_customer:
        return case, _("Case %(reference)s is registered. The customer may also have a case of another unit: "
                       "the two are linked.", reference=case.reference)
    return case, _("Case %(reference)s is registered. You are its first responder and handle it.",
                   reference=case.reference)
