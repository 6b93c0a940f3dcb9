"""Forms of the handler pages (the words they show are routing.labels').

Forms check the shape of input only; whether a step is allowed is the
access policy's and the services' business (routing.rules.access,
routing.services.lifecycle, routing.services.callback_outcome).
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from routing.labels import (
    AREA_LABELS,
    BASIS_LABELS,
    CALLBACK_ITEM_LABELS,
    CALLBACK_LEVEL_LABELS,
    CALLBACK_OUTCOME_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    KIND_LABELS,
    OFFICIAL_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
    UNIT_LABELS,
    WEEKDAY_LABELS,
)
from routing.rules.callback_rules import CALLBACK_ITEMS, CALLBACK_LEVELS
from routing.rules.official_days import YEARS
from routing.rules.policy_match import MAX_ESCALATION_DELAY
from routing.rules.timelimits import TARGETS, too_long
from routing.vocabulary import AREAS, CASE_CATEGORIES, CASE_KINDS, CASE_STATUSES, CHANNELS, SEVERITIES


def any_option() -> SelectChoice:
    return SelectChoice("", _l("Any"))


def options(labels: dict, codes=None) -> list[SelectChoice]:
    return [SelectChoice(code, labels.get(code, code)) for code in (labels if codes is None else codes)]


class QueueFilterForm(FlaskForm):
    """The queue's filters: a GET form, so a filtered queue is a link."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[any_option(), *options(STATUS_LABELS, CASE_STATUSES)], default="")
    kind = SelectField(_l("Kind"), choices=[any_option(), *options(KIND_LABELS, CASE_KINDS)], default="")
    category = SelectField(_l("Category"), choices=[any_option(), *options(CATEGORY_LABELS, CASE_CATEGORIES)],
                           default="")
    unit = SelectField(_l("Unit"), choices=[any_option()], default="")
    q = SearchField(_l("Reference, phone, name or words"), validators=[Optional(), Length(max=100)])


class StepForm(FlaskForm):
    """A step with nothing to fill in (claim, start, resume, arrival, close):
    the form is there for its CSRF token."""


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=1000)],
                         description=_l("The customer receives this by SMS or e-mail and sees it on their "
                                        "tracking page."))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("Only staff see notes."))


class ComposeForm(FlaskForm):
    """The case page's one composer: a reply the customer receives, or a
    note only staff see, chosen with a switch (the same rules as ReplyForm
    and NoteForm)."""

    audience = RadioField(_l("Write"), default="customer", validators=[InputRequired()], choices=[
        SelectChoice("customer", _l("Reply to the customer")), SelectChoice("internal", _l("Internal note"))])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=2000)])

    LIMITS = {"customer": 1000, "internal": 2000}

    def validate_body(self, field) -> None:
        limit = self.LIMITS.get(self.audience.data, 1000)
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("Please keep it to %(max)s characters or fewer.", max=limit))


class TransferForm(FlaskForm):
    to_staff = SelectField(_l("To a colleague"), default="",
                           choices=[SelectChoice("", _l("Nobody: choose a unit instead"))])
    to_unit = SelectField(_l("Or to a unit's queue"), default="",
                          choices=[SelectChoice("", _l("No unit: choose a colleague instead"))])
    reason = TextAreaField(_l("Reason for the transfer"), validators=[DataRequired(), Length(max=500)])

    def validate_to_unit(self, field) -> None:
        if bool(self.to_staff.data) == bool(field.data):
            raise ValidationError(_l("Choose either a colleague or a unit."))


class AppointmentForm(FlaskForm):
    at = DateTimeLocalField(_l("Agreed time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class WeatherForm(FlaskForm):
    reason = StringField(_l("What weather prevents the work?"), validators=[DataRequired(), Length(max=300)])


class WaitForm(FlaskForm):
    reason = StringField(_l("What are we waiting for?"), validators=[DataRequired(), Length(max=300)])


class ResolveForm(FlaskForm):
    summary = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=2000)],
                            description=_l("The customer sees this summary; a callback is scheduled."))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is the customer not satisfied?"), validators=[DataRequired(), Length(max=500)])


