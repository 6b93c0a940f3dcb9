"""Score pages: the dashboard (/scores) with scorecards, ranking and trends; a
scorecard's breakdown; the drill-down behind any number; exports and the
quarterly report. What supervisors enter is scoring.web.entry's.

Views parse, call scoring's services, audit, commit and render. Who sees what
is the access policy's business (RULES 7); every view and export is audited.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from routing import labels as case_labels
from routing.models import Staff, Unit
from routing.web.downloads import content_disposition
from routing.web.glue import db_session, now, record_id, role_at_least, role_required
from scoring import labels
from scoring.engine.inputs import SchemeError
from scoring.engine.periods import Period, PeriodError
from scoring.engine.scheme import Scheme, available_schemes, load_scheme
from scoring.engine.scorecard import Line, Scorecard
from scoring.reports import charts, exports, quarterly, wording
from scoring.services import metrics, scorecards
from scoring.services import sight as access
from scoring.web import forms
from scoring.web.common import timezone, tree_order, unit_choices

bp = Blueprint("scores", __name__)

DEFAULT_SCHEME = "satisfaction_50_20_30"
# The trends of the issue: satisfaction, complaint rate, on-time response and resolution.
TREND_METRICS = ("satisfaction_rate", "complaint_rate", "on_time_first_response", "on_time_resolution")
# The numbers beside each scorecard, each a door to the rows behind it.
TABLE_METRICS = ("satisfaction_rate", "valid_complaints", "complaint_rate", "on_time_first_response",
                 "on_time_resolution")
# RULES 5.9; an organisation sets its own in SCORE_TARGETS ({"metric": [fractions]}).
DEFAULT_TARGETS = {"satisfaction_rate": [0.90, 0.85, 0.93]}


def _targets() -> Mapping[str, Sequence[float]]:
    return current_app.config.get("SCORE_TARGETS") or DEFAULT_TARGETS


# What the trend charts need to label their axes and each target line (the macros see globals).
bp.add_app_template_global(metrics.RATES, "rates")
bp.add_app_template_global(labels.TARGET_NAMES, "target_names")
bp.add_app_template_filter(wording.points_text, "score_points")
bp.add_app_template_filter(wording.money_text, "score_money")
bp.add_app_template_filter(wording.metric_text, "metric_value")
bp.add_app_template_filter(wording.change_text, "metric_change")


@bp.app_template_global()
def drill_href(kind: str, subject_id: int, period: str, metric: str) -> str:
    """The drill-down behind a number, coming back to this page: built from
    the path once per request, as a page of scores has hundreds of them."""
    if "drill_path" not in g:
        g.drill_path = url_for("scores.drilldown")
        g.drill_back = urlencode({"back": request.full_path})
    query = {"kind": kind, "id": subject_id, "period": period, "metric": metric}
    return f"{g.drill_path}?{urlencode(query)}&{g.drill_back}"


_DRILL_LINK = Markup('<a class="value" href="{href}" title="{title}">{text}</a>')
_DRILL_TITLE = _l("Show the ratings and cases behind this number")


@bp.app_template_global()
def drill(value, metric: str, kind: str, subject_id: int, period: str, text: str | None = None) -> Markup:
    """A number that opens the ratings and cases behind it. A function, not a
    template macro: a ranking of 400 outlets shows 1,600 of them."""
    return _DRILL_LINK.format(href=drill_href(kind, subject_id, period, metric), title=wording.words().label(_DRILL_TITLE),
                              text=text if text is not None else wording.metric_text(value, metric))


# --- what is shown ---------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """Scheme, period and subjects of a page, from the query string."""

    scheme: Scheme
    period: Period
    kind: str  # "unit" | "staff"
    unit_id: int | None  # the root of the tree shown; None: everything
    level: str  # units of this level are scored ("" every level)

    def args(self, **changes) -> dict:
        values = {"scheme": self.scheme.name, "period": self.period.label, "kind": self.kind,
                  "unit": self.unit_id or 0, "level": self.level}
        values.update(changes)
        return values


@dataclass(frozen=True)
class Sight:
    """What the signed-in person may see (scoring.services.sight.visible_subjects)."""

    units: list[int] | None
    staff: list[int] | None

    def unit(self, unit_id: int) -> bool:
        return access.may_see(self.units, unit_id)

    def person(self, staff_id: int) -> bool:
        return access.may_see(self.staff, staff_id)

    @property
    def only_self(self) -> bool:
        return self.units == []


def _sight(session: Session) -> Sight:
    return Sight(*access.visible_subjects(session, current_user))


def _default_period(scheme: Scheme, at: datetime) -> Period:
    """The last complete period of the scheme's kind; a year is shown to date."""
    current = Period.containing(at, scheme.period, timezone())
    return current if scheme.period == "year" else current.previous()


