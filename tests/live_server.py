"""Serve the app for real — waitress, a real socket, the real clock — for tests that need real HTTP.

    with live_server(tmp_path / "live.sqlite3") as base_url:
        urllib.request.urlopen(base_url + "/kiosk/")
        with base_url.app.app_context():
            ...                      # read the database the server writes
        assert not base_url.log.errors

With DATABASE_URL set (the PostgreSQL run) the app uses that database instead of
the file, emptied when the server starts. The app runs an always-open schedule (every day 00:00-23:59 local) so check-in
is open whenever the test runs; the clock is not frozen. Only one app can be
live in a process at a time: the database is kiosk.db's module-level proxy,
so do not mix this with the `app` fixture in the same test.
"""
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

import waitress
from waitress import wasyncore

from config import TestingConfig
from kiosk import create_app

from . import backends

ALWAYS_OPEN = {
    "WTF_CSRF_ENABLED": False,
    # Load tests send many check-ins from one enrolled kiosk; a person never could.
    "KIOSK_CHECKIN_LIMIT": "10000 per minute",
    "DROPIN_WEEKDAYS": "mon,tue,wed,thu,fri,sat,sun",
    "DROPIN_START": "00:00",
    "DROPIN_END": "23:59",
    # Open on public holidays too: these servers run on the real clock, whatever day that is.
    "PUBLIC_HOLIDAYS": False,
    "CHECKIN_OPENS_BEFORE_MINUTES": 0,
}


class LogCapture(logging.Handler):
    """Every warning and error logged while the server runs, from any thread, with tracebacks."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        self.records.append((record.levelno, self.format(record)))

    @property
    def errors(self):
        return [text for level, text in self.records if level >= logging.ERROR]

    @property
    def text(self):
        return "\n".join(text for _, text in self.records)


class LiveServer(str):
    """The base URL, e.g. "http://127.0.0.1:54321", also carrying .app, .log and .port."""

    def enrol(self, kind):
        """Enrol a kiosk or display as a manager would; returns (cookie name, token) for its browser."""
        from kiosk.dropin import devices
        with self.app.app_context():
            _, token = devices.enrol(f"Test {kind}", kind, None)
        return devices.COOKIES[kind], token


_live = []  # the servers up now: conftest's per-test reset must not empty their database under them


def running():
    return bool(_live)


def make_app(sqlite_path, **overrides):
    app = create_app(TestingConfig, SQLITE_PATH=str(sqlite_path), **{**ALWAYS_OPEN, **overrides})
    app.instance_path = str(Path(sqlite_path).parent / "instance")  # the kiosk's speech files, beside the test's database
    return app


@contextmanager
def live_server(sqlite_path, threads=8, port=0, restart=False, **overrides):
    """Run the app under waitress on 127.0.0.1 in a daemon thread; stop it on exit.

    port=0 takes a free port. To restart a stopped server as an office server restarts, give
    its .port and restart=True: the same address, so open browsers find it again, and the
    database kept as it was (on PostgreSQL too, where a new server otherwise starts empty).
    """
    if not restart:
        backends.reset()
    app = make_app(sqlite_path, **overrides)
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=threads)
    socket_map = server._map
    log = LogCapture()
    root = logging.getLogger()
    root.addHandler(log)
    stopping = threading.Event()

    def serve():
        # waitress's own run() loops until every socket is closed; this loop also stops when asked,
        # so the sockets are closed below only after it has finished using them.
        while not stopping.is_set():
            wasyncore.loop(timeout=1.0, map=socket_map, count=1)

    runner = threading.Thread(target=serve, name="live-server", daemon=True)
    runner.start()
    _live.append(server)
    try:
        base_url = LiveServer(f"http://127.0.0.1:{server.effective_port}")
        base_url.app, base_url.log, base_url.port = app, log, int(server.effective_port)
        yield base_url
    finally:
        _live.remove(server)
        stopping.set()
        server.pull_trigger()  # wake the loop at once rather than at its next timeout
        runner.join(timeout=10)
        server.task_dispatcher.shutdown()
        server.close()  # the listening socket and the trigger
        wasyncore.close_all(socket_map)  # any connection a client left open
        root.removeHandler(log)
        assert not runner.is_alive(), "the live server did not stop"
