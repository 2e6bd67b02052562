"""Queue services: numbering, Call next order, state changes allowed and refused."""
from datetime import timedelta

import pytest

from kiosk.cases import bookings
from kiosk.cases import visits
from kiosk.dropin import live
from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import call_next, choose_room, hand_to, move, set_priority
from kiosk.dropin.reads import waiting
from kiosk.dropin.sessions import working_session
from kiosk.errors import CheckInClosed, Refused, StaleTicket

from ..factories import make_case, make_staff, make_ticket
from ..moments import STORED


@pytest.fixture
def worker(app):
    staff = make_staff("keyworker")
    choose_room(working_session(), staff, Room.get(Room.name == "Room 2").id)
    return staff


def test_numbers_start_at_one_and_go_up(app):
    numbers = [make_ticket().number for _ in range(3)]
    assert numbers == [1, 2, 3]


def test_same_request_key_gives_the_same_ticket(app):
    first = make_ticket(request_key="a" * 32)
    again = make_ticket(request_key="a" * 32)
    assert again.id == first.id
    assert Ticket.select().count() == 1


def test_check_in_bumps_the_queue_version(app):
    before = live.version()
    make_ticket()
    assert live.version() == before + 1


def test_check_in_refused_outside_session(app, clock):
    clock.to("next day")  # a Tuesday
    with pytest.raises(CheckInClosed):
        make_ticket()
    assert Ticket.select().count() == 0


def test_needs_and_name_are_cleaned(app):
    ticket = make_ticket(needs=["housing", "bogus", "housing", "money"], name="  Sam ")
    assert ticket.needs == "housing,money"
    assert ticket.name == "Sam"


def test_call_next_takes_longest_waiting(app, worker, clock):
    first = make_ticket()
    clock.shift(timedelta(minutes=1))
    make_ticket()
    called = call_next(working_session(), worker)
    assert called.id == first.id
    assert called.state == "called" and called.room.name == "Room 2" and called.called_by_id == worker.id


def test_call_next_order_priority_then_appointment_then_wait(app, worker, clock):
    plain = make_ticket()
    clock.shift(timedelta(minutes=1))
    appointment = make_ticket(visit_for="appointment")
    clock.shift(timedelta(minutes=1))
    urgent = make_ticket(priority=True)
    order = []
    for _ in range(3):
        ticket = call_next(working_session(), worker)
        order.append(ticket.id)
        move(ticket.id, "finish", worker)
    assert order == [urgent.id, appointment.id, plain.id]


def test_call_next_prefers_people_asking_for_this_worker(app, worker, clock):
    other = make_staff("keyworker")
    make_ticket()
    clock.shift(timedelta(minutes=1))
    mine = make_ticket()
    Ticket.update(requested_staff=worker).where(Ticket.id == mine.id).execute()
    clock.shift(timedelta(minutes=1))
    theirs = make_ticket()
    Ticket.update(requested_staff=other).where(Ticket.id == theirs.id).execute()
    assert call_next(working_session(), worker).id == mine.id


def test_call_next_needs_a_room_and_nobody_in_hand(app, worker):
    no_room = make_staff("keyworker")
    make_ticket()
    make_ticket()
    with pytest.raises(Refused, match="room"):
        call_next(working_session(), no_room)
    call_next(working_session(), worker)
    with pytest.raises(Refused, match="Done or No-show"):
        call_next(working_session(), worker)


def test_call_next_on_empty_queue(app, worker):
    with pytest.raises(Refused, match="Nobody is waiting"):
        call_next(working_session(), worker)


