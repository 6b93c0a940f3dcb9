"""`feedback tick` as cron runs it: the console script, a process of its own
that leaves without tearing the interpreter down (intake.shell.entry). What
it printed and what its jobs wrote are all there afterwards."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from routing.models import Escalation, OutboundMessage
from support.ladder import add_due_cases, local

BREACHED = local(2026, 11, 2, 9, 30)
NOW = BREACHED + timedelta(minutes=5)  # each case is due for one step: the supervisor
DUE_CASES = 3




def feedback_tick(app, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FEEDBACK_DATABASE_URL": app.config["DATABASE_URL"], "FEEDBACK_SECRET_KEY": "test-secret",
           "FEEDBACK_INSTANCE_PATH": str(tmp_path / "instance"), "FEEDBACK_SMS_BACKEND": "console",
           "FEEDBACK_EMAIL_BACKEND": "console"}
    script = Path(sys.executable).with_name("feedback")
    return subprocess.run([str(script), "tick", "--now", NOW.isoformat()], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_tick_prints_its_whole_report_and_leaves_its_work_committed(app, session, ladder_org, tmp_path):
    add_due_cases(session, ladder_org.outlet, DUE_CASES, BREACHED)

    done = feedback_tick(app, tmp_path)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # into a pipe, and whole
    assert report["escalations"] == {"cases": DUE_CASES, "warnings": 0, "escalations": DUE_CASES}
    assert report["outbox"]["sent"] == DUE_CASES
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Escalation)) == DUE_CASES
    assert set(session.scalars(select(OutboundMessage.status))) == {"sent"}


def test_a_tick_that_fails_exits_as_it_always_did(app, tmp_path):
    done = subprocess.run([str(Path(sys.executable).with_name("feedback")), "tick", "--now", "not a time"],
                          env={**os.environ, "FEEDBACK_DATABASE_URL": app.config["DATABASE_URL"],
                               "FEEDBACK_SECRET_KEY": "test-secret",
                               "FEEDBACK_INSTANCE_PATH": str(tmp_path / "instance")},
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 2
    assert "not an ISO-8601 time" in done.stderr
