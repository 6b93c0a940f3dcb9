"""CSV and XLSX of scorecards with their breakdown, drill-downs with masked
phone numbers, and the quarterly quality analysis report (RULES 5.3)."""
import csv
import io
from datetime import date, datetime, timezone

import pypdfium2
import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from scoring.engine.periods import Period
from scoring.reports.exports import drilldown_csv, drilldown_xlsx, to_csv, to_xlsx
from scoring.reports.pdf_font import FONT_NAME
from scoring.reports.quarterly import ReportError, quarterly_report, quarterly_report_pdf, render_pdf
from scoring.services.metrics import drilldown
from scoring.services.scorecards import places, scorecards
from support.pdf import pdf_fonts, pdf_text
from support.records import Records

TZ = "Asia/Shanghai"
NOW = datetime(2026, 10, 2, tzinfo=timezone.utc)


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        with force_locale("en"):
            yield


@pytest.fixture
def october(session):
    rec = Records(session)
    o1 = rec.unit("O1")
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.rating(o1, "2026-10-05 10:00", 5)
    rec.rating(o1, "2026-10-06 10:00", 4)
    valid = rec.case(o1, "2026-10-10 09:00", phone="+8613912345678")
    rec.verdict(valid, "valid")
    rec.verdict(rec.case(o1, "2026-10-11 09:00", phone="+8613912345678"), "major")
    return {"unit": o1, "valid": valid}


def test_csv_explains_every_point(session, october, english):
    cards = scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [october["unit"].id], TZ)
    text = to_csv(cards, names={"O1": "Outlet one"}, places=places(cards))
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["Place"], row["Code"], row["Name"], row["Total"], row["Grade"]) == \
        ("1", "O1", "Outlet one", "77", "unqualified")
    assert row["Breakdown"].split("; ")[:2] == ["standards: starts at 50: +50",
                                                "standards: standards problem on_site 2026-10-01: -1"]
    assert f"complaints: valid complaint {october['valid'].reference}: -6" in row["Breakdown"]


def test_xlsx_has_the_scorecards_and_every_breakdown_line(session, october, english):
    cards = scorecards(session, "satisfaction_50_20_30", "2026-10", "unit", [october["unit"].id], TZ)
    book = load_workbook(io.BytesIO(to_xlsx(cards, names={"O1": "Outlet one"})))
    assert book.sheetnames == ["Scorecards", "Breakdown"]
    header, row = list(book["Scorecards"].values)
    assert header == ("Place", "Code", "Name", "Scheme", "Period", "Total", "Grade", "Money (yuan)",
                      "Not rated because", "Flags", "standards", "survey", "complaints")
    assert row[1:3] + row[5:7] + row[10:] == ("O1", "Outlet one", 77, "unqualified", 47, 18, 12)
    lines = list(book["Breakdown"].values)[1:]
    assert sum(points for _code, _name, _component, points, _text in lines) == 77
    assert ("O1", "Outlet one", "complaints", -6, f"complaints: valid complaint {october['valid'].reference}: -6") \
        in lines


def test_drilldown_exports_never_show_a_phone_number(session, october):
    rows = drilldown(session, "unit", october["unit"].id, Period.parse("2026-10"), "complaints", TZ)
    rows.append({"type": "case", "contact_phone": "+8613700001111"})  # even one that slipped through unmasked
    text = drilldown_csv(rows)
    assert "13912345678" not in text and "13700001111" not in text
    assert "+86 139****5678" in text and "+86 137****1111" in text
    sheet = load_workbook(io.BytesIO(drilldown_xlsx(rows))).active
    assert all("1234" not in str(cell) for row in sheet.values for cell in row)


@pytest.fixture
def quarter(session):
    rec = Records(session)
    good, poor = rec.unit("D1"), rec.unit("D2")
    good.name = "客户服务部"
    rec.inspection(good, "self_check", "2026-07", score=100)
    rec.inspection(poor, "self_check", "2026-Q3", score=80)
    for unit, score in ((good, 5), (poor, 5), (poor, 2)):
        rec.rating(unit, "2026-08-01 10:00", score)
    for day in (1, 2):
        complaint = rec.case(poor, f"2026-09-{day:02d} 09:00")
        complaint.category = "attitude"
        rec.verdict(complaint, "valid")
    session.flush()
    return {"good": good, "poor": poor}


def test_the_quarterly_report_gathers_scores_money_and_complaints(session, quarter, english):
    report = quarterly_report(session, "2026-Q3", TZ, unit_ids=[quarter["good"].id, quarter["poor"].id], now=NOW)
    assert report.meeting_on == date(2026, 10, 10)  # the 10th of the next quarter's first month
    assert [(r.code, r.place) for r in report.rows] == [("D1", 1), ("D2", 2)]
    good, poor = report.rows
    assert good.scorecard.total == 100 and good.scorecard.money == 10_000
    # 80 x 0.4 + 50 (1 of 2 satisfied) x 0.3 + 80 x 0.3 = 71: penalty counted at 90
    assert poor.scorecard.total == 71 and poor.scorecard.money == -5000
    assert poor.below_target and not good.below_target
    assert (report.penalties, report.rewards) == (5000, 10_000)
    assert report.complaint_categories == [("attitude", 2)]


def test_the_quarterly_report_pdf_prints_chinese(session, quarter, english):
    pdf = quarterly_report_pdf(session, Period.parse("2026-Q3"), TZ, unit_ids=[quarter["good"].id], now=NOW)
    assert pdf.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "客户服务部 (D1)" in text and "2026-10-10" in text


def test_the_pdf_explains_the_points_in_the_readers_language(app, session, quarter):
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        pdf = quarterly_report_pdf(session, Period.parse("2026-Q3"), TZ, unit_ids=[quarter["poor"].id], now=NOW)
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "得分71低于目标95" in text, text  # the penalty line of "Where the points went", in Chinese
    # Chinese punctuation between a line's parts, between lines and in the list of complaints.
    assert "：−3；投诉：有效投诉" in text and "服务态度：2" in text, text
    assert "below the target" not in text and "x weight" not in text
    assert "unqualified" not in text and "attitude" not in text  # grades and categories in words too
    # The minus sign and the points come through extraction as printed, in the embedded font only.
    assert "−3" in pdf_text(pdf) and pdf_fonts(pdf) == {FONT_NAME: True}, pdf_fonts(pdf)


def test_the_report_is_quarterly(session, english):
    with pytest.raises(ReportError):
        quarterly_report(session, "2026-10", TZ, now=NOW)


def test_an_empty_report_still_renders(session, english):
    assert render_pdf(quarterly_report(session, "2026-Q1", TZ, unit_ids=[], now=NOW)).startswith(b"%PDF")


def test_the_report_carries_the_trend_charts(session, quarter, english):
    report = quarterly_report(session, Period.parse("2026-Q3"), TZ, unit_ids=[quarter["poor"].id], now=NOW)
    assert [trend.metric for trend in report.trends] == ["satisfaction_rate", "complaint_rate",
                                                         "on_time_first_response", "on_time_resolution"]
    assert any(trend.chart.points for trend in report.trends)
    text = pdf_text(render_pdf(report))
    assert f"Trends of {report.scope_name}, twelve months to Q3 2026" in text
    assert "Service quality analysis, Q3 2026" in text and "Callbacks done" not in text  # a rate, named so
    assert "Satisfaction rate" in text and "On-time resolution" in text and "90.0%" in text  # the target's label
