"""The server stops and starts again mid-session: nothing in the queue changes, and every live screen
says it lost contact while the server was away and recovers by itself when it is back.

The same database file and the same port, as when the office PC running the app is restarted.
Staff sign-ins are rows in the database and the display's enrolment is a cookie, so both survive.
"""
import re

import pytest
from playwright.sync_api import expect

from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import check_in
from kiosk.dropin.sessions import working_session

from ..live_server import live_server
from .conftest import Watched

pytestmark = pytest.mark.slow

SETTINGS = {"WTF_CSRF_ENABLED": True}
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# What a browser reports about a poll that cannot reach the server: the request failing, the console
# line Chromium writes for it, and htmx's own console errors for a request that got no response
# (htmx:sendError, and htmx:afterRequest for a failed request). Allowed only while the server is down.
POLL_URL = re.compile(r"/(staff/queue|staff/desk|display|t/[^/]+)/live\?")
DOWN = re.compile(r"net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|ABORTED)")


def expected_while_down(problem):
    if problem.startswith("failed: "):
        return bool(POLL_URL.search(problem) and DOWN.search(problem))
    if problem.startswith("console: "):
        message = problem[len("console: "):]
        return (message in ("htmx:sendError", "htmx:afterRequest")
                or bool(re.fullmatch(r"Failed to load resource: " + DOWN.pattern, message)))
    return False


def queue_now(app):
    """The session's tickets as (number, name, state, room, caller), straight from the database."""
    with app.app_context():
        session = working_session()
        return [(t.number, t.name, t.state, t.room.name if t.room_id else None,
                 t.called_by.username if t.called_by_id else None)
                for t in Ticket.select().where(Ticket.session == session).order_by(Ticket.number)]


def shown(page, selector):
    return " ".join(page.locator(selector).inner_text().split())


def test_live_screens_say_they_lost_contact_and_recover_after_a_restart(browser, tmp_path):
    database = tmp_path / "restart.sqlite3"
    with live_server(database, **SETTINGS) as first:
        watched = Watched(browser, first)
        try:
            port = first.port
            with first.app.app_context():
                for name, needs in (("Zara", ["housing"]), ("Iain", ["money"]), ("Mei", []), ("Rory", ["health"])):
                    last = check_in("self", needs, name)
                room_3 = Room.get(Room.name == "Room 3").id
            reception = watched.staff_page("rab", "reception")
            worker = watched.staff_page("aileen", "keyworker")
            display = watched.device_page("display", **FULL_HD)
            display.goto("/display/")
            visitor = watched.page(**PHONE)
            visitor.goto(f"/t/{last.token}")
            expect(visitor.locator(".ticket-number")).to_have_text("4")

            # A few calls: the keyworker's Call next, reception calling someone to a room.
            worker.goto("/staff/desk")
            worker.select_option("#desk-room-select", label="Room 2")
            worker.click("#desk-room-save")
            expect(worker.locator("#call-next")).to_be_enabled(timeout=3000)
            worker.click("#call-next")
            expect(worker.locator(".desk-current .big-number")).to_have_text("1")
            expect(reception.locator("#with-staff-table")).to_contain_text("Zara", timeout=3000)
            iain = reception.locator("#waiting-table tr", has_text="Iain")
            iain.locator("select[name=room]").select_option(str(room_3))
            iain.locator("button:has-text('Call')").click()
            expect(display.locator("#now-number")).to_have_text("2", timeout=3000)
            expect(display.locator("#now-room")).to_have_text("Room 3")
            expect(reception.locator("#count-waiting")).to_have_text("2", timeout=3000)
            expect(worker.locator("#desk-live")).to_contain_text("Rory", timeout=3000)
            expect(visitor.locator(".status-line")).to_contain_text("number 2", timeout=7000)

            before = queue_now(first.app)
            assert [(n, s, r) for n, _, s, r, _ in before] == [
                (1, "called", "Room 2"), (2, "called", "Room 3"), (3, "waiting", None), (4, "waiting", None)]
            screens = {"reception": (reception, "#queue-live"), "desk": (worker, "#desk-live"),
                       "display": (display, "#board-live"), "visitor": (visitor, "#ticket-live")}
            for page, _ in screens.values():
                expect(page.locator("#connection")).to_be_hidden()
            seen_before = {name: shown(page, selector) for name, (page, selector) in screens.items()}
            assert not first.log.errors, first.log.text
        except BaseException:
            watched.close()
            raise

    # The server is down. From here until every screen has heard from it again, polls fail.
    down_from = len(watched.problems)
    try:
        for name, (page, selector) in screens.items():
            # The visitor's page polls every 5 s, the others every 2 s.
            expect(page.locator("#connection"), f"{name} should say it lost contact").to_be_visible(timeout=12000)
            expect(page.locator("body")).to_have_class(re.compile(r"\bis-offline\b"))
            # What was on the screen stays there, not blanked or replaced by an error.
            assert shown(page, selector) == seen_before[name], name

        with live_server(database, port=port, restart=True, **SETTINGS) as second:
            assert second == first  # the same address the browsers are polling
            for name, (page, _) in screens.items():
                expect(page.locator("#connection"), f"{name} should recover by itself").to_be_hidden(timeout=12000)
                expect(page.locator("body")).not_to_have_class(re.compile(r"\bis-offline\b"))
            up_from = len(watched.problems)
            while_down = watched.problems[down_from:up_from]
            assert any(p.startswith("failed: ") for p in while_down)  # the screens did try, and failed
            unexpected = [p for p in while_down if not expected_while_down(p)]
            assert not unexpected, unexpected
            del watched.problems[down_from:up_from]

            # Exactly the queue there was, in the database and on every screen (nobody reloaded).
            assert queue_now(second.app) == before
            for name, (page, selector) in screens.items():
                assert shown(page, selector) == seen_before[name], name
            assert worker.url.endswith("/staff/desk") and reception.url.endswith("/staff/queue")

            # And the screens are live again: the keyworker finishes and calls the next person.
            worker.fill("textarea[name=outcome]", "Housing form sent")
            worker.click("button:has-text('Done')")
            expect(worker.locator("#flash")).to_contain_text("1 is done")
            worker.click("#call-next")
            expect(worker.locator(".desk-current .big-number")).to_have_text("3")
            expect(display.locator("#now-number")).to_have_text("3", timeout=3000)
            expect(display.locator("#now-room")).to_have_text("Room 2")
            expect(reception.locator("#count-seen")).to_have_text("1", timeout=3000)
            expect(visitor.locator(".status-line")).to_contain_text("number 1", timeout=7000)
            # The pages close while the server is still up. Stopped first, a poll sent in the gap
            # before the pages close fails (refused, or cut off as its page closes) and htmx logs
            # it as a request that could not be sent: a problem the office never sees.
            watched.close()
            assert not second.log.errors, second.log.text
    finally:
        watched.close()
    assert not watched.problems, watched.problems
