"""The words people read for scoring's codes: schemes, grades, metrics,
components, inspections, verdicts, ledger entries and periods. Shown by the
pages, forms, exports and reports."""
from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from scoring.engine.periods import Period

SCHEME_TITLES = {
    "bank_branch": _l("Bank branch quarterly service score"),
    "bank_outlet": _l("Bank outlet quarterly service score"),
    "checklist_100": _l("Power supply station checklist (100 points)"),
    "deduction_points": _l("Monthly deduction points"),
    "ecommerce_30_70": _l("Customer service monthly score (self 30 / manager 70)"),
    "grades_80_60": _l("Monthly grade 80/60 with performance pay"),
    "hotline_three_rates": _l("Hotline three rates"),
    "monthly_ranking": _l("Customer service monthly ranking"),
    "quality_department": _l("Department service quality (quarterly)"),
    "sales_70_30": _l("Sales staff monthly score (daily work 70 / attendance 30)"),
    "satisfaction_50_20_30": _l("Satisfaction work evaluation 50/20/30"),
    "twelve_point_ledger": _l("Twelve-point annual service ledger"),
}
SUBJECT_KIND_LABELS = {"unit": _l("Units"), "staff": _l("Staff")}
LEVEL_LABELS = {
    "company": _l("Companies"), "branch": _l("Branches"), "outlet": _l("Outlets"),
    "department": _l("Departments"), "team": _l("Teams"), "counter": _l("Counters"),
}
PERIOD_KIND_LABELS = {"month": _l("Months"), "quarter": _l("Quarters"), "half": _l("Half-years"), "year": _l("Years")}
GRADE_LABELS = {
    "excellent": _l("Excellent"), "qualified": _l("Qualified"), "unqualified": _l("Unqualified"),
    "pass": _l("Pass"), "fail": _l("Fail"), "A": "A", "B": "B", "C": "C", "D": "D",
}
# Badge colour of a grade: good, middling or bad.
GRADE_TONES = {"excellent": "ok", "A": "ok", "qualified": "mid", "pass": "mid", "B": "mid", "C": "near",
               "unqualified": "over", "fail": "over", "D": "over"}
