"""Error pages in both languages, and JSON problems for the API and webhooks."""
from __future__ import annotations

import math
import time

from flask import current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from routing.errors import RoutingError
from routing.foundation.db import is_outage
from routing.web.extensions import limiter
from routing.web.glue import close_db_session, recorded_in_request

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This conflicts with the current state"),
    413: _l("What you sent is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is briefly unavailable"),
}
MESSAGES = {
    400: _l("Please check what you entered and try again."),
    403: _l("Your account does not have the right to see or change this."),
    404: _l("The page or record you asked for does not exist, or it has been removed."),
    413: _l("This is more than the page accepts. Please shorten what you wrote and send it again."),
    429: _l("You have sent too many requests in a short time. Please wait a minute and try again."),
    500: _l("Please try again in a moment; if it happens again, tell the staff at the counter."),
    503: _l("Please try again in a few minutes."),
}
# What a failed submission became, said as it is: the request's transaction
# either committed a write before the failure or left nothing behind.
NOT_RECORDED = _l("What you sent was not recorded. Please go back and send it again in a few minutes; "
                  "if it happens again, tell the staff at the counter.")
RECORDED = _l("What you sent was recorded, but this page could not be shown. There is no need to send it again.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/sms/")


def problem(status: int, message: str, code: str | None = None, **extra):
    """A JSON problem (RFC 9457 shape) with a message a person understands."""
    body = {"status": status, "title": str(TITLES.get(status, "")), "detail": str(message)}
    if code:
        body["code"] = code
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def render_error(status: int, message=None, code: str | None = None):
    message = message or MESSAGES.get(status) or TITLES.get(status, "")
    if wants_json():
        return problem(status, message, code)
    return render_template("errors/error.html", status=status,
                           title=TITLES.get(status, status), message=message), status


def refuse_nul():
    """No person types a NUL character, and PostgreSQL cannot store one in
    text: a query, form or path that carries one is refused at the door,
    whatever the route (JSON bodies are checked field by field by the API)."""
    sent = (*request.args.items(multi=True), *request.form.items(multi=True), *(request.view_args or {}).items())
    if any("\x00" in name or "\x00" in str(value) for name, value in sent):
        return render_error(400, _l("What you sent contains an invisible control character that cannot be "
                                    "stored. Please type it again and send it once more."), "nul_character")
    return None


def register(app) -> None:
    app.before_request(refuse_nul)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form expired or was not sent from this site. Please reload the page and send it again."), "csrf")

    @app.errorhandler(RoutingError)
    def routing_error(error: RoutingError):
        return render_error(error.status, error.message, error.code)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            return too_many_requests()
        description = error.description if error.description and not _is_default(error) else None
        response = make_response(render_error(error.code or 500, description))
        for name, value in error.get_headers():  # a 405's Allow, say
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error")
        status = 503 if is_outage(error) else 500
        message, recorded = MESSAGES[status], None
        if request.method not in SAFE_METHODS:  # a submission: say whether it was kept
            recorded = recorded_in_request()
            message = RECORDED if recorded else NOT_RECORDED
        try:
            session = g.get("db_session")
            if session is not None:
                session.rollback()  # nothing half-done is kept; the page may still read who is signed in
            return server_error_page(status, message, recorded)
        except Exception:  # the database itself failed: the page as a visitor sees it, without the database
            app.logger.exception("the error page could not read the database")
            close_db_session(error)
            g._login_user = app.login_manager.anonymous_user()
            return server_error_page(status, message, recorded)


def server_error_page(status: int, message, recorded: bool | None):
    """A 500 or 503; an API client reads `recorded` for a write it sent."""
    if wants_json():
        extra = {} if recorded is None else {"recorded": recorded}
        response = problem(status, message, "database_unavailable" if status == 503 else "server_error", **extra)
    else:
        response = make_response(render_error(status, message))
    if status == 503:
        response.headers["Retry-After"] = "60"
    return response


def too_many_requests():
    """The 429 page, and when the limit that was hit lets the sender in again."""
    response = make_response(render_error(429))
    breached = limiter.current_limit
    if breached is not None and breached.breached:
        try:
            window_ends = breached.window[0]
        except Exception:  # the counters' store failed since: the page still answers
            current_app.logger.warning("rate-limit window unknown", exc_info=True)
        else:
            response.headers["Retry-After"] = str(max(1, math.ceil(window_ends - time.time())))
    return response


def _is_default(error: HTTPException) -> bool:
    return type(error).description == error.description
