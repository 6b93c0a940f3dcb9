"""The app for work done outside requests (`feedback tick`): the settings,
the database, the clock, the senders, the tick jobs, and Babel so that
messages go out in each person's language. No blueprints, no web
extensions: a tick starts without building the web app, which binds the
same services (intake.shell.factory)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_babel import Babel

from intake import i18n
from intake.shell import config
from intake.shell.senders import senders_from_config
from intake.sms.spool import spool_job
from intake.sms.surveys import expire_surveys
from routing.foundation.clock import SystemClock
from routing.foundation.db import Database
from routing.services.devices import silent_devices_tick
from routing.services.tick_jobs import router_tick_jobs
from scoring.services.coverage import coverage_tick
from scoring.services.daily_tallies import tally_tick

PACKAGE = Path(__file__).resolve().parent.parent


def bind_services(app: Flask) -> None:
    app.extensions["db"] = Database(app.config["DATABASE_URL"])
    app.extensions.setdefault("clock", app.config.get("CLOCK") or SystemClock())
    app.extensions["senders"] = app.config.get("SENDERS") or senders_from_config(app.config)
    app.extensions.setdefault("tick_jobs", {})["surveys"] = expire_surveys
    app.extensions["tick_jobs"]["inbound_spool"] = spool_job(app)
    app.extensions["tick_jobs"].update(router_tick_jobs(app))
    app.extensions["tick_jobs"]["coverage"] = \
        lambda session, now: coverage_tick(session, now, app.config["TIMEZONE"], app.config)
    app.extensions["tick_jobs"]["silent_devices"] = lambda session, now: silent_devices_tick(session, now, app.config)
    app.extensions["tick_jobs"]["daily_tallies"] = lambda session, now: tally_tick(session, now, app.config["TIMEZONE"])


def init_babel(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE / "translations"))
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: app.config["TIMEZONE"])


def create_worker_app(test_config: dict | None = None) -> Flask:
    app = Flask("intake", instance_path=os.environ.get("FEEDBACK_INSTANCE_PATH")
                or os.path.join(os.getcwd(), "instance"))
    config.load(app, test_config)
    bind_services(app)
    init_babel(app, Babel())
    return app
