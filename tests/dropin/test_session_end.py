"""The end of a drop-in with people still waiting: reception decides for each, and their phones and the
wall screen say what is happening."""
from datetime import timedelta

import pytest

from kiosk.dropin.models import Ticket

from ..factories import make_ticket
from ..pages import poll_version, text, unchanged


@pytest.fixture
def waiting(client, clock):
    tickets = [make_ticket(), make_ticket(), make_ticket()]
    return tickets


def decide(client, ticket, action):
    return client.post(f"/staff/tickets/{ticket.id}", data={"action": action, "expected_state": "waiting"})


def test_at_the_end_every_screen_says_the_drop_in_has_ended(client, auth, clock, waiting):
    auth.login("reception")
    before = {"queue": poll_version(client.get("/staff/queue")), "display": poll_version(client.get("/display/")),
              "phone": poll_version(client.get(f"/t/{waiting[0].token}"))}
    clock.to("after closing")
    auth.login("reception")  # half an hour idle has signed the first one out
    # Nothing was written at the end, yet every poll with the old version gets the new state.
    queue = client.get(f"/staff/queue/live?v={before['queue']}")
    assert queue.status_code == 200
    assert "The drop-in ended at 3:00pm. 3 people are still waiting." in text(queue)
    assert "Check-in Closed" in text(queue)
    for ticket in waiting:
        assert f'id="after-close-{ticket.id}"' in queue.get_data(as_text=True)
    display = client.get(f"/display/live?v={before['display']}")
    assert "The drop-in has ended. If you are still waiting, staff will speak to you." in text(display)
    assert "3 waiting" not in text(display)
    phone = client.get(f"/t/{waiting[0].token}/live?v={before['phone']}&s=1")
    assert "The drop-in has ended" in text(phone) and "About" not in text(phone)


def test_reception_decides_for_each_and_each_phone_is_told(client, auth, clock, waiting):
    clock.to("after closing")
    auth.login("reception")
    seen, back, booked = waiting
    assert decide(client, seen, "seen_late").status_code == 303
    assert decide(client, back, "come_back").status_code == 303
    assert decide(client, booked, "appointment").status_code == 303

    assert "staff will still see you today" in text(client.get(f"/t/{seen.token}"))
    assert "Please come back to the next drop-in: Wednesday 25 November, 1pm to 3pm" in text(client.get(f"/t/{back.token}"))
    assert "We have made an appointment for you instead" in text(client.get(f"/t/{booked.token}"))
    states = {t.id: (t.state, t.after_close) for t in Ticket.select()}
    assert states == {seen.id: ("waiting", "seen_late"), back.id: ("cancelled", "come_back"),
                      booked.id: ("cancelled", "appointment")}
    queue = text(client.get("/staff/queue"))
    assert "still waiting" not in queue  # everyone has been decided for
    assert "Will be seen today" in queue


def test_deciding_before_the_end_or_for_someone_not_waiting_is_refused(client, auth, clock, waiting):
    auth.login("reception")
    refused = decide(client, waiting[0], "come_back")
    assert refused.status_code == 409 and "has not ended yet" in text(refused)
    clock.to("after closing")
    auth.login("reception")
    decide(client, waiting[0], "appointment")
    again = decide(client, waiting[0], "come_back")
    assert again.status_code == 409
    assert Ticket.get_by_id(waiting[0].id).after_close == "appointment"


def test_an_extra_sessions_end_reaches_screens_that_are_not_reloaded(client, auth, clock):
    clock.to("next day")  # Tuesday 1:30pm: no drop-in on the timetable
    auth.login("reception")
    assert client.post("/staff/session/extra", data={"until": "14:00"}).status_code == 303
    ticket = make_ticket()
    before = {"queue": poll_version(client.get("/staff/queue")), "display": poll_version(client.get("/display/")),
              "phone": poll_version(client.get(f"/t/{ticket.token}"))}
    clock.shift(timedelta(minutes=10))  # still open: nothing changed, nothing sent
    assert unchanged(client.get(f"/staff/queue/live?v={before['queue']}"))
    clock.shift(timedelta(minutes=25))  # 2:05pm, five minutes after the extra session's end
    auth.login("reception")
    queue = client.get(f"/staff/queue/live?v={before['queue']}")
    assert queue.status_code == 200 and "The drop-in ended at 2:00pm. 1 person is still waiting." in text(queue)
    display = client.get(f"/display/live?v={before['display']}")
    assert "The drop-in has ended" in text(display)
    phone = client.get(f"/t/{ticket.token}/live?v={before['phone']}&s=1")
    assert "The drop-in has ended" in text(phone) and "About" not in text(phone)
