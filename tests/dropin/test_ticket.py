"""The visitor's own status page, opened from the QR code: number and state, never a name."""
from datetime import timedelta

import pytest

from kiosk.dropin.models import Room
from kiosk.dropin.queue import call_next, choose_room, move
from kiosk.dropin.sessions import working_session

from ..factories import make_staff, make_ticket
from ..pages import poll_version, text, unchanged
from ..queries import counting_queries


@pytest.fixture
def worker(app):
    staff = make_staff("keyworker")
    choose_room(working_session(), staff, Room.get(Room.name == "Room 2").id)
    return staff


def test_status_shows_number_and_place_in_queue(client, clock):
    make_ticket()
    clock.shift(timedelta(minutes=1))
    ticket = make_ticket()
    response = client.get(f"/t/{ticket.token}")
    page = text(response)
    assert response.status_code == 200
    assert "Ticket 2" in page
    assert "number 2 in the queue" in page


def test_place_goes_down_as_people_are_called(client, clock, worker):
    make_ticket()
    clock.shift(timedelta(minutes=1))
    ticket = make_ticket()
    call_next(working_session(), worker)
    assert "number 1 in the queue" in text(client.get(f"/t/{ticket.token}"))


def test_a_page_seen_before_a_call_moves_up_after_it(client, clock, worker):
    make_ticket()
    clock.shift(timedelta(minutes=1))
    ticket = make_ticket()
    assert "number 2 in the queue" in text(client.get(f"/t/{ticket.token}"))
    call_next(working_session(), worker)
    assert "number 1 in the queue" in text(client.get(f"/t/{ticket.token}"))


def test_visitors_pages_share_the_queue_figures_and_set_no_cookie(client, clock):
    tickets = []
    for _ in range(5):
        tickets.append(make_ticket(needs=["money"]))
        clock.shift(timedelta(minutes=1))
    client.get(f"/t/{tickets[0].token}")
    with counting_queries() as sql:
        response = client.get(f"/t/{tickets[4].token}")
    assert "number 5 in the queue" in text(response)
    # The ticket, its session, the queue's version and the office's (its phone number is this process's copy
    # while that is unchanged); the order of the queue was already known.
    assert len(sql) == 4, sql
    assert "Set-Cookie" not in response.headers


def test_status_after_a_call_says_where_to_go(client, worker):
    ticket = make_ticket()
    call_next(working_session(), worker)
    page = text(client.get(f"/t/{ticket.token}"))
    assert "Please go to Room 2" in page
    assert "in the queue" not in page


@pytest.mark.parametrize("action, words", [
    ("start", "You are with a member of staff."),
    ("no_show", "We called your number but missed you."),
    ("finish", "Your visit is finished."),
])
def test_status_follows_the_visit(client, worker, action, words):
    ticket = make_ticket()
    call_next(working_session(), worker)
    move(ticket.id, action, worker)
    assert words in text(client.get(f"/t/{ticket.token}"))


def test_status_never_shows_the_name(client, worker):
    ticket = make_ticket(name="Zebedee")
    pages = [client.get(f"/t/{ticket.token}"), client.get(f"/t/{ticket.token}/live")]
    call_next(working_session(), worker)
    pages.append(client.get(f"/t/{ticket.token}"))
    for response in pages:
        assert response.status_code == 200
        assert "Zebedee" not in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["no-such-ticket", "x" * 65])
def test_unknown_ticket_is_not_found(client, token):
    for address in (f"/t/{token}", f"/t/{token}/qr.svg"):
        response = client.get(address)
        assert response.status_code == 404
        assert "could not find that ticket" in text(response) or "nothing at this address" in text(response)


def test_unknown_ticket_says_it_may_be_old(client):
    response = client.get("/t/no-such-ticket")
    assert "We could not find that ticket. It may be from an earlier day." in text(response)


