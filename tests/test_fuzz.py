"""Fuzzing: Hypothesis sends every form and every address parameter values a person, a slip or an
attacker might: right ones, wrong types, huge and empty ones, unicode, hostile strings, fields left
out and fields nobody asked for, as a form, multipart, JSON or raw bytes.

For every request:
- never a 5xx (the test client re-raises an unhandled error, which fails the example too);
- a rejection is a 4xx, or the page again with a message on it, and it says why;
- a rejection saves nothing: every table is as it was (the audit log may gain a row only where a
  failed sign-in is itself the thing to record);
- a redirect stays on this site, and the page it leads to opens (stored input renders);
- a GET changes nothing but the audit log;
- after an accepted request, what is stored is still one of the values the app offers, and every
  string fits its column and has no NUL (PostgreSQL would refuse either with a 500).

Each request goes with the role or device that lets it reach the form's validation: a manager for
/admin, a keyworker for case plans, the enrolled kiosk for check-in, and so on.

Examples per test: 200 (the "default" Hypothesis profile). More with the "thorough" profile:
    HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz.py          # 2000 each
    FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py                   # thorough, with that many
One app and database per test function (the `app` fixture, so DATABASE_URL runs it on PostgreSQL), seeded
with staff, a session in progress, cases and devices; each example runs in a transaction undone after it.
`pytest tests/test_fuzz.py --hypothesis-show-statistics` shows how the examples fared (status, saved or not).
"""
import io
import json
import os
import re
import string
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable
from urllib.parse import quote, urlsplit

import pyotp
import pytest
from flask import g, request_started
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from peewee import SQL, CharField, TextField, fn

from kiosk.admin.forms import ACTIONS as AUDIT_ACTIONS
from kiosk.admin.forms import OBJECT_TYPES, ROLE_CHOICES
from kiosk.auth import two_factor
from kiosk.case_models import (
    APPOINTMENT_STATUSES, CASE_MODELS, CASE_STATUSES, CONTACT_KINDS, CONTACT_PREFERENCES, FLAG_KINDS, PLAN_AREAS,
    PLAN_STATUSES, REFERRAL_SOURCES, ActionPlanItem, Appointment, Case, ContactEntry, FamilyMember, SafetyFlag,
)
from kiosk.casework import add_appointment, add_family_member, add_flag, add_plan_item, link_ticket
from kiosk.db import database, is_sqlite
from kiosk.devices import COOKIES, KINDS, make_link
from kiosk.limits import limiter
from kiosk.models import MODELS, NEEDS, ROLES, STATES, VISIT_FOR, Device, Room, Site, StaffUser, Ticket
from kiosk.queue import call_next, choose_room, current_visitor, move, set_priority
from kiosk.sessions import close_checkin, poll_key, reopen_checkin, staff_session
from kiosk.staff.forms import TICKET_ACTIONS

from .factories import PASSWORD, enrol_device, make_case, make_staff, make_ticket

# --- Hypothesis profiles -------------------------------------------------------------------------

_SETTINGS = dict(
    deadline=None,
    # The app (one per test function, from the `app` fixture) is meant to be shared by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("default", max_examples=200, **_SETTINGS)
settings.register_profile("thorough", max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 2000), **_SETTINGS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("thorough" if os.environ.get("FUZZ_EXAMPLES") else "default"))

# --- values --------------------------------------------------------------------------------------

HOSTILE = [
    "' OR '1'='1", "1; DROP TABLE ticket; --", "\" OR \"\"=\"", "%' OR 1=1 --", "admin'--",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "<!--", "]]>",
    "{{ 7*7 }}", "{% debug %}", "${7*7}", "#{7*7}", "%s%s%s%n", "{0.__class__}",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd\x00.png", "%2e%2e%2f",
    "\x00", "a\x00b", "\r\nSet-Cookie: evil=1", "\u202egnp.exe", "\ufeff", "\u200b", "\u0301", "ﬀ", "İ", "ß",
    "𝕏𝕐", "😀👍🏽", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Ω≈ç√", "日本語", "مرحبا", "\U0010ffff",
    "=HYPERLINK(\"http://x\")", "@SUM(1+1)", "+1", "-1", "0", "00", "007", "1e309", "-0", "1.5", "0x1f", "1_000",
    "99999999999999999999", "-99999999999999999999", "9223372036854775808", "NaN", "Infinity", "-inf",
    "true", "false", "null", "None", "undefined", "[]", "{}", "[object Object]",
    " ", "  \t\n", "\n", "\r", "\t", "GTC-0001", "GTC-9999", "2026-02-30", "31/02/2026", "0000-00-00",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-11-23T25:61", "24:00", "23:59:60", "12:30pm", "-12:00",
]
LIMITS = [1, 2, 11, 12, 20, 21, 30, 31, 32, 33, 40, 41, 60, 61, 64, 65, 100, 101, 128, 129, 200, 201,
          256, 257, 300, 301, 500, 501, 1000, 1001, 1024, 1025, 2000, 2001, 4000, 4001, 9000, 70000]
