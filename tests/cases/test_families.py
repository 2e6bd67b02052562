"""Families as clients in their own right: their own record (with or without a case), consent given and
withdrawn, the link to the person's case only while both agree, their own contact log, audit and retention."""
from datetime import date, datetime, timedelta, timezone

from kiosk.audit import AuditEvent
from kiosk.cases import families
from kiosk.cases.models import ContactEntry, FamilyContact, FamilyMember, TicketLink, TravelHelp
from kiosk.dropin.models import Room
from kiosk.retention import purge

from ..factories import make_case, make_staff, make_ticket
from ..pages import text

ROSE = {"name": "Rose Duffy", "relationship": "Mother", "phone": "0141 496 0300", "in_custody": "Her son Ryan",
        "prison": "HMP Low Moss", "consent_date": "2026-11-02", "address": "4 Kirk Road\nBishopbriggs"}
CONTACT = {"kind": "phone", "happened_at": "2026-11-23T10:00", "summary": "Rang about the visit booking line"}
WITHDRAWN = "Consent was withdrawn on 20/11/2026: nothing more is recorded."


def rose(staff=None, case_id=None, **fields):
    return families.add_family_member({**ROSE, "consent_date": date(2026, 11, 2), **fields}, staff, case_id)


def audit_rows(before=0):
    return [(r.action, r.object_type, r.object_id, r.detail)
            for r in AuditEvent.select().where(AuditEvent.id > before).order_by(AuditEvent.id)]


def last_audit():
    return AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).scalar() or 0


def test_reception_makes_a_family_record_without_any_case(client, auth):
    auth.login("reception")
    assert 'href="/cases/family/"' in client.get("/cases/family/").get_data(as_text=True), "in the staff nav"
    response = client.post("/cases/family/new", data=ROSE)
    member = FamilyMember.get()
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/family/{member.id}"
    assert (member.case_id, member.in_custody, member.prison, member.consent_date) == (
        None, "Her son Ryan", "HMP Low Moss", date(2026, 11, 2))
    page = text(client.get(f"/cases/family/{member.id}"))
    assert "Family record added." in page
    assert "Mother · Supporting: Her son Ryan at HMP Low Moss" in page
    assert "0141 496 0300" in page and "Given on 02/11/2026" in page
    assert "Their contact log" not in page and "Add a contact" not in page, "reception does not see their log"


def test_a_new_family_record_needs_a_name_and_a_consent_date_gone_by(client, auth):
    auth.login("reception")
    for change, message in (({"name": ""}, "Enter their name."),
                            ({"consent_date": "2026-11-30"}, "That date is still to come")):
        response = client.post("/cases/family/new", data={**ROSE, **change})
        assert response.status_code == 400 and message in text(response)
        assert 'value="Her son Ryan"' in response.get_data(as_text=True), "what was typed is kept"
    assert FamilyMember.select().count() == 0


def test_family_records_are_found_by_name_or_phone_however_it_is_spaced(client, auth):
    rose()
    rose(name="Jean Reid", phone="07700 900400")
    auth.login("reception")
    assert "Rose Duffy" in text(client.get("/cases/family/?q=duffy"))
    found = text(client.get("/cases/family/?q=01414960300"))
    assert "Rose Duffy" in found and "Jean Reid" not in found
    assert "No family record matches “Nobody”." in text(client.get("/cases/family/?q=Nobody"))


