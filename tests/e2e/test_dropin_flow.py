"""A whole drop-in in Chromium: check in by tapping, the live queue, Call next, the display, Done."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from kiosk.cases import bookings
from kiosk.cases.services import create_case
from kiosk.clock import utcnow
from kiosk.people.accounts import create_user

from kiosk.dropin.models import Room, Ticket

from .conftest import TABLET_PORTRAIT
from .helpers import add_ticket, assert_no_serious_axe_violations, screenshot


def test_check_in_call_and_finish_across_every_screen(pages):
    kiosk = pages.device_page("kiosk", **TABLET_PORTRAIT)
    reception = pages.staff_page("rab", "reception")
    worker = pages.staff_page("aileen", "keyworker")
    display = pages.device_page("display", viewport={"width": 1920, "height": 1080})
    display.goto("/display/")
    expect(display.locator(".call-none")).to_have_text("Please wait for your number")

    kiosk.goto("/kiosk/")
    kiosk.tap("#start")
    kiosk.tap("#for-self")
    kiosk.tap("label[for=need-housing]")
    kiosk.tap("#needs-next")
    kiosk.fill("#name", "Zara")
    kiosk.tap("#get-ticket")
    expect(kiosk.locator("#ticket-number")).to_have_text("1")
    qr = kiosk.locator("#ticket-qr")
    expect(qr).to_be_visible()
    # decode() waits for the image to arrive and fails if it is broken.
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(kiosk.locator("body")).not_to_contain_text("Zara")
    status_url = kiosk.url.replace("/kiosk/ticket/", "/t/")

    # Reception sees the new ticket without reloading.
    row = reception.locator("#queue-live tr", has_text="Zara")
    expect(row).to_contain_text("Housing", timeout=3000)
    expect(reception.locator("#count-waiting")).to_have_text("1")

    worker.goto("/staff/desk")
    worker.select_option("#desk-room-select", label="Room 2")
    worker.click("#desk-room-save")
    expect(worker.locator("#room-heading")).to_contain_text("Room 2")
    expect(worker.locator("#call-next")).to_be_enabled(timeout=3000)
    worker.click("#call-next")
    expect(worker.locator(".desk-current .big-number")).to_have_text("1")
    expect(worker.locator(".desk-current")).to_contain_text("Zara")

    expect(display.locator("#now-number")).to_have_text("1", timeout=3000)
    expect(display.locator("#now-room")).to_have_text("Room 2")
    expect(display.locator("body")).not_to_contain_text("Zara")

    visitor = pages.page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    visitor.goto(status_url)
    expect(visitor.locator(".status-called")).to_have_text("Please go to Room 2 now.")
    expect(visitor.locator("body")).not_to_contain_text("Zara")

    worker.fill("textarea[name=outcome]", "Housing options explained")
    worker.click("button:has-text('Done')")
    expect(worker.locator("#flash")).to_contain_text("1 is done")
    active_rows = reception.locator("#waiting-table tr, #with-staff-table tr", has_text="Zara")
    expect(active_rows).to_have_count(0, timeout=3000)
    expect(reception.locator("details.finished")).to_contain_text("Zara")
    expect(reception.locator("#count-seen")).to_have_text("1")
    expect(visitor.locator(".status-line")).to_contain_text("Your visit is finished", timeout=7000)


def test_reception_works_each_row_of_the_queue(pages, server):
    first = add_ticket(server, name="Ola")
    second = add_ticket(server, name="Pim")
    reception = pages.staff_page("rab", "reception")

    reception.click(f"#queue-priority_on-{second.id}")
    expect(reception.locator("#flash")).to_contain_text(f"Ticket {second.number} is now a priority")
    # The priority visitor moves to the top of the waiting list.
    expect(reception.locator("#waiting-table tbody tr").first).to_contain_text("Pim", timeout=3000)
    expect(reception.locator(f"#ticket-{second.id}")).to_contain_text("Priority")

    reception.click(f"#queue-cancel-{first.id}")
    expect(reception.locator("#flash")).to_contain_text(f"{first.number} cancelled")
    expect(reception.locator("#waiting-table tr", has_text="Ola")).to_have_count(0, timeout=3000)

    reception.select_option(f"#room-{second.id}", label="Room 2")
    reception.click(f"#queue-call-{second.id}")
    expect(reception.locator("#flash")).to_contain_text(f"Called {second.number} to Room 2")
    reception.click(f"#queue-start-{second.id}")
    expect(reception.locator("#flash")).to_contain_text(f"Started with {second.number}")
    reception.click(f"#queue-finish-{second.id}")
    expect(reception.locator("#flash")).to_contain_text(f"{second.number} is done")
    expect(reception.locator("#count-seen")).to_have_text("1", timeout=3000)


def test_one_wrong_tap_on_reception_s_queue_costs_nobody_anything(pages, server):
    first = add_ticket(server, name="Una")
    second = add_ticket(server, name="Vic")
    reception = pages.staff_page("rab", "reception", viewport={"width": 1280, "height": 800}, has_touch=True)
    # Nothing chosen for them: no room on a row, so Call alone sends nobody anywhere.
    expect(reception.locator(f"#room-{first.id}")).to_have_value("")
    reception.click(f"#queue-call-{first.id}")
    expect(reception.locator("#flash")).to_contain_text("Choose a room or desk")
    pages.refused_on_purpose(409)
    # Taking someone out is set apart from the harmless buttons, and can be undone: they keep their place.
    for harmless in ("call", "priority_on"):
        for harmful in ("left", "cancel"):
            gap = _gap(*(reception.locator(f"#queue-{a}-{first.id}").bounding_box() for a in (harmless, harmful)))
            assert gap >= 36, f"{harmful} is {gap:.0f} px from {harmless}"  # more than a fingertip
    reception.click(f"#queue-cancel-{first.id}")
    expect(reception.locator("#waiting-table tr", has_text="Una")).to_have_count(0, timeout=3000)
    reception.click("details.finished summary")
    reception.click(f"#queue-requeue-{first.id}")
    expect(reception.locator("#flash")).to_contain_text(f"{first.number} is back in the queue")
    expect(reception.locator("#waiting-table tbody tr").first).to_contain_text("Una", timeout=3000)
    screenshot(reception, "reception-queue-tablet")

    # The walk-in form starts afresh after Add; a double tap adds one person.
    reception.fill("#walk-in-name", "Wyn")
    reception.check("input[name=needs][value=housing]")
    reception.dblclick("#walk-in-form button[type=submit]")
    reception.wait_for_timeout(300)
    reception.click("#walk-in-form button[type=submit]")  # and a third tap, after the form was cleared
    expect(reception.locator("#waiting-table tr", has_text="Wyn")).to_have_count(1, timeout=3000)
    expect(reception.locator("#walk-in-name")).to_have_value("")
    expect(reception.locator("input[name=needs][value=housing]")).not_to_be_checked()
    reception.fill("#walk-in-name", "Xan")
    reception.click("#walk-in-form button[type=submit]")
    expect(reception.locator("#waiting-table tr", has_text="Xan")).to_have_count(1, timeout=3000)
    with server.app.app_context():
        assert sorted(t.name or "-" for t in Ticket.select()) == ["Una", "Vic", "Wyn", "Xan"]

    # A keyworker with a room looking at the queue finds their own room chosen on every row.
    worker = pages.staff_page("aileen", "keyworker")
    worker.goto("/staff/desk")
    worker.select_option("#desk-room-select", label="Room 3")
    worker.click("#desk-room-save")
    expect(worker.locator("#room-heading")).to_contain_text("Room 3")
    worker.goto("/staff/queue")
    expect(worker.locator(f"#room-{second.id}")).to_have_value(str(_room_id(server, "Room 3")))


def _room_id(server, name):
    with server.app.app_context():
        return Room.get(Room.name == name).id


RECEPTION_SIZES = {
    "portrait-tablet": {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "is_mobile": True},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


@pytest.mark.parametrize("size", RECEPTION_SIZES)
def test_the_queue_fits_a_portrait_tablet_and_a_phone(pages, server, size):
    waiting = [add_ticket(server, name=name, needs=("housing", "money", "drugs_alcohol"))
               for name in ("Mary-Kate", "J.M.", "Siobhán")]
    add_ticket(server, visit_for="appointment", name="Appt", priority=True)
    with server.app.app_context():
        # Today's appointments put a match list on the appointment's row: the widest row there is.
        worker = create_user("aileen", "Aileen MacLeod", "keyworker", "correct horse battery")
        case = create_case({"name": "Christopher Boyle-Fitzgerald"}, worker)
        bookings.book(case.id, worker, utcnow() + timedelta(minutes=30), worker)
    reception = pages.staff_page("rab", "reception", **RECEPTION_SIZES[size])
    reception.select_option(f"#room-{waiting[0].id}", label="Room 2")
    reception.click(f"#queue-call-{waiting[0].id}")
    expect(reception.locator("#with-staff-table")).to_contain_text("Mary-Kate", timeout=3000)
    width = RECEPTION_SIZES[size]["viewport"]["width"]
    assert reception.evaluate("document.documentElement.scrollWidth") <= width, "the queue scrolls sideways"
    off_screen = []
    for button in reception.locator("#queue-live button, #queue-live select, .counters div").all():
        box = button.bounding_box()
        if box and (box["x"] < 0 or box["x"] + box["width"] > width):
            off_screen.append(button.evaluate("el => el.id || el.textContent.trim()"))
    assert not off_screen, f"cut off at {width} px: {off_screen}"
    # Left and Cancel take someone out of the queue: kept apart from Call and Priority, yet with no empty band
    # making every card taller. A tablet has them on the same line, at its far end; a phone on a line below.
    call = reception.locator(f"#queue-call-{waiting[1].id}").bounding_box()
    priority = reception.locator(f"#queue-priority_on-{waiting[1].id}").bounding_box()
    left = reception.locator(f"#queue-left-{waiting[1].id}").bounding_box()
    if size == "portrait-tablet":
        assert abs(left["y"] - call["y"]) < 2, "Left is not on Call's line"
        assert left["x"] - (priority["x"] + priority["width"]) > 200, "Left is close beside Priority"
    else:
        gap = left["y"] - (priority["y"] + priority["height"])
        assert 10 <= gap <= 30, f"{gap:.0f} px between Priority and Left below it"
    screenshot(reception, f"reception-queue-{size}", full_page=True)
    assert_no_serious_axe_violations(reception, f"reception queue on a {size}")


def test_closing_check_in_shows_at_once_where_it_was_tapped(pages, server):
    add_ticket(server, name="Yvo")
    reception = pages.staff_page("rab", "reception", viewport={"width": 1280, "height": 800}, has_touch=True)
    expect(reception.locator("#checkin-state")).to_have_text("Open")
    reception.click("#checkin-toggle")
    expect(reception.locator("#checkin-state")).to_have_text("Closed", timeout=3000)
    expect(reception.locator("#checkin-toggle")).to_have_text("Reopen check-in")
    expect(reception.locator("#checkin-control")).to_contain_text("the kiosk shows the next drop-in")
    reception.click("#checkin-toggle")
    expect(reception.locator("#checkin-state")).to_have_text("Open", timeout=3000)
    expect(reception.locator("#checkin-toggle")).to_have_text("Close check-in now")


def test_reception_hands_a_visitor_to_a_keyworker_and_others_pass_them_over(pages, server):
    first = add_ticket(server, name="Zoe")
    second = add_ticket(server, name="Abe")
    aileen = pages.staff_page("aileen", "keyworker")
    jamal = pages.staff_page("jamal", "keyworker")
    for worker, room in ((aileen, "Room 1"), (jamal, "Room 2")):
        worker.goto("/staff/desk")
        worker.select_option("#desk-room-select", label=room)
        worker.click("#desk-room-save")
        expect(worker.locator("#room-heading")).to_contain_text(room)
    reception = pages.staff_page("rab", "reception")
    reception.select_option(f"#hand-{first.id}", label="Aileen")
    reception.click(f"#queue-hand-{first.id}")
    expect(reception.locator("#flash")).to_contain_text(f"{first.number} will be called by Aileen")
    expect(reception.locator(f"#for-{first.id}")).to_have_text("For Aileen", timeout=3000)

    jamal.click("#call-next")  # Zoe waited longest, but she is waiting for Aileen
    expect(jamal.locator(".desk-current .big-number")).to_have_text(str(second.number))
    aileen.click("#call-next")
    expect(aileen.locator(".desk-current .big-number")).to_have_text(str(first.number))


def _gap(one, other):
    """The distance between two boxes on the screen (0 when they touch)."""
    dx = max(0, max(one["x"], other["x"]) - min(one["x"] + one["width"], other["x"] + other["width"]))
    dy = max(0, max(one["y"], other["y"]) - min(one["y"] + one["height"], other["y"] + other["height"]))
    return (dx * dx + dy * dy) ** 0.5


def test_the_keyworker_s_done_and_the_wall_screen_s_chime_switch_are_easy_to_reach(pages, server):
    add_ticket(server, name="Bea", needs=("housing", "money", "health", "drugs_alcohol"))
    worker = pages.staff_page("aileen", "keyworker")  # the keyworker's laptop, 1366 × 768
    worker.goto("/staff/desk")
    worker.select_option("#desk-room-select", label="Room 1")
    worker.click("#desk-room-save")
    expect(worker.locator("#call-next")).to_be_enabled(timeout=3000)
    worker.click("#call-next")
    worker.click("[id^=desk-start-]")
    expect(worker.locator("#flash")).to_contain_text("Started with")
    expect(worker.locator("[id^=desk-start-]")).to_have_count(0, timeout=3000)  # the desk has refreshed
    done = worker.locator("[id^=desk-finish-]")
    expect(done).to_be_visible()
    box = done.bounding_box()
    # On the screen with room to spare, not on its bottom edge.
    assert box["y"] + box["height"] <= 768 - 24, box

    display = pages.device_page("display", viewport={"width": 1920, "height": 1080})
    display.goto("/display/")
    switch = display.locator("#sound-toggle")
    expect(switch).to_be_visible()
    box = switch.bounding_box()
    size = float(switch.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert box["height"] >= 64 and size >= 28, (box, size)
