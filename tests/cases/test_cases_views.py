"""Case pages and the queue's links to them, through the browser: what staff see, and bad input refused."""
import re
from datetime import date, datetime

import pytest

from kiosk.cases import bookings, services as casework, visits
from kiosk.cases.models import ActionPlanItem, Appointment, Case, ContactEntry, SafetyFlag, TicketLink
from kiosk.audit import AuditEvent
from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import move

from ..factories import make_case, make_staff, make_ticket
from ..pages import text

CASE_FORM = {
    "name": "Alex Morgan", "preferred_name": "Al", "date_of_birth": "1990-05-01", "phone": "0141 555 0101",
    "address": "1 High Street, Glasgow", "contact_preference": "phone", "establishment": "HMP Barlinnie",
    "sentence_under_four_years": "yes", "statutory_order": "no", "release_date": "2026-11-14",
    "referral_source": "community_justice", "referral_date": "2026-08-01", "consent_date": "2026-08-03",
    "status": "active", "closed_reason": "", "keyworker": "0",
}


def version_on(response):
    match = re.search(r'name="version"[^>]*value="(\d+)"', response.get_data(as_text=True))
    assert match, "no version in the form"
    return match.group(1)


def written():
    """How many case records and audited writes there are: bad input must change neither."""
    return Case.select().count(), AuditEvent.select().where(AuditEvent.action.in_(("create", "update"))).count()


def test_new_case_is_saved_and_shown_with_its_support_window(client, auth):
    worker = auth.login("keyworker")
    assert "New case" in text(client.get("/cases/new"))
    response = client.post("/cases/new", data=CASE_FORM)
    case = Case.get()
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}"
    page = text(client.get(response.headers["Location"]))
    assert "Created GTC-0001." in page
    assert "GTC-0001 · Al (Alex Morgan)" in page
    assert "In support until 14 Nov 2027" in page and "14/08/2026 to 14/11/2027" in page
    assert f"03/08/2026, recorded by {worker.display_name}" in page
    assert "HMP Barlinnie" in page and "0141 555 0101" in page
    assert "Community justice social work on 01/08/2026" in page


def test_a_case_referred_by_a_source_no_longer_offered_keeps_it_through_an_edit(client, auth):
    auth.login("keyworker")
    case = make_case(referral_source="social_worker")
    form = text(client.get(f"/cases/{case.id}/edit"))
    assert "Social worker" in form and "Prison throughcare support officer" in form
    assert "Social worker" not in text(client.get("/cases/new")), "new cases get today's list"
    response = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "referral_source": "social_worker",
                                                          "version": version_on(client.get(f"/cases/{case.id}/edit"))})
    assert response.status_code == 303
    assert Case.get_by_id(case.id).referral_source == "social_worker"
    assert "Referred by Social worker" in text(client.get(f"/cases/{case.id}"))


@pytest.mark.parametrize("change, message", [
    ({"date_of_birth": "2026-02-30"}, "Enter a real date, for example 23/11/2026."),
    ({"release_date": "2026-13-01"}, "Enter a real date, for example 23/11/2026."),
    ({"release_date": "1989-12-31"}, "The release date is before the date of birth."),
    ({"date_of_birth": "2027-01-01", "release_date": ""}, "The date of birth is in the future."),
    ({"reference": "gtc-0001"}, "There is already a case GTC-0001."),
    ({"name": " "}, "Enter the person's name."),
    ({"status": "closed"}, "Choose how the case ended."),
    ({"phone": "call me"}, "Use digits and spaces only."),
])
def test_bad_new_case_is_refused_with_a_message_and_saves_nothing(client, auth, change, message):
    auth.login("keyworker")
    make_case(name="Already Here")
    before = written()
    response = client.post("/cases/new", data={**CASE_FORM, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert written() == before


def test_edit_saves_the_change(client, auth):
    auth.login("keyworker")
    case = make_case()
    form = client.get(f"/cases/{case.id}/edit")
    assert "Edit GTC-0001" in text(form)
    response = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "phone": "07700 900123",
                                                            "version": version_on(form)})
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}"
    assert "07700 900123" in text(client.get(f"/cases/{case.id}"))
    assert (Case.get_by_id(case.id).phone, Case.get_by_id(case.id).version) == ("07700 900123", 2)


def test_saving_over_someone_elses_change_is_refused(client, auth):
    auth.login("keyworker")
    case = make_case(phone="0141 000 0001")
    form = client.get(f"/cases/{case.id}/edit")
    casework.update_case(case.id, {"phone": "0141 222 2222"}, case.version, make_staff(name="Sam Other"))

    response = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "name": "Overwritten",
                                                            "version": version_on(form)})
    assert response.status_code == 409
    assert "Someone else changed this case while you were editing it. Nothing was saved" in text(response)
    assert "0141 222 2222" in text(response)  # what they saved is shown
    saved = Case.get_by_id(case.id)
    assert (saved.name, saved.phone, saved.version) == ("Alex Morgan", "0141 222 2222", 2)

    # The refused form now carries the saved version: sending it again is a deliberate save.
    again = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "version": version_on(response)})
    assert again.status_code == 303 and Case.get_by_id(case.id).phone == "0141 555 0101"


