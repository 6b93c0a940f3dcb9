"""The JSON API under /api/v1: bearer tokens, JSON in and out, problems as
JSON, described by the OpenAPI document at /api/v1/openapi.json.

Each resource is a module of intake.api.resources whose views are declared
with intake.api.operations.operation and whose requests and answers are
pydantic models (intake.api.schemas); every module there is imported here,
routed and documented."""
from __future__ import annotations

import pkgutil
from importlib import import_module

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from intake.api import resources
from intake.api.operations import OPERATIONS
from intake.api.problems import ApiError
from intake.errors import problem
from routing.errors import RoutingError
from routing.web.extensions import csrf

for _module in pkgutil.iter_modules(resources.__path__):
    import_module(f"{resources.__name__}.{_module.name}")

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies: a forged cross-site request carries no token.
csrf.exempt(bp)

for _operation in OPERATIONS:
    bp.add_url_rule(_operation.rule, endpoint=_operation.endpoint, view_func=_operation.view,
                    methods=[_operation.method])

# Titles intake.errors has no page for: only the API answers these.
TITLES = {
    401: _l("An API token is needed"),
    415: _l("The body must be JSON"),
    422: _l("A value cannot be used"),
}


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    extra = {"errors": error.errors} if error.errors else {}
    if error.status in TITLES:
        extra["title"] = str(TITLES[error.status])
    response = problem(error.status, error.message, error.code, **extra)
    response.headers.update(error.headers)
    return response


@bp.errorhandler(RoutingError)
def refused_by_the_service(error: RoutingError):
    """The request followed the document, and the domain refused it: a 422,
    unless the refusal has its own status (403, 404, 409)."""
    status = 422 if error.status == 400 else error.status
    return api_error(ApiError(status, error.message, error.code))