def test_consent_withdrawn_stops_new_contacts_and_hides_the_form(client, auth):
    auth.login("keyworker")
    member = rose()
    assert client.post(f"/cases/family/{member.id}/contacts", data=CONTACT).status_code == 303
    assert "Add a contact" in text(client.get(f"/cases/family/{member.id}"))
    response = client.post(f"/cases/family/{member.id}/consent", data={"change": "withdrawn", "on": "2026-11-20"})
    assert response.status_code == 303
    page = text(client.get(f"/cases/family/{member.id}"))
    assert WITHDRAWN in page and "Rang about the visit booking line" in page, "the log so far stays"
    assert "Add a contact" not in page and "Record travel help" not in page
    for url, data in ((f"/cases/family/{member.id}/contacts", CONTACT),
                      (f"/cases/family/{member.id}/travel", {"prison": "HMP Low Moss", "visit_date": "2026-12-01",
                                                             "apvs": "explained"})):
        before = audit_rows()
        refused = client.post(url, data=data)
        assert refused.status_code == 409 and WITHDRAWN in text(refused)
        assert audit_rows() == before
    assert FamilyContact.select().count() == 1 and TravelHelp.select().count() == 0
    assert client.post(f"/cases/family/{member.id}/consent",
                       data={"change": "family_agrees"}).status_code == 409, "nor agree to the link"


def test_consent_given_again_must_come_after_the_withdrawal_and_starts_afresh(client, auth):
    auth.login("reception")
    member = rose()
    client.post(f"/cases/family/{member.id}/consent", data={"change": "withdrawn", "on": "2026-11-20"})
    early = client.post(f"/cases/family/{member.id}/consent", data={"change": "given", "on": "2026-11-19"})
    assert early.status_code == 400 and "consent given again must be dated after that" in text(early)
    for change, message in ((("withdrawn", "2026-10-01"), "Consent was already withdrawn on 20/11/2026."),
                            (("given", "2026-11-30"), "That date is still to come"),
                            (("given", ""), "Enter the date.")):
        response = client.post(f"/cases/family/{member.id}/consent", data=dict(zip(("change", "on"), change)))
        assert response.status_code in (400, 409) and message in text(response)
    assert client.post(f"/cases/family/{member.id}/consent",
                       data={"change": "given", "on": "2026-11-23"}).status_code == 303
    member = FamilyMember.get_by_id(member.id)
    assert (member.consent_date, member.consent_withdrawn_on) == (date(2026, 11, 23), None)


def test_the_link_shows_only_while_both_agree(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker, establishment="HMP Barlinnie")
    mary = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother"}, worker, case.id)
    assert (mary.in_custody, mary.prison) == ("Alex Morgan", "HMP Barlinnie"), "from the case"

    def pages():
        return text(client.get(f"/cases/{case.id}")), text(client.get(f"/cases/family/{mary.id}"))

    on_case, on_family = pages()
    assert "Mary Morgan" not in on_case and "1 more family contact is not linked: both must consent." in on_case
    assert case.reference not in on_family and "Supporting: Alex Morgan at HMP Barlinnie" in on_family
    assert "Linking it to the person's case needs both to agree" in on_family
    client.post(f"/cases/family/{mary.id}/consent", data={"change": "family_agrees"})
    on_case, on_family = pages()
    assert "Mary Morgan" not in on_case and case.reference not in on_family, "one side is not enough"
    client.post(f"/cases/family/{mary.id}/link", data={"change": "agrees"})
    on_case, on_family = pages()
    assert "Mary Morgan (Mother)" in on_case and "not linked" not in on_case
    assert f"Mother of {case.reference} · Alex Morgan" in on_family
    client.post(f"/cases/family/{mary.id}/consent", data={"change": "withdrawn", "on": "2026-11-23"})
    on_case, on_family = pages()
    assert "Mary Morgan" not in on_case and case.reference not in on_family
    client.post("/logout")
    auth.login("reception")
    assert "not linked" not in text(client.get(f"/cases/{case.id}")), "caseworkers only are told of others"


def test_the_person_s_say_names_their_case_when_the_record_has_none(client, auth):
    auth.login("keyworker")
    case, member = make_case(), rose(link_consent_family=True)
    no_case = client.post(f"/cases/family/{member.id}/link", data={"change": "agrees"})
    assert no_case.status_code == 400 and "Give the reference of the case" in text(no_case)
    wrong = client.post(f"/cases/family/{member.id}/link", data={"change": "agrees", "reference": "GTC-9999"})
    assert wrong.status_code == 400 and "There is no case with that reference" in text(wrong)
    assert client.post(f"/cases/family/{member.id}/link",
                       data={"change": "agrees", "reference": case.reference.lower()}).status_code == 303
    assert families.linked_case(FamilyMember.get_by_id(member.id)) == case


