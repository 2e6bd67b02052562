"""The load: locust FastHttpUser classes, one per request type, and the office-day crowd.

bench/run.py starts locust headless in its own process, one user class (or the
office-day set) at a time, with these in the environment:

    BENCH_MANIFEST  the seed's manifest (accounts, ticket tokens, numbers)
    BENCH_OUT       where to write the results as JSON
    BENCH_WARMUP    seconds at the start that are not counted (logins, first renders)

Latencies are kept whole (not locust's rounded buckets), counted only after the
warm-up, and written with the load generator's own CPU use, so the report can
show whether the load generator, not the server, was the limit.
"""
import json
import os
from http.cookiejar import Cookie
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from itertools import count
from urllib.parse import urlencode

import gevent
import psutil
from locust import FastHttpUser, constant, constant_pacing, events, task

MANIFEST = json.loads(open(os.environ["BENCH_MANIFEST"]).read()) if os.environ.get("BENCH_MANIFEST") else {}
OUT = os.environ.get("BENCH_OUT")
SERVER = psutil.Process(int(os.environ["BENCH_SERVER_PID"])) if os.environ.get("BENCH_SERVER_PID") else None
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))

HX = {"HX-Request": "true"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
VERSION_RE = re.compile(r'live\?v=([^"&]+)')
NUMBER_RE = re.compile(r'class="num">\s*(\d+)')
TICKET_NUMBER_RE = re.compile(r'id="ticket-number">\s*(\d+)')
CURRENT_RE = re.compile(r'name="action" value="finish">\s*<input type="hidden" name="expected_state" value="(\w+)"')
TICKET_ACTION_RE = re.compile(r'/staff/tickets/(\d+)')
CALLING_RE = re.compile(r"Calling (\d+)")
_workers = count()
_devices = {"kiosk": count(), "display": count()}


class Recorder:
    """Every request's latency after the warm-up, by name; errors with an example of each."""

    def __init__(self):
        self.started = self.measure_from = self.stopped = None
        self.server_cpu_start = self.server_cpu_stop = None
        self.window_http = 0      # requests answered inside the measured window
        self.cpu_start = self.cpu_stop = None
        self.latencies = defaultdict(list)
        self.errors = Counter()
        self.statuses = defaultdict(Counter)
        self.examples = {}
        self.warmup_requests = 0
        self.http_requests = 0    # every request sent, warm-up included: the server's CPU is shared by these
        self.checkins = {}        # ticket number -> when the POST that made it returned (monotonic)
        self.first_seen = {}      # (screen, ticket number) -> when that screen first showed it
        self.refused = Counter()  # the app said no, rightly (e.g. two keyworkers, one ticket left)

    def request(self, request_type, name, response_time, response_length, exception, context=None,
                response=None, **kwargs):
        now = time.monotonic()
        if request_type != "FLOW":
            self.http_requests += 1
        if self.measure_from is None or now < self.measure_from:
            self.warmup_requests += 1
            return
        if self.stopped is not None and now > self.stopped:
            return
        if request_type != "FLOW":
            self.window_http += 1
        self.latencies[name].append(response_time)
        status = getattr(response, "status_code", None)
        self.statuses[name][str(status)] += 1
        if exception is not None:
            self.errors[name] += 1
            self.examples.setdefault(name, f"{status}: {str(exception)[:300]}")

    def results(self):
        end = self.stopped or time.monotonic()
        window = max(1e-9, end - (self.measure_from or end))
        cpu = ((self.cpu_stop or time.process_time()) - (self.cpu_start or 0))
        cpu_window = max(1e-9, end - (self.started or end))
        requests = {}
        for name, values in sorted(self.latencies.items()):
            values.sort()
            requests[name] = {
                "count": len(values),
                "rps": len(values) / window,
                "mean_ms": sum(values) / len(values),
                "p50_ms": _percentile(values, 50),
                "p95_ms": _percentile(values, 95),
                "p99_ms": _percentile(values, 99),
                "max_ms": values[-1],
                "errors": self.errors.get(name, 0),
                "statuses": dict(self.statuses[name]),
                "error_example": self.examples.get(name),
            }
        return {
            "window_s": window,
            "warmup_s": WARMUP,
            "warmup_requests": self.warmup_requests,
            "http_requests": self.http_requests,
            "window_http_requests": self.window_http,
            # Server CPU per request answered in the window: steadier than req/s on a shared machine.
            "server_cpu_us_per_request": (1e6 * (self.server_cpu_stop - self.server_cpu_start) / self.window_http
                                          if self.window_http and self.server_cpu_start is not None
                                          and self.server_cpu_stop is not None else None),
            "requests": requests,
            "errors": sum(self.errors.values()),
            "refused": dict(self.refused),
            # gevent runs every locust user on one thread: 100% here would mean locust was the limit.
            "loadgen_cpu_percent": 100 * cpu / cpu_window,
            "freshness": self._freshness(end),
        }

    def _freshness(self, end):
        """Check-in to the first staff-screen poll that shows the ticket, per screen."""
        if not self.checkins:
            return None
        screens = {screen for screen, _ in self.first_seen}
        delays, missed = [], 0
        for number, at in self.checkins.items():
            if at < (self.measure_from or 0):
                continue
            for screen in screens:
                seen = self.first_seen.get((screen, number))
                if seen is None:
                    if end - at > 3:  # a screen polling every 2 s should have shown it by now
                        missed += 1
                    continue
                delays.append(max(0.0, seen - at) * 1000)
        delays.sort()
        return {"checkins": len(self.checkins), "screens": len(screens), "samples": len(delays), "missed": missed,
                "p50_ms": _percentile(delays, 50), "p95_ms": _percentile(delays, 95),
                "max_ms": delays[-1] if delays else None}


def _percentile(values, pct):
    if not values:
        return None
    rank = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[rank]


REC = Recorder()


@events.request.add_listener
def _on_request(**kwargs):
    REC.request(**kwargs)


def _server_cpu():
    try:
        times = SERVER.cpu_times()
        return times.user + times.system
    except Exception:  # noqa: BLE001 - no figure is better than a failed run
        return None


def _measure_server():
    """The server's CPU over the measured window only: sign-ins and first renders left out."""
    gevent.sleep(max(0.0, REC.measure_from - time.monotonic()))
    REC.server_cpu_start = _server_cpu()


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    REC.started = time.monotonic()
    REC.measure_from = REC.started + WARMUP
    REC.cpu_start = time.process_time()
    if SERVER is not None:
        gevent.spawn(_measure_server)


@events.test_stop.add_listener
def _on_stop(environment, **kwargs):
    if REC.stopped is None:
        REC.stopped = time.monotonic()
        REC.cpu_stop = time.process_time()
        REC.server_cpu_stop = _server_cpu() if SERVER is not None else None


@events.quitting.add_listener
def _on_quit(environment, **kwargs):
    _on_stop(environment)
    if OUT:
        with open(OUT, "w") as out:
            json.dump(REC.results(), out, indent=1)


def _csrf(html):
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1) or match.group(2)


