"""The words people read for the domain's codes (routing.vocabulary): shown
by the pages, forms and exports and used in the services' own messages, so
a page or a refusal never shows a raw code."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "new": lazy_pgettext("case status", "New"), "claimed": _l("Claimed"), "in_progress": _l("In progress"),
    "waiting": _l("Waiting for the customer"), "resolved": _l("Resolved"), "closed": _l("Closed"),
}
KIND_LABELS = {
    "complaint": _l("Complaint"), "repair": _l("Repair"), "after_sales": _l("After-sales fault"),
    "installation": _l("Installation"), "appointment": _l("Service appointment"), "consultation": _l("Consultation"),
    "project": _l("Project request"), "suggestion": _l("Suggestion"), "praise": _l("Praise"),
}
CATEGORY_LABELS = {
    "attitude": _l("Attitude"), "waiting_time": _l("Waiting time"), "service_quality": _l("Service quality"),
    "fault": _l("Fault"), "billing": _l("Billing"), "installation": _l("Installation"),
    "environment": _l("Environment"), "product": _l("Product"), "network_ready": _l("Network ready"),
    "other": _l("Other"),
}
CHANNEL_LABELS = {
    "qr": _l("QR code"), "web": _l("Web form"), "sms": _l("SMS"), "phone": _l("Phone"),
    "walk_in": _l("Walk-in"), "email": _l("E-mail"), "chat": _l("Online chat"), "api": _l("API"),
    "callback": _l("Callback"), "letter": _l("Letter"), "opinion_book": _l("Opinion book"),
    "kiosk": _l("Counter evaluator"),
}
# How staff name the channels they record from (staff intake).
STAFF_CHANNEL_LABELS = {
    "phone": _l("Phone call"), "walk_in": _l("Walk-in"), "letter": _l("Letter"), "email": _l("E-mail"),
    "opinion_book": _l("Opinion book or suggestion box"),
}
SEVERITY_LABELS = {"minor": _l("Minor"), "normal": _l("Normal"), "major": _l("Major"), "emergency": _l("Emergency")}
QUEUE_LABELS = {
    "mine": _l("Mine"), "unit": _l("My unit's"), "first_received": _l("First received by me"),
    "overdue": _l("Overdue"), "waiting": _l("Waiting"), "all": _l("Every case"),
}
TARGET_LABELS = {
    "acknowledge": _l("Acknowledge"), "first_response": _l("First response"), "arrival": _l("Arrival on site"),
    "resolution": _l("Resolution"), "closure": _l("Closure"),
}
EVENT_LABELS = {
    "created": _l("Case opened"), "claimed": _l("Claimed"), "started": _l("Work started"),
    "transferred": _l("Transferred"), "reply": _l("Reply to the customer"), "note": _l("Internal note"),
    "waiting": _l("Waiting for the customer"), "resumed": _l("Work resumed"),
    "appointment": _l("Appointment agreed"), "arrival": _l("Arrived on site"), "resolved": _l("Resolved"),
    "closed": _l("Closed"), "reopened": _l("Reopened"), "customer_message": _l("Message from the customer"),
    "escalated": _l("Escalated"), "warning": _l("Deadline warning"), "routed": _l("Sent to another unit's queue"),
    "callback_scheduled": _l("Callback scheduled"), "callback": _l("Callback made"),
    "callback_missed": _l("Callback missed"), "weather": _l("Weather prevents outdoor work"),
    "phone_revealed": _l("Customer's number shown to a caller"), "facts_changed": _l("Facts of the case changed"),
    "customer_satisfied": _l("The customer is satisfied"),
}
DEADLINE_STATE_LABELS = {
    "ok": _l("On time"), "near": _l("Due soon"), "urgent": _l("Due within the hour"), "over": _l("Overdue"),
    "met": _l("Met"),
    "met_late": _l("Met late"), "paused": _l("Paused"),
}
ESCALATION_KIND_LABELS = {"warning": _l("Warning"), "breach": _l("Limit missed"), "immediate": _l("Immediate")}
LADDER_LABELS = {
    "handler": _l("Handler"), "supervisor": _l("Supervisor"), "manager": _l("Manager"),
    "deputy_gm": _l("Deputy general manager"), "gm": _l("General manager"),
}
CALLBACK_STATUS_LABELS = {
    "scheduled": _l("Scheduled"), "done": _l("Done"), "no_answer": _l("No answer"),
    "wrong_number": _l("Wrong number"), "missed": _l("Missed"),
}
CALLBACK_OUTCOME_LABELS = {"reached": _l("Reached the customer"), "no_answer": _l("No answer"),
                           "wrong_number": _l("Wrong number")}
CALLBACK_ITEM_LABELS = {"attitude": _l("Attitude"), "skill": _l("Skill"), "arrival_time": _l("Arrival time"),
                        "keeping_promises": _l("Keeping promises")}
CALLBACK_LEVEL_LABELS = {"very_satisfied": _l("Very satisfied"), "satisfied": _l("Satisfied"),
                         "average": _l("Average"), "poor": _l("Poor")}
CALLBACK_SLOT_LABELS = {"anytime": _l("Any time"), "weekday_morning": _l("Weekday mornings (9:00-12:00)"),
                       "weekday_afternoon": _l("Weekday afternoons (14:00-17:30)"),
                       "weekday_evening": _l("Weekday evenings (18:00-20:30)"),
                       "weekend": _l("Weekends and holidays (10:00-17:00)")}
# Why a callback is not someone's to record (routing.rules.access.CALLBACK_REFUSALS).
CALLBACK_REFUSAL_LABELS = {
    "inactive": _l("Your account is not active."),
    "owner": _l("You handled this case: a colleague calls the customer back, so the callback checks your work "
                "independently."),
    "first_responder": _l("You first received this case: a colleague calls the customer back, so the callback "
                          "checks the work independently."),
    "subject": _l("This complaint is about you: you do not call the customer back."),
    "not_a_caller": _l("Only the callback desk and supervisors record callbacks."),
    "outside_pool": _l("This callback belongs to a unit outside yours."),
}

ROLE_LABELS = {
    "handler": _l("Handler"), "supervisor": _l("Supervisor"), "manager": _l("Manager"),
    "executive": _l("Executive"), "admin": _l("Administrator"),
}
UNIT_LEVEL_LABELS = {
    "company": _l("Company"), "branch": _l("Branch"), "outlet": _l("Outlet"),
    "department": _l("Department"), "team": _l("Team"), "counter": _l("Counter"),
}

# Time-limit policies and working calendars.
UNIT_LABELS = {"minutes": _l("minutes"), "hours": _l("hours"), "days": _l("days (24 hours)"),
               "working_days": _l("working days"), "same_day": _l("the same day")}
BASIS_LABELS = {"": _l("Default"), "clock": _l("Clock time"), "working": _l("Working time")}
AREA_LABELS = {"urban": _l("Urban"), "rural": _l("Rural")}
OFFICIAL_LABELS = {"": _l("None: only the days written here"), "CN": _l("China's official working days")}
# The preset working calendars and time-limit policies (routing/presets) in
# words; those an administrator adds keep the name they were given.
CALENDAR_LABELS = {
    "24x7": lazy_pgettext("calendar", "Round the clock"),
    "business": lazy_pgettext("calendar", "Office hours, Monday to Friday"),
    "hotline": lazy_pgettext("calendar", "Hotline hours, 8:00-22:00 every day"),
    "cn-business": lazy_pgettext("calendar", "Office hours on China's official working days"),
}
POLICY_LABELS = {
    "after-sales-emergency": lazy_pgettext("policy", "After-sales: emergency fault"),
    "after-sales-general": lazy_pgettext("policy", "After-sales: ordinary fault"),
    "consultation": lazy_pgettext("policy", "Consultation"),
    "online-chat": lazy_pgettext("policy", "Online chat"),
    "service-appointment": lazy_pgettext("policy", "Service appointment"),
    "complaint": lazy_pgettext("policy", "Complaint"),
    "complaint-case": lazy_pgettext("policy", "Complaint case (product defect)"),
    "repair-urban": lazy_pgettext("policy", "Repair, urban"),
    "repair-urban-minor": lazy_pgettext("policy", "Repair, urban, minor fault"),
    "repair-urban-major": lazy_pgettext("policy", "Repair, urban, major fault"),
    "repair-emergency": lazy_pgettext("policy", "Emergency repair"),
    "repair-emergency-rural": lazy_pgettext("policy", "Emergency repair, rural"),
    "repair-rural": lazy_pgettext("policy", "Repair, rural"),
    "repair-rural-minor": lazy_pgettext("policy", "Repair, rural, minor fault"),
    "installation": lazy_pgettext("policy", "Installation"),
    "installation-network-ready": lazy_pgettext("policy", "Installation, network in place"),
    "project-request": lazy_pgettext("policy", "Project acceptance"),
    "praise": lazy_pgettext("policy", "Praise"),
    "suggestion": lazy_pgettext("policy", "Suggestion"),
    "default": lazy_pgettext("policy", "Anything else"),
}


def calendar_name(name: str) -> str:
    return str(CALENDAR_LABELS.get(name, name))


def policy_name(name: str) -> str:
    return str(POLICY_LABELS.get(name, name))


def quoted(name: str) -> str:
    """A name inside a sentence, in the reader's quotation marks."""
    return lazy_pgettext("quoting a name", "“%(name)s”") % {"name": name}


WEEKDAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
                  "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}

# The outbox, as an administrator reads it.
OUTBOX_STATUS_LABELS = {
    "pending": _l("Waiting to be sent"), "sending": _l("Being sent"),
    "unconfirmed": _l("Sent, not yet confirmed by the provider"), "sent": _l("Sent"),
    "queued": _l("Sent"), "accepted": _l("Sent"), "delivered": _l("Delivered"), "read": _l("Read"),
    "undelivered": _l("Not delivered"), "failed": _l("Failed"), "cancelled": _l("Cancelled: the recipient opted out"),
    "held": _l("Held: the SMS provider has no approved template for it"),
}
TRANSPORT_LABELS = {"sms": _l("SMS"), "email": lazy_pgettext("transport", "E-mail")}
PURPOSE_LABELS = {
    "survey": _l("Satisfaction survey"), "confirmation": _l("Complaint confirmation"),
    "reply": _l("Reply to the customer"), "resolution": _l("Resolution notice"),
    "escalation": _l("Escalation notice"), "staff_notice": _l("Notice to staff"),
    "sms_reply": _l("Answer to a customer's SMS"),
    "appointment": _l("Appointment notice"), "transferred": _l("Transfer notice"),
}

# The facts of a case a handler may correct (routing.lifecycle.change_facts):
# each one's name and the words for its values.
FACT_LABELS = {
    "kind": (_l("Kind"), KIND_LABELS), "category": (_l("Category"), CATEGORY_LABELS),
    "severity": (_l("Severity"), SEVERITY_LABELS), "unit_id": (_l("Unit"), {}),
    "amount_claimed": (_l("Amount claimed"), {}),
}

# The notices of the registry (routing.rules.notices), as the notices page names them.
NOTICE_LABELS = {
    "survey": _l("Satisfaction survey"), "case_received": _l("Case registered"),
    "case_joined": _l("Message added to an open case"), "reply": _l("Reply to the customer"),
    "weather_delay": _l("Delay for bad weather"), "resolved": _l("Case resolved"),
    "appointment": _l("Appointment made"), "transferred": _l("Case moved to another unit"),
    "rating_thanks": _l("Thanks for a rating"), "rating_sorry": _l("Apology for a low rating"),
    "opted_out": _l("Opt-out confirmed"), "opted_in": _l("Opt-in confirmed"), "help": _l("Help"),
    "sms_added": _l("SMS added to a case"), "sms_registered": _l("SMS registered as a case"),
    "join_code": _l("One-time code to join a case"), "escalated": _l("Escalation (time limit missed)"),
    "escalated_major": _l("Escalation (major complaint)"), "escalated_amount": _l("Escalation (amount claimed)"),
    "low_ratings": _l("Low ratings alert"), "device_silent": _l("Silent counter evaluator"),
}
