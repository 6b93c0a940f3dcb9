"""Error pages in both languages, and JSON problems for the API and webhooks."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from routing.errors import RoutingError
from routing.web import close_db_session

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This conflicts with the current state"),
    413: _l("What you sent is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}
MESSAGES = {
    400: _l("Please check what you entered and try again."),
    403: _l("Your account does not have the right to see or change this."),
    404: _l("The page or record you asked for does not exist, or it has been removed."),
    429: _l("You have sent too many requests in a short time. Please wait a minute and try again."),
    500: _l("Nothing you entered was lost. Please try again in a moment; if it happens again, tell the staff at the counter."),
}


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


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _l("The form expired or was not sent from this site. Please reload the page and send it again."), "csrf")

    @app.errorhandler(RoutingError)
    def routing_error(error: RoutingError):
        return render_error(error.status, error.message, error.code)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            return render_error(429)
        description = error.description if error.description and not _is_default(error) else None
        return render_error(error.code or 500, description)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("unhandled error")
        close_db_session(error)
        return render_error(500)


def _is_default(error: HTTPException) -> bool:
    return type(error).description == error.description
