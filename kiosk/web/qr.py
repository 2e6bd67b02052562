"""The ticket's QR code: an SVG of the status page's address, made once per ticket."""
from functools import lru_cache

import qrcode

BORDER = 2  # modules of quiet zone round the code


@lru_cache(maxsize=1024)
def qr_svg(url):
    code = qrcode.QRCode(border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return _svg(code.modules)


def _svg(modules):
    """One path of horizontal runs, one unit per module: what qrcode's SvgPathImage draws,
    written directly (its square-by-square writer took longer than making the code itself)."""
    size = len(modules) + 2 * BORDER
    runs = []
    for y, row in enumerate(modules, BORDER):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append(f"M{start + BORDER},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (f'<svg width="{size}mm" height="{size}mm" version="1.1" viewBox="0 0 {size} {size}" '
            f'xmlns="http://www.w3.org/2000/svg"><path d="{"".join(runs)}" id="qr-path" fill="#000000" '
            f'fill-opacity="1" fill-rule="nonzero" stroke="none" /></svg>')