def test_added_from_the_case_page_without_both_consents_it_opens_their_own_record(client, auth):
    auth.login("reception")
    case = make_case()
    assert 'name="link_consent_person"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/family", data={"name": "Pat Morgan", "relationship": "Brother",
                                                            "link_consent_family": "y", "link_consent_person": "y"})
    member = FamilyMember.get()
    assert response.headers["Location"] == f"/cases/family/{member.id}"
    assert (member.case_id, member.link_consent_family, member.link_consent_person) == (case.id, True, False)
    assert "The case will show it once both agree to the link." in text(client.get(response.headers["Location"]))


def visit_done_at_the_desk(client, member, note):
    """Reception links a family ticket to the family record; the keyworker calls it and presses Done."""
    ticket = make_ticket(visit_for="family", name="Mary")
    link = client.post(f"/staff/tickets/{ticket.id}/link-family", data={"family_member": member.id})
    assert link.status_code == 303
    assert (TicketLink.get(TicketLink.ticket == ticket.id).case_id, TicketLink.get().family_member_id) == (
        None, member.id)
    room = Room.get(Room.name == "Room 2").id
    assert client.post(f"/staff/tickets/{ticket.id}", data={"action": "call", "room": room}).status_code == 303
    done = client.post(f"/staff/tickets/{ticket.id}", data={"action": "finish", "expected_state": "called",
                                                            "outcome": note})
    assert done.status_code == 303
    return ticket


def test_a_family_visit_done_at_the_desk_goes_in_their_log_and_the_case_s_is_unchanged(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    mary = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother", "link_consent_family": True,
                                       "link_consent_person": True}, worker, case.id)
    ticket = visit_done_at_the_desk(client, mary, "Helped with the visiting order")
    assert ContactEntry.select().where(ContactEntry.case == case.id).count() == 0
    entry = FamilyContact.get()
    assert (entry.family_member_id, entry.kind, entry.summary, entry.ticket_id, entry.staff_id) == (
        mary.id, "drop_in", "Helped with the visiting order", ticket.id, worker.id)
    assert "Helped with the visiting order" in text(client.get(f"/cases/family/{mary.id}"))
    assert "Helped with the visiting order" not in text(client.get(f"/cases/{case.id}"))
    # Their ticket linked before consent was withdrawn: Done writes nothing more.
    later = make_ticket(visit_for="family", name="Mary")
    assert client.post(f"/staff/tickets/{later.id}/link-family", data={"family_member": mary.id}).status_code == 303
    families.withdraw_consent(mary.id, date(2026, 11, 23), worker)
    room = Room.get(Room.name == "Room 2").id
    assert client.post(f"/staff/tickets/{later.id}", data={"action": "call", "room": room}).status_code == 303
    assert client.post(f"/staff/tickets/{later.id}", data={"action": "finish", "expected_state": "called",
                                                          "outcome": "Came in again"}).status_code == 303
    assert FamilyContact.select().count() == 1 and ContactEntry.select().count() == 0, "nothing once withdrawn"
    # And a new ticket is not linked to the record at all.
    refused = client.post(f"/staff/tickets/{make_ticket(visit_for='family').id}/link-family",
                          data={"family_member": mary.id})
    assert refused.status_code == 409 and "Consent was withdrawn on 23/11/2026" in text(refused)


def test_travel_help_for_a_family_member_is_in_their_own_log(client, auth):
    worker = auth.login("keyworker")
    member = rose()
    page = client.get(f"/cases/family/{member.id}").get_data(as_text=True)
    assert 'value="HMP Low Moss"' in page, "the prison they visit is filled in"
    response = client.post(f"/cases/family/{member.id}/travel", data={
        "prison": "HMP Low Moss", "visit_date": "2026-12-01", "apvs": "claim_helped", "travel": "bus from Buchanan",
        "cost": "8.40", "paid_by": "apvs"})
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/family/{member.id}#travel"
    record, entry = TravelHelp.get(), FamilyContact.get()
    assert (record.case_id, record.family_member_id, record.cost_pence) == (None, member.id, 840)
    assert (entry.kind, entry.staff_id) == ("visit_travel", worker.id)
    assert entry.summary.startswith("Travel help for a visit to HMP Low Moss on 01/12/2026.")
    page = text(client.get(f"/cases/family/{member.id}"))
    assert "HMP Low Moss 01/12/2026 Helped with the claim bus from Buchanan £8.40 paid by the Assisted" in page
    assert ContactEntry.select().count() == 0


