"""Builds scoring/reports/fonts/FeedbackSansSC.ttf, the CJK font the PDFs embed.

A subset of Noto Sans CJK SC (SIL Open Font License 1.1; Debian's
fonts-noto-cjk or https://github.com/notofonts/noto-cjk): ASCII and Latin-1,
general punctuation (the minus sign, "·", dashes, quotes), CJK symbols,
full-width forms and the 6,763 hanzi of GB 2312. Its CFF outlines are
converted to TrueType ones because reportlab embeds only TrueType. The result
is renamed (a modified version under the OFL keeps its licence, not the
original's name) and shipped with its licence in scoring/reports/fonts/.

Run by hand when the character set changes:
    python scoring/reports/fonts/build_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
(needs fonttools; the package itself does not).
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

FAMILY = "Feedback Sans SC"
OUT = Path(__file__).resolve().parent.parent / "scoring" / "reports" / "fonts" / "FeedbackSansSC.ttf"


def gb2312() -> set[int]:
    chars = set()
    for row in range(0xB0, 0xF8):  # the hanzi rows, levels 1 and 2
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def wanted() -> set[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x215F), (0x2190, 0x21FF),
              (0x2212, 0x2212), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    return {c for low, high in ranges for c in range(low, high + 1)} | gb2312()


def to_truetype(font: TTFont) -> None:
    """CFF cubic outlines -> glyf quadratic ones (fontTools' otf2ttf recipe)."""
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in glyf.glyphOrder:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for key in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, key, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{FAMILY.replace(' ', '')}-subset"


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    to_truetype(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
