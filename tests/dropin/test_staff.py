"""Reception's live queue and the keyworker's desk, as staff see them in the browser."""
import re
from datetime import timedelta

import pytest

from kiosk.cases import bookings, services as casework
from kiosk.dropin.models import DropInSession, Room, Ticket
from kiosk.dropin.queue import move

from ..factories import make_case, make_staff, make_ticket
from ..moments import STORED
from ..pages import poll_version, start_visit, text, unchanged

HTMX = {"HX-Request": "true"}


def room_id(name="Room 2"):
    return Room.get(Room.name == name).id


def act(client, ticket, action, headers=None, **form):
    return client.post(f"/staff/tickets/{ticket.id}", data={"action": action, **form}, headers=headers or {})


def reload(ticket):
    return Ticket.get_by_id(ticket.id)


def row(response, ticket):
    """The queue table row a person would look at for this ticket."""
    match = re.search(rf'<tr id="ticket-{ticket.id}".*?</tr>', response.get_data(as_text=True), re.S)
    assert match, f"ticket {ticket.number} is not on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def staff_requests(app):
    """Every staff URL with each method its rule allows, dummy ids filled in."""
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("reception.", "desk.")):
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield rule.endpoint, method, urls.build(rule.endpoint, {arg: 1 for arg in rule.arguments})


def test_every_staff_url_refuses_an_anonymous_visitor(app, client):
    make_ticket()
    seen = []
    for endpoint, method, url in staff_requests(app):
        response = client.open(url, method=method)
        seen.append(url)
        if endpoint.endswith("_live"):
            assert response.status_code == 401, (method, url)
            assert response.headers["HX-Redirect"] == "/login"
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
    assert {"/staff/queue", "/staff/queue/live", "/staff/tickets/1", "/staff/desk/call-next"} <= set(seen)
    assert Ticket.get().state == "waiting"


def test_queue_lists_who_is_waiting(client, auth):
    auth.login("reception")
    ticket = make_ticket(visit_for="family", needs=["housing", "visits"], name="Sam")
    response = client.get("/staff/queue")
    assert response.status_code == 200
    line = row(response, ticket)
    assert "Sam" in line and "Family or friend in prison" in line and "Housing, Prison visits" in line


def test_queue_poll_answers_no_content_until_someone_checks_in(client, auth):
    auth.login("reception")
    version = poll_version(client.get("/staff/queue"))
    same = client.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert unchanged(same)

    client.post("/kiosk/check-in", data={"k": "a" * 32, "visit_for": "self", "name": "Robyn"})
    changed = client.get(f"/staff/queue/live?v={version}", headers=HTMX)
    assert changed.status_code == 200
    assert "<html" not in changed.get_data(as_text=True)
    assert "Robyn" in row(changed, Ticket.get())
    assert poll_version(changed) != version


def test_desk_poll_answers_no_content_until_something_changes(client, auth):
    auth.login("keyworker")
    version = poll_version(client.get("/staff/desk"))
    assert unchanged(client.get(f"/staff/desk/live?v={version}"))
    make_ticket(name="Robyn")
    changed = client.get(f"/staff/desk/live?v={version}")
    assert changed.status_code == 200 and "<html" not in changed.get_data(as_text=True)
    assert "Robyn" in text(changed)


def test_htmx_action_tells_the_screen_to_refresh(client, auth):
    auth.login("reception")
    ticket = make_ticket()
    response = act(client, ticket, "cancel", headers=HTMX, expected_state="waiting")
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "queue-changed"
    assert response.headers["HX-Retarget"] == "#flash"
    assert "<html" not in response.get_data(as_text=True) and "1 cancelled." in text(response)


def test_refused_htmx_action_still_refreshes_and_explains(client, auth):
    auth.login("reception")
    ticket = make_ticket()
    response = act(client, ticket, "start", headers=HTMX)
    assert response.status_code == 409
    assert response.headers["HX-Trigger"] == "queue-changed"
    assert "cannot be started now" in text(response)


