"""Two workers ticking at once against PostgreSQL (DESIGN "Decisions"): with
1,000 due cases, every case is escalated exactly once and each message is
queued and sent once. Real processes, started together behind a barrier."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from routing.models import Escalation, Notification, OutboundMessage
from support import ROOT
from support.factories import empty_postgres
from support.ladder import add_due_cases, local

POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="FEEDBACK_TEST_POSTGRES_URL is not set: two workers sharing due cases need PostgreSQL's "
           "row locks (FOR UPDATE SKIP LOCKED); SQLite lets one writer at a time")

DUE_CASES = 1000
BREACHED = local(2026, 11, 2, 9, 30)
NOW = BREACHED + timedelta(minutes=5)  # each case is due for exactly one step: the supervisor

# A worker: builds the app from FEEDBACK_ variables, says it is ready, waits
# for the go on stdin, runs one sweep and prints its report.
WORKER = """
import json, sys
from datetime import datetime
from intake import create_app
from intake.shell.jobs import tick
app = create_app()
with app.extensions["db"].engine.connect():
    pass
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(tick(app, datetime.fromisoformat(sys.argv[1])), default=str), flush=True)
"""


@pytest.fixture
def database_url(postgres_server_url):
    """This module runs on PostgreSQL only (overrides the conftest's pair of backends)."""
    empty_postgres(postgres_server_url)
    return postgres_server_url


def worker_env(app, tmp_path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "FEEDBACK_DATABASE_URL": app.config["DATABASE_URL"],
            "FEEDBACK_SECRET_KEY": "test-secret", "FEEDBACK_INSTANCE_PATH": str(tmp_path / "instance"),
            "FEEDBACK_SMS_BACKEND": "console", "FEEDBACK_EMAIL_BACKEND": "console",
            "FEEDBACK_ESCALATION_BATCH": "50", "FEEDBACK_OUTBOX_BATCH": str(2 * DUE_CASES)}




def test_two_workers_escalate_each_case_once_and_send_each_message_once(app, session, ladder_org, tmp_path):
    add_due_cases(session, ladder_org.outlet, DUE_CASES, BREACHED)
    env = worker_env(app, tmp_path)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, NOW.isoformat()], cwd=ROOT, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    for worker in workers:  # the barrier opens for both at once
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        reports.append(json.loads(out))

    for report in reports:
        assert "error" not in report["escalations"], report
    assert sum(r["escalations"]["escalations"] for r in reports) == DUE_CASES
    assert sum(r["escalations"]["cases"] for r in reports) == DUE_CASES
    per_case = session.execute(select(Escalation.case_id, func.count()).group_by(Escalation.case_id)).all()
    assert len(per_case) == DUE_CASES and {n for _, n in per_case} == {1}
    assert session.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.to_staff_id != ladder_org.supervisor.id)) == 0
    messages = session.execute(select(OutboundMessage.case_id, OutboundMessage.status, OutboundMessage.attempts)
                               ).all()
    assert len(messages) == DUE_CASES and len({case_id for case_id, _, _ in messages}) == DUE_CASES
    assert {(status, attempts) for _, status, attempts in messages} == {("sent", 1)}
    assert sum(r["outbox"]["sent"] for r in reports) == DUE_CASES
    assert session.scalar(select(func.count()).select_from(Notification)) == DUE_CASES

    # A third sweep at the same moment, through `python -m intake.shell.cli tick`, finds nothing left to do.
    again = subprocess.run([sys.executable, "-m", "intake.shell.cli", "tick", "--now", NOW.isoformat()], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["escalations"] == {"cases": 0, "warnings": 0, "escalations": 0}
