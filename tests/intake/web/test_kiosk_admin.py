"""An admin switches a touchpoint to kiosk mode and back: the page shows its
kiosk link while it is on; a new link or switching off retires the old one."""
from __future__ import annotations

import re


def signed_in_admin(app, session, bank):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    session.commit()
    with browser.session_transaction() as browser_session:
        browser_session["_user_id"] = bank.admin.get_id()
        browser_session["_fresh"] = True
        browser_session["lang"] = "en"
    return browser


def kiosk_links(page: str) -> list[str]:
    return re.findall(r'href="https://feedback\.example\.com(/kiosk/[^"]+)"', page)


def test_an_admin_switches_a_touchpoint_to_kiosk_mode_and_back(app, make, session, bank):
    touchpoint = make.touchpoint(bank.counter_a, bank.handler_a)
    admin = signed_in_admin(app, session, bank)
    page = admin.get("/admin/touchpoints").get_data(as_text=True)
    assert "Use as counter evaluator" in page and kiosk_links(page) == []

    assert admin.post(f"/admin/touchpoints/{touchpoint.id}/kiosk").status_code == 302
    page = admin.get("/admin/touchpoints").get_data(as_text=True)
    [first] = kiosk_links(page)
    assert "not heard from yet" in page
    assert admin.get(first).status_code == 200

    admin.post(f"/admin/touchpoints/{touchpoint.id}/kiosk")  # a new link: the lost tablet's stops working
    [second] = kiosk_links(admin.get("/admin/touchpoints").get_data(as_text=True))
    assert second != first
    assert (admin.get(first).status_code, admin.get(second).status_code) == (404, 200)

    admin.post(f"/admin/touchpoints/{touchpoint.id}/kiosk/off")
    assert kiosk_links(admin.get("/admin/touchpoints").get_data(as_text=True)) == []
    assert admin.get(second).status_code == 404


def test_a_revoked_touchpoint_cannot_become_a_kiosk(app, make, session, bank):
    touchpoint = make.touchpoint(bank.counter_a)
    admin = signed_in_admin(app, session, bank)
    admin.post(f"/admin/touchpoints/{touchpoint.id}/revoke")
    response = admin.post(f"/admin/touchpoints/{touchpoint.id}/kiosk", follow_redirects=True)
    assert "This touchpoint has been revoked; create a new one instead." in response.get_data(as_text=True)
    assert kiosk_links(response.get_data(as_text=True)) == []
