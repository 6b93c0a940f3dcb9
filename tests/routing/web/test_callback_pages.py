"""/callbacks (RULES 4): every resolved case is called back the next working
morning; the list is sorted by due time; the outcome and the four-item,
four-level survey become a rating of the case owner; a dissatisfied customer
has the case reopened on the spot."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from routing.models import Callback, Case, CaseEvent, Rating
from support.pages import page_of

PHONE = "+8613812345678"
# Monday 2026-11-02 in Shanghai; resolved then, the callback is due Tuesday 09:00-12:00.
TUESDAY_9 = datetime(2026, 11, 3, 1, 0, tzinfo=timezone.utc)
ANSWERS = {"attitude": "very_satisfied", "skill": "satisfied", "arrival_time": "average",
           "keeping_promises": "satisfied"}


def resolved_case(client, make, unit, description="The teller was rude.", kind="complaint", category="attitude",
                  **fields) -> Case:
    """A complaint (or another kind) claimed and resolved through the case page by whoever is logged in."""
    case = make.case(unit, kind=kind, category=category, locale="en", contact_phone=PHONE,
                     description=description, **fields)
    assert client.post(f"/cases/{case.reference}/claim").status_code == 303
    assert client.post(f"/cases/{case.reference}/resolve", data={"summary": "Apologised."}).status_code == 303
    return case


def desk(make, bank):
    """The branch's callback desk: calls back the cases of its outlets."""
    return make.staff("handler", unit=bank.branch, username="callback-desk", callback_desk=True)


def callback_of(session, case) -> Callback:
    session.expire_all()
    callback = session.scalars(select(Callback).where(Callback.case_id == case.id)).one()
    session.commit()  # end the read: SQLite transactions here hold the write lock
    return callback


def test_a_resolved_case_is_called_back_the_next_working_morning(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    case = resolved_case(client, make, bank.counter_a)
    callback = callback_of(session, case)
    assert (callback.due_start, callback.due_end) == (TUESDAY_9, TUESDAY_9 + timedelta(hours=3))
    page = page_of(client.get("/callbacks?lang=en"))
    assert case.reference in page and "2026-11-03 09:00</time> – 12:00" in page
    # The owner does not call back: the row says why, and the number stays masked.
    assert "You handled this case" in page and PHONE not in page and "Record the call" not in page


def test_the_list_is_sorted_by_due_time(client, sign_in, make, bank, clock):
    sign_in(bank.handler_a)
    later = resolved_case(client, make, bank.counter_a, description="Second")
    clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc))  # a Sunday: called back on Monday
    sooner = resolved_case(client, make, bank.counter_a, description="First")
    rows = page_of(client.get("/callbacks")).split("<tbody>")[1]  # past the flash messages
    assert rows.index(sooner.reference) < rows.index(later.reference)


def test_a_reached_customer_rates_the_owner_on_the_four_items(client, sign_in, make, bank, session, clock):
    sign_in(bank.handler_a)
    case = resolved_case(client, make, bank.counter_a)
    callback = callback_of(session, case)
    clerk = desk(make, bank)
    clock.set(TUESDAY_9 + timedelta(minutes=20))
    sign_in(clerk)  # the next morning
    form = page_of(client.get(f"/callbacks/{callback.id}?lang=en"))
    assert "Apologised." in form and "Keeping promises" in form and "Very satisfied" in form
    response = client.post(f"/callbacks/{callback.id}", data={"outcome": "reached", "comment": "Happy now.",
                                                              **ANSWERS})
    assert response.status_code == 303
    assert "The callback and the customer" in page_of(client.get(response.headers["Location"]))
    rating = session.scalars(select(Rating).where(Rating.case_id == case.id)).one()
    assert (rating.channel, rating.staff_id, rating.unit_id) == ("callback", bank.handler_a.id, bank.counter_a.id)
    assert (rating.attitude, rating.skill, rating.timeliness, rating.promises, rating.score) == (5, 4, 3, 4, 4)
    assert rating.comment == "Happy now."
    session.commit()
    assert case.reference not in page_of(client.get("/callbacks"))  # done


