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


def mask_phone(e164: str) -> str:
    """"+86 138****5678": enough to recognise a number, not to dial it.

    For staff without the right to see numbers, and for exports. At least
    four digits are always hidden.
    """
    try:
        number = phonenumbers.parse(e164, None)
        prefix = f"+{number.country_code} "
        digits = phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        # Legacy or hand-entered data: mask what is there rather than fail.
        prefix, digits = "", "".join(ch for ch in e164 if ch.isdigit())
    tail = max(0, min(4 if len(digits) >= 8 else 2, len(digits) - 4))
    head = max(0, min(3, len(digits) - tail - 4))
    hidden = len(digits) - head - tail
    return prefix + digits[:head] + "*" * hidden + digits[len(digits) - tail:]
