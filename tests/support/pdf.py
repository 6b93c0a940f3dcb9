"""What a PDF shows a reader: its text as extracted, and the fonts its text
is set in with whether each is embedded (pypdfium2, Chrome's PDF engine)."""
from __future__ import annotations

import ctypes
import re

import pypdfium2
import pypdfium2.raw as pdfium_c


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Base font name -> embedded, for every text object on every page, and
    for a standard font declared but never drawn with (a viewer substitutes
    those: reportlab declares Helvetica unless told otherwise)."""
    document = pypdfium2.PdfDocument(pdf)
    fonts: dict[str, bool] = {}
    for page in document:
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=4):
            font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
            size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
            buffer = ctypes.create_string_buffer(size)
            pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
            fonts[buffer.value.decode()] = bool(pdfium_c.FPDFFont_GetIsEmbedded(font))
    for standard in re.findall(rb"/BaseFont\s*/(Helvetica|Times-Roman|Courier|STSong-Light)\b", pdf):
        fonts[standard.decode()] = False
    return fonts
