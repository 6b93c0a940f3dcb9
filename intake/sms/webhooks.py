"""Twilio's webhooks: inbound SMS and delivery status callbacks.

Exempt from CSRF (Twilio posts no token); every request must carry a valid
X-Twilio-Signature instead. Twilio signs the URL it was configured with,
so the check uses PUBLIC_URL, not the host a proxy forwarded to us.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import lazy_gettext as _l

from intake.errors import problem
from intake.phone import InvalidPhone
from intake.sms.inbound import handle_inbound
from intake.sms.spool import Spool, apply_status
from intake.sms.twilio_client import signature_valid, twiml_message
from routing.foundation.db import is_outage
from routing.web.extensions import csrf
from routing.web.glue import close_db_session, db_session, now

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)


@bp.before_request
def check_signature():
    query = request.query_string.decode("latin-1")
    url = current_app.config["PUBLIC_URL"] + request.path + (f"?{query}" if query else "")
    if not signature_valid(current_app.config.get("TWILIO_AUTH_TOKEN"), url, request.form,
                           request.headers.get("X-Twilio-Signature")):
        abort(403)


# Twilio's ids (MessageSid: 34 characters), numbers and statuses are short;
# the columns that keep them hold 64.
FIELD_MAX_LENGTH = 64


def _required(*names: str) -> dict[str, str]:
    return checked_fields({name: request.form.get(name, "").strip() for name in names})


def checked_fields(values: dict[str, str]) -> dict[str, str]:
    """Required short fields of a provider's callback: 400 naming what is missing or too long."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        abort(problem(400, _l("The request lacks these fields: %(fields)s.", fields=", ".join(missing)),
                      "missing_fields"))
    too_long = [name for name, value in values.items() if len(value) > FIELD_MAX_LENGTH]
    if too_long:
        abort(problem(400, _l("These fields are longer than %(max)s characters: %(fields)s.",
                              max=FIELD_MAX_LENGTH, fields=", ".join(too_long)), "invalid_fields"))
    return values


@bp.post("/inbound")
def inbound():
    fields = _required("MessageSid", "From")
    session = db_session()
    try:
        result = handle_inbound(session, message_sid=fields["MessageSid"], from_phone=fields["From"],
                                body=request.form.get("Body", ""), now=now(), config=current_app.config)
        session.commit()
    except InvalidPhone:
        return problem(400, _l("The sender's phone number is not valid."), InvalidPhone.code)
    except Exception as error:
        if not is_outage(error):
            raise
        # Answered without a reply: the spool's replay sends it through the outbox.
        return _kept("inbound", error) or Response(twiml_message(None), mimetype="text/xml")
    return Response(twiml_message(result.reply_text), mimetype="text/xml")


@bp.post("/status")
def status():
    fields = _required("MessageSid", "MessageStatus")
    session = db_session()
    try:
        apply_status(session, {**fields, "ErrorCode": request.form.get("ErrorCode", ""),
                               "ErrorMessage": request.form.get("ErrorMessage", "")})
        session.commit()
    except Exception as failure:
        if not is_outage(failure):
            raise
        return _kept("status", failure) or ("", 204)
    return "", 204


def _kept(kind: str, error: Exception) -> Response | None:
    """Keep a genuine webhook that the database could not take in the spool
    (replayed by the tick once it is back); None when it is kept, else the
    answer that says it was not, so Twilio may try its fallback URL."""
    current_app.logger.warning("database unavailable (%s): the %s webhook goes to the spool", error, kind)
    close_db_session(error)
    try:
        Spool(current_app.config["SPOOL_PATH"]).keep(kind, request.form.to_dict(), now())
    except OSError:
        current_app.logger.exception("the %s webhook could not be spooled either", kind)
        return problem(503, _l("The message could not be recorded now, and it was not kept."), "not_kept")
    return None
