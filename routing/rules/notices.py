"""The registry of notices: every message the platform sends a customer or
a member of staff, as a key and its parameters. Pure.

The outbox stores the key, the parameters and the recipient's language,
never rendered text. Each sender renders a notice its own way at send time:
the console, e-mail and Twilio translate `text` (an English msgid, shipped in
the catalogue like every other string) and fill it in; a domestic SMS
provider (Aliyun, Tencent Cloud), whose carriers take only approved
templates, sends the code of the template applied for with `template` (the
Chinese text below), the signature and `template_params`.

`template` keeps links out of variables (carriers refuse a link in a
variable): `{public_url}` is fixed text, the deployment's
FEEDBACK_PUBLIC_URL, written into the template when it is applied for;
`${name}` is a variable, Aliyun's notation (Tencent numbers them: {1}, {2},
in the order of `template_params`).

A free text (a reply, a resolution summary) goes over Twilio, the console
and e-mail as written; a domestic template cannot carry it (a carrier
approves fixed text only), so there the customer gets the link to the
case's page, where the text is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def N_(text: str) -> str:
    """Marks a msgid for extraction (pybabel's default keywords include
    N_); it is translated when rendered."""
    return text


# Where a case's private page lives: PUBLIC_URL + TRACK_PATH + token.
TRACK_PATH = "/track/"

CUSTOMER, STAFF = "customer", "staff"

# Domestic SMS: 70 characters in one message when any character is Chinese
# (the signature counts), 67 per part of a longer one.
SEGMENT, SEGMENT_PART = 70, 67
GSM_SEGMENT, GSM_SEGMENT_PART = 160, 153


@dataclass(frozen=True)
class Notice:
    key: str
    audience: str  # customer or staff
    text: str  # English msgid with %(name)s placeholders
    params: tuple[str, ...]  # what the outbox stores
    template: str  # the Chinese text applied for at a domestic provider
    template_params: tuple[str, ...]  # its variables, in Tencent's order
    subject: str | None = None  # the e-mail subject's msgid
    # Sent to a number that opted out: only the confirmation of the opt-out itself.
    to_opted_out: bool = False


CASE_SUBJECT = N_("Your case %(reference)s")
STAFF_SUBJECT = N_("Case %(reference)s")
TRACK_LINK = "{public_url}" + TRACK_PATH + "${token}"

NOTICES: dict[str, Notice] = {n.key: n for n in (
    # --- to customers -------------------------------------------------------
    Notice("survey", CUSTOMER,
           N_("Thank you for visiting %(unit)s. How satisfied were you? Reply 1 (very dissatisfied) "
              "to 5 (very satisfied). Reply STOP to opt out."),
           ("unit",), "感谢您光临${unit}！请回复1-5评价本次服务（5为非常满意），回复TD退订。", ("unit",)),
    Notice("case_received", CUSTOMER,
           N_("We have registered your case %(reference)s. Follow it here: %(url)s"),
           ("reference", "token"), "您的诉求已受理，工单号${reference}，进度查询：" + TRACK_LINK,
           ("reference", "token"), subject=CASE_SUBJECT),
    Notice("case_joined", CUSTOMER,
           N_("We added your message to your open case %(reference)s. Follow it here: %(url)s"),
           ("reference", "token"), "您的留言已并入工单${reference}，进度查询：" + TRACK_LINK,
           ("reference", "token"), subject=CASE_SUBJECT),
    Notice("reply", CUSTOMER, N_("About your case %(reference)s: %(message)s"),
           ("reference", "message", "token"), "您的工单${reference}有新的答复，请查看：" + TRACK_LINK,
           ("reference", "token"), subject=CASE_SUBJECT),
    Notice("weather_delay", CUSTOMER,
           N_("We are sorry: the weather prevents outdoor work on your case %(reference)s today, "
              "so the work moves to tomorrow."),
           ("reference",), "非常抱歉，今日天气无法户外作业，您的工单${reference}顺延至明天处理。",
           ("reference",), subject=CASE_SUBJECT),
    Notice("resolved", CUSTOMER,
           N_("Your case %(reference)s is resolved: %(summary)s We will call you to ask whether you are "
              "satisfied."),
           ("reference", "summary", "token"), "您的工单${reference}已办结，稍后将回访您。详情：" + TRACK_LINK,
           ("reference", "token"), subject=CASE_SUBJECT),
    Notice("appointment", CUSTOMER,
           N_("Your case %(reference)s: we will see you at %(time)s. To change it, reply to this message."),
           ("reference", "time"), "您的工单${reference}已预约于${time}办理，如需改期请回复本短信。",
           ("reference", "time"), subject=CASE_SUBJECT),
    Notice("transferred", CUSTOMER,
           N_("Your case %(reference)s has been passed to %(unit)s, which will handle it from now on."),
           ("reference", "unit"), "您的工单${reference}已转交${unit}办理。", ("reference", "unit"),
           subject=CASE_SUBJECT),
    # Answers to a customer's SMS (over Twilio they are the webhook's reply).
    Notice("rating_thanks", CUSTOMER, N_("Thank you for your rating."), (),
           "感谢您的评价！", ()),
    Notice("rating_sorry", CUSTOMER,
           N_("We are sorry that we let you down. Reply with what went wrong, and a member of staff "
              "will contact you."), (),
           "很抱歉未能让您满意，请回复具体问题，工作人员将与您联系。", ()),
    Notice("opted_out", CUSTOMER,
           N_("You will receive no more messages from us. Reply START to receive them again."), (),
           "退订成功，您将不再收到我们的短信。", (), to_opted_out=True),
    Notice("opted_in", CUSTOMER, N_("You will receive our messages again. Reply STOP to opt out."), (),
           "您已恢复接收我们的短信，回复TD退订。", ()),
    Notice("help", CUSTOMER,
           N_("This is our customer service line. Reply 1 to 5 to rate a service, or write your "
              "question or complaint and a member of staff will answer. Reply STOP to opt out."), (),
           "这里是客户服务短信：回复1-5评价服务，或直接回复您的问题或投诉，工作人员将答复您。回复TD退订。", ()),
    Notice("sms_added", CUSTOMER, N_("Thank you. We have added your message to case %(reference)s."),
           ("reference",), "您的短信已记入工单${reference}，谢谢！", ("reference",)),
    Notice("sms_registered", CUSTOMER,
           N_("Thank you. Your message is registered as case %(reference)s; a member of staff will "
              "contact you."),
           ("reference",), "您的短信已受理，工单号${reference}，工作人员将与您联系。", ("reference",)),
    Notice("join_code", CUSTOMER,
           N_("Your code to add a message to your open case: %(code)s. It is valid for %(minutes)s "
              "minutes. If you did not ask for it, ignore this message."),
           ("code", "minutes"), "您的验证码${code}，用于补充您的工单留言，${minutes}分钟内有效。如非本人操作请忽略。",
           ("code", "minutes")),
    # --- to staff (the in-app notices of routing.notify that also go out) -----
    Notice("escalated", STAFF,
           N_("Case %(reference)s was escalated to you as %(level)s: the %(target)s time limit "
              "was missed by %(minutes)s minutes."),
           ("reference", "level", "target", "minutes"),
           "工单${reference}已升级至您（${level}）：${target}时限已超${minutes}分钟。",
           ("reference", "level", "target", "minutes"), subject=STAFF_SUBJECT),
    Notice("escalated_major", STAFF,
           N_("Case %(reference)s is a major complaint and was escalated to you at once."),
           ("reference",), "工单${reference}为重大投诉，已即时升级至您，请尽快处理。", ("reference",),
           subject=STAFF_SUBJECT),
    Notice("escalated_amount", STAFF,
           N_("Case %(reference)s claims %(amount)s and was escalated to you at once: "
              "a claim of this amount needs your approval."),
           ("reference", "amount"), "工单${reference}索赔${amount}元，已即时升级至您审批。",
           ("reference", "amount"), subject=STAFF_SUBJECT),
    Notice("low_ratings", STAFF,
           N_("%(count)s low ratings at %(unit)s within %(minutes)s minutes: please look into it."),
           ("unit", "count", "minutes"), "${unit}在${minutes}分钟内收到${count}条低分评价，请及时查看处理。",
           ("unit", "count", "minutes")),
    Notice("device_silent", STAFF,
           N_("The counter evaluator %(label)s at %(unit)s has been silent for %(minutes)s minutes of working "
              "time: please check that it is on and online."),
           ("label", "unit", "minutes"), "${unit}的评价器${label}已${minutes}分钟无响应，请检查设备电源和网络。",
           ("label", "unit", "minutes")),
)}

# The longest value each parameter usually takes, for the lengths shown to
# whoever applies for the templates.
SAMPLES = {
    "unit": "浦东新区陆家嘴营业部", "reference": "C-2026-000001", "token": "x" * 32,
    "message": "", "summary": "", "level": "副总经理", "target": "办结", "minutes": "120",
    "amount": "50,000.00", "count": "3", "time": "2026-11-03 10:30", "code": "123456", "label": "3号窗口",
}

_VARIABLE = re.compile(r"\$\{(\w+)\}")


class UnknownNotice(KeyError):
    pass


def notice(key: str) -> Notice:
    try:
        return NOTICES[key]
    except KeyError:
        raise UnknownNotice(key) from None


def checked_params(key: str, params: dict | None) -> dict[str, str]:
    """The parameters a notice needs, as text; raises UnknownNotice, or
    ValueError naming what is missing (a programming error: caught in tests)."""
    wanted = notice(key).params
    params = dict(params or {})
    missing = [name for name in wanted if params.get(name) is None]
    if missing:
        raise ValueError(f"notice {key} lacks {', '.join(missing)}")
    return {name: str(params[name]) for name in wanted}


def track_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + TRACK_PATH + token


def text_values(params: dict[str, str], public_url: str) -> dict[str, str]:
    """What the translated text is filled with: the parameters and, for a
    case's link, its URL under the public address."""
    values = dict(params)
    if "token" in values:
        values["url"] = track_url(public_url, values["token"])
    return values


