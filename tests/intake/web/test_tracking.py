"""The customer's tracking page says when: the appointment, the expected
reply and resolution, who is handling the case (as the organisation allows);
once resolved it asks "satisfied / not satisfied": not satisfied opens a new
case linked to it (RULES 4), satisfied closes or waits for the callback."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from routing.models import Case, CaseEvent
from routing.services import lifecycle
from support.pages import follow, page_of

PHONE = "+8613812345678"


@pytest.fixture
def case(make, bank):
    return make.case(bank.counter_a, kind="complaint", category="attitude", locale="en", contact_phone=PHONE,
                     description="The teller was rude")


def track(client, case) -> str:
    return page_of(client.get(f"/track/{case.tracking_token}", headers={"Accept-Language": "en"}))


def resolved(session, case, staff, clock):
    lifecycle.claim(session, case, staff, clock.now())
    lifecycle.resolve(session, case, staff, "We apologised.", clock.now())
    session.commit()
    return case


def test_the_page_tells_when_to_expect_a_reply_and_a_resolution_and_who_handles_it(client, case, bank):
    page = track(client, case)  # received Monday 2 November 09:00 in Shanghai
    assert "We will reply by" in page and "Tuesday 2026-11-03 09:00" in page  # 24 hours
    assert "Expected resolution by" in page and "Thursday 2026-11-05 09:00" in page  # 3 working days
    assert "Handled by" in page and bank.counter_a.name in page  # the unit, by default


def test_an_appointment_is_shown_with_its_date_and_time(client, make, bank, session, clock):
    repair = make.case(bank.counter_a, kind="repair", category="fault", locale="en", contact_phone=PHONE)
    lifecycle.claim(session, repair, bank.handler_a, clock.now())
    lifecycle.set_appointment(session, repair, bank.handler_a, clock.now() + timedelta(days=1, hours=5),
                              clock.now(), note="")
    session.commit()
    page = track(client, repair)
    assert "Appointment" in page and "Tuesday 2026-11-03 14:00" in page


def test_the_organisation_may_show_a_first_name_and_staff_number(app, client, bank, session, clock, case):
    app.config["TRACKING_SHOWS_HANDLER"] = "name_and_number"
    lifecycle.claim(session, case, bank.handler_a, clock.now())
    session.commit()
    page = track(client, case)
    first = bank.handler_a.display_name.split()[0] if " " in bank.handler_a.display_name \
        else bank.handler_a.display_name
    assert f"{first}, staff number {bank.handler_a.username}" in page
    app.config["TRACKING_SHOWS_HANDLER"] = "none"
    assert "Handled by" not in track(client, case)


def test_not_satisfied_opens_a_new_case_linked_to_the_old_one(client, case, bank, session, clock):
    resolved(session, case, bank.handler_a, clock)
    page = track(client, case)
    assert "Are you satisfied with how we resolved it?" in page
    refused = client.post(f"/track/{case.tracking_token}/verdict", data={"verdict": "not_satisfied"},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 400 and "Please tell us what is still wrong." in refused.get_data(as_text=True)
    response = client.post(f"/track/{case.tracking_token}/verdict",
                           data={"verdict": "not_satisfied", "reason": "Nobody apologised to me."},
                           headers={"Accept-Language": "en"})
    page = follow(client, response)
    session.expire_all()
    new = session.scalars(select(Case).where(Case.reopened_from_id == case.id)).one()
    assert new.description == "Nobody apologised to me." and new.status != "closed"
    assert new.reference in page and session.get(Case, case.id).status == "closed"
    session.commit()


def test_satisfied_waits_for_the_callback_by_default(client, case, bank, session, clock):
    resolved(session, case, bank.handler_a, clock)
    page = follow(client, client.post(f"/track/{case.tracking_token}/verdict", data={"verdict": "satisfied"},
                                      headers={"Accept-Language": "en"}))
    assert "Thank you for telling us." in page and "Are you satisfied" not in page
    session.expire_all()
    assert session.get(Case, case.id).status == "resolved"
    assert session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()[-1] == \
        "customer_satisfied"
    session.commit()


def test_satisfied_closes_when_the_organisation_says_so(app, client, case, bank, session, clock):
    app.config["SATISFIED_CLOSES"] = True
    resolved(session, case, bank.handler_a, clock)
    client.post(f"/track/{case.tracking_token}/verdict", data={"verdict": "satisfied"})
    session.expire_all()
    assert session.get(Case, case.id).status == "closed"
    session.commit()


def test_an_open_case_is_not_asked_and_a_verdict_is_refused(client, case):
    assert "Are you satisfied" not in track(client, case)
    response = client.post(f"/track/{case.tracking_token}/verdict", data={"verdict": "satisfied"})
    assert response.status_code == 303
    assert "This case is not waiting for your answer." in follow(client, response)
