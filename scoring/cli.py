"""`feedback score`: a scheme's scorecards for a period, as a table, CSV or JSON."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from routing.models import Staff
from routing.services.org import subtree_ids, unit_by_code
from scoring.engine.explain import describe
from scoring.engine.inputs import SchemeError
from scoring.engine.periods import Period, PeriodError
from scoring.engine.scheme import available_schemes, load_scheme
from scoring.reports.exports import scorecard_dict, to_csv
from scoring.services.scorecards import places, scorecards, subjects
from scoring.services.sight import audit


def _period(_ctx, _param, value: str) -> Period:
    try:
        return Period.parse(value)
    except PeriodError as error:
        raise click.BadParameter(str(error)) from error


def _table(cards, names, placed, explain: bool) -> str:
    rows = [("#", "code", "name", "total", "grade", "money", "flags")]
    for card in cards:
        total = "not rated" if card.not_rated else f"{card.total}"
        flags = " ".join(card.flags) if not card.not_rated else card.not_rated_reason or ""
        rows.append((str(placed.get(card.subject, "-")), card.subject, names.get(card.subject, ""), total,
                     card.grade or "", f"{card.money:.2f}" if card.money else "", flags))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if explain and index > 0:
            card = cards[index - 1]
            lines.extend(f"    {describe(line)}" for line in card.breakdown + card.money_breakdown)
    return "\n".join(lines)


@click.command("score")
@click.option("--scheme", "scheme_name", required=True, help=f"one of: {', '.join(available_schemes())}")
@click.option("--period", required=True, callback=_period, help="2026-10, 2026-Q3, 2026-H2 or 2026")
@click.option("--unit", "unit_code", help="only this unit and the units below it (or the staff in them)")
@click.option("--subject", "subject_kind", type=click.Choice(["unit", "staff"]), default="unit", show_default=True)
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--explain", is_flag=True, help="with the table: every breakdown line under its scorecard")
@click.option("--lang", type=click.Choice(["en", "zh_Hans_CN"]), default="en", show_default=True,
              help="language of the CSV headers")
@with_appcontext
def score(scheme_name, period, unit_code, subject_kind, output, explain, lang):
    """Scorecards of a scheme for a period, best first; every view is audited."""

    try:
        scheme = load_scheme(scheme_name)
    except SchemeError as error:
        raise click.BadParameter(str(error), param_hint="--scheme") from error
    tz = current_app.config["TIMEZONE"]
    with current_app.extensions["db"].sessionmaker() as session:
        ids = None
        if unit_code:
            unit = unit_by_code(session, unit_code)
            if unit is None:
                raise click.BadParameter(f"no unit with code {unit_code}", param_hint="--unit")
            ids = subtree_ids(session, unit.id)
            if subject_kind == "staff":
                ids = list(session.scalars(select(Staff.id).where(Staff.unit_id.in_(ids))))
        cards = scorecards(session, scheme.name, period, subject_kind, ids, tz)
        names = {s.key: s.name for s in subjects(session, subject_kind, ids)}
        placed = places(cards, scheme.higher_is_better)
        audit(session, None, "export" if output != "table" else "view",
              f"cli score {scheme.name} {period.label} {subject_kind} {unit_code or 'all'} {output}",
              current_app.extensions["clock"].now())
        session.commit()
    if output == "csv":
        with force_locale(lang):  # no request here to choose a language from
            click.echo(to_csv(cards, names=names, places=placed), nl=False)
    elif output == "json":
        click.echo(json.dumps({
            "scheme": scheme.name, "title": scheme.title, "period": period.label, "subject": subject_kind,
            "scorecards": [scorecard_dict(c, name=names.get(c.subject), place=placed.get(c.subject)) for c in cards],
        }, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{scheme.title}, {period.label}")
        click.echo(_table(cards, names, placed, explain))
