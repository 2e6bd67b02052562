"""Who may open which case and admin page, what each role sees, and the audit trail of every read and write."""
import csv
import html
import io
import re
from datetime import date, datetime, timezone

import pytest
from flask import current_app

from kiosk.cases import bookings, families, services as casework, visits
from kiosk.cases import referrals
from kiosk.cases import access_requests
from kiosk.audit import AuditEvent
from kiosk.cases.models import Case, ContactEntry, SafetyFlag
from kiosk.dropin.models import Device, Room, Ticket
from kiosk.offices.models import DEFAULT_OFFICE_ID, OfficeHours
from kiosk.offices.services import add_closure

from ..factories import enrol_device, make_case, make_staff, make_ticket
from ..factories import make_caseload_upload
from ..moments import STORED
from ..pages import text

STAFF, CASEWORK, MANAGER = ("reception", "keyworker", "manager"), ("keyworker", "manager"), ("manager",)
ROLES = ("anonymous",) + STAFF

# (endpoint, method): (roles allowed, what an allowed request with these records and an empty form gets).
# A new case or admin route fails test_every_route_is_in_the_table until it is given a line here.
ACCESS = {
    ("cases.index", "GET"): (STAFF, 200),
    ("cases.search", "GET"): (STAFF, 200),
    ("cases.new", "GET"): (STAFF, 200),
    ("cases.new", "POST"): (STAFF, 400),
    ("cases.view", "GET"): (STAFF, 200),
    ("cases.edit", "GET"): (STAFF, 200),
    ("cases.edit", "POST"): (STAFF, 400),
    ("cases.add_family_member", "POST"): (STAFF, 400),
    ("cases.family_member", "GET"): (STAFF, 200),
    ("cases.families_index", "GET"): (STAFF, 200),
    ("cases.new_family_member", "POST"): (STAFF, 400),
    ("cases.family_consent", "POST"): (STAFF, 400),
    ("cases.family_link", "POST"): (CASEWORK, 400),
    ("cases.add_family_contact", "POST"): (CASEWORK, 400),
    ("cases.record_family_travel_help", "POST"): (CASEWORK, 400),
    ("cases.add_appointment", "POST"): (STAFF, 400),
    ("cases.settle_booking", "POST"): (STAFF, 400),
    ("cases.mark_expected", "POST"): (CASEWORK, 400),
    ("cases.releases_list", "GET"): (CASEWORK, 200),
    ("cases.add_plan_item", "POST"): (CASEWORK, 400),
    ("cases.plan_item", "GET"): (CASEWORK, 200),
    ("cases.plan_item", "POST"): (CASEWORK, 400),
    ("cases.rate_plan_item", "POST"): (CASEWORK, 400),
    ("cases.add_contact", "POST"): (CASEWORK, 400),
    ("cases.add_flag", "POST"): (CASEWORK, 400),
    ("cases.clear_flag", "POST"): (CASEWORK, 303),
    ("cases.caseload", "GET"): (CASEWORK, 200),
    ("cases.reviews", "GET"): (CASEWORK, 200),
    ("cases.make_referral", "POST"): (CASEWORK, 400),
    ("cases.referral_status", "POST"): (CASEWORK, 400),
    ("cases.record_travel_help", "POST"): (CASEWORK, 400),
    ("reception.link_ticket", "GET"): (STAFF, 200),
    ("reception.link_ticket", "POST"): (STAFF, 400),
    ("reception.match_appointment", "POST"): (STAFF, 400),
    ("admin.audit_log", "GET"): (MANAGER, 200),
    ("admin.audit_csv", "GET"): (MANAGER, 200),
    ("admin.device_list", "GET"): (MANAGER, 200),
    ("admin.device_enrol", "POST"): (MANAGER, 400),
    ("admin.device_link", "POST"): (MANAGER, 400),
    ("admin.device_revoke", "POST"): (MANAGER, 303),
    ("admin.staff_list", "GET"): (MANAGER, 200),
    ("admin.staff_create", "POST"): (MANAGER, 400),
    ("admin.staff_role", "POST"): (MANAGER, 400),
    ("admin.staff_active", "POST"): (MANAGER, 303),
    ("admin.staff_end_sessions", "POST"): (MANAGER, 303),
    ("admin.staff_reset_password", "POST"): (MANAGER, 400),
    ("admin.staff_reset_two_factor", "POST"): (MANAGER, 303),
    ("admin.partner_list", "GET"): (MANAGER, 200),
    ("admin.partner_add", "POST"): (MANAGER, 400),
    ("admin.partner_active", "POST"): (MANAGER, 400),
    ("admin.office_list", "GET"): (MANAGER, 200),
    ("admin.office_add", "POST"): (MANAGER, 400),
    ("admin.office", "GET"): (MANAGER, 200),
    ("admin.office_update", "POST"): (MANAGER, 400),
    ("admin.office_hours_add", "POST"): (MANAGER, 400),
    ("admin.office_hours_remove", "POST"): (MANAGER, 303),
    ("admin.office_room_add", "POST"): (MANAGER, 400),
    ("admin.office_room_rename", "POST"): (MANAGER, 400),
    ("admin.office_room_active", "POST"): (MANAGER, 400),
    ("admin.office_closure_add", "POST"): (MANAGER, 400),
    ("admin.office_extra_add", "POST"): (MANAGER, 400),
    ("admin.office_holiday_open", "POST"): (MANAGER, 400),
    ("admin.office_day_remove", "POST"): (MANAGER, 303),
    ("cases.subject_access_list", "GET"): (MANAGER, 200),
    ("cases.case_subject_access", "GET"): (MANAGER, 200),
    ("cases.case_subject_access", "POST"): (MANAGER, 400),
    ("cases.family_subject_access", "GET"): (MANAGER, 200),
    ("cases.family_subject_access", "POST"): (MANAGER, 400),
    ("cases.subject_access_request", "GET"): (MANAGER, 200),
    ("cases.subject_access_document", "GET"): (MANAGER, 200),
    ("cases.subject_access_file", "GET"): (MANAGER, 200),
    ("cases.subject_access_answered", "POST"): (MANAGER, 400),
    ("cases.erasure_form", "GET"): (MANAGER, 200),
    ("cases.request_erasure", "POST"): (MANAGER, 400),
    ("cases.confirm_erasure", "POST"): (MANAGER, 400),
    ("cases.withdraw_erasure", "POST"): (MANAGER, 400),
    ("cases.erasures", "GET"): (MANAGER, 200),
    ("cases.retention_review", "GET"): (MANAGER, 200),
    ("cases.anonymise_cases", "POST"): (MANAGER, 400),
    ("cases.import_page", "GET"): (MANAGER, 200),
    ("cases.import_template", "GET"): (MANAGER, 200),
    ("cases.import_upload", "POST"): (MANAGER, 400),
    ("cases.import_columns", "GET"): (MANAGER, 200),
    ("cases.import_columns", "POST"): (MANAGER, 400),
    ("cases.import_preview", "GET"): (MANAGER, 200),
    ("cases.import_apply", "POST"): (MANAGER, 303),
    ("cases.import_discard", "POST"): (MANAGER, 303),
}


