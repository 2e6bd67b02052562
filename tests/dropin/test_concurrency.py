"""Writes that must not race, over real HTTP with real threads against waitress.

Many kiosks checking in at once get distinct numbers with no gaps; a double tap
racing itself makes one ticket; keyworkers pressing Call next together never
get the same person. Nothing is ever a 500 or "database is locked".
"""
import http.cookiejar
import re
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from threading import Barrier, BrokenBarrierError, Lock
from zoneinfo import ZoneInfo

import pytest

from kiosk.people.accounts import create_user
from kiosk.dropin.models import DropInSession, Room, Ticket

from ..factories import PASSWORD, make_ticket
from ..live_server import live_server

pytestmark = pytest.mark.slow

WAIT = 30  # seconds any one request or barrier may take before the test gives up
LOCKED = "database is locked"


@pytest.fixture
def server(tmp_path):
    # The always-open schedule runs 00:00-23:59 London time; a run straddling 23:59 would see check-in close.
    local = datetime.now(ZoneInfo("Europe/London"))
    if (local.hour, local.minute) >= (23, 56):
        pytest.skip("too close to local midnight, when the always-open test schedule closes")
    with live_server(tmp_path / "live.sqlite3") as base_url:
        yield base_url
        assert LOCKED not in base_url.log.text
        assert not base_url.log.errors, "\n".join(base_url.log.errors)


