"""Routing rules (category and unit -> queue) are the administrator's, by
page and by API: a rule added sends the new cases it covers to its queue, a
retired one no longer does."""
from __future__ import annotations

from routing.services.cases import NewCase, open_case
from support.pages import page_of


def _new_billing_case(session, bank, clock):
    case = open_case(session, NewCase(channel="web", description="Charged twice.", category="billing",
                                      unit_id=bank.outlet_a.id, contact_phone="+8613812345678"), clock.now())
    session.commit()
    return case


def test_an_administrator_adds_and_retires_a_rule_on_its_page(client, sign_in, session, bank, clock):
    sign_in(bank.admin)
    assert "No routing rules" in page_of(client.get("/admin/routing-rules"))
    response = client.post("/admin/routing-rules", data={"category": "billing", "from_unit": str(bank.branch.id),
                                                         "to_unit": str(bank.outlet_b.id), "priority": "0"})
    assert response.status_code == 303
    page = page_of(client.get("/admin/routing-rules"))
    assert "The routing rule was added" in page and "OB Outlet B" in page and "Billing" in page
    assert _new_billing_case(session, bank, clock).unit_id == bank.outlet_b.id
    rule_id = page.split('/admin/routing-rules/')[1].split("/")[0]
    assert client.post(f"/admin/routing-rules/{rule_id}/retire").status_code == 303
    assert "No routing rules" in page_of(client.get("/admin/routing-rules"))
    assert _new_billing_case(session, bank, clock).unit_id == bank.outlet_a.id


def test_a_rule_without_category_or_unit_is_refused_with_its_reason(client, sign_in, bank):
    sign_in(bank.admin)
    page = page_of(client.post("/admin/routing-rules", data={"to_unit": str(bank.outlet_b.id)}), 400)
    assert "A routing rule needs a category, a unit or both." in page
    assert "No routing rules" in page
    assert client.post("/admin/routing-rules/999/retire").status_code == 404


def test_only_administrators_edit_the_rules(client, sign_in, bank):
    sign_in(bank.manager_a)
    assert client.get("/admin/routing-rules").status_code == 403


def test_the_api_lists_adds_and_retires_rules(api_as, session, bank, clock):
    admin = api_as(bank.admin)
    added = admin.post("/routing-rules", json={"category": "billing", "from_unit": "BR1", "to_unit": "OB"})
    assert added.status_code == 201, added.get_json()
    rule = added.get_json()
    assert (rule["category"], rule["from_unit_id"], rule["to_unit_id"], rule["active"]) == (
        "billing", bank.branch.id, bank.outlet_b.id, True)
    assert [r["id"] for r in admin.get("/routing-rules").get_json()["items"]] == [rule["id"]]
    assert _new_billing_case(session, bank, clock).unit_id == bank.outlet_b.id
    retired = admin.post(f"/routing-rules/{rule['id']}/retire")
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    assert admin.get("/routing-rules").get_json()["items"] == []
    assert _new_billing_case(session, bank, clock).unit_id == bank.outlet_a.id


def test_the_api_refuses_a_rule_it_cannot_apply(api_as, bank):
    admin = api_as(bank.admin)
    broad = admin.post("/routing-rules", json={"to_unit": "OB"})
    assert broad.status_code == 422 and broad.get_json()["code"] == "rule_too_broad"
    unknown = admin.post("/routing-rules", json={"category": "billing", "to_unit": "NOPE"})
    assert unknown.status_code == 422 and "to_unit" in unknown.get_json()["errors"]
    assert admin.post("/routing-rules/999/retire").status_code == 404
    assert api_as(bank.manager_a).get("/routing-rules").status_code == 403
