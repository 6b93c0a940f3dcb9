"""Customers' data on staff pages (RULES 7: customers' data must not leak).

Routing never imports intake, so it keeps its own mask for staff without the
right to see phone numbers. It is deliberately stricter than
intake.phone.mask_phone (which keeps the first digits for exports): a handler
only needs to tell two callers apart, so only the country code and the last
four digits show.
"""
from __future__ import annotations

import phonenumbers


def mask_phone(phone: str | None) -> str:
    """"+86 *******5678" for "+8613812345678"; "" for no number."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, None)
        prefix, digits = f"+{number.country_code} ", phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        # Hand-entered or legacy data: mask what is there rather than fail.
        prefix, digits = "", "".join(ch for ch in phone if ch.isdigit())
    shown = 4 if len(digits) >= 8 else len(digits) // 3
    return prefix + "*" * (len(digits) - shown) + digits[len(digits) - shown:]
