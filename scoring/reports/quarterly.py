"""The quarterly service quality analysis report (RULES 5.3): each
department's quarterly scorecard with its reward or penalty, the metrics
behind it against the previous quarter and the targets of RULES 5.9, and what
customers complained about. Results are published at the quality analysis
meeting on the 10th of the first month of the next quarter.

quarterly_report() gathers the data for the printable page and the PDF;
render_pdf() lays it out with reportlab, in the embedded font of
scoring.reports.pdf_font, with the trend charts drawn as vectors.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from flask_babel import pgettext
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.labels import CATEGORY_LABELS
from routing.models import Case, Unit
from scoring import labels
from scoring.engine.periods import DEFAULT_TIMEZONE, Period
from scoring.engine.scheme import load_scheme
from scoring.engine.scorecard import Scorecard
from scoring.reports import wording
from scoring.reports.charts import Chart, line_chart
from scoring.reports.exports import metric_value, number
from scoring.reports.pdf_font import pdf_font
from scoring.services.metrics import RATES, last_months, monthly_series, unit_closure, unit_metrics
from scoring.services.scorecards import places, ranked, scorecards_for, subjects

REPORT_SCHEME = "quality_department"
MEETING_DAY = 10  # RULES 5.3: the 10th of the first month of the next quarter
# RULES 5.9: the satisfaction target the report measures against (000 tobacco: 90%).
SATISFACTION_TARGET = Decimal("0.90")
# The trends the report draws (as the dashboard does).
TREND_METRICS = ("satisfaction_rate", "complaint_rate", "on_time_first_response", "on_time_resolution")
REPORT_METRICS = ("satisfaction_rate", "ratings", "complaints", "valid_complaints", "complaint_rate",
                  "on_time_first_response", "on_time_resolution", "overdue", "callback_completion")


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
class ReportTrend:
    """Twelve months of one metric for the report's scope, drawn as in the dashboard."""

    metric: str
    chart: Chart


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
    scope_name: str = ""  # whose trends: the unit that holds every unit of the report
    trends: Sequence[ReportTrend] = ()

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
        rows=rows, complaint_categories=_complaint_categories(session, period, tz, ids),
        **_trends(session, period, tz, ids))


def _trends(session: Session, period: Period, tz: str, unit_ids: Sequence[int]) -> dict:
    """The twelve months up to the quarter's end of the unit that holds all the
    report's units (the report's own scope), one chart per trend metric."""
    chains = [session.get(Unit, unit_id).chain() for unit_id in unit_ids]
    if not chains:
        return {}
    shared = [unit for unit in chains[0] if all(unit in chain for chain in chains[1:])]
    if not shared:
        return {}
    scope, months = shared[0], last_months(period, 12)
    series = monthly_series(session, "unit", scope.id, months, tz, metrics=TREND_METRICS)
    shown = [labels.month_short(m) for m in months]
    trends = []
    for metric in TREND_METRICS:
        rate = metric in RATES
        targets = (SATISFACTION_TARGET,) if metric == "satisfaction_rate" else ()
        chart = line_chart([row.get(metric) for row in series], shown, targets=targets,
                           clamp=(0.0, 1.0) if rate else None, include_zero=not rate, min_span=0.1 if rate else 0.0,
                           width=360, height=150, margin=(10, 34, 22, 40), label_every=2)
        trends.append(ReportTrend(metric, chart))
    return {"scope_name": scope.name, "trends": tuple(trends)}


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
        return wording.NOTHING
    if name in RATES:
        return f"{Decimal(value) * 100:.1f}%"
    return str(metric_value(name, value))


