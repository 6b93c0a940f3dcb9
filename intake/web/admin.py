"""Administration pages: units, staff, touchpoints and API tokens (the
outbox's page is intake.outbox_admin, on the same blueprint).

Views parse a form, call a service (routing.org, intake.touchpoints), commit
and render. A refusal from a service becomes an error on the form field it
is about, in the reader's language.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from intake.labels import LANGUAGE_NAMES
from intake.models import Touchpoint
from intake.services.complaints import ComplaintRejected, clean_email
from intake.services.kiosk import disable_kiosk, enable_kiosk
from intake.services.touchpoints import (
    QR_FORMATS,
    create_touchpoint,
    get_touchpoint,
    list_touchpoints,
    revoke_touchpoint,
    rotate_touchpoint,
    touchpoint_qr,
    touchpoint_url,
)
from routing.errors import RoutingError
from routing.labels import AREA_LABELS, LADDER_LABELS, ROLE_LABELS, UNIT_LEVEL_LABELS
from routing.models import ApiToken, CounterDevice, OutboundMessage, Staff, Unit
from routing.services import org
from routing.services.outbox import GIVEN_UP
from routing.web.downloads import content_disposition
from routing.web.glue import db_session, now, record_id, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Where an executive stands on the escalation ladder, if not as their role says.
LADDER_CHOICES = {"": _l("As the role says"), **{p: LADDER_LABELS[p] for p in ("deputy_gm", "gm")}}

# Service refusals shown on the field they concern: (field, message).
SERVICE_ERRORS = {
    "unit_exists": ("code", _l("A unit with this code already exists. Choose another code.")),
    "unit_cycle": ("parent", _l("A unit cannot be placed under itself or under one of its own units.")),
    "invalid_timezone": ("timezone", _l("This is not a time zone name. Use a name such as Asia/Shanghai.")),
    "staff_exists": ("username", _l("This username is taken. Choose another one.")),
    "weak_password": ("password", _l("This password is too weak: use at least 8 characters.")),
    "label_required": ("label", _l("Give the touchpoint a label, such as the counter's name.")),
    "label_too_long": ("label", _l("The label is too long.")),
    "unit_inactive": ("unit", _l("This unit is inactive.")),
    "staff_inactive": ("staff", _l("This staff member's account is inactive.")),
}
# Refusals of one-click actions, shown as a message at the top of the page.
ACTION_ERRORS = {
    "deactivate_self": _l("You cannot deactivate your own account."),
    "touchpoint_revoked": _l("This touchpoint has been revoked; create a new one instead."),
}


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for administrators."""


# --- forms -----------------------------------------------------------------

def options(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _timezone(form, field):
    if not org.valid_timezone(field.data or ""):
        raise ValidationError(_l("This is not a time zone name. Use a name such as Asia/Shanghai."))


def _email(form, field):
    """The customer forms' check (WTForms' Email() needs a package this project does not install)."""
    try:
        clean_email(field.data)
    except ComplaintRejected as exc:
        raise ValidationError(str(exc.message)) from None


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=org.UNIT_CODE_MAX),
        Regexp(f"^{org.UNIT_CODE.pattern}$", message=_l("Use letters, digits, dots, dashes and underscores."))],
        description=_l("Integrators refer to the unit by its code; it cannot be changed later."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=options(UNIT_LEVEL_LABELS), default="outlet")
    parent = SelectField(_l("Parent unit"), coerce=int, default=0)
    area = SelectField(_l("Area"), choices=options(AREA_LABELS), default="urban")
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64), _timezone],
                           default="Asia/Shanghai")


class UnitEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Parent unit"), coerce=int)
    area = SelectField(_l("Area"), choices=options(AREA_LABELS))
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64), _timezone])


class StaffForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(max=org.USERNAME_MAX),
        Regexp(f"^{org.USERNAME.pattern}$", message=_l("Use letters, digits, dots, dashes, underscores and @."))])
    display_name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=options(ROLE_LABELS), default="handler")
    ladder_position = SelectField(_l("Position on the escalation ladder"), choices=options(LADDER_CHOICES),
                                  default="")
    unit = SelectField(_l("Unit"), coerce=int, default=0)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters. Give it to the person privately."))
    phone = TelField(_l("Mobile phone"), validators=[Optional(), Length(max=20)],
                     description=_l("For escalation messages by SMS."))
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200), _email])
    locale = SelectField(_l("Language"), choices=options(LANGUAGE_NAMES), default="zh_Hans_CN")
    callback_desk = BooleanField(_l("Callback desk: calls customers back on cases of the unit and below"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters. Give it to the person privately."))


class TouchpointForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int)
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=120)],
                        description=_l("What the poster calls it, such as the counter's name."))
    staff = SelectField(_l("Staff member at this counter"), coerce=int, default=0)


