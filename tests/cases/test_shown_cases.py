"""Lists of cases in the audit log: one row for each case a person was shown, not a count; the live
queue once a day per person and case, without a query per case."""
from datetime import date, datetime, timezone

from kiosk.audit import AuditEvent
from kiosk.cases import bookings, services as casework, visits
from kiosk.dropin.live import poll_key
from kiosk.dropin.models import Room
from kiosk.dropin.queue import move

from ..conftest import Auth
from ..queries import counting_queries
from ..factories import PASSWORD, make_case, make_staff, make_ticket
from ..pages import text, unchanged
from .test_case_access import audit_table

WEDNESDAY = datetime(2026, 11, 25, 13, 30, tzinfo=timezone.utc)  # the next drop-in, half an hour in


def shown(detail=None):
    """(who, case, why) for each audited view of a case, oldest first."""
    query = AuditEvent.select().where((AuditEvent.action == "view") & (AuditEvent.object_type == "Case"))
    if detail:
        query = query.where(AuditEvent.detail == detail)
    return [(e.username, e.object_id, e.detail) for e in query.order_by(AuditEvent.id)]


def test_the_caseload_records_each_case_in_it(client, auth):
    kim = auth.login("keyworker", username="kim")
    mine = [make_case(name="Alex Morgan", keyworker=kim), make_case(name="Bo Reid", keyworker=kim)]
    make_case(name="Not Mine", keyworker=make_staff())
    make_case(name="Closed Case", keyworker=kim, status="closed")
    assert client.get("/cases/mine").status_code == 200
    assert shown() == [("kim", case.id, "listed in caseload") for case in mine]


def test_reviews_due_records_each_case_listed_once(client, auth):
    meg = auth.login("manager", username="meg")
    due, later = make_case(name="Alex Morgan"), make_case(name="Bo Reid")
    for goal in ("Claim UC", "Open a bank account"):  # two items due: one row for the case
        casework.add_plan_item(due.id, {"area": "money", "goal": goal, "review_date": date(2026, 11, 27)}, meg)
    casework.add_plan_item(later.id, {"area": "health", "goal": "See a GP", "review_date": date(2027, 3, 1)}, meg)
    assert "Claim UC" in client.get("/cases/reviews").get_data(as_text=True)
    assert shown() == [("meg", due.id, "listed in reviews due")]


def test_a_search_records_each_case_found_and_none_it_did_not_find(client, auth):
    auth.login("reception", username="rhona")
    found = [make_case(name="Alex Morgan"), make_case(name="Sam Morgan")]
    make_case(name="Jo Bell")
    assert client.get("/cases/search?q=morgan").status_code == 200
    assert shown() == [("rhona", case.id, "search result (by name or reference)") for case in found]
    # The search itself; never the words typed, which are a name or a date of birth.
    assert AuditEvent.get(AuditEvent.action == "search").detail == "by name or reference: 2 found"
    assert not AuditEvent.select().where(AuditEvent.detail.contains("organ")).exists()


def link(case, worker, **ticket):
    ticket = make_ticket(**ticket)
    visits.link_ticket(ticket.id, case.id, worker)
    return ticket


def test_the_queue_records_each_case_once_a_day_for_each_person(app, client, auth, clock):
    worker = make_staff("keyworker")
    alex, bo, gone = make_case(name="Alex Morgan"), make_case(name="Bo Reid"), make_case(name="Cy Gone")
    link(alex, worker, name="Al")
    link(bo, worker, name="Bo")
    finished = link(gone, worker, name="Cy")
    move(finished.id, "call", worker, room_id=Room.get(Room.name == "Room 2").id)
    move(finished.id, "finish", worker)  # listed under Finished today, without its case
    auth.login("reception", username="rhona")
    for _ in range(3):
        assert client.get("/staff/queue/live?v=stale").status_code == 200
    assert unchanged(client.get(f"/staff/queue/live?v={poll_key()}"))
    today = [("rhona", alex.id, "shown in the queue"), ("rhona", bo.id, "shown in the queue")]
    assert shown() == today

    # A second screen sent the first one's render (the shared copy) is recorded for its own person.
    other = app.test_client()
    Auth(other).login("reception", username="rab")
    assert other.get("/staff/queue/live?v=stale").status_code == 200
    assert shown() == today + [("rab", alex.id, "shown in the queue"), ("rab", bo.id, "shown in the queue")]

    clock.move_to(WEDNESDAY)  # the next drop-in: the same people come back
    client.post("/login", data={"username": "rhona", "password": PASSWORD})  # Monday's sign-in has timed out
    link(alex, worker, name="Al")
    link(bo, worker, name="Bo")
    for _ in range(3):
        assert client.get("/staff/queue/live?v=stale").status_code == 200
    assert shown()[-2:] == today
    assert AuditEvent.select().where(AuditEvent.username == "rhona", AuditEvent.action == "view").count() == 4


def test_the_full_queue_page_and_its_appointments_are_recorded_too(client, auth):
    worker = make_staff("keyworker")
    linked, booked = make_case(name="Alex Morgan"), make_case(name="Bo Reid")
    link(linked, worker, name="Al")
    bookings.book(booked.id, worker, datetime(2026, 11, 23, 14, 0), worker)
    auth.login("reception", username="rhona")
    assert f"Bo ({booked.reference}) with" in text(client.get("/staff/queue"))  # today's appointments name cases too
    client.get("/staff/queue/live?v=stale")
    assert sorted(shown()) == [("rhona", linked.id, "shown in the queue"), ("rhona", booked.id, "shown in the queue")]


def test_the_desk_records_a_linked_case_it_names_without_its_summary(client, auth):
    """Reception at a desk, or anyone seeing a family visit, sees the case's reference and name."""
    rhona = auth.login("reception", username="rhona")
    alex = make_case(name="Alex Morgan")
    ticket = link(alex, make_staff("keyworker"), name="Al")
    move(ticket.id, "call", rhona, room_id=Room.get(Room.name == "Room 2").id)
    for _ in range(3):
        assert f"{alex.reference} · Alex Morgan" in text(client.get("/staff/desk"))
        assert client.get("/staff/desk/live?v=stale").status_code == 200
    assert shown() == [("rhona", alex.id, "shown at the desk")]


def test_recording_the_queue_adds_no_query_per_case(client, auth):
    worker = make_staff("keyworker")
    auth.login("reception")
    link(make_case(name="First Case"), worker)
    client.get("/staff/queue/live?v=stale")  # first sight of this browser: device and session bookkeeping
    link(make_case(name="One New"), worker)
    with counting_queries() as few:
        assert client.get("/staff/queue/live?v=stale").status_code == 200
    for i in range(5):
        link(make_case(name=f"New Case {i}"), worker)
    with counting_queries() as many:
        assert client.get("/staff/queue/live?v=stale").status_code == 200
    assert len(shown()) == 7
    assert len(many) == len(few), (few, many)


def test_the_audit_log_names_each_case_shown(client, auth):
    kim = auth.login("keyworker", username="kim")
    case = make_case(name="Alex Morgan", keyworker=kim)
    client.get("/cases/mine")
    client.post("/logout")
    auth.login("manager")
    rows = audit_table(client.get("/admin/audit?username=kim&action=view"))
    assert [" ".join(row.split()[4:]) for row in rows] == [f"kim view {case.reference} listed in caseload 127.0.0.1"]
