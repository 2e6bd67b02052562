"""What every locust user of the bench shares: the seed's manifest, the recorder, sign-in and form helpers.

bench/locustfile.py is what locust loads; it imports the user classes from
bench/locust_types.py (one request type at a time) and bench/locust_office.py (the
office day), which build on this module. The recorder lives here, once, whichever
classes run.
"""
import json
import os
import time
import uuid
from collections import Counter, defaultdict
from http.cookiejar import Cookie
from itertools import count
from urllib.parse import urlencode

import gevent
import psutil
from locust import FastHttpUser, constant, events

from bench.page_readers import TICKET_NUMBER_RE, csrf_token, page_version

MANIFEST = json.loads(open(os.environ["BENCH_MANIFEST"]).read()) if os.environ.get("BENCH_MANIFEST") else {}
OUT = os.environ.get("BENCH_OUT")
SERVER = psutil.Process(int(os.environ["BENCH_SERVER_PID"])) if os.environ.get("BENCH_SERVER_PID") else None
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))

HX = {"HX-Request": "true"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_workers = count()
_devices = {"kiosk": count(), "display": count()}
_recovery_codes = count()


def next_worker():
    """The next keyworker's username, in turn, for users that sign in as one."""
    return MANIFEST["keyworkers"][next(_workers) % len(MANIFEST["keyworkers"])]


def next_recovery_code():
    """The next of the bench manager's one-time recovery codes (the seed's manifest has one per simulated manager)."""
    codes = MANIFEST["recovery_codes"]
    n = next(_recovery_codes)
    if n >= len(codes):
        raise RuntimeError(f"the seed made {len(codes)} recovery codes; run fewer managers")
    return codes[n]


def paced(every):
    """One task every `every` seconds however long the task took, like locust's constant_pacing, but
    counted from the end of on_start (the user's `pace_from`), not from when the user was made.

    constant_pacing takes the time on_start spent off the first wait, so a random pause there, meant
    to spread screens and kiosks over the period, was cancelled and they ran in step. A task that
    overruns starts the next at once, with no catching up afterwards (as constant_pacing does).
    """
    def wait(user):
        now = time.monotonic()
        due = getattr(user, "pace_from", now) + every
        user.pace_from = max(due, now)
        return user.pace_from - now
    return wait


class Recorder:
    """Every request's latency after the warm-up, by name; errors with an example of each."""

    def __init__(self):
        self.started = self.measure_from = self.stopped = None
        self.server_cpu_start = self.server_cpu_stop = None
        self.window_http = 0      # requests answered inside the measured window
        self.cpu_start = self.cpu_stop = None
        self.latencies = defaultdict(list)
        self.http_latencies = []  # every HTTP request in the window, whatever its name
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
            self.http_latencies.append(response_time)
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
            "http": self._http(),
            "errors": sum(self.errors.values()),
            "refused": dict(self.refused),
            # gevent runs every locust user on one thread: 100% here would mean locust was the limit.
            "loadgen_cpu_percent": 100 * cpu / cpu_window,
            "freshness": self._freshness(end),
        }

    def _http(self):
        """All HTTP requests in the window together (the per-flow timings left out)."""
        values = sorted(self.http_latencies)
        return {"count": len(values), "errors": sum(self.errors.values()),
                "p50_ms": _percentile(values, 50), "p95_ms": _percentile(values, 95),
                "p99_ms": _percentile(values, 99), "max_ms": values[-1] if values else None}

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

    def login(self, username, code=None):
        """Sign in with the seed's password, then `code` where the account has two-factor sign-in."""
        page = self.client.get("/login", name="login form")
        token = csrf_token(page.text)
        body = urlencode({"csrf_token": token, "username": username, "password": MANIFEST["password"]})
        with self.client.post("/login", data=body, headers=FORM, name="login", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login for {username} gave {response.status_code}")
                raise RuntimeError(f"login for {username} failed")
            response.success()
            asks_code = response.headers.get("Location", "").endswith("/login/code")
        if asks_code != (code is not None):
            raise RuntimeError(f"login for {username}: two-factor {'asked for' if asks_code else 'not asked for'}")
        if code is not None:
            token = csrf_token(self.client.get("/login/code", name="two-factor form").text)
            body = urlencode({"csrf_token": token, "code": code})
            with self.client.post("/login/code", data=body, headers=FORM, name="two-factor code",
                                  allow_redirects=False, catch_response=True) as response:
                if response.status_code != 302:
                    response.failure(f"two-factor code for {username} gave {response.status_code}")
                    raise RuntimeError(f"two-factor sign-in for {username} failed")
                response.success()

    def arrive(self, as_who):
        """Open a screen as reception, a keyworker (the next of the seed's), a display or a kiosk."""
        if as_who == "reception":
            self.login(MANIFEST["reception"])
        elif as_who == "keyworker":
            self.login(next_worker())
        else:
            self.enrolled(as_who)

    def poll_live(self, path, name):
        """One poll of a live part with the version last seen: the new fragment's text, or None for a 204."""
        with self.client.get(f"{path}?v={self.version}", headers=HX, name=name, catch_response=True) as response:
            if self.expect(response, 204, 200) and response.status_code == 200:
                self.version = page_version(response.text)
                return response.text
        return None

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


class KioskSteps:
    """What a kiosk does to check someone in; no task of its own, so subclasses choose theirs."""

    def check_in(self, name="kiosk check-in (POST)", k=None):
        """The name step's POST (`k`: the visit's key, or a key of its own), its ticket page and QR code."""
        started = time.perf_counter()
        fields = {"csrf_token": self.csrf, "k": k or uuid.uuid4().hex, "visit_for": "self",
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
