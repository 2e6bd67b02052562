"""Bookings beyond the drop-in: pre-release visits, gate pick-ups and case conferences booked on a case,
done (a contact in the log), missed or cancelled; the releases list; who is expected in today."""
from datetime import date, datetime

import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import bookings
from kiosk.cases.models import Appointment, Case, ContactEntry

from ..factories import make_case, make_staff
from ..pages import text

# The clock is Monday 23 November 2026 (tests/moments.py).
VISIT = {"kind": "prison_visit", "day": "2026-12-02", "time": "10:00", "prison": "HMP Barlinnie",
         "note": "Bring the housing forms"}
PICKUP = {"kind": "gate_pickup", "day": "2026-12-11", "time": "08:00", "prison": "HMP Barlinnie",
          "place": "Visitors' car park, Lee Avenue"}
CONFERENCE = {"kind": "case_conference", "day": "2026-12-04", "time": "14:00", "place": "Social work office",
              "attendees": ["person", "throughcare_officer", "social_work"]}


@pytest.fixture
def kim(auth):
    return auth.login("keyworker", username="kim", name="Kim Worker")


def book(client, case, worker, **form):
    return client.post(f"/cases/{case.id}/appointments", data={"keyworker": str(worker.id), **form})


def test_a_keyworker_books_outreach_of_each_kind_and_sees_it_on_the_case(client, kim):
    case = make_case(keyworker=kim, release_date=date(2026, 12, 11))
    for form in (VISIT, PICKUP, CONFERENCE):
        assert book(client, case, kim, **form).status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert ("Pre-release visit · Wednesday 2 December 10:00am with Kim Worker Booked HMP Barlinnie · "
            "Bring the housing forms") in page
    assert ("Gate pick-up · Friday 11 December 8:00am with Kim Worker Booked HMP Barlinnie · "
            "Meet at Visitors' car park, Lee Avenue") in page
    assert ("Case conference · Friday 4 December 2:00pm with Kim Worker Booked Social work office · "
            "With: The person, Prison throughcare officer, Social work") in page
    # Soonest first: what is coming up is what the keyworker plans by.
    assert page.index("Pre-release visit ·") < page.index("Case conference ·") < page.index("Gate pick-up ·")
    assert [e.detail for e in AuditEvent.select().where(AuditEvent.action == "update")
            .order_by(AuditEvent.id)][-3:] == ["booked prison visit 1", "booked gate pickup 2",
                                               "booked case conference 3"]


@pytest.mark.parametrize("form, message", [
    ({**VISIT, "prison": " "}, "Say which prison."),
    ({**PICKUP, "place": ""}, "Say where to meet them at the gate."),
    ({**CONFERENCE, "attendees": []}, "Say who attends the case conference."),
    ({**CONFERENCE, "attendees": ["the judge"]}, "Choose who attends from the list."),
    ({**VISIT, "kind": "holiday"}, "Not a valid choice"),
    ({**VISIT, "day": "2026-11-20"}, "That date has passed"),
    ({**VISIT, "time": "25:00"}, "Not a valid time value"),
])
def test_a_booking_missing_what_its_kind_needs_is_refused_and_nothing_is_saved(client, kim, form, message):
    case = make_case(keyworker=kim)
    response = book(client, case, kim, **form)
    assert response.status_code == 400 and message in text(response)
    assert Appointment.select().count() == 0


def test_done_makes_a_contact_in_the_log_and_missed_or_cancelled_keep_the_reason(client, kim, clock):
    case = make_case(keyworker=kim)
    for form in ({**VISIT, "day": "2026-11-23", "time": "09:00"}, CONFERENCE,
                 {**PICKUP, "day": "2026-11-23", "time": "08:00"}):
        book(client, case, kim, **form)
    visit, conference, pickup = Appointment.select().order_by(Appointment.id)
    assert client.post(f"/cases/bookings/{pickup.id}", data={"status": "done",
                                                             "summary": "Met at the gate; to the council."}
                       ).status_code == 303
    entry = ContactEntry.get()
    assert (entry.kind, entry.summary, entry.staff_id) == ("gate_pickup", "Met at the gate; to the council.", kim.id)
    assert entry.happened_at == datetime(2026, 11, 23, 8, 0), "when it was booked for, not when it was typed up"
    assert Appointment.get_by_id(pickup.id).contact_id == entry.id
    assert client.post(f"/cases/bookings/{visit.id}", data={"status": "missed",
                                                            "reason": "Prison lockdown"}).status_code == 303
    assert client.post(f"/cases/bookings/{conference.id}", data={"status": "cancelled",
                                                                 "reason": "Social worker off sick"}).status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "Gate pick-up" in page and "Done" in page and "Met at the gate; to the council." in page
    assert "Missed · Missed: Prison lockdown" not in page  # the reason reads once
    assert "Bring the housing forms · Missed: Prison lockdown" in page
    assert "Cancelled: Social worker off sick" in page


