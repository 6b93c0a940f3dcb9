"""The JSON API under /api/v1: bearer tokens, JSON in and out, problems as
JSON, described by the OpenAPI document at /api/v1/openapi.json.

Each resource group is a module of operations declared with
intake.api.base.operation; add a new one to RESOURCES and it is routed and
documented."""
from __future__ import annotations

from importlib import import_module

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from intake.api.base import OPERATIONS, ApiError
from intake.errors import problem
from routing.web.extensions import csrf

RESOURCES = ("units", "staff", "touchpoints", "service_events", "ratings", "cases", "case_actions", "scorecards",
             "outbox",
             "openapi")

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies: a forged cross-site request carries no token.
csrf.exempt(bp)

for _name in RESOURCES:
    import_module(f"intake.api.{_name}")
for _operation in OPERATIONS:
    bp.add_url_rule(_operation.rule, endpoint=_operation.endpoint, view_func=_operation.view,
                    methods=[_operation.method])


# Titles intake.errors has no page for: only the API answers these.
TITLES = {
    401: _l("An API token is needed"),
    415: _l("The body must be JSON"),
}


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    extra = {"errors": error.errors} if error.errors else {}
    if error.status in TITLES:
        extra["title"] = str(TITLES[error.status])
    response = problem(error.status, error.message, error.code, **extra)
    response.headers.update(error.headers)
    return response
