"""The counter evaluator's page (评价器): a tablet at the counter opens
/kiosk/<secret> full screen. It shows the five faces when the counter
system prompts a transaction, and resets itself after each rating. Its taps
are queued on the tablet (static/kiosk.js) and posted here, each with its
own id, so a tap sent again through a flaky network is recorded once.

The secret in the address is the kiosk's key: no staff session, no cookie,
no form; so the blueprint is exempt from the form token.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from intake.errors import problem, render_error
from intake.i18n import current_locale, normalize_locale
from intake.labels import EVALUATOR_LABELS
from intake.services.kiosk import heartbeat, kiosk_by_secret, pending_prompt, record_kiosk_rating
from intake.services.touchpoints import poster_titles
from routing.errors import RoutingError
from routing.foundation.db import read_transaction
from routing.web.extensions import csrf
from routing.web.glue import db_session, now

bp = Blueprint("kiosk", __name__)
csrf.exempt(bp)

NO_KIOSK = _l("This address is no counter evaluator's: ask an administrator for the kiosk link.")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address is the key
    return response


def _kiosk(secret: str):
    session = db_session()
    with read_transaction(session):
        return kiosk_by_secret(session, secret)


def _kiosk_touchpoint(secret: str):
    """The kiosk's touchpoint for its JSON calls; 404 when the address is no kiosk's."""
    found = _kiosk(secret)
    if found is None:
        abort(problem(404, NO_KIOSK, "not_a_kiosk"))
    return found[1]


@bp.route("/kiosk/<secret>")
def kiosk_page(secret: str):
    found = _kiosk(secret)
    if found is None:
        return render_error(404, NO_KIOSK)
    device, touchpoint = found
    config = current_app.config
    return render_template(
        "intake/kiosk.html", touchpoint=touchpoint, place=" · ".join(poster_titles(touchpoint)), device=device, labels=EVALUATOR_LABELS, secret=secret,
        locale=current_locale(), poll_ms=int(config["KIOSK_POLL_SECONDS"] * 1000),
        heartbeat_ms=int(config["KIOSK_HEARTBEAT_SECONDS"] * 1000),
        reset_ms=int(config["KIOSK_RESET_SECONDS"] * 1000))


@bp.route("/kiosk/<secret>/prompt")
def kiosk_prompt(secret: str):
    """The transaction to rate now, if any (the kiosk polls this)."""
    touchpoint = _kiosk_touchpoint(secret)
    session = db_session()
    with read_transaction(session):
        prompt = pending_prompt(session, touchpoint, now(), current_app.config)
        shown = None if prompt is None else {
            "id": prompt.id, "transaction_no": prompt.transaction_no,
            "staff": prompt.staff.display_name if prompt.staff is not None else None}
    return jsonify({"prompt": shown})


def _json_body() -> dict | None:
    if not request.is_json:
        return None
    try:
        data = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return data if isinstance(data, dict) else None


def _tapped_at(value) -> datetime | None | bool:
    """The tablet's time of the tap (optional); False when it is no time."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return False
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return False


@bp.route("/kiosk/<secret>/ratings", methods=["POST"])
def kiosk_rating(secret: str):
    """One queued tap: {tap_id, prompt_id, score, tapped_at}. 201 recorded; 200 this
    tap was recorded before; 409 the transaction has its rating already."""
    touchpoint = _kiosk_touchpoint(secret)
    body = _json_body()
    if body is None:
        return problem(400, _l("Send the tap as a JSON object."), "invalid_json")
    tapped_at = _tapped_at(body.get("tapped_at"))
    if tapped_at is False:
        return problem(400, _l("tapped_at must be a time in ISO 8601 with its UTC offset."), "invalid_tapped_at")
    session = db_session()
    try:
        rating, created = record_kiosk_rating(
            session, touchpoint, tap_id=body.get("tap_id"), prompt_id=body.get("prompt_id"),
            score=body.get("score"), locale=normalize_locale(body.get("locale")) if isinstance(
                body.get("locale"), str) else None, now=now(), config=current_app.config, tapped_at=tapped_at)
    except RoutingError as error:
        session.rollback()
        return problem(error.status, error.message, error.code)
    session.commit()
    return jsonify({"rating_id": rating.id}), 201 if created else 200


@bp.route("/kiosk/<secret>/heartbeat", methods=["POST"])
def kiosk_heartbeat(secret: str):
    touchpoint = _kiosk_touchpoint(secret)
    session = db_session()
    try:
        heartbeat(session, touchpoint, now(), current_app.config)
    except RoutingError as error:
        session.rollback()
        return problem(error.status, error.message, error.code)
    session.commit()
    return jsonify({"ok": True})
