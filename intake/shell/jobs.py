"""The tick's jobs, composed here because the tick (routing) must not know
intake's or scoring's records."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Flask

from routing.services.delivery import send_due
from routing.services.tick import run_tick


def tick_jobs(app: Flask) -> dict:
    config = app.config
    senders = app.extensions["senders"]
    jobs = {}
    for name, job in app.extensions.get("tick_jobs", {}).items():
        jobs[name] = job
    # Sending last: what the other jobs queued goes out in the same sweep.
    jobs["outbox"] = lambda session, now: send_due(
        session, senders, now, limit=config["OUTBOX_BATCH"], max_attempts=config["OUTBOX_MAX_ATTEMPTS"]
    ).__dict__
    return jobs


def tick(app: Flask, now: datetime | None = None) -> dict:
    now = now or app.extensions["clock"].now()
    return run_tick(app.extensions["db"].sessionmaker, tick_jobs(app), now)


def start_scheduler(app: Flask, blocking: bool = False):
    """APScheduler drives the tick on an interval: in `feedback worker` and
    in the single demo process, never in web workers."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")

    def sweep():
        with app.app_context():
            report = tick(app)
        app.logger.info("tick %s", json.dumps(report, default=str))

    # One sweep at a time per process; other processes are kept apart by the
    # tick's row locks.
    scheduler.add_job(sweep, "interval", seconds=app.config["TICK_SECONDS"], max_instances=1,
                      coalesce=True, id="tick", next_run_time=app.extensions["clock"].now())
    scheduler.start()
    return scheduler
