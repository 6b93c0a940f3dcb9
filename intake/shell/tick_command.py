"""`feedback tick` on its own: one sweep and one pass of the outbox from a
process that builds the worker app only (intake.shell.worker_app), not the
web app, and imports none of the web layers (intake.shell.entry sends the
command here). The full command line offers the same command."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask.cli import load_dotenv

from intake.shell.jobs import tick as run
from intake.shell.worker_app import create_worker_app


@click.command("tick")
@click.option("--now", "now_text", help="run as if at this ISO-8601 time")
def tick(now_text):
    """Run one sweep now and print what it did as JSON."""
    load_dotenv()  # as the full command line (FlaskGroup) does
    app = create_worker_app()
    with app.app_context():
        now = parse_now(now_text, app.config["TIMEZONE"]) if now_text else None
        click.echo(json.dumps(run(app, now), default=str, indent=2))
    app.extensions["db"].dispose()  # every job has committed: the connections close now, not at exit


def parse_now(text: str, zone: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO-8601 time: {text}") from error
    if value.tzinfo is None:  # a bare time is read in the organisation's zone
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(timezone.utc)