TEXT = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8 at all
JUNK = st.one_of(
    st.text(TEXT, max_size=40),
    st.sampled_from(HOSTILE),
    st.integers().map(str),
    st.floats().map(str),
    # Long values, around each length limit the forms and columns have, and past the 64 KB body limit.
    st.builds(lambda piece, n: (piece * n)[:n] if len(piece) == 1 else piece * n,
              st.sampled_from(["a", "9", "é", "😀", " ", "<b>", "\u0301", "'"]), st.sampled_from(LIMITS)),
    st.just(""),
)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(TEXT, max_size=10),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
EXTRA_NAMES = ["id", "csrf_token", "state", "role", "version", "session", "session_id", "priority", "active",
               "token", "password_hash", "is_admin", "staff", "created_at", "number", "kind", "__proto__", "a[]",
               "next", "submit", "skip", "reference", "user_id", "ticket"]
MISSING = object()


def choice(options):
    return st.sampled_from(sorted(options))


def several(options):
    return st.lists(choice(options), max_size=len(options) + 2)


def pick(values):
    """One of values read from the database: drawn as an index, so what Hypothesis draws has the same
    shape whatever the rows are (it replays and shrinks by what it drew, not by the values)."""
    values = sorted(values)
    return st.integers(0, 1000).map(lambda i: values[i % len(values)])


def known_or_any(values):
    """Ids of rows that exist (when there are any), or any small number."""
    return st.one_of(pick(values or [0]), pick(values or [0]), st.integers(0, 40)).map(str)


def person(max_size):
    return st.from_regex(r"[A-Za-z\u00c0-\u017f][A-Za-z\u00c0-\u017f .'\-]{0,%d}" % (max_size - 1), fullmatch=True)


def words(max_size):
    return st.text(TEXT, min_size=1, max_size=max_size)


EDGE_DAYS = [date.min, date.max, date(1, 3, 1), date(9999, 1, 1), date(26, 11, 14), date(1899, 12, 31),
             date(2101, 1, 1), date(2000, 2, 29)]


def day(low=date(1930, 1, 1), high=date(2035, 12, 31)):
    """A date as a date input sends it, or as typed: in range, at the edges of what a date can be (0026 for
    2026 is one slip away), or any at all."""
    return st.one_of(st.dates(low, high), st.sampled_from(EDGE_DAYS), st.dates()).flatmap(
        lambda d: st.sampled_from([f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
                                   f"{d.day:02d}/{d.month:02d}/{d.year:04d}"]))


def hhmm():
    return st.times().map(lambda t: t.strftime("%H:%M"))


def local_datetime():
    """As a datetime-local input sends it: recent, or at the edges of what a datetime can be."""
    return st.one_of(st.datetimes(datetime(2000, 1, 1), datetime(2027, 12, 31)),
                     st.sampled_from([datetime.min, datetime(1, 1, 1, 0, 1), datetime(1900, 1, 1), datetime.max]),
                     st.datetimes()).map(lambda d: f"{d.year:04d}-{d:%m-%dT%H:%M}")


def hexkey():
    return st.text("0123456789abcdef", min_size=32, max_size=32)


def reference():
    return st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True)


def phone():
    return st.from_regex(r"\+?[0-9][0-9 ()-]{5,20}", fullmatch=True)


def strong_password():
    return st.sampled_from(["correct horse battery staple", "kettle drizzle paperclip 42", "Clyde-tunnel-ferry-9"]) \
        | st.text(string.ascii_letters + string.digits + " !-", min_size=12, max_size=40)


def mixed(valid):
    """A field's value: usually a right one, often anything at all."""
    return st.one_of(valid, valid, JUNK)


def mixed_multi(valid):
    return st.one_of(valid, st.lists(st.one_of(JUNK, valid.flatmap(lambda v: st.sampled_from(v or [""]))),
                                     max_size=5))


# --- the world a test function fuzzes: staff, a session in progress, cases, devices --------------

def own_g_per_request(app):
    """Each request gets its own flask.g, as served (the `app` fixture keeps one app context pushed)."""
    def fresh(sender, **extra):
        for name in list(g):
            g.pop(name)
    request_started.connect(fresh, app, weak=False)


class World:
    """The records a fuzzed request can point at, and browsers for each role and device."""

    def __init__(self, app, clock, empty=False):
        self.app, self.clock = app, clock
        own_g_per_request(app)
        # Rate limits are their own tests; here they would stop requests before the form.
        app.config.update(LOGIN_LIMIT_PER_ACCOUNT="1000000 per minute", LOGIN_LIMIT_PER_ADDRESS="1000000 per minute",
                          KIOSK_CHECKIN_LIMIT="1000000 per minute")
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
        session = staff_session()
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
        member = add_family_member(first.id, {"name": "Jean Morgan", "relationship": "Mother"}, self.keyworker)
        add_appointment(first.id, self.keyworker, datetime(2026, 11, 23, 14, 0), "Benefits", self.reception)
        add_flag(first.id, "keep_apart", "Not in the waiting room together", self.keyworker, second)
        add_flag(second.id, "staff_safety", None, self.keyworker)
        link_ticket(tickets[3].id, first.id, self.reception, family_member_id=member.id)
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


