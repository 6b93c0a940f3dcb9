"""Landing pages: managers and executives land on an overview (key figures
with the change from last month and the target, the week's worst counters
and staff, complaints to judge, overdue cases); supervisors on what needs
them (escalations, the week's low ratings, verdicts to give)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from routing.models import Rating, Unit
from support.records import Records
from support.score_pages import build_org

NOW = datetime(2026, 10, 25, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def org(session, clock):
    clock.set(NOW)
    built = build_org(session, clock)
    rec = Records(session)
    counter = rec.unit("O1-C1", session.get(Unit, built.o1.id), level="counter")
    counter.name = "Counter 1"  # as in every outlet
    for hours, score in ((20, 1), (30, 2), (40, 5), (50, 2), (60, 1), (70, 4)):
        session.add(Rating(channel="qr", unit_id=counter.id, staff_id=built.bob.id, score=score, suspect=False,
                           created_at=NOW - timedelta(hours=hours)))
    session.commit()
    return built


def test_a_manager_lands_on_the_overview(client, login, org):
    login(org.manager)
    response = client.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].endswith("/overview")
    html = client.get("/overview?lang=en").get_data(as_text=True)
    assert "Overview for October 2026" in html and "Key figures this month" in html
    figures = html[html.index('id="key-figures"'):html.index("</section>", html.index('id="key-figures"'))]
    assert "Satisfaction rate" in figures and "target 93.0%" in figures
    assert "no figure last month to compare" in figures  # nothing in September: no change, no 0.0%
    assert "—" in figures  # callback completion: nothing to count this month
    worst = html[html.index('id="worst-counters"'):]
    assert "East Gate outlet · Counter 1" in worst and "Bob Sun" in worst  # "Counter 1" alone is every outlet's
    assert "1 complaint to judge" in html and "East Gate outlet" in html


def test_a_supervisor_lands_on_what_needs_them(client, login, org):
    login(org.supervisor)
    assert client.get("/staff").headers["Location"].endswith("/overview")
    html = client.get("/overview?lang=en").get_data(as_text=True)
    assert "What needs you" in html and "Key figures" not in html
    low = html[html.index('id="low-ratings"'):html.index("</section>", html.index('id="low-ratings"'))]
    assert low.count("<li>") == 4 and "Counter 1" in low
    assert "Nothing has been escalated to you." in html and "1 complaint to judge" in html


def test_a_handler_still_lands_on_their_queue(client, login, org):
    login(org.ann)
    assert client.get("/staff").headers["Location"].endswith("/cases")
    assert client.get("/overview").status_code == 403
