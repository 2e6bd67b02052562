"""The queue's changes: check-in and the ticket number, Call next, and every state change of a ticket.

Each change owns its transaction and bumps the office's queue version (dropin/live.py). What the screens
read of the queue, Call next's order among it, is in dropin/reads.py.
"""
import secrets

from peewee import IntegrityError

from ..cases.models import TicketLink
from ..cases.visits import record_visit
from ..clock import utcnow
from ..db import database
from ..errors import CheckInClosed, NotFound, Refused, StaleTicket
from ..offices.models import current_office_id, works_at
from ..people.models import CASEWORKERS, StaffUser
from ..transactions import write_transaction
from . import live
from .models import AFTER_CLOSE, NEEDS, VISIT_FOR, DeskAssignment, DropInSession, Room, Ticket
from .reads import current_visitor, desk_room, waiting_query
from .sessions import checkin_session, saved

# action: (states it may start from, state it leaves the ticket in)
ACTIONS = {
    "call": (("waiting", "called"), "called"),
    "start": (("called",), "in_progress"),
    "finish": (("called", "in_progress"), "done"),
    "no_show": (("called",), "no_show"),
    # Also the undo of every way of leaving the queue but being seen: they keep their place.
    "requeue": (("called", "no_show", "in_progress", "left", "cancelled"), "waiting"),
    "cancel": (("waiting", "called"), "cancelled"),
    "left": (("waiting", "called"), "left"),
}
# Actions no keyworker's desk shows but the one whose visitor it is (see live.bump): the ticket was called
# and is not waiting before or after. A finish is one too when its ticket is linked to no case or family record.
DESKS_UNCHANGED = {"start", "finish", "no_show"}
ACTION_VERBS = {
    "call": "called", "start": "started", "finish": "finished", "no_show": "marked as a no-show",
    "requeue": "put back to waiting", "cancel": "cancelled", "left": "marked as left",
}


def _clean_needs(needs):
    codes = [code for code in needs or () if code in NEEDS]  # an empty form gives None
    return ",".join(dict.fromkeys(codes))


def check_in(visit_for, needs=(), name=None, request_key=None, source="kiosk",
             priority=False, session=None, now=None, language="en"):
    """Give the visitor the next number in the session taking check-ins.

    A repeated request_key returns the ticket the first request made, so a
    double tap or a resubmitted form never makes two tickets.
    """
    if visit_for not in VISIT_FOR:
        raise Refused("Choose who the visit is for.")
    now = now or utcnow()
    with write_transaction():
        if request_key:
            # Nearly always a new key: ask for the id alone, and load the ticket only for a repeat.
            existing = Ticket.select(Ticket.id).where(Ticket.request_key == request_key).scalar()
            if existing:
                return Ticket.get_by_id(existing)
        live.bump(session.office_id if session is not None else None)
        session = session or checkin_session(now)
        if session is None:
            raise CheckInClosed("Check-in is closed just now.")
        session = saved(session)
        # Read the counter under the write lock: a session passed in (a walk-in) was loaded before it.
        model = type(session)
        number = model.select(model.last_number).where(model.id == session.id).scalar() + 1
        model.update(last_number=number).where(model.id == session.id).execute()
        session.last_number = number
        try:
            with database.atomic():
                return Ticket.create(
                    session=session, number=number, token=secrets.token_urlsafe(24),
                    request_key=request_key or None, visit_for=visit_for,
                    needs=_clean_needs(needs), name=(name or "").strip() or None,
                    source=source, priority=priority, created_at=now, language=language)
        except IntegrityError:
            # Only a request_key racing itself lands here; the other request holds the ticket.
            existing = Ticket.get_or_none(Ticket.request_key == request_key)
            if existing:
                return existing
            raise


def choose_room(session, staff, room_id):
    room = Room.get_or_none((Room.id == room_id) & Room.active & (Room.office == session.office_id))
    if room is None:
        raise Refused("Choose one of the rooms on the list.")
    with write_transaction():
        live.bump(session.office_id)
        session = saved(session)
        (DeskAssignment.insert(session=session, staff=staff, room=room)
         .on_conflict(conflict_target=[DeskAssignment.session, DeskAssignment.staff],
                      update={DeskAssignment.room: room.id})
         .execute())
    return room


def call_next(session, staff, now=None):
    """Call the ticket that should be seen next to this worker's room.

    The version bump comes first, so the transaction holds the write lock
    before it reads the queue: two workers pressing at once are served one
    after the other and never get the same visitor.
    """
    now = now or utcnow()
    if session is None or session.id is None:
        raise Refused("Nobody is waiting.")
    with write_transaction():
        live.bump(session.office_id)
        room = desk_room(session, staff)
        if room is None:
            raise Refused("Choose your room or desk first.")
        mine = current_visitor(session, staff)
        if mine is not None:
            raise Refused(f"You still have {mine.number}: press Done or No-show first.")
        ticket = waiting_query(session.id, staff.id).first()
        if ticket is None:
            if Ticket.select().where((Ticket.session == session) & (Ticket.state == "waiting")).exists():
                raise Refused("Nobody is waiting for you: everyone waiting is waiting for another keyworker.")
            raise Refused("Nobody is waiting.")
        _apply(ticket, "call", staff, room, None, now)
    return ticket


