"""Print the pinned packages pyproject.toml lists for the app, plus those of the extras named.

The app runs from this folder (run.py, `flask --app kiosk`, the tests), so only what it
needs is installed, never the app itself: `pip install $(python scripts/requirements.py test)`.
"""
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
wanted = list(project["dependencies"])
for extra in sys.argv[1:]:
    wanted += project["optional-dependencies"][extra]
print(" ".join(wanted))