class TokenForm(FlaskForm):
    staff = SelectField(_l("Account"), coerce=int,
                        description=_l("The token acts with this account's role."))
    name = StringField(_l("What it is for"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example: queue-ticket machine, outlet 12."))


# --- helpers ---------------------------------------------------------------

def unit_tree(session: Session) -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before their children."""
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []
    stack = [(unit, 0) for unit in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        ordered.append((unit, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit.id, [])))
    return ordered


def unit_choices(session: Session, none_label=None, exclude: set[int] = frozenset()) -> list[SelectChoice]:
    choices = [SelectChoice(0, none_label)] if none_label else []
    for unit, depth in unit_tree(session):
        if unit.id not in exclude:
            choices.append(SelectChoice(unit.id, "\u2003" * depth + f"{unit.name} ({unit.code})"))
    return choices


def staff_choices(session: Session, none_label=None) -> list[SelectChoice]:
    choices = [SelectChoice(0, none_label)] if none_label else []
    staff = session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.username))
    return choices + [SelectChoice(s.id, f"{s.display_name} ({s.username})") for s in staff]


def form_error(form: FlaskForm, error: RoutingError) -> None:
    """Put a service's refusal on the field it concerns."""
    field_name, message = SERVICE_ERRORS.get(error.code, (None, None))
    field = getattr(form, field_name, None) if field_name else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        flash(error.message, "error")


def action_error(error: RoutingError) -> None:
    flash(ACTION_ERRORS.get(error.code, error.message), "error")


def get_or_404(session: Session, model, ident: int):
    row = session.get(model, ident)
    if row is None:
        abort(404)
    return row


# --- views -----------------------------------------------------------------

@bp.route("/")
def index():
    session = db_session()
    counts = {
        "units": session.scalar(select(func.count()).select_from(Unit)),
        "staff": session.scalar(select(func.count()).select_from(Staff).where(Staff.active.is_(True))),
        "touchpoints": session.scalar(select(func.count()).select_from(Touchpoint).where(Touchpoint.active.is_(True))),
        "tokens": session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))),
        "undelivered": session.scalar(select(func.count()).select_from(OutboundMessage)
                                      .where(OutboundMessage.status.in_(GIVEN_UP))),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/units", methods=["GET", "POST"])
def units():
    session = db_session()
    form = UnitForm()
    form.parent.choices = unit_choices(session, _("None: a new organisation"))
    if form.validate_on_submit():
        try:
            unit = org.create_unit(session, form.code.data.strip(), form.name.data.strip(), level=form.level.data,
                                   parent=session.get(Unit, form.parent.data) if form.parent.data else None,
                                   area=form.area.data, timezone=form.timezone.data.strip())
        except RoutingError as error:
            session.rollback()
            form_error(form, error)
        else:
            session.commit()
            flash(_("The unit %(name)s was created.", name=unit.name), "success")
            return redirect(url_for(".units"))
    return render_template("admin/units.html", form=form, tree=unit_tree(session),
                           levels=UNIT_LEVEL_LABELS, areas=AREA_LABELS), 400 if form.errors else 200


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    session = db_session()
    unit = get_or_404(session, Unit, unit_id)
    form = UnitEditForm(name=unit.name, parent=unit.parent_id or 0, area=unit.area, timezone=unit.timezone)
    # Its own branch is left out: a unit cannot move under its own units.
    form.parent.choices = unit_choices(session, _("None: a new organisation"),
                                       exclude=set(org.subtree_ids(session, unit.id)))
    if form.validate_on_submit():
        try:
            org.update_unit(session, unit, name=form.name.data.strip(), area=form.area.data,
                            timezone=form.timezone.data.strip(),
                            parent=session.get(Unit, form.parent.data) if form.parent.data else None)
        except RoutingError as error:
            session.rollback()
            form_error(form, error)
        else:
            session.commit()
            flash(_("The unit %(name)s was saved.", name=unit.name), "success")
            return redirect(url_for(".units"))
    return render_template("admin/unit_edit.html", form=form, unit=unit,
                           levels=UNIT_LEVEL_LABELS), 400 if form.errors else 200


