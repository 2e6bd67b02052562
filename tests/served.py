"""The app in a child process, served as an office serves it, for tests that kill it or load it from many processes.

    with served(tmp_path) as server:          # `python run.py` (waitress) on SQLite,
        kiosk = Browser(server.base_url)      # gunicorn -w 4 when DATABASE_URL is set
        kiosk.set_cookie(*server.enrol("kiosk"))
        key = kiosk.begin_visit()             # Welcome, then the who step: CSRF is on, so tokens
                                              # come from pages, as in a browser
        kiosk.post("/kiosk/check-in", ...)
        server.kill(); server.start()         # SIGKILL, then the same database again
        with server.reader().app_context():   # read what the server wrote
            ...

The server runs ProductionConfig, as run.py does, with an always-open schedule, limits
no tablet would need lifted, and its output in a log file. Children are stopped by their
PID (SIGTERM, then SIGKILL) when the block ends, whatever happened. Nothing here needs
pytest, so worker processes (multiprocessing, spawn) can import it.
"""
import http.client
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench.page_readers import visit_key

from .backends import BACKEND

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
LOCKED = "database is locked"
ALWAYS_OPEN = {
    "DROPIN_WEEKDAYS": "mon,tue,wed,thu,fri,sat,sun",
    "DROPIN_START": "00:00",
    "DROPIN_END": "23:59",
    # Open on public holidays too: these servers run on the real clock, whatever day that is.
    "PUBLIC_HOLIDAYS": "0",
    "CHECKIN_OPENS_BEFORE_MINUTES": "0",
    # Load tests send many check-ins from one enrolled kiosk and sign many keyworkers in
    # from one address; a person never could.
    "KIOSK_CHECKIN_LIMIT": "100000 per minute",
    "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
    "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
    "LOGIN_FREE_TRIES": "10000",
    "LOGIN_ATTACK_FAILURES": "10000",
}
# What answers "no server there", or "it died while answering": expected only while it is down.
NO_ANSWER = (OSError, http.client.HTTPException)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServedApp:
    """One app server process at a time on one database; start() again after kill() or stop()."""

    def __init__(self, workdir, backend=BACKEND, workers=4, threads=8, env=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.backend = backend
        self.sqlite_path = self.workdir / "served.sqlite3"
        self.log_path = self.workdir / "server.log"
        self.workers, self.threads = workers, threads
        self.secret = secrets.token_hex(32)  # the same across restarts, so cookies stay good
        self.extra_env = env or {}
        self.process = None
        self.port = None
        self.starts = 0
        self._reader = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        if self.backend == "postgres":
            return [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind",
                    f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
                    "--no-control-socket", "kiosk.wsgi:app"]  # no socket in the home folder for a test server
        return [sys.executable, "run.py", "--host", "127.0.0.1", "--port", str(self.port),
                "--threads", str(self.threads)]

    def environment(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "KIOSK_CONFIG")}
        env.update(ALWAYS_OPEN, SECRET_KEY=self.secret, PYTHONUNBUFFERED="1", KIOSK_CONFIG="config.ProductionConfig",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        if self.backend == "postgres":
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        else:
            env["SQLITE_PATH"] = str(self.sqlite_path)
        env.update(self.extra_env)
        return env

    def start(self, timeout=60):
        """Start the server and wait until it answers; a restart listens where the last one did."""
        assert self.process is None, "already running"
        self.port = self.port or free_port()
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.environment(), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code, self.process = self.process.returncode, None
                raise RuntimeError(f"the server exited with {code} while starting:\n{self.log()[-4000:]}")
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=5) as response:
                    if response.status == 200:
                        return self
            except NO_ANSWER:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log()[-4000:]}")
            time.sleep(0.05)

    def kill(self):
        """SIGKILL, as a power cut would (for the server process; gunicorn's workers go with their master
        only on SIGTERM, so they are killed too)."""
        if self.process is None:
            return
        pids = [self.process.pid] + self._children()
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None
        _wait_gone(pids[1:])

    def stop(self, grace=10):
        """SIGTERM and a moment to finish, then SIGKILL."""
        if self.process is None:
            return
        children = self._children()
        _signal(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            for pid in [self.process.pid] + children:
                _signal(pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None
        for pid in children:  # a worker its master did not take down
            _signal(pid, signal.SIGKILL)
        _wait_gone(children)

    def _children(self):
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def problems(self):
        """Lines of the server's output that say something went wrong."""
        return [line for line in self.log().splitlines()
                if LOCKED in line or "Traceback" in line or "[ERROR]" in line or line.startswith("ERROR")
                or "Exception on" in line or "Worker failed" in line]

    def reader(self):
        """An app in this process on the server's database, to read what the server wrote (and set up data)."""
        if self._reader is None:
            from config import TestingConfig
            from kiosk import create_app
            if self.backend == "postgres":
                self._reader = create_app(TestingConfig, DATABASE_URL=os.environ["DATABASE_URL"])
            else:
                self._reader = create_app(TestingConfig, DATABASE_URL="", SQLITE_PATH=str(self.sqlite_path))
        return self._reader

    def enrol(self, kind="kiosk"):
        """Enrol a kiosk or display as a manager would; returns (cookie name, token) for its browser."""
        from kiosk.dropin import devices
        with self.reader().app_context():
            _, token = devices.enrol(f"Test {kind}", kind, None)
        self.release()
        return devices.COOKIES[kind], token

    def release(self):
        """Close the reader's kept connections, leaving the server alone on the database."""
        from kiosk.db import database
        if hasattr(database.obj, "close_all"):
            database.obj.close_all()


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _wait_gone(pids, seconds=10):
    deadline = time.monotonic() + seconds
    for pid in pids:
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            try:
                if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                    break  # a zombie holds no sockets or files
            except OSError:
                break
            time.sleep(0.01)


@contextmanager
def served(workdir, backend=BACKEND, **options):
    """A started ServedApp, stopped when the block ends."""
    server = ServedApp(workdir, backend, **options)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class _KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back 3xx/4xx/5xx responses as they are: no redirect following, no HTTPError."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class Response:
    def __init__(self, status, location, body):
        self.status, self.body = status, body
        self.location = urllib.parse.urlsplit(location).path if location else ""


class Browser:
    """One simulated person: their own cookies, one request at a time, every response's status kept."""

    def __init__(self, base_url, timeout=30):
        self.base_url, self.timeout = base_url, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(_KeepEveryResponse(), urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf_token = None
        self.statuses = []  # (method, path, status)
        self.bad = []  # (method, path, status, body) for 5xx or "database is locked"

    def set_cookie(self, name, value):
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}))

    def request(self, method, path, data=None):
        if data is not None and self.csrf_token:
            data = {"csrf_token": self.csrf_token, **data}
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        with self.opener.open(req, timeout=self.timeout) as response:
            result = Response(response.status, response.headers.get("Location", ""),
                              response.read().decode("utf-8", "replace"))
        self.statuses.append((method, path, result.status))
        if result.status >= 500 or LOCKED in result.body:
            self.bad.append((method, path, result.status, result.body[:2000]))
        return result

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, **data):
        return self.request("POST", path, data)

    def csrf_from(self, path):
        """Take the CSRF token from a page's form, as a browser submitting that form would."""
        page = self.get(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.body)
        assert page.status == 200 and found, f"no CSRF token on {path}: {page.status} {page.body[:500]}"
        self.csrf_token = found.group(1)
        return page

    def begin_visit(self):
        """Tap Get a ticket on the kiosk's Welcome: the new visit's request key (and the CSRF token)."""
        self.get("/kiosk/")
        return visit_key(self.csrf_from("/kiosk/who").body)

    def sign_in(self, username, password=PASSWORD):
        self.csrf_from("/login")
        response = self.post("/login", username=username, password=password)
        assert response.status == 302, f"sign-in of {username}: {response.status} {response.body[:500]}"
        # Signing in starts a new session, and with it a new CSRF token.
        self.csrf_from(response.location)
        return response
