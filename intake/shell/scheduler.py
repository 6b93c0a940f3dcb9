"""The worker's schedule: APScheduler runs the tick's sweep and the outbox's
passes (intake.shell.jobs) on their own intervals, in `feedback worker` and
the single demo process. `feedback tick` runs each once and does not load it."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from intake.shell.jobs import make_dispatcher, sweep
from routing.services.dispatch import OutboxDispatcher

log = logging.getLogger("feedback.worker")


def start_scheduler(app: Flask, dispatcher: OutboxDispatcher | None = None) -> BackgroundScheduler:
    """APScheduler drives the tick and the outbox, each on its own interval
    and thread: in `feedback worker` and in the single demo process, never
    in web workers. One run of each at a time per process; other processes
    are kept apart by row locks and leases."""
    dispatcher = dispatcher or make_dispatcher(app)
    scheduler = BackgroundScheduler(timezone="UTC")

    def run_sweep():
        log.info("tick %s", json.dumps(sweep(app), default=str))

    def run_outbox():
        report = dispatcher.run_pass()
        if any(report.values()):
            log.info("outbox %s", json.dumps(report))

    start = datetime.now(UTC)  # the scheduler keeps real time, whatever the app's clock says
    scheduler.add_job(run_sweep, "interval", seconds=app.config["TICK_SECONDS"], max_instances=1,
                      coalesce=True, id="tick", next_run_time=start)
    scheduler.add_job(run_outbox, "interval", seconds=app.config["OUTBOX_SECONDS"], max_instances=1,
                      coalesce=True, id="outbox", next_run_time=start)
    scheduler.start()
    return scheduler
