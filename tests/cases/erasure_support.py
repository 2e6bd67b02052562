"""What the erasure tests share: a person with records in every table, two managers, and the helpers that
ask, confirm and read back what is stored (tests/cases/test_erasure.py and test_erasure_traces.py)."""
import csv
import io
import subprocess
from datetime import date, datetime, timezone

import pytest
from peewee import IntegrityError

from kiosk.audit import AuditEvent
from kiosk.backup import backup, pg_tool
from kiosk.cases import access_requests, bookings, families, referrals, travel, visits
from kiosk.cases import services as casework
from kiosk.cases.erasure_models import ERASED_DETAIL, Erasure
from kiosk.cases.importing import CaseloadImport
from kiosk.cases.models import (
    ActionPlanItem, Appointment, Case, ContactEntry, FamilyContact, FamilyMember, PlanRating, Referral, SafetyFlag,
    TicketLink, TravelHelp,
)
from kiosk.db import database, is_sqlite
from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import move
from kiosk.reports.report import build_report
from kiosk.retention import purge

from ..factories import PASSWORD, make_case, make_caseload_upload, make_staff, make_ticket
from ..moments import MID_SESSION
from ..pages import text

NAME = "Zebedee Quarrington"
# His sister's own travel help keeps the prison she visited: her record, not his.
TRACES = ["Zebedee", "Quarrington", "Quarry Lane", "07700 900461", "1988-03-07", "GTC-0001", "Jimmy Q"]
PERIODS = [(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 22))]


def at(clock, *when):
    clock.move_to(datetime(*when, tzinfo=timezone.utc))


def room(name="Room 1"):
    return Room.get(Room.name == name).id


def seen(ticket, staff, note):
    move(ticket.id, "call", staff, room_id=room())
    move(ticket.id, "start", staff)
    move(ticket.id, "finish", staff, outcome=note)


@pytest.fixture
def person(app, clock):
    """Zebedee's case with one of everything, over October and November 2026; his sister Morag a client in her
    own right, his brother Jimmy known only through him; and Alex Morgan's case, which nothing touches."""
    kim = make_staff("keyworker", "kim", "Kim Worker")
    at(clock, 2026, 10, 5, 10, 0)
    case = make_case(kim, name=NAME, preferred_name="Zeb", date_of_birth=date(1988, 3, 7), phone="07700 900461",
                     address="14 Quarry Lane, Govan", establishment="HMP Low Moss", keyworker=kim,
                     referral_source="prison_social_work", referral_date=date(2026, 10, 1),
                     consent_date=date(2026, 10, 5), release_date=date(2026, 10, 20))
    other = make_case(kim, name="Alex Morgan", keyworker=kim)
    item = casework.add_plan_item(case.id, {"area": "accommodation", "goal": "Zebedee wants a flat in Govan",
                                            "actions": "Ring the council for Zebedee", "owner": "Zeb"}, kim)
    casework.rate_plan_item(case.id, item.id, 2, kim)
    morag = families.add_family_member({"name": "Morag Dunlop", "relationship": "Sister",
                                        "consent_date": date(2026, 10, 5), "link_consent_family": True,
                                        "link_consent_person": True}, kim, case.id)
    jimmy = families.add_family_member({"name": "Jimmy Q", "relationship": "Brother", "phone": "0141 496 0999"},
                                       kim, case.id)
    visit = bookings.book(case.id, kim, datetime(2026, 10, 19, 10, 0), kim, kind="prison_visit",
                          prison="HMP Low Moss", note="Bring Zebedee's ID")
    pickup = bookings.book(case.id, kim, datetime(2026, 10, 21, 9, 0), kim, kind="gate_pickup", prison="HMP Low Moss",
                           place="Gate 2")
    at(clock, 2026, 10, 21, 12, 0)
    bookings.settle(visit.id, "done", kim, summary="Met Zebedee at Low Moss")
    bookings.settle(pickup.id, "missed", kim, reason="Zebedee was let out early")
    # Long enough to need pages of its own, which SQLite frees whole when the words go.
    casework.add_contact(case.id, "phone", datetime(2026, 10, 21, 10, 0), "Zebedee rang from Quarry Lane. " * 200,
                         kim)
    partner = referrals.add_partner("Clyde Housing Advice", "accommodation", None, kim)
    referrals.make_referral(case.id, partner.id, None, date(2026, 10, 21), "For Zebedee Quarrington", kim)
    for member in (morag.id, None):  # for his sister (her own log) and for him (his contact log)
        travel.record_travel_help(case.id, {"prison": "HMP Low Moss", "visit_date": date(2026, 10, 25),
                                            "apvs": "explained", "family_member_id": member}, kim)
    casework.add_flag(case.id, "staff_safety", "Zebedee: always two workers", kim)
    at(clock, 2026, 10, 26, 11, 0)
    casework.rate_plan_item(case.id, item.id, 4, kim)
    # The Friday drop-in before: Zebedee seen, Jimmy in on his own.
    at(clock, 2026, 11, 20, 13, 30)
    ticket = make_ticket("self", ["housing"], "Zebedee")
    visits.link_ticket(ticket.id, case.id, kim)
    seen(ticket, kim, "Zebedee filled in the housing form")
    jimmy_ticket = make_ticket("family", ["visits"], "Jimmy")
    visits.link_family_ticket(jimmy_ticket.id, jimmy.id, kim)
    clock.move_to(MID_SESSION)
    bookings.book(case.id, kim, datetime(2026, 11, 30, 10, 0), kim, note="Zebedee: benefits")  # still to come
    today = make_ticket("self", [], "Zeb")  # waiting in the queue now
    visits.link_ticket(today.id, case.id, kim)
    casework.view_case(case.id)
    return {"case": case, "other": other, "kim": kim, "morag": morag, "jimmy": jimmy, "item": item,
            "tickets": [ticket, jimmy_ticket, today]}


def browser(app, role, username):
    user = make_staff(role, username, username.title())
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.user = user
    return client


@pytest.fixture
def managers(app):
    return browser(app, "manager", "meg"), browser(app, "manager", "ali")


def ask(client, case_id, reason="no_longer_needed", details="Asked by letter on 20 November"):
    return client.post(f"/cases/{case_id}/erase", data={"reason": reason, "details": details})


def waiting_request(case_id):
    return Erasure.get((Erasure.case_number == case_id) & (Erasure.status == "waiting")).id


def confirm(client, case_id, request_id=None):
    return client.post(f"/cases/{case_id}/erase/confirm", data={"request": request_id or waiting_request(case_id)})


def figures():
    """Every table of the report, drop-in and casework, for each period before today."""
    found = []
    for first, last in PERIODS:
        report = build_report(first, last)
        found.append([(t.key, t.columns, t.rows) for t in report.dropin + report.casework])
    return found


def everything_stored():
    """Every row of every table, as text."""
    return "\n".join(str(row) for table in sorted(database.get_tables())
                     for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall())