@pytest.mark.parametrize("state, action, expected", [
    ("waiting", "call", "called"),
    ("called", "call", "called"),
    ("called", "start", "in_progress"),
    ("called", "finish", "done"),
    ("in_progress", "finish", "done"),
    ("called", "no_show", "no_show"),
    ("no_show", "requeue", "waiting"),
    ("called", "requeue", "waiting"),
    ("waiting", "cancel", "cancelled"),
    ("waiting", "left", "left"),
    ("called", "left", "left"),
])
def test_actions_move_the_ticket(client, auth, state, action, expected):
    user = auth.login("reception")
    ticket = make_ticket()
    if state != "waiting":
        Ticket.update(state=state, room=room_id("Room 1"), called_by=user.id).where(Ticket.id == ticket.id).execute()
    response = act(client, ticket, action, expected_state=state, room=room_id("Room 2"))
    assert response.status_code == 303 and response.headers["Location"] == "/staff/queue"
    assert reload(ticket).state == expected
    if action == "call":
        assert reload(ticket).room.name == "Room 2"


def test_priority_on_and_off(client, auth):
    auth.login("reception")
    ticket = make_ticket()
    assert act(client, ticket, "priority_on", expected_state="waiting").status_code == 303
    assert reload(ticket).priority is True
    assert "Priority" in row(client.get("/staff/queue"), ticket)
    act(client, ticket, "priority_off", expected_state="waiting")
    assert reload(ticket).priority is False


def test_action_on_a_ticket_someone_else_moved_is_refused(client, auth):
    auth.login("reception")
    ticket = make_ticket()
    other = make_staff("keyworker", name="Sam Other")
    move(ticket.id, "call", other, room_id=room_id())
    for action in ("cancel", "priority_on"):
        response = act(client, ticket, action, expected_state="waiting")
        assert response.status_code == 409
        assert "has just been called by Sam Other" in text(response)
        assert (reload(ticket).state, reload(ticket).priority) == ("called", False)


@pytest.mark.parametrize("form, message", [
    ({"action": "delete"}, "That action is not recognised."),
    ({"action": ""}, "This field is required."),
    ({"action": "cancel", "expected_state": "gone"}, "Reload the page and try again."),
    ({"action": "call", "room": "0"}, "Number must be at least 1."),
])
def test_bad_action_is_refused(client, auth, form, message):
    auth.login("reception")
    ticket = make_ticket()
    response = client.post(f"/staff/tickets/{ticket.id}", data=form)
    assert response.status_code == 400
    assert message in text(response)
    assert reload(ticket).state == "waiting"


@pytest.mark.parametrize("address, form, message", [
    ("/staff/walk-in", {"visit_for": "prisoner"}, "Choose who the visit is for."),
    ("/staff/walk-in", {"visit_for": "self", "name": "x" * 31}, "cannot be longer than 30"),
    ("/staff/desk/room", {"room": "999"}, "Choose a room or desk."),
    ("/staff/session/extra", {"until": "25:00"}, "Give the time check-in should close."),
])
def test_bad_staff_forms_are_refused(client, auth, address, form, message):
    auth.login("reception")
    response = client.post(address, data=form)
    assert response.status_code == 400
    assert message in text(response)
    assert Ticket.select().count() == 0 and DropInSession.select().count() == 0


def test_action_on_a_missing_ticket_is_not_found(client, auth):
    auth.login("reception")
    response = act(client, Ticket(id=999), "cancel")
    assert response.status_code == 404
    assert "That ticket no longer exists." in text(response)


def test_walk_in_joins_the_queue_from_reception(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", data={"name": "Jo", "visit_for": "family", "needs": ["visits"],
                                                    "priority": "y"})
    assert response.status_code == 303
    ticket = Ticket.get()
    assert (ticket.source, ticket.name, ticket.visit_for, ticket.needs, ticket.priority) == (
        "reception", "Jo", "family", "visits", True)
    assert "Added 1 to the queue." in text(client.get("/staff/queue"))


def test_close_check_in_closes_the_kiosk_and_reopen_opens_it(client, auth):
    auth.login("reception")
    assert client.post("/staff/session/close").status_code == 303
    assert "closed" in text(client.get("/kiosk/"))
    k = start_visit(client)  # a visitor who began before it closed
    assert client.post("/kiosk/check-in", data={"k": k, "visit_for": "self"}).status_code == 409
    assert DropInSession.get().checkin_closed_at is not None

    assert client.post("/staff/session/reopen").status_code == 303
    assert "Get a ticket" in text(client.get("/kiosk/"))
    k = start_visit(client)
    assert client.post("/kiosk/check-in", data={"k": k, "visit_for": "self"}).status_code == 303


def test_extra_session_on_a_tuesday_opens_the_kiosk(client, auth, clock):
    clock.to("next day")
    auth.login("reception")
    assert "Get a ticket" not in text(client.get("/kiosk/"))
    response = client.post("/staff/session/extra", data={"until": "15:00"})
    assert response.status_code == 303
    assert "check-in closes at 3:00pm" in text(client.get("/staff/queue"))
    assert "Get a ticket" in text(client.get("/kiosk/"))
    assert DropInSession.get().extra is True


