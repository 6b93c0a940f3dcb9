"""Callbacks (RULES 4): scheduled on resolving for the next working morning
9:00-12:00 or the customer's time; made from a list sorted by due time; the
four-item, four-level survey stored as a callback rating of the case owner;
no answer is retried up to a configurable count; a callback not made in its
window is missed; a dissatisfied customer's case is reopened on the spot."""
import pytest
from sqlalchemy import select

from routing.errors import Conflict, Forbidden, RoutingError
from routing.models import Callback, Case, CaseEvent, Notification, Rating
from routing.services import lifecycle
from routing.services.callback_outcome import record_outcome, reveal_phone
from routing.services.callbacks import callback_list
from support.ladder import local, tick_at

FRIDAY_16 = local(2026, 11, 6, 16, 0)
ANSWERS = {"attitude": "very_satisfied", "skill": "satisfied", "arrival_time": "satisfied",
           "keeping_promises": "average"}


def resolved(session, make, ladder_org, clock, at, **fields):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", **fields)
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    clock.set(at)
    callback = lifecycle.resolve(session, case, ladder_org.handler, "Replaced the meter.", at)
    session.commit()
    return case, callback


def sweep(app, session, clock, when):
    session.commit()
    report = tick_at(app, clock, when)
    session.expire_all()
    return report["callbacks"]


def test_a_complaint_resolved_on_friday_is_called_back_on_monday_morning(session, make, ladder_org, clock):
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    assert (callback.due_start, callback.due_end) == (local(2026, 11, 9, 9, 0), local(2026, 11, 9, 12, 0))
    assert (callback.status, callback.attempts, callback.assigned_unit_id) == ("scheduled", 0, ladder_org.outlet.id)


def test_a_repair_is_called_back_the_next_morning_even_on_a_weekend(session, make, ladder_org, clock):
    # 004: "each morning, call back every repair reported the previous day"; the hotline works every day.
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16, kind="repair")
    assert (callback.due_start, callback.due_end) == (local(2026, 11, 7, 9, 0), local(2026, 11, 7, 12, 0))


def test_the_customers_requested_time_wins(session, make, ladder_org, clock):
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678")
    lifecycle.claim(session, case, ladder_org.handler, clock.now())
    callback = lifecycle.resolve(session, case, ladder_org.handler, "Done.", clock.now(),
                                 callback_at=local(2026, 11, 2, 19, 30))
    assert (callback.due_start, callback.due_end, callback.requested) == (
        local(2026, 11, 2, 19, 30), local(2026, 11, 2, 22, 30), True)


def test_the_callback_list_is_sorted_by_due_time_and_limited_to_my_units(session, make, ladder_org, clock):
    sooner, _ = resolved(session, make, ladder_org, clock, local(2026, 11, 2, 11, 0), kind="repair")  # Tuesday 9:00
    later, _ = resolved(session, make, ladder_org, clock, FRIDAY_16)  # next Monday 9:00
    listed = [cb.case_id for cb in callback_list(session, ladder_org.supervisor, clock.now())]
    assert listed == [sooner.id, later.id]
    assert [cb.case_id for cb in callback_list(session, ladder_org.manager, clock.now())] == listed
    assert callback_list(session, ladder_org.stranger, clock.now()) == []


def test_the_survey_is_stored_as_a_callback_rating_of_the_case_owner(session, make, ladder_org, clock):
    case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    rating = record_outcome(session, callback, ladder_org.caller, outcome="reached", answers=ANSWERS,
                            comment="Happy with the repair", now=local(2026, 11, 9, 9, 30))
    session.commit()
    assert (rating.channel, rating.staff_id, rating.unit_id, rating.case_id) == (
        "callback", ladder_org.handler.id, ladder_org.outlet.id, case.id)
    assert (rating.attitude, rating.skill, rating.timeliness, rating.promises, rating.score) == (5, 4, 4, 3, 4)
    assert (callback.status, callback.staff_id, callback.rating_id, callback.attempts) == (
        "done", ladder_org.caller.id, rating.id, 1)
    assert callback.next_check_at is None
    with pytest.raises(Conflict):
        record_outcome(session, callback, ladder_org.caller, outcome="reached", answers=ANSWERS,
                       now=local(2026, 11, 9, 9, 40))