# --- what each route gets ------------------------------------------------------------------------

@dataclass
class Spec:
    name: str  # the endpoint, with [role] where one endpoint is fuzzed as two roles
    method: str
    who: str  # a role, "kiosk", "display", "anon" or "pending"
    fields: Callable = lambda w: {}  # world -> {field: strategy of right values}
    query: Callable = lambda w: {}
    path: dict = field(default_factory=dict)  # path argument -> world -> strategy of right values
    fresh: bool = False  # a new browser for each example
    prepare: Callable = None  # world -> None, before each example (outside the request)
    complete: Callable = None  # (world, right values) -> right values, for fields that depend on each other
    audited: bool = False  # a rejection records itself in the audit log
    empty: bool = False  # no staff or records at all (the first-run page)
    setup: Callable = None  # world -> None, once per test function
    signs_in: bool = True  # a staff spec's request must get past sign-in to the form
    after: Callable = None  # (world, response) -> None, after each example
    changing: bool = False  # its right values change between examples (strategies built again each time)

    @property
    def endpoint(self):
        return self.name.split("[")[0]


def case_fields(w, casework=True):
    fields = {
        "name": person(100), "preferred_name": person(60), "date_of_birth": day(high=date(2008, 1, 1)),
        "phone": phone(), "address": words(500), "contact_preference": choice(CONTACT_PREFERENCES),
    }
    if casework:
        fields.update({
            "establishment": st.sampled_from(["HMP Barlinnie", "HMP Low Moss", "HMP Greenock"]) | words(100),
            # Mostly eligible, so the support window is worked out from the dates.
            "sentence_under_four_years": st.sampled_from(["yes", "yes", "no", ""]),
            "statutory_order": st.sampled_from(["no", "no", "yes", ""]), "release_date": day(date(2020, 1, 1)),
            "release_date_confirmed": st.just("y"), "referral_source": choice(REFERRAL_SOURCES),
            "referral_date": day(date(2020, 1, 1)), "consent_date": day(date(2020, 1, 1)),
            "status": choice(CASE_STATUSES), "closed_reason": words(200),
            "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager"))) + [0]).map(str),
        })
    return fields


def case_version(w):
    return pick({str(c.version) for c in Case.select(Case.version)} or {"1"})


def plan_fields(w):
    return {"area": choice(PLAN_AREAS), "goal": words(1000), "actions": words(2000), "owner": person(100),
            "status": choice(PLAN_STATUSES), "review_date": day(date(2020, 1, 1)),
            "version": pick({str(i.version) for i in ActionPlanItem.select(ActionPlanItem.version)} or {"1"})}


def poll_version(w):
    return st.just(poll_key())


def start_two_factor_setup(w):
    """The set-up page opened (once, and again after a set-up went through), so its key is known."""
    if w.totp_secret is None:
        two_factor_key_shown(w, w.client("keyworker").get("/account/two-factor"))


def two_factor_key_shown(w, response):
    """The key this browser's set-up now uses: on the page when it is shown; new after a set-up succeeds."""
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', response.get_data(as_text=True))
    w.totp_secret = found.group(1) if found else (None if response.status_code == 200 else w.totp_secret)


def session_open(w):
    session = staff_session()
    if session.id is not None and session.checkin_closed_at is not None:
        reopen_checkin(session)


def session_closed(w):
    session = staff_session()
    if session.id is None or session.checkin_closed_at is None:
        close_checkin(session)


def outside_sessions(w):
    w.clock.move_to(datetime.fromisoformat("2026-11-24T10:00:00+00:00"))  # a Tuesday morning


def desk_free(w):
    """Put back whoever the keyworker has, so Call next can take someone again."""
    session = staff_session()
    mine = current_visitor(session, w.keyworker)
    if mine is not None:
        move(mine.id, "requeue", w.keyworker)


def link_made(w):
    _, w.link_code = make_link("Tablet by the door", "kiosk", w.manager)


def same_confirm(w, values):
    if "new" in values:
        values["confirm"] = values["new"]
    if "password" in values and "display_name" in values:
        values["confirm"] = values["password"]
    return values


def next_code(secret):
    """The app's code for the next 30 seconds, accepted (one step either side) and not used yet."""
    return pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30))


def totp_now(w):
    return st.just(pyotp.TOTP(w.totp_secret).now())


STATIC_FILES = ["css/app.css", "js/live.js", "favicon.svg", "vendor/htmx.min.js"]
INT_PATHS = {
    "ticket_id": lambda w: known_or_any(w.ids(Ticket)),
    "case_id": lambda w: known_or_any(w.ids(Case)),
    "item_id": lambda w: known_or_any(w.ids(ActionPlanItem)),
    "member_id": lambda w: known_or_any(w.ids(FamilyMember)),
    "flag_id": lambda w: known_or_any(w.ids(SafetyFlag)),
    "user_id": lambda w: known_or_any(w.ids(StaffUser)),
    "device_id": lambda w: known_or_any(w.ids(Device)),
}
TOKEN_PATHS = {
    "token": lambda w: pick(w.tokens()),
    "code": lambda w: st.just(w.link_code or "no-link-made"),
    "filename": lambda w: st.sampled_from(STATIC_FILES),
}


