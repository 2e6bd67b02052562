"""The reception tablet at both sizes it is used at: check in by tapping only, back to Welcome, closed."""
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kiosk.dropin.models import Ticket

from .conftest import TABLETS
from .helpers import (
    assert_no_serious_axe_violations, screenshot, small_kiosk_text, tap_through_kiosk, targets_below_the_fold,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LONDON_NOW = datetime.now(ZoneInfo("Europe/London"))
# Every weekday but today's, so the kiosk is closed whenever the test runs (unless London's midnight
# passes between here and the test, which the assertions below would report plainly).
NOT_TODAY = ",".join(day for number, day in enumerate(DAYS) if number != LONDON_NOW.weekday())
IDLE_SECONDS = 2
WELCOME = re.compile(r"/kiosk/$")


@pytest.mark.parametrize("orientation", TABLETS)
def test_visitor_checks_in_by_tapping_only(server, pages, orientation):
    kiosk = pages.device_page("kiosk", **TABLETS[orientation])
    hidden = []

    def fits_the_screen(step):
        # Nothing on any step to scroll to, down or sideways.
        hidden.extend(f"{step}: {target}" for target in targets_below_the_fold(kiosk))
        height, width = kiosk.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
        viewport = TABLETS[orientation]["viewport"]
        if height > viewport["height"] or width > viewport["width"]:
            hidden.append(f"{step}: the page is {width} × {height}")

    status_url = tap_through_kiosk(kiosk, on_step=fits_the_screen, needs=("housing", "visits"))
    assert not hidden, f"off the {orientation} screen: {hidden}"
    expect(kiosk.locator("#ticket-number")).to_have_text("1")
    expect(kiosk.locator("#ticket-qr")).to_be_visible()
    with server.app.app_context():
        ticket = Ticket.get()
    assert (ticket.number, ticket.name, ticket.visit_for, ticket.need_codes) == (1, None, "self", ["housing", "visits"])
    assert status_url.endswith(f"/t/{ticket.token}")

    kiosk.tap("#ticket-done")
    expect(kiosk).to_have_url(WELCOME)
    expect(kiosk.locator("#start")).to_be_visible()


@pytest.mark.server(KIOSK_IDLE_SECONDS=IDLE_SECONDS, KIOSK_TICKET_SECONDS=IDLE_SECONDS)
@pytest.mark.parametrize("orientation", TABLETS)
def test_kiosk_returns_to_welcome_when_left_alone(pages, orientation):
    kiosk = pages.device_page("kiosk", **TABLETS[orientation])
    kiosk.goto("/kiosk/")
    kiosk.tap("#start")
    expect(kiosk.locator("#for-self")).to_be_visible()
    left_at = time.monotonic()
    # The natural wait: the visitor walks away halfway through.
    expect(kiosk).to_have_url(WELCOME, timeout=(IDLE_SECONDS + 5) * 1000)
    assert time.monotonic() - left_at >= IDLE_SECONDS - 0.5, "went back to Welcome before the idle time"
    expect(kiosk.locator("#start")).to_be_visible()

    # Someone takes their ticket and walks off without tapping Done.
    tap_through_kiosk(kiosk)
    expect(kiosk).to_have_url(WELCOME, timeout=(IDLE_SECONDS + 5) * 1000)
    expect(kiosk.locator("h1")).to_have_text("Welcome")


@pytest.mark.server(DROPIN_WEEKDAYS=NOT_TODAY, DROPIN_START="13:00", DROPIN_END="15:00",
                    CHECKIN_OPENS_BEFORE_MINUTES=15)
@pytest.mark.parametrize("orientation", TABLETS)
def test_kiosk_outside_session_hours_says_when_next(pages, orientation):
    kiosk = pages.device_page("kiosk", **TABLETS[orientation])
    kiosk.goto("/kiosk/")
    expect(kiosk.locator("h1")).to_have_text("The drop-in is closed just now")
    tomorrow = LONDON_NOW + timedelta(days=1)
    expect(kiosk.locator(".next-session")).to_have_text(
        f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}, 1pm to 3pm")
    expect(kiosk.locator(".phone")).to_have_text("0141 248 1763")
    expect(kiosk.locator("#start")).to_have_count(0)
    for line in kiosk.locator(".closed p").all():
        expect(line).to_be_in_viewport(ratio=1)

    screenshot(kiosk, f"kiosk-{orientation}-closed")
    assert_no_serious_axe_violations(kiosk, f"kiosk closed screen ({orientation})")
    assert not small_kiosk_text(kiosk), small_kiosk_text(kiosk)


@pytest.mark.server(KIOSK_TICKET_SECONDS=IDLE_SECONDS)
@pytest.mark.parametrize("orientation", TABLETS)
def test_back_never_shows_or_gives_out_an_earlier_visitor_s_ticket(server, pages, orientation):
    kiosk = pages.device_page("kiosk", **TABLETS[orientation])
    addresses = []
    kiosk.on("framenavigated", lambda frame: addresses.append(frame.url) if frame == kiosk.main_frame else None)

    def back_is_a_fresh_start(times):
        """The next visitor swipes back, again and again, and taps whatever is there to take a ticket."""
        for _ in range(times):
            kiosk.go_back()
            expect(kiosk.locator("#ticket-number")).to_have_count(0)
            for button in ("#get-ticket", "#needs-next", "#for-self"):
                if kiosk.locator(button).count():
                    kiosk.tap(button)
                    expect(kiosk.locator("#ticket-number")).to_have_count(0)
                    break

    # The first visitor takes a ticket and taps Done; the next one swipes back through their steps.
    tap_through_kiosk(kiosk, needs=("housing", "drugs_alcohol"))
    kiosk.tap("#ticket-done")
    expect(kiosk).to_have_url(WELCOME)
    back_is_a_fresh_start(4)
    # The second visitor walks off with their ticket; it times out to Welcome, and the next swipes back.
    kiosk.goto("/kiosk/")
    tap_through_kiosk(kiosk, needs=("money",))
    expect(kiosk).to_have_url(WELCOME, timeout=(IDLE_SECONDS + 5) * 1000)
    back_is_a_fresh_start(4)

    with server.app.app_context():
        assert [t.number for t in Ticket.select().order_by(Ticket.number)] == [1, 2]
    # Nothing anyone chose stays in the tablet's history.
    assert addresses and not [a for a in addresses if re.search(r"[?&](k|visit_for|needs)=", a)], addresses
