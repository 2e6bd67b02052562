"""What the queue's screens read: the waiting list in Call next's order, each desk's room and visitor, the
session's tickets, a visitor's ticket by its token, and the wall display's board.

Every screen reads these again after each change (dropin/live.py): the SQL is built once, and what all of an
office's desks share is read once per poll key. The changes themselves are in dropin/queue.py.
"""
from datetime import timedelta

from peewee import JOIN, SQL, Case, fn

from ..cases.models import TicketLink
from ..clock import utcnow
from ..offices.models import current_office_id
from ..people.models import StaffUser
from . import live
from .live import select_prepared
from .models import DeskAssignment, DropInSession, Room, Ticket


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
        return select_prepared(Ticket, "waiting", waiting_query, session_id=session.id)
    return select_prepared(Ticket, "waiting-for-worker", waiting_query, session_id=session.id, staff_id=staff.id)


def waiting_query(session_id, staff_id=None):
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
        waiting_count = live.fetch_one(sql, params)[0]
    now_calling = calls[0] if calls and calls[0].state == "called" else None
    recent = calls[1:] if now_calling else calls[:RECENT_CALLS]
    return {"now_calling": now_calling, "recent": recent, "waiting_count": waiting_count}
