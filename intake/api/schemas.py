"""The API's field types and model bases, on pydantic: each type checks a
JSON value and describes itself as JSON Schema, so one declaration makes
both the check and the OpenAPI document.

A request is a Body (JSON, unknown members refused) or a Query (the query
string, other parameters ignored: ?lang= is the app's). Both are strict: a
number in quotes is not a number. An answer is an Answer, read from a record
or a dict; a field marked Read(...) is computed from the record.

Each type says, in words a person reads, what is wrong with a value (its
message completes "<field> is ..."). A value the document allows but the
service cannot use (a phone number that does not exist) is refused as
UNUSABLE, a 422 (intake.api.problems).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    model_validator,
)
from pydantic_core import core_schema

from intake.api.problems import UNUSABLE, refusal
from intake.i18n import SPELLINGS, normalize_locale
from intake.phone import normalize_phone
from routing.services.org import UNIT_CODE, UNIT_CODE_MAX, USERNAME, USERNAME_MAX, valid_timezone
from routing.web.glue import MAX_ID

# --- what each type says about a wrong value ------------------------------------------

def says(message, **by_error_type) -> WrapValidator:
    """Replace pydantic's message with ours: `message`, or the one given for
    pydantic's error type (a message, or a function of the value)."""
    def check(value, handler):
        try:
            return handler(value)
        except ValidationError as error:
            chosen = by_error_type.get(error.errors()[0]["type"], message)
            raise refusal(chosen(value) if callable(chosen) else chosen) from None
    return WrapValidator(check)


class Doc:
    """JSON Schema keywords a type adds to the document (a format, examples)."""

    def __init__(self, **keywords):
        self.keywords = keywords

    def __hash__(self):  # types are hashed when put in a union
        return id(self)

    def __get_pydantic_json_schema__(self, core_schema, handler):
        return {**handler(core_schema), **self.keywords}


def unusable(check: Callable[[Any], Any], message) -> AfterValidator:
    """A check the document cannot express; its refusal is a 422."""
    def run(value):
        try:
            return check(value)
        except ValueError:  # intake.phone.InvalidPhone is one
            raise refusal(message, UNUSABLE) from None
    return AfterValidator(run)


# --- field types --------------------------------------------------------------------------

# Something visible, and no NUL (PostgreSQL cannot store one).
VISIBLE = r"^[^\x00]*[^\x00-\x20][^\x00]*$"
_BLANK = "".join(map(chr, range(1, 33)))


def Text(max_length: int = 200):
    """Text with something visible in it; spaces around it are dropped."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=VISIBLE),
                     says(_l("not valid text"), string_type=_l("not a string"),
                          string_too_long=_l("longer than %(n)s characters", n=max_length),
                          string_pattern_mismatch=lambda v: _l("empty") if not v.strip(_BLANK) else _l("not valid text")),
                     AfterValidator(lambda value: value.strip(_BLANK))]


class LongestFrom:
    """A text's longest length, from a setting (COMMENT_MAX_LENGTH): the
    document is built per app, with the app's value."""

    def __init__(self, setting: str):
        self.setting = setting

    def __hash__(self):
        return hash(self.setting)

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        return {**handler(schema), "maxLength": current_app.config[self.setting]}

    def _check(self, value):
        longest = current_app.config[self.setting]
        if isinstance(value, str) and len(value) > longest:
            raise refusal(_l("longer than %(n)s characters", n=longest))
        return value


