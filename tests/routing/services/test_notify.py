"""A notice that goes to a member of staff by SMS or e-mail (an escalation,
an alert) reads in the app as it reads in the message, in every language."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from routing.models import OutboundMessage
from routing.rules.notices import NOTICES, STAFF
from routing.services.customer_messages import render
from routing.services.notify import notification_text

PARAMS = {"reference": "C-2026-000001", "level": "deputy_gm", "target": "arrival", "minutes": "12",
          "amount": "5,000.00", "count": "3", "unit": "Pudong Outlet", "label": "Counter 3"}
SENT_TO_STAFF = [key for key, item in NOTICES.items() if item.audience == STAFF]


@pytest.mark.parametrize("locale", ["en", "zh_Hans_CN"])
@pytest.mark.parametrize("kind", SENT_TO_STAFF)
def test_a_notice_sent_to_staff_reads_the_same_in_the_app(app, kind, locale):
    params = {name: PARAMS[name] for name in NOTICES[kind].params}
    message = OutboundMessage(transport="sms", notice=kind, params=params, locale=locale)
    with app.app_context(), force_locale(locale):
        assert notification_text(kind, params) == render(message, app.config["PUBLIC_URL"]).body


def test_a_level_and_a_time_limit_are_words_of_the_readers_language(app):
    params = {name: PARAMS[name] for name in NOTICES["escalated"].params}
    with app.app_context(), force_locale("zh_Hans_CN"):
        text = notification_text("escalated", params)
    assert "副总经理" in text and "到达现场" in text and "deputy_gm" not in text
