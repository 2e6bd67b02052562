"""Accessibility in Chromium: axe-core on every page, kiosk tap targets and text size, keyboard, 200% zoom.

axe-core is injected with page.evaluate, which the DevTools protocol runs outside the page's CSP, so
these tests keep the real `default-src 'self'` policy (no bypass_csp).
"""
import pytest
from playwright.sync_api import expect

from kiosk.people.models import StaffUser

from .conftest import DESK, TABLETS
from .helpers import (
    add_ticket, assert_no_serious_axe_violations, small_kiosk_text, small_tap_targets, tap_through_kiosk,
)

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
WALL = {"viewport": {"width": 1920, "height": 1080}}
ZOOMED_DESK = {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2}  # 1366×768 at 200%

FOCUS_JS = """() => { const el = document.activeElement;
  return {id: el.id, tag: el.tagName, text: el.textContent.trim().slice(0, 30),
          outline: getComputedStyle(el).outlineStyle}; }"""


def test_first_run_and_sign_in_pages(module_server, module_pages):
    # First in this module on purpose: /setup only shows its form while no staff account exists.
    with module_server.app.app_context():
        assert not StaffUser.select().exists(), "this test must run before any staff account is made"
    page = module_pages.page(**DESK)
    page.goto("/setup")
    expect(page.locator("h1")).to_have_text("Create the first manager")
    assert_no_serious_axe_violations(page, "/setup")

    module_pages.staff_page("morag", "manager").close()
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("Staff sign in")
    assert_no_serious_axe_violations(page, "/login")


@pytest.mark.parametrize("orientation", TABLETS)
def test_every_kiosk_step(module_pages, orientation):
    page = module_pages.device_page("kiosk", **TABLETS[orientation])
    problems = []

    def check(step):
        where = f"kiosk {step} ({orientation})"
        assert_no_serious_axe_violations(page, where)
        problems.extend(f"{where}: {t['target']} is {t['width']}×{t['height']} px" for t in small_tap_targets(page))
        problems.extend(f"{where}: {t['text']!r} is {t['size']} px" for t in small_kiosk_text(page))

    tap_through_kiosk(page, on_step=check, needs=("housing", "money"))
    assert not problems, "Kiosk targets under 64×64 px or text under 24 px:\n" + "\n".join(problems)


def test_public_ticket_page_and_display(module_server, module_pages):
    ticket = add_ticket(module_server, needs=("visits",))
    visitor = module_pages.page(**PHONE)
    visitor.goto(f"/t/{ticket.token}")
    expect(visitor.locator(".ticket-number")).to_have_text(str(ticket.number))
    assert_no_serious_axe_violations(visitor, "public ticket page")

    reception = module_pages.staff_page("rab", "reception")
    reception.select_option(f"#room-{ticket.id}", label="Room 3")
    reception.click(f"#queue-call-{ticket.id}")
    expect(reception.locator("#flash")).to_contain_text(f"Called {ticket.number} to Room 3")
    display = module_pages.device_page("display", **WALL)
    display.goto("/display/")
    expect(display.locator("#now-number")).to_have_text(str(ticket.number))
    assert_no_serious_axe_violations(display, "display")
    visitor.reload()
    expect(visitor.locator(".status-called")).to_be_visible()
    assert_no_serious_axe_violations(visitor, "public ticket page, called")


def test_staff_queue_and_desk(module_server, module_pages):
    add_ticket(module_server, name="Dougie", needs=("housing", "money"))
    add_ticket(module_server, visit_for="appointment", name="J.M.", priority=True)
    add_ticket(module_server, visit_for="family", needs=("visits",))
    reception = module_pages.staff_page("rab", "reception")
    expect(reception.locator("#waiting-table")).to_contain_text("Dougie")
    assert_no_serious_axe_violations(reception, "reception queue")

    worker = module_pages.staff_page("aileen", "keyworker")
    worker.goto("/staff/desk")
    assert_no_serious_axe_violations(worker, "keyworker desk, before calling")
    _call_next(worker)
    worker.click(".desk-current button:has-text('Start')")
    expect(worker.locator("#current-heading")).to_have_text("With you now")
    assert_no_serious_axe_violations(worker, "keyworker desk, with a visitor")
    expect(reception.locator("#with-staff-table")).to_contain_text("With staff", timeout=3000)
    assert_no_serious_axe_violations(reception, "reception queue, with people called")


