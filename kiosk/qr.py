"""The ticket's QR code: an SVG of the status page's address, made once per ticket."""
from functools import lru_cache

import qrcode
from qrcode.image.svg import SvgPathImage


@lru_cache(maxsize=1024)
def qr_svg(url):
    image = qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