def test_arrival_time_is_asked_only_about_a_visit(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    complaint = callback_of(session, resolved_case(client, make, bank.counter_a))
    repair = callback_of(session, resolved_case(client, make, bank.counter_a, kind="repair", category="fault",
                                                description="No power since noon.", contact_address="3 Harbour Road"))
    sign_in(desk(make, bank))
    assert 'name="arrival_time"' not in page_of(client.get(f"/callbacks/{complaint.id}?lang=en"))
    assert 'name="arrival_time"' in page_of(client.get(f"/callbacks/{repair.id}?lang=en"))


def test_reached_without_any_answer_is_an_error_on_the_form(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(desk(make, bank))
    page = page_of(client.post(f"/callbacks/{callback.id}?lang=en", data={"outcome": "reached"}), 400)
    assert "record at least one of their answers" in page
    page = page_of(client.post(f"/callbacks/{callback.id}?lang=en", data={}), 400)
    assert "Choose the outcome of the call." in page
    assert callback_of(session, callback.case).status == "scheduled"


def test_no_answer_is_tried_again_the_next_morning(client, sign_in, make, bank, session, clock):
    sign_in(bank.handler_a)
    case = resolved_case(client, make, bank.counter_a)
    callback = callback_of(session, case)
    clerk = desk(make, bank)
    clock.set(TUESDAY_9 + timedelta(minutes=5))
    sign_in(clerk)  # the next morning
    response = client.post(f"/callbacks/{callback.id}", data={"outcome": "no_answer"})
    assert response.status_code == 303
    callback = callback_of(session, case)
    assert (callback.status, callback.attempts) == ("scheduled", 1)
    assert callback.due_start == TUESDAY_9 + timedelta(days=1)
    page = page_of(client.get("/callbacks?lang=en"))
    assert case.reference in page and "1 attempt" in page


def test_a_dissatisfied_customer_has_the_case_reopened_on_the_spot(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    case = resolved_case(client, make, bank.counter_a)
    callback = callback_of(session, case)
    sign_in(desk(make, bank))
    refused = page_of(client.post(f"/callbacks/{callback.id}?lang=en", data={
        "outcome": "reached", **ANSWERS, "attitude": "poor", "reopen": "y"}), 400)
    assert "Say why the customer is not satisfied." in refused
    response = client.post(f"/callbacks/{callback.id}", data={
        "outcome": "reached", **ANSWERS, "attitude": "poor", "reopen": "y", "reopen_reason": "Still rude."})
    assert response.status_code == 303
    session.commit()  # a fresh read: the sign-in above read in an older transaction
    new = session.scalars(select(Case).where(Case.reopened_from_id == case.id)).one()
    assert (new.owner_id, new.first_responder_id, new.unit_id) == (bank.handler_a.id, bank.handler_a.id,
                                                                   bank.counter_a.id)


def test_a_callback_is_recorded_once(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(desk(make, bank))
    client.post(f"/callbacks/{callback.id}", data={"outcome": "wrong_number"})
    response = client.post(f"/callbacks/{callback.id}", data={"outcome": "reached", **ANSWERS})
    assert "This callback was already recorded." in page_of(client.get(response.headers["Location"] + "?lang=en"))
    assert session.scalars(select(Rating).where(Rating.case_id == callback.case_id)).first() is None


def test_callbacks_follow_the_unit_tree(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(bank.handler_b)
    assert callback.case.reference not in page_of(client.get("/callbacks"))
    page_of(client.get(f"/callbacks/{callback.id}"), 403)
    page_of(client.get("/callbacks/999999"), 404)
    sign_in(bank.manager_a)  # the outlet's manager sees its counters' callbacks
    page = page_of(client.get("/callbacks"))
    assert callback.case.reference in page


def test_the_caller_sees_the_number_on_asking_and_the_reveal_is_recorded(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    caller = sign_in(desk(make, bank))
    page = page_of(client.get(f"/callbacks/{callback.id}"))
    assert "+86 138****5678" in page and PHONE not in page
    page = page_of(client.post(f"/callbacks/{callback.id}/phone"))
    assert f'href="tel:{PHONE}"' in page
    session.expire_all()
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == callback.case_id,
                                                    CaseEvent.kind == "phone_revealed")).one()
    assert event.staff_id == caller.id
    sign_in(make.staff("handler", unit=bank.counter_a, username="teller-a2"))  # no caller: no number
    page_of(client.post(f"/callbacks/{callback.id}/phone"), 403)


def test_the_owner_first_responder_and_subject_are_refused_with_the_reason(client, sign_in, make, bank, session):
    teller = make.staff("handler", unit=bank.counter_a, username="teller-a2")
    case = make.case(bank.counter_a, kind="complaint", locale="en", contact_phone=PHONE, channel="phone",
                     recorded_by=bank.handler_a)
    case.subject_staff_id = teller.id
    session.commit()
    sign_in(bank.handler_a)
    assert client.post(f"/cases/{case.reference}/transfer", data={
        "to_staff": bank.supervisor_a.id, "reason": "Needs the supervisor"}).status_code == 303
    sign_in(bank.supervisor_a)
    assert client.post(f"/cases/{case.reference}/resolve", data={"summary": "Apologised."}).status_code == 303
    callback = callback_of(session, case)
    for who, reason in ((bank.supervisor_a, "You handled this case"), (bank.handler_a, "You first received"),
                        (teller, "This complaint is about you")):
        sign_in(who)
        assert reason in page_of(client.get(f"/callbacks/{callback.id}"), 403)
        assert reason in page_of(client.post(f"/callbacks/{callback.id}", data={"outcome": "reached", **ANSWERS}), 403)
    assert callback_of(session, case).status == "scheduled"


def test_the_callback_pages_speak_chinese(client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(desk(make, bank))
    page = page_of(client.get(f"/callbacks/{callback.id}?lang=zh_Hans_CN"))
    assert '<html lang="zh-Hans">' in page
    # The outcome, and of four levels each: attitude, skill and keeping promises (a complaint had no visit).
    assert len(re.findall(r'type="radio"', page)) == 3 + 3 * 4


def test_the_call_is_recorded_from_the_page_that_shows_the_number(client, sign_in, make, bank, session):
    """The usual order: the number first, then the call, then its outcome."""
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(desk(make, bank))
    page = page_of(client.post(f"/callbacks/{callback.id}/phone"))

    form = re.search(r'<form method="post" action="([^"]+)" novalidate>(.*?)</form>', page, re.S)
    assert form is not None and 'name="outcome"' in form.group(2)
    assert form.group(1) == f"/callbacks/{callback.id}"
    assert client.post(form.group(1), data={"outcome": "reached", **ANSWERS}).status_code == 303
    assert callback_of(session, callback.case).status == "done"
    # Its language switch goes to a page that can be loaded again, not to the reveal (POST only).
    switch = re.search(r'class="lang"[^>]*href="([^"]+)"', page).group(1)
    assert switch == f"/callbacks/{callback.id}?lang=zh_Hans_CN"
    assert client.get(switch).status_code == 200


def test_a_caller_above_the_cases_unit_sees_no_link_to_a_case_page_they_may_not_open(
        client, sign_in, make, bank, session):
    sign_in(bank.handler_a)
    callback = callback_of(session, resolved_case(client, make, bank.counter_a))
    sign_in(desk(make, bank))  # the branch's desk: calls the outlets' customers back
    for page in (page_of(client.get("/callbacks")), page_of(client.get(f"/callbacks/{callback.id}"))):
        assert callback.case.reference in page
        assert f'href="/cases/{callback.case.reference}"' not in page
    page_of(client.get(f"/cases/{callback.case.reference}"), 403)
    sign_in(bank.manager_a)  # the outlet's manager may open it: linked
    assert f'href="/cases/{callback.case.reference}"' in page_of(client.get("/callbacks"))