class _KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back 3xx/4xx/5xx responses as they are: no redirect following, no HTTPError."""

    def http_response(self, request, response):
        return response


class Browser:
    """One simulated person: their own cookie jar, one request at a time, every response recorded."""

    def __init__(self, base_url, device=None):
        self.base_url = base_url
        jar = http.cookiejar.CookieJar()
        if device:
            name, token = base_url.enrol(device)
            jar.set_cookie(http.cookiejar.Cookie(
                0, name, token, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}))
        self.opener = urllib.request.build_opener(_KeepEveryResponse(), urllib.request.HTTPCookieProcessor(jar))
        self.responses = []  # (method, path, status, body)

    def request(self, method, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        with self.opener.open(req, timeout=WAIT) as response:
            result = Response(response.status, response.headers.get("Location", ""),
                              response.read().decode("utf-8", "replace"))
        self.responses.append((method, path, result.status, result.body))
        return result

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, **data):
        return self.request("POST", path, data)


class Response:
    def __init__(self, status, location, body):
        self.status, self.body = status, body
        self.location = urllib.parse.urlsplit(location).path if location else ""


def run_together(count, work):
    """Run work(i, barrier) in `count` threads at once; re-raise the first failure."""
    barrier = Barrier(count, timeout=WAIT)

    def guarded(i):
        try:
            return work(i, barrier)
        except BaseException:
            barrier.abort()  # the others stop waiting for this one
            raise

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(guarded, i) for i in range(count)]
    failures = [future.exception() for future in futures if future.exception() is not None]
    # A broken barrier only says another thread failed first; report that thread's failure.
    failures.sort(key=lambda error: isinstance(error, BrokenBarrierError))
    if failures:
        raise failures[0]
    return [future.result() for future in futures]


def assert_no_server_failures(browsers):
    for browser in browsers:
        for method, path, status, body in browser.responses:
            assert status < 500, f"{method} {path} gave {status}: {body[:500]}"
            assert LOCKED not in body, f"{method} {path}: {body[:500]}"


def test_simultaneous_check_ins_get_every_number_once(server):
    threads, per_thread = 8, 10
    kiosks = [Browser(server, device="kiosk") for _ in range(threads)]

    def kiosk(i, barrier):
        tokens = {}
        for _ in range(per_thread):
            barrier.wait()  # every kiosk taps "Get my ticket" at the same moment
            response = kiosks[i].post("/kiosk/check-in", k=uuid.uuid4().hex, visit_for="self")
            assert response.status == 303, f"{response.status}: {response.body[:500]}"
            assert response.location.startswith("/kiosk/ticket/")
            # ...and the kiosk shows the ticket, reading while the others write.
            page = kiosks[i].get(response.location)
            assert page.status == 200, f"{page.status}: {page.body[:500]}"
            shown = re.search(r'id="ticket-number">(\d+)<', page.body)
            assert shown, page.body[:500]
            tokens[response.location.removeprefix("/kiosk/ticket/")] = int(shown.group(1))
        return tokens

    shown = {}  # token -> the number the kiosk showed
    for batch in run_together(threads, kiosk):
        shown.update(batch)

    assert_no_server_failures(kiosks)
    everyone = list(range(1, threads * per_thread + 1))
    assert len(shown) == threads * per_thread  # 80 different tickets
    assert sorted(shown.values()) == everyone  # 1..80 on the screens: no number twice, none skipped
    with server.app.app_context():
        tickets = list(Ticket.select())
    assert sorted(t.number for t in tickets) == everyone
    assert len({t.session_id for t in tickets}) == 1
    assert {t.token: t.number for t in tickets} == shown


def test_the_same_request_key_from_many_taps_makes_one_ticket(server):
    threads = 8
    key = uuid.uuid4().hex
    kiosks = [Browser(server, device="kiosk") for _ in range(threads)]

    def tap(i, barrier):
        barrier.wait()
        return kiosks[i].post("/kiosk/check-in", k=key, visit_for="self")

    responses = run_together(threads, tap)

    assert_no_server_failures(kiosks)
    assert [r.status for r in responses] == [303] * threads
    assert len({r.location for r in responses}) == 1
    with server.app.app_context():
        tickets = list(Ticket.select())
    assert len(tickets) == 1
    assert tickets[0].number == 1
    assert responses[0].location == f"/kiosk/ticket/{tickets[0].token}"


def test_a_double_tap_race_uses_up_no_number(server):
    """The taps queue on the write lock before they look for the key, so the losers take no number
    (on PostgreSQL as on SQLite): the next visitor is 2, whoever won."""
    threads = 8
    kiosks = [Browser(server, device="kiosk") for _ in range(threads)]
    for _ in range(3):
        key = uuid.uuid4().hex

        def tap(i, barrier):
            barrier.wait()
            return kiosks[i].post("/kiosk/check-in", k=key, visit_for="self")

        assert {r.status for r in run_together(threads, tap)} == {303}
    following = kiosks[0].post("/kiosk/check-in", k=uuid.uuid4().hex, visit_for="self")

    assert_no_server_failures(kiosks)
    assert following.status == 303
    with server.app.app_context():
        numbers = {t.token: t.number for t in Ticket.select()}
        last_numbers = [s.last_number for s in DropInSession.select()]
    assert sorted(numbers.values()) == [1, 2, 3, 4]
    assert numbers[following.location.removeprefix("/kiosk/ticket/")] == 4
    assert last_numbers == [4]


def test_simultaneous_call_next_never_gives_two_workers_the_same_person(server):
    workers, waiting = 6, 20
    with server.app.app_context():
        for name in ("Room 5", "Room 6"):  # the app starts with four rooms; six workers need six
            Room.create(name=name, position=10)
        rooms = [room.id for room in Room.in_use()][:workers]
        staff = [create_user(f"keyworker{n}", f"Keyworker {n}", "keyworker", PASSWORD) for n in range(workers)]
        staff_ids = [user.id for user in staff]
        for _ in range(waiting):
            make_ticket()
    assert len(rooms) == workers

    desks = [Browser(server) for _ in range(workers)]
    for desk, user, room in zip(desks, staff, rooms):
        response = desk.post("/login", username=user.username, password=PASSWORD)
        assert response.status == 302 and response.location == "/staff/desk", response.body[:500]
        assert desk.post("/staff/desk/room", room=room).status == 303

    rounds = []  # one dict per round: worker index -> the response to Call next
    rounds_lock = Lock()
    called = [[] for _ in range(workers)]  # ticket ids each worker called, in order

    def keyworker(i, barrier):
        for round_no in range(waiting + 2):  # enough rounds even if only one worker were ever served
            with rounds_lock:
                if len(rounds) == round_no:
                    rounds.append({})
            barrier.wait()  # everybody presses Call next at the same moment
            response = desks[i].post("/staff/desk/call-next")
            rounds[round_no][i] = response
            if response.status == 303:
                with server.app.app_context():
                    mine = list(Ticket.select().where((Ticket.state == "called") & (Ticket.called_by == staff_ids[i])))
                assert len(mine) == 1, f"worker {i} was told they called someone but has {len(mine)} called tickets"
                called[i].append(mine[0].id)
                finish = desks[i].post(f"/staff/tickets/{mine[0].id}", action="finish",
                                       expected_state="called", **{"from": "desk"})
                assert finish.status == 303, f"{finish.status}: {finish.body[:500]}"
            barrier.wait()  # the round is over for everyone before anyone looks at it
            if all(r.status != 303 for r in rounds[round_no].values()):
                return  # a round where nobody got anyone: the queue is empty
        raise AssertionError("the queue never emptied")

    run_together(workers, keyworker)

    assert_no_server_failures(desks)
    responses = [r for one_round in rounds for r in one_round.values()]
    refused = [r for r in responses if r.status != 303]
    assert refused, "the last round should find nobody waiting"
    for response in refused:
        assert response.status == 409, response.body[:500]
        assert "Nobody is waiting." in response.body
    assert sum(r.status == 303 for r in responses) == waiting
    # Everyone who pressed in the first round got someone: the lock queues them, it does not refuse them.
    assert [r.status for r in rounds[0].values()] == [303] * workers

    room_of = dict(zip(staff_ids, rooms))
    all_called = [ticket_id for ids in called for ticket_id in ids]
    assert len(all_called) == len(set(all_called)) == waiting
    with server.app.app_context():
        tickets = list(Ticket.select())
    assert len(tickets) == waiting
    for ticket in tickets:
        assert ticket.call_count == 1, f"ticket {ticket.number} was called {ticket.call_count} times"
        assert ticket.state == "done"
        assert ticket.called_by_id in staff_ids
        assert ticket.id in called[staff_ids.index(ticket.called_by_id)]
        assert ticket.room_id == room_of[ticket.called_by_id]
