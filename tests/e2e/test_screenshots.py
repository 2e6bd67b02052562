"""Pictures of every screen with a realistic session (the demo data), for people to look at.

They land in test-artifacts/screenshots/ (not committed); the best few are copied by hand into
docs/screenshots/ for the README. The tests also check what a person would notice at a glance:
nothing scrolls sideways, and no name shows on a public screen.
"""
import pytest
from playwright.sync_api import expect

from kiosk.demo import DEMO_PASSWORD
from kiosk.dropin.models import Ticket

from .conftest import TABLETS
from .helpers import screenshot, tap_through_kiosk

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
WALLS = {"720p": {"viewport": {"width": 1280, "height": 720}}, "1080p": {"viewport": {"width": 1920, "height": 1080}}}
DEMO_NAMES = ("Lorraine", "Ally", "Chris", "Paula", "Stevie")


def test_reception_queue_and_keyworker_desk(demo, module_pages):
    reception = module_pages.staff_page("reception", "reception", password=DEMO_PASSWORD)
    expect(reception.locator("#waiting-table")).to_contain_text("Chris")
    expect(reception.locator("#with-staff-table")).to_contain_text("Lorraine")
    _no_sideways_scroll(reception)
    screenshot(reception, "staff-queue")
    screenshot(reception, "staff-queue-full", full_page=True)

    with demo.app.app_context():
        seeing = Ticket.select().where((Ticket.state == "in_progress") & Ticket.name.is_null(False)).first()
        keyworker = seeing.called_by.username
    worker = module_pages.staff_page(keyworker, "keyworker", password=DEMO_PASSWORD)
    expect(worker.locator("#current-heading")).to_have_text("With you now")
    expect(worker.locator(".desk-current")).to_contain_text(seeing.name)
    worker.fill("textarea[name=outcome]", "Went over the GP registration form; recovery cafe on Thursday")
    worker.locator("textarea[name=outcome]").blur()
    _no_sideways_scroll(worker)
    screenshot(worker, "staff-desk", full_page=True)


@pytest.mark.parametrize("wall", WALLS)
def test_display_fills_the_wall_screen_without_scrolling(demo, module_pages, wall):
    display = module_pages.device_page("display", **WALLS[wall])
    display.goto("/display/")
    expect(display.locator("#now-room")).to_be_visible()
    expect(display.locator("#sound-toggle")).to_be_visible(timeout=3000)
    _no_names(display)
    _no_sideways_scroll(display)
    # Nobody scrolls a wall screen: everything it shows is on it.
    assert display.evaluate("() => document.documentElement.scrollHeight <= innerHeight"), "the board runs off the screen"
    screenshot(display, "display" if wall == "720p" else f"display-{wall}")


def test_public_ticket(demo, module_pages):

    with demo.app.app_context():
        waiting = Ticket.select().where(Ticket.state == "waiting").order_by(Ticket.number.desc()).first()
    visitor = module_pages.page(**PHONE)
    visitor.goto(f"/t/{waiting.token}")
    expect(visitor.locator(".status-line")).to_contain_text("in the queue")
    _no_names(visitor)
    _no_sideways_scroll(visitor)
    screenshot(visitor, "public-ticket")


@pytest.mark.parametrize("orientation", TABLETS)
def test_kiosk_steps(demo, module_pages, orientation):
    kiosk = module_pages.device_page("kiosk", **TABLETS[orientation])

    def shoot(step):
        _no_sideways_scroll(kiosk)
        screenshot(kiosk, f"kiosk-{orientation}-{1 + ('welcome', 'who', 'needs', 'name', 'ticket').index(step)}-{step}")

    tap_through_kiosk(kiosk, on_step=shoot, needs=("housing", "money"))
    expect(kiosk.locator(".ticket-wait")).to_contain_text("people ahead of you")
    _no_names(kiosk)


def test_the_throughcare_year(demo, module_pages):
    """The releases list and a case with bookings, referrals, travel help and ratings, as a keyworker sees them."""
    worker = module_pages.staff_page("manager", "manager", password=DEMO_PASSWORD)
    worker.goto("/cases/releases")
    expect(worker.locator("tbody tr", has_text="Ryan Docherty")).to_contain_text("Nothing planned")
    expect(worker.locator("tbody tr", has_text="Steven McAllister")).not_to_contain_text("Nothing planned")
    _no_sideways_scroll(worker)
    screenshot(worker, "releases", full_page=True)

    worker.goto("/cases/")
    worker.fill("input[name=q]", "GTC-0104")
    worker.keyboard.press("Enter")
    worker.get_by_role("link", name="GTC-0104").first.click()
    expect(worker.locator("#bookings")).to_contain_text("Gate pick-up")
    expect(worker.locator("#referrals")).to_be_visible()
    expect(worker.locator("#travel")).to_contain_text("HMP Barlinnie")
    _no_sideways_scroll(worker)
    screenshot(worker, "case-throughcare", full_page=True)

    # A mother supporting her son inside, with her own record and log: no case of his is named.
    worker.get_by_role("link", name="Families").click()
    worker.fill("#family-search", "Duffy")
    worker.keyboard.press("Enter")
    worker.get_by_role("link", name="Rose Duffy").click()
    expect(worker.locator("body")).to_contain_text("Supporting: Her son Ryan at HMP Low Moss")
    expect(worker.locator("body")).not_to_contain_text("GTC-")
    _no_sideways_scroll(worker)
    screenshot(worker, "family-record", full_page=True)


def _no_sideways_scroll(page):
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def _no_names(page):
    for name in DEMO_NAMES:
        expect(page.locator("body")).not_to_contain_text(name)
