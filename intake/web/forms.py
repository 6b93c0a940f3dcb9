"""The customer's forms. They check what a person typed and say clearly what
is wrong; the services (intake.ratings, intake.complaints) hold the rules."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from intake.labels import CATEGORY_LABELS, DIMENSION_LABELS, KIND_LABELS
from intake.services.complaints import (
    ADDRESS_MAX_LENGTH,
    CALLBACK_MAX_LENGTH,
    CUSTOMER_CATEGORIES,
    CUSTOMER_KINDS,
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ComplaintRejected,
    UnitChoice,
    clean_email,
    clean_phone,
)
from intake.services.ratings import DIMENSIONS
from routing.labels import CALLBACK_SLOT_LABELS, SEVERITY_LABELS, STAFF_CHANNEL_LABELS
from routing.labels import CATEGORY_LABELS as ROUTING_CATEGORY_LABELS
from routing.labels import KIND_LABELS as ROUTING_KIND_LABELS
from routing.rules.answer import MAX_RINGS
from routing.vocabulary import CALLBACK_SLOTS, CASE_CATEGORIES, CASE_KINDS, SEVERITIES, STAFF_CHANNELS

SCALE = [SelectChoice(n, str(n)) for n in range(1, 6)]


def _checked_by(cleaner):
    """A service's cleaner as a field validator: the form shows the same
    message the service would refuse with."""

    def validate(form, field):
        try:
            cleaner(field.data)
        except ComplaintRejected as exc:
            raise ValidationError(str(exc.message)) from None

    return validate


def _phone(data):
    return clean_phone(data, current_app.config["DEFAULT_REGION"])


def unit_options(choices: list[UnitChoice]) -> list[SelectChoice]:
    """The units to pick, under their branch or service hall."""
    return [SelectChoice(choice.id, choice.name, optgroup=choice.group) for choice in choices]


class DetailsForm(FlaskForm):
    """Step two: everything optional."""

    attitude = RadioField(DIMENSION_LABELS["attitude"], choices=SCALE, coerce=int, validate_choice=False,
                          validators=[Optional(), NumberRange(min=1, max=5)])
    skill = RadioField(DIMENSION_LABELS["skill"], choices=SCALE, coerce=int, validate_choice=False,
                       validators=[Optional(), NumberRange(min=1, max=5)])
    timeliness = RadioField(DIMENSION_LABELS["timeliness"], choices=SCALE, coerce=int, validate_choice=False,
                            validators=[Optional(), NumberRange(min=1, max=5)])
    promises = RadioField(DIMENSION_LABELS["promises"], choices=SCALE, coerce=int, validate_choice=False,
                          validators=[Optional(), NumberRange(min=1, max=5)])
    comment = TextAreaField(_l("Anything else you would like to tell us?"))
    # Shown for a low rating only: leaving a number opens a case.
    contact_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=NAME_MAX_LENGTH)])
    contact_phone = TelField(_l("Phone number"), validators=[Optional(), _checked_by(_phone)])
    contact_email = EmailField(_l("E-mail address"), validators=[Optional(), Length(max=EMAIL_MAX_LENGTH),
                                                                _checked_by(clean_email)])

    def dimension_fields(self):
        return [getattr(self, name) for name in DIMENSIONS]


class ComplaintForm(FlaskForm):
    kind = SelectField(_l("What would you like to send?"), default="complaint",
                       choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in CUSTOMER_KINDS])
    category = SelectField(_l("What is it about?"), choices=[SelectChoice("", _l("Please choose"))]
                           + [SelectChoice(c, CATEGORY_LABELS[c]) for c in CUSTOMER_CATEGORIES],
                           validators=[DataRequired(_l("Please choose what it is about."))])
    description = TextAreaField(_l("What happened?"), validators=[
        DataRequired(_l("Please tell us what happened.")),
        Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Please keep the description under %(max)d characters.")),
    ])
    # For a repair: where, and whether anyone or anything is in danger now.
    address = StringField(_l("Address of the repair"), validators=[
        Optional(), Length(max=ADDRESS_MAX_LENGTH, message=_l("Please keep the address under %(max)d characters."))],
        description=_l("Needed for a repair: street, building, floor, room."))
    emergency = BooleanField(_l("This is an emergency: people or property are in danger now (someone trapped in "
                                "a lift, a live wire down, a smell of gas, no power for medical equipment)."))
    # 0 stands for "not sure": a handler will find the right place.
    unit = SelectField(_l("Where did it happen?"), coerce=int, default=0)
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=NAME_MAX_LENGTH)])
    phone = TelField(_l("Phone number"), validators=[Optional(), _checked_by(_phone)])
    email = EmailField(_l("E-mail address"), validators=[Optional(), Length(max=EMAIL_MAX_LENGTH),
                                                        _checked_by(clean_email)])
    callback_slot = SelectField(_l("When may we call you back?"),
                                choices=[SelectChoice(slot, CALLBACK_SLOT_LABELS[slot]) for slot in CALLBACK_SLOTS],
                                default="anytime")
    preferred_callback = StringField(_l("Anything else about when to call?"), validators=[
        Optional(), Length(max=CALLBACK_MAX_LENGTH,
                           message=_l("Please keep this under %(max)d characters."))])
    consent = BooleanField(
        _l("I agree that my details are used to handle this case and to contact me about it."),
        validators=[DataRequired(_l("We need your agreement to handle the case."))])
    touchpoint = HiddenField()
    rating = HiddenField()
    # One per page shown: a double click or a resent form opens one case.
    submission = HiddenField(validators=[Optional(), Length(max=64)])
    # Proof that the phone is the customer's, to add to their open case.
    code = StringField(_l("Code from our SMS"), validators=[Optional(), Length(max=12)])

    def set_unit_choices(self, choices: list[UnitChoice]) -> None:
        self.unit.choices = [SelectChoice(0, _l("I am not sure"))] + unit_options(choices)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == "repair" and not (self.address.data or "").strip():
            self.address.errors = [*self.address.errors, str(_l("Please tell us where the repair is needed."))]
            ok = False
        if not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            self.phone.errors = [*self.phone.errors,
                                 str(_l("Please give a phone number or an e-mail address so that we can reach you."))]
            ok = False
        return ok


class JoinCodeForm(FlaskForm):
    """Ask for a one-time code by SMS, to add to one's open case."""

    phone = TelField(_l("The phone number of your open case"), validators=[
        DataRequired(_l("Please enter the phone number of your open case.")), _checked_by(_phone)])
    touchpoint = HiddenField()


