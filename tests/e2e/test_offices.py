"""A manager running offices from the Offices page, and what the kiosk, phones, display and reception then show."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import g
from playwright.sync_api import expect

from kiosk.dropin import devices
from kiosk.offices.models import Office
from kiosk.offices.services import DAY_NAMES

from .conftest import DESK, TABLETS
from .helpers import assert_no_serious_axe_violations, screenshot, small_kiosk_text, tap_through_kiosk

LONDON = ZoneInfo("Europe/London")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
WALL = {"viewport": {"width": 1920, "height": 1080}}
POLLED = 15_000  # ms: phones poll every 5 s, staff screens and the display every 2 s
# Monday 30 November 2026, half an hour into the drop-in's hours: Saint Andrew's Day, a public holiday in Scotland.
ST_ANDREWS_DAY = datetime(2026, 11, 30, 13, 30, tzinfo=LONDON)


def _refused(pages, page, message):
    """A refused form: a 400 page that says why (and the browser's console line for it, expected)."""
    expect(page.locator("h1")).to_have_text("Sorry")
    expect(page.locator(".lead")).to_have_text(message)
    pages.refused_on_purpose(400)


def _kiosk_at(pages, office_id, **options):
    """A tablet enrolled as the kiosk of an office, as a manager working at that office enrols one."""
    with pages.base_url.app.app_context():
        g.office_id = office_id
        _, token = devices.enrol("Kiosk at another office", "kiosk", None)
    kiosk = pages.page(**options)
    kiosk.context.add_cookies([{"name": devices.COOKIES["kiosk"], "value": token, "url": pages.base_url}])
    return kiosk


def _close_today(manager, reason):
    today = datetime.now(LONDON).date()
    manager.fill("#closure-day", today.isoformat())
    manager.fill("#closure-reason", reason)
    manager.click("#add-closure")
    expect(manager.locator("#flash")).to_contain_text(f"Closed on {today:%A} {today.day} {today:%B %Y}.")
    return today


def test_a_manager_adds_an_office_its_rooms_and_a_closure(server, pages):
    manager = pages.staff_page("mags", "manager", **DESK)
    manager.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Offices", exact=True).click()
    expect(manager.locator("h1")).to_have_text("Offices")
    manager.fill("#new-office-name", "Paisley")
    manager.click("#add-office")
    expect(manager.locator("h1")).to_have_text("Paisley")
    expect(manager.locator("#flash")).to_contain_text("Paisley added")
    office_page = manager.url.split("#")[0]
    with server.app.app_context():
        paisley = Office.get(Office.name == "Paisley")
    usual_phone = manager.locator("#phone").input_value()

    # A phone number nobody could ring is refused, and the office keeps what it had.
    manager.fill("#address", "12 Gauze Street, Paisley PA1 1EP")
    manager.fill("#phone", "12345")
    manager.click("#save-details")
    _refused(pages, manager, "12345 is not a phone number we can ring: write it like 0141 248 1763.")
    manager.goto(office_page)
    expect(manager.locator("#name")).to_have_value("Paisley")
    expect(manager.locator("#phone")).to_have_value(usual_phone)
    expect(manager.locator("#address")).to_have_value("")
    manager.fill("#address", "12 Gauze Street, Paisley PA1 1EP")
    manager.fill("#phone", "0141  889 1234")
    manager.click("#save-details")
    expect(manager.locator("#flash")).to_have_text("Paisley's details are saved.")
    expect(manager.locator("#phone")).to_have_value("0141 889 1234")
    expect(manager.locator("#address")).to_have_value("12 Gauze Street, Paisley PA1 1EP")

    # Rooms: one added, the same name again refused, one retired.
    manager.fill("#new-room", "Family room")
    manager.click("#add-room")
    expect(manager.locator("#flash")).to_contain_text("Family room added")
    expect(manager.locator("#room-table input[value='Family room']")).to_have_count(1)
    manager.fill("#new-room", "family room")
    manager.click("#add-room")
    _refused(pages, manager, "This office already has a room or desk called Family room.")
    manager.goto(office_page)
    room_3 = manager.locator("#room-table tr", has=manager.locator("input[value='Room 3']"))
    room_3.get_by_role("button", name="Retire").click()
    expect(manager.locator("#flash")).to_contain_text("Room 3 is retired")
    expect(room_3.locator(".tag")).to_have_text("Retired")
    expect(room_3.get_by_role("button", name="Bring back")).to_be_visible()

    # The live server opens every day all day: a weekly drop-in overlaps until that day's is removed.
    day = DAY_NAMES[(datetime.now(LONDON).weekday() + 3) % 7]  # neither today nor tomorrow
    manager.select_option("#hours-weekday", label=day)
    manager.fill("#hours-starts", "10:00")
    manager.fill("#hours-ends", "12:00")
    manager.click("#add-hours")
    _refused(pages, manager, f"That overlaps the {day} drop-in, 00:00 to 23:59.")
    manager.goto(office_page)
    manager.locator("#hours-table tr", has_text=day).get_by_role("button", name="Remove").click()
    expect(manager.locator("#flash")).to_have_text("That weekly drop-in is removed.")
    manager.select_option("#hours-weekday", label=day)
    manager.fill("#hours-starts", "10:00")
    manager.fill("#hours-ends", "12:00")
    manager.click("#add-hours")
    expect(manager.locator("#flash")).to_have_text(f"Drop-in added: every {day}, 10:00 to 12:00.")
    expect(manager.locator("#hours-table tr", has_text=day)).to_contain_text("10:00 to 12:00")
    expect(manager.locator("#hours-table tbody tr")).to_have_count(7)

    today = _close_today(manager, "Staff training")
    closed = manager.locator(f"#day-{today.isoformat()}-closed")
    expect(closed).to_contain_text("Today")
    expect(closed.locator(".day-kind")).to_have_text("Closed Staff training")
    expect(manager.locator("#next-dropin")).to_contain_text("Closed today: Staff training")
    assert manager.viewport_size["width"] == 1366
    screenshot(manager, "offices", full_page=True)

    kiosk = _kiosk_at(pages, paisley.id, **TABLETS["portrait"])
    kiosk.goto("/kiosk/")
    expect(kiosk.locator("h1")).to_have_text("We are closed today")
    expect(kiosk.locator("#closed-reason")).to_have_text("Staff training")
    tomorrow = today + timedelta(days=1)
    expect(kiosk.locator(".kiosk-lead").first).to_contain_text("The next drop-in is")
    expect(kiosk.locator(".next-session")).to_have_text(re.compile(rf"^{tomorrow:%A} {tomorrow.day} {tomorrow:%B}, "))
    expect(kiosk.locator("#start")).to_have_count(0)


# Open all day, check-in from 15 minutes before midnight: the drop-in on now opened its check-in yesterday,
# and must stay on reception's queue and the display once the closure ends it.
@pytest.mark.server(CHECKIN_OPENS_BEFORE_MINUTES=15)
def test_a_closure_added_while_people_wait_reaches_their_phones_the_display_and_reception(server, pages):
    kiosk = pages.device_page("kiosk", **TABLETS["portrait"])
    first = tap_through_kiosk(kiosk)
    tap_through_kiosk(kiosk, needs=("money",))
    phone = pages.page(**PHONE)
    phone.goto(first)
    expect(phone.locator(".status-line")).to_contain_text("in the queue")
    display = pages.device_page("display", **WALL)
    display.goto("/display/")
    expect(display.locator("#waiting-count")).to_have_text("2 waiting")
    reception = pages.staff_page("rab", "reception", **DESK)
    reception.goto("/staff/queue")
    expect(reception.locator("#count-waiting")).to_have_text("2")
    expect(reception.locator("#closed-early")).to_have_count(0)

    manager = pages.staff_page("mags", "manager", **DESK)
    manager.goto("/admin/offices")
    manager.get_by_role("link", name="Glasgow").click()
    expect(manager.locator("h1")).to_have_text("Glasgow")
    _close_today(manager, "Burst pipe")
    expect(manager.locator("#flash")).to_contain_text("Anyone waiting is told on their phone and the display")

    # Nobody reloads: each screen's own poll brings the news.
    expect(phone.locator("#closed-early")).to_contain_text("The drop-in is closing early today: Burst pipe.",
                                                           timeout=POLLED)
    expect(phone.locator("#after-close")).to_contain_text("The drop-in has ended", timeout=POLLED)
    expect(phone.locator(".status-line")).to_contain_text("in the queue")
    expect(display.locator("#board-notice")).to_have_text("The drop-in is closing early today: Burst pipe.",
                                                          timeout=POLLED)
    expect(display.locator("#waiting-count")).to_have_text(
        "The drop-in has ended. If you are still waiting, staff will speak to you.", timeout=POLLED)
    expect(reception.locator("#closed-early")).to_contain_text(
        re.compile(r"^Closed early at \d{1,2}:\d\d[ap]m: Burst pipe\."), timeout=POLLED)
    expect(reception.locator("#after-close")).to_contain_text("2 people are still waiting", timeout=POLLED)
    expect(reception.locator("#count-waiting")).to_have_text("2")
    expect(reception.locator("#waiting-table tbody tr")).to_have_count(2)


@pytest.fixture
def st_andrews_day(request):
    """The server's clock (it runs in this process) at Saint Andrew's Day, moving on from there."""
    with time_machine.travel(ST_ANDREWS_DAY, tick=True):
        yield request.getfixturevalue("server")


@pytest.mark.server(PUBLIC_HOLIDAYS=True, DROPIN_WEEKDAYS="mon,wed,fri", DROPIN_START="13:00", DROPIN_END="15:00",
                    CHECKIN_OPENS_BEFORE_MINUTES=15)
def test_the_kiosk_is_closed_on_a_public_holiday(st_andrews_day, pages):
    kiosk = pages.device_page("kiosk", **TABLETS["portrait"])
    kiosk.goto("/kiosk/")
    expect(kiosk.locator("h1")).to_have_text("We are closed today")
    expect(kiosk.locator("#closed-reason")).to_have_text("Saint Andrew's Day")
    expect(kiosk.locator(".kiosk-lead").first).to_have_text(
        "The next drop-in is Wednesday 2 December, 1pm to 3pm", use_inner_text=True)
    expect(kiosk.locator("#start")).to_have_count(0)
    screenshot(kiosk, "kiosk-closed-holiday")
    assert_no_serious_axe_violations(kiosk, "kiosk closed on a public holiday")
    assert not small_kiosk_text(kiosk), small_kiosk_text(kiosk)