@pytest.mark.parametrize("change, status, message", [
    ({"date_of_birth": "2026-02-30"}, 400, "Enter a real date, for example 23/11/2026."),
    ({"release_date": "1980-01-01"}, 400, "The release date is before the date of birth."),
    ({"version": "abc"}, 400, "This form is out of date. Reload the page"),
    ({"version": "7"}, 409, "Someone else changed this case"),
])
def test_bad_edit_is_refused_and_the_case_is_unchanged(client, auth, change, status, message):
    auth.login("keyworker")
    case = make_case()
    response = client.post(f"/cases/{case.id}/edit", data={**CASE_FORM, "version": "1", "name": "Changed",
                                                            **change})
    assert response.status_code == status
    assert message in text(response)
    assert (Case.get_by_id(case.id).name, Case.get_by_id(case.id).version) == ("Alex Morgan", 1)


def test_action_plan_item_is_added_and_edited(client, auth):
    auth.login("keyworker")
    case = make_case()
    response = client.post(f"/cases/{case.id}/plan", data={
        "area": "accommodation", "goal": "Get a tenancy", "actions": "Apply to the council", "owner": "Alex",
        "status": "in_progress", "review_date": "2026-12-07"})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "Action plan item added." in page
    assert "Accommodation Get a tenancy In progress review 07/12/2026" in page
    item = ActionPlanItem.get()
    form = client.get(f"/cases/{case.id}/plan/{item.id}")
    assert "Get a tenancy" in text(form)
    saved = client.post(f"/cases/{case.id}/plan/{item.id}", data={
        "area": "accommodation", "goal": "Get a tenancy", "status": "achieved", "rating": "4",
        "version": version_on(form)})
    assert saved.status_code == 303 and ActionPlanItem.get().status == "achieved"


def test_stale_plan_item_edit_is_refused(client, auth):
    worker = auth.login("keyworker")
    case = make_case()
    item = casework.add_plan_item(case.id, {"area": "health", "goal": "See a GP"}, worker)
    casework.update_plan_item(item.id, {"goal": "Register with a GP"}, 1, worker)
    response = client.post(f"/cases/{case.id}/plan/{item.id}", data={
        "area": "health", "goal": "Mine", "status": "not_started", "version": "1"})
    assert response.status_code == 409
    assert "Someone else changed this action plan item meanwhile. Nothing was saved." in text(response)
    assert ActionPlanItem.get().goal == "Register with a GP"


def test_work_outside_the_support_window_is_saved_with_a_warning(client, auth):
    auth.login("keyworker")
    case = make_case(release_date=date(2025, 1, 10))
    response = client.post(f"/cases/{case.id}/contacts", data={
        "kind": "phone", "happened_at": "2026-11-23T10:15", "summary": "Asked about a food bank"})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "Note: Support window ended 10 Jan 2026. Saved all the same." in page
    assert "Asked about a food bank" in page and "10:15am · Phone" in page
    assert ContactEntry.get().happened_at == datetime(2026, 11, 23, 10, 15)


@pytest.mark.parametrize("address, form, message", [
    ("contacts", {"kind": "phone", "happened_at": "2026-11-24T10:00", "summary": "Later"},
     "A contact cannot be in the future"),
    ("contacts", {"kind": "phone", "happened_at": "2026-11-23T10:00", "summary": ""}, "Write a short summary."),
    ("plan", {"area": "health", "goal": "", "status": "not_started"}, "Write the goal."),
    ("plan", {"area": "health", "goal": "GP", "status": "not_started", "review_date": "2026-02-30"},
     "Enter a real date"),
    ("appointments", {"day": "2026-11-20", "time": "10:00"}, "That date has passed"),
    ("flags", {"kind": "keep_apart", "other_reference": "GTC-9999"}, "Give the reference of the case to keep apart"),
    ("family", {"name": "Mary", "relationship": ""}, "Say how they are related."),
])
def test_bad_additions_to_a_case_are_refused(client, auth, address, form, message):
    worker = auth.login("keyworker")
    case = make_case()
    before = written()
    response = client.post(f"/cases/{case.id}/{address}", data={"keyworker": str(worker.id), **form})
    assert response.status_code == 400
    assert message in text(response)
    assert written() == before


