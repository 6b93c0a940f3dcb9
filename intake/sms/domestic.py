"""The domestic SMS providers' edge: Aliyun SMS (dysmsapi 2017-05-25) and
Tencent Cloud SMS (2021-01-11) through their own SDKs.

Mainland carriers take only templates approved for the account, with its
【signature】: a notice goes out as its template's code and variables
(routing.rules.notices), never as free text. Neither send call is
idempotent, so the outbox's rule stands (routing.delivery): a message is sent
again only when the provider said it did not accept it. A send whose answer
was lost is in doubt: Aliyun can be asked (QuerySendDetails, matched on the
OutId we give each message); Tencent Cloud offers no lookup of what one
request made, so such a message is sent again and marked as possibly doubled.

Tests and staging point the SDKs at another endpoint (FEEDBACK_ALIYUN_SMS_ENDPOINT,
FEEDBACK_TENCENT_SMS_ENDPOINT, with an http:// scheme for a local fake).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
from alibabacloud_dysmsapi20170525 import models as aliyun_models
from alibabacloud_dysmsapi20170525.client import Client as AliyunClient
from alibabacloud_tea_openapi import models as open_api_models
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as tencent_models
from tencentcloud.sms.v20210111.sms_client import SmsClient
from urllib3.exceptions import NewConnectionError

from routing.models import OutboundMessage
from routing.services.customer_messages import template_values
from routing.services.delivery import DeliveryError, ProviderRecord

ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"
TENCENT_ENDPOINT = "sms.tencentcloudapi.com"
# Aliyun dates its records in Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")

# Aliyun answers a refusal with HTTP 200 and a Code. Flow control: try later.
ALIYUN_LATER = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.OUT_OF_SERVICE",
                "isv.AMOUNT_NOT_ENOUGH", "Throttling.User", "Throttling"}
# A system error may come after the message was made: ask before sending again.
ALIYUN_IN_DOUBT = {"isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError"}
# Aliyun's SendStatus in QuerySendDetails: 1 waiting for the receipt, 2 failed, 3 delivered.
ALIYUN_SEND_STATUS = {1: "sent", 2: "undelivered", 3: "delivered"}

TENCENT_LATER_PREFIXES = ("LimitExceeded.", "RequestLimitExceeded", "FailedOperation.InsufficientBalanceInSmsPackage")
TENCENT_IN_DOUBT = {"InternalError", "InternalError.Timeout", "InternalError.RequestTimeException",
                    "InternalError.OtherError", "InternalError.SendAndRecvFail", "ServerNetworkError"}
# The number is on the do-not-disturb list (the customer replied TD at the carrier).
TENCENT_OPTED_OUT = {"FailedOperation.PhoneNumberInBlacklist"}


def _endpoint(url: str | None, default: str) -> tuple[str, str]:
    """(scheme, host[:port]) of a configured endpoint: a bare host, or a URL
    such as http://127.0.0.1:8123 for a local fake."""
    if not url:
        return "https", default
    if "://" not in url:
        return "https", url
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _may_have_arrived(error: BaseException) -> bool:
    """Whether a request that failed on the network may have reached the
    provider: not when no connection was made. Both SDKs wrap the requests
    error; the original is in the chain."""
    seen = error
    while seen is not None:
        if isinstance(seen, (requests.ConnectTimeout, requests.exceptions.SSLError)):
            return False
        if isinstance(seen, requests.RequestException):
            reason = seen.args[0] if seen.args else None
            reason = getattr(reason, "reason", reason)
            return not isinstance(reason, NewConnectionError)
        if isinstance(seen, NewConnectionError):
            return False
        seen = seen.__cause__ or seen.__context__
    # No requests error below: a connection refused reads so in the text.
    text = str(error)
    return not any(s in text for s in ("NewConnectionError", "Connection refused", "ConnectTimeout"))


def national_number(phone: str) -> str:
    """Aliyun takes a mainland number as its 11 digits, others with the
    country code (no "+")."""
    digits = phone.lstrip("+")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