def _visible_units(session: Session, sight: Sight) -> list[Unit]:
    query = select(Unit).where(Unit.active.is_(True))
    if sight.units is not None:
        query = query.where(Unit.id.in_(sight.units or [-1]))
    return tree_order(list(session.scalars(query)))


def _selection(session: Session, sight: Sight, form: forms.DashboardForm, units: list[Unit]) -> Selection:
    """Read the form, fill in defaults, refuse what cannot be read (400)."""
    kind = form.kind.data or ("staff" if sight.only_self else "unit")
    if kind not in labels.SUBJECT_KIND_LABELS:
        abort(400, _l("Scores are shown for units or for staff."))
    if sight.only_self:
        kind = "staff"
    form.kind.data = kind

    by_id = {u.id: u for u in units}
    everything = [SelectChoice(0, _l("The whole organisation"))] if sight.units is None else []
    form.unit.choices = everything + unit_choices(units)
    unit_id = form.unit.data if request.args.get("unit") else None
    if unit_id in (0, None):
        unit_id = None if sight.units is None else (current_user.unit_id if current_user.unit_id in by_id else
                                                    (units[0].id if units else None))
    if unit_id is not None and unit_id not in by_id:
        abort(403, _l("Scores of this unit are outside what you may see."))
    form.unit.data = unit_id or 0

    levels = _levels_below(units, unit_id)
    form.level.choices = [SelectChoice("", _l("Every level"))] + [
        SelectChoice(lv, labels.LEVEL_LABELS.get(lv, lv)) for lv in levels]
    chosen = request.args.get("level")
    level = chosen if chosen == "" or chosen in levels else _default_level(units, unit_id, levels)
    form.level.data = level

    schemes = available_schemes()
    # Each scheme is offered where it fits (its [fits]): a bank outlet's scheme for outlets, a ledger for tellers.
    fitting = _fitting_schemes(schemes, kind, level) or schemes
    name = form.scheme.data or current_app.config.get("SCORE_DEFAULT_SCHEME", DEFAULT_SCHEME)
    if not form.scheme.data and name not in fitting:
        name = fitting[0] if kind == "unit" else _scheme_for_most(session, fitting, _staff_ids(session, sight, units,
                                                                                              unit_id))
    if name not in schemes:
        abort(400, _l("There is no scheme called %(name)s.", name=name))
    try:
        scheme = load_scheme(name)
    except SchemeError:
        abort(400, _l("The scheme %(name)s cannot be used as written; ask an administrator.", name=name))
    form.scheme.choices = [SelectChoice(n, labels.scheme_title(n, n)) for n in schemes if n in fitting or n == name]
    at = now()
    try:
        period = Period.parse(form.period.data) if form.period.data else _default_period(scheme, at)
    except PeriodError:
        abort(400, _l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))
    form.period.choices = forms.period_choices(Period.containing(at, "month", timezone()))
    if not any(period.label == c.value for c in form.period.choices):
        form.period.choices.append(SelectChoice(period.label, labels.period_name(period), optgroup=gettext("Chosen")))
    form.period.data = period.label
    form.scheme.data = scheme.name
    return Selection(scheme, period, kind, unit_id, level)


def _scheme_for_most(session: Session, names: Sequence[str], staff_ids: list[int]) -> str:
    """The staff scheme that ranks the most of these people (ties: the first)."""
    fitted = [(len(scorecards.fitting_subjects(session, load_scheme(n), staff_ids)), -i, n) for i, n in enumerate(names)]
    return max(fitted)[2]


def _fitting_schemes(schemes: Sequence[str], kind: str, level: str) -> list[str]:
    """Schemes for this kind of subject; for units, those that fit the level shown."""
    fitting = []
    for name in schemes:
        fit = load_scheme(name).fits
        if fit is None or fit.subject == kind and (kind == "staff" or not level or not fit.levels
                                                   or level in fit.levels):
            fitting.append(name)
    return fitting


