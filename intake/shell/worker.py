"""`feedback worker`: the scheduler process, until SIGTERM or SIGINT.

On either signal it stops claiming, lets each message in flight finish (a
send has a short timeout) and the running tick end, then hands back anything
it still holds, so nothing it claimed stays claimed. A second signal stops
it at once (its leases then run out and the next worker takes over).
"""
from __future__ import annotations

import logging
import signal

from flask import Flask

from intake.shell.jobs import make_dispatcher
from intake.shell.scheduler import start_scheduler

log = logging.getLogger("feedback.worker")

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def run_worker(app: Flask) -> None:
    # Blocked before any thread starts, so every thread inherits the mask and
    # the signals wait for sigwait below instead of interrupting a send.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    dispatcher = make_dispatcher(app)
    scheduler = start_scheduler(app, dispatcher)
    log.info("worker %s: ticking every %s s, sending every %s s", dispatcher.worker,
             app.config["TICK_SECONDS"], app.config["OUTBOX_SECONDS"])
    received = signal.sigwait(STOP_SIGNALS)
    for signum in STOP_SIGNALS:  # a second signal stops it at once
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    log.info("worker: %s received, finishing what is in flight", signal.Signals(received).name)
    dispatcher.stop.set()
    scheduler.shutdown(wait=True)
    handed_back = dispatcher.hand_back()
    log.info("worker: stopped, %s message(s) handed back", handed_back)