def _level_field(item: str) -> RadioField:
    return RadioField(CALLBACK_ITEM_LABELS[item], choices=options(CALLBACK_LEVEL_LABELS, CALLBACK_LEVELS),
                      validators=[Optional()])


class CallbackOutcomeForm(FlaskForm):
    """RULES 4: the outcome of the call and the four-item, four-level survey."""

    outcome = RadioField(_l("Outcome of the call"), choices=options(CALLBACK_OUTCOME_LABELS),
                         validators=[InputRequired(message=_l("Choose the outcome of the call."))])
    attitude = _level_field("attitude")
    skill = _level_field("skill")
    arrival_time = _level_field("arrival_time")
    keeping_promises = _level_field("keeping_promises")
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)])
    reopen = BooleanField(_l("Customer not satisfied: reopen the case"))
    reopen_reason = StringField(_l("Why is the customer not satisfied?"), validators=[Optional(), Length(max=500)],
                                description=_l("Only when the case is to be reopened."))
    call_again_at = DateTimeLocalField(_l("Call again at"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                       description=_l("When nobody answered: the time the next call is due. "
                                                      "Empty: the next callback window."))

    def answers(self) -> dict[str, str]:
        return {item: getattr(self, item).data for item in CALLBACK_ITEMS if getattr(self, item).data}

    def validate_outcome(self, field) -> None:
        if field.data == "reached" and not self.answers():
            raise ValidationError(_l("The customer was reached: record at least one of their answers."))
        if field.data != "reached" and self.reopen.data:
            raise ValidationError(_l("A case can only be reopened after talking to the customer."))

    def validate_reopen(self, field) -> None:
        if field.data and not (self.reopen_reason.data or "").strip():
            raise ValidationError(_l("Say why the customer is not satisfied."))


# --- administration: time-limit policies and working calendars ----------------

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


_TIME = Regexp(r"^\d{2}:\d{2}$", message=_l("Write the time as HH:MM, such as 21:00."))


def _periods(text: str | None) -> list[list[str]]:
    """Lines "2027-02-05 2027-02-11" -> [["2027-02-05", "2027-02-11"]]; a
    ValueError names the first line not understood (or a period that ends
    before it begins)."""
    periods = []
    for line in filter(None, (line.strip() for line in (text or "").splitlines())):
        parts = re.split(r"\s*(?:\s|~|–|至)\s*", line)
        try:
            first, last = (date.fromisoformat(p) for p in parts)
        except ValueError:
            raise ValueError(line) from None
        if last < first:
            raise ValueError(line)
        periods.append([first.isoformat(), last.isoformat()])
    return periods


class LimitForm(Form):
    """One target of a policy; no amount (and not "the same day") means no limit."""

    amount = DecimalField(_l("Amount"), places=None, validators=[Optional(), NumberRange(min=0)])
    unit = SelectField(lazy_pgettext("time", "Unit"), choices=options(UNIT_LABELS), default="hours")
    basis = SelectField(_l("Counted on"), choices=options(BASIS_LABELS), default="")
    cutoff = StringField(_l("Cut-off (same day)"), validators=[Optional(), _TIME])
    pauses = BooleanField(_l("Pauses while waiting for the customer"), default=True)

    def validate_amount(self, field) -> None:
        if field.data is not None and too_long(field.data, self.unit.data):
            raise ValidationError(_l("A time limit can be at most a year."))

    def is_set(self) -> bool:
        return self.amount.data is not None or self.unit.data == "same_day"

    def limit_data(self) -> dict:
        amount = self.amount.data or 0
        return {"amount": int(amount) if amount == int(amount) else float(amount), "unit": self.unit.data,
                "basis": self.basis.data or None, "cutoff": self.cutoff.data or None, "pauses": self.pauses.data}


def _criterion(label, labels: dict, codes) -> SelectField:
    return SelectField(label, choices=[any_option(), *options(labels, codes)], default="")


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80), Regexp(NAME_PATTERN, message=_l(
        "Use letters, digits, dots, dashes and underscores."))])
    kind = _criterion(_l("Kind"), KIND_LABELS, CASE_KINDS)
    category = _criterion(_l("Category"), CATEGORY_LABELS, CASE_CATEGORIES)
    severity = _criterion(_l("Severity"), SEVERITY_LABELS, SEVERITIES)
    area = _criterion(_l("Area"), AREA_LABELS, AREAS)
    channel = _criterion(_l("Channel"), CHANNEL_LABELS, CHANNELS)
    priority = IntegerField(_l("Priority"), default=0,
                            validators=[InputRequired(), NumberRange(min=-1000, max=1000)],
                            description=_l("Among equally specific policies, the higher priority wins."))
    calendar = SelectField(_l("Working calendar"), choices=[])
    warn_percent = IntegerField(_l("Warn when this share of the limit has passed (%)"), default=75,
                                validators=[InputRequired(), NumberRange(min=1, max=100)])
    escalation_delay = IntegerField(_l("Minutes between escalation levels after a miss"), default=1440,
                                    validators=[InputRequired(), NumberRange(min=1, max=MAX_ESCALATION_DELAY)])
    active = BooleanField(_l("Active"), default=True)
    cutoff = StringField(_l("Cut-off for reports"), validators=[Optional(), _TIME], description=_l(
        "A report received at or after this time is due, for every target, from the next morning's start of "
        "duty on the calendar, such as 21:00. Empty: none."))
    special_cutoff = StringField(_l("Cut-off in special periods"), validators=[Optional(), _TIME], description=_l(
        "Applies instead on the days listed below; 24:00 or empty: none."))
    special_periods = TextAreaField(_l("Special periods"), validators=[Optional(), Length(max=2000)], description=_l(
        "One period a line, first and last day: 2027-02-05 2027-02-11."))
    acknowledge = FormField(LimitForm, label=TARGET_LABELS["acknowledge"])
    first_response = FormField(LimitForm, label=TARGET_LABELS["first_response"])
    arrival = FormField(LimitForm, label=TARGET_LABELS["arrival"])
    resolution = FormField(LimitForm, label=TARGET_LABELS["resolution"])
    closure = FormField(LimitForm, label=TARGET_LABELS["closure"])

    def validate_special_periods(self, field) -> None:
        try:
            _periods(field.data)
        except ValueError as error:
            raise ValidationError(_l("This line is not understood: %(line)s", line=str(error))) from None

    def policy_data(self) -> dict:
        """The plain data routing.services.policy_editing.update_policy takes."""
        data = {c: getattr(self, c).data or None for c in ("kind", "category", "severity", "area", "channel")}
        data.update(priority=self.priority.data, calendar=self.calendar.data,
                    warn_fraction=self.warn_percent.data / 100, escalation_delay=self.escalation_delay.data,
                    cutoff=self.cutoff.data or None, special_cutoff=self.special_cutoff.data or None,
                    special_periods=_periods(self.special_periods.data),
                    limits={t: getattr(self, t).form.limit_data() for t in TARGETS if getattr(self, t).form.is_set()})
        return data

    def fill(self, data: dict, active: bool) -> None:
        """Show a stored policy (policy_to_dict's form)."""
        for criterion in ("kind", "category", "severity", "area", "channel"):
            getattr(self, criterion).data = data.get(criterion) or ""
        self.priority.data = data.get("priority", 0)
        self.calendar.data = data.get("calendar")
        self.warn_percent.data = round(data.get("warn_fraction", 0.75) * 100)
        self.escalation_delay.data = data.get("escalation_delay")
        self.active.data = active
        self.cutoff.data, self.special_cutoff.data = data.get("cutoff") or "", data.get("special_cutoff") or ""
        self.special_periods.data = "\n".join(f"{a} {b}" for a, b in data.get("special_periods", []))
        for target in TARGETS:
            limit, sub = data.get("limits", {}).get(target), getattr(self, target).form
            if limit:
                sub.amount.data = limit.get("amount") if limit.get("unit") != "same_day" else None
                sub.unit.data, sub.basis.data = limit["unit"], limit.get("basis") or ""
                sub.cutoff.data, sub.pauses.data = limit.get("cutoff") or "", limit.get("pauses", True)


