"""Where supervisors enter what the platform cannot observe (RULES 5):
inspection results, complaint verdicts, and violations and merits on the
ledger; corrected or withdrawn without deleting. Who may enter what is
scoring.services.sight's and the access policy's business; every entry is
audited by scoring.services.entries."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from routing.errors import RoutingError
from routing.models import Case, Staff, Unit
from routing.services import lifecycle
from routing.services.cases import case_by_reference
from routing.web.glue import db_session, now, record_id, role_at_least, role_required
from scoring import labels, models
from scoring.engine.periods import Period, PeriodError
from scoring.services import entries
from scoring.services import sight as access
from scoring.web import forms
from scoring.web.common import timezone, tree_order, unit_choices

bp = Blueprint("score_entry", __name__)


def _enter_units(session: Session) -> list[Unit]:
    """Units the signed-in person may enter results for."""
    ids = access.enterable_units(session, current_user)
    query = select(Unit).where(Unit.active.is_(True))
    if ids is not None:
        query = query.where(Unit.id.in_(ids))
    return tree_order(list(session.scalars(query)))


def _enter_staff(session: Session, units: list[Unit]) -> list[Staff]:
    query = (select(Staff).where(Staff.active.is_(True), Staff.unit_id.in_([u.id for u in units] or [-1]),
                                 Staff.id != current_user.id).order_by(Staff.display_name).limit(2000))
    return list(session.scalars(query))


def _staff_choices(people: list[Staff], units: list[Unit]) -> list[SelectChoice]:
    names = {u.id: u.name for u in units}
    return [SelectChoice(s.id, f"{s.display_name} · {names.get(s.unit_id, '')}") for s in people]


def _local_today() -> date:
    return now().astimezone(ZoneInfo(timezone())).date()


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


@bp.route("/scores/inspections/checklist", methods=["GET", "POST"])
@role_required("supervisor")
def checklist():
    """The whole checklist of one station in one form: one entry per item, all or none."""
    session = db_session()
    units = _enter_units(session)
    form = forms.ChecklistForm(today=_local_today())
    form.unit.choices = unit_choices(units)
    if request.method == "GET":
        form.held_on.data = form.held_on.data or _local_today()
    status = 200
    if form.validate_on_submit():
        try:
            for item, score in form.scores().items():
                entries.record_inspection(session, entries.NewInspection(
                    unit_id=form.unit.data, kind="checklist", item=item, held_on=form.held_on.data, score=score,
                    note=(form.note.data or "").strip()), current_user, now())
            session.commit()
        except RoutingError as error:
            status = _refused(session, error, form)
        else:
            total = sum(form.scores().values())
            flash(gettext("The checklist was recorded: %(count)s items, %(total)s points.",
                          count=len(form.scores()), total=total), "success")
            return redirect(url_for(".inspections"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("scoring/checklist.html", form=form, labels=labels, section="inspections"), status


@bp.route("/scores/inspections", methods=["GET", "POST"])
@role_required("supervisor")
def inspections():
    session = db_session()
    units = _enter_units(session)
    people = _enter_staff(session, units)
    form = forms.InspectionForm(today=_local_today())
    form.unit.choices = unit_choices(units)
    form.staff.choices = [SelectChoice(0, _l("The unit as a whole"))] + _staff_choices(people, units)
    if request.method == "GET":
        form.held_on.data = form.held_on.data or _local_today()
        form.unit.data = request.args.get("unit", form.unit.data, type=record_id)
    status = 200
    if form.validate_on_submit():
        new = entries.NewInspection(
            unit_id=form.unit.data, kind=form.kind.data, held_on=form.held_on.data, score=form.score.data,
            problems=form.problems.data, staff_id=form.staff.data or None, item=form.item.data or None,
            period_label=(form.period_label.data or "").strip() or None, note=(form.note.data or "").strip())
        try:
            row = entries.record_inspection(session, new, current_user, now())
            session.commit()
        except RoutingError as error:
            status = _refused(session, error, form)
        else:
            flash(gettext("The %(kind)s result for %(unit)s was recorded for %(period)s.",
                          kind=labels.INSPECTION_KIND_LABELS[row.kind], unit=row.unit.name,
                          period=row.period_label), "success")
            return redirect(url_for(".inspections"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("scoring/inspections.html", form=form, recent=_recent(session, models.Inspection, units),
                           labels=labels, section="inspections"), status


def _complaints(session: Session, units: list[Unit], period: Period, status: str) -> list[tuple[Case, object]]:
    start, end = period.bounds(timezone())
    query = (select(Case).where(Case.kind == "complaint", Case.created_at >= start, Case.created_at < end,
                                Case.unit_id.in_([u.id for u in units] or [-1]))
             .order_by(Case.created_at.desc()).limit(500))
    if status == "resolved":
        query = query.where(Case.status.in_(("resolved", "closed")))
    if status == "unjudged":  # the supervisors' "to judge" list: any month, oldest first
        judged = select(models.ComplaintVerdict.id).where(models.ComplaintVerdict.case_id == Case.id,
                                                          models.ComplaintVerdict.superseded_at.is_(None))
        query = (select(Case).where(Case.kind == "complaint", ~judged.exists(),
                                    Case.unit_id.in_([u.id for u in units] or [-1]))
                 .order_by(Case.created_at).limit(500))
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
    return default or Period.containing(now(), "month", timezone())


def _verdict_prefix(case: Case) -> str:
    """One form per complaint on the page, each with its own field names."""
    return f"c{case.id}"


def _render_verdicts(session: Session, failed: tuple[Case, forms.VerdictForm] | None = None, status: int = 200):
    units = _enter_units(session)
    period = _verdict_period(Period.containing(failed[0].created_at, "month", timezone()) if failed else None)
    shown = request.args.get("show", "resolved")
    shown = shown if shown in ("resolved", "all", "unjudged") else "resolved"
    complaints = _complaints(session, units, period, shown)
    if failed and failed[0].id not in {case.id for case, _ in complaints} and failed[0].unit_id in {u.id for u in units}:
        complaints.insert(0, (failed[0], entries.current_verdict(session, failed[0].id)))
    verdict_forms = {case.id: (failed[1] if failed and failed[0].id == case.id else
                               forms.VerdictForm(formdata=None, prefix=_verdict_prefix(case),
                                                 verdict=verdict.verdict if verdict else None))
                     for case, verdict in complaints}
    choices = forms.period_choices(Period.containing(now(), "month", timezone()), quarters=0, halves=0, years=0)
    return render_template("scoring/verdicts.html", complaints=complaints, verdict_forms=verdict_forms,
                           period=period, period_name=labels.period_name(period), shown=shown, choices=choices,
                           labels=labels, section="verdicts"), status


@bp.route("/scores/verdicts")
@role_required("supervisor")
def verdicts():
    return _render_verdicts(db_session())


@bp.route("/scores/verdicts/<reference>", methods=["POST"])
@role_required("supervisor")
def decide(reference: str):
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
        entries.decide_complaint(session, case, form.verdict.data, form.reason.data, current_user, now(),
                                points=form.points.data)
        if form.close.data and case.status == "resolved":  # a complaint closes with its verdict
            lifecycle.close(session, case, current_user, now())
        session.commit()
    except RoutingError as error:
        status = _refused(session, error, form)
        flash(error.message, "error")
        return _render_verdicts(session, (case, form), status)
    flash(gettext("%(reference)s: the complaint was judged %(verdict)s.", reference=case.reference,
                  verdict=labels.VERDICT_LABELS[form.verdict.data]), "success")
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
        form.occurred_at.data = now().astimezone(ZoneInfo(timezone())).replace(tzinfo=None, second=0, microsecond=0)
    if form.validate_on_submit():
        kind, code = form.kind_and_code
        occurred = form.occurred_at.data.replace(tzinfo=ZoneInfo(timezone()))
        if occurred > now():
            form.occurred_at.errors.append(_l("The time cannot be in the future."))
            status = 400
        else:
            new = entries.NewLedgerEntry(kind=kind, code=code, points=form.points.data, occurred_at=occurred,
                                        staff_id=form.staff.data, note=(form.note.data or "").strip(),
                                        yuan=form.yuan.data)
            try:
                row = entries.record_ledger_entry(session, new, current_user, now())
                session.commit()
            except RoutingError as error:
                status = _refused(session, error, form)
            else:
                flash(gettext("%(kind)s recorded for %(name)s: %(what)s, %(points)s points.",
                              kind=labels.LEDGER_KIND_LABELS[kind], name=row.staff.display_name,
                              what=labels.ledger_code_label(kind, code), points=row.points), "success")
                return redirect(url_for(".ledger"), 303)
    elif request.method == "POST":
        status = 400
    return render_template("scoring/ledger.html", form=form, recent=_recent(session, models.LedgerEntry, units),
                           labels=labels, section="ledger"), status


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
    entries.withdraw(session, row, current_user, now(), reason)
    session.commit()
    flash(gettext("The entry was withdrawn; it stays on record with your reason."), "success")
    return redirect(url_for(f".{'inspections' if table == 'inspections' else 'ledger'}"), 303)
