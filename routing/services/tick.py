"""The tick: one sweep of everything time-driven. Each job takes a session
and `now`, does a bounded amount of work and reports counts; the tick
commits after each job so one failing job does not undo the others."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

log = logging.getLogger("feedback.tick")

TickJob = Callable[[Session, datetime], dict]


def run_tick(sessionmaker, jobs: dict[str, TickJob], now: datetime) -> dict:
    report: dict = {"now": now.isoformat()}
    for name, job in jobs.items():
        with sessionmaker() as session:
            try:
                report[name] = job(session, now)
                session.commit()
            except Exception as error:  # one job's failure must not stop the others
                session.rollback()
                log.exception("tick job %s failed", name)
                report[name] = {"error": str(error)}
    return report
