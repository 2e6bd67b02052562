"""A drop-in ending with people still waiting, as the screens show it live: nobody reloads anything."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import DESK
from .helpers import add_ticket, assert_no_serious_axe_violations, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
WALL = {"viewport": {"width": 1920, "height": 1080}}
pytestmark = pytest.mark.slow  # it waits for a real minute to pass


def _soon():
    """The end of a drop-in one to two minutes after the server starts (the schedule counts whole minutes)."""
    now = datetime.now(ZoneInfo("Europe/London"))
    return f"{min(now + timedelta(minutes=2), now.replace(hour=23, minute=59)):%H:%M}"  # a day's schedule ends by midnight


def _started():
    now = datetime.now(ZoneInfo("Europe/London"))
    return f"{max(now - timedelta(hours=1), now.replace(hour=0, minute=0)):%H:%M}"


@pytest.mark.server(DROPIN_START=_started, DROPIN_END=_soon)
def test_the_end_reaches_every_screen_and_reception_decides_for_each(server, pages):
    late, back = add_ticket(server), add_ticket(server)
    reception = pages.staff_page("rab", "reception", **DESK)
    reception.goto("/staff/queue")
    expect(reception.locator("#after-close")).to_have_count(0)
    display = pages.device_page("display", **WALL)
    display.goto("/display/")
    expect(display.locator("#waiting-count")).to_have_text("2 waiting")
    phones = {}
    for ticket in (late, back):
        phones[ticket.id] = pages.page(**PHONE)
        phones[ticket.id].goto(f"/t/{ticket.token}")
        expect(phones[ticket.id].locator(".status-line")).to_contain_text("in the queue")

    ended = 150_000  # ms: the end comes within two minutes
    expect(reception.locator("#after-close")).to_contain_text("2 people are still waiting", timeout=ended)
    expect(reception.locator("dl.counters div").last).to_have_text("Check-inClosed")
    expect(display.locator("#waiting-count")).to_have_text(
        "The drop-in has ended. If you are still waiting, staff will speak to you.", timeout=10_000)
    expect(phones[late.id].locator("#after-close")).to_contain_text("The drop-in has ended", timeout=15_000)
    screenshot(reception, "reception-session-end")
    assert_no_serious_axe_violations(reception, "reception at the end of a session")

    reception.click(f"#queue-seen_late-{late.id}")
    expect(phones[late.id].locator("#after-close")).to_have_text(
        "The drop-in has ended, but staff will still see you today. Please stay.", timeout=15_000)
    reception.click(f"#queue-come_back-{back.id}")
    expect(phones[back.id].locator("#after-close")).to_contain_text("Please come back to the next drop-in",
                                                                    timeout=15_000)
    expect(reception.locator("#after-close")).to_have_count(0)
    expect(reception.locator(f"#ticket-{late.id} .tag-seen-late")).to_have_text("Will be seen today")
    screenshot(phones[back.id], "phone-session-end")
