"""The codes of the domain's words: roles, unit levels, kinds, categories,
severities, channels, statuses. Stored in the database and sent over the API
as they are; people read them through routing.labels."""

# Ranked from the least to the most authority (routing.rules.access).
ROLES = ("handler", "supervisor", "manager", "executive", "admin")
UNIT_LEVELS = ("company", "branch", "outlet", "department", "team", "counter")
AREAS = ("urban", "rural")
# The kinds the time-limit presets of RULES 2 tell apart.
CASE_KINDS = ("complaint", "repair", "after_sales", "installation", "appointment", "consultation",
              "project", "suggestion", "praise")
CASE_CATEGORIES = (
    "attitude", "waiting_time", "service_quality", "fault", "billing",
    "installation", "environment", "product", "network_ready", "other",
)
SEVERITIES = ("minor", "normal", "major", "emergency")
CHANNELS = ("qr", "web", "sms", "phone", "walk_in", "email", "chat", "api", "callback", "letter", "opinion_book", "kiosk")
# The channels a member of staff records a contact from (staff intake, RULES 1).
STAFF_CHANNELS = ("phone", "walk_in", "letter", "email", "opinion_book")
CASE_STATUSES = ("new", "claimed", "in_progress", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "claimed", "in_progress", "waiting")

DEADLINE_TARGETS = ("acknowledge", "first_response", "arrival", "resolution", "closure")
ESCALATION_KINDS = ("warning", "breach", "immediate")
CALLBACK_STATUSES = ("scheduled", "done", "no_answer", "wrong_number", "missed")
CALLBACK_OUTCOMES = ("reached", "no_answer", "wrong_number")
# When a customer wants to be called back (the forms' list); each sets a window.
CALLBACK_SLOTS = ("anytime", "weekday_morning", "weekday_afternoon", "weekday_evening", "weekend")
