"""What the score pages share: the organisation's time zone and units shown
as a tree."""
from __future__ import annotations

from flask import current_app
from wtforms.fields.choices import SelectChoice

from routing.models import Unit


def timezone() -> str:
    return current_app.config["TIMEZONE"]


def tree_order(units: list[Unit]) -> list[Unit]:
    """Parents before their children, siblings by code; `depth` set for indenting."""
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered: list[Unit] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: u.code):
            unit.depth = depth
            ordered.append(unit)
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def unit_choices(units: list[Unit]) -> list[SelectChoice]:
    """Units indented under their parents."""
    return [SelectChoice(u.id, "\u2003" * u.depth + f"{u.name} ({u.code})") for u in units]