def test_reception_opens_family_records_but_cannot_add_to_their_log(client, auth):
    member = rose()
    auth.login("reception")
    assert client.get(f"/cases/family/{member.id}").status_code == 200
    for url, data in ((f"/cases/family/{member.id}/contacts", CONTACT),
                      (f"/cases/family/{member.id}/link", {"change": "agrees"}),
                      (f"/cases/family/{member.id}/travel", {})):
        assert client.post(url, data=data).status_code == 403
    assert FamilyContact.select().count() == 0
    assert client.post(f"/cases/family/{member.id}/consent", data={"change": "family_agrees"}).status_code == 303


def test_reads_and_writes_of_a_family_record_are_audited(client, auth):
    auth.login("keyworker", username="kim")
    before = last_audit()
    client.post("/cases/family/new", data=ROSE)
    member = FamilyMember.get()
    client.get(f"/cases/family/{member.id}")
    client.post(f"/cases/family/{member.id}/consent", data={"change": "family_agrees"})
    client.post(f"/cases/family/{member.id}/contacts", data=CONTACT)
    client.post(f"/cases/family/{member.id}/consent", data={"change": "withdrawn", "on": "2026-11-23"})
    client.get("/cases/family/?q=Rose")
    entry = FamilyContact.get()
    assert audit_rows(before) == [
        ("create", "FamilyMember", member.id, "family record"),
        ("view", "FamilyMember", member.id, "family record"),
        ("update", "FamilyMember", member.id, "family member agrees to the link"),
        ("update", "FamilyMember", member.id, f"added phone contact {entry.id}"),
        ("update", "FamilyMember", member.id, "consent withdrawn on 2026-11-23"),
        ("search", None, None, "family records by name: 1 found"),
        ("view", "FamilyMember", member.id, "family search result (by name)"),
    ]
    assert {row.username for row in AuditEvent.select().where(AuditEvent.id > before)} == {"kim"}
    client.post("/logout")
    auth.login("manager")
    log = text(client.get(f"/admin/audit?object_type=FamilyMember&object_id={member.id}"))
    assert f"Family record {member.id}" in log and "consent withdrawn on 2026-11-23" in log