@pytest.mark.parametrize("form, message", [
    ({"status": "done", "summary": ""}, "Write what happened"),
    ({"status": "missed", "reason": ""}, "Say why it was missed."),
    ({"status": "cancelled"}, "Say why it was cancelled."),
    ({"status": "seen"}, "Not a valid choice"),
])
def test_settling_a_booking_without_what_it_needs_is_refused(client, kim, form, message):
    case = make_case(keyworker=kim)
    book(client, case, kim, **{**VISIT, "day": "2026-11-23", "time": "09:00"})  # earlier today
    response = client.post(f"/cases/bookings/{Appointment.get().id}", data=form)
    assert response.status_code == 400 and message in text(response)
    assert Appointment.get().status == "booked" and ContactEntry.select().count() == 0


@pytest.mark.parametrize("status", ["done", "missed"])
def test_what_has_not_happened_yet_cannot_be_done_or_missed_only_cancelled(client, kim, status):
    case = make_case(keyworker=kim)
    book(client, case, kim, **VISIT)  # Wednesday 2 December; today is Monday 23 November
    booking = Appointment.get()
    response = client.post(f"/cases/bookings/{booking.id}", data={"status": status, "summary": "Went well",
                                                                   "reason": "Not in"})
    assert response.status_code == 409
    assert "This is booked for 02/12/2026: say how it went on the day, or cancel it." in text(response)
    assert Appointment.get().status == "booked" and ContactEntry.select().count() == 0
    assert client.post(f"/cases/bookings/{booking.id}", data={"status": "cancelled",
                                                              "reason": "Moved prison"}).status_code == 303


def test_a_booking_is_settled_once(client, kim):
    case = make_case(keyworker=kim)
    book(client, case, kim, **VISIT)
    booking = Appointment.get()
    client.post(f"/cases/bookings/{booking.id}", data={"status": "cancelled", "reason": "Moved prison"})
    again = client.post(f"/cases/bookings/{booking.id}", data={"status": "done", "summary": "Went anyway"})
    assert again.status_code == 409 and "already cancelled" in text(again)
    assert ContactEntry.select().count() == 0


def test_reception_books_and_cancels_office_appointments_only(client, auth):
    worker = make_staff("keyworker", name="Kim Worker")
    case = make_case(keyworker=worker)
    bookings.book(case.id, worker, datetime(2026, 12, 2, 10, 0), worker, kind="prison_visit", prison="HMP Low Moss")
    auth.login("reception")
    page = text(client.get(f"/cases/{case.id}"))
    assert "Pre-release visit · Wednesday 2 December" in page, "reception sees bookings"
    assert "Book an appointment" in page and "Gate pick-up" not in page
    assert book(client, case, worker, **PICKUP).status_code == 400, "not a choice reception is offered"
    assert book(client, case, worker, day="2026-11-25", time="14:00").status_code == 303
    visit, office = Appointment.select().order_by(Appointment.id)
    assert office.kind == "office"
    refused = client.post(f"/cases/bookings/{visit.id}", data={"status": "cancelled", "reason": "Rang in"})
    assert refused.status_code == 403 and Appointment.get_by_id(visit.id).status == "booked"
    done = client.post(f"/cases/bookings/{office.id}", data={"status": "done", "summary": "Seen"})
    assert done.status_code == 403, "reception writes nothing in the contact log"
    assert client.post(f"/cases/bookings/{office.id}", data={"status": "cancelled",
                                                             "reason": "Rang to say ill"}).status_code == 303
    assert Appointment.get_by_id(office.id).status == "cancelled"


def test_reception_sees_only_office_appointments_among_todays(client, auth):
    worker = make_staff("keyworker", name="Kim Worker")
    at_office, released = make_case(name="Alex Morgan"), make_case(name="Bo Reid")
    bookings.book(at_office.id, worker, datetime(2026, 11, 23, 14, 0), worker)
    bookings.book(released.id, worker, datetime(2026, 11, 23, 9, 0), worker, kind="gate_pickup",
                  prison="HMP Barlinnie", place="Gate")
    auth.login("reception")
    queue = text(client.get("/staff/queue"))
    assert f"Expected today 2:00pm · Alex ({at_office.reference}) with Kim Worker" in queue
    assert "9:00am" not in queue and f"Bo ({released.reference})" not in queue


