"""Rating by QR code: one tap records, a second adds details; repeat devices
are flagged, never dropped; low ratings close the loop."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from intake import create_app, errors
from intake.services.ratings import RatingRejected, low_ratings, record_rating
from intake.web.pages import DEVICE_COOKIE
from routing.models import Case, OutboundMessage, Rating
from routing.web.extensions import limiter
from support.factories import Factory
from support.notices import text_of


@pytest.fixture
def counter(make):
    branch = make.unit(name="Pudong Branch", level="branch")
    outlet = make.unit(name="Lujiazui Outlet", parent=branch)
    teller = make.staff("handler", unit=outlet, display_name="Wang Li", phone="+8613900000001")
    return make.touchpoint(outlet, staff=teller, label="Counter 3")


def ratings(session):
    """Fresh from the database. Committing ends the read transaction: on
    SQLite every transaction holds the write lock, and the app waits for it."""
    found = list(session.scalars(select(Rating).order_by(Rating.id).execution_options(populate_existing=True)))
    session.commit()
    return found


def tap(client, touchpoint, score):
    return client.post(f"/q/{touchpoint.token}", data={"score": score})


def test_the_page_shows_five_faces_and_the_counter(client, counter):
    page = client.get(f"/q/{counter.token}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('name="score"') == 5
    assert "Lujiazui Outlet · Counter 3" in html and "Wang Li" in html
    assert "+8613900000001" not in html


def test_a_counter_named_as_its_unit_is_named_once(client, make):
    window = make.unit(name="1号窗口", level="counter", parent=make.unit(name="人民路营业部"))
    html = client.get(f"/q/{make.touchpoint(window, label='1号窗口').token}").get_data(as_text=True)
    assert '<p class="place">1号窗口</p>' in html


def test_one_tap_records_the_rating(client, session, counter, clock):
    response = tap(client, counter, 4)
    [rating] = ratings(session)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/q/{counter.token}/r/{rating.id}")
    assert (rating.score, rating.channel, rating.touchpoint_id) == (4, "qr", counter.id)
    assert (rating.unit_id, rating.staff_id) == (counter.unit_id, counter.staff_id)
    assert rating.created_at == clock.now() and not rating.suspect


def test_the_device_cookie_is_httponly_and_only_its_hash_is_stored(client, session, counter):
    client.get(f"/q/{counter.token}")
    cookie = client.get_cookie("fb_device")
    assert cookie is not None and cookie.http_only and len(cookie.value) >= 32
    tap(client, counter, 5)
    [rating] = ratings(session)
    assert rating.device_hash and len(rating.device_hash) == 64 and cookie.value not in rating.device_hash


def test_the_second_tap_adds_dimensions_and_a_comment_to_the_same_rating(client, session, counter):
    details_url = tap(client, counter, 4).headers["Location"]
    rating_id = int(details_url.rsplit("/", 1)[1])
    page = client.get(details_url, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "I want to complain" in page.get_data(as_text=True)
    response = client.post(details_url, data={"attitude": 5, "skill": 4, "timeliness": 3, "promises": 4,
                                              "comment": "Quick, but the queue was long."})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/q/{counter.token}/thanks?rating={rating_id}")
    [rating] = ratings(session)
    assert (rating.score, rating.attitude, rating.skill, rating.timeliness, rating.promises) == (4, 5, 4, 3, 4)
    assert rating.comment == "Quick, but the queue was long."


def test_step_two_is_only_for_the_same_device(app, client, session, counter):
    details_url = tap(client, counter, 4).headers["Location"]
    stranger = app.test_client()
    assert stranger.get(details_url).status_code == 404
    assert stranger.post(details_url, data={"attitude": 1, "comment": "not mine"}).status_code == 404
    [rating] = ratings(session)
    assert rating.attitude is None and rating.comment is None


def test_step_two_is_only_for_a_short_time(app, client, session, counter, clock):
    details_url = tap(client, counter, 4).headers["Location"]
    clock.advance(minutes=app.config["RATING_EDIT_MINUTES"] + 1)
    response = client.post(details_url, data={"attitude": 1}, headers={"Accept-Language": "en"})
    assert "The time for adding details to it has passed" in response.get_data(as_text=True)
    [rating] = ratings(session)
    assert rating.attitude is None


def test_a_repeat_device_is_flagged_and_kept_not_lost(app, client, session, counter, clock):
    tap(client, counter, 5)
    clock.advance(minutes=5)
    tap(client, counter, 5)
    app.test_client().post(f"/q/{counter.token}", data={"score": 5})  # another phone
    clock.advance(minutes=app.config["RATING_INTERVAL_MINUTES"])
    tap(client, counter, 5)  # the interval has passed since the first
    assert [(r.suspect, r.suspect_reason) for r in ratings(session)] == [
        (False, None), (True, "repeat_device"), (False, None), (False, None)]


def test_a_low_rating_with_contact_details_opens_a_case(app, client, session, counter):
    details_url = tap(client, counter, 1).headers["Location"]
    page = client.get(details_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "May we contact you?" in page
    response = client.post(details_url, data={"comment": "Nobody at the counter for 20 minutes.",
                                              "contact_phone": "139 1234 5678"})
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    [rating] = ratings(session)
    case = session.get(Case, rating.case_id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/complain/sent/{case.tracking_token}")
    assert (case.channel, case.unit_id, case.touchpoint_id) == ("qr", counter.unit_id, counter.id)
    assert case.contact_phone == "+8613912345678" and case.description == "Nobody at the counter for 20 minutes."
    assert case.reference in thanks and f"/track/{case.tracking_token}" in thanks
    message = session.scalars(select(OutboundMessage)).one()
    assert message.to == "+8613912345678" and case.reference in text_of(app, message)


def test_a_low_rating_without_contact_details_lands_in_the_supervisors_list(
        app, client, session, counter, make, login, clock):
    details_url = tap(client, counter, 2).headers["Location"]
    client.post(details_url, data={"comment": "Slow."})
    [rating] = ratings(session)
    assert rating.case_id is None
    assert session.scalar(select(func.count(Case.id))) == 0
    outlet = rating.unit
    assert low_ratings(session, [outlet.id], clock.now() - timedelta(days=1)) == [rating]
    assert low_ratings(session, [outlet.id], clock.now() + timedelta(seconds=1)) == []
    assert low_ratings(session, [outlet.parent_id], clock.now() - timedelta(days=1)) == []  # not a subtree query
    session.commit()

    supervisor = make.staff("supervisor", unit=outlet.parent)  # the branch above the outlet
    login(supervisor)
    page = client.get("/low-ratings?lang=en").get_data(as_text=True)
    assert "Slow." in page and "No contact details" in page


def test_the_low_ratings_list_is_for_supervisors_of_those_units(app, client, counter, make, login):
    app.test_client().post(f"/q/{counter.token}", data={"score": 1})
    elsewhere = make.staff("supervisor", unit=make.unit(name="Other Outlet"))
    login(elsewhere)
    assert "Lujiazui Outlet" not in client.get("/low-ratings").get_data(as_text=True)
    handler_client = app.test_client()
    handler_client.post("/login", data={"username": make.staff("handler", unit=counter.unit).username,
                                        "password": "correct horse battery"})
    assert handler_client.get("/low-ratings").status_code == 403


def test_a_comment_over_the_limit_is_refused_not_cut(app, client, session, counter):
    details_url = tap(client, counter, 3).headers["Location"]
    too_long = "x" * (app.config["COMMENT_MAX_LENGTH"] + 1)
    response = client.post(details_url, data={"attitude": 4, "comment": too_long},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "please shorten it to 1000" in response.get_data(as_text=True)
    [rating] = ratings(session)
    assert rating.comment is None and rating.attitude is None


def test_the_service_refuses_a_long_comment_and_a_bad_score(app, session, counter, clock):
    common = dict(unit=counter.unit, staff=None, touchpoint=counter, channel="api", now=clock.now(),
                  config=app.config)
    with pytest.raises(RatingRejected) as refused:
        record_rating(session, score=5, comment="y" * 1001, **common)
    assert refused.value.code == "comment_too_long"
    for bad in (0, 6, "5", True):
        with pytest.raises(RatingRejected):
            record_rating(session, score=bad, **common)
    with pytest.raises(RatingRejected):
        record_rating(session, score=5, attitude=9, **common)


def test_an_api_retry_with_the_same_external_id_records_once(app, session, counter, clock):
    common = dict(unit=counter.unit, staff=None, touchpoint=None, channel="api", score=4, now=clock.now(),
                  config=app.config, external_id="queue-machine-42")
    first = record_rating(session, **common)
    session.commit()
    again = record_rating(session, **common)
    session.commit()
    assert again.id == first.id and len(ratings(session)) == 1


def test_a_good_rating_with_contact_details_opens_no_case(app, session, counter, clock):
    rating = record_rating(session, unit=counter.unit, staff=None, touchpoint=counter, channel="api", score=5,
                           now=clock.now(), config=app.config, contact_phone="13912345678")
    session.commit()
    assert rating.case_id is None and session.scalar(select(func.count(Case.id))) == 0


@pytest.mark.parametrize("revoke", ["revoked", "inactive", "unknown"])
def test_a_withdrawn_or_unknown_code_gets_a_friendly_404(client, session, counter, clock, revoke):
    token = counter.token
    if revoke == "revoked":
        counter.revoked_at = clock.now()
    elif revoke == "inactive":
        counter.active = False
    else:
        token = "no-such-code"
    session.commit()
    for response in (client.get(f"/q/{token}", headers={"Accept-Language": "en"}),
                     client.post(f"/q/{token}", data={"score": 5})):
        assert response.status_code == 404
    assert "This code is no longer valid" in client.get(f"/q/{token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert ratings(session) == []


@pytest.mark.parametrize("sent", [{}, {"score": 7}, {"score": 0}, {"score": "four"}, {"score": ""}])
def test_a_missing_or_out_of_range_score_records_nothing(client, session, counter, sent):
    response = client.post(f"/q/{counter.token}", data=sent, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Please tap one of the faces." in response.get_data(as_text=True)
    assert ratings(session) == []


def test_customer_text_is_escaped(app, client, counter, make, login):
    details_url = tap(client, counter, 1).headers["Location"]
    client.post(details_url, data={"comment": "<script>alert(1)</script>"})
    login(make.staff("supervisor", unit=counter.unit))
    page = client.get("/low-ratings").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.fixture
def limited_app(app_config, tmp_path, monkeypatch):
    """An app of its own with the limit on. Not next to the `app` fixture:
    Flask-Limiter keeps its on/off switch on the one limiter object, so the
    last app built decides for all."""
    monkeypatch.setenv("FEEDBACK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATE_LIMIT_PUBLIC": "2 per minute"})
    if app.extensions["db"].engine.dialect.name == "sqlite":
        app.extensions["db"].create_all()
    yield app
    app.extensions["db"].dispose()


def test_too_many_posts_from_one_address_get_the_translated_429_page(limited_app, clock, monkeypatch):
    started = 1_800_000_000.0  # the window opens with the first post; the refusal comes 20.5 s later
    monkeypatch.setattr(limiter.storage, "clock", lambda: started)
    monkeypatch.setattr(errors, "time", SimpleNamespace(time=lambda: started + 20.5))
    with limited_app.extensions["db"].sessionmaker() as session:
        counter = Factory(session, clock).touchpoint(Factory(session, clock).unit())
        client = limited_app.test_client()
        statuses = [client.post(f"/q/{counter.token}", data={"score": 5}).status_code for _ in range(2)]
        refused = client.post(f"/q/{counter.token}?lang=zh_Hans_CN", data={"score": 5})
        assert statuses == [303, 303] and refused.status_code == 429
        assert refused.headers["Retry-After"] == "40"  # the rest of the one-minute window, rounded up
        assert 'lang="zh-Hans"' in refused.get_data(as_text=True)
        # One budget for every public form of the address.
        english = client.post("/complain?lang=en", data={})
        assert english.status_code == 429 and "Too many requests" in english.get_data(as_text=True)
        others = ("/track", "/track/any-token", f"/q/{counter.token}/r/1")
        assert [client.post(path, data={}).status_code for path in others] == [429, 429, 429]
        assert client.get(f"/q/{counter.token}").status_code == 200  # reading is not limited
        assert len(ratings(session)) == 2


def test_staff_signed_in_cannot_rate_their_own_counter(client, counter, session, make, sign_in):
    sign_in(counter.staff)
    assert tap(client, counter, 5).status_code == 403
    assert ratings(session) == []
    sign_in(make.staff("handler", unit=counter.unit))  # anyone else's tap counts
    assert tap(client, counter, 5).status_code == 303
    assert [r.score for r in ratings(session)] == [5]


def test_three_low_ratings_within_an_hour_alert_the_supervisor_through_the_outbox(app, client, counter, session, make,
                                                                                   clock):
    supervisor = make.staff("supervisor", unit=counter.unit, phone="+8613900000009")
    supervisor_id = supervisor.id
    session.commit()
    def customer_taps(score):  # each on their own phone: one device's repeats are suspect and not counted
        client.delete_cookie(DEVICE_COOKIE)
        return tap(client, counter, score)

    for score in (1, 5, 2):
        assert customer_taps(score).status_code == 303
        clock.advance(timedelta(minutes=10))
    assert session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "alert")).all() == []
    session.commit()
    assert customer_taps(2).status_code == 303  # the third low one within the hour
    for _ in range(2):  # more low ones in the same hour: still one alert
        clock.advance(timedelta(minutes=1))
        customer_taps(1)
    sent = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "alert")).all()
    assert [(m.to, m.staff_id, m.status) for m in sent] == [("+8613900000009", supervisor_id, "pending")]
    assert text_of(app, sent[0]) == "Lujiazui Outlet在60分钟内收到3条低分评价，请及时查看处理。"  # in the supervisor's language
    session.commit()


def test_a_refused_detail_is_summed_up_at_the_top_for_the_focus(app, client, counter):
    details_url = tap(client, counter, 3).headers["Location"]
    too_long = "x" * (app.config["COMMENT_MAX_LENGTH"] + 1)
    page = client.post(details_url, data={"comment": too_long}, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert html.index('class="error-summary"') < html.index("<form")
    assert 'data-focus-on-load' in html and '<a href="#comment">' in html
    assert '<script src="/static/focus.js" defer></script>' in html
