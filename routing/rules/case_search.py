"""What a search for a case means: a reference, a phone number or words.

Staff type what the customer says on the phone: "C-2026-000123",
"2026-000123", "+86 138 1234 5678", "138-1234-5678", "张". A reference and a
phone number are turned into the form they are stored in (C-YYYY-NNNNNN,
E.164) so the query compares a stored column with a value and its index
serves it; only words are searched inside the name and the description.
Pure: no database, no web framework.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# "C-2026-000123", "c 2026 000123", "2026-000123", "2026000123" (the case
# number's digits are its id, zero-padded to six).
_REFERENCE = re.compile(r"^(?:C\s*-?\s*)?((?:19|20)\d{2})\s*[-/]?\s*(\d{1,9})$", re.IGNORECASE)
_PHONE_SEPARATORS = re.compile(r"[\s().\-\u2010-\u2015\u00a0]")
# The longest text searched; the queue's form allows no more.
MAX_LENGTH = 100


@dataclass(frozen=True)
class CaseQuery:
    """The forms a search may take; empty when nothing was typed."""

    references: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    words: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.references or self.phones or self.words)


def reference_of(text: str) -> str | None:
    """The stored reference a typed one means, with or without "C-"."""
    match = _REFERENCE.match(text.strip())
    if match is None:
        return None
    year, number = match.groups()
    return f"C-{year}-{int(number):06d}"


def phone_of(text: str, region: str = "CN") -> str | None:
    """The E.164 number a typed one means ("+86 138-1234-5678",
    "008613812345678", "8613812345678", "13812345678"), or None."""
    compact = _PHONE_SEPARATORS.sub("", text.strip())
    if compact.startswith("\uff0b"):  # a full-width plus from a Chinese keyboard
        compact = "+" + compact[1:]
    digits = compact.removeprefix("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 17:
        return None
    candidates = [compact]
    if not compact.startswith("+") and not compact.startswith("0"):
        # A country code typed without its plus: "86 138 1234 5678".
        candidates.append("+" + compact)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def read_query(text: str | None, region: str = "CN") -> CaseQuery:
    """A reference or a phone number is looked up as stored, exactly;
    anything else is words, found in the customer's name and the description."""
    text = (text or "").strip()[:MAX_LENGTH]
    if not text:
        return CaseQuery()
    reference, phone = reference_of(text), phone_of(text, region)
    if reference and phone and not text.startswith(("0", "1", "+", "\uff0b")):
        # "2026-000123" also parses as a Guangzhou landline without its
        # trunk 0, which nobody writes: a reference it is.
        phone = None
    if reference or phone:
        return CaseQuery(references=(reference,) if reference else (), phones=(phone,) if phone else ())
    return CaseQuery(words=text)


def phone_digits(words: str) -> str | None:
    """Part of a number ("尾号 5678": the last digits people quote), searched
    inside the stored numbers like words; None when the words are not digits."""
    compact = _PHONE_SEPARATORS.sub("", words).removeprefix("+")
    return compact if compact.isdigit() and len(compact) >= 4 else None


def like_pattern(words: str) -> str:
    """A LIKE pattern for words anywhere, with LIKE's own wildcards taken
    literally (escaped with a backslash)."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
