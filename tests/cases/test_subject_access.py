"""Subject access requests: a manager logs one from a case or family record, sees its deadline, gathers the
document and the JSON file (with other people's details left out and staff's free text marked), and marks it
answered; every step is in the audit log, and nobody else gets past the door."""
import json
from datetime import date, datetime

import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import bookings, families, referrals, travel, visits
from kiosk.cases import services as casework
from kiosk.cases.access_requests import SubjectAccessRequest, deadline, log_request
from kiosk.cases.models import Case

from ..factories import make_case, make_staff, make_ticket
from ..pages import text

CHECK = "Check for third parties before sending"
WITHHELD = "[Withheld: another person's details]"


@pytest.fixture
def manager(auth):
    return auth.login("manager", username="meg", name="Meg Manager")


@pytest.fixture
def everything(app):
    """A case with one of every kind of record, another case its flag names, and two family members:
    one linked with both sides' agreement, one the person has not agreed to."""
    kim = make_staff("keyworker", "kim", "Kim Worker")
    case = make_case(kim, keyworker=kim, name="Alex Morgan", phone="0141 555 0101", address="1 High Street\nGlasgow G1 1AA",
                     establishment="HMP Barlinnie", consent_date=date(2026, 10, 1))
    other = make_case(kim, name="Sam Reid", reference="GTC-0777")
    item = casework.add_plan_item(case.id, {"area": "accommodation", "goal": "A tenancy of his own",
                                            "actions": "Homeless application with his brother Tam"}, kim)
    casework.rate_plan_item(case.id, item.id, 2, kim)
    casework.add_contact(case.id, "phone", datetime(2026, 7, 1, 11, 0), "Talked about the tenancy", kim)
    bookings.book(case.id, kim, datetime(2026, 12, 2, 10, 0), kim, kind="prison_visit", prison="HMP Barlinnie",
                  note="Bring the housing forms")
    partner = referrals.add_partner("Clyde Housing Advice", "accommodation", None, kim)
    referrals.make_referral(case.id, partner.id, None, date(2026, 11, 20), "Urgent: release in a week", kim)
    casework.add_flag(case.id, "keep_apart", "Fought in the waiting room", kim, other)
    casework.add_flag(case.id, "staff_safety", None, kim)
    mary = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother", "phone": "0141 333 4444",
                                       "link_consent_family": True, "link_consent_person": True}, kim, case.id)
    jo = families.add_family_member({"name": "Jo Hidden", "relationship": "Ex-partner", "phone": "0141 999 8888",
                                     "link_consent_family": True}, kim, case.id)
    travel.record_travel_help(case.id, {"prison": "HMP Low Moss", "visit_date": date(2026, 11, 10),
                                        "apvs": "explained", "travel": "Bus pass", "cost_pence": 540,
                                        "paid_by": "service"}, kim)
    travel.record_travel_help(case.id, {"family_member_id": mary.id, "prison": "HMP Greenock",
                                        "visit_date": date(2026, 11, 12), "apvs": "claim_sent",
                                        "travel": "Train for Mary"}, kim)
    ticket = make_ticket(name="Alex", needs=["housing"])
    visits.link_ticket(ticket.id, case.id, kim)
    return {"case": case, "other": other, "mary": mary, "jo": jo, "kim": kim, "ticket": ticket}


def logged(case=None, member=None, received=date(2026, 11, 20), how="letter", staff=None):
    return log_request(received, how, staff or make_staff("manager"), case_id=case.id if case else None,
                       member_id=member.id if member else None)


def audit_details(action=None):
    query = AuditEvent.select().order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return [(e.username, e.action, e.object_type, e.object_id, e.detail) for e in query]


# --- the deadline ------------------------------------------------------------------------------------

@pytest.mark.parametrize("received, due", [
    (date(2027, 1, 31), date(2027, 2, 28)), (date(2028, 1, 31), date(2028, 2, 29)),
    (date(2026, 3, 31), date(2026, 4, 30)), (date(2026, 11, 20), date(2026, 12, 20)),
    (date(2026, 12, 31), date(2027, 1, 31)), (date(2026, 2, 28), date(2026, 3, 28)),
])
def test_the_deadline_is_the_same_day_next_month_or_that_month_s_last_day(received, due):
    assert deadline(received) == due


