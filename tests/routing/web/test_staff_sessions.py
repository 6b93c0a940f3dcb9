"""Staff sessions end: logging out, a new password and deactivation end
every session of that person, copies of the cookie included; a session left
unused for the idle time ends; the cookie is Secure behind https. A
customer's session (their language) is not a staff session and goes on."""
from __future__ import annotations

import pytest

from support.factories import PASSWORD


@pytest.fixture
def handler(make):
    return make.staff("handler", unit=make.unit(), locale="en")


@pytest.fixture
def admin(make):
    return make.staff("admin", unit=make.unit(), locale="en")


def signed_in(app, client, staff):
    """A fresh browser logged in as this person."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert browser.post("/login", data={"username": staff.username, "password": PASSWORD}).status_code == 302
    return browser


def copy_of(app, browser):
    """Another browser holding a copy of this one's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def lets_in(browser) -> bool:
    response = browser.get("/cases")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_logging_out_ends_every_session_of_that_person_copies_included(app, client, handler):
    laptop, phone = signed_in(app, client, handler), signed_in(app, client, handler)
    stolen = copy_of(app, laptop)
    assert lets_in(stolen) and lets_in(phone)
    laptop.post("/logout")
    assert not lets_in(laptop) and not lets_in(stolen) and not lets_in(phone)
    login_page = phone.get("/cases", follow_redirects=True).get_data(as_text=True)
    assert "Your session has ended. Please log in again." in login_page


def test_an_administrator_resetting_a_password_ends_that_persons_sessions(app, client, handler, admin):
    theirs, administrator = signed_in(app, client, handler), signed_in(app, client, admin)
    response = administrator.post(f"/admin/staff/{handler.id}/password", data={"password": "a brand new one"})
    assert response.status_code == 302
    assert not lets_in(theirs)
    assert lets_in(administrator)
    assert lets_in(signed_in_with(app, handler, "a brand new one"))


def signed_in_with(app, staff, password):
    browser = app.test_client()
    assert browser.post("/login", data={"username": staff.username, "password": password}).status_code == 302
    return browser


def test_changing_ones_own_password_ends_the_other_sessions_and_keeps_this_one(app, client, handler):
    here, elsewhere = signed_in(app, client, handler), signed_in(app, client, handler)
    wrong = here.post("/account/password", data={"current": "not it at all", "password": "a brand new one",
                                                 "repeat": "a brand new one"})
    assert wrong.status_code == 400 and "This is not your current password." in wrong.get_data(as_text=True)
    assert lets_in(elsewhere)
    differ = here.post("/account/password", data={"current": PASSWORD, "password": "a brand new one",
                                                  "repeat": "another new one"})
    assert differ.status_code == 400 and "The two new passwords differ." in differ.get_data(as_text=True)
    changed = here.post("/account/password", data={"current": PASSWORD, "password": "a brand new one",
                                                   "repeat": "a brand new one"})
    assert changed.status_code == 302
    assert lets_in(here) and not lets_in(elsewhere)
    assert signed_in_with(app, handler, "a brand new one")


def test_deactivating_an_account_ends_its_sessions_and_reactivating_does_not_revive_them(
        app, client, handler, admin):
    theirs = signed_in(app, client, handler)
    administrator = signed_in(app, client, admin)
    assert administrator.post(f"/admin/staff/{handler.id}/deactivate").status_code == 302
    assert not lets_in(theirs)
    assert administrator.post(f"/admin/staff/{handler.id}/reactivate").status_code == 302
    assert not lets_in(theirs)


def test_a_session_left_unused_for_the_idle_time_ends(app, client, clock, handler):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    browser = signed_in(app, client, handler)
    for _ in range(4):  # each visit starts the idle time again
        clock.advance(minutes=29)
        assert lets_in(browser)
    clock.advance(minutes=31)
    response = browser.get("/cases", follow_redirects=True)
    assert response.request.path == "/login"
    assert "You were logged out after 30 minutes without activity." in response.get_data(as_text=True)
    assert signed_in(app, client, handler) and lets_in(signed_in(app, client, handler))


def test_the_idle_time_is_a_setting(app, client, clock, handler):
    app.config["SESSION_IDLE_MINUTES"] = 5
    browser = signed_in(app, client, handler)
    clock.advance(minutes=6)
    assert not lets_in(browser)


def test_a_forged_or_old_style_session_id_is_a_visitor(app, client, handler):
    """Before session versions the cookie held the bare id: such a session has ended too."""
    for forged in (str(handler.id), f"{handler.id}:", f"{handler.id}:x", "²:1", f"{2**40}:1", "::"):
        browser = app.test_client()
        with browser.session_transaction() as cookie:
            cookie["_user_id"] = forged
        assert not lets_in(browser), forged
        with browser.session_transaction() as cookie:
            assert "_user_id" not in cookie  # dropped, not tried again on every request


def test_a_customers_language_choice_outlives_a_staff_logout_in_the_same_browser(app, client, clock, handler):
    client.get("/?lang=zh_Hans_CN")
    client.post("/login", data={"username": handler.username, "password": PASSWORD})
    client.post("/logout")
    clock.advance(days=3)
    assert 'lang="zh-Hans"' in client.get("/complain").get_data(as_text=True)


def test_a_customer_is_never_logged_out_for_being_idle(app, client, clock):
    client.get("/?lang=zh_Hans_CN")
    clock.advance(days=3)
    page = client.get("/complain").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "Please log in again" not in page and "请重新登录" not in page


@pytest.mark.parametrize("public_url, secure", [("https://feedback.example.com", True),
                                                ("http://127.0.0.1:5000", False)])
def test_the_session_cookie_is_secure_whenever_the_public_url_is_https(app, client, handler, public_url, secure):
    app.config["PUBLIC_URL"] = public_url
    response = client.post("/login", data={"username": handler.username, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert ("; Secure" in cookie) is secure
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    device = client.get("/complain?lang=en")  # a customer's cookies too
    assert all(("; Secure" in h) is secure for h in device.headers.getlist("Set-Cookie"))


def test_the_session_version_rises_with_each_ending(session, make):
    from routing.services import org

    member = make.staff("handler")
    versions = [member.session_version]
    org.end_sessions(member)
    versions.append(member.session_version)
    org.set_password(member, "another password")
    versions.append(member.session_version)
    org.deactivate_staff(session, member)
    versions.append(member.session_version)
    first = versions[0]
    assert versions == [first, first + 1, first + 2, first + 3]
    assert member.get_id() == f"{member.id}:{first + 3}"