def p(name, who, **kw):
    return Spec(name, "POST", who, **kw)


def get(name, who, **kw):
    return Spec(name, "GET", who, **kw)


AUDIT_FILTERS = lambda w: {  # noqa: E731
    "username": st.sampled_from(["boss", "aileen", "rab", ""]), "action": choice(AUDIT_ACTIONS),
    "object_type": choice(OBJECT_TYPES), "object_id": known_or_any(w.ids(Case)),
    "since": st.dates(date(2025, 1, 1), date(2027, 1, 1)).map(date.isoformat),
    "until": st.dates(date(2025, 1, 1), date(2027, 1, 1)).map(date.isoformat), "page": st.integers(1, 5).map(str)}
CASE_ID = {"case_id": INT_PATHS["case_id"]}

POST_SPECS = [
    p("checkin.submit", "kiosk", fields=lambda w: {
        "k": hexkey(), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS), "name": person(30),
        "skip": st.just("1")}),
    p("staff.ticket_action", "keyworker", path={"ticket_id": INT_PATHS["ticket_id"]}, fields=lambda w: {
        "action": choice(TICKET_ACTIONS), "expected_state": st.just("") | choice(STATES),
        "room": known_or_any(w.ids(Room)), "outcome": words(1000), "from": st.just("desk")}),
    p("staff.walk_in", "reception", fields=lambda w: {
        "name": person(30), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS), "priority": st.just("y")}),
    p("staff.close_session_checkin", "reception", prepare=session_open),
    p("staff.reopen_session_checkin", "reception", prepare=session_closed),
    p("staff.extra_session", "reception", setup=outside_sessions,
      fields=lambda w: {"until": hhmm()}),
    p("staff.desk_room_choice", "keyworker", fields=lambda w: {"room": known_or_any(w.ids(Room))}),
    p("staff.desk_call_next", "keyworker", prepare=desk_free),
    p("staff.link_ticket", "reception", path={"ticket_id": INT_PATHS["ticket_id"]}, fields=lambda w: {
        "case": known_or_any(w.ids(Case)), "family_member": known_or_any(w.ids(FamilyMember))}),
    p("staff.match_appointment", "reception", path={"ticket_id": INT_PATHS["ticket_id"]},
      fields=lambda w: {"appointment": known_or_any(w.ids(Appointment))}),
    p("staff.switch_office", "reception", fields=lambda w: {"office": known_or_any(w.ids(Site))}),
    p("cases.new", "keyworker", fields=lambda w: {**case_fields(w), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    p("cases.new[reception]", "reception",
      fields=lambda w: {**case_fields(w, casework=False), "reference": reference()},
      query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    p("cases.edit", "keyworker", path=CASE_ID, fields=lambda w: {**case_fields(w), "version": case_version(w)}),
    p("cases.edit[reception]", "reception", path=CASE_ID,
      fields=lambda w: {**case_fields(w, casework=False), "version": case_version(w)}),
    p("cases.add_plan_item", "keyworker", path=CASE_ID, fields=plan_fields),
    p("cases.plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]}, fields=plan_fields),
    p("cases.add_contact", "keyworker", path=CASE_ID, fields=lambda w: {
        "kind": choice(CONTACT_KINDS), "happened_at": local_datetime(), "summary": words(4000)}),
    p("cases.add_family_member", "reception", path=CASE_ID, fields=lambda w: {
        "name": person(100), "relationship": st.sampled_from(["Mother", "Partner", "Son", "Friend"]) | words(60),
        "phone": phone(), "address": words(500), "consent_date": day(date(2020, 1, 1))}),
    p("cases.add_appointment", "reception", path=CASE_ID, fields=lambda w: {
        "keyworker": pick(w.ids(StaffUser, StaffUser.role.in_(("keyworker", "manager")))).map(str),
        # Today (23 Nov 2026) on, and now and then a day just gone, which is refused.
        "day": st.one_of(day(date(2026, 11, 23), date(2027, 3, 1)), day(date(2026, 11, 23), date(2027, 3, 1)),
                         day(date(2026, 11, 1), date(2026, 11, 22))), "time": hhmm(), "note": words(200)}),
    p("cases.add_flag", "keyworker", path=CASE_ID, fields=lambda w: {
        "kind": choice(FLAG_KINDS), "other_reference": st.sampled_from(["GTC-0001", "GTC-0002", "gtc-0002 "]),
        "note": words(200)}),
    p("cases.clear_flag", "keyworker", path={"flag_id": INT_PATHS["flag_id"]}),
    p("account.account", "keyworker", complete=same_confirm, fields=lambda w: {
        "current": st.just(PASSWORD), "new": strong_password(), "confirm": strong_password()}),
    p("account.two_factor_setup", "keyworker", prepare=start_two_factor_setup, after=two_factor_key_shown,
      changing=True,
      fields=lambda w: {"code": totp_now(w)}),
    p("account.two_factor_off", "keyworker", fields=lambda w: {"password": st.just(PASSWORD)}),
    p("admin.staff_create", "manager", fields=lambda w: {
        "display_name": person(60), "username": st.from_regex(r"[A-Za-z0-9._-]{2,40}", fullmatch=True),
        "role": choice(ROLE_CHOICES), "password": strong_password()}),
    p("admin.staff_role", "manager", path={"user_id": INT_PATHS["user_id"]},
      fields=lambda w: {"role": choice(ROLE_CHOICES)}),
    p("admin.staff_active", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.staff_end_sessions", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.staff_reset_password", "manager", path={"user_id": INT_PATHS["user_id"]},
      fields=lambda w: {"password": strong_password()}),
    p("admin.staff_reset_two_factor", "manager", path={"user_id": INT_PATHS["user_id"]}),
    p("admin.device_enrol", "manager", fields=lambda w: {"name": person(60), "kind": choice(KINDS)}),
    p("admin.device_link", "manager", fields=lambda w: {"name": person(60), "kind": choice(KINDS)}),
    p("admin.device_revoke", "manager", path={"device_id": INT_PATHS["device_id"]}),
    p("auth.login", "anon", fresh=True, audited=True, fields=lambda w: {
        "username": st.sampled_from(["boss", "rab", "aileen", "RAB ", "nobody"]), "password": st.just(PASSWORD)},
      query=lambda w: {"next": st.sampled_from(["/cases/", "/staff/desk", "//evil.example/", "https://evil.example/",
                                                "/\\evil.example", "javascript:alert(1)"])}),
    p("auth.code", "pending", fresh=True, audited=True,
      fields=lambda w: {"code": st.just(next_code(w.two_factor_secret))}),
    p("auth.logout", "keyworker", fresh=True),
    p("auth.first_run", "anon", fresh=True, empty=True, complete=same_confirm, fields=lambda w: {
        "display_name": person(60), "username": st.from_regex(r"[A-Za-z0-9._-]{2,40}", fullmatch=True),
        "password": strong_password(), "confirm": strong_password()}),
    p("enrol.claim", "anon", fresh=True, setup=link_made, path={"code": TOKEN_PATHS["code"]}),
]

KIOSK_STEPS = lambda w: {"k": hexkey(), "visit_for": choice(VISIT_FOR), "needs": several(NEEDS)}  # noqa: E731
GET_SPECS = [
    get("checkin.who", "kiosk", query=KIOSK_STEPS),
    get("checkin.needs", "kiosk", query=KIOSK_STEPS),
    get("checkin.name", "kiosk", query=KIOSK_STEPS),
    get("checkin.ticket", "kiosk", path={"token": TOKEN_PATHS["token"]}),
    get("ticket.status", "anon", path={"token": TOKEN_PATHS["token"]}),
    get("ticket.live", "anon", path={"token": TOKEN_PATHS["token"]}, query=lambda w: {"v": poll_version(w)}),
    get("ticket.qr", "anon", path={"token": TOKEN_PATHS["token"]}),
    get("display.live", "display", query=lambda w: {"v": poll_version(w)}),
    get("staff.queue_live", "reception", query=lambda w: {"v": poll_version(w)}),
    get("staff.desk_live", "keyworker", query=lambda w: {"v": poll_version(w)}),
    get("staff.link_ticket", "reception", path={"ticket_id": INT_PATHS["ticket_id"]},
        query=lambda w: {"q": st.sampled_from(["Alex", "GTC-0001", "01/05/1990", "1990-05-01", "sam"])}),
    get("cases.index", "keyworker", query=lambda w: {"q": st.sampled_from(["Alex", "gtc", "01/05/1990", "Sam Reid"])}),
    get("cases.search", "reception", query=lambda w: {"q": st.sampled_from(["Alex", "GTC-0002", "1990-05-01"]),
                                                      "ticket": known_or_any(w.ids(Ticket))}),
    get("cases.new", "keyworker", query=lambda w: {"ticket": known_or_any(w.ids(Ticket))}),
    get("cases.view", "keyworker", path=CASE_ID),
    get("cases.edit", "keyworker", path=CASE_ID),
    get("cases.plan_item", "keyworker", path={**CASE_ID, "item_id": INT_PATHS["item_id"]}),
    get("cases.family_member", "keyworker", path={"member_id": INT_PATHS["member_id"]}),
    get("admin.audit_log", "manager", query=AUDIT_FILTERS),
    get("admin.audit_csv", "manager", query=AUDIT_FILTERS),
    get("enrol.claim", "anon", setup=link_made, path={"code": TOKEN_PATHS["code"]}),
    get("auth.login", "anon", query=lambda w: {"next": st.sampled_from(["/cases/", "//evil.example/", "/staff/"])}),
    get("static", "anon", path={"filename": TOKEN_PATHS["filename"]}),
]


# --- drawing a request ---------------------------------------------------------------------------

def rule_for(app, endpoint):
    rules = list(app.url_map.iter_rules(endpoint))
    assert len(rules) == 1, rules
    return rules[0]


BIG_NUMBERS = [2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20, 10**100]
ODD_NUMBERS = st.sampled_from(["-1", "1.0", "0x1", "١٢", "1e3", "+1", " 1"])
ODD_SEGMENTS = st.sampled_from(["..", ".", "%00", "a/b", "../../config.py", "~", "%2e%2e"])
MODES = st.sampled_from(["right", "one wrong", "anything"])
WRONG = st.one_of(st.just(MISSING), JUNK, st.lists(JUNK, min_size=2, max_size=3))
EXTRA_FIELDS = st.dictionaries(st.sampled_from(EXTRA_NAMES) | st.text(TEXT, min_size=1, max_size=12),
                               JUNK | st.lists(JUNK, max_size=3), max_size=3)
EXTRA_QUERY = st.dictionaries(st.sampled_from(EXTRA_NAMES) | st.text(TEXT, min_size=1, max_size=8), JUNK, max_size=2)
STYLES = st.sampled_from(["form"] * 6 + ["multipart", "json", "raw", "none"])
HTMX = st.booleans()


def path_strategy(converter, right):
    """A path argument: a right value, or numbers too big for any column, negative, not numbers, junk."""
    if converter == "int":
        value = st.one_of(right, right, right, right, st.integers(0, 10**6).map(str),
                          st.sampled_from(BIG_NUMBERS).map(str), ODD_NUMBERS, JUNK)
        return value.map(lambda v: quote(v, safe="") or "0")
    value = st.one_of(right, right, right, JUNK, ODD_SEGMENTS)
    return value.map(lambda v: quote(v, safe="/" if converter == "path" else "") or "x")


class Drawn:
    """The strategies for one spec, built once per test function: the world is the same for every
    example (each runs in a transaction undone after it), so the rows they pick from are too."""

    def __init__(self, spec, world):
        self.spec, self.world = spec, world
        rule = rule_for(world.app, spec.endpoint)
        self.rule = rule.rule
        self.paths = []
        for match in re.finditer(r"<(?:(\w+):)?(\w+)>", rule.rule):
            converter, name = match.group(1) or "default", match.group(2)
            right = spec.path.get(name, lambda w: JUNK)(world)
            self.paths.append((match.group(0), path_strategy(converter, right)))
        self.rebuild()

    def rebuild(self):
        spec, world = self.spec, self.world
        fields = spec.fields(world)
        self.names = sorted(fields)
        self.right = st.fixed_dictionaries(fields)
        self.anything = st.fixed_dictionaries({}, optional={name: (mixed_multi(s) if _is_multi(name) else mixed(s))
                                                            for name, s in fields.items()})
        query = spec.query(world)
        self.query_names = sorted(query)
        self.query_right = st.fixed_dictionaries(query)
        self.query = st.fixed_dictionaries({}, optional={name: (mixed_multi(s) if _is_multi(name) else mixed(s))
                                                         for name, s in query.items()})

    def url(self, draw):
        url = self.rule
        for placeholder, strategy in self.paths:
            url = url.replace(placeholder, draw(strategy), 1)
        return url

    def fields(self, draw):
        """All right values; or right ones with one wrong or left out; or anything at all; plus extras."""
        mode = draw(MODES) if self.names else "anything"
        if mode == "anything":
            values = draw(self.anything)
        else:
            values = draw(self.right)
            if self.spec.complete:
                values = self.spec.complete(self.world, values)
            if mode == "one wrong":
                name = draw(st.sampled_from(self.names))
                wrong = draw(WRONG)
                if wrong is MISSING:
                    values.pop(name, None)
                else:
                    values[name] = wrong
        for name, value in draw(EXTRA_FIELDS).items():
            values.setdefault(name, value)
        return mode, values

    def query_string(self, draw):
        """Like the fields: all right, one wrong or left out, or anything."""
        mode = draw(MODES) if self.query_names else "anything"
        if mode == "anything":
            query = draw(self.query)
        else:
            query = draw(self.query_right)
            if mode == "one wrong":
                name = draw(st.sampled_from(self.query_names))
                wrong = draw(WRONG)
                if wrong is MISSING:
                    query.pop(name, None)
                else:
                    query[name] = wrong
        if draw(st.booleans()):
            for name, value in draw(EXTRA_QUERY).items():
                query.setdefault(name, value)
        return query


def _is_multi(name):
    return name == "needs"


def draw_body(draw, values):
    """How the fields travel: mostly a plain form, sometimes multipart, JSON, raw bytes or nothing."""
    style = draw(STYLES)
    if style == "form":
        return style, {"data": values}
    if style == "multipart":
        upload = (io.BytesIO(draw(st.binary(max_size=200))), draw(st.sampled_from(["a.txt", "../../x.sh", "ü.png"])))
        return style, {"data": {**values, draw(st.sampled_from(["file", "name", "k"])): upload},
                       "content_type": "multipart/form-data"}
    if style == "json":  # the fields, or any JSON at all: numbers, null, lists, objects where text goes
        payload = draw(st.one_of(st.just(values), st.dictionaries(st.sampled_from(sorted(values) or ["name"]), JSON),
                                 JSON))
        return style, {"data": json.dumps(payload), "content_type": "application/json"}
    if style == "raw":
        content_type = draw(st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                                             "multipart/form-data; boundary=x", "text/plain", "application/xml"]))
        return style, {"data": draw(st.binary(max_size=300)), "content_type": content_type}
    return style, {}


def short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


# --- judging a response --------------------------------------------------------------------------

# Where the app says what was wrong: a field's message, the error flash, the error page, not enrolled.
SAYS_WHY = re.compile(r'class="(field-error|flash flash-error)"|<p class="lead">\S|This screen is not enrolled')
ERRORS_ON_PAGE = re.compile(r'class="(field-error|flash flash-error)"')
SIGN_IN = re.compile(r"^(https?://[^/]+)?/login(\?|$)")


def says_why(response):
    if response.status_code in (401, 403) and ("HX-Redirect" in response.headers or "HX-Refresh" in response.headers):
        return True  # htmx is told where to go; that page says why
    return bool(SAYS_WHY.search(response.get_data(as_text=True)))


def changed_tables(before, after, audited):
    return sorted(t for t in before if before[t] != after[t] and not (audited and t == "audit_event"))


def judge(world, spec, client, response, before, after):
    status = response.status_code
    assert status < 500, f"{status}: {response.get_data(as_text=True)[:500]}"
    body = response.get_data(as_text=True) if response.mimetype in ("text/html", "text/plain", "") else ""
    rejected = 400 <= status < 500 or (status == 200 and spec.method == "POST" and ERRORS_ON_PAGE.search(body))
    if rejected:
        assert says_why(response), f"a {status} that does not say why: {body[:500]}"
    if spec.method == "POST" and rejected:
        changed = changed_tables(before, after, spec.audited)
        assert not changed, f"a rejected request ({status}) changed {changed}: " + "; ".join(
            f"{t}: {short(before[t], 200)} -> {short(after[t], 200)}" for t in changed)
    if spec.method == "GET":
        changed = changed_tables(before, after, audited=True)
        assert not changed, f"a GET changed {changed}"
    if spec.signs_in and spec.who not in ("anon", "kiosk", "display", "pending") and spec.endpoint != "auth.logout":
        # The request got past sign-in to the form (a test that signs itself out fuzzes nothing).
        assert status != 401 and not SIGN_IN.match(response.headers.get("Location", "")), status
    if 300 <= status < 400:
        location = response.headers["Location"]
        # As a browser reads it: backslashes are slashes, tabs and newlines are dropped.
        seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
        off_site = urlsplit(seen).netloc not in ("", "localhost") or seen.startswith("//")
        assert not off_site, f"a redirect off the site: {location}"
        followed = client.get(location)
        followed.close()
        assert followed.status_code < 500, f"the page after it ({location}): {followed.status_code}"
    if spec.method == "POST" and not rejected and before != after:
        stored_values_are_valid()


ALLOWED = {
    (Ticket, "state"): STATES, (Ticket, "visit_for"): VISIT_FOR, (Ticket, "source"): ("kiosk", "reception"),
    (StaffUser, "role"): ROLES, (Device, "kind"): KINDS,
    (Case, "contact_preference"): CONTACT_PREFERENCES, (Case, "referral_source"): REFERRAL_SOURCES,
    (Case, "status"): CASE_STATUSES, (ActionPlanItem, "area"): PLAN_AREAS, (ActionPlanItem, "status"): PLAN_STATUSES,
    (ContactEntry, "kind"): CONTACT_KINDS, (SafetyFlag, "kind"): FLAG_KINDS,
    (Appointment, "status"): APPOINTMENT_STATUSES,
}


def _stored_checks():
    """(what, SQL counting the rows that break it): one per rule, built once."""
    checks = []
    for (model, name), allowed in ALLOWED.items():
        column = getattr(model, name)
        checks.append((f"{model.__name__}.{name} is one of {sorted(allowed)}",
                       model.select(fn.COUNT(SQL("*"))).where(column.not_in(sorted(allowed)))))
    for model in MODELS + CASE_MODELS:
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


# --- the tests -----------------------------------------------------------------------------------

@pytest.fixture
def world(app, clock, spec):
    w = World(app, clock, empty=spec.empty)
    if spec.setup:
        spec.setup(w)
    return w


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


def fuzz_one(world, spec, data):
    limiter.reset()
    if spec.prepare:
        spec.prepare(world)
    drawn = world.drawn.get(spec.name)
    if drawn is None:
        drawn = world.drawn[spec.name] = Drawn(spec, world)
    elif spec.changing:
        drawn.rebuild()
    client = world.client(spec.who, fresh=spec.fresh)
    url = drawn.url(data.draw)
    query = drawn.query_string(data.draw)
    kwargs = {"query_string": query}
    if spec.method == "POST":
        mode, values = drawn.fields(data.draw)
        style, body = draw_body(data.draw, values)
        kwargs.update(body)
        note(f"fields ({mode}, sent as {style}): {short(values, 2000)}")
    headers = {"HX-Request": "true"} if data.draw(HTMX) else {}
    note(f"{spec.method} {short(url)} query={short(query, 1000)} headers={headers}")
    with rolled_back():
        before = world.snapshot.take()
        response = client.open(url, method=spec.method, headers=headers, **kwargs)
        after = world.snapshot.take()
        note(f"-> {response.status_code} {response.headers.get('Location', '')}")
        # `pytest --hypothesis-show-statistics` shows how the examples fared, per test.
        event(f"{response.status_code}, {'saved' if before != after else 'nothing saved'}"
              + (f", {mode} fields" if spec.method == "POST" else ""))
        try:
            judge(world, spec, client, response, before, after)
            if spec.after:
                spec.after(world, response)
        finally:
            response.close()


@pytest.mark.parametrize("spec", POST_SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_every_form_takes_anything_without_a_500_and_saves_nothing_it_refuses(world, spec, data):
    fuzz_one(world, spec, data)


@pytest.mark.parametrize("spec", GET_SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_every_address_parameter_takes_anything_without_a_500(world, spec, data):
    fuzz_one(world, spec, data)


ANY_PAGE = Spec("every page", "GET", "manager", fresh=False)


@pytest.mark.parametrize("spec", [ANY_PAGE], ids=["pages without parameters"])
@given(data=st.data())
def test_pages_without_parameters_ignore_any_query_string(world, spec, data):
    """Every other GET page, with a query string nobody expects, as staff and as the kiosk and display."""
    rules = sorted(r.rule for r in world.app.url_map.iter_rules() if "GET" in r.methods and not r.arguments)
    url = data.draw(st.sampled_from(rules))
    who = data.draw(st.sampled_from(["manager", "reception", "keyworker", "kiosk", "display", "anon"]))
    client = world.client(who)
    query = data.draw(st.dictionaries(st.sampled_from(["q", "v", "page", "next", "ticket", "k"])
                                      | st.text(TEXT, min_size=1, max_size=8), JUNK | st.lists(JUNK, max_size=3),
                                      max_size=4))
    headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
    note(f"GET {url} as {who} query={short(query, 1000)} headers={headers}")
    with rolled_back():
        before = world.snapshot.take()
        response = client.get(url, query_string=query, headers=headers)
        after = world.snapshot.take()
        try:
            # /setup, say, sends signed-in staff to sign in: these pages have no form to reach.
            judge(world, Spec(url, "GET", who, signs_in=False), client, response, before, after)
        finally:
            response.close()


def test_every_form_and_address_parameter_is_fuzzed(app):
    """A new POST route, or a GET route with a parameter in its address, needs a Spec above."""
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    gets_with_arguments = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods and r.arguments}
    assert posts <= {s.endpoint for s in POST_SPECS}, posts - {s.endpoint for s in POST_SPECS}
    assert gets_with_arguments <= {s.endpoint for s in GET_SPECS}, gets_with_arguments - {s.endpoint for s in GET_SPECS}
    for spec in POST_SPECS + GET_SPECS:
        rule_for(app, spec.endpoint)  # still there, under that name


# --- what the fuzzing found, pinned down ---------------------------------------------------------

def test_a_file_sent_as_a_text_field_is_refused_not_a_500(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", data={"visit_for": "self", "name": (io.BytesIO(b"x"), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "does not take files" in response.get_data(as_text=True)
    assert Ticket.select().count() == 0


def test_a_json_body_is_refused(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", json={"visit_for": "self", "name": 5})
    assert response.status_code == 415
    assert Ticket.select().count() == 0


@pytest.mark.parametrize("where", ["form", "query", "path"])
def test_a_nul_character_is_refused_everywhere(client, where):
    from kiosk.case_models import AuditEvent
    audited = AuditEvent.select().count()
    if where == "form":  # a failed sign-in would have stored it in the audit log (PostgreSQL: a 500)
        response = client.post("/login", data={"username": "rab\x00", "password": "x"})
    elif where == "query":
        response = client.get("/kiosk/who", query_string={"k": "a" * 32 + "\x00"})
    else:
        response = client.get("/t/abc%00def")
    assert response.status_code == 400 and "cannot be used" in response.get_data(as_text=True)
    assert AuditEvent.select().count() == audited


def test_a_search_longer_than_any_name_finds_nothing_rather_than_failing(client, auth):
    auth.login("keyworker")
    make_case(name="Alex Morgan")
    for path in ("/cases/", "/cases/search"):
        response = client.get(path, query_string={"q": "a" * 70_000})
        assert response.status_code == 200
        assert "Alex Morgan" not in response.get_data(as_text=True)


@pytest.mark.parametrize("release", ["9999-12-31", "0026-11-14", "14/11/0026", "01/01/2101"])
def test_a_case_date_outside_any_real_year_is_refused(client, auth, release):
    """Stored, year 9999 or year 26 broke the support window's arithmetic: every view of the case was a 500."""
    auth.login("keyworker")
    response = client.post("/cases/new", data={
        "name": "Alex Morgan", "release_date": release, "sentence_under_four_years": "yes", "statutory_order": "no",
        "contact_preference": "phone", "referral_source": "self", "status": "active", "keyworker": "0"})
    assert response.status_code == 400
    assert "Enter a real date" in response.get_data(as_text=True)
    assert Case.select().count() == 0