def test_a_manager_logs_a_request_from_the_case_page_and_sees_its_deadline(client, auth, everything, clock):
    clock.move_to(datetime(2027, 2, 10, 12, 0))
    manager = auth.login("manager", username="meg")
    case = everything["case"]
    page = client.get(f"/cases/{case.id}")
    assert "Subject access request" in text(page)
    form = client.get(f"/cases/{case.id}/subject-access")
    assert form.status_code == 200
    assert "Received today, it is due by 10/03/2027" in text(form)
    response = client.post(f"/cases/{case.id}/subject-access", data={"received_on": "2027-01-31", "how": "email"})
    request = SubjectAccessRequest.get()
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/subject-access/{request.id}"
    assert (request.case_id, request.received_on, request.due_on, request.how, request.status,
            request.logged_by_id) == (case.id, date(2027, 1, 31), date(2027, 2, 28), "email", "open", manager.id)
    page = text(client.get(response.headers["Location"]))
    assert "Subject access request logged. The answer is due by 28/02/2027." in page
    assert "Answer due by 28/02/2027 18 days left" in page.replace("(", "").replace(")", "")
    assert f"About {case.reference} · Alex Morgan" in page


def test_a_leap_year_february_has_its_29th(client, auth, everything, clock):
    clock.move_to(datetime(2028, 2, 1, 12, 0))
    auth.login("manager")
    client.post(f"/cases/{everything['case'].id}/subject-access", data={"received_on": "2028-01-31", "how": "letter"})
    assert SubjectAccessRequest.get().due_on == date(2028, 2, 29)


def test_open_requests_are_listed_by_deadline_and_overdue_ones_stand_out(client, manager, everything):
    late = logged(everything["case"], received=date(2026, 9, 30))  # due 30 October: 24 days ago
    soon = logged(member=everything["mary"], received=date(2026, 10, 28))  # due 28 November
    response = client.get("/cases/subject-access/")
    assert response.status_code == 200
    page = text(response)
    assert "Open 2" in page
    assert (f"30/10/2026 Overdue by 24 days {everything['case'].reference} · Alex Morgan 30/09/2026" in page)
    assert "28/11/2026 5 days left Mary Morgan (family record) 28/10/2026" in page
    assert page.index("Overdue by 24 days") < page.index("5 days left")
    assert f'<tr id="sar-{late.id}" class="is-overdue">' in response.get_data(as_text=True)
    assert f'<tr id="sar-{soon.id}">' in response.get_data(as_text=True)
    # The register names people: each one listed is a view in their audit trail.
    assert ("meg", "view", "Case", everything["case"].id, "listed in subject access requests") in audit_details()
    assert ("meg", "view", "FamilyMember", everything["mary"].id, "listed in subject access requests") in audit_details()


def test_the_menu_and_the_links_are_for_managers_only(client, auth, everything):
    case, mary = everything["case"], everything["mary"]
    auth.login("keyworker")
    for url in (f"/cases/{case.id}", f"/cases/family/{mary.id}"):
        assert "Subject access" not in text(client.get(url))
    client.post("/logout")
    auth.login("manager")
    assert 'href="/cases/subject-access/"' in client.get("/cases/").get_data(as_text=True)
    assert f'href="/cases/{case.id}/subject-access"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert (f'href="/cases/family/{mary.id}/subject-access"'
            in client.get(f"/cases/family/{mary.id}").get_data(as_text=True))


# --- the document --------------------------------------------------------------------------------------

