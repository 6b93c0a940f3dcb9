"""Staff login and logout, and a staff member's own password."""
from __future__ import annotations

import math
import string

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from routing.errors import RoutingError
from routing.services.org import authenticate, end_sessions, set_password
from routing.web.extensions import limiter
from routing.web.glue import db_session
from routing.web.login_throttle import AccountThrottle
from routing.web.staff_session import mark_seen

bp = Blueprint("auth", __name__)

# What a browser keeps of a URL exactly as written: printable ASCII without
# spaces or backslashes (it drops tabs and line breaks and reads "\" as "/",
# so "/\t/evil.example" and "/\\evil.example" would lead to another site).
_LOCAL_CHARS = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/?#%[]")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class OwnPasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters."))
    repeat = PasswordField(_l("The new password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two new passwords differ."))])


def local_target(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: an open redirect
    after login would lend the site's name to phishing."""
    if not target or not target.startswith("/") or target[1:2] == "/" or not set(target) <= _LOCAL_CHARS:
        return None
    return target


def account_throttle() -> AccountThrottle | None:
    """The per-account slowdown, kept where the rate limits are (off where they are)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    config = current_app.config
    return AccountThrottle(limiter.storage, config.get("RATELIMIT_KEY_PREFIX") or "", config["LOGIN_FREE_FAILURES"],
                           config["LOGIN_MAX_DELAY_MINUTES"] * 60)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username, throttle = form.username.data.strip(), account_throttle()
        wait = throttle.wait(username) if throttle else 0
        if wait:
            return _login_paused(form, wait)
        staff = authenticate(db_session(), username, form.password.data)
        if staff:
            if throttle:
                throttle.succeeded(username)
            login_user(staff)
            mark_seen()
            return redirect(local_target(request.args.get("next")) or url_for("auth.staff_home"))
        if throttle:
            throttle.failed(username)
        flash(_("Wrong username or password."), "error")
    return render_template("routing/login.html", form=form)


def _login_paused(form: LoginForm, wait: int):
    """Too many wrong passwords for this account: the form again, saying when to retry."""
    minutes = math.ceil(wait / 60)
    flash(_("Too many wrong passwords were tried for this account. Try again in %(n)s seconds.", n=wait)
          if wait < 60 else
          _("Too many wrong passwords were tried for this account. Try again in %(n)s minutes.", n=minutes),
          "error")
    return render_template("routing/login.html", form=form), 429, {"Retry-After": str(wait)}


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends every session of this staff member, on every device."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db_session().commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def own_password():
    """A staff member changes their own password: their other sessions end,
    this one goes on."""
    form = OwnPasswordForm()
    if form.validate_on_submit():
        session, staff, throttle = db_session(), current_user._get_current_object(), account_throttle()
        # A borrowed session may not guess the password faster than the login page can.
        if throttle and throttle.wait(staff.username):
            form.current.errors.append(_("Too many wrong passwords were tried for this account. "
                                         "Try again later."))
        elif authenticate(session, staff.username, form.current.data) is None:
            if throttle:
                throttle.failed(staff.username)
            form.current.errors.append(_("This is not your current password."))
        else:
            try:
                set_password(staff, form.password.data)
            except RoutingError:
                session.rollback()
                form.password.errors.append(_("This password is too weak: use at least 8 characters."))
            else:
                session.commit()
                login_user(staff)  # this session goes on, with the new version
                flash(_("Your password was changed. Your other sessions have ended."), "success")
                return redirect(url_for("auth.staff_home"))
    return render_template("routing/own_password.html", form=form), 400 if form.errors else 200


@bp.route("/staff")
def staff_home():
    """Where staff land after login: the page the app gave their role (the
    shell maps supervisors, managers and executives to their overview), or
    else their case queue."""
    landing = current_app.extensions.get("landing", {})
    role = getattr(current_user, "role", None)
    return redirect(url_for(landing.get(role, "cases.queue")))
