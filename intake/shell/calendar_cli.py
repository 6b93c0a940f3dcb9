"""`feedback calendars`: fill the calendars that follow an official
arrangement from python-holidays, and show how far each is confirmed."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from routing.rules.official_days import YEARS
from routing.services.official_calendars import Coverage, official_calendars, refresh_calendars
from routing.services.policies import ensure_presets


def _as_json(coverages: list[Coverage]) -> str:
    return json.dumps([{"calendar": c.name, "region": c.region,
                        "years": {str(year): "confirmed" if ok else "not confirmed" for year, ok in c.years.items()},
                        "confirmed_until": None if c.confirmed_until is None else c.confirmed_until.isoformat(),
                        "next_year_missing": c.next_year_missing} for c in coverages], indent=2)


@click.group("calendars")
def calendars():
    """Working calendars and the official holidays they follow."""


@calendars.command("refresh")
@click.option("--year", "years", type=click.IntRange(YEARS[0], YEARS[-1]), multiple=True,
              help="a year to fill (repeat for several); by default last year to two years ahead")
@with_appcontext
def refresh(years):
    """Fill the official holidays and make-up working days from python-holidays,
    recompute the deadlines and callbacks that run on a changed calendar, and
    print each calendar's coverage as JSON."""
    now = current_app.extensions["clock"].now()
    with current_app.extensions["db"].sessionmaker() as session:
        ensure_presets(session, now)  # a database never seeded gets its preset calendars first
        done = refresh_calendars(session, now, sorted(years) or None)
        session.commit()
    click.echo(_as_json(done))


@calendars.command("show")
@with_appcontext
def show():
    """Print how far each calendar that follows an official arrangement is confirmed, as JSON."""
    now = current_app.extensions["clock"].now()
    with current_app.extensions["db"].sessionmaker() as session:
        click.echo(_as_json(official_calendars(session, now)))
