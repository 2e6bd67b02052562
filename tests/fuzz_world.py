"""The world a fuzzing test function meets: staff, a session in progress, cases and devices; browsers
for each role and device; every table's rows to compare before and after a request; each example's
transaction undone after it; and the rules every stored value keeps."""
from contextlib import contextmanager
from datetime import date, datetime

import pyotp
from peewee import SQL, CharField, TextField, fn

from kiosk.people import two_factor
from kiosk.cases.models import (
    APPOINTMENT_STATUSES, CASE_STATUSES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS, PLAN_AREAS, PLAN_STATUSES, REFERRAL_SOURCES, ActionPlanItem, Appointment, Case, ContactEntry, SafetyFlag,
)
from kiosk.cases.models import FAMILY_CONTACT_KINDS, FamilyContact
from kiosk.cases import bookings
from kiosk.cases.families import add_family_member, withdraw_consent
from kiosk.cases.services import add_flag, add_plan_item
from kiosk.cases.visits import link_family_ticket, link_ticket
from kiosk.db import database, is_sqlite
from kiosk.dropin.devices import COOKIES, KINDS
from kiosk.migrations import MODELS
from kiosk.dropin.models import NEEDS, STATES, VISIT_FOR, Device, Room, Ticket
from kiosk.people.models import ROLES, StaffUser
from kiosk.dropin.queue import call_next, choose_room, move, set_priority
from kiosk.dropin.sessions import working_session

from .factories import PASSWORD, enrol_device, make_case, make_staff, make_ticket
from .isolation import own_g_per_request