def _in_tree(units: list[Unit], root: int | None) -> list[Unit]:
    if root is None:
        return units
    by_parent: dict[int | None, list[Unit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    out, frontier = [], [u for u in units if u.id == root]
    while frontier:
        out.extend(frontier)
        frontier = [c for u in frontier for c in by_parent.get(u.id, [])]
    return out


def _levels_below(units: list[Unit], root: int | None) -> list[str]:
    present = {u.level for u in _in_tree(units, root)}
    return [lv for lv in labels.LEVEL_LABELS if lv in present]


def _default_level(units: list[Unit], root: int | None, levels: list[str]) -> str:
    """Peers are ranked against peers: outlets if there are any, else the
    level most common below the chosen unit."""
    if "outlet" in levels:
        return "outlet"
    tree = [u for u in _in_tree(units, root) if u.id != root] or _in_tree(units, root)
    counts: dict[str, int] = {}
    for unit in tree:
        counts[unit.level] = counts.get(unit.level, 0) + 1
    return max(counts, key=counts.get) if counts else ""


def _subject_ids(session: Session, sight: Sight, sel: Selection, units: list[Unit]) -> list[int]:
    tree = _in_tree(units, sel.unit_id)
    if sel.kind == "unit":
        return [u.id for u in tree if not sel.level or u.level == sel.level]
    if sight.only_self:
        return [current_user.id]
    ids = _staff_ids(session, sight, units, sel.unit_id)
    if sel.scheme.fits is not None and sel.scheme.fits.subject == "staff":
        # Like with like: only the staff the scheme fits (by role and the level of their unit).
        ids = [s.id for s in scorecards.fitting_subjects(session, sel.scheme, ids)]
    return ids


def _staff_ids(session: Session, sight: Sight, units: list[Unit], root: int | None) -> list[int]:
    """The active staff of the chosen unit's tree that the viewer may see."""
    unit_ids = [u.id for u in _in_tree(units, root)]
    query = select(Staff.id).where(Staff.active.is_(True), Staff.unit_id.in_(unit_ids or [-1]))
    allowed = None if sight.staff is None else set(sight.staff)
    return sorted(i for i in session.scalars(query) if allowed is None or i in allowed)


@dataclass(frozen=True)
class Row:
    card: Scorecard
    subject: scorecards.Subject
    place: int | None
    metrics: Mapping[str, object]


def _rows(session: Session, sel: Selection, ids: list[int]) -> list[Row]:
    if not ids:
        return []
    cards = scorecards.scorecards(session, sel.scheme.name, sel.period, sel.kind, ids, timezone())
    subjects = {s.key: s for s in scorecards.subjects(session, sel.kind, ids)}
    places = scorecards.places(cards, sel.scheme.higher_is_better)
    if sel.kind == "unit":
        values = metrics.unit_metrics(session, sel.period, timezone(), ids, metrics=TABLE_METRICS)
    else:
        values = metrics.staff_metrics(session, sel.period, timezone(), ids, metrics=TABLE_METRICS)
    return [Row(c, subjects[c.subject], places.get(c.subject), values.get(subjects[c.subject].id, {}))
            for c in cards if c.subject in subjects]


# --- trends ----------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    metric: str
    chart: charts.Chart
    latest: object
    latest_month: str  # the month of the latest value, e.g. "October 2026"
    months: tuple[Period, ...]
    targets: tuple[float, ...]


def _trends(session: Session, kind: str, subject_id: int, period: Period) -> list[Trend]:
    months = metrics.last_months(period, 12)
    # Only the tallies the charts show: not the verdicts, repeats and callbacks of a year.
    series = metrics.monthly_series(session, kind, subject_id, months, timezone(), metrics=TREND_METRICS)
    months_shown = [labels.month_short(m) for m in months]
    trends = []
    for metric in TREND_METRICS:
        values = [row.get(metric) for row in series]
        targets = tuple(_targets().get(metric, ()))
        rate = metric in metrics.RATES
        chart = charts.line_chart(values, months_shown, targets=targets, clamp=(0.0, 1.0) if rate else None,
                                  include_zero=not rate, min_span=0.1 if rate else 0.0,
                                  width=420, height=190, margin=(12, 34, 26, 40))
        last = next((i for i in range(len(values) - 1, -1, -1) if values[i] is not None), None)
        trends.append(Trend(metric, chart, None if last is None else values[last],
                            "" if last is None else labels.period_name(months[last]), tuple(months), targets))
    return trends


bp.add_app_template_filter(wording.axis_text, "axis_value")


# --- the dashboard ----------------------------------------------------------------

def _audit(action: str, what: str) -> None:
    access.audit(db_session(), current_user, action, what, now())


def _read(session: Session):
    sight = _sight(session)
    units = _visible_units(session, sight)
    form = forms.DashboardForm(request.args)
    sel = _selection(session, sight, form, units)
    return sight, units, form, sel


def _focus(sight: Sight, sel: Selection, units: list[Unit]) -> tuple[str, int | None, str]:
    """Whose trends the dashboard shows: the chosen unit (the top of the tree
    for everything), or the person themself."""
    if sight.only_self:
        return "staff", current_user.id, current_user.display_name
    root = sel.unit_id or (units[0].id if units else None)
    unit = next((u for u in units if u.id == root), None)
    return "unit", root, unit.name if unit else ""


@bp.route("/scores")
@role_required("handler")
def dashboard():
    session = db_session()
    sight, units, form, sel = _read(session)
    rows = _rows(session, sel, _subject_ids(session, sight, sel, units))
    focus_kind, focus_id, focus_name = _focus(sight, sel, units)
    trends = _trends(session, focus_kind, focus_id, sel.period) if focus_id else []
    _audit("view", f"dashboard {sel.scheme.name} {sel.period.label} {sel.kind} unit {sel.unit_id or 'all'}")
    session.commit()
    rated = [r for r in rows if not r.card.not_rated]
    return render_template(
        "scoring/dashboard.html", form=form, sel=sel, rows=rows, rated=rated, trends=trends,
        focus_kind=focus_kind, focus_id=focus_id, focus_name=focus_name, sight=sight,
        table_metrics=TABLE_METRICS, scheme_title=labels.scheme_title(sel.scheme.name, sel.scheme.title),
        period_name=labels.period_name(sel.period), labels=labels, explain=wording.explain,
        component_label=wording.component_label, may_enter=role_at_least("supervisor"),
        grade_tone=lambda g: labels.GRADE_TONES.get(g, ""))


def _subject_or_404(session: Session, sight: Sight, kind: str, subject_id: int) -> scorecards.Subject:
    if kind not in labels.SUBJECT_KIND_LABELS:
        abort(404)
    found = scorecards.subjects(session, kind, [subject_id])
    if not found:
        abort(404, _l("There is no such unit or person."))
    if not (sight.unit(subject_id) if kind == "unit" else sight.person(subject_id)):
        abort(403, _l("These scores are outside what you may see."))
    return found[0]


@bp.route("/scores/<kind>/<int:subject_id>")
@role_required("handler")
def scorecard(kind: str, subject_id: int):
    """One scorecard explained point by point, ranked among the same peers as on
    the dashboard, with the subject's metrics and trends."""
    session = db_session()
    sight, units, form, sel = _read(session)
    subject = _subject_or_404(session, sight, kind, subject_id)
    sel = replace(sel, kind=kind)
    peers = _subject_ids(session, sight, sel, units)
    rows = _rows(session, sel, peers if subject_id in peers else [subject_id])
    row = next(r for r in rows if r.subject.id == subject_id)
    values = (metrics.unit_metrics(session, sel.period, timezone(), [subject_id]) if kind == "unit"
              else metrics.staff_metrics(session, sel.period, timezone(), [subject_id]))[subject_id]
    trends = _trends(session, kind, subject_id, sel.period)
    _audit("view", f"scorecard {sel.scheme.name} {sel.period.label} {kind} {subject.key}")
    session.commit()
    groups: list[tuple[str, list[Line]]] = []
    for line in row.card.breakdown:
        if not groups or groups[-1][0] != line.component:
            groups.append((line.component, []))
        groups[-1][1].append(line)
    return render_template(
        "scoring/scorecard.html", sel=sel, row=row, subject=subject, groups=groups, values=values,
        trends=trends, rated=[r for r in rows if not r.card.not_rated], metric_names=metrics.METRICS,
        scheme_title=labels.scheme_title(sel.scheme.name, sel.scheme.title),
        period_name=labels.period_name(sel.period), labels=labels, explain=wording.explain, case_reference=wording.case_reference,
        component_label=wording.component_label, focus_kind=kind, focus_id=subject_id,
        grade_tone=lambda g: labels.GRADE_TONES.get(g, ""))


def _drilldown_args() -> tuple[str, int, Period, str]:
    kind, metric = request.args.get("kind", ""), request.args.get("metric", "")
    if kind not in labels.SUBJECT_KIND_LABELS or metric not in metrics.METRIC_SOURCES:
        abort(400, _l("Choose a unit or person and one of the numbers on the scores page."))
    subject_id = request.args.get("id", type=record_id)
    if subject_id is None:
        abort(400, _l("Choose a unit or person and one of the numbers on the scores page."))
    try:
        period = Period.parse(request.args.get("period", ""))
    except (ValueError, PeriodError):
        abort(400, _l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))
    return kind, subject_id, period, metric


@bp.route("/scores/drilldown")
@role_required("handler")
def drilldown():
    """The ratings, services, cases or callbacks behind one number, phone numbers masked."""
    session = db_session()
    kind, subject_id, period, metric = _drilldown_args()
    subject = _subject_or_404(session, _sight(session), kind, subject_id)
    fmt = request.args.get("format", "")
    limit = 5000 if fmt else 200
    rows = metrics.drilldown(session, kind, subject_id, period, metric, timezone(), limit=limit)
    what = f"drilldown {metric} {period.label} {kind} {subject.key}"
    if fmt in ("csv", "xlsx"):
        _audit("export", f"{what} {fmt}")
        session.commit()
        name = f"{metric}-{subject.key}-{period.label}"
        return _download(exports.drilldown_csv(rows) if fmt == "csv" else exports.drilldown_xlsx(rows), fmt, name)
    if fmt:
        abort(400, _l("Downloads come as csv or xlsx."))
    value = (metrics.unit_metrics(session, period, timezone(), [subject_id], metrics=[metric]) if kind == "unit"
             else metrics.staff_metrics(session, period, timezone(), [subject_id], metrics=[metric]))[subject_id][metric]
    _audit("view", what)
    session.commit()
    return render_template("scoring/drilldown.html", rows=rows, metric=metric, kind=kind, subject=subject,
                           period=period, period_name=labels.period_name(period), value=value, limit=limit,
                           labels=labels, case_labels=case_labels, back=request.args.get("back", ""))


# --- downloads ------------------------------------------------------------------

_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "pdf": "application/pdf"}


