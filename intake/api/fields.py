"""Declared inputs of the API: each field parses a JSON value (or a query
string) and describes itself as JSON Schema, so what the OpenAPI document
promises is what the endpoint accepts.

A field's error message completes the sentence "<field> is ...", which is how
a problem's detail names it (see base.invalid_fields).
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from intake.i18n import normalize_locale
from intake.phone import InvalidPhone, normalize_phone
from routing.services.org import UNIT_CODE, valid_timezone
from routing.web.glue import MAX_ID


class Invalid(ValueError):
    """One field's value refused; the message completes "<field> is ..."."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = False
    description: str = ""

    def schema(self) -> dict:
        raise NotImplementedError

    def parse(self, value):
        """A JSON value (never None: the caller handles absent and null)."""
        raise NotImplementedError

    def parse_text(self, text: str):
        """A query-string value."""
        return self.parse(text)

    def documented(self) -> dict:
        schema = self.schema()
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True)
class Text(Field):
    max_length: int = 200

    def schema(self) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length}

    def parse(self, value):
        if not isinstance(value, str):
            raise Invalid(_l("not a string"))
        if "\x00" in value:  # PostgreSQL refuses NUL in text
            raise Invalid(_l("not valid text"))
        value = value.strip()
        if not value:
            raise Invalid(_l("empty"))
        if len(value) > self.max_length:
            raise Invalid(_l("longer than %(n)s characters", n=self.max_length))
        return value


@dataclass(frozen=True)
class UnitCode(Text):
    """A unit's code, by the admin form's rule (routing.org.UNIT_CODE)."""

    max_length: int = 40

    def schema(self) -> dict:
        return {**super().schema(), "pattern": f"^{UNIT_CODE.pattern}$"}

    def parse(self, value):
        value = super().parse(value)
        if not UNIT_CODE.fullmatch(value):
            raise Invalid(_l("not a code: use letters, digits, dots, dashes and underscores"))
        return value


@dataclass(frozen=True)
class Integer(Field):
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> dict:
        schema = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def parse(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("not a whole number"))
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise Invalid(_l("not between %(low)s and %(high)s", low=self.minimum, high=self.maximum))
        return value

    def parse_text(self, text: str):
        text = text.strip()
        if not (text.isascii() and text.isdigit()):
            raise Invalid(_l("not a whole number"))
        return self.parse(int(text))


@dataclass(frozen=True)
class Boolean(Field):
    def schema(self) -> dict:
        return {"type": "boolean"}

    def parse(self, value):
        if not isinstance(value, bool):
            raise Invalid(_l("not true or false"))
        return value

    def parse_text(self, text: str):
        if text.lower() not in ("true", "false"):
            raise Invalid(_l("not true or false"))
        return text.lower() == "true"


@dataclass(frozen=True)
class Choice(Field):
    choices: Sequence[str] = ()

    def schema(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}

    def parse(self, value):
        if value not in self.choices:
            raise Invalid(_l("not one of: %(choices)s", choices=", ".join(self.choices)))
        return value


@dataclass(frozen=True)
class Timestamp(Field):
    """ISO-8601 with a UTC offset: a time without one is ambiguous."""
    def schema(self) -> dict:
        return {"type": "string", "format": "date-time"}

    def parse(self, value):
        try:
            if not isinstance(value, str):
                raise ValueError
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(_l("not an ISO-8601 time such as 2026-11-02T09:30:00+08:00")) from None
        if parsed.tzinfo is None:
            raise Invalid(_l("missing its UTC offset, such as +08:00 or Z"))
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:  # 0001-01-01T00:00+01:00
            raise Invalid(_l("not an ISO-8601 time such as 2026-11-02T09:30:00+08:00")) from None


@dataclass(frozen=True)
class Amount(Field):
    """Money as a decimal string ("120.50"); a JSON number is accepted too."""

    def schema(self) -> dict:
        return {"type": ["string", "number"], "pattern": r"^\d{1,10}(\.\d{1,2})?$"}

    def parse(self, value):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise Invalid(_l("not an amount such as 120.50"))
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise Invalid(_l("not an amount such as 120.50")) from None
        if not amount.is_finite() or amount < 0 or amount >= 10**10 or amount != amount.quantize(Decimal("0.01")):
            raise Invalid(_l("not an amount such as 120.50"))
        return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Phone(Field):
    """Normalised to E.164 in the organisation's default region."""
    def schema(self) -> dict:
        return {"type": "string", "maxLength": 40, "examples": ["+8613812345678", "13812345678"]}

    def parse(self, value):
        try:
            if not isinstance(value, str) or len(value) > 40:
                raise InvalidPhone(value)
            return normalize_phone(value, current_app.config["DEFAULT_REGION"])
        except InvalidPhone:
            raise Invalid(_l("not a valid phone number")) from None


