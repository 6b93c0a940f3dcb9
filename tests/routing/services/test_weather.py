"""004: weather that prevents outdoor work moves the deadline to the next day
with an apology to the customer, and the timeline says why; from the case
page and from the API."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from routing.models import CaseEvent, Deadline, OutboundMessage
from routing.services import lifecycle
from support.notices import text_of
from support.pages import follow, page_of

SH = ZoneInfo("Asia/Shanghai")
PHONE = "+8613812345678"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def due(case: dict, target: str) -> str:
    return next(d["due_at"] for d in case["deadlines"] if d["target"] == target)


def repair(make, session, bank, clock, locale="en"):
    """An urban repair reported Monday 2 November 10:00 (on site by 10:30, fixed the same day), claimed."""
    clock.set(sh(2026, 11, 2, 10))
    case = make.case(bank.outlet_a, kind="repair", locale=locale, contact_phone=PHONE)
    lifecycle.claim(session, case, bank.supervisor_a, clock.now())
    session.commit()
    return case


def test_weather_moves_the_outdoor_deadlines_to_the_next_day_with_an_apology(app, api_as, make, session, bank, clock):
    case = repair(make, session, bank, clock)
    api = api_as(bank.supervisor_a)
    clock.set(sh(2026, 11, 2, 10, 10))
    response = api.post(f"/cases/{case.reference}/weather", json={"reason": "Typhoon warning: no work on poles."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert due(body, "arrival") == z(sh(2026, 11, 3, 10, 30))
    assert due(body, "resolution") == z(sh(2026, 11, 4, 0, 0))  # the end of Tuesday instead of Monday
    event = next(e for e in body["events"] if e["kind"] == "weather")
    assert event["public"] and event["body"] == "Typhoon warning: no work on poles."
    apology = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id,
                                                            OutboundMessage.purpose == "apology")).one()
    assert apology.to == PHONE and apology.transport == "sms"
    assert text_of(app, apology) == (f"We are sorry: the weather prevents outdoor work on your case {case.reference} "
                            "today, so the work moves to tomorrow.")

    again = api.post(f"/cases/{case.reference}/weather", json={"reason": "Still raining."})
    assert again.status_code == 409 and "already recorded" in again.get_json()["detail"]
    clock.set(sh(2026, 11, 3, 9))  # the next day, the storm goes on
    body = api.post(f"/cases/{case.reference}/weather", json={"reason": "Still raining."}).get_json()
    assert due(body, "arrival") == z(sh(2026, 11, 4, 10, 30))


def test_a_late_target_stays_late_and_a_working_day_limit_moves_a_working_day(api_as, make, session, bank, clock):
    case = repair(make, session, bank, clock)
    api = api_as(bank.supervisor_a)
    clock.set(sh(2026, 11, 2, 11))  # the 10:30 arrival was missed already
    body = api.post(f"/cases/{case.reference}/weather", json={"reason": "Flooded road."}).get_json()
    assert due(body, "arrival") == z(sh(2026, 11, 2, 10, 30))
    assert due(body, "resolution") == z(sh(2026, 11, 4, 0, 0))

    clock.set(sh(2026, 11, 6, 10))  # a Friday: installation within 2 working days, due Tuesday
    installation = make.case(bank.outlet_a, kind="installation", contact_phone=PHONE)
    lifecycle.claim(session, installation, bank.supervisor_a, clock.now())
    session.commit()
    body = api.post(f"/cases/{installation.reference}/weather", json={"reason": "Snow."}).get_json()
    assert due(body, "resolution") == z(sh(2026, 11, 11, 10))  # Wednesday, the next working day


def test_weather_from_the_case_page_in_chinese(app, client, sign_in, make, session, bank, clock):
    case = repair(make, session, bank, clock, locale="zh_Hans_CN")
    sign_in(bank.supervisor_a)
    assert "Weather prevents outdoor work" in page_of(client.get(f"/cases/{case.reference}"))
    page = follow(client, client.post(f"/cases/{case.reference}/weather", data={"reason": "Thunderstorm"}))
    assert f"The outdoor deadlines of {case.reference} moved to the next day" in page
    assert "Moved to the next day:" in page and "Arrival on site now due 2026-11-03 10:30" in page
    session.expire_all()
    apology = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "apology")).one()
    assert text_of(app, apology) == f"非常抱歉：今天的天气无法进行户外作业，您的工单{case.reference}将顺延至明天处理。"
    arrival = session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.target == "arrival")).one()
    assert arrival.due_at == sh(2026, 11, 3, 10, 30)
    session.commit()
    refused = page_of(client.post(f"/cases/{case.reference}/weather?lang=zh_Hans_CN", data={"reason": ""}), 400)
    assert "什么天气导致无法作业？" in refused and 'id="weather-reason-error"' in refused
    tracking = page_of(client.get(f"/track/{case.tracking_token}?lang=zh_Hans_CN"))
    assert "因天气原因顺延：我们将于次日上门" in tracking and "Thunderstorm" in tracking
    assert session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()[-1] == "weather"


def test_a_handler_outside_the_case_may_not_record_weather(api_as, make, session, bank, clock):
    case = repair(make, session, bank, clock)
    response = api_as(bank.handler_b).post(f"/cases/{case.reference}/weather", json={"reason": "Rain"})
    assert response.status_code == 404


def test_weather_holds_up_outdoor_work_only(api_as, make, session, bank, clock):
    complaint = make.case(bank.outlet_a, kind="complaint", contact_phone=PHONE)
    lifecycle.claim(session, complaint, bank.supervisor_a, clock.now())
    session.commit()
    response = api_as(bank.supervisor_a).post(f"/cases/{complaint.reference}/weather", json={"reason": "Rain"})
    assert response.status_code == 409
    assert session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "apology")).all() == []
