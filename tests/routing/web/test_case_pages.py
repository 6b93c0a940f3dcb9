"""The handler pages: queues sorted by the next deadline with a countdown, the
case page with its timeline and the steps a person may take, the escalation
inbox, and the administration of policies and calendars. What someone sees
and may do follows their role and their place in the unit tree."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from routing.models import Case, Deadline, Escalation, Notification, OutboundMessage, Policy, Staff, WorkCalendar
from support.notices import text_of
from support.pages import follow, page_of

PHONE = "+8613812345678"


def complaint(make, unit, **fields):
    fields.setdefault("contact_phone", PHONE)
    return make.case(unit, kind="complaint", category="attitude", locale="en", **fields)


def reload(session, case) -> Case:
    """The case as stored now. The read transaction is ended at once: on
    SQLite every transaction takes the write lock, so an open one would
    block the app's next request."""
    session.expire_all()
    fresh = session.get(Case, case.id)
    session.commit()
    return fresh


# --- queues -----------------------------------------------------------------------

def test_the_unit_queue_is_sorted_by_the_next_deadline_with_a_countdown(client, sign_in, make, bank, clock):
    later = complaint(make, bank.counter_a, description="Rude teller")  # first response in 24 h
    sooner = make.case(bank.counter_a, kind="repair", category="fault", description="No power")  # on site in 30 min
    sign_in(bank.handler_a)
    page = page_of(client.get("/cases?tab=unit&lang=en"))
    assert page.index(sooner.reference) < page.index(later.reference)
    assert "in 30 min" in page and "in 1 day" in page
    assert "2026-11-02 09:30" in page  # the due time in Shanghai time, not UTC


def test_near_and_overdue_cases_are_coloured_and_say_so_in_words(client, sign_in, make, bank, clock):
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    sign_in(bank.handler_a)
    clock.advance(minutes=25)  # 5 minutes left: red, under an hour
    page = page_of(client.get("/cases?tab=unit&lang=en"))
    assert re.search(r'class="badge urgent"[^>]*>in 5 min<', page)
    assert "Due within the hour" in page
    clock.advance(minutes=40)
    sign_in(bank.handler_a)  # after 40 idle minutes the session has ended
    page = page_of(client.get("/cases?tab=overdue&lang=en"))
    assert repair.reference in page
    assert re.search(r'class="badge over"[^>]*>overdue by 35 min<', page)


def test_the_countdown_speaks_chinese_on_the_chinese_page(client, sign_in, make, bank):
    make.case(bank.counter_a, kind="repair", category="fault", description="停电了")
    sign_in(bank.handler_a)
    page = page_of(client.get("/cases?tab=unit&lang=zh_Hans_CN"))
    assert "30分钟" in page


