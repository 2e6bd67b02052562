"""Demo data for trying the app: staff, and a session in progress with tickets in every state."""
import secrets
from datetime import timedelta

from .auth import create_user
from .db import write_transaction
from .models import DeskAssignment, DropInSession, QueueState, Room, StaffUser, Ticket
from .schedule import utcnow
from .sessions import saved, staff_session

DEMO_PASSWORD = "drop-in-demo-2026"
STAFF = [
    ("manager", "Morag Campbell", "manager"),
    ("reception", "Rab Duncan", "reception"),
    ("aileen", "Aileen MacLeod", "keyworker"),
    ("jamal", "Jamal Hussain", "keyworker"),
    ("kirsty", "Kirsty Brown", "keyworker"),
]
# minutes ago checked in, state, name, visit for, needs, minutes with staff so far
TICKETS = [
    (38, "done", "Dougie", "self", "housing,money", 14),
    (35, "done", "J.M.", "family", "visits", 9),
    (33, "no_show", "Sean", "self", "health", None),
    (30, "done", None, "info", "", 6),
    (27, "in_progress", "Lorraine", "self", "drugs_alcohol,health", 12),
    (24, "left", "T.K.", "self", "work", None),
    (21, "in_progress", "Mo", "appointment", "money", 5),
    (18, "called", "Ally", "family", "family,visits", None),
    (15, "cancelled", None, "info", "", None),
    (12, "waiting", "Chris", "self", "housing", None),
    (9, "waiting", "A.B.", "appointment", "", None),
    (7, "waiting", None, "family", "visits", None),
    (4, "waiting", "Paula", "self", "money,work", None),
    (1, "waiting", "Stevie", "self", "drugs_alcohol", None),
]


def load_demo():
    now = utcnow()
    lines = []
    for username, name, role in STAFF:
        if not StaffUser.get_or_none(StaffUser.username == username):
            create_user(username, name, role, DEMO_PASSWORD)
            lines.append(f"Staff: {username} ({role}), password {DEMO_PASSWORD}")
    keyworkers = list(StaffUser.select().where(StaffUser.role == "keyworker").order_by(StaffUser.id).limit(3))
    rooms = list(Room.in_use())
    with write_transaction():
        QueueState.bump()
        session = staff_session(now)
        if session is not None and session.ends_at > now:
            session = saved(session)
        else:
            session = DropInSession.create(starts_at=now - timedelta(minutes=40), opens_at=now - timedelta(minutes=55),
                                           ends_at=now + timedelta(hours=2), extra=True)
        if Ticket.select().where(Ticket.session == session).exists():
            return lines + ["The current session already has tickets; left as it is."]
        desks = list(zip(keyworkers, rooms))
        for worker, room in desks:
            DeskAssignment.get_or_create(session=session, staff=worker, defaults={"room": room})
        busy = iter(desks * 3)
        number = session.last_number
        for ago, state, name, visit_for, needs, with_staff in TICKETS:
            number += 1
            created = now - timedelta(minutes=ago)
            ticket = Ticket(session=session, number=number, token=secrets.token_urlsafe(24), state=state,
                            name=name, visit_for=visit_for, needs=needs, created_at=created)
            if state in ("called", "in_progress", "done", "no_show"):
                worker, room = next(busy)
                ticket.called_by, ticket.room, ticket.call_count = worker, room, 1
                ticket.called_at = created + timedelta(minutes=3)
                if with_staff is not None:
                    ticket.started_at = ticket.called_at + timedelta(minutes=1)
                if state == "done":
                    ticket.finished_at = ticket.started_at + timedelta(minutes=with_staff)
                    ticket.outcome = "Talked through options; next steps agreed."
            if state in ("no_show", "left", "cancelled"):
                ticket.finished_at = created + timedelta(minutes=8)
            ticket.save(force_insert=True)
        session.last_number = number
        session.save()
    lines.append(f"Session in progress with {len(TICKETS)} tickets, numbers 1 to {number}.")
    return lines
