"""Locust users for one request type at a time, as fast as the server answers (closed loop)."""
import random
import time

from locust import events, task

from bench.locust_common import HX, MANIFEST, BenchUser, KioskSteps, next_recovery_code
from bench.page_readers import CALLING_RE, csrf_token, desk_current, page_version


class Hello(BenchUser):
    @task
    def hello(self):
        self.client.get("/", name="hello")


class _Poll(BenchUser):
    """Polls one live part as fast as it is answered: with the version it last saw, or, `whole`,
    without one, so every answer is the whole fragment (as for a screen catching up)."""
    abstract = True
    path = key = as_who = None
    whole = False

    def on_start(self):
        if self.as_who:
            self.arrive(self.as_who)
        if not self.whole:
            self.version = page_version(self.first_render())

    def first_render(self):
        return self.client.get(self.path, headers=HX, name="first render").text

    @task
    def poll(self):
        if not self.whole:
            self.poll_live(self.path, self.key)
            return
        with self.client.get(self.path, headers=HX, name=self.key, catch_response=True) as response:
            self.expect(response, 200)


class DisplayPollIdle(_Poll):
    path, key, as_who = "/display/live", "display poll (unchanged)", "display"


class QueuePollIdle(_Poll):
    path, key, as_who = "/staff/queue/live", "queue poll (unchanged)", "reception"


class DeskPollIdle(_Poll):
    path, key, as_who = "/staff/desk/live", "desk poll (unchanged)", "keyworker"


class TicketPollIdle(_Poll):
    key = "ticket poll (unchanged)"

    def first_render(self):
        token = random.choice(MANIFEST["waiting_tokens"])
        self.path = f"/t/{token}/live"
        return self.client.get(f"/t/{token}", name="first render").text


class QueueFragment(_Poll):
    path, key, as_who, whole = "/staff/queue/live", "queue poll (whole fragment)", "reception", True


class DeskFragment(_Poll):
    path, key, as_who, whole = "/staff/desk/live", "desk poll (whole fragment)", "keyworker", True


class DisplayFragment(_Poll):
    path, key, as_who, whole = "/display/live", "display poll (whole fragment)", "display", True


class TicketStatus(BenchUser):
    @task
    def status(self):
        token = random.choice(MANIFEST["waiting_tokens"])
        with self.client.get(f"/t/{token}", name="ticket status page", catch_response=True) as response:
            self.expect(response, 200)


class Kiosk(KioskSteps, BenchUser):
    """A kiosk checking people in back to back: the POST, then its ticket page and QR code."""

    def on_start(self):
        self.arrive("kiosk")
        # A token without starting a kiosk visit: each check-in brings its own request key, so the
        # POST is measured alone (the office day walks a visit's every step).
        self.csrf = csrf_token(self.client.get("/login", name="sign-in page").text)

    @task
    def checkin(self):
        self.check_in()


class CallNext(BenchUser):
    """Eight keyworkers pressing Call next, then Back to waiting so the queue stays as seeded."""

    def on_start(self):
        self.arrive("keyworker")
        desk = self.client.get("/staff/desk/live", headers=HX, name="first render").text
        self.csrf = csrf_token(desk)
        current = desk_current(desk)
        if current:  # seeded with someone: put them back first
            ticket_id, state = current
            self.post_form(f"/staff/tickets/{ticket_id}", {"csrf_token": self.csrf, "action": "requeue",
                           "expected_state": state, "from": "desk"}, "back to waiting", 200)

    @task
    def call_next(self):
        started = time.perf_counter()
        response = self.post_form("/staff/desk/call-next", {"csrf_token": self.csrf}, "call next (POST)", 200)
        if response.status_code != 200:
            return
        number = CALLING_RE.search(response.text or "")
        ticket_id = MANIFEST["ids_by_number"].get(number.group(1)) if number else None
        if ticket_id is None:
            desk = self.client.get("/staff/desk/live", headers=HX, name="desk poll (whole fragment)").text
            ticket_id = (desk_current(desk) or (None,))[0]
        if ticket_id is None:
            return
        self.post_form(f"/staff/tickets/{ticket_id}", {"csrf_token": self.csrf, "action": "requeue",
                       "expected_state": "called", "from": "desk"}, "back to waiting", 200)
        events.request.fire(request_type="FLOW", name="call next + back to waiting",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None, context={}, response=None)


class ReportsPage(BenchUser):
    """Managers opening the reports page over the seeded year at every office (bench/seed_reports.py),
    signed in with two-factor as production asks of the role: a recovery code each."""

    def on_start(self):
        self.login(MANIFEST["manager"], code=next_recovery_code())

    @task
    def report(self):
        with self.client.get(MANIFEST["report_url"], name="reports page", catch_response=True) as response:
            if self.expect(response, 200) and "Drop-in at a glance" not in response.text:
                response.failure("the reports page has no drop-in figures")
