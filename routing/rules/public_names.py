"""Who is handling a case, as the customer may read it (RULES 7: staff's
and customers' details do not leak). The organisation chooses: the unit
only (the default), or a first name with the staff number (as on a
counter's name badge: "王 · 1024"), or nothing. Pure."""
from __future__ import annotations

HANDLER_SHOWN = ("unit", "name_and_number", "none")


def first_name(display_name: str) -> str:
    """"Li Wei" -> "Li"; "王芳" -> "王" (a Chinese name's first character,
    the family name, which is how a customer addresses staff: 王经理)."""
    name = (display_name or "").strip()
    if not name:
        return ""
    if " " in name:
        return name.split()[0]
    return name[0] if not name.isascii() else name


def shown_handler(shown: str, *, display_name: str | None, staff_number: str | None,
                  unit_name: str | None) -> tuple[str | None, str | None]:
    """(name, staff number) or (unit name, None) to show the customer, or
    (None, None) when nothing may be shown or nobody handles it yet."""
    if shown == "name_and_number" and display_name:
        return first_name(display_name), staff_number
    if shown in ("unit", "name_and_number") and unit_name:
        return unit_name, None
    return None, None
