"""The administrators' page of notices: every message the platform sends,
its text in each language, the Chinese template to apply for at a domestic
SMS provider with its length, the code each provider approved, and the
messages held for want of one. Administrators only."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from intake.web.admin import action_error
from routing.errors import RoutingError
from routing.labels import NOTICE_LABELS
from routing.rules.notices import (
    NOTICES,
    SAMPLES,
    sample_length,
    segments,
    template_text,
    tencent_template_text,
    text_values,
)
from routing.services.notice_templates import PROVIDERS, codes, held_counts, set_code
from routing.web.glue import db_session, now, role_required

bp = Blueprint("notices_admin", __name__, url_prefix="/admin/notices")

LANGUAGES = ("zh_Hans_CN", "en")


@bp.before_request
@role_required("admin")
def admins_only():
    """Every page here is for administrators."""


def _example(text: str, locale: str) -> str:
    with force_locale(locale):
        return _(text, **text_values(SAMPLES, current_app.config["PUBLIC_URL"]))


@bp.route("")
def notices():
    return _page()


def _page(status: int = 200):
    session = db_session()
    config = current_app.config
    public_url, signature = config["PUBLIC_URL"], config["SMS_SIGNATURE"] or ""
    given, held = codes(session), held_counts(session)
    rows = []
    for key, item in NOTICES.items():
        length = sample_length(item, public_url, signature)
        rows.append({
            "key": key, "item": item,
            "texts": {locale: _example(item.text, locale) for locale in LANGUAGES},
            "aliyun": template_text(item, public_url), "tencent": tencent_template_text(item, public_url),
            "length": length, "segments": segments("中" * length), "held": held.get(key, 0),
            "codes": {provider: given.get((provider, key), "") for provider in PROVIDERS},
        })
    backend = config["SMS_BACKEND"]
    missing = [str(NOTICE_LABELS[row["key"]]) for row in rows if backend in PROVIDERS and not row["codes"][backend]]
    return render_template("admin/notices.html", rows=rows, providers=PROVIDERS, backend=backend,
                           missing=missing, signature=signature, held_total=sum(held.values()),
                           notice_labels=NOTICE_LABELS), status


@bp.route("/<provider>/<key>", methods=["POST"])
def save_code(provider: str, key: str):
    session = db_session()
    try:
        released = set_code(session, provider, key, request.form.get("code", ""), current_user, now())
    except RoutingError as error:  # the page again, saying what was wrong
        session.rollback()
        action_error(error)
        return _page(400)
    else:
        session.commit()
        flash(_("The template code of %(notice)s is saved; %(count)s held message(s) will be sent in a moment.",
                notice=key, count=released), "success")
    return redirect(url_for(".notices"))
