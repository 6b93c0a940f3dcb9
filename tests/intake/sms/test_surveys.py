"""SMS surveys after a service: queued in the customer's language after a
delay, at most one per throttle window, once per external_id, expired by
the tick when unanswered."""
from datetime import timedelta

import pytest

from intake.models import Survey
from intake.phone import InvalidPhone
from intake.shell.jobs import tick
from intake.sms import surveys
from routing.models import Contact, OutboundMessage, Rating, ServiceEvent
from support.notices import text_of
from support.sms import PHONE, rows, serve


def test_a_service_is_followed_by_a_survey_after_the_delay(app, clock, senders, outlet):
    serve(app, outlet, phone="138 1234 5678", locale="en")

    tick(app, clock.now())
    assert senders["sms"].sent == []
    tick(app, clock.advance(minutes=10))
    assert senders["sms"].sent == [(PHONE, "Thank you for visiting Pudong Outlet. How satisfied were you? "
                                    "Reply 1 (very dissatisfied) to 5 (very satisfied). Reply STOP to opt out.")]


@pytest.mark.parametrize("given,known,expected", [
    ("en", None, "Thank you for visiting"),
    ("zh-CN", "en", "感谢您光临Pudong Outlet"),  # what the integrator says wins
    (None, "en", "Thank you for visiting"),  # else what we know of the number
    (None, None, "感谢您光临Pudong Outlet"),  # else the default language
])
def test_the_survey_is_in_the_customers_language(app, session, senders, outlet, given, known, expected):
    if known:
        session.add(Contact(address=PHONE, locale=known))
        session.commit()

    serve(app, outlet, locale=given)

    [message] = rows(app, OutboundMessage)
    assert text_of(app, message).startswith(expected)


def test_retrying_the_same_external_id_records_nothing_twice(app, outlet):
    first = serve(app, outlet, external_id="Q-7")
    again = serve(app, outlet, external_id="Q-7")

    assert again == (first[0], False) and first[1] is True
    assert len(rows(app, ServiceEvent)) == len(rows(app, Survey)) == len(rows(app, OutboundMessage)) == 1


def test_two_requests_racing_with_one_external_id_record_it_once(app, outlet, monkeypatch):
    first_id, _ = serve(app, outlet, external_id="Q-7")
    # The second request looked before the first one committed: it saw nothing.
    original, looks = surveys._event_by_external_id, []

    def late_look(session, external_id):
        looks.append(external_id)
        return original(session, external_id) if len(looks) > 1 else None

    monkeypatch.setattr(surveys, "_event_by_external_id", late_look)

    assert serve(app, outlet, external_id="Q-7") == (first_id, False)
    assert looks == ["Q-7", "Q-7"]  # it tried to insert, then found the first one
    assert len(rows(app, ServiceEvent)) == len(rows(app, OutboundMessage)) == 1


def test_a_customer_is_surveyed_at_most_once_per_throttle_window(app, clock, outlet):
    serve(app, outlet, external_id="Q-1")
    clock.advance(days=29, hours=23)
    assert serve(app, outlet, external_id="Q-2")[1] is True
    clock.advance(hours=1)  # 30 days after the first survey
    serve(app, outlet, external_id="Q-3")

    surveyed = {s.service_event_id for s in rows(app, Survey)}
    assert [e.external_id for e in rows(app, ServiceEvent) if e.id in surveyed] == ["Q-1", "Q-3"]
    assert len(rows(app, OutboundMessage)) == 2


def test_an_invalid_phone_number_is_refused_and_nothing_recorded(app, outlet):
    with pytest.raises(InvalidPhone):
        serve(app, outlet, phone="138abcd5678")
    assert rows(app, ServiceEvent) == [] and rows(app, Contact) == []


def test_a_service_without_a_phone_number_is_recorded_without_a_survey(app, outlet):
    serve(app, outlet, phone=None)
    assert len(rows(app, ServiceEvent)) == 1
    assert rows(app, Survey) == [] and rows(app, OutboundMessage) == []


def test_an_answer_rates_the_newest_open_survey(app, clock, make, session):
    app.config["SURVEY_THROTTLE_DAYS"] = 0
    first, second = make.unit(), make.unit()
    teller = make.staff(unit=second)
    serve(app, first, external_id="Q-1")
    clock.advance(hours=1)
    serve(app, second, teller, external_id="Q-2")
    clock.advance(minutes=10)

    rating = surveys.answer_survey(session, PHONE, 4, clock.now())
    session.commit()

    assert (rating.unit_id, rating.staff_id, rating.score, rating.channel) == (second.id, teller.id, 4, "sms")
    assert [s.status for s in rows(app, Survey)] == ["open", "answered"]


def test_a_survey_cannot_be_answered_before_it_is_sent(app, clock, session, outlet):
    serve(app, outlet)
    clock.advance(minutes=9)
    assert surveys.answer_survey(session, PHONE, 5, clock.now()) is None


def test_the_tick_expires_unanswered_surveys_which_then_take_no_answer(app, clock, session, outlet):
    serve(app, outlet)
    clock.advance(timedelta(minutes=10, hours=72, seconds=-1))
    assert tick(app, clock.now())["surveys"] == {"expired": 0}

    report = tick(app, clock.advance(seconds=1))  # 72 hours after it was sent

    assert report["surveys"] == {"expired": 1}
    assert [s.status for s in rows(app, Survey)] == ["expired"]
    assert surveys.answer_survey(session, PHONE, 5, clock.now()) is None
    session.rollback()
    assert rows(app, Rating) == []