def _integral(value):
    """JSON Schema counts 5.0 as an integer, so do we."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def Whole(minimum: int, maximum: int):
    between = _l("not between %(low)s and %(high)s", low=minimum, high=maximum)
    return Annotated[int, Field(ge=minimum, le=maximum),
                     says(_l("not a whole number"), greater_than_equal=between, less_than_equal=between),
                     BeforeValidator(_integral)]


def choice(values: Sequence[str], message=None):
    """One of `values`, listed in the document."""
    return Annotated[Literal[tuple(values)],
                     says(message or _l("not one of: %(choices)s", choices=", ".join(values)))]


Id = Whole(1, MAX_ID)
Flag = Annotated[bool, says(_l("not true or false"))]

UnitCode = Annotated[str, StringConstraints(max_length=UNIT_CODE_MAX, pattern=f"^{UNIT_CODE.pattern}$"),
                     says(_l("not a code: use letters, digits, dots, dashes and underscores"))]
Username = Annotated[str, StringConstraints(max_length=USERNAME_MAX, pattern=f"^{USERNAME.pattern}$"),
                     says(_l("not a username: use letters, digits, dots, dashes, underscores and @"))]
UnitFilter = Annotated[UnitCode | None, Field(description="A unit's code: that unit and the units below it.")]
# Another record, by its id or by its key; the view looks it up.
UnitRef = Annotated[Id | UnitCode, says(_l("not an id (a number) or a %(key)s (a string)", key="code")),
                    Doc(description="A unit, by id or code.")]
StaffRef = Annotated[Id | Username, says(_l("not an id (a number) or a %(key)s (a string)", key="username")),
                     Doc(description="A staff member, by id or username.")]

# RFC 3339 with its UTC offset, years 1900 to 2999 (a time without an offset is ambiguous).
TIMESTAMP = (r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
             r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
_NOT_A_TIME = _l("not an ISO-8601 time such as 2026-11-02T09:30:00+08:00")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.upper()).astimezone(timezone.utc)


def _time_problem(value):
    if isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?$", value):
        return _l("missing its UTC offset, such as +08:00 or Z")
    return _NOT_A_TIME


Timestamp = Annotated[str, StringConstraints(pattern=TIMESTAMP), says(_NOT_A_TIME, string_pattern_mismatch=_time_problem),
                      AfterValidator(lambda text: _parsed(_utc, text, _NOT_A_TIME)),
                      Doc(format="date-time", examples=["2026-11-02T09:30:00+08:00"])]


def _parsed(parse, value, message):
    """A schema-shaped value that still does not parse (30 February) follows no document: 400."""
    try:
        return parse(value)
    except ValueError:
        raise refusal(message) from None


# Digits with the usual separators; whether the number exists is asked of phonenumbers.
PHONE = r"^\+?[ ()./-]*([0-9][ ()./-]*){5,}$"
Phone = Annotated[str, StringConstraints(max_length=40, pattern=PHONE), says(_l("not a valid phone number")),
                  unusable(lambda raw: normalize_phone(raw, current_app.config["DEFAULT_REGION"]),
                           _l("not a valid phone number")),
                  Doc(examples=["+8613812345678", "13812345678"])]

EMAIL = r"^[^@\x00-\x20]+@[^@\x00-\x20]+\.[^@\x00-\x20]+$"
Email = Annotated[str, StringConstraints(max_length=200, pattern=EMAIL), says(_l("not a valid e-mail address"))]

# Money: a decimal string with at most two decimals, or a JSON number (rounded to cents).
AMOUNT = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
_AMOUNT_MAX = 9_999_999_999.99
Amount = Annotated[Annotated[str, StringConstraints(pattern=AMOUNT)] | Annotated[float, Field(ge=0, le=_AMOUNT_MAX)],
                   says(_l("not an amount such as 120.50")),
                   AfterValidator(lambda v: Decimal(str(v)).quantize(Decimal("0.01"), ROUND_HALF_UP))]

Locale = Annotated[choice(SPELLINGS), unusable(lambda v: _known_locale(normalize_locale(v)),
                                               _l("not a language this platform speaks"))]


def _known_locale(locale: str | None) -> str:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValueError(locale)
    return locale


# The shape of an IANA zone name; whether the zone exists is asked of the zone database.
TIME_ZONE = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$"
_NO_ZONE = _l("not an IANA time zone such as Asia/Shanghai")


def _zone(name: str) -> str:
    if not valid_timezone(name):
        raise ValueError(name)
    return name


TimeZone = Annotated[str, StringConstraints(max_length=64, pattern=TIME_ZONE), says(_NO_ZONE),
                     unusable(_zone, _NO_ZONE), Doc(examples=["Asia/Shanghai"])]

# A cursor is where the next page starts: the id of the last item seen. None
# is above MAX_ID (a 32-bit column on PostgreSQL), so a larger one was never given out.
_NO_CURSOR = _l("not a cursor this API gave out")


def _cursor_id(text: str) -> int:
    if int(text) > MAX_ID:
        raise ValueError(text)
    return int(text)


Cursor = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,9}$"), says(_NO_CURSOR),
                   unusable(_cursor_id, _NO_CURSOR)]


# --- models ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Given:
    """Of these fields, at least one (or exactly one) is given and not null.
    `message` completes the sentence about `about` (the first by default)."""

    names: tuple[str, ...]
    message: Any
    exactly_one: bool = False
    when: tuple[str, Any] | None = None  # only when this field has this value
    about: str | None = None

    def applies(self, body) -> bool:
        return self.when is None or getattr(body, self.when[0]) == self.when[1]

    def holds(self, body) -> bool:
        given = sum(getattr(body, name) is not None for name in self.names)
        return given == 1 if self.exactly_one else given >= 1

    def schema(self) -> dict:
        options = [{"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in self.names]
        rule = {"oneOf" if self.exactly_one else "anyOf": options}
        if self.when is None:
            return rule
        name, value = self.when
        return {"if": {"required": [name], "properties": {name: {"const": value}}}, "then": rule}


class Body(BaseModel):
    """A JSON request body. `rules` ties fields together (Given)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
    rules: ClassVar[tuple[Given, ...]] = ()

    @model_validator(mode="after")
    def _rules_hold(self):
        for rule in self.rules:
            if rule.applies(self) and not rule.holds(self):
                raise refusal(rule.message, field=rule.about or rule.names[0])
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        schema = handler(core_schema)
        if cls.rules:
            handler.resolve_ref_schema(schema)["allOf"] = [rule.schema() for rule in cls.rules]
        return schema


class Query(BaseModel):
    """Query parameters; a repeated one is refused (each takes one value)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


@dataclass(frozen=True)
class Reading:
    """What answers are read with: the public URL, whether the token sees
    customers' phone numbers whole, and the request's time (how a deadline
    stands)."""

    public_url: str
    phone: Callable[[str | None], str | None]
    now: datetime


@dataclass(frozen=True)
class Read:
    """An answer's field computed from the record: Read(lambda record, reading: ...)."""

    get: Callable[[Any, Reading], Any]


class Answer(BaseModel):
    """A JSON answer, read from a record's attributes of the same names (or
    a dict); every field is always present, null when it has no value."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    @model_validator(mode="before")
    @classmethod
    def _read(cls, record: Any, info: ValidationInfo):
        if isinstance(record, dict):
            return record
        values = {}
        for name, info_field in cls.model_fields.items():
            reader = next((m for m in info_field.metadata if isinstance(m, Read)), None)
            values[name] = reader.get(record, info.context) if reader else getattr(record, name)
        return values
