"""Honest waits and a buzz when it counts: the kiosk's ticket, the visitor's phone and reception's queue."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kiosk.dropin.models import Room
from kiosk.dropin.queue import move
from kiosk.people.accounts import create_user

from .conftest import TABLET_PORTRAIT
from .helpers import add_ticket, assert_no_serious_axe_violations, screenshot, tap_through_kiosk

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# The phone's vibration, recorded: headless Chromium has no motor to ask.
RECORD_BUZZES = """
window.__buzzes = [];
Object.defineProperty(navigator, "vibrate", {configurable: true, value: function (pattern) {
  window.__buzzes.push(pattern); return true; }});
"""
def _london():
    return datetime.now(ZoneInfo("Europe/London"))


# An hour of drop-in left (less just before midnight), and half an hour a visit: the times are worked
# out as the server starts, not when the module is read, so a long run does not leave them behind.
HOUR_LEFT = {
    "DROPIN_START": lambda: f"{max(_london() - timedelta(hours=1), _london().replace(hour=0, minute=0)):%H:%M}",
    "DROPIN_END": lambda: f"{min(_london() + timedelta(hours=1), _london().replace(hour=23, minute=59)):%H:%M}",
    "DEFAULT_VISIT_MINUTES": 30,
}


def call(server, ticket, worker):
    with server.app.app_context():
        move(ticket.id, "call", worker, room_id=Room.get(Room.name == "Room 2").id)


def test_the_phone_buzzes_and_chimes_when_nearly_up_and_when_called(server, pages):
    tickets = [add_ticket(server) for _ in range(5)]
    with server.app.app_context():
        worker = create_user("aileen", "Aileen", "keyworker", "correct horse battery")
    visitor = pages.page(**PHONE)
    visitor.add_init_script(RECORD_BUZZES)
    visitor.goto(f"/t/{tickets[4].token}")
    expect(visitor.locator("#why-order")).to_contain_text("People with an appointment")
    expect(visitor.locator("#nearly")).to_have_count(0)
    visitor.tap("#alerts-on")
    expect(visitor.locator("#alerts-are-on")).to_be_visible()
    expect(visitor.locator("#alerts-on")).to_be_hidden()

    call(server, tickets[0], worker)
    call(server, tickets[1], worker)  # two ahead now
    expect(visitor.locator("#nearly")).to_have_text("Nearly your turn. Please stay close.", timeout=15000)
    expect(visitor.locator("body")).to_have_attribute("data-alerted", "nearly")
    screenshot(visitor, "phone-nearly")
    assert_no_serious_axe_violations(visitor, "phone, nearly their turn")

    call(server, tickets[2], worker)
    call(server, tickets[3], worker)
    call(server, tickets[4], worker)
    expect(visitor.locator(".status-called")).to_have_text("Please go to Room 2 now.", timeout=15000)
    expect(visitor.locator("body")).to_have_attribute("data-alerted", "nearly called")
    # A short buzz when alerts were switched on, then one for nearly, one for the call.
    assert visitor.evaluate("window.__buzzes") == [50, [200, 100, 200], [400, 200, 400, 200, 400]]


@pytest.mark.server(**HOUR_LEFT)
def test_a_wait_past_the_end_is_told_plainly_on_the_kiosk_the_phone_and_reception(server, pages):
    for _ in range(4):
        add_ticket(server)  # two hours of queue ahead, at half an hour each with nobody at a desk yet
    kiosk = pages.device_page("kiosk", **TABLET_PORTRAIT)
    status_url = tap_through_kiosk(kiosk)
    expect(kiosk.locator("#not-today")).to_contain_text("We may not be able to see you today")
    expect(kiosk.locator("#not-today")).to_contain_text("a call back or an appointment")
    for target in kiosk.locator(".kiosk-nav .tile").all():
        expect(target).to_be_in_viewport(ratio=1)  # the longer words still leave Done on the screen

    visitor = pages.page(**PHONE)
    visitor.goto(status_url)
    expect(visitor.locator("#not-today")).to_contain_text("0141 248 1763")

    reception = pages.staff_page("rab", "reception")
    reception.goto("/staff/queue")
    # Half an hour a place with an hour or less to go: the last places are after the end, the first is not
    # (how many depends on how near midnight the test runs, when the hour is cut short).
    rows = reception.locator("#waiting-table tbody tr")
    expect(rows.last.locator(".tag-late")).to_have_text("May not be seen today")
    expect(rows.first.locator(".tag-late")).to_have_count(0)