def test_mine_and_first_received_follow_the_case_after_a_transfer(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    assert case.reference in page_of(client.get("/cases?tab=mine"))
    colleague = make.staff("handler", unit=bank.counter_a, username="teller-a2")
    response = client.post(f"/cases/{case.reference}/transfer",
                           data={"to_staff": colleague.id, "to_unit": "", "reason": "She handled his account."})
    assert "was transferred" in follow(client, response)
    assert case.reference not in page_of(client.get("/cases?tab=mine"))
    assert case.reference in page_of(client.get("/cases?tab=first_received"))
    assert reload(session, case).owner_id == colleague.id


def test_filters_narrow_the_queue_and_a_reference_finds_its_case(client, sign_in, make, bank):
    rude = complaint(make, bank.counter_a, description="Rude teller")
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    sign_in(bank.supervisor_a)
    page = page_of(client.get("/cases?tab=unit&kind=repair"))
    assert repair.reference in page and rude.reference not in page
    page = page_of(client.get(f"/cases?tab=unit&q={rude.reference.lower()}"))
    assert rude.reference in page and repair.reference not in page
    page = page_of(client.get("/cases?tab=unit&q=138 1234-5678"))  # the phone number as people type it
    assert rude.reference in page and repair.reference not in page
    assert "Clear filters" in page


def test_a_handler_sees_their_units_queue_and_a_supervisor_the_subtree(client, sign_in, make, bank):
    at_counter = complaint(make, bank.counter_a)
    at_other_outlet = complaint(make, bank.counter_b)
    sign_in(bank.handler_a)
    page = page_of(client.get("/cases?tab=unit"))
    assert at_counter.reference in page and at_other_outlet.reference not in page
    page_of(client.get(f"/cases/{at_other_outlet.reference}"), 403)


def test_the_queue_is_usable_by_keyboard_and_screen_reader(client, sign_in, make, bank):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    page = page_of(client.get("/cases?tab=unit&lang=en"))
    assert '<a class="skip-link" href="#case-list">' in page and 'id="case-list"' in page
    assert page.count('<th scope="col">') == 8
    assert f'<a href="/cases/{case.reference}">{case.reference}</a>' in page
    assert 'aria-current="page">My unit' in page
    assert "<caption" in page


def test_an_administrator_lands_on_administration(client, sign_in, bank):
    sign_in(bank.admin)
    assert client.get("/staff").headers["Location"].endswith("/admin/")


def test_staff_must_log_in_and_admins_alone_manage_policies(client, sign_in, bank):
    assert client.get("/cases").status_code == 302
    sign_in(bank.handler_a)
    assert client.get("/admin/policies").status_code == 403


# --- the case page ----------------------------------------------------------------------

def test_the_case_page_shows_summary_deadlines_timeline_and_a_masked_phone(client, sign_in, make, bank):
    case = complaint(make, bank.counter_a, contact_name="Wang Fang", description="The teller shouted at me.")
    sign_in(bank.handler_a)
    page = page_of(client.get(f"/cases/{case.reference}?lang=en"))
    assert "Wang Fang" in page and "The teller shouted at me." in page
    assert "+86 138****5678" in page and PHONE not in page  # a handler who does not own it
    assert "First response" in page and "2026-11-03 09:00" in page  # 24 h in Shanghai time
    assert "Case opened" in page and "Customer sees this" in page
    assert "Claim this case" in page
    assert "Resolve the case" not in page and 'value="customer"' not in page  # not theirs yet: notes only


def test_the_supervisor_sees_the_phone_number(client, sign_in, make, bank):
    case = complaint(make, bank.counter_a)
    sign_in(bank.supervisor_a)
    page = page_of(client.get(f"/cases/{case.reference}"))
    assert f'href="tel:{PHONE}"' in page


def test_an_unknown_reference_is_a_404_page(client, sign_in, bank):
    sign_in(bank.handler_a)
    assert "There is no case with the reference C-2026-999999" in page_of(client.get("/cases/C-2026-999999"), 404)


def test_a_handler_claims_replies_notes_and_resolves(app, client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    page = follow(client, client.post(f"/cases/{case.reference}/claim"))
    assert "you are its owner now" in page and f'href="tel:{PHONE}"' in page
    page = follow(client, client.post(f"/cases/{case.reference}/reply",
                                      data={"body": "We are sorry; we will call you."}))
    assert "Your reply is on its way" in page
    follow(client, client.post(f"/cases/{case.reference}/note", data={"body": "Customer is a VIP."}))
    page = follow(client, client.post(f"/cases/{case.reference}/resolve",
                                      data={"summary": "The teller apologised in person."}))
    assert "the customer will be called back" in page
    case = reload(session, case)
    assert (case.status, case.owner_id, case.first_responder_id) == ("resolved", bank.handler_a.id, bank.handler_a.id)
    kinds = [(e.kind, e.public, e.staff_id) for e in case.events]
    assert ("reply", True, bank.handler_a.id) in kinds and ("note", False, bank.handler_a.id) in kinds
    reply = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "reply")).one()
    assert (reply.to, reply.transport) == (PHONE, "sms") and "We are sorry" in text_of(app, reply)
    assert re.search(r'class="internal">.*?Internal note', page, re.S)  # internal entries are marked


