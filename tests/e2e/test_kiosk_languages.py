"""The kiosk and the ticket's phone page in every language, at both tablet sizes: the whole check-in by taps
(at most six), nothing overflowing its tile or button, `lang` and `dir` right, axe finding nothing serious,
the Listen button's speech for every step, and the phone following the ticket's language."""
import re
from pathlib import Path

import pytest
from babel.support import Translations
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from kiosk.i18n import LANGUAGES

from .conftest import TABLETS
from .helpers import SCREENSHOTS, assert_no_serious_axe_violations, targets_below_the_fold

CATALOGUES = Path(__file__).resolve().parents[2] / "kiosk" / "translations"
OVERFLOWING_JS = """() => [...document.querySelectorAll('.tile, .language, button, a, h1, label')]
  .filter(e => e.offsetParent !== null && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1))
  .map(e => (e.id || e.className || e.tagName) + ': ' + e.textContent.trim().slice(0, 40))"""

# Polled until true: the page's text asks for the font as it is laid out, which may come after
# document.fonts.ready has already settled on a busy machine.
ARABIC_FONT_LOADED_JS = """() => [...document.fonts].some(f => f.family.includes("Visitor Arabic") && f.status === "loaded")"""


def words(language, english):
    """The English as the visitor's language has it, from the compiled catalogue the app uses."""
    if language == "en":
        return english
    translated = Translations.load(str(CATALOGUES), [language]).gettext(english)
    assert translated != english, f"{english!r} is not translated into {language}"
    return translated


def looks_right(page, language, heading):
    html = LANGUAGES[language].html or language
    expect(page.locator("html")).to_have_attribute("lang", html)
    expect(page.locator("html")).to_have_attribute("dir", LANGUAGES[language].direction)
    expect(page.locator("h1")).to_contain_text(words(language, heading))
    if LANGUAGES[language].direction == "rtl":  # drawn in the font the page brings, which has Urdu's letters too
        try:
            page.wait_for_function(ARABIC_FONT_LOADED_JS, timeout=15_000)
        except PlaywrightTimeout:
            raise AssertionError("the page's own Arabic-script font is not in use") from None
    assert page.evaluate(OVERFLOWING_JS) == [], "text overflowing its box"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    assert targets_below_the_fold(page) == []
    speech = page.request.get(page.locator("[data-speak]").get_attribute("data-speak"))
    assert speech.status == 200 and speech.headers["content-type"] == "audio/wav"
    assert speech.body()[:4] == b"RIFF" and len(speech.body()) > 10_000, "something to hear"


@pytest.mark.parametrize("orientation", TABLETS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_whole_check_in_by_taps_in_every_language(pages, language, orientation):
    kiosk = pages.device_page("kiosk", **TABLETS[orientation])
    taps = 0

    def tap(selector):
        nonlocal taps
        kiosk.tap(selector)
        taps += 1

    kiosk.goto("/kiosk/")
    if language != "en":
        tap(f"#lang-{language}")
    looks_right(kiosk, language, "Welcome")
    assert_no_serious_axe_violations(kiosk, f"Welcome in {language}")
    tap("#start")
    looks_right(kiosk, language, "Who is your visit for?")
    tap("#for-self")
    looks_right(kiosk, language, "What would you like help with?")
    tap("label[for=need-housing]")
    assert_no_serious_axe_violations(kiosk, f"the needs in {language}")
    if orientation == "portrait" and LANGUAGES[language].direction == "rtl":
        kiosk.screenshot(path=SCREENSHOTS / f"kiosk-{language}-needs.png")
    tap("#needs-next")
    looks_right(kiosk, language, "Your first name or initials")
    tap("#get-ticket")
    expect(kiosk.locator("#ticket-number")).to_have_text(re.compile(r"^\d+$"))
    looks_right(kiosk, language, "Your number")
    assert_no_serious_axe_violations(kiosk, f"the ticket in {language}")
    assert taps <= 6, f"{taps} taps to a ticket"

    # The ticket's page on the phone speaks the language chosen at the kiosk, and can be switched.
    phone = pages.page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    phone.goto(kiosk.url.replace("/kiosk/ticket/", "/t/"))
    expect(phone.locator("html")).to_have_attribute("lang", LANGUAGES[language].html or language)
    expect(phone.locator("html")).to_have_attribute("dir", LANGUAGES[language].direction)
    expect(phone.locator(".ticket-label")).to_have_text(words(language, "Ticket"))
    expect(phone.locator("#why-order")).to_have_text(
        words(language, "Your place can change. People with an appointment, or who need help fast, are seen first."))
    other = "pl" if language == "en" else "en"
    phone.get_by_role("link", name=LANGUAGES[other].name, exact=True).tap()
    expect(phone.locator("html")).to_have_attribute("lang", LANGUAGES[other].html or other)
    expect(phone.locator(".ticket-label")).to_have_text(words(other, "Ticket"))

    # Done: the next visitor starts in English.
    kiosk.tap("#ticket-done")
    expect(kiosk.locator("html")).to_have_attribute("lang", "en-GB")
    expect(kiosk.locator("h1")).to_have_text("Welcome")