_HOURS = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")


def parse_hours(text: str) -> list[list[str]]:
    """"09:00-12:00, 13:30-17:30" -> [["09:00", "12:00"], ["13:30", "17:30"]]."""
    hours = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;，；]", text or ""))):
        match = _HOURS.match(part)
        if not match:
            raise ValueError(part)
        hours.append([match.group(1).zfill(5), match.group(2).zfill(5)])
    return hours


def format_hours(hours) -> str:
    return ", ".join(f"{a}-{b}" for a, b in hours)


def _hours_field(label) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=200)])


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80), Regexp(NAME_PATTERN, message=_l(
        "Use letters, digits, dots, dashes and underscores."))])
    tz = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)])
    always_open = BooleanField(_l("Always open (24x7): every minute counts"))
    mon = _hours_field(WEEKDAY_LABELS["mon"])
    tue = _hours_field(WEEKDAY_LABELS["tue"])
    wed = _hours_field(WEEKDAY_LABELS["wed"])
    thu = _hours_field(WEEKDAY_LABELS["thu"])
    fri = _hours_field(WEEKDAY_LABELS["fri"])
    sat = _hours_field(WEEKDAY_LABELS["sat"])
    sun = _hours_field(WEEKDAY_LABELS["sun"])
    official = SelectField(_l("Official holidays"), choices=options(OFFICIAL_LABELS), default="", description=_l(
        "Follow a country's official arrangement: each year's public holidays and make-up working days are "
        "filled in from python-holidays, make-up days worked on the Monday-to-Friday hours."))
    holidays = TextAreaField(_l("Holidays"), validators=[Optional(), Length(max=20000)], description=_l(
        "Your own: one date a line, such as 2026-10-01. For a part-day holiday add the hours that are not "
        "worked: 2026-12-24 13:30-17:30. They win over the official days, and a refresh never removes them."))
    workdays = TextAreaField(_l("Make-up working days"), validators=[Optional(), Length(max=20000)], description=_l(
        "Your own: one date a line with its working hours, such as 2026-10-10 09:00-12:00, 13:30-17:30. They "
        "win over the official days: a day the official list wrongly gives off is corrected here."))
    confirmed_years = StringField(_l("Years confirmed by hand"), validators=[Optional(), Length(max=200)],
                                  description=_l("Years whose official notice you entered yourself, such as "
                                                 "2027: their deadlines count as confirmed."))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self._data = {"tz": self.tz.data.strip(), "always_open": self.always_open.data}
        if self.always_open.data:
            return True
        self._data["official"] = self.official.data or None
        years = [y for y in re.split(r"[\s,，;；]+", self.confirmed_years.data or "") if y]
        if not all(y.isascii() and y.isdigit() and int(y) in YEARS for y in years):
            self.confirmed_years.errors = [*self.confirmed_years.errors, _l("Write years such as 2027, 2028.")]
        elif years and not self.official.data:
            self.confirmed_years.errors = [*self.confirmed_years.errors, _l(
                "Only a calendar that follows official holidays has years to confirm.")]
        else:
            self._data["confirmed_years"] = sorted({int(y) for y in years})
        self._data["weekly"] = {}
        for day in WEEKDAY_LABELS:
            field = getattr(self, day)
            try:
                if hours := parse_hours(field.data):
                    self._data["weekly"][day] = hours
            except ValueError:
                field.errors = [*field.errors, _l("Write the hours as 09:00-12:00, 13:30-17:30.")]
        for name, needs_hours in (("holidays", False), ("workdays", True)):
            field = getattr(self, name)
            try:
                self._data[name] = _dated_lines(field.data, needs_hours)
            except ValueError as error:
                field.errors = [*field.errors, _l("This line is not understood: %(line)s", line=str(error))]
        return not any(f.errors for f in self)

    def calendar_data(self) -> dict:
        """The plain data routing.services.policy_editing.update_calendar takes (after validate())."""
        return self._data

    def fill(self, data: dict) -> None:
        self.tz.data, self.always_open.data = data.get("tz"), data.get("always_open", False)
        self.official.data = data.get("official") or ""
        self.confirmed_years.data = ", ".join(str(y) for y in data.get("confirmed_years", []))
        for day in WEEKDAY_LABELS:
            getattr(self, day).data = format_hours(data.get("weekly", {}).get(day, []))
        self.holidays.data = "\n".join(f"{d} {format_hours(h)}".strip() for d, h in data.get("holidays", {}).items())
        self.workdays.data = "\n".join(f"{d} {format_hours(h)}".strip() for d, h in data.get("workdays", {}).items())


class ImportYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=YEARS[0], max=YEARS[-1])])


def _dated_lines(text: str | None, needs_hours: bool) -> dict[str, list[list[str]]]:
    """Lines "2026-10-01" or "2026-12-24 13:30-17:30" -> {date: hours}; a
    ValueError names the first line not understood."""
    dated = {}
    for line in filter(None, (line.strip() for line in (text or "").splitlines())):
        day, _sep, rest = line.partition(" ")
        try:
            date.fromisoformat(day)
            dated[day] = parse_hours(rest)
        except ValueError:
            raise ValueError(line) from None
        if needs_hours and not dated[day]:
            raise ValueError(line)
    return dated


class RoutingRuleForm(FlaskForm):
    """A routing rule: new cases of a category, arriving at a unit or below
    it, go to another unit's queue (one of the two criteria at least)."""

    category = SelectField(_l("Category"), default="",
                           choices=[any_option(), *options(CATEGORY_LABELS, CASE_CATEGORIES)])
    from_unit = SelectField(_l("Arriving at (and below)"), default="", choices=[any_option()])
    to_unit = SelectField(_l("Goes to the queue of"), validators=[DataRequired(_l("Choose the unit whose queue "
                                                                                  "takes these cases."))],
                          choices=[SelectChoice("", _l("Please choose"))])
    priority = IntegerField(_l("Priority"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)],
                            description=_l("Between two rules equally specific, the higher priority wins."))

    def validate_from_unit(self, field) -> None:
        if not field.data and not self.category.data:
            raise ValidationError(_l("A routing rule needs a category, a unit or both."))


class FactsForm(FlaskForm):
    """Change the facts of a case: what is sent is what the case becomes
    (an empty amount clears it); the reason goes on the timeline. Its
    fields are named apart from the other steps' on the same page."""

    fact_kind = SelectField(_l("Kind"), choices=options(KIND_LABELS, CASE_KINDS))
    fact_category = SelectField(_l("Category"), choices=options(CATEGORY_LABELS, CASE_CATEGORIES))
    fact_severity = SelectField(_l("Severity"), choices=options(SEVERITY_LABELS, SEVERITIES))
    fact_unit = SelectField(_l("Unit"), choices=[], coerce=str)
    fact_amount = DecimalField(_l("Amount claimed (yuan)"), places=2,
                                  validators=[Optional(), NumberRange(min=0, max=9999999999.99)],
                                  description=_l("Leave empty when the customer claims no money."))
    fact_reason = TextAreaField(_l("Why do the facts change?"), validators=[DataRequired(), Length(max=500)],
                           description=_l("On the timeline. The deadlines are recomputed, and a major complaint "
                                          "or a claim goes up at once to whoever may approve it."))
