"""The quarterly service quality analysis report (RULES 5.3): each
department's quarterly scorecard with its reward or penalty, the metrics
behind it against the previous quarter and the targets of RULES 5.9, and what
customers complained about. Results are published at the quality analysis
meeting on the 10th of the first month of the next quarter.

quarterly_report() gathers the data for the printable page and the PDF;
render_pdf() lays it out with reportlab, in the CID font STSong-Light so
Chinese names and text render without embedding a font file.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.labels import CATEGORY_LABELS
from routing.models import Case
from scoring import labels
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.engine.scheme import load_scheme
from scoring.engine.scorecard import Scorecard
from scoring.reports import wording
from scoring.reports.exports import metric_value, number
from scoring.services.metrics import RATES, unit_closure, unit_metrics
from scoring.services.scorecards import places, ranked, scorecards_for, subjects

REPORT_SCHEME = "quality_department"
MEETING_DAY = 10  # RULES 5.3: the 10th of the first month of the next quarter
# RULES 5.9: the satisfaction target the report measures against (000 tobacco: 90%).
SATISFACTION_TARGET = Decimal("0.90")
REPORT_METRICS = ("satisfaction_rate", "ratings", "complaints", "valid_complaints", "complaint_rate",
                  "on_time_first_response", "on_time_resolution", "overdue", "callback_completion")
PDF_FONT = "STSong-Light"


class ReportError(ValueError):
    """A report asked for a period that is not a quarter."""


@dataclass(frozen=True)
class ReportRow:
    code: str
    name: str
    place: int | None
    scorecard: Scorecard
    metrics: dict
    previous: dict  # the same metrics, previous quarter

    @property
    def below_target(self) -> bool:
        rate = self.metrics.get("satisfaction_rate")
        return rate is not None and rate < SATISFACTION_TARGET

    def change(self, metric: str) -> Decimal | int | None:
        now, before = self.metrics.get(metric), self.previous.get(metric)
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class QuarterlyReport:
    period: Period
    previous: Period
    scheme: str
    scheme_title: str
    meeting_on: date
    generated_at: datetime
    rows: Sequence[ReportRow]
    complaint_categories: Sequence[tuple[str, int]]  # most frequent first
    satisfaction_target: Decimal = SATISFACTION_TARGET
    metric_names: Sequence[str] = field(default=REPORT_METRICS)

    @property
    def penalties(self) -> Decimal:
        return -sum((r.scorecard.money for r in self.rows if r.scorecard.money < 0), Decimal(0))

    @property
    def rewards(self) -> Decimal:
        return sum((r.scorecard.money for r in self.rows if r.scorecard.money > 0), Decimal(0))


def meeting_date(period: Period) -> date:
    following = period.next()
    return date(following.year, following.first_month, MEETING_DAY)


def quarterly_report(session: Session, period: Period | str, tz: str = DEFAULT_TIMEZONE, *,
                     unit_ids: Sequence[int] | None = None, scheme_name: str = REPORT_SCHEME,
                     now: datetime | None = None) -> QuarterlyReport:
    """The report's data for the units given (all active units when None)."""
    period = period if isinstance(period, Period) else Period.parse(period)
    if period.kind != "quarter":
        raise ReportError("the quality analysis report is quarterly: give a period such as 2026-Q3")
    scheme = load_scheme(scheme_name)
    units = subjects(session, "unit", unit_ids)
    ids = [u.id for u in units]
    cards = {c.subject: c for c in scorecards_for(session, scheme, period, "unit", units, tz)}
    placed = places(cards.values(), scheme.higher_is_better)
    current = unit_metrics(session, period, tz, ids, metrics=REPORT_METRICS) if ids else {}
    before = unit_metrics(session, period.previous(), tz, ids, metrics=REPORT_METRICS) if ids else {}
    by_code = {u.key: u for u in units}
    rows = [ReportRow(card.subject, by_code[card.subject].name, placed.get(card.subject), card,
                      current.get(by_code[card.subject].id, {}), before.get(by_code[card.subject].id, {}))
            for card in ranked(cards.values(), scheme.higher_is_better)]
    return QuarterlyReport(
        period=period, previous=period.previous(), scheme=scheme.name, scheme_title=scheme.title,
        meeting_on=meeting_date(period), generated_at=now or datetime.now(timezone.utc),
        rows=rows, complaint_categories=_complaint_categories(session, period, tz, ids))


