"""The app factory: the composition root, the one place that knows every
package. It registers every package's tables and blueprints and binds the
app-wide services (database, clock, senders, tick jobs)."""
from __future__ import annotations

import gc
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from intake import errors, i18n
from intake.services.touchpoints import touchpoint_server
from intake.shell import (
    config,
    schema,  # noqa: F401  (registers every package's tables)
)
from intake.shell.blueprints import all_blueprints
from intake.shell.body_limits import BoundedRequest
from intake.shell.security_headers import add_security_headers
from intake.shell.worker_app import bind_services, init_babel
from intake.sms.surveys import survey_ratings
from intake.web.session_cookie import SessionCookie
from routing.web.extensions import babel, csrf, limiter, login_manager
from routing.web.glue import RecordId, close_db_session, role_at_least, watch_writes
from routing.web.staff_session import load_signed_in

_PACKAGE = Path(__file__).resolve().parent.parent


def _shipped_dir(name: str) -> str:
    """templates/ and static/ sit at the top of a checkout and inside the
    package once installed from a wheel."""
    inside = _PACKAGE / name
    return str(inside if inside.is_dir() else _PACKAGE.parent / name)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        "intake",
        template_folder=_shipped_dir("templates"),
        static_folder=_shipped_dir("static"),
        instance_path=os.environ.get("FEEDBACK_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance"),
    )
    config.load(app, test_config)
    app.request_class = BoundedRequest
    app.session_interface = SessionCookie()
    _bind_services(app)
    _bind_extensions(app)
    app.url_map.converters["int"] = RecordId  # before any route is added
    for blueprint in all_blueprints():
        app.register_blueprint(blueprint)
    errors.register(app)
    app.after_request(add_security_headers)
    if app.config["PROXY_FIX"]:
        n = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    if test_config is None:
        # A served app keeps what it built at start for the life of the
        # process: out of the collector's passes, so that a full pass during
        # a long page walks what the request made, not every module and route.
        gc.collect()
        gc.freeze()
    return app


def _bind_services(app: Flask) -> None:
    bind_services(app)
    watch_writes(app.extensions["db"].sessionmaker)
    # Where each role lands after login (routing.web.auth.staff_home): what needs them first.
    app.extensions["landing"] = {**{role: "overview.overview_page" for role in ("supervisor", "manager", "executive")},
                                 "admin": "admin.index"}
    # The case page names the counter a case came from (routing knows no touchpoints).
    app.extensions["touchpoint_server"] = touchpoint_server
    app.extensions["customer_ratings"] = survey_ratings  # and the ratings a customer gave by SMS
    app.teardown_appcontext(close_db_session)


def _bind_extensions(app: Flask) -> None:
    init_babel(app, babel)
    # Before the CSRF and rate-limit checks, so that their error pages speak
    # the language just chosen.
    app.before_request(i18n.remember_choice)
    app.before_request(i18n.cache_wtforms_translations)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    login_manager.user_loader(load_signed_in)

    app.add_template_filter(i18n.localtime)
    app.add_template_filter(i18n.zone_name)

    @app.context_processor
    def template_globals():
        return {"current_locale": i18n.current_locale(), "role_at_least": role_at_least,
                "url_rules": app.view_functions, "language_href": i18n.language_href}