def test_the_releases_list_shows_what_is_planned_and_warns_of_nothing_planned(client, kim):
    other = make_staff("keyworker", name="Ola Other")
    planned = make_case(name="Alex Morgan", keyworker=kim, release_date=date(2026, 12, 11), establishment="HMP Barlinnie")
    bare = make_case(name="Bo Reid", keyworker=other, release_date=date(2026, 12, 1))
    later = make_case(name="Cy Later", keyworker=kim, release_date=date(2027, 2, 1))
    make_case(name="Di Far", release_date=date(2027, 3, 1))  # beyond 12 weeks
    make_case(name="Ed Out", release_date=date(2026, 11, 20), release_date_confirmed=True)  # already out
    book(client, planned, kim, **VISIT)
    book(client, planned, kim, **PICKUP)
    page = text(client.get("/cases/releases"))
    assert "Released in the next 12 weeks 3" in page
    assert page.index("Bo Reid") < page.index("Alex Morgan") < page.index("Cy Later")
    assert "Di Far" not in page and "Ed Out" not in page.split("Support windows")[0]
    assert (f"11/12/2026 (18 days) {planned.reference} · Alex Morgan HMP Barlinnie Kim Worker "
            "Wednesday 2 December Friday 11 December") in page
    assert f"01/12/2026 (8 days) {bare.reference} · Bo Reid – Ola Other Nothing planned Nothing planned" in page
    assert f"{later.reference} · Cy Later – Kim Worker Not booked Not booked" in page
    mine = text(client.get("/cases/releases?mine=1"))
    assert "Bo Reid" not in mine and "Alex Morgan" in mine
    shown = {e.object_id for e in AuditEvent.select().where(AuditEvent.detail == "listed in releases")}
    assert shown == {planned.id, bare.id, later.id}


def test_support_windows_ending_in_the_next_four_weeks(client, kim):
    ending = make_case(name="Alex Morgan", keyworker=kim, release_date=date(2025, 12, 10),
                       release_date_confirmed=True)
    make_case(name="Bo Reid", release_date=date(2025, 11, 20), release_date_confirmed=True)  # ended on the 20th
    make_case(name="Cy Later", release_date=date(2026, 1, 5), release_date_confirmed=True)  # ends in January
    make_case(name="Di Closed", release_date=date(2025, 12, 1), status="closed", closed_reason="Moved")
    page = text(client.get("/cases/releases"))
    section = page.split("Support windows ending in the next 4 weeks")[1]
    assert f"10/12/2026 {ending.reference} · Alex Morgan 10/12/2025 Kim Worker" in section
    for name in ("Bo Reid", "Cy Later", "Di Closed"):
        assert name not in section


def test_the_case_page_warns_when_release_is_near_and_nothing_is_planned(client, kim):
    case = make_case(keyworker=kim, release_date=date(2026, 12, 1))
    warning = "Release is in 8 days (01/12/2026) and nothing is planned: book a pre-release visit or a gate pick-up."
    assert warning in text(client.get(f"/cases/{case.id}"))
    book(client, case, kim, **{**PICKUP, "day": "2026-12-01"})
    assert "nothing is planned" not in text(client.get(f"/cases/{case.id}"))
    far = make_case(name="Bo Reid", keyworker=kim, release_date=date(2027, 1, 30))
    assert "nothing is planned" not in text(client.get(f"/cases/{far.id}"))


def test_expected_today_lists_recent_releases_and_people_a_keyworker_expects(client, auth, clock):
    kim = auth.login("keyworker", username="kim", name="Kim Worker")
    expected = make_case(name="Alex Morgan", keyworker=kim)
    released = make_case(name="Bo Reid", keyworker=kim, release_date=date(2026, 11, 18), release_date_confirmed=True)
    make_case(name="Cy Long", release_date=date(2026, 11, 10), release_date_confirmed=True)  # two weeks ago
    assert client.post(f"/cases/{expected.id}/expected", data={"day": "2026-11-23"}).status_code == 303
    assert Case.get_by_id(expected.id).expected_on == date(2026, 11, 23)
    assert "Expected in on 23/11/2026." in text(client.get(f"/cases/{expected.id}"))
    desk = text(client.get("/staff/desk"))
    assert (f"Expected today Alex ({expected.reference}) · expected today Bo ({released.reference}) · "
            "released 18/11") in desk
    queue = text(client.get("/staff/queue"))
    assert f"Alex ({expected.reference}) · expected today" in queue and "Cy" not in queue
    assert client.post(f"/cases/{expected.id}/expected", data={"clear": "1"}).status_code == 303
    assert "expected today" not in text(client.get("/staff/queue"))
    refused = client.post(f"/cases/{expected.id}/expected", data={"day": "2026-11-20"})
    assert refused.status_code == 400 and "That date has passed" in text(refused)


def test_reception_cannot_mark_anyone_expected(client, auth):
    case = make_case()
    auth.login("reception")
    assert client.post(f"/cases/{case.id}/expected", data={"day": "2026-11-23"}).status_code == 403
    assert Case.get_by_id(case.id).expected_on is None