def test_live_answers_no_content_until_the_queue_changes(client):
    ticket = make_ticket()
    version = poll_version(client.get(f"/t/{ticket.token}"))
    same = client.get(f"/t/{ticket.token}/live?v={version}")
    assert unchanged(same)

    make_ticket()  # someone else checks in: any change to the queue
    changed = client.get(f"/t/{ticket.token}/live?v={version}")
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200
    assert "<html" not in body
    assert 'id="ticket-live"' in body and "number 1 in the queue" in text(changed)
    assert poll_version(changed) != version


def test_live_fragment_shows_the_call(client, worker):
    ticket = make_ticket()
    version = poll_version(client.get(f"/t/{ticket.token}"))
    call_next(working_session(), worker)
    changed = client.get(f"/t/{ticket.token}/live?v={version}")
    assert changed.status_code == 200
    assert "Please go to Room 2" in text(changed)


def test_live_for_an_unknown_ticket_is_not_found(client):
    assert client.get("/t/no-such-ticket/live?v=0").status_code == 404


def test_a_made_up_address_learns_nothing_of_any_queue(client):
    """With the current key, a real ticket's poll is answered that nothing changed; a made-up token's, with any office named,
    is the same 404 before and after the queue changes, so it cannot watch an office's queue."""
    ticket = make_ticket()
    version = poll_version(client.get(f"/t/{ticket.token}"))
    assert unchanged(client.get(f"/t/{ticket.token}/live?v={version}&s=1"))
    for office in ("", "&s=1", "&s=2"):
        assert client.get(f"/t/made-up-token/live?v={version}{office}").status_code == 404
    make_ticket()
    assert client.get(f"/t/made-up-token/live?v={version}&s=1").status_code == 404


def test_a_ticket_address_leads_nowhere_a_week_after_its_drop_in(client, clock):
    ticket = make_ticket()
    version = poll_version(client.get(f"/t/{ticket.token}"))
    clock.shift(timedelta(days=7))  # 1:30pm, a week on: its drop-in ended at 3pm a week ago
    assert client.get(f"/t/{ticket.token}").status_code == 200
    clock.shift(timedelta(hours=2))
    for address in (f"/t/{ticket.token}", f"/t/{ticket.token}/live?v={version}", f"/t/{ticket.token}/qr.svg"):
        response = client.get(address)
        assert response.status_code == 404 and "earlier day" in text(response), address


def test_qr_code_is_an_svg(client):
    ticket = make_ticket()
    response = client.get(f"/t/{ticket.token}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")


def queue_of(count, clock):
    tickets = []
    for _ in range(count):
        tickets.append(make_ticket())
        clock.shift(timedelta(seconds=30))
    return tickets


def test_a_wait_past_the_end_says_so_from_the_start_of_the_session(client, clock, auth):
    # Half an hour in, an hour and a half left: 20 minutes a visit at one desk puts the 7th at about 2 hours.
    tickets = queue_of(7, clock)
    last, first = tickets[-1], tickets[0]
    for page in (client.get(f"/t/{last.token}"), client.get(f"/kiosk/ticket/{last.token}")):
        assert "We may not be able to see you today" in text(page)
        assert "0141 248 1763" in text(page) and "a call back or an appointment" in text(page)
    for page in (client.get(f"/t/{first.token}"), client.get(f"/kiosk/ticket/{first.token}")):
        assert "We may not be able to see you today" not in text(page)

    auth.login("reception")
    queue = client.get("/staff/queue").get_data(as_text=True)
    late = {t.number for t in tickets if f'id="late-{t.id}"' in queue}
    # At 1:33pm, 20 minutes a place: the 6th is expected at 3:13pm, within the quarter hour staff go on
    # past the end; the 7th at 3:33pm.
    assert late == {7}


def test_the_phone_says_why_the_order_can_change_and_when_it_is_nearly_their_turn(client, clock):
    tickets = queue_of(5, clock)
    far, near = text(client.get(f"/t/{tickets[4].token}")), text(client.get(f"/t/{tickets[2].token}"))
    for page in (far, near):
        assert "People with an appointment, or who need help fast, are seen first" in page
    assert "Nearly your turn" in near and "Nearly your turn" not in far