@bp.route("/staff", methods=["GET", "POST"])
def staff():
    session = db_session()
    form = StaffForm()
    form.unit.choices = unit_choices(session, _("No unit"))
    if form.validate_on_submit():
        try:
            member = org.create_staff(
                session, form.username.data.strip(), form.role.data, now(),
                display_name=form.display_name.data.strip(),
                unit=session.get(Unit, form.unit.data) if form.unit.data else None,
                password=form.password.data, phone=form.phone.data or None, email=form.email.data or None,
                locale=form.locale.data, ladder_position=form.ladder_position.data or None,
                callback_desk=form.callback_desk.data)
        except RoutingError as error:
            session.rollback()
            form_error(form, error)
        else:
            session.commit()
            flash(_("The account %(username)s was created.", username=member.username), "success")
            return redirect(url_for(".staff"))
    members = session.scalars(select(Staff).options(joinedload(Staff.unit))
                              .order_by(Staff.active.desc(), Staff.username)).all()
    return render_template("admin/staff.html", form=form, members=members, roles=ROLE_LABELS,
                           ladder=LADDER_CHOICES), 400 if form.errors else 200


@bp.route("/staff/<int:staff_id>/deactivate", methods=["POST"])
def staff_deactivate(staff_id: int):
    session = db_session()
    member = get_or_404(session, Staff, staff_id)
    try:
        org.deactivate_staff(session, member, by=current_user)
    except RoutingError as error:
        session.rollback()
        action_error(error)
    else:
        session.commit()
        flash(_("The account %(username)s was deactivated.", username=member.username), "success")
    return redirect(url_for(".staff"))


@bp.route("/staff/<int:staff_id>/reactivate", methods=["POST"])
def staff_reactivate(staff_id: int):
    session = db_session()
    member = get_or_404(session, Staff, staff_id)
    org.reactivate_staff(session, member)
    session.commit()
    flash(_("The account %(username)s was reactivated.", username=member.username), "success")
    return redirect(url_for(".staff"))


