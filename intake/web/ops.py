"""Operations endpoints."""
from __future__ import annotations

import os
import socket
import tempfile

from flask import Blueprint, current_app, jsonify
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from intake.models import HealthProbe
from routing.web.glue import close_db_session, db_session, now

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    """200 when this node can write: a row in the database (committed, so a
    full disk or a read-only database shows) and a file in the inbound spool
    (where webhooks go while the database is away). 503 says which failed."""
    checks = {"database": _database_writes(), "spool": _spool_writes()}
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "error", **checks), 200 if healthy else 503


def _database_writes() -> str:
    node = socket.gethostname()[:100]
    session = db_session()
    try:
        checked = session.execute(update(HealthProbe).where(HealthProbe.node == node).values(checked_at=now()))
        if checked.rowcount == 0:
            session.add(HealthProbe(node=node, checked_at=now()))
        session.commit()
    except IntegrityError:  # another process of this node wrote the row first: the database writes
        close_db_session()
    except Exception as error:  # the load balancer only needs to know
        current_app.logger.warning("health: the database takes no write: %s", error)
        close_db_session(error)
        return "unavailable"
    return "ok"


def _spool_writes() -> str:
    folder = current_app.config["SPOOL_PATH"]
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        current_app.logger.warning("health: the spool takes no write: %s", error)
        return "unavailable"
    return "ok"