def in_scope(endpoint):
    return endpoint.startswith(("cases.", "admin.")) or endpoint in ("reception.link_ticket", "reception.match_appointment")


def test_every_route_is_in_the_table(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if in_scope(rule.endpoint)
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - set(ACCESS) == set(), "routes with no access rule in the table"
    assert set(ACCESS) - routes == set(), "table lines for routes that no longer exist"


@pytest.fixture
def records(app):
    """One of everything a case or admin URL can name, so an allowed request reaches the real page."""
    worker = make_staff("keyworker", name="Kim Worker")
    case = make_case(keyworker=worker, phone="0141 555 0101")
    item = casework.add_plan_item(case.id, {"area": "accommodation", "goal": "Secret tenancy goal"}, worker)
    casework.add_contact(case.id, "phone", datetime(2026, 11, 16, 11, 0), "Private contact summary", worker)
    member = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother", "phone": "0141 333 4444",
                                         "link_consent_family": True, "link_consent_person": True}, worker, case.id)
    flag = casework.add_flag(case.id, "two_workers", "Always two staff", worker)
    booked = bookings.book(case.id, worker, datetime(2026, 11, 23, 14, 0), worker)
    enrol_device("display", name="Spare display")
    partner = referrals.add_partner("Clyde Housing Advice", "accommodation", None, worker)
    referral = referrals.make_referral(case.id, partner.id, None, date(2026, 11, 20), None, worker)
    closure = add_closure(DEFAULT_OFFICE_ID, date(2026, 12, 10), "Staff training", worker)
    sar = access_requests.log_request(date(2026, 11, 20), "letter", worker, case_id=case.id)
    return {"office_id": DEFAULT_OFFICE_ID, "day_id": closure.id,
            "hours_id": OfficeHours.get(OfficeHours.office == DEFAULT_OFFICE_ID).id,
            "room_id": Room.get(Room.office == DEFAULT_OFFICE_ID).id,"case_id": case.id, "item_id": item.id, "member_id": member.id, "flag_id": flag.id,
            "partner_id": partner.id, "referral_id": referral.id,
            "appointment_id": booked.id, "booking_id": booked.id, "worker_id": worker.id,
            "ticket_id": make_ticket(name="Al").id, "user_id": make_staff("reception").id,
            "device_id": Device.get(Device.name == "Spare display").id, "case": case, "worker": worker, "request_id": sar.id,
            "import_id": make_caseload_upload(worker).id}