def move(ticket_id, action, staff, expected_state=None, room_id=None, outcome=None, now=None):
    """Apply a reception or desk action to a ticket, refusing it if the ticket has moved on."""
    if action not in ACTIONS:
        raise Refused("That action is not recognised.")
    now = now or utcnow()
    with write_transaction():
        live.bump(desks=action not in DESKS_UNCHANGED)
        ticket = _ticket_here(ticket_id)
        allowed_from, _ = ACTIONS[action]
        if expected_state and ticket.state != expected_state:
            raise StaleTicket(_moved_message(ticket))
        if ticket.state not in allowed_from:
            raise Refused(f"Ticket {ticket.number} is {ticket.state_label.lower()}: it cannot be "
                          f"{ACTION_VERBS[action]} now.")
        room = None
        if action == "call":
            if room_id:
                room = Room.get_or_none((Room.id == room_id) & Room.active & (Room.office == current_office_id()))
                if room is None:
                    raise Refused("Choose one of the rooms on the list.")
            room = room or desk_room(ticket.session, staff) or ticket.room
            if room is None:
                raise Refused("Choose a room or desk to call them to.")
        if action == "finish" and TicketLink.select().where(TicketLink.ticket == ticket.id).exists():
            live.bump_desks()  # a case's contact log or an appointment seen: other desks may show them
        _apply(ticket, action, staff, room, outcome, now)
    return ticket


def hand_to(ticket_id, staff_id, expected_state=None):
    """Reception hands a waiting visitor to a named keyworker (or back to anyone): others' Call next
    passes them over while that keyworker is at a desk."""
    with write_transaction():
        ticket = _waiting_ticket(ticket_id, expected_state)
        worker = None
        if staff_id:
            worker = StaffUser.get_or_none((StaffUser.id == staff_id) & StaffUser.active
                                           & StaffUser.role.in_(CASEWORKERS) & works_at(StaffUser.id, current_office_id()))
            if worker is None:
                raise Refused("Choose a keyworker from the list: a keyworker who works at this office.")
        ticket.requested_staff = worker
        ticket.save(only=[Ticket.requested_staff])
    return ticket, worker


def set_priority(ticket_id, priority, expected_state=None):
    with write_transaction():
        live.bump()
        ticket = _ticket_here(ticket_id)
        if expected_state and ticket.state != expected_state:
            raise StaleTicket(_moved_message(ticket))
        if ticket.state not in ("waiting", "called"):
            raise Refused(f"Ticket {ticket.number} is {ticket.state_label.lower()}: priority no longer applies.")
        ticket.priority = priority
        ticket.save(only=[Ticket.priority])
    return ticket


def decide_after_close(ticket_id, decision, expected_state=None, now=None):
    """Reception's word for someone still waiting when the session has ended: seen today all the same
    (they stay in the queue), or asked to come back, or given an appointment (they leave it)."""
    if decision not in AFTER_CLOSE:
        raise Refused("That action is not recognised.")
    now = now or utcnow()
    with write_transaction():
        ticket = _waiting_ticket(ticket_id, expected_state)
        if now < ticket.session.ends_at:
            raise Refused("The drop-in has not ended yet: this is for people still waiting after the end.")
        ticket.after_close = decision
        if decision != "seen_late":
            ticket.state, ticket.finished_at = "cancelled", now
        ticket.save()
    return ticket


def _waiting_ticket(ticket_id, expected_state):
    """Inside a write transaction: a waiting ticket of this office, the queue's version bumped, or a refusal."""
    live.bump()
    ticket = _ticket_here(ticket_id)
    if expected_state and ticket.state != expected_state:
        raise StaleTicket(_moved_message(ticket))
    if ticket.state != "waiting":
        raise Refused(f"Ticket {ticket.number} is {ticket.state_label.lower()}, not waiting.")
    return ticket


def _ticket_here(ticket_id):
    """A ticket of this office's queue; another office's tickets are not there to act on."""
    ticket = (Ticket.select(Ticket).join(DropInSession)
              .where((Ticket.id == ticket_id) & (DropInSession.office == current_office_id())).first())
    if ticket is None:
        raise NotFound("That ticket no longer exists.")
    return ticket


def _moved_message(ticket):
    who = f" by {ticket.called_by.display_name}" if ticket.called_by_id and ticket.state != "waiting" else ""
    return f"Ticket {ticket.number} has just been {ticket.state_label.lower()}{who}. The queue has been refreshed."


def _apply(ticket, action, staff, room, outcome, now):
    _, new_state = ACTIONS[action]
    ticket.state = new_state
    if action == "call":
        ticket.room = room
        ticket.called_by = staff
        ticket.called_at = now
        ticket.call_count += 1
    elif action == "start":
        ticket.started_at = now
    elif action == "finish":
        ticket.started_at = ticket.started_at or now
        ticket.finished_at = now
        ticket.outcome = (outcome or "").strip() or None
        record_visit(ticket, staff, ticket.outcome, now)
    elif action in ("no_show", "cancel", "left"):
        ticket.finished_at = now
    elif action == "requeue":
        ticket.room = None
        ticket.called_by = None
        ticket.started_at = None
        ticket.finished_at = None
        ticket.after_close = None
    ticket.save()


def ticket_by_id(ticket_id, required=True):
    """A ticket of this office's queue by its id; another office's, like a missing one, is refused
    with a 404, or None when not `required`."""
    try:
        return _ticket_here(ticket_id)
    except NotFound:
        if required:
            raise
        return None
