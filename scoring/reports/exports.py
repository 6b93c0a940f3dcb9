"""Scorecards and drill-downs as JSON-ready dicts, CSV and XLSX. Phone
numbers never leave unmasked (RULES 7); callers audit every export
(scoring.services.sight.audit)."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _

from routing.rules.privacy import mask_phone
from scoring.engine.explain import describe
from scoring.engine.scorecard import Line, Scorecard
from scoring.reports.spreadsheet_cells import append_xlsx_row, csv_row
from scoring.reports.wording import joined
from scoring.services.metrics import RATES

Explain = Callable[[Line], str]


def number(value: Decimal | int | None, places: int = 2) -> float | int | None:
    """A Decimal as a JSON number, rounded for people (rates keep 4 places)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def metric_value(name: str, value: Decimal | int | None) -> float | int | None:
    return number(value, 4 if name in RATES else 2)


def _line(line: Line, explain: Explain) -> dict:
    return {"component": line.component, "points": number(line.points), "reason": line.reason,
            "ref": line.params.get("ref"), "explanation": explain(line)}


def scorecard_dict(card: Scorecard, *, name: str | None = None, place: int | None = None,
                   explain: Explain = describe) -> dict[str, Any]:
    """One scorecard as plain JSON values, every breakdown line explained."""
    return {
        "subject": card.subject, "name": name if name is not None else card.subject, "place": place,
        "scheme": card.scheme, "period": card.period, "total": number(card.total), "grade": card.grade,
        "money": number(card.money), "not_rated": card.not_rated, "not_rated_reason": card.not_rated_reason,
        "flags": list(card.flags),
        "components": [{"id": r.id, "present": r.present, "score": number(r.score), "weight": number(r.weight, 4)}
                       for r in card.components.values()],
        "breakdown": [_line(line, explain) for line in card.breakdown],
        "money_breakdown": [_line(line, explain) for line in card.money_breakdown],
    }


def _headers() -> list[str]:
    return [_("Place"), _("Code"), _("Name"), _("Scheme"), _("Period"), _("Total"), _("Grade"), _("Money (yuan)"),
            _("Not rated because"), _("Flags")]


def _summary(row: Mapping[str, Any]) -> list:
    return [row["place"], row["subject"], row["name"], row["scheme"], row["period"], row["total"], row["grade"],
            row["money"], row["not_rated_reason"], " ".join(row["flags"])]


def _component_ids(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(c["id"] for row in rows for c in row["components"]))


def _rows(cards: Iterable[Scorecard], names: Mapping[str, str] | None, places: Mapping[str, int] | None,
          explain: Explain) -> list[dict]:
    names, places = names or {}, places or {}
    return [scorecard_dict(c, name=names.get(c.subject), place=places.get(c.subject), explain=explain)
            for c in cards]


def to_csv(scorecards: Iterable[Scorecard], *, names: Mapping[str, str] | None = None,
           places: Mapping[str, int] | None = None, explain: Explain = describe) -> str:
    """One line per scorecard: the result, each component's own score, and
    the breakdown explained point by point in the last column."""
    rows = _rows(scorecards, names, places, explain)
    components = _component_ids(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(_headers() + components + [_("Breakdown"), _("Money breakdown")]))
    for row in rows:
        scores = {c["id"]: c["score"] for c in row["components"]}
        writer.writerow(csv_row(_summary(row) + [scores.get(cid) for cid in components]
                                + [joined(line["explanation"] for line in row["breakdown"]),
                                   joined(line["explanation"] for line in row["money_breakdown"])]))
    return out.getvalue()


def to_xlsx(scorecards: Iterable[Scorecard], *, names: Mapping[str, str] | None = None,
            places: Mapping[str, int] | None = None, explain: Explain = describe) -> bytes:
    """A workbook: the scorecards on one sheet, every breakdown line on another."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = _rows(scorecards, names, places, explain)
    components = _component_ids(rows)
    book = Workbook()
    summary = book.active
    summary.title = _("Scorecards")[:31]
    append_xlsx_row(summary, _headers() + components)
    for row in rows:
        scores = {c["id"]: c["score"] for c in row["components"]}
        append_xlsx_row(summary, _summary(row) + [scores.get(cid) for cid in components])
    lines = book.create_sheet(_("Breakdown")[:31])
    append_xlsx_row(lines, [_("Code"), _("Name"), _("Component"), _("Points"), _("Explanation")])
    for row in rows:
        for line in row["breakdown"] + row["money_breakdown"]:
            append_xlsx_row(lines, [row["subject"], row["name"], line["component"], line["points"],
                                    line["explanation"]])
    for sheet in (summary, lines):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- drill-downs


def _masked(key: str, value: Any) -> Any:
    if "phone" in key and isinstance(value, str) and "*" not in value:
        return mask_phone(value)
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return number(value, 4)
    return value


def drilldown_table(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list]]:
    """(columns, values) of drill-down rows, phone numbers masked."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return columns, [[_cell(_masked(k, row.get(k))) for k in columns] for row in rows]


def drilldown_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    columns, values = drilldown_table(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(columns))
    writer.writerows(csv_row(row) for row in values)
    return out.getvalue()


def drilldown_xlsx(rows: Sequence[Mapping[str, Any]]) -> bytes:
    from openpyxl import Workbook

    columns, values = drilldown_table(rows)
    book = Workbook()
    sheet = book.active
    append_xlsx_row(sheet, columns)
    for row in values:
        append_xlsx_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

