"""The words people read for a code (a case's status, an outbox message's
status, transport and purpose): shown by the pages and used in the rules' own
messages, so a refusal never shows a raw code."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "new": lazy_pgettext("case status", "New"), "claimed": _l("Claimed"), "in_progress": _l("In progress"),
    "waiting": _l("Waiting for the customer"), "resolved": _l("Resolved"), "closed": _l("Closed"),
}

# The outbox, as an administrator reads it.
OUTBOX_STATUS_LABELS = {
    "pending": _l("Waiting to be sent"), "sending": _l("Being sent"),
    "unconfirmed": _l("Sent, not yet confirmed by the provider"), "sent": _l("Sent"),
    "queued": _l("Sent"), "accepted": _l("Sent"), "delivered": _l("Delivered"), "read": _l("Read"),
    "undelivered": _l("Not delivered"), "failed": _l("Failed"), "cancelled": _l("Cancelled: the recipient opted out"),
}
TRANSPORT_LABELS = {"sms": _l("SMS"), "email": lazy_pgettext("transport", "E-mail")}
PURPOSE_LABELS = {
    "survey": _l("Satisfaction survey"), "confirmation": _l("Complaint confirmation"),
    "reply": _l("Reply to the customer"), "resolution": _l("Resolution notice"),
    "escalation": _l("Escalation notice"), "staff_notice": _l("Notice to staff"),
    "sms_reply": _l("Answer to a customer's SMS"),
}
