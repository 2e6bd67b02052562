"""One deployment, several processes: gunicorn with 4 workers on PostgreSQL, its limits counted in Redis.

The limits hold for the deployment, not for each worker: the eleventh failed sign-in from one address
and the eleventh check-in in a minute from one kiosk are refused whichever worker gets them (each
request here is a new connection, so the workers share them out). The day's housekeeping (the purge,
the backup) runs once, although every worker checks for it as it starts.

Runs in the PostgreSQL pass of `make test`, which starts a Redis server beside PostgreSQL
(scripts/redis_test_server.sh sets REDIS_URL).
"""
import http.client
import os
import re
import secrets
import shlex
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..backends import POSTGRES
from ..served import PASSWORD, Browser, served

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (POSTGRES and REDIS_URL), reason=(
    "several app processes sharing PostgreSQL and Redis: make test-postgres starts both"))]

WORKERS = 4
# Each answer's worker, from gunicorn's access log: "<pid> method path status".
ACCESS = re.compile(r"^<(\d+)> (GET|POST) (\S+) (\d{3})$", re.MULTILINE)


@pytest.fixture
def server(tmp_path):
    env = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(6),  # no count left over from another test
        "LOGIN_LIMIT_PER_ADDRESS": "10 per 15 minutes",
        "KIOSK_CHECKIN_LIMIT": "10 per minute",
        "BACKUP_DIR": str(tmp_path / "backups"),
        "GUNICORN_CMD_ARGS": shlex.join(["--access-logfile", "-", "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"]),
    }
    with served(tmp_path, workers=WORKERS, env=env) as running:
        yield running


def answers(server, method, path):
    """(worker pid, status) of each answer to `method path`, in the order they were logged."""
    return [(int(pid), int(status)) for pid, m, p, status in ACCESS.findall(server.log()) if (m, p) == (method, path)]


def wait_for_log(server, method, path, count, seconds=30):
    deadline = time.monotonic() + seconds
    while len(answers(server, method, path)) < count:
        assert time.monotonic() < deadline, f"{count} answers to {method} {path} never reached the log:\n{server.log()[-3000:]}"
        time.sleep(0.05)
    return answers(server, method, path)


def test_the_eleventh_failed_sign_in_is_refused_whichever_worker_gets_it(server):
    with server.reader().app_context():
        from kiosk.people.accounts import create_user
        create_user("aileen", "Aileen Boyd", "keyworker", PASSWORD)
    server.release()

    def wrong_password(_):
        browser = Browser(server.base_url)
        browser.csrf_from("/login")
        return browser.post("/login", username="aileen", password="not the password").status

    with ThreadPoolExecutor(10) as pool:  # ten guesses at once: four workers take them
        assert sorted(pool.map(wrong_password, range(10))) == [400] * 10
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(wrong_password, range(8))) == [429] * 8
    late = Browser(server.base_url)
    late.csrf_from("/login")
    right = late.post("/login", username="aileen", password=PASSWORD)
    assert right.status == 429, "from this address, even the right password waits"

    served_by = wait_for_log(server, "POST", "/login", 19)
    assert [status for _, status in served_by].count(400) == 10
    refusing = {pid for pid, status in served_by if status == 429}
    assert len(refusing) >= 2, f"the refusals came from one worker only: {served_by}"
    assert len({pid for pid, _ in served_by}) >= 3
    assert not server.problems(), server.problems()


def test_the_eleventh_check_in_in_a_minute_is_refused_whichever_worker_gets_it(server):
    cookie = server.enrol("kiosk")

    def check_in(_):
        kiosk = Browser(server.base_url)
        kiosk.set_cookie(*cookie)
        return kiosk.post("/kiosk/check-in", k=kiosk.begin_visit(), visit_for="self", name="Sam").status

    with ThreadPoolExecutor(5) as pool:
        assert sorted(pool.map(check_in, range(10))) == [303] * 10
    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(check_in, range(6))) == [429] * 6

    served_by = wait_for_log(server, "POST", "/kiosk/check-in", 16)
    assert len({pid for pid, status in served_by if status == 429}) >= 2, served_by
    with server.reader().app_context():
        from kiosk.dropin.models import Ticket
        assert Ticket.select().count() == 10
    server.release()


def test_a_wall_display_polls_over_one_connection_that_stays_open(server):
    """gunicorn.conf.py's threaded workers keep a screen's connection from one poll to the next, so no worker
    waits on every poll for the browser to close it (what gunicorn's sync workers do). The display is asked
    five times, a poll period apart, over one connection: the same worker answers each, none says it closes."""
    name, token = server.enrol("display")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sockets = set()
    try:
        for poll in range(5):
            connection.request("GET", "/display/live", headers={"Cookie": f"{name}={token}", "HX-Request": "true"})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200 and b"0 waiting" in body, (response.status, body[:300])
            assert not response.will_close, f"poll {poll + 1}: the server closed the connection"
            sockets.add(id(connection.sock))
            time.sleep(2 if poll < 4 else 0)  # the display's poll period
    finally:
        connection.close()
    assert len(sockets) == 1, "each poll opened a new connection"
    polls = wait_for_log(server, "GET", "/display/live", 5)
    assert len({pid for pid, _ in polls}) == 1, f"one connection, one worker: {polls}"
    assert [status for _, status in polls] == [200] * 5


def test_the_day_s_housekeeping_runs_once_for_all_the_workers(server, tmp_path):
    from kiosk.audit import AuditEvent
    from kiosk.housekeeping import Housekeeping
    reader = server.reader()
    deadline = time.monotonic() + 60
    while True:
        with reader.app_context():
            finished = {row.job: row for row in Housekeeping.select() if row.finished_at is not None}
        if len(finished) == 2:
            break
        assert time.monotonic() < deadline, "the day's housekeeping never finished"
        time.sleep(0.1)
    time.sleep(1)  # every worker has long checked by now
    copies = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(copies) == 1 and re.fullmatch(r"dropin-\d{4}-\d{2}-\d{2}\.dump", copies[0]), copies
    with reader.app_context():
        assert AuditEvent.select().where(AuditEvent.action == "backup").count() == 1
        workers = {row.claimed_by.rsplit(":", 1)[1] for row in Housekeeping.select()}
    server.release()
    assert workers <= {str(pid) for pid in server._children()}, "a worker, not the master, ran them"


def test_while_redis_does_not_answer_each_process_counts_on_its_own_and_nobody_gets_an_error(make_app):
    from kiosk.people.accounts import create_user
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    create_user("aileen", "Aileen Boyd", "keyworker", PASSWORD)
    browser = app.test_client()
    statuses = [browser.post("/login", data={"username": "aileen", "password": "not the password"}).status_code
                for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert browser.get("/login").status_code == 200
