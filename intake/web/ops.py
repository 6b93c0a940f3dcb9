"""Operations endpoints."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from routing.web.glue import db_session

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:  # the load balancer only needs to know
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
