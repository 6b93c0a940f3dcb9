import io
import xml.etree.ElementTree as ET

import pypdfium2
import zxingcpp
from PIL import Image

from intake.services.qr import POSTER_LINES_EN, POSTER_LINES_ZH, poster_pdf, qr_png, qr_svg
from scoring.reports.pdf_font import FONT_NAME
from support.pdf import pdf_fonts, pdf_text

URL = "https://feedback.example.com/q/7Hx3kQ2pLm"


def decoded(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_png_scans_to_the_touchpoint_url():
    png = qr_png(URL)
    assert png.startswith(b"\x89PNG")
    assert decoded(Image.open(io.BytesIO(png))) == [URL]


def test_box_size_sets_the_printed_size():
    small = Image.open(io.BytesIO(qr_png(URL, box_size=4)))
    large = Image.open(io.BytesIO(qr_png(URL, box_size=12)))
    assert large.size[0] == 3 * small.size[0]


def test_the_svg_is_one_vector_path():
    root = ET.fromstring(qr_svg(URL))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1 and paths[0].get("d")


def poster_page(pdf: bytes) -> pypdfium2.PdfPage:
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    return document[0]


def test_the_poster_is_one_page_that_scans_to_the_url():
    pdf = poster_pdf(URL, "Pudong Branch", "Counter 3")
    assert pdf.startswith(b"%PDF")
    page = poster_page(pdf)
    # Printed at ~100 dpi and scanned again, as a phone would see it.
    assert decoded(page.render(scale=1.4).to_pil()) == [URL]


def test_the_poster_names_the_unit_and_counter_and_instructs_in_both_languages():
    text = poster_page(poster_pdf(URL, "浦东支行", "3号柜台")).get_textpage().get_text_range()
    for expected in ("浦东支行", "3号柜台", *POSTER_LINES_ZH, *POSTER_LINES_EN, URL):
        assert expected in text


def test_the_poster_prints_the_lines_it_is_given():
    text = poster_page(
        poster_pdf(URL, "Outlet 12", None, lines_en=["Rate us"], lines_zh=["请评价"])
    ).get_textpage().get_text_range()
    assert "Rate us" in text and "请评价" in text
    assert POSTER_LINES_EN[0] not in text


def test_a_long_name_is_shrunk_to_fit_the_page():
    name = "中国工商银行股份有限公司上海市分行浦东新区陆家嘴金融贸易区营业部"
    page = poster_page(poster_pdf(URL, name))
    textpage = page.get_textpage()
    width = page.get_width()
    assert name in textpage.get_text_range()
    for index in range(len(name)):
        left, _, right, _ = textpage.get_charbox(index)
        assert 0 <= left and right <= width


def test_the_poster_embeds_its_font_and_prints_every_sign():
    pdf = poster_pdf(URL, "人民路营业部 · 1号窗口", "VIP − 3号柜台")
    text = pdf_text(pdf)
    assert "人民路营业部 · 1号窗口" in text and "VIP − 3号柜台" in text and URL in text
    assert pdf_fonts(pdf) == {FONT_NAME: True}
