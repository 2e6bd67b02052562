"""The bench's simulated people read the pages the app really serves.

When a template changes, the office day's keyworkers must still find their
visitor on the desk, the screens the ticket numbers, every user its CSRF token
and version. If they cannot, the bench presses Call next with a visitor still
at the desk and reports the refusals as the app's errors.
"""

from bench.page_readers import (
    CALLING_RE, NUMBER_RE, TICKET_NUMBER_RE, csrf_token, desk_current, page_version, visit_key,
)
from kiosk.dropin.models import Room

from ..factories import PASSWORD, make_staff, make_ticket

HTMX = {"HX-Request": "true"}


def sign_in(client, role):
    user = make_staff(role)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302


def desk(client):
    return client.get("/staff/desk/live", headers=HTMX).get_data(as_text=True)


def act(client, html, action, state):
    ticket_id, _ = desk_current(html)
    return client.post(f"/staff/tickets/{ticket_id}", headers=HTMX, data={
        "csrf_token": csrf_token(html), "action": action, "expected_state": state, "from": "desk"})


def test_a_keyworker_reads_their_visitor_through_call_start_and_done(guarded_client):
    client = guarded_client
    sign_in(client, "keyworker")
    html = desk(client)
    room = Room.get(Room.name == "Room 2").id
    client.post("/staff/desk/room", headers=HTMX, data={"room": room, "csrf_token": csrf_token(html)})
    first = make_ticket()
    make_ticket()  # someone behind them: Call next has a choice to get right

    html = desk(client)
    assert desk_current(html) is None and page_version(html) != "none" and csrf_token(html)
    called = client.post("/staff/desk/call-next", headers=HTMX, data={"csrf_token": csrf_token(html)})
    assert called.status_code == 200
    assert CALLING_RE.search(called.get_data(as_text=True)).group(1) == str(first.number)

    html = desk(client)
    assert desk_current(html) == (first.id, "called")
    assert act(client, html, "start", "called").status_code == 200
    html = desk(client)
    assert desk_current(html) == (first.id, "in_progress")
    assert act(client, html, "finish", "in_progress").status_code == 200
    assert desk_current(desk(client)) is None


def test_screens_read_the_numbers_and_the_kiosk_reads_its_ticket(guarded_client):
    client = guarded_client
    tickets = [make_ticket() for _ in range(3)]
    client.get("/kiosk/")  # a visit begins, as the bench's office-day kiosk walks it
    who_step = client.get("/kiosk/who").get_data(as_text=True)
    k = visit_key(who_step)
    checked_in = client.post("/kiosk/check-in", data={
        "csrf_token": csrf_token(who_step), "k": k, "visit_for": "self", "needs": ["housing"]})
    assert checked_in.status_code == 303
    ticket_page = client.get(checked_in.headers["Location"]).get_data(as_text=True)
    kiosk_number = int(TICKET_NUMBER_RE.search(ticket_page).group(1))

    sign_in(client, "reception")
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert page_version(queue) != "none"
    assert set(map(int, NUMBER_RE.findall(queue))) == {t.number for t in tickets} | {kiosk_number}
    display = client.get("/display/").get_data(as_text=True)
    assert page_version(display) != "none"
