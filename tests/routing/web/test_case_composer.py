"""The case page's composer: one box with a clear "reply to the customer /
internal note" switch, a note styled apart; no two fields share an id; after
a refused action the error stands at the top of the page, marked for the
focus (static/focus.js), with no inline script."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from routing.models import Case, CaseEvent, OutboundMessage
from support.notices import text_of
from support.pages import follow, page_of

PHONE = "+8613812345678"


def claimed(client, sign_in, make, bank):
    case = make.case(bank.counter_a, kind="repair", category="fault", locale="en", contact_phone=PHONE,
                     description="No power since noon")
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    return case


def events(session, case):
    found = [(e.kind, e.public, e.body) for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    session.commit()
    return found


def test_the_switch_sends_a_reply_to_the_customer_or_keeps_a_note_internal(app, client, sign_in, make, bank,
                                                                           session):
    case = claimed(client, sign_in, make, bank)
    page = follow(client, client.post(f"/cases/{case.reference}/compose",
                                      data={"audience": "customer", "body": "An engineer is on his way."}))
    assert "Your reply is on its way to the customer." in page
    page = follow(client, client.post(f"/cases/{case.reference}/compose",
                                      data={"audience": "internal", "body": "Customer sounded elderly."}))
    assert "Your note was added to the timeline." in page
    assert ("reply", True, "An engineer is on his way.") in events(session, case)
    assert ("note", False, "Customer sounded elderly.") in events(session, case)
    [reply] = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "reply")).all()
    assert "engineer" in text_of(app, reply) and "elderly" not in text_of(app, reply)


def test_one_composer_with_both_choices_and_the_note_styled_apart(client, sign_in, make, bank):
    case = claimed(client, sign_in, make, bank)
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert page.count('class="card composer"') == 1
    assert 'value="customer"' in page and 'value="internal"' in page
    assert "Reply to the customer" in page and "Internal note" in page
    with client.get("/static/routing.css") as response:
        css = response.get_data(as_text=True)
    assert '.composer:has(input[value="internal"]:checked)' in css


def test_who_may_not_reply_gets_the_note_alone_and_a_forced_reply_is_refused(client, sign_in, make, bank, session):
    case = make.case(bank.counter_a, locale="en", contact_phone=PHONE)
    sign_in(bank.handler_a)  # in sight, not its owner: notes only
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert 'value="internal"' in page and 'value="customer"' not in page
    response = client.post(f"/cases/{case.reference}/compose", data={"audience": "customer", "body": "Hello"})
    page = follow(client, response)
    assert re.search(r'<p class="flash flash-error" role="alert" tabindex="-1" data-focus-on-load>', page)
    assert not any(kind == "reply" for kind, _public, _body in events(session, case))


def test_no_two_fields_share_an_id(client, sign_in, make, bank):
    case = claimed(client, sign_in, make, bank)
    client.post(f"/cases/{case.reference}/start")
    sign_in(bank.supervisor_a)  # the boss sees the most forms at once
    page = page_of(client.get(f"/cases/{case.reference}"))
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, n in ids.items() if n > 1] == []
    assert {"compose-body", "transfer-reason", "appointment-at", "resolve-summary"} <= set(ids)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert target in ids, target


def test_a_refused_form_shows_what_went_wrong_at_the_top_marked_for_the_focus(client, sign_in, make, bank):
    case = claimed(client, sign_in, make, bank)
    page = page_of(client.post(f"/cases/{case.reference}/compose", data={"audience": "customer", "body": ""}), 400)
    summary = page.index('class="error-summary"')
    assert summary < page.index('class="case-head"')
    assert re.search(r'class="error-summary" role="alert" tabindex="-1" data-focus-on-load', page)
    assert '<a href="#compose-body">Message: ' in page and 'id="compose-body-error"' in page
    assert '<script src="/static/focus.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script


def test_a_closed_case_takes_notes_only(client, sign_in, make, bank, session):
    case = claimed(client, sign_in, make, bank)
    client.post(f"/cases/{case.reference}/start")
    client.post(f"/cases/{case.reference}/resolve", data={"summary": "Fuse replaced."})
    client.post(f"/cases/{case.reference}/close")
    session.expire_all()
    assert session.get(Case, case.id).status == "closed"
    session.commit()
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert 'value="internal"' in page and 'value="customer"' not in page
