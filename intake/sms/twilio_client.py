"""The Twilio edge: sending an SMS with the real SDK, and checking and
answering Twilio's webhooks.

Tests and staging point the real client at another base URL (a local fake)
with RedirectingHttpClient, so the SDK's own request building, auth and
error parsing are what gets tested.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from urllib3.exceptions import NewConnectionError

# Twilio error 21610: the recipient replied STOP; sending again is refused
# until they reply START, so retrying is pointless.
OPTED_OUT_CODE = 21610


class SmsError(Exception):
    """A message that Twilio did not accept, or may not have.

    `retryable`: worth sending again later (network trouble, Twilio 5xx,
    rate limited). `opted_out`: the recipient has unsubscribed. `in_doubt`:
    the request may have reached Twilio without its answer reaching us (a
    timeout or a dropped connection after sending, a server error): ask
    Twilio (find_sent) before sending it again.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = None,
        retryable: bool = False,
        opted_out: bool = False,
        in_doubt: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.retryable = retryable
        self.opted_out = opted_out
        self.in_doubt = in_doubt


class RedirectingHttpClient(TwilioHttpClient):
    """Sends every request to `base_url` instead of Twilio's host, keeping
    the path and query: "https://api.twilio.com/2010-04-01/..." becomes
    "http://127.0.0.1:8123/2010-04-01/..." (a base path is kept as a prefix)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        base = urlsplit(base_url)
        if not base.scheme or not base.netloc:
            raise ValueError(f"not an absolute URL: {base_url!r}")
        self.base_url = base_url

    def redirect(self, url: str) -> str:
        base, target = urlsplit(self.base_url), urlsplit(url)
        path = base.path.rstrip("/") + target.path
        return urlunsplit((base.scheme, base.netloc, path, target.query, target.fragment))

    def request(self, method: str, url: str, *args, **kwargs) -> Response:
        return super().request(method, self.redirect(url), *args, **kwargs)


def make_client(
    account_sid: str, auth_token: str, api_url: str | None = None, timeout: float = 10.0
) -> Client:
    """A Twilio client; with `api_url`, its requests go there instead.

    The timeout keeps a hung connection from stalling the outbox sender.
    """
    http_client = (
        RedirectingHttpClient(api_url, timeout=timeout)
        if api_url
        else TwilioHttpClient(timeout=timeout)
    )
    return Client(account_sid, auth_token, http_client=http_client)


def send_sms(
    client: Client, from_: str, to: str, body: str, status_callback: str | None = None
) -> str:
    """Send one SMS and return Twilio's message SID ("SM...").

    `from_` is a number, or a messaging service SID ("MG...") that picks the
    number itself. Raises SmsError.
    """
    sender = {"messaging_service_sid": from_} if from_.startswith("MG") else {"from_": from_}
    try:
        message = client.messages.create(
            to=to, body=body, status_callback=status_callback, **sender
        )
    except TwilioRestException as exc:
        raise _refused(exc.status, exc.code, exc.msg) from exc
    except TwilioServiceException as exc:
        raise _refused(exc.status, exc.code, exc.detail or exc.title) from exc
    except requests.RequestException as exc:
        raise SmsError(str(exc), retryable=True, in_doubt=_may_have_arrived(exc)) from exc
    return message.sid


def find_sent(
    client: Client, from_: str, to: str, body: str, since: datetime, limit: int = 200
) -> list[tuple[str, str]]:
    """What Twilio holds of a message from `from_` to `to` with this body,
    made since `since`: (SID, status) pairs, newest first. Raises SmsError
    when Twilio cannot be asked.

    Twilio's list is filtered by recipient and date sent (a day, in UTC); a
    message it accepted but has not handed on yet has no date sent, so the
    newest messages to the recipient are read as well when nothing sent
    matched.
    """
    def ours(message) -> bool:
        by = message.messaging_service_sid if from_.startswith("MG") else message.from_
        return (message.direction == "outbound-api" and by == from_ and message.body == body
                and message.date_created is not None and message.date_created >= since)

    try:
        found = [m for m in client.messages.stream(to=to, date_sent_after=since.strftime("%Y-%m-%d"),
                                                   page_size=50, limit=limit) if ours(m)]
        if not found:
            found = [m for m in client.messages.list(to=to, page_size=20, limit=20)
                     if m.date_sent is None and ours(m)]
    except TwilioRestException as exc:
        raise SmsError(exc.msg, code=exc.code, status=exc.status, retryable=True) from exc
    except TwilioException as exc:  # a page that could not be fetched
        raise SmsError(str(exc), retryable=True) from exc
    except requests.RequestException as exc:
        raise SmsError(str(exc), retryable=True) from exc
    return [(m.sid, m.status) for m in found]


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether a request that failed may have reached Twilio: not when no
    connection was made or the request could not even be built."""
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError, ValueError)):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError carries the cause
    return not isinstance(reason, NewConnectionError)


def _refused(status: int, code: int | None, message: str) -> SmsError:
    """Twilio answered with an error. A server error may come after the
    message was made, so it is in doubt; every other refusal is certain."""
    opted_out = code == OPTED_OUT_CODE
    retryable = not opted_out and (status >= 500 or status == 429)
    return SmsError(message, code=code, status=status, retryable=retryable, opted_out=opted_out,
                    in_doubt=status >= 500)


def signature_valid(
    auth_token: str | None, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether a webhook POST really comes from Twilio.

    `url` is the full URL Twilio requested (the public one, as configured in
    Twilio, not what a proxy forwarded), `params` the form fields (a dict or
    Flask's request.form), `signature` the X-Twilio-Signature header.
    """
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)


def twiml_message(text: str | None) -> str:
    """TwiML answering an inbound SMS: a reply with `text`, or an empty
    <Response/> (no reply) when there is nothing to say."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