class World:
    """The records a fuzzed request can point at, and browsers for each role and device."""

    def __init__(self, app, clock, empty=False):
        self.app, self.clock = app, clock
        own_g_per_request(app)  # each request its own flask.g, as served
        # Rate limits are their own tests; here they would stop requests before the form.
        app.config.update(LOGIN_LIMIT_PER_ACCOUNT="1000000 per minute", LOGIN_LIMIT_PER_ADDRESS="1000000 per minute",
                          KIOSK_CHECKIN_LIMIT="1000000 per minute", LOGIN_FREE_TRIES=1000000,
                          LOGIN_ATTACK_FAILURES=1000000)
        if is_sqlite():
            # Durability is not under test here: skip the fsyncs of seeding and of the set-up between examples.
            database.execute_sql("PRAGMA synchronous = OFF")
        self.clients = {}
        self.drawn = {}
        self.totp_secret = None
        self.link_code = None
        if not empty:
            self._seed()
        self.snapshot = Snapshot()

    def _seed(self):
        self.manager = make_staff("manager", "boss", "Morag Boss")
        self.reception = make_staff("reception", "rab", "Rab Duncan")
        self.keyworker = make_staff("keyworker", "aileen", "Aileen MacLeod")
        self.other = make_staff("keyworker", "jamal", "Jamal Hussain")
        self.two_factor = make_staff("keyworker", "kirsty", "Kirsty Brown")
        secret = pyotp.random_base32()
        two_factor.confirm(self.two_factor, secret, pyotp.TOTP(secret).now())
        self.two_factor_secret = secret
        rooms = {r.name: r.id for r in Room.select()}
        tickets = [make_ticket("self", ["housing"], "Zara"), make_ticket("family", ["visits"], "Iain"),
                   make_ticket("appointment", [], "Mei"), make_ticket("self", ["money", "health"], "Rory"),
                   make_ticket("info", [], None), make_ticket("self", [], "Siobhán", request_key="f" * 32)]
        session = working_session()
        choose_room(session, self.keyworker, rooms["Room 2"])
        call_next(session, self.keyworker)  # Zara, called
        move(tickets[1].id, "call", self.other, room_id=rooms["Room 3"])
        move(tickets[1].id, "start", self.other)
        move(tickets[1].id, "finish", self.other, outcome="Visit forms done")
        set_priority(tickets[3].id, True)
        first = make_case(self.keyworker, keyworker=self.keyworker, reference="GTC-0001")
        second = make_case(self.keyworker, name="Sam Reid", reference="GTC-0002", status="referred")
        add_plan_item(first.id, {"area": "accommodation", "goal": "A tenancy", "review_date": date(2026, 12, 1)},
                      self.keyworker)
        member = add_family_member({"name": "Jean Morgan", "relationship": "Mother", "link_consent_family": True,
                                    "link_consent_person": True}, self.keyworker, first.id)
        # A family record made without a case, and one whose consent was withdrawn.
        add_family_member({"name": "Rose Duffy", "relationship": "Mother", "phone": "0141 496 0300",
                           "consent_date": date(2026, 10, 1), "in_custody": "Her son Ryan",
                           "prison": "HMP Low Moss"}, self.reception)
        gone = add_family_member({"name": "Ann Kerr", "relationship": "Aunt", "consent_date": date(2026, 9, 1)},
                                 self.reception, second.id)
        withdraw_consent(gone.id, date(2026, 11, 2), self.reception)
        bookings.book(first.id, self.keyworker, datetime(2026, 11, 23, 14, 0), self.reception, note="Benefits")
        add_flag(first.id, "keep_apart", "Not in the waiting room together", self.keyworker, second)
        add_flag(second.id, "staff_safety", None, self.keyworker)
        link_family_ticket(tickets[3].id, member.id, self.reception)
        self.kiosk_token = enrol_device("kiosk", name="Reception tablet")
        self.display_token = enrol_device("display", name="Wall screen")
        self.tickets = tickets

    # Browsers. Signed-in ones are made once per test function; "fresh" ones once per example.
    def client(self, who, fresh=False):
        if not fresh and who in self.clients:
            return self.clients[who]
        client = self.app.test_client()
        if who in ("kiosk", "display"):
            client.set_cookie(COOKIES[who], self.kiosk_token if who == "kiosk" else self.display_token)
        elif who == "pending":  # the right password given, the two-factor code still to come
            response = client.post("/login", data={"username": "kirsty", "password": PASSWORD})
            assert response.status_code == 302 and response.location.endswith("/login/code"), response.status
        elif who != "anon":
            username = {"manager": "boss", "reception": "rab", "keyworker": "aileen"}[who]
            response = client.post("/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)
        if not fresh:
            self.clients[who] = client
        return client

    def ids(self, model, where=None):
        query = model.select(model.id)
        return [row.id for row in (query.where(where) if where is not None else query)]

    def tokens(self):
        return [t.token for t in Ticket.select(Ticket.token)]


VOLATILE = {"last_seen_at"}  # touched by reading a page, on purpose


class Snapshot:
    """Every table's rows (the audit log's count and last id), to compare before and after a request."""

    def __init__(self):
        self.queries = []
        for table in sorted(database.get_tables()):
            if table == "audit_event":
                sql = 'SELECT COUNT(*), MAX(id) FROM "audit_event"'
            else:
                columns = ", ".join(f'"{c.name}"' for c in database.get_columns(table) if c.name not in VOLATILE)
                sql = f'SELECT {columns} FROM "{table}" ORDER BY 1'
            self.queries.append((table, sql))

    def take(self):
        return {table: database.execute_sql(sql).fetchall() for table, sql in self.queries}


@contextmanager
def rolled_back():
    """Each example runs in a transaction undone after it, so every example meets the same world: Hypothesis
    can replay and shrink one, pages do not grow with the examples before, and the first-run page stays
    there (a first manager cannot be removed again: the audit log is append-only). The app's own
    transactions nest inside as savepoints; a rejection's changes, if any, are still seen before the undo."""
    with database.atomic() as transaction:
        try:
            yield
        finally:
            transaction.rollback()


# --- what may be stored ---------------------------------------------------------------------------

ALLOWED = {
    (Ticket, "state"): STATES, (Ticket, "visit_for"): VISIT_FOR, (Ticket, "source"): ("kiosk", "reception"),
    (StaffUser, "role"): ROLES, (Device, "kind"): KINDS,
    (Case, "contact_preference"): CONTACT_PREFERENCES, (Case, "referral_source"): REFERRAL_SOURCES,
    (Case, "status"): CASE_STATUSES, (ActionPlanItem, "area"): PLAN_AREAS, (ActionPlanItem, "status"): PLAN_STATUSES,
    (ContactEntry, "kind"): CONTACT_KINDS, (SafetyFlag, "kind"): FLAG_KINDS,
    (FamilyContact, "kind"): FAMILY_CONTACT_KINDS,
    (Appointment, "status"): APPOINTMENT_STATUSES,
}


def _stored_checks():
    """(what, SQL counting the rows that break it): one per rule, built once."""
    checks = []
    for (model, name), allowed in ALLOWED.items():
        column = getattr(model, name)
        checks.append((f"{model.__name__}.{name} is one of {sorted(allowed)}",
                       model.select(fn.COUNT(SQL("*"))).where(column.not_in(sorted(allowed)))))
    for model in MODELS:
        for column in model._meta.sorted_fields:
            if isinstance(column, CharField) and column.max_length:
                checks.append((f"{model.__name__}.{column.name} fits {column.max_length} characters",
                               model.select(fn.COUNT(SQL("*"))).where(fn.LENGTH(column) > column.max_length)))
            if isinstance(column, (CharField, TextField)) and is_sqlite():
                checks.append((f"{model.__name__}.{column.name} has no NUL character",
                               model.select(fn.COUNT(SQL("*"))).where(fn.INSTR(column, SQL("char(0)")) > 0)))
    return [(what, query.sql()) for what, query in checks]


_CHECKS = []


def stored_values_are_valid():
    """What an accepted request stored is a value the app offers, fits its column, and has no NUL."""
    if not _CHECKS:
        _CHECKS.extend(_stored_checks())
    broken = [what for what, (sql, params) in _CHECKS if database.execute_sql(sql, params).fetchone()[0]]
    assert not broken, f"stored values break: {broken}"
    for (needs,) in database.execute_sql('SELECT DISTINCT "needs" FROM "ticket"').fetchall():
        assert all(code in NEEDS for code in needs.split(",") if code), f"ticket needs {needs!r}"
