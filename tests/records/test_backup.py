"""Backups of the live database while it serves check-ins, and restoring one."""
import http.client
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from kiosk.db import database
from kiosk.dropin.models import Ticket

from ..factories import PASSWORD, make_staff
from ..isolation import own_g_per_request
from ..live_server import live_server, make_app
from ..pages import text

pytestmark = pytest.mark.sqlite_only(reason="SQLite's online backup of the database file")


class Kiosk(threading.Thread):
    """A tablet checking visitors in as fast as the server answers; keeps the tokens it was given."""

    def __init__(self, base_url, cookie, acknowledged, lock, stop):
        super().__init__(daemon=True)
        self.port, self.cookie = urlsplit(base_url).port, cookie
        self.acknowledged, self.lock, self.stop, self.failures = acknowledged, lock, stop, []

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self.stop.is_set():
                body = urlencode({"k": uuid.uuid4().hex, "visit_for": "self", "name": "Sam"})
                connection.request("POST", "/kiosk/check-in", body, {
                    "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                response.read()
                if response.status != 303:
                    self.failures.append(response.status)
                    return
                with self.lock:
                    self.acknowledged.append(response.getheader("Location").rsplit("/", 1)[1])
        finally:
            connection.close()


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def tokens_in(path):
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in copy.execute("SELECT token FROM ticket")}


def backup(app, path):
    return app.test_cli_runner().invoke(args=["backup", str(path)])


def test_a_backup_taken_while_kiosks_check_in_is_consistent_and_complete(tmp_path):
    copy_path = tmp_path / "backups" / "dropin-copy.sqlite3"
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    with live_server(tmp_path / "live.sqlite3") as base_url:
        name, token = base_url.enrol("kiosk")
        kiosks = [Kiosk(base_url, f"{name}={token}", acknowledged, lock, stop) for _ in range(4)]
        for kiosk in kiosks:
            kiosk.start()
        try:
            wait_until(lambda: len(acknowledged) >= 40)
            with lock:
                before_backup = list(acknowledged)
            result = backup(base_url.app, copy_path)
            count_at_end_of_backup = len(acknowledged)
            wait_until(lambda: len(acknowledged) >= count_at_end_of_backup + 20)  # still serving
        finally:
            stop.set()
            for kiosk in kiosks:
                kiosk.join(timeout=30)
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"Backup written to {copy_path}."
        assert not any(kiosk.failures for kiosk in kiosks), [kiosk.failures for kiosk in kiosks]
        assert not base_url.log.errors, base_url.log.text
        with base_url.app.app_context():
            live_tokens = {t.token for t in Ticket.select(Ticket.token)}

    in_copy = tokens_in(copy_path)
    assert set(before_backup) <= in_copy, "every ticket acknowledged before the backup is in it"
    assert in_copy <= live_tokens and len(live_tokens) > len(in_copy)
    numbers = [row[0] for row in sqlite3.connect(copy_path).execute("SELECT number FROM ticket ORDER BY number")]
    assert numbers == list(range(1, len(numbers) + 1)), "no half-written check-in: the numbers run unbroken"


def test_restoring_a_backup_brings_the_queue_back(tmp_path):
    live_path, copy_path = tmp_path / "instance" / "dropin.sqlite3", tmp_path / "dropin-backup.sqlite3"
    with live_server(live_path) as base_url:
        name, token = base_url.enrol("kiosk")
        connection = http.client.HTTPConnection("127.0.0.1", base_url.port, timeout=30)
        tokens = []
        for visitor in ("Sam", "Jo", "Al"):
            connection.request("POST", "/kiosk/check-in", urlencode({"k": uuid.uuid4().hex, "visit_for": "self",
                                                                     "name": visitor}),
                               {"Cookie": f"{name}={token}", "Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            response.read()
            tokens.append(response.getheader("Location").rsplit("/", 1)[1])
        connection.close()
        with base_url.app.app_context():
            make_staff("reception", "rhona")
        assert backup(base_url.app, copy_path).exit_code == 0

    # The disk is lost: the database and its WAL files go. Restoring is copying the backup into place.
    for stale in live_path.parent.glob("dropin.sqlite3*"):
        stale.unlink()
    shutil.copyfile(copy_path, live_path)
    app = make_app(live_path)
    own_g_per_request(app)
    with app.app_context():
        assert Ticket.select().count() == 3
        client = app.test_client()
        assert client.post("/login", data={"username": "rhona", "password": PASSWORD}).status_code == 302
        queue = client.get("/staff/queue")
        for visitor in ("Sam", "Jo", "Al"):
            assert visitor in text(queue)
        assert "You are number 2 in the queue" in text(client.get(f"/t/{tokens[1]}"))
        database.close()


def test_a_backup_never_overwrites_a_file(app, runner, tmp_path):
    existing = tmp_path / "precious.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0
    assert f"{existing} already exists; choose a new file name." in result.output
    assert existing.read_bytes() == b"yesterday's backup"


def test_a_backup_of_the_test_database_is_a_working_database(app, runner, tmp_path):
    make_staff("manager", "morag")
    target = tmp_path / "new" / "folder" / "copy.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT username FROM staff_user").fetchall() == [("morag",)]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_backup_path_that_is_a_directory_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code != 0 and "is a directory" in result.output


def test_the_flask_command_itself(tmp_path):
    """`flask --app kiosk backup PATH`, as the office runs it, in its own process."""
    live, copy = tmp_path / "dropin.sqlite3", tmp_path / "copy.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(live), "KIOSK_CONFIG": "config.TestingConfig"}
    flask = [sys.executable, "-m", "flask", "--app", "kiosk"]
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(flask + ["backup", str(copy)], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Backup written to {copy}."
    assert tokens_in(copy) == set()
    again = subprocess.run(flask + ["backup", str(copy)], cwd=root, env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode != 0 and "already exists" in again.stderr