def address(endpoint, ids):
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == endpoint)
    return current_app.url_map.bind("localhost").build(endpoint, {arg: ids[arg] for arg in rule.arguments})


def audit_rows():
    return AuditEvent.select().count()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint, method", sorted(ACCESS))
def test_access(client, auth, records, endpoint, method, role):
    allowed, status = ACCESS[(endpoint, method)]
    if role != "anonymous":
        auth.login(role)
    url = address(endpoint, records)
    before = audit_rows()
    response = client.open(url, method=method)
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    elif role in allowed:
        assert response.status_code == status, (url, text(response)[:300])
    else:
        assert response.status_code == 403, url
        assert "You do not have access to that page." in text(response)
    if role not in allowed:
        assert audit_rows() == before, "a refused request left a trace of reading or writing"
        assert SafetyFlag.get_by_id(records["flag_id"]).active is True


def test_reception_sees_contact_details_and_flags_but_not_casework(client, auth, records):
    auth.login("reception")
    page = text(client.get(f"/cases/{records['case_id']}"))
    assert "0141 555 0101" in page and "Two workers needed — Always two staff" in page
    assert "Mary Morgan (Mother) · 0141 333 4444" in page
    for hidden in ("Secret tenancy goal", "Private contact summary", "Action plan", "Contact log",
                   "In support until", "Statutory order"):
        assert hidden not in page, hidden


def test_keyworker_and_manager_see_everything(client, auth, records):
    auth.login("manager")
    page = text(client.get(f"/cases/{records['case_id']}"))
    for shown in ("0141 555 0101", "Always two staff", "Secret tenancy goal", "Private contact summary",
                  "In support until 14 Nov 2027"):
        assert shown in page, shown


def test_reception_cannot_change_eligibility_through_the_edit_form(client, auth, records):
    auth.login("reception")
    form = client.get(f"/cases/{records['case_id']}/edit")
    assert 'name="phone"' in form.get_data(as_text=True) and 'name="statutory_order"' not in form.get_data(as_text=True)
    response = client.post(f"/cases/{records['case_id']}/edit", data={
        "version": "1", "name": "Alex Morgan", "phone": "07700 900123", "contact_preference": "letter",
        "statutory_order": "yes", "release_date": "2020-01-01", "status": "closed", "keyworker": "0"})
    assert response.status_code == 303
    case = Case.get_by_id(records["case_id"])
    assert (case.phone, case.contact_preference) == ("07700 900123", "letter")
    assert (case.statutory_order, case.release_date, case.status, case.keyworker_id) == (
        False, date(2026, 11, 14), "active", records["worker"].id)


@pytest.mark.parametrize("role", STAFF)
def test_family_record_never_shows_the_case_s_plan_or_contact_log(client, auth, records, role):
    auth.login(role)
    page = text(client.get(f"/cases/family/{records['member_id']}"))
    assert "Mary Morgan" in page and "0141 333 4444" in page and "Mother of GTC-0001" in page
    for hidden in ("Secret tenancy goal", "Private contact summary", "Action plan", "0141 555 0101"):
        assert hidden not in page, hidden
    # Their own contact log is for caseworkers, as a case's is.
    assert ("Their contact log" in page) == (role != "reception")



def test_reception_at_the_desk_gets_no_case_summary(client, auth, records):
    auth.login("reception")
    visits.link_ticket(records["ticket_id"], records["case_id"], records["worker"])
    client.post("/staff/desk/room", data={"room": Room.get(Room.name == "Room 1").id})
    client.post("/staff/desk/call-next")
    desk = text(client.get("/staff/desk"))
    assert "You have called" in desk
    assert "Secret tenancy goal" not in desk and "Private contact summary" not in desk
    assert "kept on the ticket, not in the case's contact log" in desk  # what their Done note does


