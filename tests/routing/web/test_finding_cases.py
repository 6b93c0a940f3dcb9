"""A customer calls about an old case: the handler finds it on the queue page
by reference (with or without C-) or by phone number as the customer says it,
and the case page shows the customer's other cases and ratings, the rating
that opened the case and who served them."""
from __future__ import annotations

from intake.models import Survey
from routing.models import Rating, ServiceEvent
from routing.services import lifecycle
from support.pages import page_of

PHONE = "+8613812345678"


def closed_case(session, make, bank, clock, **fields):
    fields.setdefault("contact_phone", PHONE)
    case = make.case(bank.counter_a, kind="complaint", category="attitude", locale="en", **fields)
    lifecycle.claim(session, case, bank.handler_a, clock.now())
    lifecycle.resolve(session, case, bank.handler_a, "Apologised.", clock.now())
    lifecycle.close(session, case, bank.handler_a, clock.now())
    session.commit()
    return case


def test_a_closed_case_is_found_by_phone_in_another_format_and_by_reference_without_c(
        client, sign_in, make, bank, session, clock):
    case = closed_case(session, make, bank, clock, description="The teller was rude")
    sign_in(bank.supervisor_a)
    for typed in ("+86 138 1234 5678", "138-1234-5678", case.reference.removeprefix("C-")):
        page = page_of(client.get("/cases", query_string={"q": typed}))
        assert f'>{case.reference}</a>' in page, typed
        assert 'aria-current="page">Every case' in page
    assert case.reference not in page_of(client.get("/cases?tab=unit"))  # the working queue keeps to open cases
    assert case.reference in page_of(client.get("/cases?tab=unit&status=closed"))


def test_a_handler_of_another_outlet_does_not_find_it(client, sign_in, make, bank, session, clock):
    case = closed_case(session, make, bank, clock)
    sign_in(bank.handler_b)
    page = page_of(client.get("/cases", query_string={"q": case.reference}))
    assert f">{case.reference}</a>" not in page and "No cases match these filters." in page


def test_the_case_page_shows_the_customers_other_cases_ratings_and_who_served_them(
        client, sign_in, make, bank, session, clock):
    earlier = closed_case(session, make, bank, clock, description="Queue too long last month")
    teller = bank.handler_a
    counter = make.touchpoint(bank.counter_a, staff=teller, label="Counter 3")
    case = make.case(bank.counter_a, kind="complaint", locale="en", contact_phone=PHONE, channel="qr",
                     touchpoint_id=counter.id, description="Rated 1 of 5 by QR code")
    session.add(Rating(channel="qr", unit_id=bank.counter_a.id, staff_id=teller.id, touchpoint_id=counter.id,
                       case_id=case.id, score=1, comment="Cold and slow", created_at=clock.now(), suspect=False))
    session.add(Rating(channel="callback", unit_id=bank.counter_a.id, staff_id=teller.id, case_id=earlier.id,
                       score=4, created_at=clock.now(), suspect=False))
    session.commit()
    sign_in(bank.supervisor_a)
    page = page_of(client.get(f"/cases/{case.reference}"))
    customer = page[page.index('id="customer-h"'):page.index('id="deadlines-h"')]
    assert earlier.reference in customer and "Queue too long last month" in customer
    assert "Served by" in customer and teller.display_name in customer and "Counter 3" in customer
    assert "Rating that opened the case" in customer and "1 of 5" in customer and "Cold and slow" in customer
    assert "4 of 5" in customer  # the callback survey of the earlier case


def test_a_case_without_rating_says_so(client, sign_in, make, bank, session):
    case = make.case(bank.counter_a, locale="en", contact_phone=PHONE)
    sign_in(bank.handler_a)
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert "None: the customer wrote to us" in page and "No other case you may see." in page


def test_the_customers_sms_survey_answers_are_among_their_ratings(client, sign_in, make, bank, session, clock):
    case = make.case(bank.counter_a, locale="en", contact_phone=PHONE)
    service = ServiceEvent(external_id="q-1", unit_id=bank.counter_a.id, staff_id=bank.handler_a.id,
                           customer_phone=PHONE, occurred_at=clock.now(), created_at=clock.now())
    answer = Rating(channel="sms", unit_id=bank.counter_a.id, staff_id=bank.handler_a.id, score=2,
                    created_at=clock.now(), suspect=False)
    elsewhere = Rating(channel="sms", unit_id=bank.counter_b.id, score=5, created_at=clock.now(), suspect=False)
    session.add_all([service, answer, elsewhere])
    session.flush()
    service_b = ServiceEvent(external_id="q-2", unit_id=bank.counter_b.id, customer_phone=PHONE,
                             occurred_at=clock.now(), created_at=clock.now())
    session.add(service_b)
    session.flush()
    for event, rating in ((service, answer), (service_b, elsewhere)):
        session.add(Survey(service_event_id=event.id, phone=PHONE, status="answered", sent_at=clock.now(),
                           expires_at=clock.now(), answered_at=clock.now(), rating_id=rating.id))
    session.commit()
    sign_in(bank.handler_a)
    page = page_of(client.get(f"/cases/{case.reference}"))
    ratings = page[page.index('id="ratings-h"'):page.index('id="deadlines-h"')]
    assert "2 of 5" in ratings and "SMS" in ratings
    assert "5 of 5" not in ratings  # outlet B's rating is out of a counter handler's sight
