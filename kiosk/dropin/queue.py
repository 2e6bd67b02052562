"""The queue: check-in and the ticket number, Call next's order, and every state change of a ticket.

Each change owns its transaction and bumps the office's queue version (dropin/live.py).
"""
import secrets
from datetime import timedelta

from peewee import JOIN, SQL, Case, IntegrityError, fn

from ..cases.models import TicketLink
from ..cases.visits import record_visit
from ..clock import utcnow
from ..db import database
from ..errors import CheckInClosed, NotFound, Refused, StaleTicket
from ..offices.models import current_office_id, works_at
from ..people.models import CASEWORKERS, StaffUser
from ..transactions import write_transaction
from . import live
from .live import select_prepared
from .models import AFTER_CLOSE, NEEDS, VISIT_FOR, DeskAssignment, DropInSession, Room, Ticket
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


def call_order(staff=None):
    """Priority first, then appointments and people asking for this worker (a StaffUser or its id),
    then longest wait."""
    staff_id = getattr(staff, "id", staff)
    asked_for_me = (Ticket.requested_staff == staff_id) if staff_id is not None else False
    return [
        Ticket.priority.desc(),
        Case(None, [((Ticket.visit_for == "appointment") | asked_for_me, 0)], 1),
        # Someone asking for a particular worker waits for them before others take them.
        Case(None, [(Ticket.requested_staff.is_null(False), 1)], 0),
        Ticket.created_at,
        Ticket.id,
    ]


def callable_by(session_id, staff_id):
    """Tickets this worker's Call next may take: nobody asked for, asked for them, or asked for someone
    who is away (no room or desk in this drop-in session). An arrived appointment asks for its keyworker."""
    at_desks = DeskAssignment.select(DeskAssignment.staff).where(DeskAssignment.session == session_id)
    return (Ticket.requested_staff.is_null() | (Ticket.requested_staff == staff_id)
            | Ticket.requested_staff.not_in(at_desks))


def waiting(session, staff=None):
    if session is None or session.id is None:
        return []
    # Every desk and queue screen runs this after each change: SQL built once per shape.
    if staff is None:
        return select_prepared(Ticket, "waiting", _waiting_query, session_id=session.id)
    return select_prepared(Ticket, "waiting-for-worker", _waiting_query, session_id=session.id, staff_id=staff.id)


def _waiting_query(session_id, staff_id=None):
    """Everyone waiting in call order; for a worker, those their Call next may take."""
    query = Ticket.select().where((Ticket.session == session_id) & (Ticket.state == "waiting"))
    if staff_id is not None:
        query = query.where(callable_by(session_id, staff_id))
    return query.order_by(*call_order(staff_id))


DESK_WAITING_SHOWN = 8  # the desk lists the first few its Call next may take, and says how many in all


def waiting_at_desk(session, staff):
    """(the first DESK_WAITING_SHOWN tickets this worker's Call next may take, in call order; how many it may
    take in all). Every desk reads this after each change: one query, SQL built once, the count alongside the
    rows and only the columns the desk shows, however long the queue."""
    if session is None or session.id is None:
        return [], 0
    shown = select_prepared(Ticket, "waiting-at-desk", _waiting_at_desk_query, session_id=session.id,
                            staff_id=staff.id)
    return shown, (shown[0].waiting_count if shown else 0)


def _waiting_at_desk_query(session_id, staff_id):
    return (Ticket.select(Ticket.id, Ticket.number, Ticket.name, Ticket.visit_for, Ticket.needs, Ticket.priority,
                          Ticket.created_at, fn.COUNT(SQL("*")).over().alias("waiting_count"))
            .where((Ticket.session == session_id) & (Ticket.state == "waiting") & callable_by(session_id, staff_id))
            .order_by(*call_order(staff_id)).limit(DESK_WAITING_SHOWN))


def rooms_in_use():
    """The office's rooms in use, in their order, for the queue's and the desk's room lists. Every screen asks
    after each change: SQL built once, and read once per poll key for all of them (live.per_poll_key)."""
    return live.per_poll_key("rooms_in_use", lambda: select_prepared(
        Room, "rooms-in-use", lambda office: Room.in_use(office), office=current_office_id()))


def current_visitor(session, staff):
    """The ticket this worker has called or is seeing, if any."""
    if session is None or session.id is None:
        return None
    mine = select_prepared(Ticket, "current-visitor", _current_visitor_query, session_id=session.id, staff_id=staff.id)
    return mine[0] if mine else None


def current_visitor_and_link(session, staff):
    """(the ticket this worker has called or is seeing, or None; its TicketLink to a case or family record, or
    None). Every keyworker's desk asks after each change: read for all the
    office's desks at once, once per poll key (_for_every_desk)."""
    if session is None or session.id is None:
        return None, None
    return _for_every_desk(session, "desk_visitors", _desk_visitors).get(staff.id, (None, None))


def _desk_visitors(session):
    """Each keyworker's current visitor in this session, the one they called last that is still called or with
    them (as current_visitor), and what its ticket is linked to, by keyworker; in one read."""
    rows = select_prepared(Ticket, "desk-visitors", lambda session_id: (
        Ticket.select(Ticket, TicketLink)
        .join(TicketLink, JOIN.LEFT_OUTER, on=(TicketLink.ticket == Ticket.id), attr="desk_link")
        .where((Ticket.session == session_id) & Ticket.called_by.is_null(False)
               & Ticket.state.in_(("called", "in_progress")))
        .order_by(Ticket.called_at.desc())), session_id=session.id)
    visitors = {}
    for ticket in rows:
        if ticket.called_by_id not in visitors:
            link = getattr(ticket, "desk_link", None)
            visitors[ticket.called_by_id] = (ticket, link if link is not None and link.id is not None else None)
    return visitors


