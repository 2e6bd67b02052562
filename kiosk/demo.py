"""Demo data for trying the app: staff, and a session in progress with tickets in every state."""
import os
import secrets
import socket
from datetime import date, timedelta
from pathlib import Path

from .cases.models import ActionPlanItem, Appointment, Case, ContactEntry, FamilyMember, SafetyFlag, TicketLink
from .clock import utcnow
from .demo_history import past_dropins
from .demo_year import throughcare_year
from .dropin import devices, live
from .dropin.models import DeskAssignment, DropInSession, Room, Ticket
from .dropin.sessions import saved, working_session
from .people.accounts import create_user
from .people.models import StaffUser
from .transactions import write_transaction

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


def load_demo(base_url=None):
    """Fill the demo database. Returns lines for the person to read (accounts, enrolment links)."""
    now = utcnow()
    lines = []
    for username, name, role in STAFF:
        if not StaffUser.get_or_none(StaffUser.username == username):
            create_user(username, name, role, DEMO_PASSWORD)
            lines.append(f"Staff: {username} ({role}), password {DEMO_PASSWORD}")
    keyworkers = list(StaffUser.select().where(StaffUser.role == "keyworker").order_by(StaffUser.id).limit(3))
    rooms = list(Room.in_use())
    with write_transaction():
        live.bump()
        session = working_session(now)
        if session is not None and session.ends_at > now:
            session = saved(session)
        else:
            session = DropInSession.create(starts_at=now - timedelta(minutes=40), opens_at=now - timedelta(minutes=55),
                                           ends_at=now + timedelta(hours=2), extra=True)
        if Ticket.select().where(Ticket.session == session).exists():
            return lines + ["The current session already has tickets; left as it is."] + demo_device_links(base_url)
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
        made = _demo_cases(session, keyworkers, now)
        history = past_dropins([session.office_id], keyworkers, now)
    lines.append(f"Session in progress with {len(TICKETS)} tickets, numbers 1 to {number}.")
    lines.append(f"{made} cases, some linked to tickets in the queue.")
    lines.append(f"{history} tickets at the drop-ins of the last 26 weeks, for the reports.")
    return lines + demo_device_links(base_url)


def demo_device_links(base_url=None):
    """One-time links that make a browser the demo kiosk or display (valid for a day)."""
    base = (base_url or served_at(os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))).rstrip("/")
    lines = []
    for kind, name in (("kiosk", "Demo kiosk"), ("display", "Demo display")):
        _, code = devices.make_link(name, kind, None, valid=timedelta(days=1))
        lines.append(f"Open once in the browser to use as the {kind}: {base}/enrol/{code}")
    return lines


def served_at(host, port):
    """The address another device (the tablet, the wall screen) opens to reach this server.

    Served on every interface (0.0.0.0), that is this computer's own address on the office
    network, not 0.0.0.0, which no browser can open: the first non-loopback IPv4 address
    the computer's name resolves to, else the name itself.
    """
    if host in ("0.0.0.0", "::", ""):
        name = socket.gethostname()
        try:
            found = {info[4][0] for info in socket.getaddrinfo(name, None, socket.AF_INET)}
        except OSError:
            found = set()
        usable = sorted(a for a in found if not a.startswith("127."))
        host = usable[0] if usable else name
    return f"http://{host}:{port}"


def is_demo_database(config):
    """Demo accounts have a published password: they go only into the demo's own database (or a test's)."""
    if config.get("TESTING"):
        return True
    return (not config.get("DATABASE_URL")
            and Path(config["SQLITE_PATH"]).resolve() == Path(config["DEMO_SQLITE_PATH"]).resolve())


# name on ticket: (reference, full name, date of birth, release date, establishment)
CASES = {
    "Lorraine": ("GTC-0101", "Lorraine Kerr", date(1984, 3, 12), -40, "HMP Greenock"),
    "Mo": ("GTC-0102", "Mohammed Aziz", date(1991, 7, 2), -200, "HMP Barlinnie"),
    "Chris": ("GTC-0103", "Christopher Boyle", date(1979, 11, 30), -20, "HMP Low Moss"),
    "Stevie": ("GTC-0104", "Steven McAllister", date(1995, 1, 18), 30, "HMP Barlinnie"),
    "Paula": ("GTC-0105", "Paula Devine", date(1988, 9, 9), -350, "HMP Stirling"),
}


def _demo_cases(session, keyworkers, now):
    """Cases behind some of the demo tickets: plans, contacts, a family member, flags, an appointment."""
    if Case.select().exists():
        return 0
    today = now.date()
    cases = {}
    for i, (ticket_name, (ref, name, born, release_in, establishment)) in enumerate(CASES.items()):
        worker = keyworkers[i % len(keyworkers)]
        case = Case.create(reference=ref, name=name, preferred_name=ticket_name, date_of_birth=born,
                           phone=f"07700 900{100 + i}", address=f"{10 + i} Argyle Street\nGlasgow G2 8AG",
                           establishment=establishment, sentence_under_four_years=True, statutory_order=False,
                           release_date=today + timedelta(days=release_in), release_date_confirmed=release_in < 0,
                           referral_source="self", referral_date=today - timedelta(days=90), consent_date=today - timedelta(days=80),
                           consent_recorded_by=worker, status="active", keyworker=worker)
        ActionPlanItem.create(case=case, area="accommodation", goal="Settled tenancy", owner="Keyworker and housing officer",
                              actions="Homeless application; follow up with the council", status="in_progress",
                              review_date=today + timedelta(days=i - 1))
        ActionPlanItem.create(case=case, area="money", goal="Universal Credit in payment", status="not_started",
                              review_date=today + timedelta(days=7 + i))
        if i % 2 == 0:
            ContactEntry.create(case=case, kind="prison_visit", happened_at=now - timedelta(days=30 + i), staff=worker,
                                summary="Pre-release visit; agreed the plan.")
        cases[ticket_name] = case
    FamilyMember.create(case=cases["Chris"], name="Margaret Boyle", relationship="Mother", phone="0141 496 0000",
                        consent_date=today - timedelta(days=60), link_consent_family=True, link_consent_person=True,
                        in_custody="Christopher Boyle", prison="HMP Low Moss")
    SafetyFlag.create(case=cases["Chris"], kind="keep_apart", other_case=cases["Stevie"], note="Co-accused")
    SafetyFlag.create(case=cases["Lorraine"], kind="two_workers", note="Two workers for home visits")
    mo = Ticket.get((Ticket.session == session) & (Ticket.name == "Mo"))
    appointment = Appointment.create(case=cases["Mo"], keyworker=mo.called_by, starts_at=mo.created_at, status="arrived",
                                     ticket=mo)
    Appointment.create(case=cases["Paula"], keyworker=keyworkers[0], starts_at=now + timedelta(minutes=30))
    for ticket in Ticket.select().where((Ticket.session == session) & Ticket.name.in_(list(cases))):
        TicketLink.create(ticket=ticket, case=cases[ticket.name], linked_at=ticket.created_at,
                          appointment=appointment if ticket.id == mo.id else None)
    # Ally came in about her partner inside: her ticket is linked to her own family record, not to any case.
    ally = Ticket.get_or_none((Ticket.session == session) & (Ticket.name == "Ally"))
    if ally is not None:
        alison = FamilyMember.create(name="Alison Reid", relationship="Partner", phone="07700 900311",
                                     consent_date=today - timedelta(days=14), in_custody="Her partner Jamie",
                                     prison="HMP Barlinnie")
        TicketLink.create(ticket=ally, family_member=alison, linked_at=ally.created_at)
    return len(cases) + throughcare_year(cases, keyworkers[0], now)
