"""Locust users for one request type at a time, as fast as the server answers (closed loop)."""
import random
import time
import uuid

from locust import events, task

from bench.locust_common import HX, MANIFEST, BenchUser, KioskSteps, next_worker
from bench.page_readers import CALLING_RE, TICKET_ACTION_RE, csrf_token, desk_current, page_version


class Hello(BenchUser):
    @task
    def hello(self):
        self.client.get("/", name="hello")


class Hello204(BenchUser):
    @task
    def hello(self):
        with self.client.get("/204", name="hello 204", catch_response=True) as response:
            self.expect(response, 204)


class _Poll(BenchUser):
    abstract = True
    path = None
    key = None

    def on_start(self):
        self.version = page_version(self.client.get(self.path, headers=HX, name="first render").text)

    @task
    def poll(self):
        with self.client.get(f"{self.path}?v={self.version}", headers=HX, name=self.key,
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = page_version(response.text)


class DisplayPoll204(_Poll):
    path, key = "/display/live", "display poll (204)"

    def on_start(self):
        self.enrolled("display")
        super().on_start()


class QueuePoll204(_Poll):
    path, key = "/staff/queue/live", "queue poll (204)"

    def on_start(self):
        self.login(MANIFEST["reception"])
        super().on_start()


class DeskPoll204(_Poll):
    path, key = "/staff/desk/live", "desk poll (204)"

    def on_start(self):
        self.login(next_worker())
        super().on_start()


class TicketPoll204(BenchUser):
    def on_start(self):
        self.token = random.choice(MANIFEST["waiting_tokens"])
        self.version = page_version(self.client.get(f"/t/{self.token}", name="first render").text)

    @task
    def poll(self):
        with self.client.get(f"/t/{self.token}/live?v={self.version}", headers=HX, name="ticket poll (204)",
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = page_version(response.text)


class QueueFragment(BenchUser):
    def on_start(self):
        self.login(MANIFEST["reception"])

    @task
    def fragment(self):
        with self.client.get("/staff/queue/live", headers=HX, name="queue poll (whole fragment)",
                             catch_response=True) as response:
            self.expect(response, 200)


class DeskFragment(BenchUser):
    def on_start(self):
        self.login(next_worker())

    @task
    def fragment(self):
        with self.client.get("/staff/desk/live", headers=HX, name="desk poll (whole fragment)",
                             catch_response=True) as response:
            self.expect(response, 200)


class DisplayFragment(BenchUser):
    def on_start(self):
        self.enrolled("display")

    @task
    def fragment(self):
        with self.client.get("/display/live", headers=HX, name="display poll (whole fragment)",
                             catch_response=True) as response:
            self.expect(response, 200)


class TicketStatus(BenchUser):
    @task
    def status(self):
        token = random.choice(MANIFEST["waiting_tokens"])
        with self.client.get(f"/t/{token}", name="ticket status page", catch_response=True) as response:
            self.expect(response, 200)


class Kiosk(KioskSteps, BenchUser):
    """A kiosk checking people in back to back: the POST, then its ticket page and QR code."""

    def on_start(self):
        self.enrolled("kiosk")
        self.csrf = csrf_token(self.client.get(f"/kiosk/name?k={uuid.uuid4().hex}&visit_for=self",
                                          name="kiosk name step").text)

    @task
    def checkin(self):
        self.check_in()


class CallNext(BenchUser):
    """Eight keyworkers pressing Call next, then Back to waiting so the queue stays as seeded."""

    def on_start(self):
        self.login(next_worker())
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
            found = TICKET_ACTION_RE.findall(desk)
            ticket_id = found[0] if found else None
        if ticket_id is None:
            return
        self.post_form(f"/staff/tickets/{ticket_id}", {"csrf_token": self.csrf, "action": "requeue",
                       "expected_state": "called", "from": "desk"}, "back to waiting", 200)
        events.request.fire(request_type="FLOW", name="call next + back to waiting",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None, context={}, response=None)
