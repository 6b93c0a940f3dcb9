"""An organisation for the router's tests: a company with its general manager
and deputy, a branch with the department manager, an outlet with its
supervisor and two handlers, and a second outlet."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from intake.shell.cli import main
from intake.shell.jobs import tick
from routing.models import Case, Deadline, Staff, Unit
from routing.services.policies import ensure_presets

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class LadderOrg:
    company: Unit
    branch: Unit
    outlet: Unit
    other_outlet: Unit
    gm: Staff
    deputy: Staff
    manager: Staff
    supervisor: Staff
    handler: Staff
    colleague: Staff
    stranger: Staff  # a handler of the other outlet
    caller: Staff  # the branch's callback desk


def build_ladder_org(make) -> LadderOrg:
    company = make.unit(code="HQ", name="Head office", level="company")
    branch = make.unit(code="BR", name="City branch", level="branch", parent=company)
    outlet = make.unit(code="OUT1", name="East outlet", parent=branch)
    other = make.unit(code="OUT2", name="West outlet", parent=branch)
    return LadderOrg(
        company=company, branch=branch, outlet=outlet, other_outlet=other,
        gm=make.staff("executive", unit=company, ladder_position="gm", phone="+8613800000001"),
        deputy=make.staff("executive", unit=company, ladder_position="deputy_gm", email="deputy@example.com"),
        manager=make.staff("manager", unit=branch, phone="+8613800000003"),
        supervisor=make.staff("supervisor", unit=outlet, phone="+8613800000004"),
        handler=make.staff("handler", unit=outlet, phone="+8613800000005"),
        colleague=make.staff("handler", unit=outlet),
        stranger=make.staff("handler", unit=other),
        caller=make.staff("handler", unit=branch, callback_desk=True),
    )


def local(*args) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def tick_at(app, clock, when: datetime) -> dict:
    """Move the fake clock to `when` and run one sweep, as `feedback tick` does."""
    clock.set(when)
    return tick(app, when)


def cli_tick(app, when: datetime) -> dict:
    """`feedback tick --now ISO`, through the command line."""
    result = app.test_cli_runner().invoke(main, args=["tick", "--now", when.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


MINUTE = timedelta(minutes=1)


def add_due_cases(session, unit: Unit, count: int, breached: datetime) -> None:
    """`count` urban repair cases whose arrival limit was missed at `breached`,
    written in two statements (a tick's worth of work, not a factory's)."""
    created = breached - timedelta(minutes=30)
    ensure_presets(session, created)
    ids = session.scalars(insert(Case).returning(Case.id), [{
        "reference": f"C-2026-{n:06d}", "tracking_token": secrets.token_urlsafe(24), "kind": "repair",
        "category": "fault", "severity": "normal", "status": "new", "channel": "web", "unit_id": unit.id,
        "locale": "zh_Hans_CN", "description": "No power", "consent": False, "created_at": created,
        "updated_at": created, "policy_name": "repair-urban", "next_due_at": breached, "next_check_at": breached,
    } for n in range(1, count + 1)]).all()
    session.execute(insert(Deadline), [{
        "case_id": case_id, "target": "arrival", "started_at": created, "due_at": breached,
        "warn_at": None, "warned_at": created, "escalation_level": 0,
    } for case_id in ids])
    session.commit()
