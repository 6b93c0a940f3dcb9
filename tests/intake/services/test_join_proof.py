"""Joining a case by phone needs proof (anyone may know a customer's number):
the public form joins the open case only with a one-time code sent by SMS to
that phone, or through the case's tracking link. The code cannot be guessed
endlessly: a few guesses per code, a few codes per hour, then nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.models import JoinCode
from intake.services import proof
from routing.models import Case, CaseEvent, OutboundMessage

PHONE = "+8613800138000"


@pytest.fixture
def outlet(make):
    return make.unit(name="Lujiazui Outlet")


def complaint(outlet, **fields):
    return {"kind": "complaint", "category": "attitude", "description": "The teller shouted at me.",
            "unit": outlet.id, "name": "Li Na", "phone": "13800138000", "consent": "y", **fields}


def ask_code(client, phone="13800138000"):
    return client.post("/complain/code", data={"join-phone": phone}, headers={"Accept-Language": "en"})


def fresh(session, query):
    rows = list(session.scalars(query.execution_options(populate_existing=True)))
    session.commit()
    return rows


def last_code(session) -> str:
    [message] = fresh(session, select(OutboundMessage).where(OutboundMessage.purpose == "join_code")
                      .order_by(OutboundMessage.id.desc()).limit(1))
    assert message.to == PHONE
    return message.params["code"]  # the notice join_code: the code is its parameter


def messages_on(session, case) -> list[str]:
    return [e.body for e in fresh(session, select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                                   CaseEvent.kind == "customer_message"))]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def test_the_code_takes_five_guesses_then_even_the_right_one_is_refused(client, session, outlet):
    client.post("/complain", data=complaint(outlet))
    ask_code(client)
    code = last_code(session)
    for _ in range(proof.MAX_ATTEMPTS):
        response = client.post("/complain", data=complaint(outlet, description="Let me in.", code=wrong(code)))
        assert response.status_code == 400 and "This code is not right" in response.get_data(as_text=True)
    late = client.post("/complain", data=complaint(outlet, description="Let me in.", code=code))
    assert late.status_code == 400
    [case] = fresh(session, select(Case))
    assert messages_on(session, case) == []
    [row] = fresh(session, select(JoinCode))
    assert row.attempts == proof.MAX_ATTEMPTS and row.used_at is None


def test_a_phone_gets_three_codes_an_hour(client, session, outlet, clock):
    for _ in range(proof.CODES_PER_HOUR):
        assert ask_code(client).status_code == 200
    refused = ask_code(client)
    assert refused.status_code == 400 and "several codes" in refused.get_data(as_text=True)
    assert len(fresh(session, select(JoinCode))) == proof.CODES_PER_HOUR
    clock.advance(timedelta(hours=1, seconds=1))
    assert ask_code(client).status_code == 200


def test_so_an_hour_allows_at_most_fifteen_guesses_at_a_million_codes(app, session, clock):
    """The bound, on the service: every code is spent after five guesses,
    a sixth code is refused within the hour, so no more guesses are counted."""
    config = app.config
    guesses = 0
    with app.test_request_context():
        for _ in range(proof.CODES_PER_HOUR):
            proof.send_join_code(session, PHONE, now=clock.now(), config=config, locale="en")
            for _ in range(proof.MAX_ATTEMPTS + 3):
                assert proof.check_join_code(session, PHONE, "000000", now=clock.now(), config=config) is False
            guesses += sum(row.attempts for row in session.scalars(select(JoinCode)).all()) - guesses
        with pytest.raises(proof.ComplaintRejected):
            proof.send_join_code(session, PHONE, now=clock.now(), config=config, locale="en")
    assert guesses == proof.MAX_ATTEMPTS * proof.CODES_PER_HOUR == 15


def test_a_code_expires(client, session, outlet, clock):
    client.post("/complain", data=complaint(outlet))
    ask_code(client)
    code = last_code(session)
    clock.advance(proof.CODE_VALID + timedelta(seconds=1))
    response = client.post("/complain", data=complaint(outlet, description="Too late.", code=code))
    assert response.status_code == 400


def test_a_code_for_one_phone_proves_nothing_for_another(client, session, outlet):
    client.post("/complain", data=complaint(outlet, phone="13900000000"))
    ask_code(client)
    code = last_code(session)
    response = client.post("/complain", data=complaint(outlet, phone="13900000000", code=code))
    assert response.status_code == 400
    [case] = fresh(session, select(Case))
    assert messages_on(session, case) == []


def test_the_right_code_joins_and_proves_the_phone_in_this_browser_for_a_while(client, session, outlet, clock):
    client.post("/complain", data=complaint(outlet))
    ask_code(client)
    joined = client.post("/complain", data=complaint(outlet, description="Also: no receipt.", code=last_code(session)))
    assert joined.headers["Location"].endswith("/complain/joined")
    again = client.post("/complain", data=complaint(outlet, description="And the queue was long."))
    assert again.headers["Location"].endswith("/complain/joined")
    clock.advance(proof.PROOF_LASTS + timedelta(seconds=1))
    later = client.post("/complain", data=complaint(outlet, description="One more thing."))
    assert "/complain/sent/" in later.headers["Location"]
    first, second = fresh(session, select(Case).order_by(Case.id))
    assert messages_on(session, first) == ["Also: no receipt.", "And the queue was long."]
    assert second.same_customer_as_id == first.id


def test_another_browser_gets_no_proof_from_the_first(app, client, session, outlet):
    client.post("/complain", data=complaint(outlet))
    ask_code(client)
    client.post("/complain", data=complaint(outlet, description="Mine.", code=last_code(session)))
    stranger = app.test_client()
    response = stranger.post("/complain", data=complaint(outlet, description="Not mine."))
    assert "/complain/sent/" in response.headers["Location"]


def test_the_tracking_link_adds_to_the_case_without_a_code(client, session, outlet):
    client.post("/complain", data=complaint(outlet))
    [case] = fresh(session, select(Case))
    response = client.post(f"/track/{case.tracking_token}", data={"body": "Any news?"})
    assert response.status_code in (302, 303)
    assert messages_on(session, case) == ["Any news?"]


def test_asking_for_a_code_says_nothing_about_whether_the_phone_has_a_case(client, session, outlet):
    with_case = client.post("/complain", data=complaint(outlet))
    assert with_case.status_code == 303
    a = ask_code(client).get_data(as_text=True)
    b = ask_code(client, "13700137000").get_data(as_text=True)
    assert "We sent a code" in a and "We sent a code" in b
    assert len(fresh(session, select(JoinCode))) == 2
