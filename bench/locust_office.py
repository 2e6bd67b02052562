"""Locust users for the office day: people at their screens, paced.

Each user paces its task from the end of its on_start (locust_common.paced), so the random
pause there spreads the screens over the poll period and the kiosks over theirs.

With several offices (bench/offices.py: the manifest lists them), the BENCH_OFFICE_* head
counts are the totals for all of them, and each user works at one office, taken in turn
(BenchUser.arrive), so every office gets its share of every kind.
"""
import os
import random
import time
from itertools import count
from urllib.parse import urlencode

import gevent
from locust import task

from bench.locust_common import FORM, HX, REC, BenchUser, KioskSteps, paced
from bench.page_readers import NUMBER_RE, csrf_token, desk_current, page_version, visit_key


def _office(name, default):
    return int(os.environ.get(f"BENCH_OFFICE_{name}", default))


_screens = count()


class OfficeStaffScreen(BenchUser):
    """Reception's queue screen: polls every 2 s; notes when each new ticket first shows."""
    fixed_count = _office("SCREENS", 30)
    wait_time = paced(2)

    def on_start(self):
        self.screen = next(_screens)
        self.arrive("reception")
        page = self.client.get("/staff/queue", name="staff queue page").text
        self.version = page_version(page)
        self.seen = set(map(int, NUMBER_RE.findall(page)))
        gevent.sleep(random.uniform(0, 2))  # screens were not all opened in the same instant
        self.pace_from = time.monotonic()

    @task
    def poll(self):
        fragment = self.poll_live("/staff/queue/live", "queue poll")
        if fragment is not None:
            now = time.monotonic()
            for number in set(map(int, NUMBER_RE.findall(fragment))) - self.seen:
                REC.shown(self.screen, self.office_name, number, now)
                self.seen.add(number)


class OfficeDisplay(BenchUser):
    fixed_count = _office("DISPLAYS", 3)
    wait_time = paced(2)

    def on_start(self):
        self.arrive("display")
        self.version = page_version(self.client.get("/display/", name="display page").text)
        gevent.sleep(random.uniform(0, 2))
        self.pace_from = time.monotonic()

    @task
    def poll(self):
        self.poll_live("/display/live", "display poll")


class OfficeKiosk(KioskSteps, BenchUser):
    """A visitor taps through the kiosk's steps; one check-in every 10 s per kiosk (BENCH_OFFICE_KIOSK_EVERY)."""
    fixed_count = _office("KIOSKS", 2)
    every = _office("KIOSK_EVERY", 10)
    wait_time = paced(every)

    def on_start(self):
        self.arrive("kiosk")
        gevent.sleep(random.uniform(0, self.every))
        self.pace_from = time.monotonic()

    @task
    def checkin(self):
        self.client.get("/kiosk/", name="kiosk welcome")  # a new visit
        page = self.client.get("/kiosk/who", name="kiosk who step")
        self.csrf, k = csrf_token(page.text), visit_key(page.text)
        self.post_form("/kiosk/who", {"csrf_token": self.csrf, "k": k, "visit_for": "self"}, "kiosk who step (POST)",
                       303, htmx=False)
        self.client.get("/kiosk/needs", name="kiosk needs step")
        self.post_form("/kiosk/needs", {"csrf_token": self.csrf, "k": k, "needs": ["housing", "money"]},
                       "kiosk needs step (POST)", 303, htmx=False)
        self.client.get("/kiosk/name", name="kiosk name step")
        self.check_in(name="kiosk check-in (POST)", k=k)


class OfficeKeyworker(BenchUser):
    """A keyworker at the desk screen (polled every 2 s): Call next, Start, a visit, Done, a breather."""
    fixed_count = _office("KEYWORKERS", 8)
    wait_time = paced(2)

    def on_start(self):
        self.arrive("keyworker")
        self.desk = self.client.get("/staff/desk", name="desk page").text
        self.csrf = csrf_token(self.desk)
        self.version = page_version(self.desk)
        self.next_action = time.monotonic() + random.uniform(1, 10)
        self.pace_from = time.monotonic()

    def refresh(self, name="desk poll"):
        self.desk = self.poll_live("/staff/desk/live", name) or self.desk

    @task
    def work(self):
        self.refresh()
        if time.monotonic() < self.next_action:
            return
        current = desk_current(self.desk)
        if current is None:
            if "Nobody is waiting" in self.desk:
                self.next_action = time.monotonic() + 4
                return
            with self.client.post("/staff/desk/call-next", data=urlencode({"csrf_token": self.csrf}),
                                  headers={**FORM, **HX}, name="call next (POST)", allow_redirects=False,
                                  catch_response=True) as response:
                if response.status_code == 409 and "Nobody is waiting" in (response.text or ""):
                    REC.refused["call next: nobody waiting"] += 1
                    response.success()
                else:
                    self.expect(response, 200)
            self.next_action = time.monotonic() + random.uniform(4, 10)  # they walk over
        else:
            ticket_id, state = current
            if state == "called":
                self.post_form(f"/staff/tickets/{ticket_id}", {"csrf_token": self.csrf, "action": "start",
                               "expected_state": "called", "from": "desk"}, "start (POST)", 200)
                self.next_action = time.monotonic() + random.uniform(20, 45)  # the visit
            else:
                self.post_form(f"/staff/tickets/{ticket_id}", {
                    "csrf_token": self.csrf, "action": "finish", "expected_state": "in_progress", "from": "desk",
                    "outcome": "Housing form done; back on Friday."}, "done (POST)", 200)
                self.next_action = time.monotonic() + random.uniform(3, 8)
        self.refresh(name="desk poll")  # the HX-Trigger refreshes the desk at once
