"""Cells a spreadsheet program shows as text and never runs.

A customer's comment, a unit's name or an explanation that begins like a
formula (=, +, -, @, a tab or a line break: "=HYPERLINK(...)", DDE's
"=cmd|' /C calc'!A0", "@SUM(...)") would be computed when someone opens the
export. CSV has no types, so such text gets a leading apostrophe, which
spreadsheet programs read as "this is text" (OWASP's advice); a workbook
keeps the text as written, typed as text and marked quote-prefixed so that
editing the cell keeps it text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")  # "-6" is a number, not a formula


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)


def csv_row(values: Iterable) -> list:
    return ["'" + value if looks_like_formula(value) else value for value in values]


def append_xlsx_row(sheet, values: Iterable) -> None:
    sheet.append([_xlsx_cell(sheet, v) for v in values])


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    # Control characters other than tab and line breaks cannot be stored in a workbook at all.
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not looks_like_formula(value):
        return value
    cell = Cell(sheet, value=value)
    cell.data_type = "s"  # openpyxl takes it for a formula
    cell.quotePrefix = True
    return cell