def _for_every_desk(session, name, compute):
    """`compute(session)`, a value for all the office's desks: read once per office and poll key while live
    fragments are drawn for this session (live.per_poll_key_within), else afresh."""
    return live.per_poll_key_within(name, session.id, lambda: compute(session))


def _current_visitor_query(session_id, staff_id):
    return (Ticket.select().where((Ticket.session == session_id) & (Ticket.called_by == staff_id)
                                  & Ticket.state.in_(("called", "in_progress")))
            .order_by(Ticket.called_at.desc()).limit(1))


def desk_room(session, staff):
    """The room or desk this worker calls people to in this drop-in session, if they chose one."""
    if session is None or session.id is None:
        return None
    # Every desk drawn after a change asks: the office's desks are read at once, once per poll key.
    return _for_every_desk(session, "desk_rooms", _desk_rooms).get(staff.id)


def _desk_rooms(session):
    """The room each keyworker chose in this session, by keyworker, in one read."""
    rows = select_prepared(DeskAssignment, "desk-rooms", lambda session_id: (
        DeskAssignment.select(DeskAssignment.staff, Room).join(Room, on=(DeskAssignment.room == Room.id), attr="room")
        .where(DeskAssignment.session == session_id)), session_id=session.id)
    return {row.staff_id: row.room for row in rows}


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
        ticket = _waiting_query(session.id, staff.id).first()
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
        live.bump()
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


def session_tickets(session):
    """Every ticket of the session with its room and caller, in one query."""
    if session is None or session.id is None:
        return []
    # Every queue drawn after a change reads these: SQL built once.
    return select_prepared(Ticket, "session-tickets", _session_tickets_query, session_id=session.id)


def _session_tickets_query(session_id):
    caller = StaffUser.alias()
    # Only what the screens show of the room and the caller: every poll that renders loads these
    # rows, and a whole staff row (password hash, two-factor secrets) per ticket is cost and risk.
    return (Ticket.select(Ticket, Room.id, Room.name, caller.id, caller.display_name)
            .join_from(Ticket, Room, JOIN.LEFT_OUTER, on=(Ticket.room == Room.id), attr="room")
            .join_from(Ticket, caller, JOIN.LEFT_OUTER, on=(Ticket.called_by == caller.id), attr="called_by")
            .where(Ticket.session == session_id).order_by(Ticket.number))


TICKET_PAGE_LIFE = timedelta(days=7)


def ticket_by_token(token):
    """The ticket a QR code or a kiosk's ticket page names, with its drop-in session, or None.

    Every visitor's phone asks for its ticket every few seconds: SQL built once, two indexed reads.
    """
    if len(token) > 64:
        return None
    found = select_prepared(Ticket, "ticket-by-token", lambda token: Ticket.select().where(Ticket.token == token),
                            token=token)
    if not found:
        return None
    ticket = found[0]
    ticket.session = select_prepared(DropInSession, "dropin-session-by-id",
                                     lambda session_id: DropInSession.select().where(DropInSession.id == session_id),
                                     session_id=ticket.session_id)[0]
    if ticket.session.ends_at <= ticket_pages_since():
        return None  # a week after its drop-in, a ticket's address leads nowhere
    return ticket


def ticket_pages_since(now=None):
    """Tickets of drop-ins that ended before this are no longer shown at their address."""
    return (now or utcnow()) - TICKET_PAGE_LIFE


def ticket_by_id(ticket_id, required=True):
    """A ticket of this office's queue by its id; another office's, like a missing one, is refused
    with a 404, or None when not `required`."""
    try:
        return _ticket_here(ticket_id)
    except NotFound:
        if required:
            raise
        return None


RECENT_CALLS = 5


def board(session):
    """What the wall screen shows: the number now being called, the last few calls, how many wait."""
    calls, waiting_count = [], 0
    if session is not None and session.id is not None:
        # Drawn once per change for every display of the office: SQL built once.
        calls = select_prepared(Ticket, "board-calls", lambda session_id: (
            Ticket.select(Ticket.id, Ticket.number, Ticket.state, Ticket.called_at, Ticket.call_count, Room.name)
            .join(Room)
            .where((Ticket.session == session_id) & Ticket.called_at.is_null(False)
                   & Ticket.state.in_(("called", "in_progress", "done")))
            .order_by(Ticket.called_at.desc()).limit(RECENT_CALLS + 1)), session_id=session.id)
        sql, params = live.prepared("board-waiting", lambda session_id: Ticket.select(fn.COUNT(Ticket.id)).where(
            (Ticket.session == session_id) & (Ticket.state == "waiting")), session_id=session.id)
        waiting_count = database.execute_sql(sql, params).fetchone()[0]
    now_calling = calls[0] if calls and calls[0].state == "called" else None
    recent = calls[1:] if now_calling else calls[:RECENT_CALLS]
    return {"now_calling": now_calling, "recent": recent, "waiting_count": waiting_count}
