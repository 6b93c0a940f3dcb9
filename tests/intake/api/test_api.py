"""The JSON API: bearer tokens, problems that name the field, idempotent
writes, paging, and what each token may see."""
from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from routing.models import ApiToken, Case, OutboundMessage, Rating, ServiceEvent, Unit
from routing.services.org import revoke_api_token
from support.api import PUBLIC_URL, Api, token_for

SERVICE = {
    "external_id": "TICKET-0001",
    "unit": "OA-C1",
    "staff": "teller-a",
    "customer_phone": "138 1234 5678",
    "occurred_at": "2026-11-02T08:55:00+08:00",
    "locale": "en",
    "service_type": "deposit",
}


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


# --- tokens -----------------------------------------------------------------

def test_no_token_is_401_with_a_bearer_challenge(anonymous):
    response = anonymous.get("/units")
    problem_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer fbk_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer ", "fbk_x"])
def test_a_bad_token_is_401(client, bank, header):
    response = client.get("/api/v1/units", headers={"Authorization": header})
    problem_of(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_revoked_token_or_inactive_account_is_401(client, session, clock, bank):
    token = token_for(session, clock, bank.admin)
    api = Api(client, token)
    assert api.get("/units").status_code == 200
    revoke_api_token(session, session.scalars(select(ApiToken)).one().id, clock.now())
    session.commit()
    problem_of(api.get("/units"), 401)

    handler = Api(client, token_for(session, clock, bank.handler_a))
    bank.handler_a.active = False
    session.commit()
    problem_of(handler.get("/units"), 401)


def test_a_role_too_low_is_403(api_as, bank):
    body = problem_of(api_as(bank.manager_a).post("/units", json={"code": "X", "name": "X"}), 403)
    assert "admin" in body["detail"]
    problem_of(api_as(bank.handler_a).get("/ratings"), 403)


def test_a_token_records_its_last_use(api_as, session, bank, clock):
    api_as(bank.admin).get("/units")
    session.expire_all()
    assert session.scalars(select(ApiToken)).one().last_used_at == clock.now()


# --- bodies -----------------------------------------------------------------

def test_a_body_that_is_not_json_is_refused_with_a_message(api_as, bank):
    api = api_as(bank.admin)
    broken = api.post("/units", data='{"code": "X",', headers={"Content-Type": "application/json"})
    assert "not valid JSON" in problem_of(broken, 400)["detail"]
    form = api.post("/units", data={"code": "X", "name": "X"})
    assert "Content-Type: application/json" in problem_of(form, 415)["detail"]
    array = api.post("/units", json=[{"code": "X"}])
    assert "JSON object" in problem_of(array, 400)["detail"]
    binary = api.post("/units", data=b"\xff\xfe\x00", headers={"Content-Type": "application/json"})
    problem_of(binary, 400)
    problem_of(api.post("/units", json={"code": "X", "name": "x" * 70_000}), 413)


def test_missing_unknown_and_mistyped_fields_are_each_named(api_as, bank):
    body = problem_of(api_as(bank.admin).post("/units", json={"name": 7, "colour": "red", "level": "planet"}), 400)
    assert set(body["errors"]) == {"code", "name", "colour", "level"}
    assert body["errors"]["code"] == "required"
    assert "outlet" in body["errors"]["level"]


# --- units and staff ----------------------------------------------------------

def test_an_admin_creates_a_unit_under_a_parent_and_reads_it(api_as, bank):
    api = api_as(bank.admin)
    created = api.post("/units", json={"code": "OC", "name": "Outlet C", "parent": "BR1", "area": "rural"})
    assert created.status_code == 201
    unit = created.get_json()
    assert unit | {"id": None} == {"id": None, "code": "OC", "name": "Outlet C", "level": "outlet",
                                   "parent_id": bank.branch.id, "area": "rural", "timezone": "Asia/Shanghai",
                                   "active": True}
    assert api.get(f"/units/{unit['id']}").get_json() == unit
    assert "OC" in [u["code"] for u in api.all_items("/units")]


def test_a_unit_with_an_unknown_parent_or_a_taken_code_is_refused(api_as, bank):
    api = api_as(bank.admin)
    unknown = problem_of(api.post("/units", json={"code": "OC", "name": "Outlet C", "parent": "NOPE"}), 422)
    assert unknown["errors"] == {"parent": "not a known unit"}
    assert "parent" in unknown["detail"]
    problem_of(api.post("/units", json={"code": "OA", "name": "Again"}), 409)
    problem_of(api.post("/units", json={"code": "OC", "name": "C", "timezone": "Mars/Olympus"}), 422)
    problem_of(api.post("/units", json={"code": "OC", "name": "C", "timezone": "../etc/passwd"}), 400)


def test_unknown_unit_is_404(api_as, bank):
    api = api_as(bank.admin)
    problem_of(api.get("/units/999999"), 404)
    problem_of(api.get("/units/99999999999999999999"), 404)


def test_staff_are_listed_by_unit_and_role_without_contact_details(api_as, bank):
    api = api_as(bank.admin)
    outlet_a = api.all_items("/staff?unit=OA")
    assert sorted(s["username"] for s in outlet_a) == ["mgr-a", "sup-a", "teller-a"]
    handlers = api.all_items("/staff?role=handler")
    assert sorted(s["username"] for s in handlers) == ["teller-a", "teller-b"]
    one = api.get(f"/staff/{bank.handler_a.id}").get_json()
    assert one["username"] == "teller-a" and one["unit_id"] == bank.counter_a.id
    assert "phone" not in one and "password_hash" not in one
    assert problem_of(api.get("/staff?unit=NOPE"), 422)["errors"] == {"unit": "not a known unit"}


# --- touchpoints and QR codes -------------------------------------------------

def test_an_admin_creates_a_touchpoint_whose_qr_code_opens_its_page(api_as, bank):
    api = api_as(bank.admin)
    created = api.post("/touchpoints", json={"unit": "OA-C1", "label": "Counter 1", "staff": "teller-a"})
    assert created.status_code == 201
    touchpoint = created.get_json()
    assert touchpoint["staff_id"] == bank.handler_a.id and touchpoint["active"] is True
    assert touchpoint["url"].startswith(PUBLIC_URL + "/q/")
    assert api.get(f"/touchpoints/{touchpoint['id']}").get_json() == touchpoint

    png = api.get(f"/touchpoints/{touchpoint['id']}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    codes = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert codes == [touchpoint["url"]]


def test_the_svg_and_the_poster(api_as, bank, make):
    touchpoint = make.touchpoint(bank.outlet_a, label="Counter 7")
    api = api_as(bank.admin)
    svg = api.get(f"/touchpoints/{touchpoint.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    pdf = api.get(f"/touchpoints/{touchpoint.id}/qr.pdf")
    assert pdf.mimetype == "application/pdf"
    text = pypdfium2.PdfDocument(pdf.data)[0].get_textpage().get_text_range()
    assert "Outlet A" in text and "Counter 7" in text and "Scan to rate our service" in text


def test_a_revoked_touchpoint_has_no_qr_code(api_as, bank, make, session):
    touchpoint = make.touchpoint(bank.outlet_a)
    touchpoint.active = False
    session.commit()
    problem_of(api_as(bank.admin).get(f"/touchpoints/{touchpoint.id}/qr.png"), 409)


def test_touchpoints_need_a_label_and_a_known_unit(api_as, bank):
    api = api_as(bank.admin)
    assert problem_of(api.post("/touchpoints", json={"unit": 999999, "label": "X"}), 422)["errors"] == \
        {"unit": "not a known unit"}
    assert "label" in problem_of(api.post("/touchpoints", json={"unit": "OA"}), 400)["errors"]


# --- service events -------------------------------------------------------------

def test_a_service_event_is_recorded_and_its_survey_queued(api_as, bank, session):
    response = api_as(bank.supervisor_a).post("/service-events", json=SERVICE)
    assert response.status_code == 201
    event = response.get_json()
    assert event | {"id": None} == {
        "id": None, "external_id": "TICKET-0001", "unit_id": bank.counter_a.id, "staff_id": bank.handler_a.id,
        "customer_phone": "+8613812345678", "locale": "en", "service_type": "deposit",
        "occurred_at": "2026-11-02T00:55:00Z", "created_at": "2026-11-02T01:00:00Z",
    }
    assert count(session, OutboundMessage, OutboundMessage.purpose == "survey") == 1


def test_a_retried_service_event_records_once_and_answers_the_same(api_as, bank, session, clock):
    api = api_as(bank.supervisor_a)
    first = api.post("/service-events", json=SERVICE)
    clock.advance(minutes=3)
    again = api.post("/service-events", json={**SERVICE, "service_type": "withdrawal"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(session, ServiceEvent) == 1
    assert count(session, OutboundMessage) == 1


def test_service_events_accept_ids_and_need_no_phone(api_as, bank, session):
    response = api_as(bank.admin).post("/service-events", json={
        "external_id": "T-2", "unit": bank.counter_a.id, "staff": bank.handler_a.id,
        "occurred_at": "2026-11-02T00:55:00Z"})
    assert response.status_code == 201
    assert response.get_json()["customer_phone"] is None
    assert count(session, OutboundMessage) == 0


def test_an_invalid_phone_number_is_400_naming_the_field_and_writes_nothing(api_as, bank, session):
    response = api_as(bank.supervisor_a).post("/service-events", json={**SERVICE, "customer_phone": "138abcd5678"})
    body = problem_of(response, 400)
    assert body["errors"] == {"customer_phone": "not a valid phone number"}
    assert body["detail"] == "customer_phone is not a valid phone number."
    assert count(session, ServiceEvent) == 0 and count(session, OutboundMessage) == 0


@pytest.mark.parametrize("occurred_at", ["2026-11-02T08:55:00", "yesterday", 1762000000, "0001-01-01T00:00:00+01:00"])
def test_a_time_without_an_offset_or_not_a_time_is_refused(api_as, bank, occurred_at):
    body = problem_of(api_as(bank.admin).post("/service-events", json={**SERVICE, "occurred_at": occurred_at}), 400)
    assert list(body["errors"]) == ["occurred_at"]


def test_an_unknown_unit_or_staff_member_is_422_with_a_message(api_as, bank, session):
    api = api_as(bank.admin)
    unit = problem_of(api.post("/service-events", json={**SERVICE, "unit": "NO-SUCH-OUTLET"}), 422)
    assert unit["errors"] == {"unit": "not a known unit"} and "unit" in unit["detail"]
    staff = problem_of(api.post("/service-events", json={**SERVICE, "staff": "nobody"}), 422)
    assert staff["errors"] == {"staff": "not a known staff member"}
    bad_id = problem_of(api.post("/service-events", json={**SERVICE, "unit": 2**40}), 400)
    assert list(bad_id["errors"]) == ["unit"]
    assert count(session, ServiceEvent) == 0


# --- ratings --------------------------------------------------------------------

def test_a_rating_from_a_touchpoint_is_recorded_for_its_unit_and_staff(api_as, bank, make):
    # Posted by the counter system's integration, not by the teller rated (a teller never rates themself).
    touchpoint = make.touchpoint(bank.counter_a, staff=bank.handler_a)
    response = api_as(bank.supervisor_a).post("/ratings", json={
        "touchpoint": touchpoint.id, "score": 4, "attitude": 5, "comment": "Quick and kind."})
    assert response.status_code == 201
    rating = response.get_json()
    assert (rating["channel"], rating["unit_id"], rating["staff_id"], rating["touchpoint_id"]) == \
        ("api", bank.counter_a.id, bank.handler_a.id, touchpoint.id)
    assert (rating["score"], rating["attitude"], rating["skill"], rating["suspect"]) == (4, 5, None, False)
    assert rating["created_at"] == "2026-11-02T01:00:00Z"


def test_a_retried_rating_records_once(api_as, bank, session):
    api = api_as(bank.admin)
    rating = {"unit": "OA", "score": 5, "external_id": "KIOSK-77"}
    first, again = api.post("/ratings", json=rating), api.post("/ratings", json=rating)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(session, Rating) == 1


def test_a_rating_needs_a_score_from_1_to_5_and_a_unit(api_as, bank, app):
    api = api_as(bank.admin)
    assert list(problem_of(api.post("/ratings", json={"unit": "OA", "score": 6}), 400)["errors"]) == ["score"]
    assert list(problem_of(api.post("/ratings", json={"unit": "OA", "score": True}), 400)["errors"]) == ["score"]
    assert list(problem_of(api.post("/ratings", json={"score": 3}), 400)["errors"]) == ["unit"]
    too_long = "x" * (app.config["COMMENT_MAX_LENGTH"] + 1)
    assert list(problem_of(api.post("/ratings", json={"unit": "OA", "score": 3, "comment": too_long}),
                           400)["errors"]) == ["comment"]


def test_ratings_are_listed_by_unit_time_and_channel(api_as, bank, make, session, clock):
    api = api_as(bank.admin)
    api.post("/ratings", json={"unit": "OA-C1", "score": 5})
    clock.advance(hours=2)
    api.post("/ratings", json={"unit": "OB", "score": 2})
    session.add(Rating(channel="qr", unit_id=bank.outlet_a.id, score=3, created_at=clock.now()))
    session.commit()

    def scores(query):
        return [r["score"] for r in api.all_items("/ratings" + query)]

    assert scores("") == [5, 2, 3]
    assert scores("?unit=OA") == [5, 3]
    assert scores("?channel=api") == [5, 2]
    assert scores("?since=2026-11-02T10:00:00%2B08:00") == [2, 3]
    assert scores("?until=2026-11-02T02:00:00Z") == [5]
    assert list(problem_of(api.get("/ratings?since=soon"), 400)["errors"]) == ["since"]
    assert list(problem_of(api.get("/ratings?channel=pigeon"), 400)["errors"]) == ["channel"]


# --- cases --------------------------------------------------------------------

NEW_CASE = {
    "description": "The ATM kept my card.",
    "kind": "complaint",
    "category": "service_quality",
    "unit": "OA",
    "contact_name": "Li Wei",
    "contact_phone": "13812345678",
    "consent": True,
    "amount_claimed": "120.50",
    "external_id": "CRM-1001",
}


def test_an_integrator_opens_a_case_and_reads_it_with_its_timeline(api_as, bank):
    api = api_as(bank.manager_a)
    response = api.post("/cases", json=NEW_CASE)
    assert response.status_code == 201
    case = response.get_json()
    assert case["reference"] == "C-2026-000001"
    assert (case["channel"], case["status"], case["unit_id"]) == ("api", "new", bank.outlet_a.id)
    assert (case["contact_phone"], case["amount_claimed"]) == ("+8613812345678", "120.50")
    assert case["events"][0]["kind"] == "created" and case["events"][0]["body"] == NEW_CASE["description"]
    assert case.pop("joined") is False  # opened, not added to an open case
    assert api.get("/cases/C-2026-000001").get_json() == case
    assert api.get("/cases/c-2026-000001").status_code == 200
    problem_of(api.get("/cases/C-2026-999999"), 404)


def test_a_retried_case_opens_once(api_as, bank, session):
    api = api_as(bank.manager_a)
    first, again = api.post("/cases", json=NEW_CASE), api.post("/cases", json=NEW_CASE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert count(session, Case) == 1


def test_a_case_with_a_bad_phone_amount_or_kind_is_refused_whole(api_as, bank, session):
    response = api_as(bank.admin).post("/cases", json={
        **NEW_CASE, "contact_phone": "12", "amount_claimed": "a lot", "kind": "rant"})
    assert set(problem_of(response, 400)["errors"]) == {"contact_phone", "amount_claimed", "kind"}
    assert count(session, Case) == 0


def test_cases_are_listed_by_status_unit_and_time_page_by_page(api_as, bank, make, clock):
    for _ in range(3):
        make.case(unit=bank.outlet_a)
    clock.advance(days=1)
    make.case(unit=bank.outlet_b)
    make.case(unit=bank.counter_a, recorded_by=bank.handler_a)  # claimed from the start
    api = api_as(bank.admin)

    def references(query):
        return [c["reference"][-1] for c in api.all_items("/cases" + query)]

    assert references("") == ["1", "2", "3", "4", "5"]
    assert references("?unit=OA") == ["1", "2", "3", "5"]
    assert references("?status=claimed") == ["5"]
    assert references("?since=2026-11-03T00:00:00Z") == ["4", "5"]
    first = api.get("/cases?limit=2").get_json()
    assert "events" not in first["items"][0]
    assert first["items"][0]["created_at"].endswith("Z")


# --- paging -----------------------------------------------------------------

def test_paging_follows_the_cursor_and_refuses_a_bad_one(api_as, bank, make):
    for n in range(5):
        make.unit(f"X{n}", level="counter", parent=bank.outlet_b)
    api = api_as(bank.admin)
    one_by_one = api.all_items("/units", limit=1)
    assert [u["code"] for u in one_by_one] == [u["code"] for u in api.get("/units").get_json()["items"]]
    assert len(one_by_one) == 11
    default = api.get("/units").get_json()
    assert default["next_cursor"] is None
    assert list(problem_of(api.get("/units?cursor=garbage"), 400)["errors"]) == ["cursor"]
    assert list(problem_of(api.get("/units?limit=201"), 400)["errors"]) == ["limit"]
    assert list(problem_of(api.get("/units?limit=0"), 400)["errors"]) == ["limit"]


def test_a_cursor_past_every_id_was_never_given_out_and_is_refused(api_as, bank):
    """Ids are 32-bit on PostgreSQL: a larger cursor must not reach the database as one."""
    for cursor in ("2147483648", "5328811339"):
        assert problem_of(api_as(bank.admin).get(f"/units?cursor={cursor}"), 422)["errors"] == {
            "cursor": "not a cursor this API gave out"}


def test_a_new_row_does_not_shift_the_next_page(api_as, bank, make):
    api = api_as(bank.admin)
    first = api.get("/units?limit=3").get_json()
    make.unit("NEW", parent=bank.branch)
    second = api.get(f"/units?limit=3&cursor={first['next_cursor']}").get_json()
    assert [u["code"] for u in first["items"] + second["items"]] == ["CO", "BR1", "OA", "OA-C1", "OB", "OB-C1"]


# --- scope -------------------------------------------------------------------

def test_a_managers_token_sees_only_its_unit_and_below(api_as, bank, make):
    make.case(unit=bank.counter_a)
    other = make.case(unit=bank.outlet_b)
    make.case()  # no unit: only whole-organisation tokens see it
    manager = api_as(bank.manager_a)
    assert [u["code"] for u in manager.all_items("/units")] == ["OA", "OA-C1"]
    assert sorted(s["username"] for s in manager.all_items("/staff")) == ["mgr-a", "sup-a", "teller-a"]
    assert [c["unit_id"] for c in manager.all_items("/cases")] == [bank.counter_a.id]
    problem_of(manager.get(f"/units/{bank.outlet_b.id}"), 404)
    problem_of(manager.get(f"/staff/{bank.handler_b.id}"), 404)
    problem_of(manager.get(f"/cases/{other.reference}"), 404)
    problem_of(manager.post("/service-events", json={**SERVICE, "unit": "OB"}), 403)
    problem_of(manager.post("/cases", json={**NEW_CASE, "unit": "OB-C1"}), 403)
    assert manager.post("/service-events", json={**SERVICE, "staff": "teller-b"}).get_json()["errors"] == \
        {"staff": "not a known staff member"}

    executive = api_as(bank.executive)
    assert len(executive.all_items("/units")) == 6
    assert len(executive.all_items("/cases")) == 3


def test_a_scoped_token_sees_only_its_ratings(api_as, bank, session, clock):
    for unit in (bank.outlet_a, bank.outlet_b):
        session.add(Rating(channel="qr", unit_id=unit.id, score=4, created_at=clock.now()))
    session.commit()
    assert [r["unit_id"] for r in api_as(bank.supervisor_a).all_items("/ratings")] == [bank.outlet_a.id]
    outside = session.scalars(select(Rating).where(Rating.unit_id == bank.outlet_b.id)).one()
    problem_of(api_as(bank.supervisor_a).get(f"/ratings/{outside.id}"), 404)


def test_phone_numbers_are_masked_below_supervisor(api_as, bank):
    api_as(bank.supervisor_a).post("/service-events", json=SERVICE)
    handler = api_as(bank.handler_a)
    again = handler.post("/service-events", json=SERVICE).get_json()
    assert again["customer_phone"] != "+8613812345678" and again["customer_phone"].endswith("5678")
    assert "*" in again["customer_phone"]
    handler.post("/cases", json={**NEW_CASE, "unit": "OA-C1"})
    assert "*" in handler.get("/cases/C-2026-000001").get_json()["contact_phone"]
    assert api_as(bank.supervisor_a).get("/cases/C-2026-000001").get_json()["contact_phone"] == "+8613812345678"


def test_times_come_back_in_utc_with_a_z(api_as, bank, clock):
    clock.set(clock.now() + timedelta(hours=7, minutes=30))
    event = api_as(bank.admin).post("/service-events", json=SERVICE).get_json()
    assert event["created_at"] == "2026-11-02T08:30:00Z"


@pytest.mark.parametrize("code", ['O"C', "O'C", "OC\nX", "../OC", "O/C", "O C", ".OC", "x" * 41])
def test_a_unit_code_follows_the_admin_forms_rule(api_as, bank, session, code):
    body = problem_of(api_as(bank.admin).post("/units", json={"code": code, "name": "Outlet C"}), 400)
    assert list(body["errors"]) == ["code"]
    assert count(session, Unit, Unit.name == "Outlet C") == 0


def test_the_messages_follow_accept_language(api_as, bank):
    api = api_as(bank.admin)
    chinese = problem_of(api.post("/units", json={"name": 7}, headers={"Accept-Language": "zh-CN"}), 400)
    assert chinese["errors"] == {"code": "必填", "name": "不是字符串"}
    assert chinese["detail"] == "以下字段无效：code, name。"
    english = problem_of(api.post("/units", json={"name": 7}), 400)
    assert english["errors"] == {"code": "required", "name": "not a string"}
    unusable = problem_of(api.post("/units", json={"code": "OC", "name": "C", "parent": "NOPE"},
                                   headers={"Accept-Language": "zh-CN"}), 422)
    assert unusable["errors"] == {"parent": "不是已知单位"}


def test_a_value_the_document_allows_but_the_service_cannot_use_is_422(api_as, bank, session):
    api = api_as(bank.admin)
    phone = problem_of(api.post("/service-events", json={**SERVICE, "customer_phone": "11111"}), 422)
    assert phone["errors"] == {"customer_phone": "not a valid phone number"} and phone["code"] == "unusable_fields"
    zone = problem_of(api.post("/units", json={"code": "OC", "name": "C", "timezone": "Mars/Olympus"}), 422)
    assert zone["errors"] == {"timezone": "not an IANA time zone such as Asia/Shanghai"}
    assert count(session, ServiceEvent) == 0 and count(session, Unit, Unit.code == "OC") == 0
