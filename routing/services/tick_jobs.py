"""The router's tick jobs, bound to an app: escalations (warnings, the
ladder) and callbacks (reminders, misses). Each runs in the app context, so
messages to staff are rendered in their language."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from routing.services.callbacks import callback_tick
from routing.services.escalation import escalation_tick

DEFAULT_BATCH = 200


def router_tick_jobs(app: Flask) -> dict:
    """name -> job(session, now) -> dict, for app.extensions["tick_jobs"]."""

    def escalations(session: Session, now: datetime) -> dict:
        with app.app_context():
            return escalation_tick(session, now, batch_size=app.config.get("ESCALATION_BATCH", DEFAULT_BATCH))

    def callbacks(session: Session, now: datetime) -> dict:
        with app.app_context():
            return callback_tick(session, now, batch_size=app.config.get("ESCALATION_BATCH", DEFAULT_BATCH))

    return {"escalations": escalations, "callbacks": callbacks}
