"""Every case can be found again, open or finished: by reference with or
without C-, by phone number in any format, by name or words; the status
filter finds resolved and closed cases; nobody finds a case out of their
sight, nor a complaint about themselves."""
import pytest
from sqlalchemy import select, text

from routing.models import Case
from routing.rules.case_search import read_query
from routing.services import lifecycle
from routing.services.customer_history import history
from routing.services.queues import queue, search_clause


def refs(cases):
    return [c.reference for c in cases]


def finished(session, case, staff, now, *, close=True):
    lifecycle.claim(session, case, staff, now)
    lifecycle.resolve(session, case, staff, "Apologised and refunded the fee.", now)
    if close:
        lifecycle.close(session, case, staff, now)
    session.commit()
    return case


@pytest.fixture
def old_cases(session, make, ladder_org, clock):
    closed = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", contact_name="Wang Fang",
                       description="Charged twice for a transfer")
    finished(session, closed, ladder_org.handler, clock.now())
    resolved = make.case(unit=ladder_org.outlet, kind="repair", contact_phone="+8613700000000",
                         description="Card reader broken")
    finished(session, resolved, ladder_org.handler, clock.now(), close=False)
    open_one = make.case(unit=ladder_org.outlet, contact_phone="+8613700000000", description="Still broken")
    elsewhere = make.case(unit=ladder_org.other_outlet, contact_phone="+8613912345678",
                          description="West outlet queue too long")
    finished(session, elsewhere, ladder_org.stranger, clock.now())
    return closed, resolved, open_one, elsewhere


@pytest.mark.parametrize("typed", ["+86 139 1234 5678", "139-1234-5678", "13912345678", "8613912345678"])
def test_a_closed_case_is_found_by_its_phone_number_in_any_format(session, ladder_org, clock, old_cases, typed):
    closed, *_ = old_cases
    assert refs(queue(session, ladder_org.supervisor, "all", clock.now(), search=typed)) == refs([closed])


def test_a_closed_case_is_found_by_its_reference_without_the_prefix(session, ladder_org, clock, old_cases):
    closed, *_ = old_cases
    bare = closed.reference.removeprefix("C-")
    for tab in ("all", "unit", "mine"):
        assert refs(queue(session, ladder_org.handler, tab, clock.now(), search=bare)) == refs([closed])
    assert refs(queue(session, ladder_org.handler, "all", clock.now(), search=closed.reference.lower())) \
        == refs([closed])


def test_names_and_words_find_finished_cases(session, ladder_org, clock, old_cases):
    closed, resolved, *_ = old_cases
    assert refs(queue(session, ladder_org.supervisor, "all", clock.now(), search="wang")) == refs([closed])
    assert refs(queue(session, ladder_org.supervisor, "all", clock.now(), search="reader")) == refs([resolved])
    assert queue(session, ladder_org.supervisor, "all", clock.now(), search="100%") == []  # % is no wildcard


def test_the_status_filter_finds_resolved_and_closed_cases(session, ladder_org, clock, old_cases):
    closed, resolved, open_one, _elsewhere = old_cases
    assert refs(queue(session, ladder_org.supervisor, "unit", clock.now(), status="closed")) == refs([closed])
    assert refs(queue(session, ladder_org.supervisor, "unit", clock.now(), status="resolved")) == refs([resolved])
    assert refs(queue(session, ladder_org.handler, "mine", clock.now(), status="closed")) == refs([closed])
    # Without a status filter the working queues keep to what needs work.
    assert refs(queue(session, ladder_org.supervisor, "unit", clock.now())) == refs([open_one])


def test_every_case_tab_holds_open_and_finished_cases_newest_first(session, ladder_org, clock, old_cases):
    closed, resolved, open_one, elsewhere = old_cases
    assert refs(queue(session, ladder_org.handler, "all", clock.now())) == refs([open_one, resolved, closed])
    assert refs(queue(session, ladder_org.manager, "all", clock.now())) == \
        refs([elsewhere, open_one, resolved, closed])


def test_a_search_never_reaches_beyond_sight(session, ladder_org, clock, old_cases):
    closed, _resolved, _open, elsewhere = old_cases
    # The same customer at the other outlet: the handler of outlet 1 does not see that case.
    assert refs(queue(session, ladder_org.handler, "all", clock.now(), search="13912345678")) == refs([closed])
    assert refs(queue(session, ladder_org.stranger, "all", clock.now(), search="13912345678")) == refs([elsewhere])
    assert refs(queue(session, ladder_org.manager, "all", clock.now(), search="13912345678")) == \
        refs([elsewhere, closed])
    assert queue(session, ladder_org.stranger, "all", clock.now(), search=closed.reference) == []


def test_a_complaint_about_a_staff_member_is_not_found_by_them(session, make, ladder_org, clock):
    about_colleague = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", description="Rude")
    about_colleague.subject_staff_id = ladder_org.colleague.id
    session.commit()
    found = lambda staff: refs(queue(session, staff, "all", clock.now(), search="13912345678"))  # noqa: E731
    assert found(ladder_org.colleague) == []
    assert found(ladder_org.handler) == refs([about_colleague])


def test_the_customer_history_lists_their_other_cases_in_sight(session, ladder_org, clock, old_cases):
    closed, resolved, open_one, elsewhere = old_cases
    seen_by_handler = history(session, ladder_org.handler, open_one)
    assert refs(seen_by_handler.other_cases) == refs([resolved])
    assert refs(history(session, ladder_org.handler, closed).other_cases) == []  # elsewhere is out of sight
    assert refs(history(session, ladder_org.manager, closed).other_cases) == refs([elsewhere])
    assert session.get(Case, closed.id).status == "closed"


@pytest.mark.parametrize(("typed", "index"), [("+86 139 1234 5678", "ix_case_contact_phone"),
                                              ("2026-000001", "reference")])
def test_a_phone_or_reference_search_is_served_by_an_index(session, typed, index):
    """The typed value is turned into the stored form, so the column is
    compared as it is (no function on it) and its index serves the search."""
    query = select(Case.id).where(search_clause(read_query(typed)))
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))  # an almost empty table is read whole otherwise
        plan = " ".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))
        index = "uq_case_reference" if index == "reference" else index
    else:
        plan = " ".join(row[-1] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        index = "sqlite_autoindex_case" if index == "reference" else index
    session.rollback()
    assert index in plan and "SCAN case" not in plan and "Seq Scan" not in plan, plan
