"""Copy the icons the kiosk uses (kiosk/web/icons.py) from the npm package into static/vendor/icons."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.web.icons import ICONS  # noqa: E402 - the list lives with the code that draws them

SOURCE = ROOT / "node_modules" / "@tabler" / "icons" / "icons" / "outline"
TARGET = ROOT / "static" / "vendor" / "icons"

TARGET.mkdir(parents=True, exist_ok=True)
for drawing in sorted(set(ICONS.values())):
    shutil.copyfile(SOURCE / f"{drawing}.svg", TARGET / f"{drawing}.svg")
shutil.copyfile(SOURCE.parent.parent / "LICENSE", TARGET / "LICENSE")
print(f"{len(set(ICONS.values()))} icons in {TARGET.relative_to(ROOT)}")
