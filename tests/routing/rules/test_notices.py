"""The registry of notices: each text fills in from its own parameters, each
domestic template from its variables, no link in a variable, and the
templates without a link fit one message."""
import re

import pytest

from routing.labels import NOTICE_LABELS
from routing.rules.notices import (
    NOTICES,
    SAMPLES,
    UnknownNotice,
    checked_params,
    filled_template,
    sample_length,
    segments,
    sms_length,
    template_text,
    tencent_template_text,
    text_values,
)

URL = "https://feedback.example.com"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
VARIABLE = re.compile(r"\$\{(\w+)\}")


@pytest.mark.parametrize("key", NOTICES)
def test_a_text_uses_its_parameters_and_a_template_its_variables(key):
    item = NOTICES[key]
    derived = {"url"} if "token" in item.params else set()
    assert set(PLACEHOLDER.findall(item.text)) <= set(item.params) | derived
    assert set(VARIABLE.findall(item.template)) == set(item.template_params)
    assert set(item.template_params) <= set(item.params)  # the outbox keeps what the template needs
    assert item.text % text_values({name: SAMPLES[name] for name in item.params}, URL)


@pytest.mark.parametrize("key", NOTICES)
def test_a_link_is_fixed_text_and_only_the_token_is_a_variable(key):
    template = template_text(NOTICES[key], URL)
    assert "{public_url}" not in template
    if "token" in NOTICES[key].template_params:
        assert f"{URL}/track/${{token}}" in template


@pytest.mark.parametrize("key", [k for k, n in NOTICES.items() if "token" not in n.template_params])
def test_a_template_without_a_link_fits_one_message_with_the_signature(key):
    assert sample_length(NOTICES[key], URL, "浦发客服") <= 70


def test_tencent_numbers_the_variables_in_their_order():
    assert tencent_template_text(NOTICES["escalated"], URL) == "工单{1}已升级至您（{2}）：{3}时限已超{4}分钟。"


def test_the_customer_gets_the_template_filled_in():
    assert filled_template(NOTICES["case_received"], {"reference": "C-2026-000001", "token": "abc"}, URL + "/") == (
        "您的诉求已受理，工单号C-2026-000001，进度查询：https://feedback.example.com/track/abc")


def test_the_case_link_is_made_from_the_public_address():
    assert text_values({"reference": "C-1", "token": "abc"}, URL + "/")["url"] == URL + "/track/abc"


def test_length_counts_the_signature_and_segments_follow_the_carriers():
    assert sms_length("您好", "浦发") == 6  # 【浦发】您好
    assert segments("中" * 70) == 1 and segments("中" * 71) == 2 and segments("中" * 135) == 3
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2


def test_parameters_are_checked_and_kept_as_text():
    assert checked_params("sms_added", {"reference": "C-1", "extra": 1}) == {"reference": "C-1"}
    assert checked_params("low_ratings", {"unit": "A", "count": 3, "minutes": 60}) == {
        "unit": "A", "count": "3", "minutes": "60"}
    with pytest.raises(ValueError, match="lacks reference"):
        checked_params("sms_added", {})
    with pytest.raises(UnknownNotice):
        checked_params("no_such_notice", {})


def test_every_notice_has_a_name_for_the_notices_page():
    assert set(NOTICE_LABELS) == set(NOTICES)