def _download(body: str | bytes, fmt: str, name: str) -> Response:
    if isinstance(body, str):
        body = "\ufeff" + body  # a BOM, so spreadsheet programs read the Chinese names right
    response = Response(body, mimetype=_MEDIA[fmt].split(";")[0], content_type=_MEDIA[fmt])
    response.headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    response.headers["Cache-Control"] = "no-store"  # confidential (RULES 7)
    return response


@bp.route("/scores/export.<fmt>")
@role_required("handler")
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session = db_session()
    sight, units, form, sel = _read(session)
    rows = _rows(session, sel, _subject_ids(session, sight, sel, units))
    cards = [r.card for r in rows]
    names = {r.card.subject: r.subject.name for r in rows}
    places = {r.card.subject: r.place for r in rows if r.place is not None}
    if fmt == "csv":  # one column holds each whole line; the workbook gives component and points their own
        body = exports.to_csv(cards, names=names, places=places, explain=wording.line_text)
    else:
        body = exports.to_xlsx(cards, names=names, places=places, explain=wording.explain)
    _audit("export", f"scorecards {sel.scheme.name} {sel.period.label} {sel.kind} unit {sel.unit_id or 'all'} {fmt}")
    session.commit()
    return _download(body, fmt, f"{sel.scheme.name}-{sel.period.label}")