class TrackForm(FlaskForm):
    reference = StringField(_l("Case number"), validators=[
        DataRequired(_l("Please enter your case number.")), Length(max=20)])
    contact = StringField(_l("The phone number or e-mail address you gave us"), validators=[
        DataRequired(_l("Please enter your phone number or e-mail address.")), Length(max=EMAIL_MAX_LENGTH)])


class VerdictForm(FlaskForm):
    """After resolution: is the customer satisfied? Not satisfied reopens (RULES 4)."""

    verdict = RadioField(_l("Are you satisfied with how we resolved it?"), validators=[
        InputRequired(_l("Please choose one."))], choices=[
        SelectChoice("satisfied", _l("Satisfied")), SelectChoice("not_satisfied", _l("Not satisfied"))])
    reason = TextAreaField(_l("What is still wrong? (needed if you are not satisfied)"), validators=[
        Length(max=2000, message=_l("Please keep the message under %(max)d characters."))])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Add information to your case"), validators=[
        DataRequired(_l("Please write your message.")),
        Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Please keep the message under %(max)d characters."))])


class StaffIntakeForm(FlaskForm):
    """A contact a member of staff takes: a call, a visit, a letter, an
    e-mail, an opinion-book entry (first-responder responsibility starts
    here). The services hold the rules (routing.services.cases.open_or_join)."""

    channel = SelectField(_l("How did the customer contact us?"),
                          choices=[SelectChoice(c, STAFF_CHANNEL_LABELS[c]) for c in STAFF_CHANNELS])
    received_at = DateTimeLocalField(_l("When the contact came in"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()],
                                     description=_l("The time limits count from it. Now if left empty."))
    rings = IntegerField(_l("Rings before you answered"), validators=[
        Optional(), NumberRange(min=0, max=MAX_RINGS, message=_l("Between %(min)s and %(max)s, please."))],
        description=_l("Phone calls only: answering within the preset number of rings is the acknowledge target."))
    contact_name = StringField(_l("Customer's name"), validators=[Optional(), Length(max=NAME_MAX_LENGTH)])
    contact_phone = TelField(_l("Phone number"), validators=[Optional(), _checked_by(_phone)])
    contact_email = EmailField(_l("E-mail address"), validators=[Optional(), Length(max=EMAIL_MAX_LENGTH),
                                                                 _checked_by(clean_email)])
    contact_address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("What happened?"), validators=[
        DataRequired(_l("Please write down what the customer told you.")),
        Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Please keep the description under %(max)d characters.")),
    ])
    kind = SelectField(_l("Kind"), default="complaint",
                       choices=[SelectChoice(k, ROUTING_KIND_LABELS.get(k, k)) for k in CASE_KINDS])
    category = SelectField(_l("Category"), default="other",
                           choices=[SelectChoice(c, ROUTING_CATEGORY_LABELS.get(c, c)) for c in CASE_CATEGORIES])
    severity = SelectField(_l("Severity"), default="normal",
                           choices=[SelectChoice(s, SEVERITY_LABELS.get(s, s)) for s in SEVERITIES])
    amount_claimed = DecimalField(_l("Amount claimed (yuan)"), places=2, validators=[
        Optional(), NumberRange(min=0, max=9_999_999_999, message=_l("Please enter an amount of 0 or more."))])
    unit = SelectField(_l("Unit concerned"), coerce=int, default=0)
    about = SelectField(_l("About a member of staff"), coerce=int, default=0,
                        description=_l("They never handle the case or call the customer back: it goes to the "
                                       "unit that supervises them."))
    consent = BooleanField(_l("The customer agrees that their details are used to handle this case."))
    separate = BooleanField(_l("Another matter: open a new case even if the customer has an open one"))
    hand_over_to = SelectField(_l("Not within my duty: hand it over to"), coerce=int, default=0)
    reason = StringField(_l("Why you hand it over"), validators=[Optional(), Length(max=500)])

    def set_colleague_choices(self, choices: list[tuple[int, str]]) -> None:
        self.about.choices = [SelectChoice(0, _l("Nobody in particular"))] + [SelectChoice(*c) for c in choices]

    def set_unit_choices(self, choices: list[UnitChoice]) -> None:
        self.unit.choices = [SelectChoice(0, _l("Not known"))] + unit_options(choices)
        self.hand_over_to.choices = [SelectChoice(0, _l("Nobody: I handle it myself"))] + unit_options(choices)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.hand_over_to.data and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, str(_l("Say why you hand the case over."))]
            ok = False
        return ok
