"""Pictures on the kiosk's choices: Tabler's outline icons (MIT licence), installed through npm and copied into
static/vendor/icons by the set-up (scripts/copy_vendor.py), put inline so they take the text's colour.

An icon goes beside its words, never instead of them: it is hidden from screen readers, which read the words.
"""
from functools import lru_cache
from pathlib import Path

from flask import current_app
from markupsafe import Markup

# What each picture shows, by the name the templates use: the Tabler icon drawn for it.
ICONS = {
    "self": "user", "family": "heart-handshake", "appointment": "calendar-event", "info": "info-circle",
    "housing": "home", "drugs_alcohol": "bottle", "health": "stethoscope", "money": "coin-pound",
    "family_contact": "users-group", "visits": "bus", "work": "briefcase", "other": "dots",
    "back": "arrow-left", "next": "arrow-right", "start_again": "arrow-back-up", "print": "printer",
    "done": "check", "ticket": "ticket", "speak": "volume", "language": "language",
}
# The needs' codes, where one is also a visit's ("family"): the need is contact with family.
NEED_ICONS = {"family": "family_contact"}


def icon(name, label=None):
    """The named picture as inline SVG; with a label it is announced as an image of that, else hidden."""
    svg = _svg(current_app.static_folder, ICONS[name])
    extra = f'role="img" aria-label="{Markup.escape(label)}"' if label else 'aria-hidden="true" focusable="false"'
    return Markup(svg.replace("<svg", f'<svg {extra}', 1))


@lru_cache(maxsize=64)
def _svg(static_folder, drawing):
    path = Path(static_folder) / "vendor" / "icons" / f"{drawing}.svg"
    text = path.read_text(encoding="utf-8")
    return " ".join(text.replace('class="icon ', f'class="kiosk-icon icon-{drawing} ').split())


def init_app(app):
    app.jinja_env.globals.update(icon=icon, need_icon=lambda code: icon(NEED_ICONS.get(code, code)))
