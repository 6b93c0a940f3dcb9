"""The tick's sweep and the outbox's passes, driven here because the tick
(routing) must not know intake's or scoring's records.

Two schedules: the tick (warnings, escalations, callbacks, surveys, the
inbound spool) and the outbox, each on its own job and threads, so a provider
that hangs holds up messages and nothing else (intake.shell.scheduler runs
them; `feedback tick` runs each once and needs no scheduler).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from routing.services.dispatch import OutboxDispatcher
from routing.services.tick import run_tick


def make_dispatcher(app: Flask) -> OutboxDispatcher:
    config = app.config
    return OutboxDispatcher(
        app.extensions["db"].sessionmaker, app.extensions["senders"], app.extensions["clock"],
        concurrency=config["OUTBOX_CONCURRENCY"], batch=config["OUTBOX_BATCH"],
        lease=timedelta(seconds=config["OUTBOX_LEASE_SECONDS"]), max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
        send_timeout=config["OUTBOX_SEND_TIMEOUT"], context=app.app_context,
    )


def sweep(app: Flask, now: datetime | None = None) -> dict:
    """The tick's jobs once."""
    now = now or app.extensions["clock"].now()
    with app.app_context():
        # Everything time-driven but sending: name -> job(session, now), registered by the app factory.
        return run_tick(app.extensions["db"].sessionmaker, app.extensions["tick_jobs"], now)


def tick(app: Flask, now: datetime | None = None) -> dict:
    """One sweep and then one pass of the outbox, so what the jobs queued
    goes out at once (`feedback tick`)."""
    now = now or app.extensions["clock"].now()
    report = sweep(app, now)
    report["outbox"] = make_dispatcher(app).run_pass(due_at=now)
    return report
