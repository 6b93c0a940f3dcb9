"""The customer's forms. They check what a person typed and say clearly what
is wrong; the services (intake.ratings, intake.complaints) hold the rules."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

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
    clean_email,
    clean_phone,
)
from intake.services.ratings import DIMENSIONS
from routing.labels import CALLBACK_SLOT_LABELS
from routing.vocabulary import CALLBACK_SLOTS

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

    def set_unit_choices(self, choices: list[tuple[int, str]]) -> None:
        self.unit.choices = [SelectChoice(0, _l("I am not sure"))] + [SelectChoice(*c) for c in choices]

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


class TrackForm(FlaskForm):
    reference = StringField(_l("Case number"), validators=[
        DataRequired(_l("Please enter your case number.")), Length(max=20)])
    contact = StringField(_l("The phone number or e-mail address you gave us"), validators=[
        DataRequired(_l("Please enter your phone number or e-mail address.")), Length(max=EMAIL_MAX_LENGTH)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Add information to your case"), validators=[
        DataRequired(_l("Please write your message.")),
        Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Please keep the message under %(max)d characters."))])
