"""Customer-facing pages: rating by QR code, complaints, following a case;
and the supervisor's list of low ratings.

Every page works without JavaScript. Views parse, call a service, commit,
render; the rules are in intake.ratings and intake.complaints.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie_session,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake.i18n import current_locale
from intake.labels import (
    CATEGORY_LABELS,
    DIMENSION_LABELS,
    DIMENSION_QUESTIONS,
    EVENT_LABEL_OTHER,
    EVENT_LABELS,
    FACE_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
)
from intake.models import Touchpoint
from intake.services.complaints import (
    Complaint,
    ComplaintRejected,
    Filed,
    add_information,
    case_for_tracking,
    clean_phone,
    file_complaint,
    public_timeline,
    submitted_case,
    tracking_url,
    unit_choices,
)
from intake.services.proof import PROOF_LASTS, check_join_code, send_join_code
from intake.services.ratings import (
    DIMENSIONS,
    RatingClosed,
    RatingRejected,
    add_details,
    alert_if_low,
    device_hash,
    is_low,
    low_ratings,
    rating_for_device,
    record_tap,
)
from intake.services.touchpoints import touchpoint_by_token
from intake.services.tracking import VerdictRejected, customer_verdict, expectations, may_give_verdict
from intake.web.forms import ComplaintForm, DetailsForm, JoinCodeForm, MessageForm, TrackForm, VerdictForm
from intake.web.same_origin import from_this_site
from intake.web.session_cookie import served_over_https
from routing.errors import RoutingError
from routing.foundation.db import read_transaction
from routing.models import Case, Rating
from routing.rules import access
from routing.services.cases import case_by_tracking_token
from routing.services.org import subtree_ids
from routing.web.extensions import limiter
from routing.web.glue import db_session, now, record_id, role_at_least, role_required

bp = Blueprint("pages", __name__)

DEVICE_COOKIE = "fb_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600

# One budget per address for every form posted to these pages, so that a
# script cannot spread its requests over several endpoints. Set on the
# blueprint, the limit is checked once, in Flask-Limiter's before-request
# pass, rather than again by a decorator on each view.
limiter.shared_limit(lambda: current_app.config["RATE_LIMIT_PUBLIC"], scope="public", methods=["POST"])(bp)


@bp.route("/")
def home():
    return render_template("intake/home.html")


def current_device() -> str:
    """The hash of this browser's device cookie; a new random cookie is set
    on first sight. Only the hash is ever stored."""
    token = request.cookies.get(DEVICE_COOKIE, "")
    if not 32 <= len(token) <= 100:
        if "new_device" not in g:
            g.new_device = token = secrets.token_urlsafe(32)

            @after_this_request
            def set_cookie(response):
                response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
                                    samesite="Lax", secure=served_over_https(current_app))
                return response
        token = g.new_device
    return device_hash(token)


def private(response):
    """Pages that carry a private tracking token: not cached, not leaked in
    the Referer header."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def code_invalid():
    return render_template("intake/code_invalid.html"), 404


def after_filing(filed: Filed):
    if filed.joined:
        return redirect(url_for(".complaint_joined"), 303)
    return redirect(url_for(".complaint_sent", tracking_token=filed.case.tracking_token), 303)


# --- Rating by QR code -----------------------------------------------------

@bp.route("/q/<token>", methods=["GET", "POST"])
@from_this_site
def rate(token: str):
    """Step one: one tap on a face records the rating, in one statement that
    finds the touchpoint by its token. Showing the page reads in a
    transaction that takes no write lock: taps queue only for their insert.
    The page sets no session: a tap needs none (see intake.same_origin)."""
    if request.method == "POST":
        if current_user.is_authenticated and _own_counter(token):
            abort(403, _l("Staff cannot rate their own service."))
        try:
            rating_id = record_tap(current_app.extensions["db"].engine, token,
                                   score=request.form.get("score", type=int), device_hash=current_device(),
                                   locale=current_locale(), now=now(), config=current_app.config)
        except RatingRejected:
            pass  # the page again, asking for a face
        else:
            if rating_id is None:
                return code_invalid()
            score = request.form.get("score", type=int)
            if score <= current_app.config["LOW_RATING_THRESHOLD"]:  # only a low tap costs a second look
                session = db_session()
                alert_if_low(session, session.get(Rating, rating_id).unit_id, score, now(), current_app.config)
                session.commit()
            return redirect(url_for(".rate_details", token=token, rating_id=rating_id), 303)
    session = db_session()
    with read_transaction(session):
        touchpoint = touchpoint_by_token(session, token)
    if touchpoint is None:
        return code_invalid()
    current_device()  # the device cookie, before the first tap
    invalid_score = request.method == "POST"
    return render_template("intake/rate.html", invalid_score=invalid_score, touchpoint=touchpoint,
                           face_labels=FACE_LABELS), 400 if invalid_score else 200