NOT_RATED_LABELS = {
    "no_inspection_no_complaint": _l("No inspection and no complaint this period: no evaluation."),
    "no_daily_work_score": _l("No daily work score was entered."),
    "not_assessed": _l("Neither a self-check nor a customer questionnaire this quarter: no evaluation."),
    "no_manager_assessment": _l("The manager's assessment has not been entered."),
    "no_data": _l("Nothing to score this period."),
}
FLAG_LABELS = {
    "suspension": _l("Suspension and retraining"),
    "base_salary_only": _l("Base salary only this month"),
    "grade_capped": _l("Grade capped by complaints"),
    "improvement_plan": _l("Improvement plan due within a week"),
    "transfer": _l("Last place three months running: transfer"),
    "annual_award_lost": _l("Year-end award lost"),
    "dismissal": _l("Two months at 30 points or more: dismissal"),
}
COMPONENT_LABELS = {
    "standards": _l("Standards execution"), "survey": _l("Satisfaction survey"), "complaints": _l("Complaints"),
    "mystery_shopper": _l("Mystery shopper"), "offsite_monitoring": _l("Off-site monitoring"),
    "onsite_inspection": _l("On-site inspection"), "outlets": _l("Outlets' mean"),
    "management": _l("Branch management"), "bonuses": _l("Bonuses"), "self_check": _l("Self-check"),
    "questionnaire": _l("Customer questionnaire"), "callback_records": _l("Callback records"),
    "phone_answering": _l("Phone answering"), "phone_duty": _l("Phone duty"), "counter_tidy": _l("Tidy counter"),
    "supervision_board": _l("Supervision board"), "conveniences": _l("Conveniences for customers"),
    "hall_order": _l("Order in the hall"), "staff_conduct": _l("Staff conduct"),
    "hours_and_opinion_box": _l("Opening hours and opinion box"), "corners": _l("Corners"),
    "fittings": _l("Fittings"), "grounds": _l("Grounds"), "canteen": _l("Canteen"), "office": _l("Office"),
    "deductions": _l("Deduction points"), "self_assessment": _l("Self-assessment"),
    "manager": _l("Manager's assessment"), "monthly_score": _l("Monthly score"), "daily_work": _l("Daily work"),
    "attendance": _l("Attendance"), "response": _l("Response rate"), "resolution": _l("Resolution rate"),
    "satisfaction": _l("Satisfaction rate"), "ledger": _l("Service points"), "money": _l("Money"),
    "ranking": _l("Ranking"), "total": _l("Total"),
}
METRIC_LABELS = {
    "satisfaction_rate": _l("Satisfaction rate"), "mean_score": _l("Mean rating"),
    "mean_attitude": _l("Mean rating: attitude"), "mean_skill": _l("Mean rating: skill"),
    "mean_timeliness": _l("Mean rating: arrival time"), "mean_promises": _l("Mean rating: keeping promises"),
    "ratings": _l("Ratings"), "services": _l("Services delivered"), "evaluation_rate": _l("Evaluation rate"),
    "complaints": _l("Complaints"), "valid_complaints": _l("Valid complaints"),
    "major_complaints": _l("Major complaints"), "complaint_rate": _l("Complaints per 1,000 services"),
    "on_time_first_response": _l("On-time first response"), "on_time_resolution": _l("On-time resolution"),
    "overdue": _l("Overdue cases"), "callbacks_due": _l("Callbacks due"), "callbacks_done": _l("Callbacks done"),
    "callback_completion": _l("Callback completion"), "callbacks_missed": _l("Callbacks missed"),
    "reopen_rate": _l("Reopen rate"), "repeat_complaint_rate": _l("Repeat-complaint rate"),
    "response_rate": _l("Response rate"), "resolution_rate": _l("Resolution rate"),
    "device_on_rate": _l("Evaluator on-time"),
}
# Column headings where the full name is too long for a table.
SHORT_METRIC_LABELS = {
    "satisfaction_rate": _l("Satisfaction"), "complaint_rate": _l("Complaints per 1,000"),
    "on_time_first_response": _l("On-time response"), "on_time_resolution": _l("On-time resolution"),
}
# Metrics that are fractions, shown as percentages.
RATE_METRICS = {"satisfaction_rate", "evaluation_rate", "on_time_first_response", "on_time_resolution",
                "callback_completion", "reopen_rate", "repeat_complaint_rate", "response_rate", "resolution_rate"}