def _complaint_categories(session: Session, period: Period, tz: str, unit_ids: Sequence[int]) -> list[tuple[str, int]]:
    """What customers complained about, across the units and everything below them."""
    if not unit_ids:
        return []
    scope = sorted({unit for unit, _ancestor in unit_closure(session, unit_ids)})
    start, end = period.bounds(tz)
    rows = session.execute(
        select(Case.category, func.count()).where(
            Case.kind == "complaint", Case.created_at >= start, Case.created_at < end, Case.unit_id.in_(scope))
        .group_by(Case.category).order_by(func.count().desc(), Case.category))
    return [(category, int(count)) for category, count in rows]


# --------------------------------------------------------------------------- PDF


def _shown(name: str, value) -> str:
    if value is None:
        return "-"
    if name in RATES:
        return f"{Decimal(value) * 100:.1f}%"
    return str(metric_value(name, value))


def render_pdf(report: QuarterlyReport, *, unit_label: str | None = None) -> bytes:
    """An A4 landscape PDF of the report."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=16, leading=22)
    text_style = ParagraphStyle("text", fontName=PDF_FONT, fontSize=9, leading=13)
    cell_style = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=8, leading=10)

    def para(text, style=cell_style):
        from xml.sax.saxutils import escape

        return Paragraph(escape(str(text)), style)

    story = [
        para(_("Service quality analysis, %(period)s", period=report.period.label), title_style),
        para(_("Scheme: %(scheme)s. Results for the quality analysis meeting on %(date)s.",
               scheme=labels.scheme_title(report.scheme, report.scheme_title),
               date=report.meeting_on.isoformat()), text_style),
        para(_("Penalties %(penalties)s yuan, rewards %(rewards)s yuan. Satisfaction target %(target)s%%.",
               penalties=number(report.penalties), rewards=number(report.rewards),
               target=number(report.satisfaction_target * 100)), text_style),
        Spacer(1, 4 * mm),
    ]
    header = [_("Place"), unit_label or _("Unit"), _("Score"), _("Grade"), _("Money (yuan)"),
              _("Satisfaction"), _("vs previous quarter"), _("Complaints"), _("Valid"),
              _("On-time first response"), _("On-time resolution"), _("Callbacks done")]
    table = [[para(h) for h in header]]
    for row in report.rows:
        card, m = row.scorecard, row.metrics
        change = row.change("satisfaction_rate")
        table.append([para(x) for x in (
            row.place or "-", f"{row.name} ({row.code})",
            _("not rated") if card.not_rated else number(card.total),
            labels.GRADE_LABELS.get(card.grade, card.grade) or "-", number(card.money),
            _shown("satisfaction_rate", m.get("satisfaction_rate")) + (" !" if row.below_target else ""),
            "-" if change is None else f"{change * 100:+.1f}",
            m.get("complaints", "-"), m.get("valid_complaints", "-"),
            _shown("on_time_first_response", m.get("on_time_first_response")),
            _shown("on_time_resolution", m.get("on_time_resolution")),
            _shown("callback_completion", m.get("callback_completion")))])
    grid = Table(table, repeatRows=1, colWidths=[12 * mm, 52 * mm] + [20 * mm] * 10)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(grid)
    story.append(Spacer(1, 5 * mm))
    story.append(para(_("Where the points went"), text_style))
    for row in report.rows:
        lines = row.scorecard.breakdown + row.scorecard.money_breakdown
        if lines:
            story.append(para(_("%(unit)s (%(code)s): %(lines)s", unit=row.name, code=row.code,
                                lines=wording.lines_text(lines)), text_style))
    if report.complaint_categories:
        story.append(Spacer(1, 5 * mm))
        story.append(para(_("What customers complained about"), text_style))
        story.append(para(pgettext("between list items", ", ").join(
            _("%(category)s: %(count)s", category=CATEGORY_LABELS.get(category, category), count=count)
            for category, count in report.complaint_categories), text_style))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title=f"Service quality {report.period.label}").build(story)
    return out.getvalue()


def quarterly_report_pdf(session: Session, period: Period, tz: str, **kwargs) -> bytes:
    """The quarterly quality analysis report of RULES 5.3 as a PDF."""
    return render_pdf(quarterly_report(session, period, tz, **kwargs))