class AliyunSender:
    """Aliyun SMS: SendSms with the template code, the signature and the
    variables as JSON; OutId carries the outbox id, so a lost answer is
    looked up with QuerySendDetails."""

    provider = "aliyun"

    def __init__(self, config, default_locale: str = "zh_Hans_CN"):
        scheme, host = _endpoint(config["ALIYUN_SMS_ENDPOINT"], ALIYUN_ENDPOINT)
        timeout_ms = int(config["OUTBOX_SEND_TIMEOUT"] * 1000)
        self.client = AliyunClient(open_api_models.Config(
            access_key_id=config["ALIYUN_ACCESS_KEY_ID"], access_key_secret=config["ALIYUN_ACCESS_KEY_SECRET"],
            endpoint=host, protocol=scheme, read_timeout=timeout_ms, connect_timeout=timeout_ms))
        self.sign_name = config["SMS_SIGNATURE"]
        self.default_locale = default_locale

    def send(self, message: OutboundMessage) -> str:
        """Free text: never (the outbox sends a notice with send_template)."""
        raise DeliveryError(f"{self.provider} sends only approved templates", retryable=False)

    def send_template(self, message: OutboundMessage, code: str) -> str:
        request = aliyun_models.SendSmsRequest(
            phone_numbers=national_number(message.to), sign_name=self.sign_name, template_code=code,
            template_param=json.dumps(template_values(message, self.default_locale), ensure_ascii=False),
            out_id=out_id(message))
        try:
            body = self.client.send_sms(request).body
        except Exception as error:  # the SDK's network, client and server errors alike
            raise _aliyun_error(error) from error
        if body.code != "OK":
            raise _aliyun_refusal(body.code, body.message)
        return body.biz_id

    def lookup(self, message: OutboundMessage, since: datetime) -> list[ProviderRecord]:
        """What Aliyun made for this message (its OutId) since `since`; the
        records of the day it was sent and of the next one."""
        day = since.astimezone(BEIJING).date()
        found = []
        for date in (day, day + timedelta(days=1)):
            request = aliyun_models.QuerySendDetailsRequest(
                phone_number=national_number(message.to), send_date=date.strftime("%Y%m%d"),
                page_size=50, current_page=1)
            try:
                body = self.client.query_send_details(request).body
            except Exception as error:
                raise DeliveryError(f"Aliyun could not be asked: {error}", retryable=True) from error
            if body.code != "OK":
                raise DeliveryError(f"Aliyun could not be asked: {body.code}: {body.message}", retryable=True)
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            found += [ProviderRecord(f"aliyun-out:{d.out_id}", ALIYUN_SEND_STATUS.get(d.send_status, "sent"))
                      for d in details or [] if d.out_id == out_id(message)]
        return found


def out_id(message: OutboundMessage) -> str:
    return f"outbox-{message.id}"


def _aliyun_refusal(code: str | None, text: str | None) -> DeliveryError:
    detail = f"{code}: {text or ''}".strip()
    if code in ALIYUN_IN_DOUBT:
        return DeliveryError(detail, retryable=True, in_doubt=True)
    return DeliveryError(detail, retryable=code in ALIYUN_LATER)


def _aliyun_error(error: Exception) -> DeliveryError:
    status = getattr(error, "status_code", None)
    code = getattr(error, "code", None)
    if status is not None:  # Aliyun answered with an HTTP error
        if status >= 500:
            return DeliveryError(f"{code}: {error}", retryable=True, in_doubt=True)
        return DeliveryError(f"{code}: {error}", retryable=status == 429 or code in ALIYUN_LATER)
    return DeliveryError(f"Aliyun: {error}", retryable=True, in_doubt=_may_have_arrived(error))


class TencentSender:
    """Tencent Cloud SMS: SendSms with the SDK app id, the signature, the
    template id and the variables in order. Not a checking sender: a send in
    doubt is sent again, marked as possibly doubled."""

    provider = "tencent"

    def __init__(self, config, default_locale: str = "zh_Hans_CN"):
        scheme, host = _endpoint(config["TENCENT_SMS_ENDPOINT"], TENCENT_ENDPOINT)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host,
                                                         reqTimeout=int(config["OUTBOX_SEND_TIMEOUT"])))
        self.client = SmsClient(credential.Credential(config["TENCENT_SECRET_ID"], config["TENCENT_SECRET_KEY"]),
                                config["TENCENT_SMS_REGION"], profile)
        self.app_id = config["TENCENT_SMS_APP_ID"]
        self.sign_name = config["SMS_SIGNATURE"]
        self.default_locale = default_locale

    def send(self, message: OutboundMessage) -> str:
        """Free text: never (the outbox sends a notice with send_template)."""
        raise DeliveryError(f"{self.provider} sends only approved templates", retryable=False)

    def send_template(self, message: OutboundMessage, code: str) -> str:
        request = tencent_models.SendSmsRequest()
        request.PhoneNumberSet = [message.to]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = code
        request.TemplateParamSet = list(template_values(message, self.default_locale).values())
        request.SessionContext = out_id(message)  # comes back in the status callback
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            raise _tencent_error(error) from error
        [status] = response.SendStatusSet
        if status.Code != "Ok":
            raise _tencent_refusal(status.Code, status.Message)
        return status.SerialNo


def _tencent_refusal(code: str, text: str | None) -> DeliveryError:
    detail = f"{code}: {text or ''}".strip()
    if code in TENCENT_OPTED_OUT:
        return DeliveryError(detail, retryable=False, opted_out=True)
    if code in TENCENT_IN_DOUBT:
        return DeliveryError(detail, retryable=True, in_doubt=True)
    return DeliveryError(detail, retryable=code.startswith(TENCENT_LATER_PREFIXES))


def _tencent_error(error: TencentCloudSDKException) -> DeliveryError:
    code = error.get_code() or ""
    if code == "ClientNetworkError":
        return DeliveryError(f"Tencent Cloud: {error.get_message()}", retryable=True,
                             in_doubt=_may_have_arrived(error))
    return _tencent_refusal(code, error.get_message())