@dataclass(frozen=True)
class Email(Text):
    max_length: int = 200

    def schema(self) -> dict:
        return {**super().schema(), "format": "email"}

    def parse(self, value):
        value = super().parse(value)
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value:
            raise Invalid(_l("not a valid e-mail address"))
        return value


@dataclass(frozen=True)
class Locale(Field):
    """A language the platform speaks; browser forms such as zh-CN are accepted."""
    def schema(self) -> dict:
        return {"type": "string", "examples": ["zh_Hans_CN", "en"]}

    def parse(self, value):

        locale = normalize_locale(value) if isinstance(value, str) else None
        if locale not in current_app.config["LANGUAGES"]:
            raise Invalid(_l("not one of: %(choices)s", choices=", ".join(current_app.config["LANGUAGES"])))
        return locale


@dataclass(frozen=True)
class TimeZone(Text):
    max_length: int = 64

    def schema(self) -> dict:
        return {**super().schema(), "examples": ["Asia/Shanghai"]}

    def parse(self, value):
        value = super().parse(value)
        if not valid_timezone(value):
            raise Invalid(_l("not an IANA time zone such as Asia/Shanghai"))
        return value


@dataclass(frozen=True)
class Reference(Field):
    """Another record named by its id (a JSON integer) or by its key (a JSON
    string: a unit's code, a staff member's username). The handler looks it
    up; the field only checks the shape."""
    key: str = "code"

    def schema(self) -> dict:
        return {"oneOf": [{"type": "integer", "description": "id"},
                          {"type": "string", "minLength": 1, "description": self.key}]}

    def parse(self, value):
        if isinstance(value, str) and value.strip() and "\x00" not in value and len(value) <= 200:
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
            return value
        raise Invalid(_l("not an id (a number) or a %(key)s (a string)", key=self.key))


@dataclass(frozen=True)
class Body:
    """A JSON object request body made of fields; other members are refused."""
    name: str
    fields: Sequence[Field] = field(default_factory=tuple)
    description: str = ""

    def schema(self) -> dict:
        schema = {
            "type": "object",
            "properties": {f.name: f.documented() for f in self.fields},
            "additionalProperties": False,
        }
        required = [f.name for f in self.fields if f.required]
        if required:
            schema["required"] = required
        if self.description:
            schema["description"] = self.description
        return schema

    def parse(self, data: dict) -> tuple[dict, dict]:
        """(values, errors): values has every declared field, absent ones None."""
        known = {f.name for f in self.fields}
        values, errors = parse_fields(self.fields, data.get, lambda f, raw: f.parse(raw))
        return values, {**{name: _l("not a known field") for name in data if name not in known}, **errors}


def parse_fields(fields: Sequence[Field], raw_of: Callable[[str], Any],
                 parse: Callable[[Field, Any], Any]) -> tuple[dict, dict]:
    """Every declared field parsed from raw_of(name) (None: absent, which is
    an error only for a required field); (values, errors by field)."""
    values, errors = {}, {}
    for f in fields:
        raw = raw_of(f.name)
        values[f.name] = None
        if raw is None:
            if f.required:
                errors[f.name] = _l("required")
            continue
        try:
            values[f.name] = parse(f, raw)
        except Invalid as exc:
            errors[f.name] = exc.message
    return values, errors


@dataclass(frozen=True)
class Cursor(Field):
    """The opaque place where the next page starts (keyset on id)."""
    PREFIX = "id:"

    def schema(self) -> dict:
        return {"type": "string"}

    @classmethod
    def encode(cls, last_id: int) -> str:
        return base64.urlsafe_b64encode(f"{cls.PREFIX}{last_id}".encode()).decode().rstrip("=")

    def parse(self, value):
        try:
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            text = ""
        number = text.removeprefix(self.PREFIX)
        if not text.startswith(self.PREFIX) or not (number.isascii() and number.isdigit()) or len(number) > 18:
            raise Invalid(_l("not a cursor this API gave out"))
        return int(number)
