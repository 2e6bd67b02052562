"""Copies shared between the processes of a deployment (kiosk/dropin/shared_copies.py): the queue and the board
drawn once per change by one process and taken by the others through Redis, each screen still sent its own
CSRF token and each person still audited for the cases they are shown; without Redis, or with Redis down,
every process draws its own as before."""
import importlib.util
import os
import secrets
import threading
import time

import pytest

from bench.page_readers import csrf_token
from config import TestingConfig
from kiosk import create_app
from kiosk.audit import AuditEvent
from kiosk.cases.visits import QUEUE_SHOWN, link_ticket
from kiosk.dropin import shared_copies
from kiosk.dropin.live import poll_key

from ..factories import PASSWORD, enrol_device, make_case, make_staff, make_ticket
from ..isolation import own_g_per_request
from ..pages import assert_own_csrf_token, text, unchanged
from ..queries import counting_queries

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server (REDIS_URL): make test-postgres starts one")


@pytest.fixture
def two_processes(make_app):
    """Two apps on one database and one Redis, as two gunicorn workers are: (the first, the second)."""
    settings = {"WTF_CSRF_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
                "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(6)}
    first = make_app(**settings)
    second = create_app(TestingConfig, SQLITE_PATH=first.config["SQLITE_PATH"], **settings)
    second.instance_path = first.instance_path
    own_g_per_request(second)
    with first.app_context():  # the first's context stays the test's own (the factories write through it)
        yield first, second


def signed_in(app, role="reception"):
    screen = app.test_client()
    user = make_staff(role)
    token = csrf_token(screen.get("/login").get_data(as_text=True))
    assert screen.post("/login", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    screen.get("/staff/queue")  # the page gives the session its CSRF token
    return screen, user


@needs_redis
def test_a_queue_drawn_by_one_process_is_taken_by_the_other_with_no_queue_read_and_each_viewer_audited(two_processes):
    first, second = two_processes
    ann_screen, _ = signed_in(first)
    bea_screen, bea = signed_in(second)
    shown = poll_key()
    for screen in (ann_screen, bea_screen):
        assert unchanged(screen.get(f"/staff/queue/live?v={shown}"))
    case = make_case(name="Carol Dunn")
    ticket = make_ticket(name="Carol")
    link_ticket(ticket.id, case.id, make_staff("keyworker"))  # a change, and the queue now names a case

    drawn = ann_screen.get(f"/staff/queue/live?v={shown}")  # drawn by the first process
    assert case.reference in drawn.get_data(as_text=True)
    with counting_queries() as sql:
        taken = bea_screen.get(f"/staff/queue/live?v={shown}")
    assert taken.status_code == 200 and case.reference in taken.get_data(as_text=True)
    assert not [q for q in sql if '"ticket"' in q], sql  # the second process read no ticket: it drew nothing
    assert_own_csrf_token(second, bea_screen, taken)
    # Bea was shown Carol's case by a copy she did not draw: it is audited as hers all the same.
    assert AuditEvent.select().where((AuditEvent.staff == bea.id) & (AuditEvent.object_id == case.id)
                                     & (AuditEvent.detail == QUEUE_SHOWN)).count() == 1

    shown = poll_key()
    make_ticket(name="Dora")  # another change; Bea is audited for Carol's case already
    assert "Dora" in text(ann_screen.get(f"/staff/queue/live?v={shown}"))
    with counting_queries() as sql:
        taken = bea_screen.get(f"/staff/queue/live?v={shown}")
    assert "Dora" in text(taken) and case.reference in taken.get_data(as_text=True)
    # answered in front of Flask: neither drawn (no ticket read) nor signed in the whole way (no account read)
    assert not [q for q in sql if '"ticket"' in q or '"username"' in q], sql
    assert_own_csrf_token(second, bea_screen, taken)


@needs_redis
def test_a_board_drawn_by_one_process_is_taken_by_the_other(two_processes):
    first, second = two_processes
    walls = []
    for app in (first, second):
        wall = app.test_client()
        enrol_device("display", wall)
        wall.get("/display/")  # its full check, which its session cookie records from then on
        assert unchanged(wall.get(f"/display/live?v={poll_key()}"))  # that cookie checked once by this process
        walls.append(wall)
    shown = poll_key()
    make_ticket(name="Dee")
    assert "1 waiting" in text(walls[0].get(f"/display/live?v={shown}"))  # drawn by the first process
    with counting_queries() as sql:
        taken = walls[1].get(f"/display/live?v={shown}")
    assert taken.status_code == 200 and not [q for q in sql if '"ticket"' in q], sql  # nothing drawn
    assert text(taken) == text(walls[0].get(f"/display/live?v={shown}"))


@pytest.mark.skipif(importlib.util.find_spec("redis") is None,
                    reason="needs the Redis client (the postgres extra, which make test-postgres installs)")
def test_with_redis_down_each_process_draws_its_own_copy(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")  # nothing listens there
    screen, _ = signed_in(app)
    shown = poll_key()
    make_ticket(name="Eve")
    fragment = screen.get(f"/staff/queue/live?v={shown}")
    assert fragment.status_code == 200 and "Eve" in text(fragment)
    assert_own_csrf_token(app, screen, fragment)
    # Redis was asked, did not answer, and is left alone for a while: the copy was drawn and kept here
    assert app.extensions[shared_copies.STATE]["resting_until"] > time.monotonic()
    assert "Eve" in text(screen.get(f"/staff/queue/live?v={shown}"))


@needs_redis
def test_a_process_finding_another_drawing_the_copy_waits_for_it_instead_of_drawing_it_again(two_processes):
    first, second = two_processes
    slot = ("reception/_queue.html", 1, "reception", None)
    with first.app_context():
        assert shared_copies.drawn_elsewhere(slot, "7-1", 1.0) is None  # the first to ask draws it

    def drawn():
        time.sleep(0.05)
        with first.app_context():
            shared_copies.share(slot, "7-1", [b"<p>drawn once</p>"], [], 5)

    drawing = threading.Thread(target=drawn)
    drawing.start()
    with second.app_context():
        found = shared_copies.drawn_elsewhere(slot, "7-1", 5.0)
    drawing.join()
    assert found is not None and found[1] == [b"<p>drawn once</p>"]  # the first's copy, not a draw of its own
    with second.app_context():  # a key nobody is drawing: no wait, this process draws it
        assert shared_copies.drawn_elsewhere(slot, "8-1", 5.0) is None


@needs_redis
def test_a_copy_comes_back_from_redis_byte_for_byte_and_anything_else_there_is_drawn_afresh(two_processes):
    """A copy is its parts' bytes as drawn (the CSRF token goes between them), with what was kept beside it;
    a value under a copy's name that this code did not write (another version's, or damaged) is no copy."""
    first, second = two_processes
    slot = ("reception/_queue.html", 1, "reception", None)
    parts = ["<p>Zoë waiting</p><input value=\"".encode(), "\">\n<p>€ and\nnewlines</p>".encode(), b""]
    with first.app_context():
        shared_copies.share(slot, "9-1", parts, [3, 5], 5)
    with second.app_context():
        age, found, kept = shared_copies.fetch(slot, "9-1")
        assert found == parts and kept == [3, 5] and 0 <= age < 5
        state = second.extensions[shared_copies.STATE]
        for foreign in (b'{"made": 1, "parts": ["<p>old</p>"], "kept": []}', b'{"made": 1, "lengths": [50]}\n<p>cut</p>',
                        b"\xff\xfe"):
            state["client"].set(shared_copies._name(state, slot, "10-1"), foreign, ex=5)
            assert shared_copies.fetch(slot, "10-1") is None
