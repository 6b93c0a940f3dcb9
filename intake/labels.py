"""The words customers read: faces, the dimensions of a service, and their
case's kind, category, status and timeline in plain words, not the
register's codes (staff read routing.labels)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

FACE_LABELS = {1: _l("Very poor"), 2: _l("Poor"), 3: _l("Okay"), 4: _l("Good"), 5: _l("Excellent")}
# The counter evaluator's five standard labels (非常满意 ... 非常不满意), best first as on the device.
EVALUATOR_LABELS = {5: lazy_pgettext("evaluator", "Very satisfied"), 4: lazy_pgettext("evaluator", "Satisfied"),
                    3: lazy_pgettext("evaluator", "Fairly satisfied"), 2: lazy_pgettext("evaluator", "Dissatisfied"),
                    1: lazy_pgettext("evaluator", "Very dissatisfied")}
DIMENSION_LABELS = {
    "attitude": _l("Attitude"),
    "skill": _l("Skill"),
    "timeliness": _l("Timeliness"),
    "promises": _l("Keeping promises"),
}
DIMENSION_QUESTIONS = {
    "attitude": _l("Were you treated politely and with patience?"),
    "skill": _l("Did the staff know how to help you?"),
    "timeliness": _l("Were you served on time?"),
    "promises": _l("Did we do what we said we would?"),
}

# What customers read: plain words, not the register's codes.
CATEGORY_LABELS = {
    "attitude": _l("Staff attitude"),
    "waiting_time": _l("Waiting time"),
    "service_quality": _l("Quality of the service"),
    "fault": _l("A fault or outage"),
    "billing": _l("A bill or charge"),
    "installation": _l("Installation"),
    "environment": _l("The premises"),
    "product": _l("A product"),
    "other": _l("Something else"),
}
KIND_LABELS = {
    "complaint": _l("A complaint"),
    "repair": _l("A repair or service request"),
    "consultation": _l("A question"),
    "suggestion": _l("A suggestion"),
    "praise": _l("Praise"),
    "after_sales": _l("After-sales service"),
    "installation": _l("An installation"),
    "appointment": _l("An appointment"),
    "project": _l("A project request"),
}
STATUS_LABELS = {
    "new": _l("Received"),
    "claimed": _l("Being handled"),
    "in_progress": _l("Being handled"),
    "waiting": _l("Waiting for information"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
# Timeline entries the customer may see (CaseEvent.public); other kinds get
# the generic label.
EVENT_LABELS = {
    "created": _l("Case registered"),
    "customer_message": _l("Your message"),
    "reply": _l("Our reply"),
    "claimed": _l("A handler took up your case"),
    "transferred": _l("Passed to the team responsible"),
    "appointment": _l("Appointment agreed"),
    "escalated": _l("Raised to a manager"),
    "resolved": _l("Resolved"),
    "reopened": _l("Reopened"),
    "closed": _l("Closed"),
    "callback": _l("We called you back"),
    "weather": _l("Delayed by the weather: we come the next day"),
    "started": _l("Work on your case began"),
    "waiting": _l("Waiting for your answer"),
    "resumed": _l("Work on your case resumed"),
    "arrival": _l("Our staff arrived"),
    "callback_scheduled": _l("We will call you to ask how it went"),
    "customer_satisfied": _l("You told us you are satisfied"),
}
EVENT_LABEL_OTHER = _l("Update")
# Each language by its own name, the same on every page.
LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}
