"""The senders behind the outbox: Twilio or the log for SMS, SMTP or the log
for e-mail. Chosen by configuration; tests hand in their own."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from intake.sms.twilio_client import SmsError, make_client, send_sms
from routing.models import OutboundMessage
from routing.services.delivery import DeliveryError

log = logging.getLogger("feedback.outbox")


class ConsoleSender:
    """Writes messages to the log: the demo's default, nothing leaves the machine."""
    def __init__(self, transport: str):
        self.transport = transport
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> str:
        log.info("%s to %s: %s", self.transport, message.to, message.body)
        self.sent.append(message)
        return f"console-{message.transport}-{message.id}"


class TwilioSender:
    def __init__(self, config):

        self.client = make_client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                                  config.get("TWILIO_API_URL"))
        self.from_ = config["TWILIO_FROM"]
        self.status_callback = config["PUBLIC_URL"] + "/sms/status"

    def send(self, message: OutboundMessage) -> str:

        try:
            return send_sms(self.client, self.from_, message.to, message.body, self.status_callback)
        except SmsError as error:
            raise DeliveryError(f"{error.code}: {error.message}", retryable=error.retryable,
                                opted_out=error.opted_out) from error


class SmtpSender:
    """smtp://user:password@host:587 uses STARTTLS; smtps:// connects with TLS."""
    def __init__(self, url: str, from_address: str):
        self.url = urlsplit(url)
        self.from_address = from_address

    def send(self, message: OutboundMessage) -> None:
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email.set_content(message.body)
        smtp_class = smtplib.SMTP_SSL if self.url.scheme == "smtps" else smtplib.SMTP
        try:
            with smtp_class(self.url.hostname, self.url.port or 0, timeout=30) as smtp:
                if self.url.scheme == "smtp" and smtp.has_extn("starttls"):
                    smtp.starttls()
                if self.url.username:
                    smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(str(error), retryable=False) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(str(error), retryable=True) from error
        return None


def senders_from_config(config) -> dict:
    sms = TwilioSender(config) if config["SMS_BACKEND"] == "twilio" else ConsoleSender("sms")
    email = (SmtpSender(config["SMTP_URL"], config["EMAIL_FROM"])
             if config["EMAIL_BACKEND"] == "smtp" else ConsoleSender("email"))
    return {"sms": sms, "email": email}
