"""What polling costs: one query for "nothing changed", and a fragment whose queries do not grow with the queue."""
import re

import pytest

from kiosk.dropin.models import Room
from kiosk.dropin.queue import call_next, choose_room
from kiosk.dropin.live import poll_key
from kiosk.dropin.sessions import working_session

from ..factories import PASSWORD, enrol_device, make_staff, make_ticket
from ..queries import counting_queries


@pytest.fixture
def busy(app, auth):
    worker = auth.login("keyworker")
    choose_room(working_session(), worker, Room.get().id)
    tickets = [make_ticket(name=f"V{i}", needs=["housing"]) for i in range(6)]
    call_next(working_session(), worker)
    return tickets


@pytest.mark.parametrize("path", ["/staff/queue/live", "/staff/desk/live", "/display/live"])
def test_unchanged_poll_is_one_query_and_a_204(client, busy, path):
    version = poll_key()
    with counting_queries() as sql:
        response = client.get(f"{path}?v={version}")
    assert response.status_code == 204
    assert len(sql) == 1, sql


def test_unchanged_ticket_poll_is_one_query(client, busy):
    version = poll_key()
    with counting_queries() as sql:
        response = client.get(f"/t/{busy[-1].token}/live?v={version}")
    assert response.status_code == 204
    assert len(sql) == 1, sql


@pytest.mark.parametrize("path", ["/staff/queue/live", "/staff/desk/live", "/display/live"])
def test_changed_fragment_queries_do_not_grow_with_the_queue(client, busy, path):
    client.get(f"{path}?v=stale")  # first sight of this browser: device and session bookkeeping
    make_ticket(name="V0")  # a change, so that neither measure below is a copy of an earlier render
    with counting_queries() as few:
        assert client.get(f"{path}?v=stale").status_code == 200
    for i in range(30):
        make_ticket(name=f"W{i}", needs=["money", "health"])
    worker = make_staff("keyworker")
    choose_room(working_session(), worker, Room.get().id)
    call_next(working_session(), worker)
    with counting_queries() as many:
        response = client.get(f"{path}?v=stale")
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert len(many) == len(few), (few, many)


@pytest.mark.parametrize("path, fragment", [("/staff/queue", 'id="queue-live"'), ("/staff/desk", 'id="desk-live"'),
                                            ("/display/", 'id="board-live"')])
def test_screens_poll_as_often_as_the_setting_says(make_app, path, fragment):
    app = make_app(POLL_SECONDS=7)
    client = app.test_client()
    enrol_device("display", client)
    make_staff("reception", "rab")
    client.post("/login", data={"username": "rab", "password": PASSWORD})
    page = client.get(path).get_data(as_text=True)
    poller = re.search(rf'<div {fragment}[^>]*>', page)
    assert poller and 'hx-trigger="every 7s' in poller.group(0)
