"""The kiosk ticket printed by Chromium: one 80 mm slip with the number and a QR code that scans."""
import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pypdfium2.raw
import pytest
import zxingcpp
from playwright.sync_api import expect

from .conftest import TABLET_PORTRAIT
from .helpers import SCREENSHOTS, add_ticket, tap_through_kiosk

MM_PER_POINT = 25.4 / 72
RENDER_DPI = 300
BIG_TEXT = 40  # font size (as pdfium reports it) of the number, 60pt; everything else is 16 or less
LONDON_NOW = datetime.now(ZoneInfo("Europe/London"))
# A session that ends within the next half hour, with an hour a visit: the ticket carries the
# "we may not be able to see you today" warning with what to do instead, its longest form.
ENDING_SOON = {
    "DROPIN_START": f"{max(LONDON_NOW - timedelta(hours=1), LONDON_NOW.replace(hour=0, minute=0)):%H:%M}",
    "DROPIN_END": f"{min(LONDON_NOW + timedelta(minutes=30), LONDON_NOW.replace(hour=23, minute=59)):%H:%M}",
    "DEFAULT_VISIT_MINUTES": 60,
}


def test_ticket_prints_on_one_80mm_slip(server, pages):
    text = _print_ticket(server, pages, "ticket-printed")
    assert "We may not" not in text


@pytest.mark.server(**ENDING_SOON)
def test_longest_ticket_still_fits_one_slip(server, pages):
    add_ticket(server, name="Ahead")
    text = _print_ticket(server, pages, "ticket-printed-near-end")
    words = " ".join(text.split())
    assert "We may not be able to see you today" in words and "a call back or an appointment." in words


def _print_ticket(server, pages, name):
    kiosk = pages.device_page("kiosk", **TABLET_PORTRAIT)
    status_url = tap_through_kiosk(kiosk)
    number = kiosk.locator("#ticket-number").text_content()
    assert status_url.startswith(server + "/t/")
    kiosk.emulate_media(media="print")
    expect(kiosk.locator("#print-ticket")).to_be_hidden()

    data = kiosk.pdf(prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / f"{name}.pdf").write_bytes(data)
    pdf = pypdfium2.PdfDocument(data)
    assert len(pdf) == 1, f"the ticket printed on {len(pdf)} pages"
    page = pdf[0]
    width_mm, height_mm = (points * MM_PER_POINT for points in page.get_size())
    assert abs(width_mm - 80) <= 1, f"the slip is {width_mm:.1f} mm wide"
    assert height_mm <= 150, f"the slip is {height_mm:.0f} mm long: a sheet of paper, not a receipt"
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    big = "".join(textpage.get_text_range(i, 1) for i in range(textpage.count_chars())
                  if pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, i) >= BIG_TEXT)
    assert big == number, f"ticket number {number} not printed big; large text was {big!r}, all: {text!r}"
    assert "Print ticket" not in text and "Done" not in text

    bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
    pixels = memoryview(bitmap.buffer).cast("B", (bitmap.height, bitmap.stride))
    image = zxingcpp.ImageView(pixels, bitmap.width, bitmap.height, zxingcpp.ImageFormat.Lum, bitmap.stride, 1)
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in codes] == [status_url]
    _write_gray_png(SCREENSHOTS / f"{name}.png", page.render(scale=150 / 72, grayscale=True))
    pdf.close()
    return text


def _write_gray_png(path, bitmap):
    """The printed slip as a PNG for people to look at (no imaging library needed for greyscale)."""
    pixels, stride = bytes(bitmap.buffer), bitmap.stride
    raw = b"".join(b"\0" + pixels[y * stride:y * stride + bitmap.width] for y in range(bitmap.height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", bitmap.width, bitmap.height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))