def test_a_dissatisfied_customer_has_the_case_reopened_on_the_spot(session, make, ladder_org, clock):
    case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    record_outcome(session, callback, ladder_org.supervisor, outcome="reached",
                   answers={"attitude": "poor", "keeping_promises": "poor"}, reopen=True,
                   reopen_reason="The meter still runs fast", now=local(2026, 11, 9, 10, 0))
    session.commit()
    new = session.scalars(select(Case).where(Case.reopened_from_id == case.id)).one()
    assert (new.description, new.owner_id, new.first_responder_id) == (
        "The meter still runs fast", ladder_org.handler.id, ladder_org.handler.id)
    assert session.scalars(select(Rating).where(Rating.case_id == case.id)).one().score == 2


def test_no_answer_is_tried_again_next_morning_and_missed_when_not_made(app, session, make, ladder_org, clock):
    case, callback = resolved(session, make, ladder_org, clock, local(2026, 11, 2, 15, 0))  # Tuesday 9-12
    assert sweep(app, session, clock, local(2026, 11, 3, 8, 59))["reminded"] == 0
    assert sweep(app, session, clock, local(2026, 11, 3, 9, 0))["reminded"] == 1
    # The callback desk is reminded, not the owner: the owner may not make this call.
    reminded = session.scalars(select(Notification.staff_id).where(Notification.kind == "callback_due")).all()
    assert reminded == [ladder_org.caller.id]

    assert record_outcome(session, callback, ladder_org.caller, outcome="no_answer", answers=None,
                          now=local(2026, 11, 3, 10, 0)) is None
    session.commit()
    assert (callback.status, callback.attempts) == ("scheduled", 1)
    assert (callback.due_start, callback.due_end) == (local(2026, 11, 4, 9, 0), local(2026, 11, 4, 12, 0))

    assert sweep(app, session, clock, local(2026, 11, 4, 11, 59))["missed"] == 0
    assert sweep(app, session, clock, local(2026, 11, 4, 12, 0))["missed"] == 1
    callback = session.get(Callback, callback.id)
    assert callback.status == "missed"
    assert session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                   CaseEvent.kind == "callback_missed")).one()
    assert sweep(app, session, clock, local(2026, 11, 5, 12, 0))["missed"] == 0


def test_after_the_configured_number_of_unanswered_calls_the_callback_ends(app, session, make, ladder_org, clock):
    app.config["CALLBACK_MAX_ATTEMPTS"] = 2
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    with app.app_context():
        record_outcome(session, callback, ladder_org.caller, outcome="no_answer", answers=None,
                       now=local(2026, 11, 9, 9, 10))
        assert callback.status == "scheduled"
        record_outcome(session, callback, ladder_org.caller, outcome="no_answer", answers=None,
                       now=local(2026, 11, 10, 9, 10))
    assert (callback.status, callback.attempts, callback.next_check_at) == ("no_answer", 2, None)


def test_callback_outcomes_are_checked(session, make, ladder_org, clock):
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    now = local(2026, 11, 9, 9, 10)
    with pytest.raises(RoutingError):
        record_outcome(session, callback, ladder_org.caller, outcome="busy", answers=None, now=now)
    with pytest.raises(RoutingError):
        record_outcome(session, callback, ladder_org.caller, outcome="reached", answers={}, now=now)
    with pytest.raises(RoutingError):
        record_outcome(session, callback, ladder_org.caller, outcome="reached", answers={"mood": "poor"}, now=now)
    with pytest.raises(RoutingError):
        record_outcome(session, callback, ladder_org.caller, outcome="no_answer", answers=None, reopen=True,
                       reopen_reason="x", now=now)
    with pytest.raises(Forbidden):
        record_outcome(session, callback, ladder_org.stranger, outcome="wrong_number", answers=None, now=now)
    assert (callback.status, callback.attempts) == ("scheduled", 0)  # a refused call changes nothing
    record_outcome(session, callback, ladder_org.caller, outcome="wrong_number", answers=None, now=now)
    assert (callback.status, callback.next_check_at) == ("wrong_number", None)


