"""The domestic SMS providers' callbacks: delivery receipts and customers'
replies (上行短信) from Aliyun (SmsReport and SmsUp pushed over HTTP) and
Tencent Cloud (status and reply callbacks).

Neither provider signs its callbacks, so the URL carries a secret
(FEEDBACK_SMS_WEBHOOK_SECRET: /sms/aliyun/<secret>/report ...), compared in
constant time; without the setting the callbacks do not exist (404).
FEEDBACK_SMS_WEBHOOK_SOURCES, when set, also limits the addresses they are
taken from. Each receipt and reply is recorded once: a reply by Aliyun's
sequence_id, by a key made of what Tencent sends (it gives no id), so a
callback delivered twice changes nothing. A reply does what it does over
Twilio (intake.sms.inbound): 1-5 rates, 退订/TD opts out, the rest reaches a
handler; its answer goes out through the outbox, as a template. While the
database is down, callbacks go to the spool (intake.sms.spool) like Twilio's.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from intake.errors import problem
from intake.phone import InvalidPhone, normalize_phone
from intake.sms.inbound import handle_inbound, queue_reply
from intake.sms.spool import Spool, apply_status
from intake.sms.webhooks import FIELD_MAX_LENGTH, checked_fields
from routing.foundation.db import is_outage
from routing.web.extensions import csrf
from routing.web.glue import close_db_session, db_session, now

log = logging.getLogger("feedback.sms")

bp = Blueprint("domestic_sms", __name__, url_prefix="/sms")
csrf.exempt(bp)

PROVIDERS = ("aliyun", "tencent")
ANSWERS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


@bp.url_value_preprocessor
def check_secret(endpoint, values):
    """The secret in the path, then the source address; a wrong secret is a
    404, as if there were no such URL."""
    secret = (values or {}).pop("secret", "")
    expected = current_app.config["SMS_WEBHOOK_SECRET"]
    if not expected or not hmac.compare_digest(secret.encode(), str(expected).encode()):
        abort(404)
    sources = current_app.config["SMS_WEBHOOK_SOURCES"]
    if sources and not _allowed(request.remote_addr, sources):
        abort(403)


def _allowed(address: str | None, sources) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(str(source), strict=False) for source in sources)


def _items() -> list[dict]:
    """The callback's JSON: Aliyun and Tencent push a list of records (a
    Tencent reply is one object)."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        abort(problem(400, _l("The callback must be a JSON object or a list of them."), "invalid_callback"))
    return data


def _short(item: dict, *names: str) -> dict[str, str]:
    return checked_fields({name: str(item.get(name) or "").strip() for name in names})


# --- what each provider sends, in the spool's provider-neutral fields --------

def aliyun_report(item: dict) -> dict[str, str]:
    fields = _short(item, "biz_id")
    delivered = item.get("success") in (True, "true", "True")
    out_id = str(item.get("out_id") or "")[:FIELD_MAX_LENGTH]
    return {"MessageSid": fields["biz_id"], "AltSid": f"aliyun-out:{out_id}" if out_id else "",
            "MessageStatus": "delivered" if delivered else "undelivered",
            "ErrorCode": "" if delivered else str(item.get("err_code") or "")[:FIELD_MAX_LENGTH],
            "ErrorMessage": "" if delivered else str(item.get("err_msg") or "")[:200]}


def tencent_status(item: dict) -> dict[str, str]:
    fields = _short(item, "sid", "report_status")
    delivered = fields["report_status"].upper() == "SUCCESS"
    return {"MessageSid": fields["sid"], "AltSid": "",
            "MessageStatus": "delivered" if delivered else "undelivered",
            "ErrorCode": "" if delivered else str(item.get("errmsg") or "")[:FIELD_MAX_LENGTH],
            "ErrorMessage": "" if delivered else str(item.get("description") or "")[:200]}


def aliyun_reply(item: dict) -> dict[str, str]:
    fields = _short(item, "phone_number", "sequence_id")
    return {"MessageSid": f"aliyun-up-{fields['sequence_id']}", "From": fields["phone_number"],
            "Body": str(item.get("content") or "")}


def tencent_reply(item: dict) -> dict[str, str]:
    """Tencent gives a reply no id: the key is made of the number, the time
    and the text, so the same callback delivered again is known."""
    fields = _short(item, "mobile", "time")
    nation = str(item.get("nationcode") or "86").strip()[:4]
    text = str(item.get("text") or "")
    digest = hashlib.sha256(f"{nation}|{fields['mobile']}|{fields['time']}|{text}".encode()).hexdigest()
    return {"MessageSid": f"tencent-up-{digest[:40]}", "From": f"+{nation}{fields['mobile']}", "Body": text}


STATUS = {"aliyun": aliyun_report, "tencent": tencent_status}
REPLY = {"aliyun": aliyun_reply, "tencent": tencent_reply}


def apply_reply(session, fields: dict[str, str], config) -> None:
    at = now()
    result = handle_inbound(session, message_sid=fields["MessageSid"], from_phone=fields["From"],
                            body=fields["Body"], now=at, config=config)
    queue_reply(session, result, normalize_phone(fields["From"], config["DEFAULT_REGION"]), fields["MessageSid"], at)


def _receive(provider: str, kind: str):
    if provider not in PROVIDERS:
        abort(404)
    parse = STATUS[provider] if kind == "status" else REPLY[provider]
    entries = [parse(item) for item in _items()]
    session = db_session()
    try:
        for fields in entries:
            try:
                with session.begin_nested():
                    if kind == "status":
                        apply_status(session, fields)
                    else:
                        apply_reply(session, fields, current_app.config)
            except InvalidPhone:  # one bad record does not make the provider push the batch again
                log.warning("%s reply from a number that is not one: %r", provider, fields.get("From"))
        session.commit()
    except Exception as error:
        if not is_outage(error):
            raise
        kept = _kept(kind, entries, error)
        if kept is not None:
            return kept
    return jsonify(ANSWERS[provider])


def _kept(kind: str, entries: list[dict], error: Exception):
    """Keep the callback's records in the spool while the database is down
    (the tick replays them); None when kept, else a 503 so the provider
    pushes again later."""
    current_app.logger.warning("database unavailable (%s): the %s callback goes to the spool", error, kind)
    close_db_session(error)
    spool = Spool(current_app.config["SPOOL_PATH"])
    try:
        for fields in entries:
            spool.keep("status" if kind == "status" else "inbound", fields, now())
    except OSError:
        current_app.logger.exception("the %s callback could not be spooled either", kind)
        return problem(503, _l("The message could not be recorded now, and it was not kept."), "not_kept")
    return None


@bp.post("/aliyun/<secret>/report")
def aliyun_report_callback():
    return _receive("aliyun", "status")


@bp.post("/aliyun/<secret>/reply")
def aliyun_reply_callback():
    return _receive("aliyun", "reply")


@bp.post("/tencent/<secret>/status")
def tencent_status_callback():
    return _receive("tencent", "status")


@bp.post("/tencent/<secret>/reply")
def tencent_reply_callback():
    return _receive("tencent", "reply")