def test_adding_from_the_case_page_is_audited_on_both_records(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    before = last_audit()
    client.post(f"/cases/{case.id}/family", data={"name": "Pat Morgan", "relationship": "Brother"})
    member = FamilyMember.get()
    assert audit_rows(before) == [("create", "FamilyMember", member.id, f"family record for case {case.id}"),
                                  ("update", "Case", case.id, f"added family member {member.id}")]


def test_the_purge_lists_a_record_whose_consent_was_withdrawn_before_the_review_period(app, runner, clock):
    member, kept = rose(), rose(name="Jean Reid")
    families.withdraw_consent(member.id, date(2026, 11, 20), None)
    assert purge(30, 6).families == []
    clock.move_to(datetime(2032, 11, 25, 12, 0, tzinfo=timezone.utc))
    assert [m.id for m in purge(30, 6).families] == [member.id]
    result = runner.invoke(args=["purge"])
    assert (f"  family record {member.id} (/cases/family/{member.id}) withdrawn 20/11/2026"
            in result.output.splitlines())
    assert "Rose" not in result.output, "by number: the output may end up in a log"
    assert FamilyMember.select().count() == 2, "listed for review, never deleted"
    assert purge(30, 6, now=datetime(2032, 11, 25) - timedelta(days=10)).families == []
    assert kept.consent_withdrawn_on is None


def test_the_desk_names_a_family_visitor_s_case_only_while_both_agree(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    mary = families.add_family_member({"name": "Mary Morgan", "relationship": "Mother"}, worker, case.id)
    ticket = make_ticket(visit_for="family", name="Mary")
    client.post(f"/staff/tickets/{ticket.id}/link-family", data={"family_member": mary.id})
    client.post("/staff/desk/room", data={"room": Room.get(Room.name == "Room 2").id})
    client.post("/staff/desk/call-next")
    client.get("/staff/desk")  # the link's message is shown once
    desk = text(client.get("/staff/desk"))
    # Who she supports, as her own record has it; the case itself is not named until both agree.
    assert "Family visit: Mary Morgan Mother, supporting Alex Morgan. Their record" in desk
    assert case.reference not in desk and "Open action plan" not in desk
    for side in ("family", "person"):
        families.record_link_consent(mary.id, side, True, worker)
    assert f"Mother of {case.reference}" in text(client.get("/staff/desk"))


def test_reception_links_a_kiosk_family_visit_to_a_family_record_never_to_a_case(client, auth):
    """The kiosk's "family or friend in prison" ticket: reception's Link finds family records (not cases), or
    makes one from the ticket; the queue then points to the family record, with no case reference."""
    staff = auth.login("reception")
    case = make_case(name="Ryan Duffy")  # the person she supports has a case; her visit is still hers
    ticket = make_ticket(visit_for="family", name="Rose")
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert f'href="/staff/tickets/{ticket.id}/link"' in queue and "Link family record" in queue
    page = text(client.get(f"/staff/tickets/{ticket.id}/link"))
    assert "to a family record" in page and "New family record from this ticket" in page
    assert "Ryan Duffy" not in text(client.get(f"/staff/tickets/{ticket.id}/link?q=Ryan")), "no cases offered"
    made = client.post(f"/staff/tickets/{ticket.id}/family-record", data={**ROSE, "consent_date": ""})
    assert made.status_code == 303 and made.headers["Location"] == "/staff/queue"
    rose_record = FamilyMember.get()
    link = TicketLink.get()
    assert (rose_record.case_id, link.case_id, link.family_member_id, link.linked_by_id) == (
        None, None, rose_record.id, staff.id)
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert f'href="/cases/family/{rose_record.id}"' in queue and case.reference not in queue
    assert ("update", "FamilyMember", rose_record.id, f"linked ticket {ticket.number} ({ticket.id})") in audit_rows()

    # Her next visit: found by her phone number, as she types it.
    again = make_ticket(visit_for="family")
    found = client.get(f"/staff/tickets/{again.id}/link?to=family&q=0141+496", headers={"HX-Request": "true"})
    assert "<html" not in found.get_data(as_text=True) and "Rose Duffy" in text(found)
    assert client.post(f"/staff/tickets/{again.id}/link-family",
                       data={"family_member": rose_record.id}).status_code == 303
    assert TicketLink.get(TicketLink.ticket == again.id).family_member_id == rose_record.id


def test_a_wrong_choice_at_the_kiosk_is_put_right_at_the_link_page(client, auth):
    auth.login("reception")
    for_herself = make_ticket(visit_for="family", name="Jo")
    assert "Link to a case instead" in text(client.get(f"/staff/tickets/{for_herself.id}/link"))
    assert "to a case" in text(client.get(f"/staff/tickets/{for_herself.id}/link?to=case"))
    for_her_son = make_ticket(visit_for="self", name="Rose")
    assert "to a family record" in text(client.get(f"/staff/tickets/{for_her_son.id}/link?to=family"))
    bad = client.post(f"/staff/tickets/{for_her_son.id}/family-record", data={"name": "", "relationship": "Mother"})
    assert bad.status_code == 400 and FamilyMember.select().count() == 0
    missing = client.post(f"/staff/tickets/{for_her_son.id}/link-family", data={"family_member": 999})
    assert missing.status_code == 404 and TicketLink.select().count() == 0