@bp.route("/staff/<int:staff_id>/password", methods=["GET", "POST"])
def staff_password(staff_id: int):
    session = db_session()
    member = get_or_404(session, Staff, staff_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            org.set_password(member, form.password.data)
        except RoutingError as error:
            session.rollback()
            form_error(form, error)
        else:
            session.commit()
            flash(_("The password of %(username)s was reset.", username=member.username), "success")
            return redirect(url_for(".staff"))
    return render_template("admin/staff_password.html", form=form, member=member), 400 if form.errors else 200


@bp.route("/touchpoints", methods=["GET", "POST"])
def touchpoints():
    session = db_session()
    form = TouchpointForm()
    form.unit.choices = unit_choices(session)
    form.staff.choices = staff_choices(session, _("Nobody in particular"))
    shown_unit = session.get(Unit, request.args.get("unit", type=record_id) or 0)
    if shown_unit is not None and request.method == "GET":
        form.unit.data = shown_unit.id
    if form.validate_on_submit():
        try:
            touchpoint = create_touchpoint(session, get_or_404(session, Unit, form.unit.data), form.label.data,
                                           session.get(Staff, form.staff.data) if form.staff.data else None,
                                           now=now())
        except RoutingError as error:
            session.rollback()
            form_error(form, error)
        else:
            session.commit()
            flash(_("The touchpoint %(label)s was created. Print its poster and put it on the counter.",
                    label=touchpoint.label), "success")
            return redirect(url_for(".touchpoints", unit=touchpoint.unit_id))
    unit_ids = org.subtree_ids(session, shown_unit.id) if shown_unit is not None else None
    by_unit: dict[Unit, list[Touchpoint]] = {}
    for touchpoint in list_touchpoints(session, unit_ids):
        by_unit.setdefault(touchpoint.unit, []).append(touchpoint)
    public_url = current_app.config["PUBLIC_URL"]
    devices = {d.touchpoint_id: d for d in session.scalars(select(CounterDevice).where(
        CounterDevice.disabled_at.is_(None)))}
    return render_template("admin/touchpoints.html", form=form, by_unit=by_unit, shown_unit=shown_unit,
                           url_of=lambda t: touchpoint_url(public_url, t), devices=devices,
                           kiosk_url=lambda d: f"{public_url.rstrip('/')}/kiosk/{d.secret}"), \
        400 if form.errors else 200


@bp.route("/touchpoints/<int:touchpoint_id>/rotate", methods=["POST"])
def touchpoint_rotate(touchpoint_id: int):
    session = db_session()
    touchpoint = get_touchpoint(session, touchpoint_id)
    try:
        rotate_touchpoint(session, touchpoint, now())
    except RoutingError as error:
        session.rollback()
        action_error(error)
    else:
        session.commit()
        flash(_("The QR code of %(label)s was replaced. The old code no longer works: print the new poster.",
                label=touchpoint.label), "success")
    return redirect(url_for(".touchpoints", unit=touchpoint.unit_id))


@bp.route("/touchpoints/<int:touchpoint_id>/revoke", methods=["POST"])
def touchpoint_revoke(touchpoint_id: int):
    session = db_session()
    touchpoint = get_touchpoint(session, touchpoint_id)
    revoke_touchpoint(session, touchpoint, now())
    session.commit()
    flash(_("The touchpoint %(label)s was revoked. Its QR code no longer works.", label=touchpoint.label), "success")
    return redirect(url_for(".touchpoints", unit=touchpoint.unit_id))


@bp.route("/touchpoints/<int:touchpoint_id>/kiosk", methods=["POST"])
def touchpoint_kiosk(touchpoint_id: int):
    """Kiosk mode on (or a new kiosk address: the old one stops working)."""
    session = db_session()
    touchpoint = get_touchpoint(session, touchpoint_id)
    try:
        enable_kiosk(session, touchpoint, now())
    except RoutingError as error:
        session.rollback()
        action_error(error)
    else:
        session.commit()
        flash(_("%(label)s is a counter evaluator. Open its kiosk link on the counter's tablet.",
                label=touchpoint.label), "success")
    return redirect(url_for(".touchpoints", unit=touchpoint.unit_id))


@bp.route("/touchpoints/<int:touchpoint_id>/kiosk/off", methods=["POST"])
def touchpoint_kiosk_off(touchpoint_id: int):
    session = db_session()
    touchpoint = get_touchpoint(session, touchpoint_id)
    disable_kiosk(session, touchpoint, now())
    session.commit()
    flash(_("Kiosk mode of %(label)s was switched off. Its kiosk link no longer works.", label=touchpoint.label),
          "success")
    return redirect(url_for(".touchpoints", unit=touchpoint.unit_id))


@bp.route("/touchpoints/<int:touchpoint_id>/qr.<fmt>")
def touchpoint_download(touchpoint_id: int, fmt: str):
    if fmt not in QR_FORMATS:
        abort(404)
    qr = touchpoint_qr(get_touchpoint(db_session(), touchpoint_id), current_app.config["PUBLIC_URL"], fmt)
    response = make_response(qr.data)
    response.mimetype = qr.mimetype
    response.headers["Content-Disposition"] = content_disposition(qr.filename, inline=bool(request.args.get("inline")))
    return response


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    session = db_session()
    form = TokenForm()
    form.staff.choices = staff_choices(session)
    new_token = None
    if form.validate_on_submit():
        member = get_or_404(session, Staff, form.staff.data)
        new_token, row = org.create_api_token(session, member, now(), form.name.data.strip())
        session.commit()
        form = TokenForm(formdata=None)
        form.staff.choices = staff_choices(session)
    rows = session.scalars(select(ApiToken).options(joinedload(ApiToken.staff))
                           .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).all()
    response = make_response(render_template("admin/tokens.html", form=form, rows=rows, new_token=new_token),
                             400 if form.errors else 200)
    # The new token is in this page and nowhere else: keep it out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id: int):
    session = db_session()
    org.revoke_api_token(session, token_id, now())
    session.commit()
    flash(_("The token was revoked. Requests that use it are now refused."), "success")
    return redirect(url_for(".tokens"))