def test_a_refused_step_is_a_flash_message_never_a_500(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    page = follow(client, client.post(f"/cases/{case.reference}/close"))
    assert "You cannot do this with" in page and "it is New" in page
    assert reload(session, case).status == "new"
    page_of(client.post(f"/cases/{case.reference}/fly"), 404)


def test_a_step_the_service_refuses_is_shown_as_its_message(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    client.post(f"/cases/{case.reference}/start")
    past = (datetime(2026, 11, 1, 10, 0)).strftime("%Y-%m-%dT%H:%M")
    page = follow(client, client.post(f"/cases/{case.reference}/appointment", data={"at": past}))
    assert "The appointment must be in the future." in page
    assert reload(session, case).appointment_at is None


def test_a_form_error_is_shown_next_to_its_field(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    page = page_of(client.post(f"/cases/{case.reference}/transfer",
                               data={"to_staff": "", "to_unit": str(bank.counter_b.id), "reason": ""}), 400)
    assert 'id="transfer-reason-error"' in page
    page = page_of(client.post(f"/cases/{case.reference}/transfer",
                               data={"to_staff": "", "to_unit": "", "reason": "Not ours."}), 400)
    assert "Choose either a colleague or a unit." in page
    assert reload(session, case).owner_id == bank.handler_a.id


def test_a_transfer_to_another_units_queue_puts_it_there(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    follow(client, client.post(f"/cases/{case.reference}/transfer",
                               data={"to_staff": "", "to_unit": str(bank.counter_b.id), "reason": "Their customer."}))
    case = reload(session, case)
    assert (case.unit_id, case.owner_id, case.status, case.first_responder_id) == (
        bank.counter_b.id, None, "new", bank.handler_a.id)
    assert session.scalar(select(func.count(Notification.id)).where(Notification.kind == "transferred")) == 0  # by them


def test_an_appointment_is_read_in_the_organisations_time_zone(client, sign_in, make, bank, session):
    case = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    follow(client, client.post(f"/cases/{case.reference}/appointment",
                               data={"at": "2026-11-02T14:00", "note": "Customer is at work until 2 pm."}))
    case = reload(session, case)
    assert case.appointment_at == datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)  # 14:00 in Shanghai
    arrival = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.target == "arrival")).one()
    assert arrival.due_at == case.appointment_at
    # The form names the zone as people do, not by its IANA name.
    assert "Local time (China Time)" in page_of(client.get(f"/cases/{case.reference}?lang=en"))
    page = page_of(client.get(f"/cases/{case.reference}?lang=zh_Hans_CN"))
    assert "中国时间" in page and "Asia/Shanghai" not in page


def test_wait_resume_and_arrival(client, sign_in, make, bank, session):
    case = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    page = follow(client, client.post(f"/cases/{case.reference}/wait", data={"reason": "The customer is away."}))
    assert reload(session, case).status == "waiting" and "Resume work" in page
    page = follow(client, client.post(f"/cases/{case.reference}/resume"))
    assert reload(session, case).status == "in_progress"
    follow(client, client.post(f"/cases/{case.reference}/arrival"))
    arrival = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.target == "arrival")).one()
    assert arrival.met_at is not None


def test_reopening_leads_to_the_new_linked_case_and_closing_ends_it(client, sign_in, make, bank, session):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    client.post(f"/cases/{case.reference}/claim")
    client.post(f"/cases/{case.reference}/resolve", data={"summary": "Apologised."})
    response = client.post(f"/cases/{case.reference}/reopen", data={"reason": "The customer wants a refund."})
    new = session.scalars(select(Case).where(Case.reopened_from_id == case.id)).one()
    session.commit()
    assert response.headers["Location"].endswith(f"/cases/{new.reference}")
    page = follow(client, response)
    assert f"A new case {new.reference} was opened" in page and case.reference in page  # "reopened from"
    assert f"/cases/{new.reference}" in page_of(client.get(f"/cases/{case.reference}"))  # "reopened as"


def test_the_case_page_works_in_chinese(client, sign_in, make, bank):
    case = complaint(make, bank.counter_a)
    sign_in(bank.handler_a)
    page = page_of(client.get(f"/cases/{case.reference}?lang=zh_Hans_CN"))
    assert case.reference in page and '<html lang="zh-Hans">' in page
    # Words with two meanings in English take the right one in Chinese.
    assert "<dt>姓名</dt>" in page and "<dt>受理时间</dt>" in page and '<span class="badge">新建</span>' in page


# --- escalation inbox and notifications ---------------------------------------------------

