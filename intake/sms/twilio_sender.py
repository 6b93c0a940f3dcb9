"""The outbox's sender for Twilio (intake.shell.senders builds it when
FEEDBACK_SMS_BACKEND is twilio): the notice's translated text, rendered at
send time, through the real SDK (intake.sms.twilio_client)."""
from __future__ import annotations

from datetime import datetime

from intake.sms.twilio_client import SmsError, find_sent, make_client, send_sms
from routing.models import OutboundMessage
from routing.services.customer_messages import render
from routing.services.delivery import DeliveryError, ProviderRecord


class TwilioSender:
    """SMS through Twilio's API. A send whose answer was lost is checked in
    Twilio's message list before anything is sent again (lookup)."""

    def __init__(self, config):
        self.client = make_client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                                  config.get("TWILIO_API_URL"), timeout=config["OUTBOX_SEND_TIMEOUT"])
        self.from_ = config["TWILIO_FROM"]
        self.status_callback = config["PUBLIC_URL"] + "/sms/status"
        self.public_url = config["PUBLIC_URL"]

    def send(self, message: OutboundMessage) -> str:
        try:
            return send_sms(self.client, self.from_, message.to, render(message, self.public_url).body,
                            self.status_callback)
        except SmsError as error:
            raise DeliveryError(f"{error.code}: {error.message}" if error.code else error.message,
                                retryable=error.retryable, opted_out=error.opted_out,
                                in_doubt=error.in_doubt) from error

    def lookup(self, message: OutboundMessage, since: datetime) -> list[ProviderRecord]:
        try:
            found = find_sent(self.client, self.from_, message.to, render(message, self.public_url).body, since)
        except SmsError as error:
            raise DeliveryError(f"Twilio could not be asked: {error.message}", retryable=True) from error
        return [ProviderRecord(sid, status) for sid, status in found]
