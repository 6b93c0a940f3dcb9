"""Touchpoints: a QR code carries an unguessable token; rotating replaces it,
revoking retires it; `feedback qr` writes the code and the poster."""
import io

import pytest
import zxingcpp
from PIL import Image

from intake.services.touchpoints import (
    create_touchpoint,
    poster_titles,
    revoke_touchpoint,
    rotate_touchpoint,
    touchpoint_by_token,
    touchpoint_qr,
    touchpoint_url,
)
from intake.shell.qr_cli import qr
from routing.errors import Conflict, RoutingError

PUBLIC_URL = "https://feedback.example.com"


def decoded(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_a_new_touchpoint_gets_an_unguessable_token_and_a_public_link(session, make, clock):
    unit = make.unit()
    first = create_touchpoint(session, unit, "1号窗口", now=clock.now())
    second = create_touchpoint(session, unit, "2号窗口", now=clock.now())
    assert len(first.token) >= 32 and first.token != second.token
    assert touchpoint_url(PUBLIC_URL + "/", first) == f"{PUBLIC_URL}/q/{first.token}"
    assert touchpoint_by_token(session, first.token) is first


def test_a_touchpoint_needs_a_label(session, make, clock):
    with pytest.raises(RoutingError) as refused:
        create_touchpoint(session, make.unit(), "   ", now=clock.now())
    assert refused.value.code == "label_required"


def test_rotating_replaces_the_token_and_the_old_code_stops_working(session, make, clock):
    touchpoint = make.touchpoint(make.unit())
    old = touchpoint.token
    clock.advance(hours=1)
    rotate_touchpoint(session, touchpoint, clock.now())
    session.commit()
    assert touchpoint.token != old and touchpoint.rotated_at == clock.now()
    assert touchpoint_by_token(session, old) is None
    assert touchpoint_by_token(session, touchpoint.token) is touchpoint


def test_a_revoked_touchpoint_answers_no_token_and_cannot_be_rotated_or_printed(session, make, clock):
    touchpoint = make.touchpoint(make.unit())
    revoke_touchpoint(session, touchpoint, clock.now())
    session.commit()
    assert touchpoint_by_token(session, touchpoint.token) is None
    assert touchpoint.revoked_at == clock.now()
    with pytest.raises(Conflict):
        rotate_touchpoint(session, touchpoint, clock.now())
    with pytest.raises(Conflict):
        touchpoint_qr(touchpoint, PUBLIC_URL, "png")


def test_the_poster_names_the_outlet_and_the_counter_with_its_staff_member(session, make):
    outlet = make.unit(name="城东支行人民路营业部")
    counter = make.unit(name="1号窗口", level="counter", parent=outlet)
    teller = make.staff(unit=counter, display_name="王芳 (Wang Fang)")
    assert poster_titles(make.touchpoint(counter, teller, label="1号窗口")) == (
        "城东支行人民路营业部", "1号窗口 · 王芳 (Wang Fang)")
    assert poster_titles(make.touchpoint(outlet, label="大堂")) == ("城东支行人民路营业部", "大堂")


def test_feedback_qr_writes_a_png_that_scans_to_the_touchpoint(app, make, tmp_path):
    touchpoint = make.touchpoint(make.unit())
    output = tmp_path / "counter.png"
    result = app.test_cli_runner().invoke(qr, ["--touchpoint", str(touchpoint.id), "--format", "png",
                                               "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert decoded(output.read_bytes()) == [f"{PUBLIC_URL}/q/{touchpoint.token}"]


@pytest.mark.parametrize("name,start", [("poster.pdf", b"%PDF"), ("code.svg", b"<?xml")])
def test_feedback_qr_takes_the_format_from_the_file_name(app, make, tmp_path, name, start):
    touchpoint = make.touchpoint(make.unit())
    output = tmp_path / name
    result = app.test_cli_runner().invoke(qr, ["--touchpoint", str(touchpoint.id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(start)


def test_feedback_qr_rotate_prints_the_new_link_and_the_old_token_is_gone(app, session, make):
    touchpoint = make.touchpoint(make.unit())
    old = touchpoint.token
    result = app.test_cli_runner().invoke(qr, ["--touchpoint", str(touchpoint.id), "--rotate"])
    assert result.exit_code == 0, result.output
    session.refresh(touchpoint)
    assert touchpoint.token != old
    assert f"{PUBLIC_URL}/q/{touchpoint.token}" in result.output
    assert touchpoint_by_token(session, old) is None


def test_feedback_qr_lists_touchpoints_and_refuses_an_unknown_one(app, make):
    unit = make.unit(code="OUT-7")
    touchpoint = make.touchpoint(unit, label="3号窗口")
    runner = app.test_cli_runner()
    listing = runner.invoke(qr, ["--list"])
    assert listing.exit_code == 0
    assert f"{touchpoint.id}\tOUT-7\t3号窗口\tactive\t{PUBLIC_URL}/q/{touchpoint.token}" in listing.output
    missing = runner.invoke(qr, ["--touchpoint", "999999", "--output", "-"])
    assert missing.exit_code == 2 and "no such touchpoint" in missing.output
