"""The `feedback` command."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from intake.demo.loader import load_demo
from intake.shell.calendar_cli import calendars
from intake.shell.factory import create_app
from intake.shell.jobs import tick as run
from intake.shell.qr_cli import qr
from intake.shell.scheduler import start_scheduler
from intake.shell.schema import new_revision, upgrade
from intake.shell.serving import check_port, shown_host
from intake.shell.tick_command import parse_now
from intake.shell.worker import run_worker
from routing.errors import RoutingError
from routing.services.official_calendars import refresh_calendars
from routing.services.org import (
    create_api_token,
    create_staff,
    staff_by_username,
    unit_by_code,
)
from routing.services.policies import ensure_presets
from scoring.cli import score


def _session():
    return current_app.extensions["db"].sessionmaker()


def _now():
    return current_app.extensions["clock"].now()


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=False,
             help="Customer feedback and complaint platform.")
def main():
    pass


@main.group()
def db():
    """Database schema."""

@db.command("upgrade")
@click.option("--revision", default="head")
@with_appcontext
def db_upgrade(revision):
    """Apply migrations."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    with _session() as session:  # seeded here, not by two first ticks racing
        ensure_presets(session, _now())
        # The official holidays of the installed python-holidays; changed
        # calendars recompute the deadlines and callbacks that run on them.
        refresh_calendars(session, _now())
        session.commit()
    click.echo("database is up to date")


@db.command("revision")
@click.argument("message")
@with_appcontext
def db_revision(message):
    """Write a migration for what the models changed (on an up-to-date database)."""
    new_revision(current_app.config["DATABASE_URL"], message)


@main.group()
def users():
    """Staff accounts."""

@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["handler", "supervisor", "manager", "executive", "admin"]))
@click.option("--unit", "unit_code", help="code of the staff member's unit")
@click.option("--password", help="prompted for when not given")
@click.option("--name", "display_name")
@click.option("--phone")
@click.option("--email")
@click.option("--callbacks", is_flag=True, help="the callback desk: calls customers back on the unit's cases")
@with_appcontext
def users_create(username, role, unit_code, password, display_name, phone, email, callbacks):

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        unit = None
        if unit_code:
            unit = unit_by_code(session, unit_code)
            if unit is None:
                raise click.UsageError(f"no unit with code {unit_code}")
        try:
            staff = create_staff(session, username, role, _now(), display_name=display_name, unit=unit,
                                 password=password, phone=phone, email=email, callback_desk=callbacks)
        except RoutingError as error:
            raise click.UsageError(error.message) from error
        session.commit()
        click.echo(f"created {staff.role} {staff.username}")


@main.group()
def tokens():
    """API tokens."""

@tokens.command("create")
@click.option("--user", "username", required=True)
@click.option("--name", default="")
@with_appcontext
def tokens_create(username, name):
    """Print a new API token alone on stdout (it is shown once)."""
    with _session() as session:
        staff = staff_by_username(session, username)
        if staff is None:
            raise click.UsageError(f"no user {username}")
        token, _row = create_api_token(session, staff, _now(), name)
        session.commit()
    click.echo(token)


@main.command()
@click.option("--now", "now_text", help="run as if at this ISO-8601 time")
@with_appcontext
def tick(now_text):
    """Run one sweep now and print what it did as JSON."""
    now = _parse_now(now_text) if now_text else None
    click.echo(json.dumps(run(current_app, now), default=str, indent=2))


def _parse_now(text: str) -> datetime:
    return parse_now(text, current_app.config["TIMEZONE"])


@main.command()
@with_appcontext
def worker():
    """The scheduler process for production: the tick and the outbox, each on
    its own interval, until SIGTERM or SIGINT (then it finishes what is in
    flight and hands back the rest)."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # not every request's headers
    run_worker(current_app._get_current_object())


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="load the data and stop")
@with_appcontext
def demo(host, port, no_serve):
    """Create the embedded database, load the demo organisation once, and serve
    the app with the scheduler running."""
    app = current_app._get_current_object()
    if not no_serve:
        check_port(host, port)  # before anything is loaded, printed or ticked
    if "FEEDBACK_PUBLIC_URL" not in os.environ:  # links and QR codes lead to where it serves
        shown = shown_host(host)
        app.config["PUBLIC_URL"] = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    upgrade(app.config["DATABASE_URL"])
    with _session() as session:
        summary = load_demo(session, _now(), public_url=app.config["PUBLIC_URL"])
        session.commit()
    click.echo(summary)
    if no_serve:
        return
    logging.basicConfig(level=logging.INFO)
    start_scheduler(app)
    # Flask's CLI refuses app.run() inside a command; serve with Werkzeug itself.
    run_simple(host, port, app, threaded=True, use_reloader=False)


main.add_command(qr)
main.add_command(calendars)

main.add_command(score)

if __name__ == "__main__":
    main()