def test_the_owner_the_first_responder_and_the_subject_never_record_the_callback(session, make, ladder_org, clock):
    # The handler recorded the call (first responder), passed it to the supervisor (owner); the complaint
    # is about a colleague. None of the three calls back; the branch's callback desk does.
    case = make.case(unit=ladder_org.outlet, contact_phone="+8613912345678", recorded_by=ladder_org.handler,
                     channel="phone")
    case.subject_staff_id = ladder_org.colleague.id
    lifecycle.transfer(session, case, ladder_org.handler, to_staff=ladder_org.supervisor, reason="Needs a boss",
                       now=clock.now())
    callback = lifecycle.resolve(session, case, ladder_org.supervisor, "Apologised.", FRIDAY_16)
    session.commit()
    now = local(2026, 11, 9, 9, 30)
    for staff, code in ((ladder_org.supervisor, "callback_owner"), (ladder_org.handler, "callback_first_responder"),
                        (ladder_org.colleague, "callback_subject"), (ladder_org.stranger, "callback_not_a_caller")):
        with pytest.raises(Forbidden) as refused:
            record_outcome(session, callback, staff, outcome="reached", answers=ANSWERS, now=now)
        assert refused.value.code == code and refused.value.message
    assert (callback.status, callback.attempts) == ("scheduled", 0)
    rating = record_outcome(session, callback, ladder_org.caller, outcome="reached", answers=ANSWERS, now=now)
    # Attributed to the staff rated (the owner), recorded by someone else.
    assert (rating.staff_id, callback.staff_id) == (ladder_org.supervisor.id, ladder_org.caller.id)


def test_each_attempt_is_on_record_and_call_again_at_sets_the_next_window(session, make, ladder_org, clock):
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    evening = local(2026, 11, 9, 19, 0)
    record_outcome(session, callback, ladder_org.caller, outcome="no_answer", answers=None, comment="Voicemail",
                   now=local(2026, 11, 9, 9, 10), call_again_at=evening)
    assert (callback.due_start, callback.due_end, callback.status) == (evening, local(2026, 11, 9, 22, 0), "scheduled")
    record_outcome(session, callback, ladder_org.supervisor, outcome="reached", answers=ANSWERS,
                   now=local(2026, 11, 9, 19, 5))
    session.commit()
    attempts = [(a.staff_id, a.at, a.outcome, a.call_again_at, a.note) for a in callback.attempt_log]
    assert attempts == [(ladder_org.caller.id, local(2026, 11, 9, 9, 10), "no_answer", evening, "Voicemail"),
                        (ladder_org.supervisor.id, local(2026, 11, 9, 19, 5), "reached", None, None)]
    with pytest.raises(RoutingError):  # a time to call again goes with "no answer", within two weeks
        _other, later = resolved(session, make, ladder_org, clock, FRIDAY_16)
        record_outcome(session, later, ladder_org.caller, outcome="no_answer", answers=None,
                       now=local(2026, 11, 9, 9, 10), call_again_at=local(2026, 12, 9, 9, 0))


def test_revealing_the_number_is_for_the_caller_and_on_the_timeline(session, make, ladder_org, clock):
    case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16)
    with pytest.raises(Forbidden):
        reveal_phone(session, callback, ladder_org.handler, FRIDAY_16)
    assert reveal_phone(session, callback, ladder_org.caller, FRIDAY_16) == "+8613912345678"
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.kind == "phone_revealed")).one()
    assert (event.staff_id, event.public) == (ladder_org.caller.id, False)


@pytest.mark.parametrize("slot, start, end", [
    # Resolved on Friday 6 November 2026 at 16:00: the first such window after that day.
    ("weekday_evening", local(2026, 11, 9, 18, 0), local(2026, 11, 9, 20, 30)),
    ("weekend", local(2026, 11, 7, 10, 0), local(2026, 11, 7, 17, 0)),
    ("anytime", local(2026, 11, 9, 9, 0), local(2026, 11, 9, 12, 0)),
])
def test_the_customers_preferred_slot_sets_the_window(session, make, ladder_org, clock, slot, start, end):
    _case, callback = resolved(session, make, ladder_org, clock, FRIDAY_16, callback_slot=slot,
                               preferred_callback="after my shift")
    assert (callback.due_start, callback.due_end) == (start, end)
