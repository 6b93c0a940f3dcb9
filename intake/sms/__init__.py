"""SMS: Twilio's webhooks and client, inbound messages, and the satisfaction surveys."""