def render_pdf(report: QuarterlyReport, *, unit_label: str | None = None) -> bytes:
    """An A4 landscape PDF of the report."""

    font = pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    text_style = ParagraphStyle("text", fontName=font, fontSize=9, leading=13)
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)

    def para(text, style=cell_style):
        return Paragraph(escape(str(text)), style)

    story = [
        para(_("Service quality analysis, %(period)s", period=labels.period_name(report.period)), title_style),
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
              _("On-time first response"), _("On-time resolution"), labels.METRIC_LABELS["callback_completion"]]
    table = [[para(h) for h in header]]
    for row in report.rows:
        card, m = row.scorecard, row.metrics
        change = row.change("satisfaction_rate")
        # Only the name may need to wrap: the numbers are plain strings, as a Paragraph each
        # (parsed, measured, broken into lines) made up half the PDF's time.
        table.append([str(row.place or wording.NOTHING), para(f"{row.name} ({row.code})")] + [str(x) for x in (
            _("not rated") if card.not_rated else number(card.total),
            labels.GRADE_LABELS.get(card.grade, card.grade) or wording.NOTHING, wording.money_text(card.money),
            _shown("satisfaction_rate", m.get("satisfaction_rate")) + (" !" if row.below_target else ""),
            wording.NOTHING if change is None else wording.points_text(change * 100, signed=True),
            m.get("complaints", wording.NOTHING), m.get("valid_complaints", wording.NOTHING),
            _shown("on_time_first_response", m.get("on_time_first_response")),
            _shown("on_time_resolution", m.get("on_time_resolution")),
            _shown("callback_completion", m.get("callback_completion")))])
    grid = Table(table, repeatRows=1, colWidths=[12 * mm, 52 * mm] + [20 * mm] * 10)
    grid.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),  # the embedded font throughout: no viewer's substitute
        ("FONTSIZE", (0, 1), (-1, -1), cell_style.fontSize),
        ("LEADING", (0, 1), (-1, -1), cell_style.leading),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(grid)
    if report.trends:
        story.append(Spacer(1, 5 * mm))
        story.append(para(_("Trends of %(unit)s, twelve months to %(period)s", unit=report.scope_name,
                            period=labels.period_name(report.period)), text_style))
        drawings = [_chart_drawing(trend, font) for trend in report.trends]
        story.append(Table([drawings[i:i + 2] for i in range(0, len(drawings), 2)],
                           style=[("FONTNAME", (0, 0), (-1, -1), font)]))
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
    SimpleDocTemplate(out, pagesize=landscape(A4), initialFontName=font, leftMargin=12 * mm, rightMargin=12 * mm,
                      topMargin=12 * mm, bottomMargin=12 * mm, title=_("Service quality analysis, %(period)s", period=labels.period_name(report.period))).build(story)
    return out.getvalue()


def _chart_drawing(trend: ReportTrend, font: str) -> Drawing:
    """A trend chart as vector shapes (the dashboard's geometry, y turned up)."""
    chart, metric = trend.chart, trend.metric
    drawing = Drawing(chart.width, chart.height + 14, initialFontName=font)  # or reportlab sets Helvetica
    up = lambda y: chart.height - y  # noqa: E731 - SVG's y runs down, the PDF's up
    grey, text_colour = colors.HexColor("#d0d7de"), colors.HexColor("#57606a")
    drawing.add(String(chart.left, chart.height + 3, str(labels.METRIC_LABELS.get(metric, metric)), fontName=font,
                       fontSize=8))
    decimals = chart.decimals(100 if metric in RATES else 1)
    for tick in chart.y_ticks:
        drawing.add(Line(chart.left, up(tick.position), chart.right, up(tick.position), strokeColor=grey,
                         strokeWidth=0.4))
        drawing.add(String(chart.left - 4, up(tick.position) - 2.5, wording.axis_text(tick.value, metric, decimals),
                           fontName=font, fontSize=6, textAnchor="end", fillColor=text_colour))
    for tick in chart.x_ticks:
        drawing.add(String(tick.position, up(chart.bottom) - 10, str(tick.value), fontName=font, fontSize=6,
                           textAnchor="middle", fillColor=text_colour))
    for target in chart.targets:
        drawing.add(Line(chart.left, up(target.y), chart.right, up(target.y), strokeColor=colors.HexColor("#bf8700"),
                         strokeWidth=0.6, strokeDashArray=[3, 2]))
        drawing.add(String(chart.right + 3, up(target.label_y), wording.axis_text(target.value, metric, 1),
                           fontName=font, fontSize=6, fillColor=colors.HexColor("#9a6700")))
    run: list[float] = []
    for i, point in enumerate(chart.points):
        if run and point.index != chart.points[i - 1].index + 1:  # a month without data: a gap
            drawing.add(PolyLine(run, strokeColor=colors.HexColor("#0969da"), strokeWidth=1.2))
            run = []
        run += [point.x, up(point.y)]
        drawing.add(Circle(point.x, up(point.y), 1.8, fillColor=colors.HexColor("#0969da"), strokeWidth=0))
    if len(run) > 2:
        drawing.add(PolyLine(run, strokeColor=colors.HexColor("#0969da"), strokeWidth=1.2))
    return drawing


def quarterly_report_pdf(session: Session, period: Period, tz: str, **kwargs) -> bytes:
    """The quarterly quality analysis report of RULES 5.3 as a PDF."""
    return render_pdf(quarterly_report(session, period, tz, **kwargs))
