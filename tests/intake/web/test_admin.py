"""/admin: administrators manage units, staff, touchpoints and API tokens;
nobody else may, and a refusal is an error on the form, never a 500."""
import hashlib
import io
import re

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from intake.models import Touchpoint
from intake.services.touchpoints import touchpoint_by_token
from routing.errors import Conflict
from routing.models import ApiToken, Staff, Unit
from routing.services.org import authenticate, create_api_token, staff_for_token, update_unit


@pytest.fixture
def hq(make):
    return make.unit(code="HQ", level="company")


@pytest.fixture
def admin(make, login, hq):
    """An administrator who reads English (the messages below are checked in English)."""
    return login(make.staff("admin", unit=hq, locale="en"))


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def reread(session):
    """See what the app committed: end the test's snapshot and forget what it loaded."""
    session.rollback()
    session.expire_all()


def test_an_admin_creates_a_unit_under_another_and_sees_it_in_the_tree(client, session, hq, admin):
    response = client.post("/admin/units", data={
        "code": "SH-001", "name": "城东支行", "level": "branch", "parent": hq.id,
        "area": "rural", "timezone": "Asia/Urumqi"})
    assert response.status_code == 302
    page = client.get("/admin/units").get_data(as_text=True)
    assert "城东支行" in page and "SH-001" in page
    unit = session.scalars(select(Unit).where(Unit.code == "SH-001")).one()
    assert (unit.name, unit.level, unit.parent_id, unit.area, unit.timezone) == (
        "城东支行", "branch", hq.id, "rural", "Asia/Urumqi")


def test_a_duplicate_unit_code_is_an_error_on_the_form(client, session, admin):
    response = client.post("/admin/units", data={
        "code": "HQ", "name": "Another", "level": "outlet", "parent": 0, "area": "urban",
        "timezone": "Asia/Shanghai"})
    assert response.status_code == 400
    assert "A unit with this code already exists" in response.get_data(as_text=True)
    assert count(session, Unit, Unit.code == "HQ") == 1


def test_form_errors_are_in_the_administrator_s_language(client, session, make, login, hq):
    login(make.staff("admin", unit=hq, locale="zh_Hans_CN"))
    response = client.post("/admin/units", data={
        "code": "HQ", "name": "另一个", "level": "outlet", "parent": 0, "area": "urban", "timezone": "Asia/Shanghai"})
    assert response.status_code == 400 and "该编码已被其他单位使用" in response.get_data(as_text=True)


def test_an_unknown_time_zone_is_an_error_on_the_form(client, session, admin):
    response = client.post("/admin/units", data={
        "code": "X1", "name": "X", "level": "outlet", "parent": 0, "area": "urban", "timezone": "Mars/Olympus"})
    assert response.status_code == 400 and "is not a time zone name" in response.get_data(as_text=True)
    assert count(session, Unit, Unit.code == "X1") == 0


def test_an_admin_renames_and_moves_a_unit_but_not_under_its_own_branch(client, session, make, admin):
    branch = make.unit(code="BR", level="branch")
    outlet = make.unit(code="OUT", parent=branch)
    other = make.unit(code="BR2", level="branch")
    refused = client.post(f"/admin/units/{branch.id}", data={
        "name": "城东支行", "parent": outlet.id, "area": "urban", "timezone": "Asia/Shanghai"})
    assert refused.status_code == 400  # its own outlet is not even offered as a parent
    moved = client.post(f"/admin/units/{outlet.id}", data={
        "name": "新华路分理处", "parent": other.id, "area": "rural", "timezone": "Asia/Shanghai"})
    assert moved.status_code == 302
    reread(session)
    assert (outlet.name, outlet.parent_id, outlet.area) == ("新华路分理处", other.id, "rural")
    assert branch.parent_id is None


