"""One-call service under concurrency (a double click, a flaky connection,
a hotline system retrying): 20 submissions at once from one phone give one
open case and 19 joins. The database holds the rule (a partial unique index
on the open case of a matter), not a read before the write: these are real
parallel HTTP requests to a served app (the API, SMS, the public form), on
SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from routing.models import Case, CaseEvent
from routing.vocabulary import OPEN_STATUSES
from support.api import token_for
from support.browser import live_server

PARALLEL = 20
PHONE = "+8613912345678"


class _Answer(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer (the form's 303 to its thanks page)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_Answer)


def _read(response) -> dict:
    body = response.read()
    return json.loads(body) if "json" in (response.headers.get("Content-Type") or "") else {}


def _at_once(requests: list) -> list[tuple[int, dict]]:
    """Send every request at the same moment (a barrier), each on its own thread."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        barrier.wait()
        try:
            with _opener.open(request, timeout=60) as response:
                return response.status, _read(response)
        except urllib.error.HTTPError as error:
            return error.code, _read(error)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def _open_cases(session, phone: str) -> list[Case]:
    session.expire_all()
    rows = list(session.scalars(select(Case).where(Case.contact_phone == phone, Case.status.in_(OPEN_STATUSES))))
    session.commit()
    return rows


def test_twenty_simultaneous_api_submissions_from_one_phone_open_one_case_and_join_nineteen(
        app, session, clock, bank):
    # A token each: one token's "last used" row would queue the requests behind each other.
    tokens = [token_for(session, clock, bank.supervisor_a) for _ in range(PARALLEL)]
    with live_server(app) as base_url:
        requests = [urllib.request.Request(
            f"{base_url}/api/v1/cases", method="POST",
            data=json.dumps({"channel": "phone", "description": f"Call {n}: charged twice.",
                             "contact_phone": "139 1234 5678", "unit": "OA"}).encode(),
            headers={"Authorization": f"Bearer {tokens[n]}", "Content-Type": "application/json"})
            for n in range(PARALLEL)]
        answers = _at_once(requests)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (PARALLEL - 1) + [201], answers
    assert sorted(body["joined"] for _, body in answers) == [False] + [True] * (PARALLEL - 1)
    [case] = _open_cases(session, PHONE)
    assert {body["reference"] for _, body in answers} == {case.reference}
    messages = session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message"))
    assert messages == PARALLEL - 1  # every call's words are on the one case


def test_twenty_simultaneous_public_submissions_without_proof_write_nothing_into_each_other(
        app, session, make):
    """The public form, without the SMS code: one case holds the matter, the
    other 19 are cases of their own linked to it, none written into it."""
    outlet = make.unit("OP", "Outlet P")
    app.config["WTF_CSRF_ENABLED"] = False
    form = {"kind": "complaint", "category": "attitude", "unit": str(outlet.id), "phone": "13912345678",
            "consent": "y"}
    with live_server(app) as base_url:
        requests = [urllib.request.Request(
            f"{base_url}/complain", method="POST",
            data=urllib.parse.urlencode({**form, "description": f"Message {n}"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}) for n in range(PARALLEL)]
        answers = _at_once(requests)
    assert all(status == 303 for status, _ in answers), answers
    cases = _open_cases(session, PHONE)
    holder = [case for case in cases if case.matter_key is not None]
    assert len(cases) == PARALLEL and len(holder) == 1
    assert all(case.same_customer_as_id == holder[0].id for case in cases if case is not holder[0])
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == holder[0].id, CaseEvent.kind == "customer_message")) == 0


def test_one_form_sent_twenty_times_at_once_opens_one_case(app, session, make):
    """A double click (or a flaky connection resending): the same showing of
    the form, sent 20 times at once, opens one case and shows it each time."""
    outlet = make.unit("OD", "Outlet D")
    app.config["WTF_CSRF_ENABLED"] = False
    form = {"kind": "complaint", "category": "attitude", "unit": str(outlet.id), "phone": "13912345678",
            "consent": "y", "description": "Clicked twice.", "submission": "s" * 32}
    with live_server(app) as base_url:
        answers = _at_once([urllib.request.Request(
            f"{base_url}/complain", method="POST", data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}) for _ in range(PARALLEL)])
    assert [status for status, _ in answers] == [303] * PARALLEL, answers
    [case] = _open_cases(session, PHONE)
    assert case.matter_key is not None and case.same_customer_as_id is None


def test_twenty_simultaneous_text_messages_from_one_phone_open_one_case(app, session):
    """SMS: the carrier vouches for the sender, so each message joins."""
    with live_server(app) as base_url:
        requests = []
        for n in range(PARALLEL):
            form = {"MessageSid": f"SM{n:04d}", "From": PHONE, "To": "+15005550006", "Body": f"Message {n}"}
            signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
                f"{base_url}/sms/inbound", form)
            requests.append(urllib.request.Request(
                f"{base_url}/sms/inbound", method="POST", data=urllib.parse.urlencode(form).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}))
        answers = _at_once(requests)
    assert [status for status, _ in answers] == [200] * PARALLEL, answers
    [case] = _open_cases(session, PHONE)
    assert case.channel == "sms"
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message")) == PARALLEL - 1