def test_the_escalation_inbox_lists_cases_escalated_to_me_with_minutes_late(app, client, sign_in, make, bank, clock,
                                                                              session):
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    clock.advance(minutes=45)  # 15 minutes past the 30-minute arrival limit
    app.extensions["tick_jobs"]["escalations"](session, clock.now())
    session.commit()
    step = session.scalars(select(Escalation).where(Escalation.case_id == repair.id)).first()
    assert step is not None, "the tick escalated nothing"
    boss = session.get(Staff, step.to_staff_id)
    session.commit()
    sign_in(boss)
    page = page_of(client.get("/escalations?lang=en"))
    assert repair.reference in page and "Arrival on site" in page and ">15<" in page
    assert "was escalated to you" in page  # the notification, in the reader's language
    follow_page = client.post("/notifications/read")
    assert follow_page.status_code == 303
    assert session.scalar(select(func.count(Notification.id)).where(
        Notification.staff_id == step.to_staff_id, Notification.read_at.is_(None))) == 0


def test_the_timeline_says_how_late_an_escalation_was(app, client, sign_in, make, bank, clock, session):
    repair = make.case(bank.counter_a, kind="repair", category="fault", description="No power")
    clock.advance(minutes=45)
    app.extensions["tick_jobs"]["escalations"](session, clock.now())
    session.commit()
    sign_in(bank.supervisor_a)
    page = page_of(client.get(f"/cases/{repair.reference}?lang=en"))
    assert "Arrival on site: the time limit was missed by 15 minutes" in page


@pytest.mark.parametrize("lang, said", [("en", "Escalated at once to: Deputy general manager."),
                                        ("zh_Hans_CN", "已立即升级至：副总经理。")])
def test_the_timeline_says_a_major_complaint_went_up_at_once_in_words(client, sign_in, make, bank, session,
                                                                        lang, said):
    major = make.case(bank.counter_a, severity="major", description="Reported to the newspaper")
    session.commit()
    sign_in(bank.supervisor_a)
    page = page_of(client.get(f"/cases/{major.reference}?lang={lang}"))
    assert said in page and "immediate" not in page


# --- administration of time limits ----------------------------------------------------------

@pytest.fixture
def admin(sign_in, bank):
    return sign_in(bank.admin)


def test_an_admin_shortens_a_policy_and_open_cases_get_the_new_deadline(client, admin, make, bank, session):
    case = complaint(make, bank.counter_a)
    page = page_of(client.get("/admin/policies?lang=en"))
    assert "complaint" in page and "First response" in page
    page = page_of(client.get("/admin/policies?lang=zh_Hans_CN"))
    assert "城区报修" in page and "repair-urban<" not in page  # presets in words
    assert "：" in page and "办结: " not in page  # Chinese punctuation between a target and its limit
    form = page_of(client.get("/admin/policies/complaint"))
    assert 'value="24"' in form
    response = client.post("/admin/policies/complaint", data={
        "name": "complaint", "kind": "complaint", "category": "", "severity": "", "area": "", "channel": "",
        "priority": "0", "calendar": "cn-business", "warn_percent": "75", "escalation_delay": "1440", "active": "y",
        "first_response-amount": "12", "first_response-unit": "hours", "first_response-basis": "",
        "first_response-pauses": "y",
        "resolution-amount": "3", "resolution-unit": "working_days", "resolution-basis": "", "resolution-pauses": "y",
    })
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    session.expire_all()
    first = session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                   Deadline.target == "first_response")).one()
    assert first.due_at == datetime(2026, 11, 2, 13, 0, tzinfo=timezone.utc)  # 12 h after 09:00 Shanghai
    stored = session.scalars(select(Policy).where(Policy.name == "complaint")).one()
    assert stored.data["limits"]["first_response"]["amount"] == 12


def test_a_bad_policy_is_an_error_on_the_form(client, admin):
    page = page_of(client.post("/admin/policies/new", data={
        "name": "bad one!", "priority": "0", "calendar": "business", "warn_percent": "150",
        "escalation_delay": "0"}), 400)
    assert "Use letters, digits" in page and page.count('class="error"') >= 3