def see_through_the_queue(client, ticket_id, case_id, note):
    """Link the ticket on reception's link page, call it and press Done with a note, as a person would."""
    assert client.post(f"/staff/tickets/{ticket_id}/link", data={"case": case_id}).status_code == 303
    room = Room.get(Room.name == "Room 2").id
    assert client.post(f"/staff/tickets/{ticket_id}", data={"action": "call", "room": room}).status_code == 303
    done = client.post(f"/staff/tickets/{ticket_id}", data={"action": "finish", "expected_state": "called",
                                                            "outcome": note})
    assert done.status_code == 303, text(done)[:300]


def test_reception_pressing_done_writes_no_note_into_the_contact_log(client, auth, records):
    case_id = records["case_id"]
    auth.login("reception")
    see_through_the_queue(client, records["ticket_id"], case_id, "Reception thinks he looked unwell")
    client.post("/logout")
    auth.login("keyworker")
    see_through_the_queue(client, make_ticket(name="Al").id, case_id, "Keyworker filled in the housing form")

    log = [entry.summary for entry in ContactEntry.select().where(ContactEntry.case == case_id)]
    assert not [summary for summary in log if "looked unwell" in summary]
    assert "Keyworker filled in the housing form" in log
    assert "Seen at the drop-in by reception; no case note." in log  # the visit itself is still on the case
    page = text(client.get(f"/cases/{case_id}"))
    assert "Keyworker filled in the housing form" in page and "looked unwell" not in page
    # Reception's note stays on the ticket, where reception wrote it and the purge removes it.
    assert Ticket.get_by_id(records["ticket_id"]).outcome == "Reception thinks he looked unwell"


SUMMER_NOON_UTC = datetime(2027, 6, 14, 12, 30)  # 1:30pm in Glasgow (BST): the log must say 12:30
ELSEWHERE = {"REMOTE_ADDR": "10.1.2.3"}


def new_rows(before):
    return list(AuditEvent.select().where(AuditEvent.id > before).order_by(AuditEvent.id))


def last_id():
    return AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0


@pytest.mark.parametrize("page", ["/cases/{case_id}", "/cases/{case_id}/edit", "/cases/{case_id}/plan/{item_id}"])
def test_each_case_page_view_writes_one_audit_row(client, auth, records, clock, page):
    clock.move_to(SUMMER_NOON_UTC.replace(tzinfo=timezone.utc))
    client.environ_base.update(ELSEWHERE)  # signed in and reading from another office PC
    auth.login("keyworker", username="kim")
    before = last_id()
    assert client.get(page.format(**records)).status_code == 200
    [row] = new_rows(before)
    assert (row.username, row.action, row.object_type, row.object_id, row.address, row.at) == (
        "kim", "view", "Case", records["case_id"], "10.1.2.3", SUMMER_NOON_UTC)


def test_the_family_page_view_is_audited_on_the_family_record_and_the_case_it_names(client, auth, records, clock):
    clock.move_to(SUMMER_NOON_UTC.replace(tzinfo=timezone.utc))
    client.environ_base.update(ELSEWHERE)
    auth.login("keyworker", username="kim")
    before = last_id()
    assert client.get(f"/cases/family/{records['member_id']}").status_code == 200
    rows = [(r.username, r.action, r.object_type, r.object_id, r.detail, r.address, r.at) for r in new_rows(before)]
    assert rows == [
        ("kim", "view", "FamilyMember", records["member_id"], "family record", "10.1.2.3", SUMMER_NOON_UTC),
        ("kim", "view", "Case", records["case_id"], f"shown on family record {records['member_id']}", "10.1.2.3",
         SUMMER_NOON_UTC)]


EDITS = [
    ("/cases/{case_id}/edit", {"version": "1", "name": "Alex Morgan", "phone": "07700 900123",
                               "contact_preference": "phone", "referral_source": "self", "status": "active",
                               "keyworker": "{worker_id}"}),
    ("/cases/{case_id}/plan", {"area": "health", "goal": "See a GP", "status": "not_started"}),
    ("/cases/{case_id}/plan/{item_id}", {"area": "accommodation", "goal": "Tenancy", "status": "achieved",
                                         "rating": "4", "version": "1"}),
    ("/cases/{case_id}/plan/{item_id}/rating", {"score": "3"}),
    ("/cases/{case_id}/contacts", {"kind": "letter", "happened_at": "2026-11-23T09:00", "summary": "Wrote"}),
    ("/cases/{case_id}/appointments", {"keyworker": "{worker_id}", "day": "2026-11-25", "time": "10:00"}),
    ("/cases/{case_id}/flags", {"kind": "staff_safety"}),
    ("/cases/flags/{flag_id}/clear", {}),
    ("/cases/{case_id}/referrals", {"partner": "{partner_id}", "made_on": "2026-11-23"}),
    ("/cases/{case_id}/referrals/{referral_id}/status", {"status": "accepted"}),
    ("/cases/{case_id}/travel", {"prison": "HMP Barlinnie", "visit_date": "2026-12-12", "apvs": "explained"}),
    ("/staff/tickets/{ticket_id}/link", {"case": "{case_id}"}),
    ("/staff/tickets/{ticket_id}/appointment", {"appointment": "{appointment_id}"}),
]