def test_the_document_holds_everything_about_the_case_and_no_one_else(client, manager, everything):
    case = everything["case"]
    request = logged(case)
    response = client.get(f"/cases/subject-access/{request.id}/document")
    assert response.status_code == 200
    page = text(response)
    assert "Records held about Alex Morgan (GTC-0001)" in page
    assert "Answer due by 20/12/2026" in page
    for held in ("Date of birth 01/05/1990", "Phone 0141 555 0101", "Address 1 High Street Glasgow G1 1AA",
                 "Establishment HMP Barlinnie", "Sentence under four years Yes", "Statutory order No",
                 "Release date 14/11/2026", "Consent given on 01/10/2026", "In support until 14 Nov 2027",
                 "Area Accommodation Goal A tenancy of his own " + CHECK,
                 "Homeless application with his brother Tam " + CHECK, "2 of 5: Struggling",
                 # 11:00 UTC on 1 July is 12:00 in Glasgow (BST).
                 "01/07/2026 12:00 Phone Kim Worker Talked about the tenancy " + CHECK,
                 "Pre-release visit Status Booked Keyworker Kim Worker Prison HMP Barlinnie",
                 "Bring the housing forms " + CHECK,
                 "Clyde Housing Advice Accommodation 20/11/2026 Made Kim Worker Urgent: release in a week " + CHECK,
                 "10/11/2026 HMP Low Moss Explained the scheme Bus pass " + CHECK + " £5.40 This service",
                 "Keep apart from another case Yes " + WITHHELD + " Fought in the waiting room " + CHECK,
                 "Staff safety Yes", "Mary Morgan Mother",
                 f"{everything['ticket'].number} 23/11/2026 Waiting Myself Housing Alex"):
        assert held in page, held
    # Other people: the case the flag names, the family member the person has not agreed to, the mother's
    # own visit (travel help for her, even though it is on the case) and her phone number.
    for left_out in ("Sam Reid", "GTC-0777", "Jo Hidden", "0141 999 8888", "Ex-partner", "HMP Greenock",
                     "Train for Mary", "0141 333 4444"):
        assert left_out not in page, left_out
    # The manager's box says what to check, and does not go out with the document.
    assert "8 fields written by staff are marked" in page
    assert "1 family record is left out: not linked with both sides' agreement." in page
    assert "held back under an exemption" in page
    body = response.get_data(as_text=True)
    assert '<aside class="for-the-manager screen-only"' in body
    assert '<span class="pre">1 High Street\nGlasgow G1 1AA</span>' in body, "an address keeps its lines"


def test_the_audit_trail_shows_who_looked_and_withholds_what_points_at_someone_else(client, manager, everything):
    case, jo, mary = everything["case"], everything["jo"], everything["mary"]
    client.get(f"/cases/{case.id}")  # meg looks at the case
    request = logged(case)
    page = text(client.get(f"/cases/subject-access/{request.id}/document"))
    trail = page[page.index("Who looked at or changed the record"):]
    assert "23/11/2026 13:30 meg Looked at case" in trail
    assert "kim Created reference GTC-0001" in trail
    assert f"kim Changed added family member {mary.id}" in trail
    assert f"kim Changed added family member {jo.id}" not in trail
    assert f"kim Changed {WITHHELD}" in trail
    assert "meg Subject access request 1: document gathered" in trail, "the gathering itself is in the trail"
    assert "127.0.0.1" not in trail, "the computer's address is the office's, not theirs"