ALLOWED = {
    "call": {"waiting", "called"},
    "start": {"called"},
    "finish": {"called", "in_progress"},
    "no_show": {"called"},
    "requeue": {"called", "no_show", "in_progress", "left", "cancelled"},  # also the undo of leaving
    "cancel": {"waiting", "called"},
    "left": {"waiting", "called"},
}
ALL_STATES = ["waiting", "called", "in_progress", "done", "no_show", "left", "cancelled"]


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_change_allowed_or_refused(app, worker, action, state):
    ticket = make_ticket()
    Ticket.update(state=state, room=Room.get().id, called_by=worker.id).where(Ticket.id == ticket.id).execute()
    if state in ALLOWED[action]:
        moved = move(ticket.id, action, worker)
        assert moved.state == {"call": "called", "start": "in_progress", "finish": "done", "no_show": "no_show",
                               "requeue": "waiting", "cancel": "cancelled", "left": "left"}[action]
    else:
        with pytest.raises(Refused):
            move(ticket.id, action, worker)
        assert Ticket.get_by_id(ticket.id).state == state


def test_action_on_a_ticket_someone_else_moved_is_refused(app, worker):
    ticket = make_ticket()
    other = make_staff("keyworker", name="Sam Other")
    move(ticket.id, "call", other, expected_state="waiting", room_id=Room.get().id)
    with pytest.raises(StaleTicket, match="called by Sam Other"):
        move(ticket.id, "cancel", worker, expected_state="waiting")
    assert Ticket.get_by_id(ticket.id).state == "called"


def test_finish_records_outcome_and_times(app, worker, clock):
    ticket = make_ticket()
    call_next(working_session(), worker)
    move(ticket.id, "start", worker)
    clock.shift(timedelta(minutes=12))
    done = move(ticket.id, "finish", worker, outcome="  Housing form filled in ")
    assert done.outcome == "Housing form filled in"
    assert done.finished_at - done.started_at == timedelta(minutes=12)


def test_back_to_waiting_clears_the_call(app, worker):
    ticket = make_ticket()
    call_next(working_session(), worker)
    back = move(ticket.id, "requeue", worker)
    assert back.state == "waiting" and back.room is None and back.called_by is None


def test_priority_only_for_people_still_waiting(app, worker):
    ticket = make_ticket()
    assert set_priority(ticket.id, True).priority is True
    move(ticket.id, "cancel", worker)
    with pytest.raises(Refused):
        set_priority(ticket.id, False)


def test_an_arrived_appointment_goes_to_its_own_keyworker_s_call_next(app, clock, worker):
    other = make_staff("keyworker")
    choose_room(working_session(), other, Room.get(Room.name == "Room 3").id)
    walk_in = make_ticket(name="Early")
    clock.shift(timedelta(minutes=1))
    arrived = make_ticket(visit_for="appointment", name="Booked")
    case = make_case()
    booked = bookings.book(case.id, worker, STORED.MID_SESSION, worker)
    visits.match_appointment(arrived.id, booked.id, worker)
    # The other keyworker's Call next passes the appointment over and takes the walk-in.
    assert call_next(working_session(), other).id == walk_in.id
    assert call_next(working_session(), worker).id == arrived.id


def test_a_visitor_asked_for_by_name_waits_for_that_keyworker_unless_they_are_away(app, clock, worker):
    away = make_staff("keyworker")  # no room or desk this session
    other = make_staff("keyworker")
    choose_room(working_session(), other, Room.get(Room.name == "Room 3").id)
    for_worker = make_ticket(name="ForWorker")
    hand_to(for_worker.id, worker.id)
    for_away = make_ticket(name="ForAway")
    hand_to(for_away.id, away.id)
    assert [t.id for t in waiting(working_session(), other)] == [for_away.id]
    called = call_next(working_session(), other)
    assert called.id == for_away.id  # their keyworker is away: anyone may take them
    move(called.id, "finish", other)
    with pytest.raises(Refused, match="Nobody is waiting for you: everyone waiting is waiting for another"):
        call_next(working_session(), other)  # the one left waits for a keyworker who is at a desk
    assert call_next(working_session(), worker).id == for_worker.id


def test_handing_to_anyone_again_and_to_someone_who_cannot_take_casework(app, worker):
    ticket = make_ticket()
    hand_to(ticket.id, worker.id)
    assert hand_to(ticket.id, 0)[1] is None and Ticket.get_by_id(ticket.id).requested_staff_id is None
    with pytest.raises(Refused, match="Choose a keyworker"):
        hand_to(ticket.id, make_staff("reception").id)