@pytest.mark.parametrize("page, form", EDITS, ids=[page for page, _ in EDITS])
def test_each_edit_writes_one_audit_row(client, auth, records, page, form):
    client.environ_base.update(ELSEWHERE)
    auth.login("manager", username="meg")
    before = last_id()
    response = client.post(page.format(**records), data={k: v.format(**records) for k, v in form.items()})
    assert response.status_code == 303, text(response)[:300]
    [row] = new_rows(before)
    assert (row.username, row.action, row.object_type, row.object_id, row.address) == (
        "meg", "update", "Case", records["case_id"], "10.1.2.3")
    assert row.at == STORED.MID_SESSION


def test_a_new_case_writes_one_create_row(client, auth):
    auth.login("reception", username="rita")
    before = last_id()
    client.post("/cases/new", data={"name": "Robyn Kerr", "contact_preference": "phone"})
    [row] = new_rows(before)
    assert (row.username, row.action, row.object_id, row.detail) == ("rita", "create", Case.get().id,
                                                                      "reference GTC-0001")


def test_the_desk_audits_a_case_summary_once_per_visit_not_per_poll(client, auth, records):
    auth.login("keyworker", username="kim")
    visits.link_ticket(records["ticket_id"], records["case_id"], records["worker"])
    client.post("/staff/desk/room", data={"room": Room.get(Room.name == "Room 2").id})
    client.post("/staff/desk/call-next")
    before = last_id()
    for _ in range(3):
        assert "Secret tenancy goal" in text(client.get("/staff/desk"))
    client.get("/staff/desk/live")
    [row] = new_rows(before)
    assert (row.username, row.action, row.object_id) == ("kim", "view", records["case_id"])


def audit_table(response):
    body = response.get_data(as_text=True)
    rows = re.findall(r"<tr><td>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


def test_manager_filters_the_audit_log(client, auth, records):
    other = make_case(name="Jo Bell")
    for username, case in (("kim", records["case"]), ("sam", other)):
        auth.login("keyworker", username=username)
        assert client.get(f"/cases/{case.id}").status_code == 200
        assert client.get("/cases/search?q=morgan").status_code == 200
        client.post("/logout")  # one browser: the fixture's app context would carry the signed-in user over
    auth.login("manager")
    by_kim = audit_table(client.get("/admin/audit?username=KIM"))
    # Times in the office's time zone, cases by their reference (the CSV keeps UTC for machines).
    when = "Monday 23 November, 1:30pm"
    assert f"{when} kim view {records['case'].reference} case 127.0.0.1" in by_kim
    assert f"{when} kim search by name or reference: 1 found 127.0.0.1" in by_kim
    assert all(row.split()[4] == "kim" for row in by_kim)
    searches = audit_table(client.get("/admin/audit?action=search"))
    assert [row.split()[4:6] for row in searches] == [["sam", "search"], ["kim", "search"]]
    record = audit_table(client.get(f"/admin/audit?object_type=Case&object_id={other.id}"))
    assert f"{when} sam view {other.reference} case 127.0.0.1" in record
    assert all(f" {other.reference} " in row for row in record) and not any(" kim " in row for row in record)
    assert "Nothing matches." in text(client.get("/admin/audit?username=nobody"))
    assert client.get("/admin/audit?since=2026-02-30").status_code == 400


def test_audit_csv_has_a_header_and_defuses_formulas(client, auth, app):
    auth.login("manager")
    for detail in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "plain words"):
        AuditEvent.create(at=datetime(2026, 11, 23, 12, 0), username="=cmd", action="view", detail=detail,
                          address="10.0.0.1")
    response = client.get("/admin/audit.csv?action=view")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["when_utc", "username", "action", "record", "record_id", "detail", "from"]
    assert sorted(row[5] for row in rows[1:]) == sorted(
        ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2", "'@SUM(A1)", "'\t=1", "plain words"])
    assert {row[0] for row in rows[1:]} == {"2026-11-23T12:00:00Z"} and {row[1] for row in rows[1:]} == {"'=cmd"}
