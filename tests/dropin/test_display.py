"""The waiting-room wall screen: who is called to which room, how many wait, never a name."""
import re
from datetime import timedelta

import pytest

from kiosk.dropin.models import Room
from kiosk.dropin.queue import call_next, choose_room, move
from kiosk.dropin.sessions import working_session

from ..factories import make_staff, make_ticket
from ..pages import poll_version, text, unchanged

NAMES = ("Zebedee", "Ermintrude", "Dougal")


@pytest.fixture
def worker(app):
    staff = make_staff("keyworker", name="Florence Keyworker")
    choose_room(working_session(), staff, Room.get(Room.name == "Room 2").id)
    return staff


def make_named_tickets(clock):
    tickets = []
    for name in NAMES:
        tickets.append(make_ticket(name=name))
        clock.shift(timedelta(minutes=1))
    return tickets


def now_calling(response):
    body = response.get_data(as_text=True)
    number = re.search(r'id="now-number">([^<]*)<', body)
    room = re.search(r'id="now-room">([^<]*)<', body)
    return (number.group(1), room.group(1)) if number and room else None


def test_board_before_anyone_is_called(client):
    make_ticket()
    response = client.get("/display/")
    page = text(response)
    assert response.status_code == 200
    assert "Now calling" in page and "Please wait for your number" in page
    assert "1 waiting" in page
    assert now_calling(response) is None


def test_board_shows_the_number_and_room_called(client, clock, worker):
    first, *_ = make_named_tickets(clock)
    call_next(working_session(), worker)
    response = client.get("/display/")
    assert now_calling(response) == (str(first.number), "Room 2")
    assert "2 waiting" in text(response)


def test_board_never_shows_a_name(client, clock, worker):
    tickets = make_named_tickets(clock)
    call_next(working_session(), worker)
    move(tickets[0].id, "finish", worker)
    call_next(working_session(), worker)
    pages = [client.get("/display/"), client.get("/display/live")]
    for response in pages:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        for name in NAMES + ("Florence",):
            assert name not in body


def test_earlier_calls_move_to_recent(client, clock, worker):
    first, second, _ = make_named_tickets(clock)
    call_next(working_session(), worker)
    move(first.id, "finish", worker)
    call_next(working_session(), worker)
    response = client.get("/display/")
    assert now_calling(response) == (str(second.number), "Room 2")
    recent = re.search(r'<section class="recent".*?</section>', response.get_data(as_text=True), re.S).group(0)
    assert f'<span class="call-number">{first.number}</span>' in recent


def test_board_clears_when_the_visitor_is_marked_a_no_show(client, worker):
    ticket = make_ticket()
    call_next(working_session(), worker)
    move(ticket.id, "no_show", worker)
    response = client.get("/display/")
    assert now_calling(response) is None and "0 waiting" in text(response)


def test_live_answers_no_content_until_the_queue_changes(client, worker):
    version = poll_version(client.get("/display/"))
    same = client.get(f"/display/live?v={version}")
    assert unchanged(same)

    ticket = make_ticket(name="Zebedee")
    changed = client.get(f"/display/live?v={version}")
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200
    assert "<html" not in body and "Zebedee" not in body
    assert "1 waiting" in text(changed)

    version = poll_version(changed)
    call_next(working_session(), worker)
    called = client.get(f"/display/live?v={version}")
    assert called.status_code == 200
    assert now_calling(called) == (str(ticket.number), "Room 2")


def test_board_outside_session_says_closed(client, clock):
    clock.to("next day")
    response = client.get("/display/")
    assert response.status_code == 200
    assert "The drop-in is closed" in text(response)
