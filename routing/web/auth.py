"""Staff login and logout."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from routing.services.org import authenticate
from routing.web.extensions import limiter
from routing.web.glue import db_session

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        staff = authenticate(db_session(), form.username.data.strip(), form.password.data)
        if staff:
            login_user(staff)
            target = request.args.get("next", "")
            # Only local paths: an open redirect would help phishing.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("auth.staff_home")
            return redirect(target)
        flash(_("Wrong username or password."), "error")
    return render_template("routing/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/staff")
def staff_home():
    """Where staff land after login: their case queue."""
    return redirect(url_for("cases.queue"))
