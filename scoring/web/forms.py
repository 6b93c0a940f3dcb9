"""Forms of the score pages (the words they show are scoring.labels').

Forms check the shape of input only; who may enter what, and the limits of a
score or a ledger entry, are scoring.services.entries' and the access
policy's business.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from scoring.engine.periods import MONTHS_IN, Period
from scoring.labels import (
    CHECKLIST_ITEMS,
    INSPECTION_KIND_LABELS,
    LEDGER_CODE_LABELS,
    LEDGER_KIND_LABELS,
    PERIOD_KIND_LABELS,
    SUBJECT_KIND_LABELS,
    VERDICT_LABELS,
    period_name,
)


def choices(labels: dict, group: str | None = None) -> list[SelectChoice]:
    return [SelectChoice(code, label, optgroup=group) for code, label in labels.items()]


def period_choices(current: Period, *, months: int = 18, quarters: int = 8, halves: int = 4,
                   years: int = 3) -> list[SelectChoice]:
    """Recent periods of every kind, newest first, in a group per kind
    (`current` is any period: each kind counts back from the one holding its start)."""
    out = []
    for kind, count in (("month", months), ("quarter", quarters), ("half", halves), ("year", years)):
        period = Period(current.year, kind, (current.first_month - 1) // MONTHS_IN[kind] + 1)
        for _ in range(count):
            out.append(SelectChoice(period.label, period_name(period), optgroup=str(PERIOD_KIND_LABELS[kind])))
            period = period.previous()
    return out


# --- forms ------------------------------------------------------------------

class DashboardForm(FlaskForm):
    """What to show: read from the query string, so a view is a link to share."""

    class Meta:
        csrf = False

    scheme = SelectField(_l("Scheme"), validators=[Optional()])
    period = SelectField(_l("Period"), validators=[Optional()])
    kind = SelectField(_l("Score"), choices=choices(SUBJECT_KIND_LABELS), validators=[Optional()])
    unit = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    level = SelectField(_l("Compare"), validators=[Optional()])


def _local_date_not_future(form, field):
    today = getattr(form, "today", None)
    if field.data and today and field.data > today:
        raise ValidationError(_l("The date cannot be in the future."))


class InspectionForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[InputRequired(_l("Choose the unit inspected."))])
    staff = SelectField(_l("Staff member (if the result is one person's)"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("Kind of inspection"), choices=choices(INSPECTION_KIND_LABELS),
                       validators=[DataRequired(_l("Choose the kind of inspection."))])
    item = SelectField(_l("Checklist item"), validators=[Optional()])
    held_on = DateField(_l("Held on"), validators=[InputRequired(_l("Give the date of the inspection.")),
                                                   _local_date_not_future])
    score = DecimalField(_l("Score"), places=2, validators=[
        Optional(), NumberRange(0, 100, _l("A score is between 0 and 100."))])
    problems = IntegerField(_l("Problems found"), validators=[
        Optional(), NumberRange(0, 10_000, _l("The number of problems must be 0 or more."))])
    period_label = StringField(_l("Period it counts for (if not the month it was held)"), validators=[
        Optional(), Regexp(r"^\s*\d{4}(-(\d{2}|[Qq][1-4]|[Hh][12]))?\s*$",
                           message=_l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.item.choices = [SelectChoice("", _l("Not a checklist item"))] + [
            SelectChoice(code, _l("%(item)s (at most %(points)s)", item=label, points=points))
            for code, (label, points) in CHECKLIST_ITEMS.items()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.score.data is None and self.problems.data is None and not self.score.errors:
            self.score.errors.append(_l("Give a score, a number of problems found, or both."))
            ok = False
        if self.kind.data == "checklist" and not self.item.data:
            self.item.errors.append(_l("Choose the checklist item this score is for."))
            ok = False
        if self.item.data and self.kind.data != "checklist":
            self.item.errors.append(_l("A checklist item goes with the kind \"Checklist item\"."))
            ok = False
        if self.item.data in CHECKLIST_ITEMS and self.score.data is not None \
                and self.score.data > CHECKLIST_ITEMS[self.item.data][1]:
            self.score.errors.append(_l("This item scores at most %(points)s.", points=CHECKLIST_ITEMS[self.item.data][1]))
            ok = False
        return ok


class ChecklistForm(FlaskForm):
    """The whole 100-point checklist (RULES 5.4) in one form: a score per item,
    each at most the item's points; items left empty were not checked."""

    unit = SelectField(_l("Station"), coerce=int, validators=[InputRequired(_l("Choose the unit inspected."))])
    held_on = DateField(_l("Held on"), validators=[InputRequired(_l("Give the date of the inspection.")),
                                                   _local_date_not_future])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def item_fields(self):
        return [getattr(self, f"item_{code}") for code in CHECKLIST_ITEMS]

    def scores(self) -> dict[str, object]:
        return {code: getattr(self, f"item_{code}").data for code in CHECKLIST_ITEMS
                if getattr(self, f"item_{code}").data is not None}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.scores():
            self.form_errors.append(_l("Give the score of at least one item."))
            ok = False
        return ok


for _code, (_label, _most) in CHECKLIST_ITEMS.items():
    setattr(ChecklistForm, f"item_{_code}", DecimalField(
        _l("%(item)s (at most %(points)s)", item=_label, points=_most), places=1,
        validators=[Optional(), NumberRange(0, _most, _l("This item scores at most %(points)s.", points=_most))]))


class VerdictForm(FlaskForm):
    verdict = RadioField(_l("Verdict"), choices=choices(VERDICT_LABELS),
                         validators=[InputRequired(_l("Choose valid, invalid or major."))])
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Give the reason for the verdict.")), Length(max=2000)])
    points = DecimalField(_l("Points"), places=1, validators=[
        Optional(), NumberRange(0.5, 20, _l("Points are between 0.5 and 20."))])
    close = BooleanField(_l("Close the case with this verdict"))


class LedgerForm(FlaskForm):
    staff = SelectField(_l("Staff member"), coerce=int, validators=[InputRequired(_l("Choose the staff member."))])
    code = SelectField(_l("What happened"), validators=[DataRequired(_l("Choose what happened."))])
    points = IntegerField(_l("Points"), validators=[
        InputRequired(_l("Give the points.")), NumberRange(1, 10, _l("Points are a whole number from 1 to 10."))])
    yuan = DecimalField(_l("Fine or reward (yuan)"), places=2, validators=[
        Optional(), NumberRange(0, 1_000_000, _l("The amount in yuan must be a number, 0 or more."))],
        description=_l("Only where the rules give a range, such as 200-300 yuan; empty: the amount set for the points."))
    occurred_at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(_l("Give the date and time, for example 2026-10-14 09:30."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = [SelectChoice(f"{kind}.{code}", label, optgroup=str(LEDGER_KIND_LABELS[kind]))
                             for kind, codes in LEDGER_CODE_LABELS.items() for code, label in codes.items()]

    @property
    def kind_and_code(self) -> tuple[str, str]:
        kind, _, code = (self.code.data or "").partition(".")
        return kind, code

    def validate_code(self, field):
        kind, code = self.kind_and_code
        if code not in LEDGER_CODE_LABELS.get(kind, {}):
            raise ValidationError(_l("Choose what happened from the list."))
