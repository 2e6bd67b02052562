"""Copy what the visitor's screens use from the npm packages into static/vendor: the kiosk's icons
(kiosk/web/icons.py names them) and the font for Arabic script (Arabic and Urdu; static/css/kiosk.css)."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.web.icons import ICONS  # noqa: E402 - the list lives with the code that draws them

SOURCE = ROOT / "node_modules" / "@tabler" / "icons" / "icons" / "outline"
TARGET = ROOT / "static" / "vendor" / "icons"
FONT_SOURCE = ROOT / "node_modules" / "@fontsource" / "noto-sans-arabic"
FONT_TARGET = ROOT / "static" / "vendor" / "fonts"
FONT_WEIGHTS = (400, 700)

TARGET.mkdir(parents=True, exist_ok=True)
for drawing in sorted(set(ICONS.values())):
    shutil.copyfile(SOURCE / f"{drawing}.svg", TARGET / f"{drawing}.svg")
shutil.copyfile(SOURCE.parent.parent / "LICENSE", TARGET / "LICENSE")
print(f"{len(set(ICONS.values()))} icons in {TARGET.relative_to(ROOT)}")

# Tablets and phones often lack Urdu's letters (ہ ے ۔): the pages bring their own Arabic-script font.
FONT_TARGET.mkdir(parents=True, exist_ok=True)
for weight in FONT_WEIGHTS:
    name = f"noto-sans-arabic-arabic-{weight}-normal.woff2"
    shutil.copyfile(FONT_SOURCE / "files" / name, FONT_TARGET / name)
shutil.copyfile(FONT_SOURCE / "LICENSE", FONT_TARGET / "LICENSE-noto-sans-arabic")
print(f"Noto Sans Arabic ({', '.join(map(str, FONT_WEIGHTS))}) in {FONT_TARGET.relative_to(ROOT)}")