def test_desk_call_next_calls_the_longest_waiting(client, auth, clock):
    user = auth.login("keyworker")
    first = make_ticket(name="Ally")
    clock.shift(timedelta(minutes=1))
    second = make_ticket(name="Chris")
    assert client.post("/staff/desk/room", data={"room": room_id()}).status_code == 303
    response = client.post("/staff/desk/call-next")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/desk"

    desk = client.get("/staff/desk")
    body = desk.get_data(as_text=True)
    assert re.search(rf'class="big-number">{first.number}<', body)
    assert "You have called" in text(desk) and "Ally" in text(desk)
    assert f"Calling {first.number} to Room 2." in text(desk)
    called = reload(first)
    assert (called.state, called.room.name, called.called_by_id) == ("called", "Room 2", user.id)
    assert reload(second).state == "waiting"


def test_call_next_with_nobody_waiting(client, auth):
    auth.login("keyworker")
    client.post("/staff/desk/room", data={"room": room_id()})
    response = client.post("/staff/desk/call-next")
    assert response.status_code == 409
    assert "Nobody is waiting" in text(response)


def test_call_next_before_choosing_a_room(client, auth):
    auth.login("keyworker")
    ticket = make_ticket()
    response = client.post("/staff/desk/call-next")
    assert response.status_code == 409
    assert "Choose your room or desk first." in text(response)
    assert reload(ticket).state == "waiting"


def test_done_records_the_outcome(client, auth):
    auth.login("keyworker")
    ticket = make_ticket()
    client.post("/staff/desk/room", data={"room": room_id()})
    client.post("/staff/desk/call-next")
    response = act(client, ticket, "finish", expected_state="called", outcome="Housing form filled in", **{"from": "desk"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/desk"
    done = reload(ticket)
    assert (done.state, done.outcome) == ("done", "Housing form filled in")
    assert "Call next" in text(client.get("/staff/desk"))


def test_taking_someone_out_of_the_queue_can_be_undone_and_they_keep_their_place(client, auth, clock):
    auth.login("reception")
    first = make_ticket(name="Ann")
    clock.shift(timedelta(minutes=1))
    second = make_ticket(name="Bob")
    for action in ("cancel", "left"):
        client.post(f"/staff/tickets/{first.id}", data={"action": action, "expected_state": "waiting"})
        queue = client.get("/staff/queue").get_data(as_text=True)
        undo = re.search(rf'id="queue-requeue-{first.id}"[^>]*>([^<]+)<', queue)
        assert undo and undo.group(1) == "Undo: back to waiting"
        assert client.post(f"/staff/tickets/{first.id}",
                           data={"action": "requeue", "expected_state": Ticket.get_by_id(first.id).state}).status_code == 303
        assert [t.id for t in Ticket.select().where(Ticket.state == "waiting").order_by(Ticket.created_at)] == [
            first.id, second.id]


def test_no_room_or_appointment_is_chosen_for_reception_by_default(client, auth):
    auth.login("reception")
    make_ticket(visit_for="appointment")
    worker = make_staff("keyworker")
    case = make_case()
    bookings.book(case.id, worker, STORED.MID_SESSION, worker)
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert "selected" not in queue.split('id="waiting-table"')[1].split("</table>")[0]
    assert '<option value="">Room…</option>' in queue and '<option value="">Which appointment?</option>' in queue
    ticket = Ticket.get()
    refused = client.post(f"/staff/tickets/{ticket.id}", data={"action": "call", "room": "", "expected_state": "waiting"})
    assert refused.status_code == 409 and "Choose a room or desk" in text(refused)
    assert Ticket.get_by_id(ticket.id).state == "waiting"


def test_a_second_tap_on_add_to_queue_makes_no_second_walk_in(client, auth):
    auth.login("reception")
    page = client.get("/staff/queue").get_data(as_text=True)
    key = re.search(r'name="k" type="hidden" value="([0-9a-f]{32})"|name="k" value="([0-9a-f]{32})"', page)
    assert key, "the walk-in form carries its own key"
    form = {"k": key.group(1) or key.group(2), "name": "Dot", "visit_for": "self"}
    assert client.post("/staff/walk-in", data=form).status_code == 303
    assert client.post("/staff/walk-in", data=form).status_code == 303
    assert Ticket.select().count() == 1
