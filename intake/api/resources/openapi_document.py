"""The OpenAPI document itself, the one route without a token."""
from __future__ import annotations

from flask import current_app, jsonify

from intake.api.openapi import document
from intake.api.operations import File, operation


@operation("GET", "/openapi.json", summary="This document", tag="meta", role=None,
           responses={200: File("application/json", "The OpenAPI 3.1 document of this API.")})
def openapi_document():
    """Built once per app (its settings do not change while it runs)."""
    if "api_document" not in current_app.extensions:
        current_app.extensions["api_document"] = document(current_app.config["PUBLIC_URL"])
    return jsonify(current_app.extensions["api_document"])