def _own_counter(token: str) -> bool:
    """Is the signed-in staff member the one this touchpoint rates? Looked up
    only for staff: a customer's tap stays one INSERT."""
    session = db_session()
    staff_id = current_user.id
    # Loading the signed-in staff member began a transaction (on SQLite one
    # that holds the write lock): end it, or the tap's own insert would wait.
    session.rollback()
    with read_transaction(session):
        touchpoint = touchpoint_by_token(session, token)
    return touchpoint is not None and not access.may_rate(staff_id, touchpoint.staff_id)


@bp.route("/q/<token>/r/<int:rating_id>", methods=["GET", "POST"])
def rate_details(token: str, rating_id: int):
    """Step two, optional: the four dimensions, a comment, and for a low
    rating a way to be called back. Changes the same rating, from the same
    device, for a short time."""
    session = db_session()
    touchpoint = touchpoint_by_token(session, token)
    if touchpoint is None:
        return code_invalid()
    try:
        rating = rating_for_device(session, rating_id, current_device(), now=now(), config=current_app.config)
    except RatingClosed:
        return render_template("intake/thanks.html", touchpoint=touchpoint, closed=True)
    if rating.touchpoint_id != touchpoint.id:
        abort(404)
    low = is_low(rating, current_app.config)
    form = DetailsForm() if request.method == "POST" else DetailsForm(obj=rating)
    if form.validate_on_submit():
        try:
            filed = add_details(
                session, rating, now=now(), config=current_app.config, comment=form.comment.data,
                contact_name=form.contact_name.data if low else None,
                contact_phone=form.contact_phone.data if low else None,
                contact_email=form.contact_email.data if low else None,
                **{name: getattr(form, name).data for name in DIMENSIONS},
            )
        except (RatingRejected, ComplaintRejected) as exc:
            session.rollback()
            _field_for(form, exc.code).errors.append(str(exc.message))
        else:
            session.commit()
            if filed is not None:
                return after_filing(filed)
            return redirect(url_for(".thanks", token=token, rating=rating.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "intake/rate_details.html", form=form, rating=rating, touchpoint=touchpoint, low=low,
        face_labels=FACE_LABELS, questions=DIMENSION_QUESTIONS,
        comment_max=current_app.config["COMMENT_MAX_LENGTH"],
    ), status


# Which field a service's refusal is about.
_REFUSAL_FIELDS = {
    "comment_too_long": ("comment",),
    "invalid_phone": ("phone", "contact_phone"),
    "invalid_email": ("email", "contact_email"),
    "contact_required": ("phone", "contact_phone"),
    "callback_too_long": ("preferred_callback",),
    "consent_required": ("consent",),
    "invalid_unit": ("unit",),
    "wrong_code": ("code",),
    "address_required": ("address",),
    "address_too_long": ("address",),
    "invalid_choice": ("category",),
    **{f"invalid_{name}": (name,) for name in DIMENSIONS},
}


def _field_for(form, code: str):
    for name in (*_REFUSAL_FIELDS.get(code, ()), "description", "comment"):
        if name in form:
            return form[name]
    raise LookupError(code)


@bp.route("/q/<token>/thanks")
def thanks(token: str):
    # The rating id only travels on to the complaint form, which checks the device.
    return render_template("intake/thanks.html", touchpoint=touchpoint_by_token(db_session(), token),
                           rating_id=request.args.get("rating", type=record_id))


# --- Complaints --------------------------------------------------------------

def _own_rating(session, rating_id: str | None, touchpoint: Touchpoint | None) -> Rating | None:
    """The rating a complaint came from, if this device made it just now at
    this touchpoint; anything else is quietly not linked."""
    if touchpoint is None or not rating_id:
        return None
    try:
        rating = rating_for_device(session, record_id(rating_id), current_device(), now=now(),
                                   config=current_app.config)
    except (ValueError, RoutingError):  # ValueError: no rating could have this id ("²", 2**31...)
        return None
    return rating if rating.touchpoint_id == touchpoint.id else None


@bp.route("/complain", methods=["GET", "POST"])
def complain():
    session = db_session()
    form = ComplaintForm()
    touchpoint = touchpoint_by_token(session, form.touchpoint.data or request.args.get("t"))
    form.set_unit_choices(unit_choices(session, include=touchpoint.unit_id if touchpoint else None))
    if not form.submission.data:
        form.submission.data = secrets.token_urlsafe(24)
    if request.method == "GET":
        if touchpoint is not None:
            form.touchpoint.data = touchpoint.token
            form.unit.data = touchpoint.unit_id
            form.rating.data = request.args.get("rating", "")
    elif form.validate_on_submit():
        try:
            proven = _proven_phone(session, form)
            filed = file_complaint(session, Complaint(
                description=form.description.data, channel="qr" if touchpoint else "web",
                kind=form.kind.data, category=form.category.data, unit_id=form.unit.data or None,
                touchpoint_id=touchpoint.id if touchpoint else None, name=form.name.data,
                phone=form.phone.data, email=form.email.data, preferred_callback=form.preferred_callback.data,
                callback_slot=form.callback_slot.data, address=form.address.data, emergency=form.emergency.data,
                consent=form.consent.data, locale=current_locale(),
            ), now=now(), config=current_app.config, rating=_own_rating(session, form.rating.data, touchpoint),
                proven=proven, submission=form.submission.data)
            session.commit()
        except ComplaintRejected as exc:
            session.rollback()
            _field_for(form, exc.code).errors.append(str(exc.message))
        except IntegrityError:
            # The same form sent twice at once (a double click): the first one's case.
            session.rollback()
            first = submitted_case(session, form.submission.data)
            if first is None:
                raise
            return after_filing(Filed(case=first, joined=False))
        else:
            return after_filing(filed)
    status = 400 if request.method == "POST" else 200
    return render_template("intake/complain.html", form=form, code_form=JoinCodeForm(prefix=JOIN_PREFIX, touchpoint=form.touchpoint.data),
                           touchpoint=touchpoint), status


@bp.route("/complain/code", methods=["POST"])
def complain_code():
    """"Send me a code": a one-time code by SMS to the phone of an open case
    (intake.services.proof), then the form again, that phone filled in. The
    answer is the same whether or not the phone has an open case."""
    session = db_session()
    code_form = JoinCodeForm(prefix=JOIN_PREFIX)
    touchpoint = touchpoint_by_token(session, code_form.touchpoint.data)
    form = ComplaintForm(formdata=None, touchpoint=touchpoint.token if touchpoint else "",
                         unit=touchpoint.unit_id if touchpoint else 0)
    form.set_unit_choices(unit_choices(session, include=touchpoint.unit_id if touchpoint else None))
    form.submission.data = secrets.token_urlsafe(24)
    sent = False
    if code_form.validate_on_submit():
        try:
            phone = clean_phone(code_form.phone.data, current_app.config["DEFAULT_REGION"])
            send_join_code(session, phone, now=now(), config=current_app.config, locale=current_locale())
        except ComplaintRejected as exc:
            session.rollback()
            code_form.phone.errors = [*code_form.phone.errors, str(exc.message)]
        else:
            session.commit()
            sent = True
            form.phone.data = code_form.phone.data
    return render_template("intake/complain.html", form=form, code_form=code_form, touchpoint=touchpoint,
                           code_sent=sent), 200 if sent else 400


_PROOF_KEY = "proven_phone"
# The code form's fields are named and labelled apart from the complaint form's.
JOIN_PREFIX = "join"


def _proven_phone(session, form: ComplaintForm) -> bool:
    """Whether this browser proved the phone typed in: the code given now
    (each guess is spent and committed, right or wrong), or one it gave in
    the last PROOF_LASTS. A wrong code is refused, so the customer can
    correct it rather than open a second case unawares."""
    try:
        phone = clean_phone(form.phone.data, current_app.config["DEFAULT_REGION"])
    except ComplaintRejected:
        return False  # file_complaint says what is wrong with it
    if phone is None:
        return False
    code = (form.code.data or "").strip()
    if code:
        right = check_join_code(session, phone, code, now=now(), config=current_app.config)
        session.commit()
        if not right:
            raise ComplaintRejected("wrong_code", _l(
                "This code is not right or no longer valid. Check the SMS, ask for a new code, or clear the "
                "field to send your message as a new case."))
        cookie_session[_PROOF_KEY] = {"phone": phone, "until": (now() + PROOF_LASTS).isoformat()}
        return True
    proof = cookie_session.get(_PROOF_KEY)
    return bool(isinstance(proof, dict) and proof.get("phone") == phone
                and str(proof.get("until", "")) > now().isoformat())


@bp.route("/complain/sent/<tracking_token>")
def complaint_sent(tracking_token: str):
    case = case_by_tracking_token(db_session(), tracking_token)
    if case is None:
        abort(404)
    return private(current_app.make_response(render_template(
        "intake/thanks.html", case=case, tracking_url=tracking_url(current_app.config, case))))


@bp.route("/complain/joined")
def complaint_joined():
    # Says nothing about the case: whoever typed the phone number may not be
    # its owner. The owner gets the reference by SMS or e-mail.
    return render_template("intake/thanks.html", joined=True)


# --- Following a case ------------------------------------------------------

@bp.route("/track", methods=["GET", "POST"])
def track():
    form = TrackForm()
    if form.validate_on_submit():
        case = case_for_tracking(db_session(), form.reference.data, form.contact.data,
                                 current_app.config["DEFAULT_REGION"])
        if case is not None:
            return redirect(url_for(".track_case", tracking_token=case.tracking_token), 303)
        form.contact.errors.append(_("We found no case with this number and this phone number or e-mail "
                                     "address. Please check both."))
    status = 400 if request.method == "POST" else 200
    return render_template("intake/track_find.html", form=form), status


@bp.route("/track/<tracking_token>", methods=["GET", "POST"])
def track_case(tracking_token: str):
    session = db_session()
    case = case_by_tracking_token(session, tracking_token)
    if case is None:
        abort(404)
    form = MessageForm()
    can_add = case.status != "closed"
    if can_add and form.validate_on_submit():
        try:
            add_information(session, case, form.body.data, now())
        except ComplaintRejected as exc:
            session.rollback()
            form.body.errors.append(str(exc.message))
        else:
            session.commit()
            flash(_("Thank you. We added your message to your case."), "success")
            return redirect(url_for(".track_case", tracking_token=tracking_token), 303)
    status = 400 if request.method == "POST" else 200
    return _tracking_page(case, form, VerdictForm(formdata=None), status)


def _tracking_page(case: Case, form: MessageForm, verdict: VerdictForm, status: int):
    return private(current_app.make_response((render_template(
        "intake/track_case.html", case=case, events=public_timeline(case), form=form,
        can_add=case.status != "closed", status_labels=STATUS_LABELS, event_labels=EVENT_LABELS,
        event_label_other=EVENT_LABEL_OTHER, category_labels=CATEGORY_LABELS, kind_labels=KIND_LABELS,
        expect=expectations(case, current_app.config), verdict=verdict if may_give_verdict(case) else None,
        failed_form=(verdict if verdict.errors else form if form.errors else None),
    ), status)))


@bp.route("/track/<tracking_token>/verdict", methods=["POST"])
def track_verdict(tracking_token: str):
    """The customer's answer once the case is resolved: satisfied, or not
    (a new case linked to it, RULES 4)."""
    session = db_session()
    case = case_by_tracking_token(session, tracking_token)
    if case is None:
        abort(404)
    verdict = VerdictForm()
    if not may_give_verdict(case):
        flash(_("This case is not waiting for your answer."), "error")
        return redirect(url_for(".track_case", tracking_token=tracking_token), 303)
    if verdict.validate_on_submit():
        try:
            result = customer_verdict(session, case, satisfied=verdict.verdict.data == "satisfied",
                                      reason=verdict.reason.data, now=now(), config=current_app.config)
        except VerdictRejected as exc:
            session.rollback()
            verdict.reason.errors.append(str(exc.message))
        else:
            session.commit()
            if result.id != case.id:
                flash(_("We are sorry. We opened case %(reference)s about what is still wrong and will contact "
                        "you.", reference=result.reference), "success")
            else:
                flash(_("Thank you for telling us."), "success")
            return redirect(url_for(".track_case", tracking_token=result.tracking_token), 303)
    return _tracking_page(case, MessageForm(formdata=None), verdict, 400)


# --- The supervisor's list -------------------------------------------------

@bp.route("/low-ratings")
@role_required("supervisor")
def low_ratings_list():
    """Low ratings of the supervisor's units: those without contact details
    can only be followed up here."""
    session = db_session()
    days = min(max(request.args.get("days", 30, type=int), 1), 366)
    if current_user.unit_id is not None:
        unit_ids = subtree_ids(session, current_user.unit_id)
    else:
        unit_ids = None if role_at_least("executive") else []
    ratings = low_ratings(session, unit_ids, now() - timedelta(days=days),
                          threshold=current_app.config["LOW_RATING_THRESHOLD"])
    touchpoint_ids = {r.touchpoint_id for r in ratings if r.touchpoint_id}
    case_ids = {r.case_id for r in ratings if r.case_id}
    touchpoints = {t.id: t for t in session.scalars(select(Touchpoint).where(Touchpoint.id.in_(touchpoint_ids)))}
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    return render_template("intake/low_ratings.html", ratings=ratings, touchpoints=touchpoints, cases=cases,
                           days=days, face_labels=FACE_LABELS, dimensions=DIMENSIONS,
                           dimension_labels=DIMENSION_LABELS)
