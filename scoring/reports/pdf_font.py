"""The font every PDF embeds (quality report, QR poster).

A subset of Noto Sans CJK SC shipped in the package (fonts/, SIL Open Font
License, built by scoring/reports/fonts/build_font.py): Latin, punctuation (the minus
sign, "·"), CJK symbols and the hanzi of GB 2312 in TrueType outlines, which
reportlab embeds, subset again to the characters each document uses. A
viewer's own CJK font (the built-in STSong-Light of before) is not needed
and cannot drop a glyph.
"""
from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "FeedbackSansSC"
FONT_FILE = Path(__file__).with_name("fonts") / "FeedbackSansSC.ttf"


def pdf_font() -> str:
    """The embedded font's name, registered with reportlab on first use."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))
    return FONT_NAME