@bp.route("/scores/report")
@role_required("supervisor")
def report():
    """The quarterly quality analysis report (RULES 5.3): printable, or as PDF."""
    session = db_session()
    sight, units, form, sel = _read(session)
    if "period" in request.args and sel.period.kind != "quarter":
        abort(400, _l("The quality analysis report is made per quarter, e.g. 2026-Q3."))
    period = sel.period if sel.period.kind == "quarter" else Period.containing(now(), "quarter", timezone()).previous()
    scheme = sel.scheme.name if sel.scheme.period == "quarter" else quarterly.REPORT_SCHEME
    sel = replace(sel, kind="unit", period=period, scheme=load_scheme(scheme))
    ids = _subject_ids(session, sight, sel, units)
    data = quarterly.quarterly_report(session, period, timezone(), unit_ids=ids, scheme_name=scheme, now=now())
    scope = f"quarterly report {scheme} {period.label} unit {sel.unit_id or 'all'} {sel.level or 'every level'}"
    if request.args.get("format") == "pdf":
        body = quarterly.render_pdf(data)
        _audit("export", f"{scope} pdf")
        session.commit()
        return _download(body, "pdf", f"quality-report-{period.label}")
    _audit("view", scope)
    session.commit()
    return render_template("scoring/report.html", report=data, period=period, sel=sel,
                           scheme_title=labels.scheme_title(scheme, data.scheme_title),
                           period_name=labels.period_name(period), previous_name=labels.period_name(data.previous),
                           labels=labels, case_labels=case_labels, breakdown_rows=wording.breakdown_rows,
                           grade_tone=lambda g: labels.GRADE_TONES.get(g, ""))