def test_the_json_file_is_the_same_content_with_each_redaction_a_field(client, manager, everything):
    request = logged(everything["case"])
    response = client.get(f"/cases/subject-access/{request.id}/file.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f"attachment; filename=subject-access-request-{request.id}.json"
    body = response.get_data(as_text=True)
    found = json.loads(body)
    assert found["request"] == {"number": request.id, "received_on": "2026-11-20", "how": "Letter",
                                "due_by": "2026-12-20", "status": "Open"}
    assert found["about"] == "case" and found["person"]["name"] == "Alex Morgan"
    assert found["contact_log"][0] == {"when": "2026-07-01T12:00:00+01:00", "kind": "Phone", "staff": "Kim Worker",
                                       "summary": {"text": "Talked about the tenancy", "check_for_third_parties": True}}
    keep_apart = found["safety_flags"][0]
    assert keep_apart["other_person"] == {"withheld": "another person's details"}
    assert found["family"] == [{"name": "Mary Morgan", "relationship": "Mother"}]
    assert [t["prison"] for t in found["travel_help"]] == ["HMP Low Moss"]
    assert found["action_plan"][0]["ratings"][0]["rating"] == "2 of 5: Struggling"
    assert found["tickets"][0]["number"] == everything["ticket"].number
    for left_out in ("Sam Reid", "GTC-0777", "Jo Hidden", "0141 999 8888", "Train for Mary", "family record is left out", "held back under an exemption",
                     "written by staff are marked"):
        assert left_out not in body, left_out


def test_a_family_member_s_document_is_their_own_record_and_the_case_only_when_both_agreed(client, manager,
                                                                                          everything):
    jo, mary, kim = everything["jo"], everything["mary"], everything["kim"]
    families.add_family_contact(jo.id, "phone", datetime(2026, 11, 2, 10, 0), "Asked about visiting", kim)
    travel.record_family_travel_help(jo.id, {"prison": "HMP Barlinnie", "visit_date": date(2026, 11, 15),
                                             "apvs": "claim_helped"}, kim)
    visits.link_family_ticket(make_ticket("family", ["visits"], "Jo").id, jo.id, kim)
    page = text(client.get(f"/cases/subject-access/{logged(member=jo).id}/document"))
    for held in ("Records held about Jo Hidden", "Relationship Ex-partner", "Phone 0141 999 8888",
                 "Supporting Alex Morgan " + CHECK, "Agrees to link with the case Yes",
                 "02/11/2026 10:00 Phone Kim Worker Asked about visiting " + CHECK,
                 "15/11/2026 HMP Barlinnie Helped with the claim", "Family or friend in prison Prison visits Jo",
                 f"kim Created {WITHHELD}"):
        assert held in page, held
    # Not linked: the case, and what the person in custody said about the link, are not theirs.
    linked_part = page[page.index("The case their record is linked to"):page.index("Contact log")]
    assert "None held." in linked_part and "GTC-0001" not in page
    assert "Talked about the tenancy" not in page and "Mary Morgan" not in page

    page = text(client.get(f"/cases/subject-access/{logged(member=mary).id}/document"))
    assert "The case their record is linked to Reference GTC-0001 Name Alex Morgan" in page
    assert f"kim Created family record for case {everything['case'].id}" in page


# --- answering, audit, refusals ------------------------------------------------------------------------

def test_every_step_is_audited_on_the_person_s_record(client, manager, everything):
    case = everything["case"]
    client.post(f"/cases/{case.id}/subject-access", data={"received_on": "2026-11-20", "how": "in_person"})
    request = SubjectAccessRequest.get()
    client.get(f"/cases/subject-access/{request.id}")
    client.get(f"/cases/subject-access/{request.id}/document")
    client.get(f"/cases/subject-access/{request.id}/file.json")
    response = client.post(f"/cases/subject-access/{request.id}/answered", data={"sent": "y"})
    assert response.status_code == 303
    rows = [row for row in audit_details() if row[0] == "meg" and row[2] == "Case"]
    assert rows == [
        ("meg", "subject_access", "Case", case.id, f"request {request.id} received 2026-11-20 (in_person), due 2026-12-20"),
        ("meg", "view", "Case", case.id, f"subject access request {request.id}"),
        ("meg", "subject_access", "Case", case.id, f"request {request.id}: document gathered"),
        ("meg", "subject_access", "Case", case.id, f"request {request.id}: machine-readable file downloaded"),
        ("meg", "subject_access", "Case", case.id, f"request {request.id} answered"),
    ]
    request = SubjectAccessRequest.get()
    assert (request.status, request.answered_by_id) == ("answered", manager.id)
    page = text(client.get(f"/cases/subject-access/{request.id}"))
    assert "Request marked answered." in page and "Answered on 23/11/2026 by Meg Manager In time" in page
    assert "Mark answered" not in page


def test_a_late_answer_says_so_in_the_register_and_the_audit_log(client, manager, everything):
    request = logged(everything["case"], received=date(2026, 10, 1))
    client.post(f"/cases/subject-access/{request.id}/answered", data={"sent": "y"})
    assert audit_details("subject_access")[-1][4] == f"request {request.id} answered, 22 days after the deadline"
    assert "23/11/2026 22 days late" in text(client.get("/cases/subject-access/"))


@pytest.mark.parametrize("form, status, message", [
    ({"received_on": "2026-11-24", "how": "letter"}, 400, "cannot have been received on a day still to come"),
    ({"received_on": "", "how": "letter"}, 400, "Enter the date received."),
    ({"received_on": "2026-02-30", "how": "letter"}, 400, "Enter the date received."),
    ({"received_on": "2025-11-01", "how": "letter"}, 400, "more than a year ago; check the year"),
    ({"received_on": "2026-11-20", "how": "pigeon"}, 400, "Choose how the request came in from the list."),
])
def test_a_bad_request_form_is_refused_with_a_message_and_saves_nothing(client, manager, everything, form, status,
                                                                       message):
    before = AuditEvent.select().count()
    response = client.post(f"/cases/{everything['case'].id}/subject-access", data=form)
    assert response.status_code == status and message in text(response)
    assert SubjectAccessRequest.select().count() == 0 and AuditEvent.select().count() == before


def test_one_open_request_per_person_and_one_answer_per_request(client, manager, everything):
    case = everything["case"]
    request = logged(case)
    response = client.post(f"/cases/{case.id}/subject-access", data={"received_on": "2026-11-21", "how": "letter"})
    assert response.status_code == 409
    assert "There is already an open request for this person, received 20/11/2026 and due by 20/12/2026." in text(
        response)
    assert "A request is already open" in text(client.get(f"/cases/{case.id}/subject-access"))
    unticked = client.post(f"/cases/subject-access/{request.id}/answered", data={})
    assert unticked.status_code == 400 and "Tick the box to confirm they have been sent." in text(unticked)
    assert SubjectAccessRequest.get().status == "open"
    client.post(f"/cases/subject-access/{request.id}/answered", data={"sent": "y"})
    again = client.post(f"/cases/subject-access/{request.id}/answered", data={"sent": "y"})
    assert again.status_code == 409 and "already marked answered on 23/11/2026" in text(again)
    assert SubjectAccessRequest.select().count() == 1
    # Once answered, a new request may be logged.
    assert client.post(f"/cases/{case.id}/subject-access",
                       data={"received_on": "2026-11-23", "how": "letter"}).status_code == 303


@pytest.mark.parametrize("role", ["reception", "keyworker"])
def test_reception_and_keyworkers_are_refused(client, auth, everything, role):
    request = logged(everything["case"])
    auth.login(role)
    before = AuditEvent.select().count()
    for method, url in (("GET", "/cases/subject-access/"), ("GET", f"/cases/{everything['case'].id}/subject-access"),
                        ("POST", f"/cases/{everything['case'].id}/subject-access"),
                        ("GET", f"/cases/family/{everything['mary'].id}/subject-access"),
                        ("GET", f"/cases/subject-access/{request.id}"),
                        ("GET", f"/cases/subject-access/{request.id}/document"),
                        ("GET", f"/cases/subject-access/{request.id}/file.json"),
                        ("POST", f"/cases/subject-access/{request.id}/answered")):
        response = client.open(url, method=method, data={"received_on": "2026-11-20", "how": "letter", "sent": "y"})
        assert response.status_code == 403, url
        assert "You do not have access to that page." in text(response)
    assert AuditEvent.select().count() == before
    assert SubjectAccessRequest.get().status == "open" and SubjectAccessRequest.select().count() == 1


@pytest.mark.parametrize("method, url", [
    ("GET", "/cases/999/subject-access"), ("POST", "/cases/999/subject-access"),
    ("GET", "/cases/family/999/subject-access"), ("GET", "/cases/subject-access/999"),
    ("GET", "/cases/subject-access/999/document"), ("GET", "/cases/subject-access/999/file.json"),
    ("POST", "/cases/subject-access/999/answered"),
])
def test_a_missing_case_or_request_is_a_404_and_writes_nothing(client, manager, method, url):
    before = AuditEvent.select().count()
    response = client.open(url, method=method, data={"received_on": "2026-11-20", "how": "letter", "sent": "y"})
    assert response.status_code == 404
    assert "There is no" in text(response)
    assert AuditEvent.select().count() == before and SubjectAccessRequest.select().count() == 0


def test_a_request_outlives_the_record_it_was_about(client, manager, app):
    case = make_case()
    request = logged(case)
    Case.delete().where(Case.id == case.id).execute()  # as an erasure would leave it
    assert SubjectAccessRequest.get().case_id is None
    assert "A record since erased" in text(client.get(f"/cases/subject-access/{request.id}"))
    response = client.get(f"/cases/subject-access/{request.id}/document")
    assert response.status_code == 404 and "has been erased: there is nothing left to gather" in text(response)
    assert "(record since erased)" in text(client.get("/cases/subject-access/"))
