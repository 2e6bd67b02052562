"""The languages the visitor's screens speak (the kiosk, the ticket on the phone, the printed ticket, the
closed screen): Flask-Babel with Babel's catalogues in kiosk/translations, compiled by the set-up.

Staff screens stay in English. A visitor's language is chosen on the kiosk's Welcome by its own name; it
lasts for that visit only (the next visitor starts in English), goes onto their ticket, and the ticket's
page on their phone follows it and can be switched.
"""
from dataclasses import dataclass

from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from flask import g
from flask_babel import Babel, get_locale, refresh

DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    name: str  # in the language itself: a visitor finds theirs by reading it, never by a flag
    direction: str = "ltr"
    html: str = ""  # the lang attribute, where it is more than the code


LANGUAGES = {
    "en": Language("English", html="en-GB"),
    "pl": Language("Polski"),
    "ar": Language("العربية", "rtl"),
    "ur": Language("اردو", "rtl"),
    "ro": Language("Română"),
}


def init_app(app):
    Babel(app, locale_selector=lambda: g.get("language", DEFAULT))

    @app.context_processor
    def page_language():
        code = g.get("language", DEFAULT)
        language = LANGUAGES[code]
        return {"page_lang": language.html or code, "page_dir": language.direction, "languages": LANGUAGES,
                "language": code}


def known(code):
    """The code if it is one of ours, else English."""
    return code if code in LANGUAGES else DEFAULT


def use(code):
    """Speak this language for the rest of the request."""
    g.language = known(code)
    refresh()
    return g.language


def english():
    return str(get_locale() or DEFAULT) == DEFAULT


def day_and_date(day):
    """ "Monday 23 November" in the language in use."""
    return format_date(day, "EEEE d MMMM", locale=get_locale())


def clock(moment):
    """ "1pm" or "1:30pm" in English; the language's own short time elsewhere ("13:00")."""
    if english():
        hour = moment.hour % 12 or 12
        suffix = "am" if moment.hour < 12 else "pm"
        return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"
    return format_time(moment, "short", locale=get_locale())


def day_names(weekdays):
    """ "Monday, Wednesday and Friday" in the language in use (Monday is 0, as Python counts)."""
    names = get_day_names("wide", locale=get_locale())
    words = [names[d] for d in sorted(weekdays)]
    if english():
        return format_list([w.title() for w in words], locale="en_GB")  # no comma before "and"
    return format_list(words, locale=get_locale())
