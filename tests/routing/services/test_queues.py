"""Handler queues: mine, my unit's, first received by me, overdue, waiting;
sorted by the next deadline, cases without one last; filtered and searched."""
import pytest

from routing.errors import RoutingError
from routing.models import Case
from routing.services import lifecycle
from routing.services.queues import queue
from support.ladder import local


def refs(cases):
    return [c.reference for c in cases]


@pytest.fixture
def cases(session, make, ladder_org, clock):
    complaint = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", contact_name="Wang Fang")  # Tue 09:00
    repair = make.case(unit=ladder_org.outlet, kind="repair", description="Sparks from the meter")  # 09:30
    waiting = make.case(unit=ladder_org.outlet, kind="repair")
    lifecycle.claim(session, waiting, ladder_org.handler, clock.now())
    lifecycle.wait_for_customer(session, waiting, ladder_org.handler, "Access to the cellar", clock.now())
    elsewhere = make.case(unit=ladder_org.other_outlet)
    session.commit()
    return complaint, repair, waiting, elsewhere


def test_the_unit_queue_is_sorted_by_the_next_deadline_with_none_last(session, ladder_org, clock, cases):
    complaint, repair, waiting, elsewhere = cases
    assert waiting.next_due_at is None  # its clocks are paused
    assert refs(queue(session, ladder_org.handler, "unit", clock.now())) == refs([repair, complaint, waiting])
    assert refs(queue(session, ladder_org.stranger, "unit", clock.now())) == refs([elsewhere])
    assert refs(queue(session, ladder_org.manager, "unit", clock.now())) == refs([repair, complaint, elsewhere, waiting])


def test_mine_first_received_waiting_and_overdue(session, ladder_org, clock, cases):
    complaint, repair, waiting, _elsewhere = cases
    assert refs(queue(session, ladder_org.handler, "mine", clock.now())) == refs([waiting])
    assert refs(queue(session, ladder_org.handler, "first_received", clock.now())) == refs([waiting])
    assert refs(queue(session, ladder_org.supervisor, "waiting", clock.now())) == refs([waiting])
    assert queue(session, ladder_org.supervisor, "overdue", clock.now()) == []
    assert refs(queue(session, ladder_org.supervisor, "overdue", local(2026, 11, 2, 9, 31))) == refs([repair])
    assert refs(queue(session, ladder_org.supervisor, "overdue", local(2026, 11, 3, 10, 0))) == refs([repair, complaint])


def test_queues_filter_and_search(session, ladder_org, clock, cases):
    complaint, repair, waiting, _elsewhere = cases
    unit = lambda **f: refs(queue(session, ladder_org.supervisor, "unit", clock.now(), **f))  # noqa: E731
    assert unit(kind="repair") == refs([repair, waiting])
    assert unit(status="waiting") == refs([waiting])
    assert unit(category="billing") == []
    assert unit(search=complaint.reference.lower()) == refs([complaint])
    assert unit(search="912345") == refs([complaint])
    assert unit(search="sparks") == refs([repair])
    assert unit(search="wang") == refs([complaint])
    assert refs(queue(session, ladder_org.supervisor, "unit", clock.now(), limit=1)) == refs([repair])
    with pytest.raises(RoutingError):
        queue(session, ladder_org.supervisor, "everything", clock.now())


def test_a_closed_case_leaves_every_queue(session, ladder_org, clock, cases):
    complaint = cases[0]
    lifecycle.claim(session, complaint, ladder_org.handler, clock.now())
    lifecycle.resolve(session, complaint, ladder_org.handler, "Done", clock.now())
    assert complaint.reference in refs(queue(session, ladder_org.handler, "mine", clock.now()))
    lifecycle.close(session, complaint, ladder_org.handler, clock.now())
    for name in ("mine", "unit", "first_received", "overdue", "waiting"):
        assert complaint.reference not in refs(queue(session, ladder_org.handler, name, local(2026, 11, 9, 9, 0)))
    assert session.get(Case, complaint.id).status == "closed"
