"""The counter evaluator (评价器): the counter system prompts one
transaction, the kiosk shows it, the customer's tap rates it once (一次一评),
and the evaluation rate counts rated transactions over prompted ones."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from intake.models import CounterPrompt
from intake.services.kiosk import disable_kiosk
from routing.models import Rating, ServiceEvent
from scoring.engine.periods import Period
from scoring.services.metrics import staff_metrics
from support.kiosk import counter_evaluator


@pytest.fixture
def kiosk(make, session, clock, bank):
    return counter_evaluator(make, session, clock, bank)


@pytest.fixture
def counter_system(api_as, bank):
    """The counter system's API client (a token of outlet A's supervisor)."""
    return api_as(bank.supervisor_a)


def ratings(session, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Rating).where(*where))


def prompt(counter_system, touchpoint, number="BJ-20261102-0001", **extra):
    return counter_system.post(f"/touchpoints/{touchpoint.id}/prompt", json={"transaction_no": number, **extra})


def tap(client, device, prompt_id, tap_id="tap-0000000001", score=5):
    return client.post(f"/kiosk/{device.secret}/ratings",
                       json={"tap_id": tap_id, "prompt_id": prompt_id, "score": score, "locale": "zh_Hans_CN"})


def shown(client, device):
    response = client.get(f"/kiosk/{device.secret}/prompt")
    assert response.status_code == 200
    return response.get_json()["prompt"]


# --- the kiosk page ---------------------------------------------------------------

def test_the_kiosk_shows_the_five_standard_labels_in_chinese_and_english(client, kiosk):
    _touchpoint, device = kiosk
    chinese = client.get(f"/kiosk/{device.secret}?lang=zh_Hans_CN").get_data(as_text=True)
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f"<span>{label}</span>" in chinese
    english = client.get(f"/kiosk/{device.secret}?lang=en")
    assert english.headers["Cache-Control"] == "no-store"
    text = english.get_data(as_text=True)
    for label in ("Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied", "Very dissatisfied"):
        assert f"<span>{label}</span>" in text
    assert "<script>" not in text and "style=" not in text  # the strict CSP: static files only


def test_an_unknown_or_switched_off_kiosk_link_is_not_found(client, session, clock, kiosk):
    touchpoint, device = kiosk
    secret = device.secret
    assert client.get("/kiosk/not-a-kiosk-secret").status_code == 404
    disable_kiosk(session, touchpoint, clock.now())
    session.commit()
    assert client.get(f"/kiosk/{secret}").status_code == 404
    assert tap(client, device, 1).status_code == 404


def test_a_touchpoint_not_in_kiosk_mode_takes_no_prompt(counter_system, make, bank):
    plain = make.touchpoint(bank.counter_a, bank.handler_a, label="QR only")
    response = prompt(counter_system, plain)
    assert response.status_code == 409 and response.get_json()["code"] == "not_a_kiosk"


# --- one transaction, one rating -------------------------------------------------

def test_the_prompted_transaction_is_shown_rated_once_and_the_kiosk_resets(client, session, counter_system, kiosk,
                                                                           bank):
    touchpoint, device = kiosk
    assert shown(client, device) is None
    first = prompt(counter_system, touchpoint)
    assert first.status_code == 201
    body = first.get_json()
    assert body["transaction_no"] == "BJ-20261102-0001" and body["staff_id"] == bank.handler_a.id
    assert prompt(counter_system, touchpoint).get_json()["id"] == body["id"]  # the counter system's retry
    on_screen = shown(client, device)
    assert on_screen == {"id": body["id"], "transaction_no": "BJ-20261102-0001", "staff": "teller-a"}

    recorded = tap(client, device, body["id"])
    assert recorded.status_code == 201
    assert shown(client, device) is None  # reset: nothing left to rate
    rating = session.get(Rating, recorded.get_json()["rating_id"])
    assert (rating.channel, rating.score, rating.staff_id, rating.suspect) == ("kiosk", 5, bank.handler_a.id, False)
    assert rating.service_event_id == body["service_event_id"]


def test_a_tap_sent_again_is_recorded_once(client, session, counter_system, kiosk):
    """The network dropped before the kiosk heard the answer: it sends the same tap again."""
    touchpoint, device = kiosk
    prompt_id = prompt(counter_system, touchpoint).get_json()["id"]
    first = tap(client, device, prompt_id)
    again = tap(client, device, prompt_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert ratings(session) == 1


def test_a_transaction_rated_twice_records_once(client, session, counter_system, kiosk):
    touchpoint, device = kiosk
    prompt_id = prompt(counter_system, touchpoint).get_json()["id"]
    assert tap(client, device, prompt_id, tap_id="first-tap-id", score=5).status_code == 201
    second = tap(client, device, prompt_id, tap_id="second-tap-id", score=1)
    assert second.status_code == 409 and second.get_json()["code"] == "already_rated"
    assert ratings(session) == 1
    assert session.scalar(select(Rating.score)) == 5


def test_two_simultaneous_taps_on_one_transaction_record_once(app, session, counter_system, kiosk):
    touchpoint, device = kiosk
    prompt_id = prompt(counter_system, touchpoint).get_json()["id"]
    start, answers = threading.Barrier(2), []

    def customer(tap_id, score):
        browser = app.test_client()
        start.wait()
        answers.append(tap(browser, device, prompt_id, tap_id=tap_id, score=score).status_code)

    threads = [threading.Thread(target=customer, args=(f"racing-tap-{n}", n)) for n in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [201, 409]
    assert ratings(session) == 1


def test_the_database_holds_one_rating_per_transaction(session, clock, bank):
    event = ServiceEvent(external_id="BJ-1", unit_id=bank.counter_a.id, occurred_at=clock.now(),
                         created_at=clock.now())
    session.add(event)
    session.flush()
    for _ in range(2):
        session.add(Rating(channel="kiosk", unit_id=bank.counter_a.id, score=5, service_event_id=event.id,
                           created_at=clock.now(), suspect=False))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_interval_rule_of_one_device_does_not_apply_to_a_kiosk(client, session, counter_system, kiosk, clock):
    """One tablet serves every customer: ratings a minute apart are not repeats."""
    touchpoint, device = kiosk
    for n in range(3):
        prompt_id = prompt(counter_system, touchpoint, number=f"BJ-{n}").get_json()["id"]
        assert tap(client, device, prompt_id, tap_id=f"tap-of-customer-{n}").status_code == 201
        clock.advance(minutes=1)
    assert ratings(session) == 3 and ratings(session, Rating.suspect.is_(True)) == 0


def test_a_tap_needs_its_own_id_and_a_face(client, counter_system, kiosk):
    touchpoint, device = kiosk
    prompt_id = prompt(counter_system, touchpoint).get_json()["id"]
    assert tap(client, device, prompt_id, tap_id="short").status_code == 400
    assert tap(client, device, prompt_id, score=6).status_code == 400
    assert tap(client, device, prompt_id + 1000).status_code == 404
    assert client.post(f"/kiosk/{device.secret}/ratings", data="5").status_code == 400


def test_another_counter_cannot_take_the_transaction(counter_system, make, session, clock, kiosk, bank):
    touchpoint, _device = kiosk
    other, _ = counter_evaluator(make, session, clock, bank)
    assert prompt(counter_system, touchpoint).status_code == 201
    assert prompt(counter_system, other).status_code == 409


def test_the_evaluation_rate_is_rated_transactions_over_prompted_ones(client, session, counter_system, kiosk,
                                                                    clock, bank):
    touchpoint, device = kiosk
    for n in range(4):
        prompt_id = prompt(counter_system, touchpoint, number=f"BJ-{n}").get_json()["id"]
        if n < 3:  # the fourth customer walked away
            tap(client, device, prompt_id, tap_id=f"tap-of-customer-{n}")
            tap(client, device, prompt_id, tap_id=f"tap-of-customer-{n}")  # and a retry of each
    assert session.scalar(select(func.count()).select_from(CounterPrompt)) == 4
    month = Period.containing(clock.now(), "month", "Asia/Shanghai")
    measured = staff_metrics(session, month, "Asia/Shanghai", [bank.handler_a.id])[bank.handler_a.id]
    assert measured["services"] == 4 and measured["ratings"] == 3
    assert measured["evaluation_rate"] == pytest.approx(0.75)


def test_a_tap_that_waited_out_a_network_drop_keeps_the_time_it_was_made(client, session, counter_system, kiosk,
                                                                          clock):
    touchpoint, device = kiosk
    prompted = clock.now()
    prompt_ids = [prompt(counter_system, touchpoint, number=f"BJ-{n}").get_json()["id"] for n in range(3)]
    clock.advance(hours=3)  # the network came back three hours later
    times = {"tap-made-in-time": prompted + timedelta(minutes=1),
             "tap-from-a-fast-clock": prompted + timedelta(days=2),  # kept no later than now
             "tap-from-a-slow-clock": prompted - timedelta(days=2)}  # nor before its prompt
    for prompt_id, (tap_id, tapped) in zip(prompt_ids, times.items()):
        response = client.post(f"/kiosk/{device.secret}/ratings", json={
            "tap_id": tap_id, "prompt_id": prompt_id, "score": 5, "tapped_at": tapped.isoformat()})
        assert response.status_code == 201
    session.expire_all()
    recorded = dict(session.execute(select(Rating.external_id, Rating.created_at)).all())
    assert recorded == {f"kiosk:{touchpoint.id}:tap-made-in-time": prompted + timedelta(minutes=1),
                        f"kiosk:{touchpoint.id}:tap-from-a-fast-clock": clock.now(),
                        f"kiosk:{touchpoint.id}:tap-from-a-slow-clock": prompted}
    for wrong in ("yesterday", "2026-11-02T09:00:00", 1730509200, "9" * 50):
        response = client.post(f"/kiosk/{device.secret}/ratings", json={
            "tap_id": "another-tap-id", "prompt_id": prompt_ids[0], "score": 5, "tapped_at": wrong})
        assert response.status_code == 400, wrong
