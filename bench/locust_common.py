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
from gevent.event import AsyncResult
from locust import FastHttpUser, constant, events

from bench.page_readers import TICKET_NUMBER_RE, csrf_token, page_version

MANIFEST = json.loads(open(os.environ["BENCH_MANIFEST"]).read()) if os.environ.get("BENCH_MANIFEST") else {}
OUT = os.environ.get("BENCH_OUT")
SERVER = psutil.Process(int(os.environ["BENCH_SERVER_PID"])) if os.environ.get("BENCH_SERVER_PID") else None
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))

# Several offices on one deployment (bench/offices.py): the manifest lists each office's accounts and devices,
# and every user works at one of them, taken in turn. Without the list, the manifest is the one office.
OFFICES = MANIFEST.get("offices") or []

HX = {"HX-Request": "true"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_turns = defaultdict(count)  # (office name or None, what is handed out) -> how many have been handed out
_recovery_codes = count()
_sign_ins = {}  # username -> AsyncResult: the cookies of its one sign-in, where the manifest shares them


def in_turn(office, what, items):
    """The next of `items` (a list, or one name) at `office` (None: the one office), round-robin."""
    if isinstance(items, str):
        return items
    return items[next(_turns[(office and office["name"], what)]) % len(items)]


def next_office(kind):
    """The office the next user of `kind` works at: each of the manifest's offices in turn, or None."""
    return in_turn(None, ("office", kind), OFFICES) if OFFICES else None


def next_worker(office=None):
    """The next keyworker's username, in turn, for users that sign in as one."""
    return in_turn(office, "keyworker", (office or MANIFEST)["keyworkers"])


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
        self.checkins = {}        # (office, ticket number) -> when the POST that made it returned (monotonic)
        self.first_seen = {}      # (screen, office, ticket number) -> when that screen first showed it
        self.screen_office = {}   # screen -> its office (None on the one-office day)
        self.refused = Counter()  # the app said no, rightly (e.g. two keyworkers, one ticket left)

    def checked_in(self, office, number, at):
        self.checkins[(office, number)] = at

    def shown(self, screen, office, number, at):
        self.screen_office[screen] = office
        self.first_seen[(screen, office, number)] = at

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
            "server_cpu_us_per_request": (1e6 * self._server_cpu_s() / self.window_http
                                          if self.window_http and self._server_cpu_s() is not None else None),
            "server_cpu_s": self._server_cpu_s(),
            "requests": requests,
            "http": self._http(),
            "errors": sum(self.errors.values()),
            "refused": dict(self.refused),
            # gevent runs every locust user on one thread: 100% here would mean locust was the limit.
            "loadgen_cpu_percent": 100 * cpu / cpu_window,
            "freshness": self._freshness(end),
        }

    def _server_cpu_s(self):
        """The server's CPU seconds (its worker processes' included) over the measured window."""
        if self.server_cpu_start is None or self.server_cpu_stop is None:
            return None
        return self.server_cpu_stop - self.server_cpu_start

    def _http(self):
        """All HTTP requests in the window together (the per-flow timings left out)."""
        values = sorted(self.http_latencies)
        return {"count": len(values), "errors": sum(self.errors.values()),
                "p50_ms": _percentile(values, 50), "p95_ms": _percentile(values, 95),
                "p99_ms": _percentile(values, 99), "max_ms": values[-1] if values else None}

    def _freshness(self, end):
        """Check-in to the first poll that shows the ticket, for every staff screen at the ticket's office;
        with several offices, also office by office."""
        if not self.checkins:
            return None
        screens = defaultdict(set)
        for screen, office in self.screen_office.items():
            screens[office].add(screen)
        delays, by_office = [], {}
        for office in {office for office, _ in self.checkins} | set(screens):
            found = self._delays(office, screens[office], end)
            delays += found["delays"]
            by_office[office] = found
        figures = _delay_figures(delays, sum(f["checkins"] for f in by_office.values()),
                                 len(self.screen_office), sum(f["missed"] for f in by_office.values()))
        if set(by_office) != {None}:
            figures["by_office"] = {office: _delay_figures(f["delays"], f["checkins"], len(screens[office]),
                                                           f["missed"])
                                    for office, f in sorted(by_office.items(), key=lambda item: str(item[0]))}
        return figures

    def _delays(self, office, screens, end):
        delays, missed, checkins = [], 0, 0
        for (where, number), at in self.checkins.items():
            if where != office:
                continue
            checkins += 1
            if at < (self.measure_from or 0):
                continue
            for screen in screens:
                seen = self.first_seen.get((screen, office, number))
                if seen is None:
                    if end - at > 3:  # a screen polling every 2 s should have shown it by now
                        missed += 1
                    continue
                delays.append(max(0.0, seen - at) * 1000)
        return {"delays": delays, "missed": missed, "checkins": checkins}


def _delay_figures(delays, checkins, screens, missed):
    delays = sorted(delays)
    return {"checkins": checkins, "screens": screens, "samples": len(delays), "missed": missed,
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
    """The server's CPU seconds so far: its own and its child processes' (gunicorn's workers), if any."""
    try:
        processes = [SERVER, *SERVER.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)
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
    office = None  # the manifest's entry for this user's office, where there are several

    @property
    def office_name(self):
        return self.office and self.office["name"]

    def enrolled(self, kind):
        """Be one of the kiosk tablets or wall displays the seed enrolled (its long-lived cookie)."""
        device = (self.office or MANIFEST).get("devices", {}).get(kind)
        if not device:
            return
        token = in_turn(self.office, ("device", kind), device["tokens"])
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

    def signed_in_as(self, username):
        """Sign in, or where the manifest says "share_sign_ins", take the cookies of the account's one sign-in,
        as tabs of one browser would: signing in is the warm-up's cost, not what is measured."""
        if not MANIFEST.get("share_sign_ins"):
            self.login(username)
            return
        shared = _sign_ins.get(username)
        if shared is None:
            shared = _sign_ins[username] = AsyncResult()
            try:
                self.login(username)
            except Exception as error:
                shared.set_exception(error)
                raise
            shared.set(list(self.client.cookiejar))
            return
        for cookie in shared.get(timeout=self.network_timeout * 4):
            self.client.cookiejar.set_cookie(cookie)

    def arrive(self, as_who):
        """Open a screen as reception, a keyworker (the next of the seed's), a display or a kiosk; with
        several offices, at the next office in turn, as one of its staff or devices."""
        self.office = next_office(as_who)
        if as_who == "reception":
            self.signed_in_as(in_turn(self.office, "reception", (self.office or MANIFEST)["reception"]))
        elif as_who == "keyworker":
            self.login(next_worker(self.office))
        else:
            self.enrolled(as_who)

    def poll_live(self, path, name):
        """One poll of a live part with the version last seen: the new fragment's text, or None when the answer
        was that nothing changed (empty, and htmx told to swap nothing)."""
        with self.client.get(f"{path}?v={self.version}", headers=HX, name=name, catch_response=True) as response:
            if self.expect(response, 200) and response.headers.get("HX-Reswap") != "none":
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
            REC.checked_in(self.office_name, int(match.group(1)), done)
        with self.client.get(f"/t/{token}/qr.svg", name="ticket QR code (SVG)", catch_response=True) as qr:
            if self.expect(qr, 200) and b"<svg" not in (qr.content or b"")[:400]:
                qr.failure("the QR code is not an SVG")
        events.request.fire(request_type="FLOW", name="kiosk check-in (POST + ticket page + QR)",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=None, context={}, response=None)
        return token