@pytest.mark.parametrize("code", ['O"1', "O\r\n1", "../etc", "a/../b", "O 1", ".hidden", "-rf", "东城", "x" * 41])
def test_a_unit_code_holds_only_letters_digits_dots_dashes_and_underscores_wherever_it_comes_from(
        client, session, clock, admin, code):
    """The admin form, the API and the service itself apply one rule."""
    from routing.errors import RoutingError
    from routing.services.org import create_unit

    with pytest.raises(RoutingError) as refused:
        create_unit(session, code, "Somewhere")
    assert refused.value.code == "invalid_code"
    session.rollback()
    form = client.post("/admin/units", data={"code": code, "name": "Somewhere", "level": "outlet", "parent": 0,
                                              "area": "urban", "timezone": "Asia/Shanghai"})
    assert form.status_code == 400
    token = create_api_token(session, session.get(Staff, admin.id), clock.now(), "t")[0]
    session.commit()
    api = client.post("/api/v1/units", json={"code": code, "name": "Somewhere"},
                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 400 and "code" in api.get_json()["detail"]
    assert count(session, Unit, Unit.name == "Somewhere") == 0


def test_the_service_refuses_a_unit_under_its_own_branch(session, make):
    branch = make.unit(level="branch")
    counter = make.unit(level="counter", parent=make.unit(parent=branch))
    with pytest.raises(Conflict) as refused:
        update_unit(session, branch, name=branch.name, area="urban", timezone="Asia/Shanghai", parent=counter)
    assert refused.value.code == "unit_cycle"


def test_an_admin_creates_an_account_that_can_log_in(app, client, session, hq, admin):
    response = client.post("/admin/staff", data={
        "username": "li.na", "display_name": "李娜 (Li Na)", "role": "supervisor", "ladder_position": "",
        "unit": hq.id, "password": "a long enough password", "locale": "en"})
    assert response.status_code == 302
    assert app.test_client().post("/login", data={"username": "li.na", "password": "a long enough password"}
                                  ).status_code == 302
    staff = session.scalars(select(Staff).where(Staff.username == "li.na")).one()
    assert (staff.role, staff.unit_id, staff.locale, staff.display_name) == ("supervisor", hq.id, "en", "李娜 (Li Na)")
    assert staff.password_hash and "a long enough password" not in staff.password_hash


@pytest.mark.parametrize("username,password,message", [
    ("new.user", "short", "This password is too weak"),
    ("taken", "a long enough password", "This username is taken"),
])
def test_a_weak_password_or_a_taken_username_is_an_error_on_the_form(client, session, make, admin,
                                                                     username, password, message):
    make.staff("handler", username="taken")
    response = client.post("/admin/staff", data={
        "username": username, "display_name": "Someone", "role": "handler", "ladder_position": "", "unit": 0,
        "password": password, "locale": "zh_Hans_CN"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(session, Staff, Staff.username.in_(["new.user", "taken"])) == 1


def test_a_deactivated_account_cannot_log_in_and_an_admin_cannot_deactivate_themself(app, client, session, make,
                                                                                      admin):
    handler = make.staff("handler")
    assert client.post(f"/admin/staff/{handler.id}/deactivate").status_code == 302
    response = client.post(f"/admin/staff/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert app.test_client().post("/login", data={"username": handler.username, "password": "correct horse battery"}
                                  ).status_code == 200
    reread(session)
    assert authenticate(session, handler.username, "correct horse battery") is None
    assert session.get(Staff, admin.id).active


def test_an_admin_resets_a_password(client, session, make, admin):
    handler = make.staff("handler")
    assert client.post(f"/admin/staff/{handler.id}/password", data={"password": "brand new secret"}).status_code == 302
    reread(session)
    assert authenticate(session, handler.username, "brand new secret") is not None
    assert authenticate(session, handler.username, "correct horse battery") is None


def test_an_admin_creates_a_touchpoint_and_its_qr_code_scans_to_its_link(client, session, make, admin):
    counter = make.unit(code="C1", level="counter")
    teller = make.staff("handler", unit=counter)
    response = client.post("/admin/touchpoints", data={"unit": counter.id, "label": "1号窗口", "staff": teller.id})
    assert response.status_code == 302
    touchpoint = session.scalars(select(Touchpoint).where(Touchpoint.unit_id == counter.id)).one()
    assert touchpoint.staff_id == teller.id and touchpoint.active
    png = client.get(f"/admin/touchpoints/{touchpoint.id}/qr.png")
    assert png.mimetype == "image/png"
    codes = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert codes == [f"https://feedback.example.com/q/{touchpoint.token}"]
    assert client.get(f"/admin/touchpoints/{touchpoint.id}/qr.svg").mimetype == "image/svg+xml"


def test_the_poster_is_a_pdf(client, make, admin):
    touchpoint = make.touchpoint(make.unit(name="人民路营业部"))
    response = client.get(f"/admin/touchpoints/{touchpoint.id}/qr.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="touchpoint-' in response.headers["Content-Disposition"]


def test_rotating_a_touchpoint_makes_the_old_link_a_404(client, session, make, admin):
    touchpoint = make.touchpoint(make.unit())
    old = touchpoint.token
    assert client.post(f"/admin/touchpoints/{touchpoint.id}/rotate").status_code == 302
    assert client.get(f"/q/{old}").status_code == 404
    reread(session)
    assert client.get(f"/q/{touchpoint.token}").status_code == 200
    assert touchpoint.token != old and touchpoint.rotated_at is not None
    assert touchpoint_by_token(session, old) is None
    assert touchpoint_by_token(session, touchpoint.token).id == touchpoint.id


def test_a_revoked_touchpoint_has_no_link_and_no_poster(client, session, make, admin):
    touchpoint = make.touchpoint(make.unit())
    assert client.post(f"/admin/touchpoints/{touchpoint.id}/revoke").status_code == 302
    assert client.get(f"/q/{touchpoint.token}").status_code == 404
    assert client.get(f"/admin/touchpoints/{touchpoint.id}/qr.pdf").status_code == 409
    reread(session)
    assert not touchpoint.active and touchpoint_by_token(session, touchpoint.token) is None


def test_a_new_api_token_is_shown_once_and_stored_hashed(client, session, make, admin):
    integrator = make.staff("manager", username="queue-machine")
    page = client.post("/admin/tokens", data={"staff": integrator.id, "name": "Queue machine, outlet 3"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    row = session.scalars(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.prefix) and token not in (row.prefix, row.name)
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert row.prefix in listing and token not in listing
    assert staff_for_token(session, token, make.clock.now()).id == integrator.id


def test_a_revoked_api_token_is_refused(client, session, make, admin):
    integrator = make.staff("manager")
    page = client.post("/admin/tokens", data={"staff": integrator.id, "name": "CRM"}).get_data(as_text=True)
    token = re.search(r'id="new-token">([^<]+)<', page).group(1)
    row = session.scalars(select(ApiToken)).one()
    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 302
    reread(session)
    assert staff_for_token(session, token, make.clock.now()) is None


@pytest.mark.parametrize("role", ["handler", "supervisor", "manager", "executive"])
def test_staff_who_are_not_admins_get_403(client, make, login, role):
    login(make.staff(role))
    for path in ("/admin/", "/admin/units", "/admin/staff", "/admin/touchpoints", "/admin/tokens"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/units", data={"code": "X", "name": "X"}).status_code == 403


def test_the_admin_pages_need_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_admin_page_renders_for_an_admin(client, make, admin):
    unit = make.unit()
    member = make.staff("handler", unit=unit)
    make.touchpoint(unit, member)
    for path in ("/admin/", "/admin/units", f"/admin/units/{unit.id}", "/admin/staff",
                 f"/admin/staff/{member.id}/password", "/admin/touchpoints", f"/admin/touchpoints?unit={unit.id}",
                 "/admin/tokens", "/admin/?lang=en", "/admin/staff?lang=zh_Hans_CN"):
        assert client.get(path).status_code == 200, path


def test_an_admin_form_without_its_csrf_token_is_refused(app, client, session, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/admin/units", data={
        "code": "CSRF", "name": "X", "level": "outlet", "parent": 0, "area": "urban", "timezone": "Asia/Shanghai"})
    assert response.status_code == 400
    assert count(session, Unit, Unit.code == "CSRF") == 0


def test_names_are_escaped_on_the_admin_pages(client, make, admin):
    unit = make.unit(name="<script>alert(1)</script>")
    make.touchpoint(unit, label="<b>counter</b>")
    for path in (f"/admin/touchpoints?unit={unit.id}", "/admin/units"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page, path