def test_family_appointment_and_flag_are_added_to_the_case(client, auth):
    worker = auth.login("keyworker")
    case, other = make_case(), make_case(name="Jo Bell")
    assert client.post(f"/cases/{case.id}/family", data={
        "name": "Mary Morgan", "relationship": "Mother", "phone": "0141 333 4444", "link_consent_family": "y",
        "link_consent_person": "y"}).status_code == 303
    assert client.post(f"/cases/{case.id}/appointments", data={
        "keyworker": str(worker.id), "day": "2026-11-25", "time": "14:00", "note": "Benefits"}).status_code == 303
    assert client.post(f"/cases/{case.id}/flags", data={
        "kind": "keep_apart", "other_reference": other.reference.lower(), "note": "Same wing"}).status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "Mary Morgan (Mother) · 0141 333 4444 · no consent recorded" in page
    assert f"Office appointment · Wednesday 25 November 2:00pm with {worker.display_name} Booked · Benefits" in page
    assert "⚑ Keep apart from another case : GTC-0002 — Same wing" in page
    flag = SafetyFlag.get()
    assert client.post(f"/cases/flags/{flag.id}/clear").status_code == 303
    assert "No flags." in text(client.get(f"/cases/{case.id}"))


def test_caseload_and_reviews_due(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    make_case(name="Not Mine", keyworker=make_staff())
    casework.add_plan_item(case.id, {"area": "money", "goal": "Claim UC", "review_date": date(2026, 11, 20)}, worker)
    casework.add_contact(case.id, "phone", datetime(2026, 11, 16, 11, 0), "Rang", worker)
    page = text(client.get("/cases/mine"))
    assert "GTC-0001 Alex Morgan Active 20/11/2026 Monday 16 November" in page and "Not Mine" not in page
    assert "20/11/2026 · GTC-0001 · Claim UC Overdue" in page
    assert "20/11/2026 Overdue GTC-0001 Money" in text(client.get("/cases/reviews"))


def test_search_as_you_type_finds_by_name_reference_and_birth_date(client, auth):
    auth.login("reception")
    make_case()
    for typed in ("alex", "GTC-0001", "01/05/1990"):
        assert "GTC-0001 Alex Morgan born 01/05/1990" in text(client.get(f"/cases/search?q={typed}")), typed
    assert "No case matches “zzz”." in text(client.get("/cases/search?q=zzz"))
    assert "GTC-0001 Alex Morgan" in text(client.get("/cases/?q=morgan"))
    assert client.get("/cases/search?q=1/1/99999999999999999999").status_code == 200


BIG = "99999999999999999999"  # more than the database can hold


@pytest.mark.parametrize("method, address, form, message", [
    ("GET", "/cases/999", None, "There is no case with that number."),
    ("GET", f"/cases/{BIG}", None, "There is no record with that number."),
    ("GET", f"/cases/new?ticket={BIG}", None, "There is no record with that number."),
    ("POST", "/staff/tickets/{ticket}/link", {"case": "999"}, "There is no case with that number."),
    ("POST", "/staff/tickets/{ticket}/link", {"case": BIG}, "There is no record with that number."),
    ("POST", "/staff/tickets/{ticket}/appointment", {"appointment": BIG}, "There is no record with that number."),
])
def test_a_case_or_ticket_that_does_not_exist_is_not_found(client, auth, method, address, form, message):
    auth.login("keyworker")
    response = client.open(address.format(ticket=make_ticket().id), method=method, data=form)
    assert response.status_code == 404
    assert message in text(response)
    assert TicketLink.select().count() == 0


def test_reception_links_a_ticket_from_the_queue_in_two_requests(client, auth):
    auth.login("reception")
    case = make_case()
    ticket = make_ticket(name="Al")
    assert f"/staff/tickets/{ticket.id}/link" in client.get("/staff/queue").get_data(as_text=True)

    results = client.get(f"/cases/search?q=morgan&ticket={ticket.id}")  # 1: typing in the search box
    assert f"Link {ticket.number} to GTC-0001" in text(results)
    response = client.post(f"/staff/tickets/{ticket.id}/link", data={"case": case.id})  # 2: the button
    assert response.status_code == 303 and response.headers["Location"] == "/staff/queue"
    queue = text(client.get("/staff/queue"))
    assert f"Ticket {ticket.number} is linked to GTC-0001." in queue and "Al GTC-0001 New" in queue
    assert TicketLink.get().case_id == case.id


def test_reception_creates_a_case_from_a_ticket(client, auth):
    auth.login("reception")
    ticket = make_ticket(name="Robyn")
    assert f"/cases/new?ticket={ticket.id}" in client.get(f"/staff/tickets/{ticket.id}/link").get_data(as_text=True)
    form = client.get(f"/cases/new?ticket={ticket.id}")
    assert f"New case for ticket {ticket.number}" in text(form) and 'value="Robyn"' in form.get_data(as_text=True)
    response = client.post(f"/cases/new?ticket={ticket.id}", data={
        "name": "Robyn Kerr", "phone": "0141 777 8888", "contact_preference": "phone"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/queue"
    case = Case.get()
    assert (case.name, case.reference, TicketLink.get().ticket_id) == ("Robyn Kerr", "GTC-0001", ticket.id)
    assert f"Created GTC-0001 and linked ticket {ticket.number} to it." in text(client.get("/staff/queue"))


def test_reception_matches_an_appointment_in_one_step(client, auth):
    auth.login("reception")
    worker = make_staff("keyworker", name="Kim Worker")
    booked = bookings.book(make_case().id, worker, datetime(2026, 11, 23, 14, 0), worker)
    walk_in = make_ticket(name="Early")
    ticket = make_ticket(visit_for="appointment", name="Al")
    queue = text(client.get("/staff/queue"))
    assert "Expected today 2:00pm ·" in queue and "with Kim Worker · Booked" in queue
    assert 'id="match-' in client.get("/staff/queue").get_data(as_text=True)  # the one-step Match button
    response = client.post(f"/staff/tickets/{ticket.id}/appointment", data={"appointment": booked.id})
    assert response.status_code == 303
    assert "Matched to the appointment for GTC-0001." in text(client.get("/staff/queue"))
    assert Appointment.get().status == "arrived"
    client.post("/logout")
    auth.login("keyworker")  # the appointment is called before the walk-in who came first
    client.post("/staff/desk/room", data={"room": Room.get(Room.name == "Room 2").id})
    client.post("/staff/desk/call-next")
    assert (Ticket.get_by_id(ticket.id).state, Ticket.get_by_id(walk_in.id).state) == ("called", "waiting")


def test_desk_shows_the_case_summary_to_the_keyworker_who_called(client, auth):
    worker = auth.login("keyworker")
    case = make_case()
    casework.add_plan_item(case.id, {"area": "health", "goal": "Register with a GP"}, worker)
    casework.add_plan_item(case.id, {"area": "money", "goal": "Old finished goal", "status": "achieved"}, worker)
    casework.add_contact(case.id, "phone", datetime(2026, 11, 16, 11, 0), "Rang about the GP", worker)
    ticket = make_ticket(name="Al")
    visits.link_ticket(ticket.id, case.id, worker)
    client.post("/staff/desk/room", data={"room": Room.get(Room.name == "Room 2").id})
    client.post("/staff/desk/call-next")
    desk = text(client.get("/staff/desk"))
    assert "GTC-0001 · Alex Morgan Open action plan" in desk
    assert "Register with a GP" in desk and "Rang about the GP" in desk
    assert "Old finished goal" not in desk

    client.post(f"/staff/tickets/{ticket.id}", data={"action": "finish", "expected_state": "called",
                                                      "outcome": "Helped with GP form", "from": "desk"})
    assert "Helped with GP form" in text(client.get(f"/cases/{case.id}"))


def test_queue_alerts_reception_to_a_flagged_person_waiting(client, auth):
    auth.login("reception")
    case = make_case(name="Flag Ged")
    casework.add_flag(case.id, "two_workers", None, make_staff())
    ticket = make_ticket()
    visits.link_ticket(ticket.id, case.id, make_staff())
    queue = text(client.get("/staff/queue"))
    assert f"Two workers needed: check the case before seeing {ticket.number}." in queue


CASE_WORDS = ("Zebedee", "Quartermaine", "Zeb", "GTC-0001", "0141 555 9999")


def test_public_pages_never_show_anything_from_the_case(client, app):
    worker = make_staff()
    case = make_case(name="Zebedee Quartermaine", preferred_name="Zeb", phone="0141 555 9999")
    casework.add_flag(case.id, "staff_safety", "Quartermaine note", worker)
    ticket = make_ticket(name="Z")
    waiting = make_ticket(name="Y")
    visits.link_ticket(ticket.id, case.id, worker)
    visits.link_ticket(waiting.id, case.id, worker)
    move(ticket.id, "call", worker, room_id=Room.get(Room.name == "Room 2").id)
    # The kiosk's ticket pages as a tablet with no visit of its own sees them (Welcome starts one, and
    # then shows only that visit's ticket), so Welcome comes last.
    pages = [f"/kiosk/ticket/{ticket.token}", f"/kiosk/ticket/{waiting.token}", "/kiosk/",
             f"/t/{ticket.token}", f"/t/{ticket.token}/live", f"/t/{waiting.token}", f"/t/{ticket.token}/qr.svg",
             "/display/", "/display/live"]
    for address in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        body = response.get_data(as_text=True)
        assert not [word for word in CASE_WORDS if word in body], address
    assert "Room 2" in text(client.get("/display/"))  # the board is showing the linked ticket's call