def test_a_new_policy_or_calendar_under_a_taken_name_replaces_nothing(client, admin, session):
    client.get("/admin/calendars")  # the presets are seeded
    before = session.scalars(select(WorkCalendar.data).where(WorkCalendar.name == "business")).one()
    page = page_of(client.post("/admin/calendars/new?lang=en", data={
        "name": "business", "tz": "Asia/Shanghai", "mon": "10:00-11:00"}), 400)
    assert 'id="name-error">A calendar with this name exists already.' in page
    page = page_of(client.post("/admin/policies/new?lang=zh_Hans_CN", data={
        "name": "complaint", "kind": "complaint", "priority": "0", "calendar": "24x7", "warn_percent": "75",
        "escalation_delay": "60", "first_response-amount": "1", "first_response-unit": "hours"}), 400)
    assert 'id="name-error">已有同名规则。' in page
    session.expire_all()
    assert session.scalars(select(WorkCalendar.data).where(WorkCalendar.name == "business")).one() == before
    assert session.scalars(select(Policy.data).where(Policy.name == "complaint")).one()["calendar"] == "cn-business"


def test_an_admin_adds_a_holiday_with_a_part_day_to_a_calendar(client, admin, session):
    page = page_of(client.get("/admin/calendars/business"))
    assert "09:00-12:00, 13:30-17:30" in page
    data = {"name": "business", "tz": "Asia/Shanghai",
            **{day: "09:00-12:00, 13:30-17:30" for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": "", "sun": "", "holidays": "2026-12-25\n2026-12-24 13:30-17:30",
            "workdays": "2026-12-27 09:00-12:00"}
    response = client.post("/admin/calendars/business", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    stored = session.scalars(select(WorkCalendar).where(WorkCalendar.name == "business")).one()
    assert stored.data["holidays"] == {"2026-12-24": [["13:30", "17:30"]], "2026-12-25": []}
    assert stored.data["workdays"] == {"2026-12-27": [["09:00", "12:00"]]}
    session.commit()
    bad = page_of(client.post("/admin/calendars/business", data={**data, "mon": "nine to five",
                                                                  "workdays": "2026-12-27"}), 400)
    assert 'id="mon-error">Write the hours as 09:00-12:00' in bad
    assert 'id="workdays-error">This line is not understood: 2026-12-27' in bad


def test_an_admin_switches_on_a_special_period_in_which_urban_repairs_have_no_cut_off(client, admin, make, bank,
                                                                                      session, clock):
    assert 'value="21:00"' in page_of(client.get("/admin/policies/repair-urban"))
    data = {"name": "repair-urban", "kind": "repair", "category": "", "severity": "", "area": "urban", "channel": "",
            "priority": "0", "calendar": "hotline", "warn_percent": "75", "escalation_delay": "30", "active": "y",
            "cutoff": "21:00", "special_cutoff": "24:00", "special_periods": "2026-11-02 2026-11-08",
            "arrival-amount": "30", "arrival-unit": "minutes", "arrival-basis": "", "arrival-pauses": "y",
            "resolution-unit": "same_day", "resolution-basis": "", "resolution-pauses": "y"}
    backwards = {**data, "special_periods": "2026-11-08 2026-11-02"}
    bad = page_of(client.post("/admin/policies/repair-urban", data=backwards), 400)
    assert 'id="special_periods-error">This line is not understood: 2026-11-08 2026-11-02' in bad
    assert client.post("/admin/policies/repair-urban", data=data).status_code == 303
    stored = session.scalars(select(Policy.data).where(Policy.name == "repair-urban")).one()
    assert (stored["cutoff"], stored["special_cutoff"], stored["special_periods"]) == (
        "21:00", None, [["2026-11-02", "2026-11-08"]])
    session.commit()
    clock.set(datetime(2026, 11, 2, 15, 30, tzinfo=timezone.utc))  # 23:30 in Shanghai, inside the period
    inside = make.case(bank.outlet_a, kind="repair")
    clock.set(datetime(2026, 11, 9, 13, 30, tzinfo=timezone.utc))  # 21:30 on the day after it
    after = make.case(bank.outlet_a, kind="repair")
    arrival = dict(session.execute(select(Deadline.case_id, Deadline.due_at).where(Deadline.target == "arrival")).all())
    assert arrival[inside.id] == datetime(2026, 11, 2, 16, 0, tzinfo=timezone.utc)   # 24:00, at once
    assert arrival[after.id] == datetime(2026, 11, 10, 0, 30, tzinfo=timezone.utc)   # 08:30 the next morning