def _version(html):
    match = VERSION_RE.search(html)
    return match.group(1) if match else "none"


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 30.0
    connection_timeout = 10.0

    def enrolled(self, kind):
        """Be one of the kiosk tablets or wall displays the seed enrolled (its long-lived cookie)."""
        device = MANIFEST.get("devices", {}).get(kind)
        if not device:
            return
        token = device["tokens"][next(_devices[kind]) % len(device["tokens"])]
        host = self.host.split("://", 1)[-1].split(":", 1)[0]
        self.client.cookiejar.set_cookie(Cookie(
            0, device["cookie"], token, None, False, host, False, False, "/", True, False, None, True,
            None, None, {}))

    def login(self, username):
        page = self.client.get("/login", name="login form")
        token = _csrf(page.text)
        body = urlencode({"csrf_token": token, "username": username, "password": MANIFEST["password"]})
        with self.client.post("/login", data=body, headers=FORM, name="login", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login for {username} gave {response.status_code}")
                raise RuntimeError(f"login for {username} failed")
            response.success()

    def expect(self, response, *statuses):
        if response.status_code in statuses:
            response.success()
            return True
        response.failure(f"expected {'/'.join(map(str, statuses))}, got {response.status_code}: "
                         f"{response.text[:200] if response.text else ''}")
        return False

    def post_form(self, path, fields, name, *statuses, htmx=True):
        headers = {**FORM, **(HX if htmx else {})}
        with self.client.post(path, data=urlencode(fields, doseq=True), headers=headers, name=name,
                              allow_redirects=False, catch_response=True) as response:
            self.expect(response, *statuses)
            return response


# ---- one request type at a time, as fast as the server answers (closed loop) ----

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
        self.version = _version(self.client.get(self.path, headers=HX, name="first render").text)

    @task
    def poll(self):
        with self.client.get(f"{self.path}?v={self.version}", headers=HX, name=self.key,
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = _version(response.text)


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
        self.login(MANIFEST["keyworkers"][next(_workers) % len(MANIFEST["keyworkers"])])
        super().on_start()


class TicketPoll204(BenchUser):
    def on_start(self):
        self.token = random.choice(MANIFEST["waiting_tokens"])
        self.version = _version(self.client.get(f"/t/{self.token}", name="first render").text)

    @task
    def poll(self):
        with self.client.get(f"/t/{self.token}/live?v={self.version}", headers=HX, name="ticket poll (204)",
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = _version(response.text)


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
        self.login(MANIFEST["keyworkers"][next(_workers) % len(MANIFEST["keyworkers"])])

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


class _KioskSteps:
    """What a kiosk does to check someone in; no task of its own, so subclasses choose theirs."""

    def check_in(self, name="kiosk check-in (POST)"):
        started = time.perf_counter()
        fields = {"csrf_token": self.csrf, "k": uuid.uuid4().hex, "visit_for": "self",
                  "needs": ["housing", "money"], "name": "Sam"}
        response = self.post_form("/kiosk/check-in", fields, name, 303, htmx=False)
        if response.status_code != 303:
            return None
        done = time.monotonic()
        token = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
        page = self.client.get(f"/kiosk/ticket/{token}", name="kiosk ticket page")
        match = TICKET_NUMBER_RE.search(page.text or "")
        if match:
            REC.checkins[int(match.group(1))] = done
        with self.client.get(f"/t/{token}/qr.svg", name="ticket QR code (SVG)", catch_response=True) as qr:
            if self.expect(qr, 200) and b"<svg" not in (qr.content or b"")[:400]:
                qr.failure("the QR code is not an SVG")
        events.request.fire(request_type="FLOW", name="kiosk check-in (POST + ticket page + QR)",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None, context={}, response=None)
        return token


class Kiosk(_KioskSteps, BenchUser):
    """A kiosk checking people in back to back: the POST, then its ticket page and QR code."""

    def on_start(self):
        self.enrolled("kiosk")
        self.csrf = _csrf(self.client.get(f"/kiosk/name?k={uuid.uuid4().hex}&visit_for=self",
                                          name="kiosk name step").text)

    @task
    def checkin(self):
        self.check_in()


class CallNext(BenchUser):
    """Eight keyworkers pressing Call next, then Back to waiting so the queue stays as seeded."""

    def on_start(self):
        index = next(_workers) % len(MANIFEST["keyworkers"])
        self.login(MANIFEST["keyworkers"][index])
        desk = self.client.get("/staff/desk/live", headers=HX, name="first render").text
        self.csrf = _csrf(desk)
        current = CURRENT_RE.search(desk)
        if current:  # seeded with someone: put them back first
            ticket_id = TICKET_ACTION_RE.findall(desk[:current.start()])[-1]
            self.post_form(f"/staff/tickets/{ticket_id}", {"csrf_token": self.csrf, "action": "requeue",
                           "expected_state": current.group(1), "from": "desk"}, "back to waiting", 200)

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


# ---- the office day: people at their screens, paced ----

def _office(name, default):
    return int(os.environ.get(f"BENCH_OFFICE_{name}", default))


_screens = count()


class OfficeStaffScreen(BenchUser):
    """Reception's queue screen: polls every 2 s; notes when each new ticket first shows."""
    fixed_count = _office("SCREENS", 30)
    wait_time = constant_pacing(2)

    def on_start(self):
        self.screen = next(_screens)
        self.login(MANIFEST["reception"])
        page = self.client.get("/staff/queue", name="staff queue page").text
        self.version = _version(page)
        self.seen = set(map(int, NUMBER_RE.findall(page)))
        gevent.sleep(random.uniform(0, 2))  # screens were not all opened in the same instant

    @task
    def poll(self):
        with self.client.get(f"/staff/queue/live?v={self.version}", headers=HX, name="queue poll",
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                now = time.monotonic()
                self.version = _version(response.text)
                for number in set(map(int, NUMBER_RE.findall(response.text))) - self.seen:
                    REC.first_seen[(self.screen, number)] = now
                    self.seen.add(number)


class OfficeDisplay(BenchUser):
    fixed_count = _office("DISPLAYS", 3)
    wait_time = constant_pacing(2)

    def on_start(self):
        self.enrolled("display")
        self.version = _version(self.client.get("/display/", name="display page").text)
        gevent.sleep(random.uniform(0, 2))

    @task
    def poll(self):
        with self.client.get(f"/display/live?v={self.version}", headers=HX, name="display poll",
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = _version(response.text)


class OfficeKiosk(_KioskSteps, BenchUser):
    """A visitor taps through the kiosk's steps; one check-in every 10 s per kiosk (BENCH_OFFICE_KIOSK_EVERY)."""
    fixed_count = _office("KIOSKS", 2)
    every = _office("KIOSK_EVERY", 10)
    wait_time = constant_pacing(every)

    def on_start(self):
        self.enrolled("kiosk")
        gevent.sleep(random.uniform(0, self.every))

    @task
    def checkin(self):
        k = uuid.uuid4().hex
        self.client.get("/kiosk/", name="kiosk welcome")
        self.client.get(f"/kiosk/who?k={k}", name="kiosk who step")
        self.client.get(f"/kiosk/needs?k={k}&visit_for=self", name="kiosk needs step")
        page = self.client.get(f"/kiosk/name?k={k}&visit_for=self&needs=housing", name="kiosk name step")
        self.csrf = _csrf(page.text)
        self.check_in(name="kiosk check-in (POST)")


class OfficeKeyworker(BenchUser):
    """A keyworker at the desk screen (polled every 2 s): Call next, Start, a visit, Done, a breather."""
    fixed_count = _office("KEYWORKERS", 8)
    wait_time = constant_pacing(2)

    def on_start(self):
        self.username = MANIFEST["keyworkers"][next(_workers) % len(MANIFEST["keyworkers"])]
        self.login(self.username)
        self.desk = self.client.get("/staff/desk", name="desk page").text
        self.csrf = _csrf(self.desk)
        self.version = _version(self.desk)
        self.next_action = time.monotonic() + random.uniform(1, 10)

    def refresh(self, name="desk poll"):
        with self.client.get(f"/staff/desk/live?v={self.version}", headers=HX, name=name,
                             catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.desk = response.text
                self.version = _version(self.desk)

    @task
    def work(self):
        self.refresh()
        if time.monotonic() < self.next_action:
            return
        current = CURRENT_RE.search(self.desk)
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
            ticket_id = TICKET_ACTION_RE.findall(self.desk[:current.start()])[-1]
            state = current.group(1)
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
