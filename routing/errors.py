"""Routing's own exceptions; the app maps them to 4xx pages or JSON problems."""


class RoutingError(Exception):
    """A request the domain refuses; `code` is stable, the message is for people."""

    status = 400

    def __init__(self, code: str, message: str = "", **params):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.params = params


class NotFound(RoutingError):
    status = 404


class Forbidden(RoutingError):
    status = 403


class Conflict(RoutingError):
    status = 409
