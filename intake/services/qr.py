"""QR codes for touchpoints, and the printable poster that carries one.

The callers (API, CLI, admin pages) pass the touchpoint's public URL and the
words to print, so the poster's text can be translated and edited.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import qrcode
import qrcode.image.pil
import qrcode.image.svg
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from scoring.reports.pdf_font import pdf_font

POSTER_LINES_ZH: tuple[str, ...] = (
    "扫一扫，为我们的服务打分",
    "用手机相机扫描二维码，几秒钟即可完成",
    "如有意见或投诉，也可在此提交",
)
POSTER_LINES_EN: tuple[str, ...] = (
    "Scan to rate our service",
    "Point your phone's camera at the code: it takes a few seconds",
    "You can also leave a comment or make a complaint there",
)

def _qr(url: str, box_size: int = 10, **kwargs) -> qrcode.QRCode:
    code = qrcode.QRCode(box_size=box_size, border=4, **kwargs)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, box_size: int = 10) -> bytes:
    image = _qr(url, box_size, image_factory=qrcode.image.pil.PilImage).make_image()
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    image = _qr(url, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def poster_pdf(
    url: str,
    unit_name: str,
    counter_name: str | None = None,
    lines_en: Sequence[str] = POSTER_LINES_EN,
    lines_zh: Sequence[str] = POSTER_LINES_ZH,
    pagesize: tuple[float, float] = A5,
) -> bytes:
    """A one-page poster: the unit's name, the counter, the QR code large,
    short instructions in Chinese and English, and the URL for typing."""
    font = pdf_font()  # embedded: Chinese, Latin and punctuation print the same in every viewer
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=pagesize, initialFontName=font)
    pdf.setTitle(unit_name)
    width, height = pagesize
    margin = 12 * mm
    y = height - margin

    def line(text: str, font: str, size: float, gap: float = 1.35) -> None:
        nonlocal y
        # Shrink a line that would not fit rather than wrap it: CJK text has
        # no spaces to wrap at, and the lines are meant to be short.
        size = min(size, size * (width - 2 * margin) / max(pdf.stringWidth(text, font, size), 1))
        y -= size
        pdf.setFont(font, size)
        pdf.drawCentredString(width / 2, y, text)
        y -= size * (gap - 1)

    line(unit_name, font, 22)
    if counter_name:
        line(counter_name, font, 15)

    # The code as vector shapes, sharp at any print size; one rectangle per
    # run of dark modules, so viewers draw no seams between neighbours.
    matrix = _qr(url).get_matrix()
    side = min(width - 2 * margin, height * 0.5)
    module = side / len(matrix)
    left, top = (width - side) / 2, y - 4 * mm
    path = pdf.beginPath()
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < len(cells) and cells[col]:
                col += 1
            path.rect(left + start * module, top - (row + 1) * module,
                      (col - start) * module, module)
    pdf.drawPath(path, stroke=0, fill=1)
    y = top - side - 4 * mm

    # Each language's first line is its headline.
    for i, text in enumerate(lines_zh):
        line(text, font, 15 if i == 0 else 12)
    y -= 2 * mm
    for i, text in enumerate(lines_en):
        line(text, font, 13 if i == 0 else 10)
    y = margin + 8  # the URL sits on the bottom margin, for typing in
    line(url, font, 8)

    pdf.showPage()
    pdf.save()
    return out.getvalue()
