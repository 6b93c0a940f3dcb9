"""`feedback qr`: a touchpoint's QR code or printable poster, from the shell."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from intake.services.touchpoints import (
    QR_FORMATS,
    get_touchpoint,
    list_touchpoints,
    rotate_touchpoint,
    touchpoint_qr,
    touchpoint_url,
)
from routing.errors import RoutingError
from routing.services.org import subtree_ids, unit_by_code


@click.command("qr")
@click.option("--list", "list_only", is_flag=True, help="List the touchpoints with their ids and links.")
@click.option("--unit", "unit_code", help="With --list: only this unit and the units below it.")
@click.option("--touchpoint", "touchpoint_id", type=int, help="The touchpoint's id (see --list).")
@click.option("--format", "fmt", type=click.Choice(sorted(QR_FORMATS)),
              help="png, svg or pdf (the printable poster); by default the output file's extension, else png.")
@click.option("--output", type=click.Path(dir_okay=False, allow_dash=True), help="File to write; - for standard output.")
@click.option("--rotate", is_flag=True, help="Replace the code first: the old one stops working.")
@with_appcontext
def qr(list_only, unit_code, touchpoint_id, fmt, output, rotate):
    """A touchpoint's QR code (PNG, SVG) or printable poster (PDF)."""
    public_url = current_app.config["PUBLIC_URL"]
    with current_app.extensions["db"].sessionmaker() as session:
        if list_only:
            _list(session, public_url, unit_code)
            return
        if touchpoint_id is None:
            raise click.UsageError("give --touchpoint ID (see --list)")
        if output is None and not rotate:
            raise click.UsageError("give --output FILE (or - for standard output), or --rotate")
        try:
            touchpoint = get_touchpoint(session, touchpoint_id)
            if rotate:
                rotate_touchpoint(session, touchpoint, current_app.extensions["clock"].now())
                session.commit()
                click.echo(f"new link: {touchpoint_url(public_url, touchpoint)}", err=True)
            if output is not None:
                fmt = fmt or _format_of(output)
                _write(output, touchpoint_qr(touchpoint, public_url, fmt).data)
        except RoutingError as error:
            raise click.UsageError(error.message) from error
    if output not in (None, "-"):
        click.echo(f"wrote {output}", err=True)


def _format_of(path: str) -> str:
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    return extension if extension in QR_FORMATS else "png"


def _write(output: str, data: bytes) -> None:
    if output == "-":
        stream = click.get_binary_stream("stdout")
        stream.write(data)
        stream.flush()
    else:
        with open(output, "wb") as f:
            f.write(data)


def _list(session, public_url: str, unit_code: str | None) -> None:
    unit_ids = None
    if unit_code:
        unit = unit_by_code(session, unit_code)
        if unit is None:
            raise click.UsageError(f"no unit with code {unit_code}")
        unit_ids = subtree_ids(session, unit.id)
    for touchpoint in list_touchpoints(session, unit_ids):
        status = "active" if touchpoint.active else "revoked"
        link = touchpoint_url(public_url, touchpoint) if touchpoint.active else "-"
        click.echo(f"{touchpoint.id}\t{touchpoint.unit.code}\t{touchpoint.label}\t{status}\t{link}")
