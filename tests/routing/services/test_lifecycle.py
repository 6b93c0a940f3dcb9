"""A case's life (issue 3, RULES 1-4): the first responder is fixed for good,
the owner changes only by a transfer with a reason, waiting pauses the
clocks, an appointment replaces the arrival deadline, replies reach the
customer in their language, and a rejected outcome reopens as a linked case."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from routing.errors import Conflict, Forbidden, RoutingError
from routing.models import CaseEvent, Deadline, Notification, OutboundMessage
from routing.rules import access
from routing.services import lifecycle
from routing.services.cases import NewCase, open_case
from routing.services.customer_messages import message_customer
from routing.services.queues import queue
from support.ladder import local
from support.notices import subject_of, text_of

MONDAY_9 = local(2026, 11, 2, 9, 0)  # the fake clock's start


def deadlines_of(session, case):
    return {d.target: d for d in session.scalars(select(Deadline).where(Deadline.case_id == case.id))}


def events_of(session, case, kind=None):
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return [e for e in session.scalars(query) if kind is None or e.kind == kind]


def notices(session, staff, kind):
    return list(session.scalars(select(Notification).where(Notification.staff_id == staff.id,
                                                           Notification.kind == kind)))


def test_the_first_claimer_is_first_responder_for_good_and_the_owner_changes_only_by_transfer(
        session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet)
    assert (case.status, case.owner_id, case.first_responder_id) == ("new", None, None)

    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    assert (case.status, case.owner_id, case.first_responder_id) == ("claimed", ladder_org.handler.id, ladder_org.handler.id)
    with pytest.raises(Conflict):
        lifecycle.claim(session, case, ladder_org.colleague, clock.now())

    with pytest.raises(RoutingError):
        lifecycle.transfer(session, case, ladder_org.handler, to_staff=ladder_org.colleague, reason="  ", now=clock.now())
    lifecycle.transfer(session, case, ladder_org.handler, to_staff=ladder_org.colleague, reason="Billing is her field",
                       now=clock.advance(minutes=5))
    session.commit()

    assert (case.owner_id, case.first_responder_id) == (ladder_org.colleague.id, ladder_org.handler.id)
    transferred = events_of(session, case, "transferred")[0]
    assert (transferred.staff_id, transferred.body) == (ladder_org.handler.id, "Billing is her field")
    assert notices(session, ladder_org.colleague, "assigned")
    # The first responder stays accountable: the case stays in "first received by me".
    assert [c.id for c in queue(session, ladder_org.handler, "first_received", clock.now())] == [case.id]
    assert [c.id for c in queue(session, ladder_org.colleague, "mine", clock.now())] == [case.id]
    assert queue(session, ladder_org.handler, "mine", clock.now()) == []

    lifecycle.start_work(session, case, ladder_org.colleague, clock.now())
    lifecycle.resolve(session, case, ladder_org.colleague, "Refunded the fee.", clock.advance(hours=1))
    lifecycle.close(session, case, ladder_org.colleague, clock.advance(hours=1))
    session.commit()
    assert case.first_responder_id == ladder_org.handler.id
    assert {n.kind for n in session.scalars(select(Notification).where(
        Notification.staff_id == ladder_org.handler.id))} == {"resolved", "closed"}
    assert queue(session, ladder_org.handler, "first_received", clock.now()) == []


def test_staff_who_record_a_call_are_its_first_responder_and_have_acknowledged_it(session, ladder_org, clock):
    case = open_case(session, NewCase(channel="phone", description="No signal since Friday", kind="repair",
                                      unit_id=ladder_org.outlet.id, contact_phone="+8613912345678"),
                     clock.now(), recorded_by=ladder_org.handler)
    assert (case.status, case.owner_id, case.first_responder_id) == ("claimed", ladder_org.handler.id, ladder_org.handler.id)
    assert deadlines_of(session, case)["arrival"].met_at is None
    with pytest.raises(Conflict):
        lifecycle.claim(session, case, ladder_org.colleague, clock.now())


def test_a_transfer_goes_only_to_an_eligible_colleague(session, make, ladder_org, clock):
    elsewhere = make.unit(code="FAR", parent=make.unit(code="BR2", level="branch", parent=ladder_org.company))
    outsider = make.staff("handler", unit=elsewhere)
    retired = make.staff("handler", unit=ladder_org.outlet)
    retired.active = False
    case = make.case(unit=ladder_org.outlet)
    lifecycle.claim(session, case, ladder_org.handler, clock.now())

    for person in (outsider, retired, ladder_org.handler):
        with pytest.raises(Forbidden):
            lifecycle.transfer(session, case, ladder_org.handler, to_staff=person, reason="Busy", now=clock.now())
    with pytest.raises(Forbidden):  # only the owner or a supervisor may hand it on
        lifecycle.transfer(session, case, ladder_org.colleague, to_staff=ladder_org.stranger, reason="Busy", now=clock.now())
    lifecycle.transfer(session, case, ladder_org.supervisor, to_staff=ladder_org.stranger, reason="West outlet's customer",
                       now=clock.now())
    assert (case.owner_id, case.first_responder_id) == (ladder_org.stranger.id, ladder_org.handler.id)


def test_a_transfer_to_a_unit_puts_the_case_in_its_queue_under_that_units_policy(session, make, ladder_org, clock):
    village = make.unit(code="VIL", level="outlet", parent=ladder_org.branch, area="rural")
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Line down")
    assert case.policy_name == "repair-urban"
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.transfer(session, case, ladder_org.handler, to_unit=village, reason="The fault is in the village",
                       now=clock.now())
    session.commit()
    assert (case.status, case.owner_id, case.unit_id, case.first_responder_id) == (
        "new", None, village.id, ladder_org.handler.id)
    # Rural repair: on site within 2 hours instead of 30 minutes.
    assert case.policy_name == "repair-rural"
    assert deadlines_of(session, case)["arrival"].due_at == MONDAY_9 + timedelta(hours=2)


def test_waiting_for_the_customer_pauses_the_clocks_and_resuming_extends_them(session, make, ladder_org, clock):
    # Complaint (002): reply within 24 hours; solution within 3 working days (09:00-12:00, 13:30-17:30).
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678")
    due = deadlines_of(session, case)
    assert due["first_response"].due_at == local(2026, 11, 3, 9, 0)
    assert due["resolution"].due_at == local(2026, 11, 5, 9, 0)
    lifecycle.claim(session, case, ladder_org.handler, clock.now())

    clock.set(local(2026, 11, 2, 10, 0))
    lifecycle.wait_for_customer(session, case, ladder_org.handler, "The customer sends the bill", clock.now())
    assert case.status == "waiting"
    assert all(d.paused_at is not None for d in deadlines_of(session, case).values())
    assert case.next_check_at is None  # nothing to warn about while the clocks stand still

    lifecycle.resume(session, case, ladder_org.handler, local(2026, 11, 2, 13, 0))
    session.commit()
    due = deadlines_of(session, case)
    # Three hours on the clock; two working hours (10:00-12:00; lunch is not working time).
    assert due["first_response"].due_at == local(2026, 11, 3, 12, 0)
    assert due["resolution"].due_at == local(2026, 11, 5, 11, 0)
    assert all(d.paused_at is None for d in due.values())
    assert case.status == "in_progress"


def test_an_agreed_appointment_replaces_the_arrival_deadline(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, kind="repair", description="Meter broken")
    assert deadlines_of(session, case)["arrival"].due_at == MONDAY_9 + timedelta(minutes=30)
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    with pytest.raises(RoutingError):
        lifecycle.set_appointment(session, case, ladder_org.handler, MONDAY_9 - timedelta(hours=1), clock.now())

    lifecycle.set_appointment(session, case, ladder_org.handler, local(2026, 11, 2, 15, 0), clock.now(),
                              note="The customer is home after three")
    assert deadlines_of(session, case)["arrival"].due_at == local(2026, 11, 2, 15, 0)
    assert events_of(session, case, "appointment")[0].public

    lifecycle.record_arrival(session, case, ladder_org.handler, local(2026, 11, 2, 14, 55))
    assert deadlines_of(session, case)["arrival"].met_at == local(2026, 11, 2, 14, 55)


def test_the_customer_is_told_the_appointment_and_the_unit_a_case_moves_to_not_a_change_of_colleague(
        app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", locale="en")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.set_appointment(session, case, ladder_org.handler, local(2026, 11, 3, 10, 30), clock.now())
    lifecycle.transfer(session, case, ladder_org.handler, to_staff=ladder_org.colleague, reason="Her field",
                       now=clock.now())
    lifecycle.transfer(session, case, ladder_org.colleague, to_unit=ladder_org.other_outlet, reason="Their customer",
                       now=clock.now())
    messages = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id,
                                                             OutboundMessage.staff_id.is_(None))).all()
    assert [(m.notice, m.params) for m in messages] == [
        ("appointment", {"reference": case.reference, "time": "2026-11-03 10:30"}),  # the outlet's local time
        ("transferred", {"reference": case.reference, "unit": ladder_org.other_outlet.name})]
    assert text_of(app, messages[0]) == (f"Your case {case.reference}: we will see you at 2026-11-03 10:30. "
                                         "To change it, reply to this message.")


def test_a_reply_reaches_the_customer_by_sms_and_shows_on_the_tracking_page(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", locale="en")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.reply(session, case, ladder_org.handler, "We are checking your bill.", clock.advance(minutes=20))
    session.commit()

    message = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).one()
    assert (message.transport, message.to, message.purpose) == ("sms", "+8613912345678", "reply")
    assert "We are checking your bill." in text_of(app, message) and case.reference in text_of(app, message)
    reply = events_of(session, case, "reply")[0]
    assert reply.public and reply.staff_id == ladder_org.handler.id
    assert deadlines_of(session, case)["first_response"].met_at == clock.now()
    assert case.status == "in_progress"

    lifecycle.add_note(session, case, ladder_org.handler, "Customer sounded upset", clock.now())
    assert not events_of(session, case, "note")[0].public


def test_without_a_phone_the_reply_goes_by_e_mail(app, session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, contact_email="li@example.com")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.reply(session, case, ladder_org.handler, "Thank you.", clock.now())
    message = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id)).one()
    assert (message.transport, message.to) == ("email", "li@example.com")
    assert case.reference in subject_of(app, message)


@pytest.mark.parametrize("locale, expected", [("en", "We are sorry: the weather"), ("zh_Hans_CN", "非常抱歉")])
def test_customer_messages_are_rendered_in_the_case_language(app, session, make, ladder_org, clock, locale, expected):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", locale=locale)
    with app.test_request_context(headers={"Accept-Language": "de"}):  # not the language of whoever acts
        message = message_customer(session, case, clock.now(), "apology", "weather_delay")
    assert (message.notice, message.locale, message.body) == ("weather_delay", locale, None)
    assert text_of(app, message).startswith(expected)


def test_a_rejected_outcome_reopens_as_a_new_case_linked_to_the_original(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.resolve(session, case, ladder_org.handler, "Apologised.", clock.advance(hours=2))
    new = lifecycle.reopen(session, case, None, "An apology is not enough", clock.advance(days=1),
                           by_customer=True)
    session.commit()

    assert new.id != case.id and new.reopened_from_id == case.id
    assert (new.unit_id, new.owner_id, new.first_responder_id, new.status) == (
        ladder_org.outlet.id, ladder_org.handler.id, ladder_org.handler.id, "claimed")
    assert new.description == "An apology is not enough"
    # The original stays as it was resolved, closed with a pointer to the new case.
    assert case.status == "closed" and case.resolved_at is not None
    reopened = events_of(session, case, "reopened")[0]
    assert reopened.public and reopened.actor == "customer" and reopened.data["reference"] == new.reference
    # The new case's clocks start at the reopening.
    assert deadlines_of(session, new)["first_response"].due_at == clock.now() + timedelta(hours=24)
    assert notices(session, ladder_org.handler, "reopened")
    with pytest.raises(Conflict):
        lifecycle.reopen(session, case, ladder_org.handler, "Again", clock.now())


def test_steps_follow_the_case_status(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet)
    with pytest.raises(Conflict):
        lifecycle.resolve(session, case, ladder_org.supervisor, "Done", clock.now())
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.resolve(session, case, ladder_org.handler, "Done", clock.now())
    lifecycle.close(session, case, ladder_org.handler, clock.now())
    for step in (lambda: lifecycle.reply(session, case, ladder_org.handler, "Hello", clock.now()),
                 lambda: lifecycle.resolve(session, case, ladder_org.handler, "Again", clock.now()),
                 lambda: lifecycle.wait_for_customer(session, case, ladder_org.handler, "x", clock.now())):
        with pytest.raises(Conflict):
            step()
    assert case.next_check_at is None and case.next_due_at is None


@pytest.mark.parametrize(("language", "status_in_words"), [("en", "is Resolved."), ("zh", "处于“已办结”状态")])
def test_a_refused_step_names_the_status_in_words(app, session, make, ladder_org, clock, language, status_in_words):
    case = make.case(unit=ladder_org.outlet)
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    lifecycle.resolve(session, case, ladder_org.handler, "Done", clock.now())
    with app.test_request_context(headers={"Accept-Language": language}):
        with pytest.raises(Conflict) as refused:
            lifecycle.resolve(session, case, ladder_org.handler, "Again", clock.now())
        message = str(refused.value.message)
    assert status_in_words in message and "resolved" not in message


def test_what_a_person_may_do_follows_role_unit_and_ownership(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet)
    assert access.allowed_actions(ladder_org.handler, case) == {"claim", "note"}
    assert access.allowed_actions(ladder_org.stranger, case) == set()  # another outlet's handler
    assert "transfer" in access.allowed_actions(ladder_org.supervisor, case)
    assert "transfer" in access.allowed_actions(ladder_org.manager, case)  # the branch above
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    mine = access.allowed_actions(ladder_org.handler, case)
    assert {"start", "reply", "transfer", "wait", "appointment", "arrival", "resolve", "see_phone"} <= mine
    assert "claim" not in mine
    theirs = access.allowed_actions(ladder_org.colleague, case)
    assert theirs == {"note"}  # a colleague sees the case but not the customer's phone
    assert "see_phone" in access.allowed_actions(ladder_org.gm, case)
    with pytest.raises(Forbidden):
        lifecycle.reply(session, case, ladder_org.colleague, "Hello", clock.now())
