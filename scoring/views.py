"""Score pages: the dashboard (/scores) with scorecards, ranking and trends; a
scorecard's breakdown; the drill-down behind any number; exports and the
quarterly report; and the forms where supervisors enter what the platform
cannot observe (inspections, complaint verdicts, ledger entries).

Views parse, call scoring's services, audit, commit and render. Who sees what
is scoring.access's business (RULES 7); every view and export is audited.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from routing import forms as case_labels
from routing.downloads import content_disposition
from routing.errors import RoutingError
from routing.models import Case, Staff, Unit
from routing.org import subtree_ids
from routing.web import ROLE_RANK, db_session, now, record_id, role_at_least, role_required
from scoring import access, charts, exports, forms, metrics, models, scorecards, wording
from scoring.engine import Line, Scheme, SchemeError, Scorecard, available_schemes, load_scheme
from scoring.periods import Period, PeriodError

bp = Blueprint("scores", __name__)

DEFAULT_SCHEME = "satisfaction_50_20_30"
# The trends of the issue: satisfaction, complaint rate, on-time response and resolution.
TREND_METRICS = ("satisfaction_rate", "complaint_rate", "on_time_first_response", "on_time_resolution")
# The numbers beside each scorecard, each a door to the rows behind it.
TABLE_METRICS = ("satisfaction_rate", "valid_complaints", "complaint_rate", "on_time_first_response",
                 "on_time_resolution")
# RULES 5.9; an organisation sets its own in SCORE_TARGETS ({"metric": [fractions]}).
DEFAULT_TARGETS = {"satisfaction_rate": [0.90, 0.85, 0.93]}


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _targets() -> Mapping[str, Sequence[float]]:
    return current_app.config.get("SCORE_TARGETS") or DEFAULT_TARGETS


bp.add_app_template_filter(wording.points_text, "score_points")
bp.add_app_template_filter(wording.money_text, "score_money")
bp.add_app_template_filter(wording.metric_text, "metric_value")


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
    """What the signed-in person may see (scoring.access.visible_subjects)."""

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
    current = Period.containing(at, scheme.period, _tz())
    return current if scheme.period == "year" else current.previous()


def _visible_units(session: Session, sight: Sight) -> list[Unit]:
    query = select(Unit).where(Unit.active.is_(True))
    if sight.units is not None:
        query = query.where(Unit.id.in_(sight.units or [-1]))
    return _tree_order(list(session.scalars(query)))


def _tree_order(units: list[Unit]) -> list[Unit]:
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


def _selection(session: Session, sight: Sight, form: forms.DashboardForm, units: list[Unit]) -> Selection:
    """Read the form, fill in defaults, refuse what cannot be read (400)."""
    schemes = available_schemes()
    form.scheme.choices = [SelectChoice(name, forms.scheme_title(name, name)) for name in schemes]
    name = form.scheme.data or current_app.config.get("SCORE_DEFAULT_SCHEME", DEFAULT_SCHEME)
    if name not in schemes:
        abort(400, _l("There is no scheme called %(name)s.", name=name))
    try:
        scheme = load_scheme(name)
    except SchemeError:
        abort(400, _l("The scheme %(name)s cannot be used as written; ask an administrator.", name=name))
    at = now()
    try:
        period = Period.parse(form.period.data) if form.period.data else _default_period(scheme, at)
    except PeriodError:
        abort(400, _l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))
    form.period.choices = forms.period_choices(Period.containing(at, "month", _tz()))
    if not any(period.label == c.value for c in form.period.choices):
        form.period.choices.append(SelectChoice(period.label, forms.period_name(period), optgroup=gettext("Chosen")))
    form.period.data = period.label
    form.scheme.data = scheme.name

    kind = form.kind.data or ("staff" if sight.only_self else "unit")
    if kind not in forms.SUBJECT_KIND_LABELS:
        abort(400, _l("Scores are shown for units or for staff."))
    if sight.only_self:
        kind = "staff"
    form.kind.data = kind

    by_id = {u.id: u for u in units}
    everything = [SelectChoice(0, _l("The whole organisation"))] if sight.units is None else []
    form.unit.choices = everything + _unit_choices(units)
    unit_id = form.unit.data if request.args.get("unit") else None
    if unit_id in (0, None):
        unit_id = None if sight.units is None else (current_user.unit_id if current_user.unit_id in by_id else
                                                    (units[0].id if units else None))
    if unit_id is not None and unit_id not in by_id:
        abort(403, _l("Scores of this unit are outside what you may see."))
    form.unit.data = unit_id or 0

    levels = _levels_below(units, unit_id)
    form.level.choices = [SelectChoice("", _l("Every level"))] + [
        SelectChoice(lv, forms.LEVEL_LABELS.get(lv, lv)) for lv in levels]
    chosen = request.args.get("level")
    level = chosen if chosen == "" or chosen in levels else _default_level(units, unit_id, levels)
    form.level.data = level
    return Selection(scheme, period, kind, unit_id, level)


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
    return [lv for lv in forms.LEVEL_LABELS if lv in present]


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
    unit_ids = [u.id for u in tree]
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
    cards = scorecards.scorecards(session, sel.scheme.name, sel.period, sel.kind, ids, _tz())
    subjects = {s.key: s for s in scorecards.subjects(session, sel.kind, ids)}
    places = scorecards.places(cards, sel.scheme.higher_is_better)
    if sel.kind == "unit":
        values = metrics.unit_metrics(session, sel.period, _tz(), ids, metrics=TABLE_METRICS)
    else:
        values = metrics.staff_metrics(session, sel.period, _tz(), ids, metrics=TABLE_METRICS)
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
    series = metrics.monthly_series(session, kind, subject_id, months, _tz())
    labels = [forms.month_short(m) for m in months]
    trends = []
    for metric in TREND_METRICS:
        values = [row.get(metric) for row in series]
        targets = tuple(_targets().get(metric, ()))
        rate = metric in metrics.RATES
        chart = charts.line_chart(values, labels, targets=targets, clamp=(0.0, 1.0) if rate else None,
                                  include_zero=not rate, width=420, height=190, margin=(12, 34, 26, 40))
        last = next((i for i in range(len(values) - 1, -1, -1) if values[i] is not None), None)
        trends.append(Trend(metric, chart, None if last is None else values[last],
                            "" if last is None else forms.period_name(months[last]), tuple(months), targets))
    return trends


@bp.app_template_filter("axis_value")
def axis_text(value, metric: str) -> str:
    if metric in metrics.RATES:
        return format_percent(value, format="#,##0%")
    return format_decimal(value, format="#,##0.##")


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
        table_metrics=TABLE_METRICS, scheme_title=forms.scheme_title(sel.scheme.name, sel.scheme.title),
        period_name=forms.period_name(sel.period), labels=forms, explain=wording.explain,
        component_label=wording.component_label, may_enter=role_at_least("supervisor"),
        grade_tone=lambda g: forms.GRADE_TONES.get(g, ""))


def _subject_or_404(session: Session, sight: Sight, kind: str, subject_id: int) -> scorecards.Subject:
    if kind not in forms.SUBJECT_KIND_LABELS:
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
    values = (metrics.unit_metrics(session, sel.period, _tz(), [subject_id]) if kind == "unit"
              else metrics.staff_metrics(session, sel.period, _tz(), [subject_id]))[subject_id]
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
        scheme_title=forms.scheme_title(sel.scheme.name, sel.scheme.title),
        period_name=forms.period_name(sel.period), labels=forms, explain=wording.explain, case_reference=wording.case_reference,
        component_label=wording.component_label, focus_kind=kind, focus_id=subject_id,
        grade_tone=lambda g: forms.GRADE_TONES.get(g, ""))


def _drilldown_args() -> tuple[str, int, Period, str]:
    kind, metric = request.args.get("kind", ""), request.args.get("metric", "")
    if kind not in forms.SUBJECT_KIND_LABELS or metric not in metrics.METRIC_SOURCES:
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
    rows = metrics.drilldown(session, kind, subject_id, period, metric, _tz(), limit=limit)
    what = f"drilldown {metric} {period.label} {kind} {subject.key}"
    if fmt in ("csv", "xlsx"):
        _audit("export", f"{what} {fmt}")
        session.commit()
        name = f"{metric}-{subject.key}-{period.label}"
        return _download(exports.drilldown_csv(rows) if fmt == "csv" else exports.drilldown_xlsx(rows), fmt, name)
    if fmt:
        abort(400, _l("Downloads come as csv or xlsx."))
    value = (metrics.unit_metrics(session, period, _tz(), [subject_id], metrics=[metric]) if kind == "unit"
             else metrics.staff_metrics(session, period, _tz(), [subject_id], metrics=[metric]))[subject_id][metric]
    _audit("view", what)
    session.commit()
    return render_template("scoring/drilldown.html", rows=rows, metric=metric, kind=kind, subject=subject,
                           period=period, period_name=forms.period_name(period), value=value, limit=limit,
                           labels=forms, case_labels=case_labels, back=request.args.get("back", ""))


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
    from scoring import report as quarterly

    session = db_session()
    sight, units, form, sel = _read(session)
    if "period" in request.args and sel.period.kind != "quarter":
        abort(400, _l("The quality analysis report is made per quarter, e.g. 2026-Q3."))
    period = sel.period if sel.period.kind == "quarter" else Period.containing(now(), "quarter", _tz()).previous()
    scheme = sel.scheme.name if sel.scheme.period == "quarter" else quarterly.REPORT_SCHEME
    sel = replace(sel, kind="unit", period=period, scheme=load_scheme(scheme))
    ids = _subject_ids(session, sight, sel, units)
    data = quarterly.quarterly_report(session, period, _tz(), unit_ids=ids, scheme_name=scheme, now=now())
    scope = f"quarterly report {scheme} {period.label} unit {sel.unit_id or 'all'} {sel.level or 'every level'}"
    if request.args.get("format") == "pdf":
        body = quarterly.render_pdf(data)
        _audit("export", f"{scope} pdf")
        session.commit()
        return _download(body, "pdf", f"quality-report-{period.label}")
    _audit("view", scope)
    session.commit()
    return render_template("scoring/report.html", report=data, period=period, sel=sel,
                           scheme_title=forms.scheme_title(scheme, data.scheme_title),
                           period_name=forms.period_name(period), previous_name=forms.period_name(data.previous),
                           labels=forms, case_labels=case_labels, explain=wording.explain, component_label=wording.component_label,
                           grade_tone=lambda g: forms.GRADE_TONES.get(g, ""))


# --- what staff enter -----------------------------------------------------------

def _enter_units(session: Session) -> list[Unit]:
    """Units the signed-in person may enter results for (scoring.access.may_enter)."""
    if ROLE_RANK.get(current_user.role, 0) >= ROLE_RANK[access.SEES_ALL]:
        query = select(Unit).where(Unit.active.is_(True))
    elif current_user.unit_id is None:
        return []
    else:
        query = select(Unit).where(Unit.active.is_(True), Unit.id.in_(subtree_ids(db_session(), current_user.unit_id)))
    return _tree_order(list(session.scalars(query)))


def _enter_staff(session: Session, units: list[Unit]) -> list[Staff]:
    query = (select(Staff).where(Staff.active.is_(True), Staff.unit_id.in_([u.id for u in units] or [-1]),
                                 Staff.id != current_user.id).order_by(Staff.display_name).limit(2000))
    return list(session.scalars(query))


def _unit_choices(units: list[Unit]) -> list[SelectChoice]:
    """Units indented under their parents."""
    return [SelectChoice(u.id, "\u2003" * u.depth + f"{u.name} ({u.code})") for u in units]


def _staff_choices(people: list[Staff], units: list[Unit]) -> list[SelectChoice]:
    names = {u.id: u.name for u in units}
    return [SelectChoice(s.id, f"{s.display_name} · {names.get(s.unit_id, '')}") for s in people]


def _local_today() -> date:
    return now().astimezone(ZoneInfo(_tz())).date()


def _recent(session: Session, model, units: list[Unit], limit: int = 15) -> list:
    ids = [u.id for u in units] or [-1]
    if model is models.LedgerEntry:
        staff_ids = select(Staff.id).where(Staff.unit_id.in_(ids))
        where = (models.LedgerEntry.staff_id.in_(staff_ids)) | (models.LedgerEntry.unit_id.in_(ids))
    else:
        where = model.unit_id.in_(ids)
    return list(session.scalars(select(model).where(where).order_by(model.created_at.desc(), model.id.desc())
                                .limit(limit)))


def _refused(session, error: RoutingError, form) -> int:
    """A refusal from the service: nothing kept, the reason shown on the
    form (never a 500), and the status to answer with (an unknown record
    named in a form is a bad form, 400)."""
    session.rollback()
    form.form_errors.append(error.message)
    return 400 if error.status == 404 else error.status


@bp.route("/scores/enter")
@role_required("supervisor")
def enter():
    return redirect(url_for(".inspections"))


@bp.route("/scores/inspections", methods=["GET", "POST"])
@role_required("supervisor")
def inspections():
    session = db_session()
    units = _enter_units(session)
    people = _enter_staff(session, units)
    form = forms.InspectionForm(today=_local_today())
    form.unit.choices = _unit_choices(units)
    form.staff.choices = [SelectChoice(0, _l("The unit as a whole"))] + _staff_choices(people, units)
    if request.method == "GET":
        form.held_on.data = form.held_on.data or _local_today()
        form.unit.data = request.args.get("unit", form.unit.data, type=record_id)
    status = 200
    if form.validate_on_submit():
        new = models.NewInspection(
            unit_id=form.unit.data, kind=form.kind.data, held_on=form.held_on.data, score=form.score.data,
            problems=form.problems.data, staff_id=form.staff.data or None, item=form.item.data or None,
            period_label=(form.period_label.data or "").strip() or None, note=(form.note.data or "").strip())
        try:
            row = models.record_inspection(session, new, current_user, now())
            session.commit()
        except RoutingError as error:
            status = _refused(session, error, form)
        else:
            flash(gettext("The %(kind)s result for %(unit)s was recorded for %(period)s.",
                          kind=forms.INSPECTION_KIND_LABELS[row.kind], unit=row.unit.name,
                          period=row.period_label), "success")
            return redirect(url_for(".inspections"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("scoring/inspections.html", form=form, recent=_recent(session, models.Inspection, units),
                           labels=forms, section="inspections"), status


def _complaints(session: Session, units: list[Unit], period: Period, status: str) -> list[tuple[Case, object]]:
    start, end = period.bounds(_tz())
    query = (select(Case).where(Case.kind == "complaint", Case.created_at >= start, Case.created_at < end,
                                Case.unit_id.in_([u.id for u in units] or [-1]))
             .order_by(Case.created_at.desc()).limit(500))
    if status == "resolved":
        query = query.where(Case.status.in_(("resolved", "closed")))
    cases = list(session.scalars(query))
    verdicts = {}
    if cases:
        current = session.scalars(select(models.ComplaintVerdict).where(
            models.ComplaintVerdict.case_id.in_([c.id for c in cases]),
            models.ComplaintVerdict.superseded_at.is_(None)))
        verdicts = {v.case_id: v for v in current}
    return [(c, verdicts.get(c.id)) for c in cases]


def _verdict_period(default: Period | None = None) -> Period:
    try:
        if request.args.get("period"):
            return Period.parse(request.args["period"])
    except PeriodError:
        abort(400, _l("The period must look like 2026-10, 2026-Q3, 2026-H2 or 2026."))
    return default or Period.containing(now(), "month", _tz())


def _verdict_prefix(case: Case) -> str:
    """One form per complaint on the page, each with its own field names."""
    return f"c{case.id}"


def _render_verdicts(session: Session, failed: tuple[Case, forms.VerdictForm] | None = None, status: int = 200):
    units = _enter_units(session)
    period = _verdict_period(Period.containing(failed[0].created_at, "month", _tz()) if failed else None)
    shown = request.args.get("show", "resolved")
    shown = shown if shown in ("resolved", "all") else "resolved"
    complaints = _complaints(session, units, period, shown)
    if failed and failed[0].id not in {case.id for case, _ in complaints} and failed[0].unit_id in {u.id for u in units}:
        complaints.insert(0, (failed[0], models.current_verdict(session, failed[0].id)))
    verdict_forms = {case.id: (failed[1] if failed and failed[0].id == case.id else
                               forms.VerdictForm(formdata=None, prefix=_verdict_prefix(case),
                                                 verdict=verdict.verdict if verdict else None))
                     for case, verdict in complaints}
    choices = forms.period_choices(Period.containing(now(), "month", _tz()), quarters=0, halves=0, years=0)
    return render_template("scoring/verdicts.html", complaints=complaints, verdict_forms=verdict_forms,
                           period=period, period_name=forms.period_name(period), shown=shown, choices=choices,
                           labels=forms, section="verdicts"), status


@bp.route("/scores/verdicts")
@role_required("supervisor")
def verdicts():
    return _render_verdicts(db_session())


@bp.route("/scores/verdicts/<reference>", methods=["POST"])
@role_required("supervisor")
def decide(reference: str):
    from routing.cases import case_by_reference

    session = db_session()
    case = case_by_reference(session, reference) if len(reference) <= 40 else None
    if case is None:
        abort(404, _l("There is no case with the reference %(reference)s.", reference=reference))
    if not access.may_enter(session, current_user, unit_id=case.unit_id):  # before reading what was sent
        abort(403, _l("You may not enter scores for this unit or person."))
    form = forms.VerdictForm(prefix=_verdict_prefix(case))
    if not form.validate_on_submit():
        return _render_verdicts(session, (case, form), 400)
    try:
        models.decide_complaint(session, case, form.verdict.data, form.reason.data, current_user, now(),
                                points=form.points.data)
        session.commit()
    except RoutingError as error:
        status = _refused(session, error, form)
        flash(error.message, "error")
        return _render_verdicts(session, (case, form), status)
    flash(gettext("%(reference)s: the complaint was judged %(verdict)s.", reference=case.reference,
                  verdict=forms.VERDICT_LABELS[form.verdict.data]), "success")
    return redirect(url_for(".verdicts", period=request.args.get("period") or None,
                            show=request.args.get("show") or None) + f"#case-{case.id}", 303)


@bp.route("/scores/ledger", methods=["GET", "POST"])
@role_required("manager")
def ledger():
    session = db_session()
    units = _enter_units(session)
    people = _enter_staff(session, units)
    form = forms.LedgerForm()
    form.staff.choices = _staff_choices(people, units)
    status = 200
    if request.method == "GET" and form.occurred_at.data is None:
        form.occurred_at.data = now().astimezone(ZoneInfo(_tz())).replace(tzinfo=None, second=0, microsecond=0)
    if form.validate_on_submit():
        kind, code = form.kind_and_code
        occurred = form.occurred_at.data.replace(tzinfo=ZoneInfo(_tz()))
        if occurred > now():
            form.occurred_at.errors.append(_l("The time cannot be in the future."))
            status = 400
        else:
            new = models.NewLedgerEntry(kind=kind, code=code, points=form.points.data, occurred_at=occurred,
                                        staff_id=form.staff.data, note=(form.note.data or "").strip())
            try:
                row = models.record_ledger_entry(session, new, current_user, now())
                session.commit()
            except RoutingError as error:
                status = _refused(session, error, form)
            else:
                flash(gettext("%(kind)s recorded for %(name)s: %(what)s, %(points)s points.",
                              kind=forms.LEDGER_KIND_LABELS[kind], name=row.staff.display_name,
                              what=forms.ledger_code_label(kind, code), points=row.points), "success")
                return redirect(url_for(".ledger"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("scoring/ledger.html", form=form, recent=_recent(session, models.LedgerEntry, units),
                           labels=forms, section="ledger"), status


@bp.route("/scores/<table>/<int:row_id>/withdraw", methods=["POST"])
@role_required("supervisor")
def withdraw(table: str, row_id: int):
    """Take an entry made by mistake out of the scores; it stays on record."""
    model = {"inspections": models.Inspection, "ledger": models.LedgerEntry}.get(table)
    if model is None:
        abort(404)
    if model is models.LedgerEntry and not role_at_least("manager"):
        abort(403)
    session = db_session()
    row = session.get(model, row_id)
    if row is None:
        abort(404)
    reason = (request.form.get("reason") or "").strip()
    # A refusal (no reason, corrected already) is a 4xx page with the service's message.
    models.withdraw(session, row, current_user, now(), reason)
    session.commit()
    flash(gettext("The entry was withdrawn; it stays on record with your reason."), "success")
    return redirect(url_for(f".{'inspections' if table == 'inspections' else 'ledger'}"), 303)