INSPECTION_KIND_LABELS = {
    "mystery_shopper": _l("Mystery shopper"), "off_site": _l("Off-site monitoring"),
    "on_site": _l("On-site inspection"), "self_check": _l("Self-check"),
    "spot_check": _l("Spot check by the auditors"), "checklist": _l("Checklist item"),
    "management": _l("Branch management check"), "daily_work": _l("Daily work"), "attendance": _l("Attendance"),
    "self_assessment": _l("Self-assessment"), "manager_assessment": _l("Manager's assessment"),
    "questionnaire": _l("Customer questionnaire"),
}
# The items of the 100-point checklist (RULES 5.4) with their most points.
CHECKLIST_ITEMS = {
    "phone_answering": (_l("Phone answering"), 10), "phone_duty": (_l("Phone duty"), 10),
    "counter_tidy": (_l("Tidy counter"), 10), "supervision_board": (_l("Supervision board"), 5),
    "conveniences": (_l("Conveniences for customers"), 5), "hall_order": (_l("Order in the hall"), 5),
    "staff_conduct": (_l("Staff conduct"), 20), "hours_and_opinion_box": (_l("Opening hours and opinion box"), 10),
    "corners": (_l("Corners"), 5), "fittings": (_l("Fittings"), 5), "grounds": (_l("Grounds"), 5),
    "canteen": (_l("Canteen"), 5), "office": (_l("Office"), 5),
}
VERDICT_LABELS = {"valid": _l("Valid"), "invalid": _l("Invalid"), "major": _l("Major")}
VERDICT_HINTS = {
    "valid": _l("A reasonable complaint about a service problem, about attitude, or about an unjustified delay."),
    "invalid": _l("Not the organisation's fault, or not a service problem."),
    "major": _l("Caused serious harm to the organisation's reputation."),
}
LEDGER_KIND_LABELS = {"violation": _l("Violation"), "merit": _l("Merit")}
# Codes of the twelve-point ledger (RULES 5.6; seed 004's item numbers in the scheme file).
LEDGER_CODE_LABELS = {
    "violation": {
        "missed_morning_training": _l("Missed the morning training"),
        "late_or_early": _l("Late, left early or left the post unregistered"),
        "preparation": _l("A pre-shift item not done"),
        "appearance_conduct": _l("Dress, manner or greeting not to standard"),
        "unauthorised_entry": _l("Let a non-staff person into the counter area"),
        "forbidden_words": _l("Forbidden words or gestures"),
        "no_polite_words": _l("No polite words, standard gestures or rating device"),
        "keeping_customers_waiting": _l("Kept customers waiting"),
        "chatting_eating": _l("Chatting, eating, smoking or games at the counter"),
        "counter_unattended": _l("Counter left unattended"),
        "poor_explanation": _l("Poor explanation to a customer"),
        "quarrel": _l("Quarrelled with a customer"),
        "first_responder": _l("First-responder duty not kept"),
        "delay_or_buck_passing": _l("Delay or passing the buck"),
        "untidy_counter": _l("Untidy counter, no uniform or badge"),
        "absent_from_post": _l("Away from the post over half an hour without leave"),
        "refused_service": _l("Refused service during opening hours"),
        "rating_device": _l("Rating device off, or satisfaction or evaluation rate too low"),
        "queue_order": _l("Served out of turn or careless errors"),
        "named_in_opinion_book": _l("Named in the opinion book, verified"),
        "skills_check": _l("Failed a skills check"),
        "other": _l("Other violation (points as the checkers decide)"),
    },
    "merit": {
        "service_star": _l("Service star of the month"),
        "adopted_suggestion": _l("Suggestion adopted"),
        "commendation": _l("Letter of praise or city media report"),
        "provincial_media": _l("Provincial media report"),
        "fraud_stopped": _l("Stopped a fraud"),
        "superior_commendation": _l("Commended by a higher office"),
        "patience": _l("Patient with an unreasonable customer"),
        "first_class_technician": _l("First class in the provincial skills test"),
        "skills_contest": _l("Top three in a provincial contest"),
    },
}
EVENT_LABELS = {
    "valid_complaint": _l("Valid complaint"), "major_complaint": _l("Major complaint"),
    "complaint": _l("Complaint"), "escalated_complaint": _l("Complaint escalated beyond the unit"),
    "media_exposure": _l("Exposed by the media"), "standards_problem": _l("Problem found in inspection"),
    "callback_record_problem": _l("Incomplete or false callback record"),
    "spot_check_mismatch": _l("Spot check disagrees with the self-check"),
    "absence_day": _l("Day absent"), "direct_deduction": _l("Direct deduction"),
    "service_innovation": _l("Service innovation"), "external_recognition": _l("External recognition"),
}


def scheme_title(name: str, default: str) -> str:
    """A scheme's title in the reader's language; its own where none is known."""
    title = SCHEME_TITLES.get(name)
    return str(title) if title is not None else default


def ledger_code_label(kind: str, code: str) -> str:
    label = LEDGER_CODE_LABELS.get(kind, {}).get(code)
    return str(label) if label is not None else code.replace("_", " ")


def month_short(period: Period) -> str:
    """"Oct" / "10月": a month on a chart's axis."""
    return format_skeleton("MMM", date(period.year, period.index, 1), locale=get_locale())


def period_name(period: Period) -> str:
    """"October 2026", "Q3 2026", "first half of 2026", "2026" in the reader's language."""
    if period.kind == "month":
        return format_skeleton("yMMMM", date(period.year, period.index, 1), locale=get_locale())
    if period.kind == "quarter":
        return gettext("Q%(quarter)s %(year)s", quarter=period.index, year=period.year)
    if period.kind == "half":
        if period.index == 1:
            return gettext("first half of %(year)s", year=period.year)
        return gettext("second half of %(year)s", year=period.year)
    return str(period.year)

# Whose target each preset line is (RULES 5.9), so three lines do not share one caption.
TARGET_NAMES = {
    ("satisfaction_rate", 0.90): _l("the tobacco retail rules (seed 000)"),
    ("satisfaction_rate", 0.85): _l("the quality management rules (seed 002)"),
    ("satisfaction_rate", 0.93): _l("telecom engineering (seed 002)"),
}
