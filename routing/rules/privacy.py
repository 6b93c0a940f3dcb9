"""Customers' data on staff pages, in the API and in exports (RULES 7:
customers' data must not leak): one mask for phone numbers everywhere."""
from __future__ import annotations

import phonenumbers


def mask_phone(e164: str | None) -> str:
    """"+86 138****5678": enough to recognise a number, not to dial it; ""
    for no number. For staff without the right to see numbers, and for
    exports. At least four digits are always hidden.
    """
    if not e164:
        return ""
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
