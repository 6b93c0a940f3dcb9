"""One outlet's October, whose every number test_metrics works out by hand."""
import pytest


@pytest.fixture
def october(rec, tree):
    """One outlet's October: ratings, services, cases, deadlines, verdicts, callbacks."""
    o1 = tree["o1"]
    alice, bob = rec.staff("alice", o1), rec.staff("bob", o1)
    rec.rating(o1, "2026-10-03 10:00", 5, alice, attitude=5, skill=4)
    rec.rating(o1, "2026-10-04 10:00", 4, alice, attitude=4)
    rec.rating(o1, "2026-10-05 10:00", 2, bob, attitude=1, promises=2)
    rec.rating(o1, "2026-10-06 10:00", 3, bob)
    rec.rating(o1, "2026-10-06 10:01", 1, bob, suspect=True)  # ballot stuffing: kept, not counted
    for day in range(1, 9):
        rec.service(o1, f"2026-10-{day:02d} 09:00", alice)

    c1 = rec.case(o1, "2026-10-10 09:00", first_responder=alice, owner=bob, phone="+8613800000001",
                  resolved="2026-10-12 09:00")
    rec.deadline(c1, "first_response", due="2026-10-11 09:00", met="2026-10-10 12:00")
    rec.deadline(c1, "resolution", due="2026-10-11 09:00", met="2026-10-12 09:00", breached=True)
    rec.verdict(c1, "valid")
    c2 = rec.case(o1, "2026-10-15 09:00", owner=alice, phone="+8613800000001")  # same caller again
    rec.deadline(c2, "first_response", due="2026-10-16 09:00", breached=True)
    rec.verdict(c2, "major")
    c3 = rec.case(o1, "2026-10-16 09:00", kind="repair", owner=bob, resolved="2026-10-16 11:00")
    rec.deadline(c3, "first_response", due="2026-10-16 09:30", met="2026-10-16 09:20")
    rec.deadline(c3, "resolution", due="2026-10-16 13:00", met="2026-10-16 11:00")
    c5 = rec.case(o1, "2026-10-20 09:00", phone="+8613800000005")
    rec.verdict(c5, "valid", superseded=True)  # corrected to invalid
    rec.verdict(c5, "invalid")
    rec.case(o1, "2026-11-02 09:00", kind="repair", owner=bob, reopened_from=c3)  # the customer rejected c3

    rec.callback(c1, "2026-10-20 09:00", "done", alice)
    rec.callback(c3, "2026-10-21 09:00", "missed")
    rec.callback(c2, "2026-11-02 09:00", "scheduled")
    return {"alice": alice, "bob": bob, "c1": c1, "c2": c2, "c3": c3}
