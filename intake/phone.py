"""Customers' phone numbers: one canonical form (E.164) and a masked form.

Every channel (SMS, web form, API, staff entry) normalises through here, so a
customer's second contact finds their first one whatever way they typed it.
"""
from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """Not a valid phone number; `.code` is the key a form or API shows."""

    code = "invalid_phone"

    def __init__(self, raw: object):
        super().__init__(f"{self.code}: {raw!r}")
        self.raw = raw


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """E.164 form of `raw` ("+8613812345678"); national numbers are read in
    `default_region`. Raises InvalidPhone for anything that is not a valid
    number."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone(raw)
    # phonenumbers reads letters as a keypad ("1-800-FLOWERS"); a customer's
    # typo such as "138abcd5678" must not turn into someone else's number.
    if any(ch.isalpha() for ch in raw):
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
