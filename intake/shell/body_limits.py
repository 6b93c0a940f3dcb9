"""How large a request body may be: MAX_CONTENT_LENGTH for every request
(1 MiB: no form or API body comes near), and far less where the body is
known to be small, so that nobody makes the server read megabytes to throw
them away. Larger bodies get 413 with a message (intake.errors)."""
from __future__ import annotations

from flask import Request

KIB = 1024
BODY_LIMITS = {
    "pages.rate": 16 * KIB,  # a tap holds one score (a few stray fields are let by)
    # Twilio's webhooks: at most 1,600 characters of text and a few short fields.
    "sms.inbound": 64 * KIB,
    "sms.status": 64 * KIB,
    # Aliyun and Tencent Cloud push receipts in batches; a reply is one short text.
    "domestic_sms.aliyun_report_callback": 256 * KIB,
    "domestic_sms.tencent_status_callback": 256 * KIB,
    "domestic_sms.aliyun_reply_callback": 64 * KIB,
    "domestic_sms.tencent_reply_callback": 64 * KIB,
}


class BoundedRequest(Request):
    """A request whose body is bounded by its route's limit, else the app's
    (or what a view set: the API sets its own)."""

    @property
    def max_content_length(self) -> int | None:
        app_limit = Request.max_content_length.fget(self)
        route_limit = BODY_LIMITS.get(self.endpoint)  # None until the route is matched
        if route_limit is None:
            return app_limit
        return route_limit if app_limit is None else min(route_limit, app_limit)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)