def template_text(item: Notice, public_url: str) -> str:
    """The text to apply for, with the public address written in."""
    return item.template.replace("{public_url}", public_url.rstrip("/"))


def tencent_template_text(item: Notice, public_url: str) -> str:
    """Tencent numbers the variables: {1}, {2}... in `template_params` order."""
    order = {name: i + 1 for i, name in enumerate(item.template_params)}
    return _VARIABLE.sub(lambda m: f"{{{order[m.group(1)]}}}", template_text(item, public_url))


def filled_template(item: Notice, params: dict[str, str], public_url: str) -> str:
    """The text the customer receives from a domestic provider (without the signature)."""
    return _VARIABLE.sub(lambda m: params.get(m.group(1), ""), template_text(item, public_url))


def sms_length(text: str, signature: str = "") -> int:
    """Characters a carrier counts: the text and the 【signature】."""
    return len(text) + (len(signature) + 2 if signature else 0)


def segments(text: str) -> int:
    """How many messages a carrier bills: 70 characters in one when any is
    not plain ASCII (UCS-2), 160 otherwise (close enough to GSM 7-bit)."""
    wide = any(ord(ch) > 0x7F for ch in text)
    single, part = (SEGMENT, SEGMENT_PART) if wide else (GSM_SEGMENT, GSM_SEGMENT_PART)
    length = len(text)
    return 1 if length <= single else -(-length // part)


def sample_length(item: Notice, public_url: str, signature: str = "") -> int:
    """A template's length as a customer sees it, with usual values."""
    return sms_length(filled_template(item, SAMPLES, public_url), signature)
