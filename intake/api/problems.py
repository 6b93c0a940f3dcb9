"""The API's refusals, as JSON problems (RFC 9457) whose messages follow
Accept-Language.

Two statuses tell an integrator what to fix. 400: the request does not
follow the OpenAPI document (a field missing, of the wrong type, too long,
not matching its pattern); `errors` names each field. 422: it follows the
document, but a value cannot be used (a unit that does not exist, a number
that is no phone number, an appointment in the past).

A field's message completes the sentence "<field> is ...".
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

# The error type of a value that follows the document but cannot be used.
UNUSABLE = "unusable"

# Messages for pydantic's own error types; the field types in
# intake.api.schemas give their own for everything else.
_MESSAGES = {
    "missing": _l("required"),
    "extra_forbidden": _l("not a known field"),
    "bool_type": _l("not true or false"),
    "string_type": _l("not a string"),
}


class ApiError(Exception):
    """Answered as a JSON problem by the blueprint's error handler."""

    def __init__(self, status: int, message, code: str | None = None, *,
                 errors: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(str(message))
        self.status, self.message, self.code = status, message, code
        self.errors = {name: str(text) for name, text in (errors or {}).items()}
        self.headers = dict(headers or {})


def refusal(message, kind: str = "invalid", field: str | None = None) -> PydanticCustomError:
    """An error for a field type or a body's rule to raise, in the request's
    language; kind UNUSABLE makes it a 422. A rule names its field."""
    ctx = {"message": str(message)} | ({"field": field} if field else {})
    return PydanticCustomError(kind, "{message}", ctx)


def _sentence(errors: Mapping[str, Any]):
    if len(errors) == 1:
        name, problem = next(iter(errors.items()))
        return _("%(field)s is %(problem)s.", field=name, problem=problem)
    return _("These fields are not valid: %(fields)s.", fields=", ".join(errors))


def invalid_fields(errors: Mapping[str, Any]) -> ApiError:
    """400: the request does not follow the document."""
    return ApiError(400, _sentence(errors), "invalid_fields", errors=errors)


def unusable_fields(errors: Mapping[str, Any]) -> ApiError:
    """422: the request follows the document, but these values cannot be used."""
    return ApiError(422, _sentence(errors), "unusable_fields", errors=errors)


def not_found(message) -> ApiError:
    return ApiError(404, message, "not_found")


def refused(error: ValidationError) -> ApiError:
    """A pydantic ValidationError as a problem naming each field once: 422
    when every error is about a value the document allows, else 400."""
    messages: dict[str, str] = {}
    unusable = True
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        name = ctx.get("field") or (str(item["loc"][0]) if item["loc"] else "body")
        unusable &= item["type"] == UNUSABLE
        if name not in messages:
            messages[name] = ctx.get("message") or str(_MESSAGES.get(item["type"], _l("not valid")))
    return unusable_fields(messages) if unusable else invalid_fields(messages)
