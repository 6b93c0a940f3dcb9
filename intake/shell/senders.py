"""The senders behind the outbox: Twilio, Aliyun, Tencent Cloud or the log
for SMS, SMTP or the log for e-mail. Chosen by configuration; tests hand in
their own. The console, SMTP and Twilio send a notice's translated text,
rendered at send time (routing.customer_messages); Aliyun and Tencent Cloud
send its approved template (intake.sms.domestic). The SMS providers' senders
(intake.sms.twilio_sender, intake.sms.domestic) load with their SDKs only
when configured."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from routing.models import OutboundMessage
from routing.services.customer_messages import render
from routing.services.delivery import DeliveryError

log = logging.getLogger("feedback.outbox")


class ConsoleSender:
    """Writes messages to the log: the demo's default, nothing leaves the machine."""
    def __init__(self, transport: str, public_url: str = "http://127.0.0.1:5000"):
        self.transport = transport
        self.public_url = public_url
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> str:
        log.info("%s to %s: %s", self.transport, message.to, render(message, self.public_url).body)
        self.sent.append(message)
        return f"console-{message.transport}-{message.id}"


class SmtpSender:
    """smtp://user:password@host:587 upgrades with STARTTLS and refuses to
    send when the server does not offer it; smtps:// connects with TLS.
    Either way the server's certificate is verified (against `cafile` when
    given, else the system's authorities)."""

    def __init__(self, url: str, from_address: str, timeout: float = 10, cafile: str | None = None,
                 public_url: str = "http://127.0.0.1:5000"):
        self.url = urlsplit(url)
        if self.url.scheme not in ("smtp", "smtps"):
            raise ValueError(f"FEEDBACK_SMTP_URL must start with smtp:// or smtps://, not {self.url.scheme}://")
        self.from_address = from_address
        self.timeout = timeout
        self.tls = ssl.create_default_context(cafile=cafile)
        self.public_url = public_url

    def send(self, message: OutboundMessage) -> None:
        rendered = render(message, self.public_url)
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = message.to
        email["Subject"] = rendered.subject or ""
        email.set_content(rendered.body)
        try:
            smtp = self._connect()
            try:
                if self.url.username:
                    smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
                self._hand_over(smtp, email)
            finally:
                smtp.close()
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(str(error), retryable=False) from error
        except smtplib.SMTPResponseException as error:  # the server said no: 4xx for now, 5xx for good
            raise DeliveryError(f"{error.smtp_code}: {error.smtp_error!r}", retryable=error.smtp_code < 500) from error
        except (smtplib.SMTPException, OSError) as error:  # before the message was handed over
            raise DeliveryError(str(error), retryable=True) from error
        return None

    @staticmethod
    def _hand_over(smtp: smtplib.SMTP, email: EmailMessage) -> None:
        try:
            smtp.send_message(email)
        except smtplib.SMTPServerDisconnected as error:  # the server may have taken it before the line dropped
            raise DeliveryError(str(error), retryable=True, in_doubt=True) from error
        except smtplib.SMTPException:
            raise
        except OSError as error:  # a timeout waiting for the answer, say
            raise DeliveryError(str(error), retryable=True, in_doubt=True) from error
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the message was accepted: a goodbye that fails changes nothing

    def _connect(self) -> smtplib.SMTP:
        host, port = self.url.hostname, self.url.port or 0
        if self.url.scheme == "smtps":
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=self.tls)
        smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            smtp.ehlo()  # what the server offers is known only after EHLO
            if not smtp.has_extn("starttls"):
                raise DeliveryError("the mail server does not offer STARTTLS: nothing is sent in clear",
                                    retryable=False)
            smtp.starttls(context=self.tls)
            smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp


SMS_BACKENDS = ("console", "twilio", "aliyun", "tencent")


def sms_sender(config):
    backend = config["SMS_BACKEND"]
    if backend not in SMS_BACKENDS:
        raise ValueError(f"FEEDBACK_SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}, not {backend!r}")
    # A provider's SDK is loaded only when it is the one configured: the
    # Aliyun and Tencent Cloud SDKs alone took a third of a second of every
    # `feedback tick` (tests/test_architecture.py, LAZY).
    if backend == "twilio":
        from intake.sms.twilio_sender import TwilioSender

        return TwilioSender(config)
    if backend in ("aliyun", "tencent"):
        if not config["SMS_SIGNATURE"]:
            raise ValueError("FEEDBACK_SMS_SIGNATURE is required: carriers refuse a message without its signature")
        from intake.sms.domestic import AliyunSender, TencentSender

        sender = AliyunSender if backend == "aliyun" else TencentSender
        return sender(config, config["BABEL_DEFAULT_LOCALE"])
    return ConsoleSender("sms", config["PUBLIC_URL"])


def senders_from_config(config) -> dict:
    sms = sms_sender(config)
    email = (SmtpSender(config["SMTP_URL"], config["EMAIL_FROM"], timeout=config["OUTBOX_SEND_TIMEOUT"],
                        cafile=config["SMTP_CA_FILE"], public_url=config["PUBLIC_URL"])
             if config["EMAIL_BACKEND"] == "smtp" else ConsoleSender("email", config["PUBLIC_URL"]))
    return {"sms": sms, "email": email}