def test_reception_works_the_queue_with_tab_and_enter(module_server, module_pages):
    ticket = add_ticket(module_server, name="Keys", needs=("health",))
    reception = module_pages.staff_page("rab", "reception")
    expect(reception.locator(f"#ticket-{ticket.id}")).to_be_visible()
    call_button = f"queue-call-{ticket.id}"
    unfocused = []
    for _ in range(150):
        reception.keyboard.press("Tab")
        focused = reception.evaluate(FOCUS_JS)
        if focused["outline"] == "none":
            unfocused.append(focused)
        if focused["id"] == f"room-{ticket.id}":
            reception.keyboard.press("ArrowDown")  # no room is chosen for reception: the first one
        if focused["id"] == call_button:
            break
    else:
        pytest.fail(f"Tab never reached the Call button of ticket {ticket.number}")
    assert not unfocused, f"focus not visible on: {unfocused}"

    reception.keyboard.press("Enter")
    expect(reception.locator("#flash")).to_contain_text(f"Called {ticket.number} to Room 1")
    expect(reception.locator(f"#with-staff-table #ticket-{ticket.id}")).to_contain_text("Called", timeout=3000)
    expect(reception.locator(f"#waiting-table #ticket-{ticket.id}")).to_have_count(0)
    # The Call button went with the row; focus carries on from the message, not the top of the page.
    expect(reception.locator("#flash")).to_be_focused()


def test_staff_screens_at_200_percent_zoom(module_server, module_pages):
    for name in ("Ally", "Chris", "Paula"):
        add_ticket(module_server, name=name, needs=("housing", "drugs_alcohol", "money"))
    worker = module_pages.staff_page("kirsty", "keyworker", **ZOOMED_DESK)
    worker.goto("/staff/desk")
    worker.select_option("#desk-room-select", label="Interview room")
    worker.click("#desk-room-save")
    expect(worker.locator("#room-heading")).to_contain_text("Interview room")
    _assert_reachable(worker, worker.locator("#call-next"))
    _call_next(worker)

    reception = module_pages.staff_page("rab", "reception", **ZOOMED_DESK)
    buttons = reception.locator("#queue-live button:visible")
    expect(reception.locator("#with-staff-table")).to_be_visible()
    assert buttons.count() >= 8
    for i in range(buttons.count()):
        _assert_reachable(reception, buttons.nth(i))
    _assert_reachable(reception, reception.locator("#walk-in-form button[type=submit]"))


def _call_next(worker):
    if not worker.locator("#room-heading strong").count():
        worker.click("#desk-room-save")
    expect(worker.locator("#call-next")).to_be_enabled(timeout=3000)
    worker.click("#call-next")
    expect(worker.locator(".desk-current .big-number")).to_be_visible()


def _assert_reachable(page, control):
    """Scrolled into view, the control sits wholly inside the viewport, and nothing scrolls sideways."""
    control.scroll_into_view_if_needed()
    expect(control).to_be_in_viewport()
    box, view = control.bounding_box(), page.viewport_size
    label = control.text_content().strip()
    inside = (box["x"] >= -0.5 and box["x"] + box["width"] <= view["width"] + 0.5
              and box["y"] >= -0.5 and box["y"] + box["height"] <= view["height"] + 0.5)
    assert inside, f"{label!r} is cut off at {box} in a {view} viewport"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {view['width']} px wide"
