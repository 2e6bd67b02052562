"""Prison-visit travel help on the case page: recorded, shown, told in the contact log, bad input refused."""
import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import families
from kiosk.cases.models import ContactEntry, FamilyContact, TravelHelp

from ..factories import make_case
from ..pages import text

VISIT = {"family_member": "0", "prison": "HMP Barlinnie", "visit_date": "2026-12-12", "apvs": "claim_helped",
         "travel": "train tickets", "cost": "23.40", "paid_by": "service"}


def written():
    """Travel help, contact log entries and audited writes: bad input must change none of them."""
    return (TravelHelp.select().count(), ContactEntry.select().count(), FamilyContact.select().count(),
            AuditEvent.select().where(AuditEvent.action == "update").count())


def test_travel_help_is_recorded_shown_and_told_in_the_contact_log(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker, preferred_name="Al")
    page = text(client.get(f"/cases/{case.id}"))
    assert "No travel help recorded yet." in page and "Record travel help" in page
    response = client.post(f"/cases/{case.id}/travel", data=VISIT)
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}#travel"
    page = text(client.get(f"/cases/{case.id}"))
    assert "Travel help recorded and added to the contact log." in page
    assert "HMP Barlinnie 12/12/2026 Al Helped with the claim train tickets £23.40 paid by this service" in page
    summary = ("Travel help for a visit to HMP Barlinnie on 12/12/2026. Assisted Prison Visits Scheme: helped with "
               "the claim. Travel: train tickets, £23.40, paid by this service.")
    assert f"Monday 23 November 1:30pm · Prison-visit travel help · {worker.display_name} {summary}" in page
    record, entry = TravelHelp.get(), ContactEntry.get()
    assert (record.cost_pence, record.paid_by, record.staff_id, record.family_member_id) == (2340, "service",
                                                                                             worker.id, None)
    assert (entry.kind, entry.summary, entry.staff_id) == ("visit_travel", summary, worker.id)
    audited = AuditEvent.get((AuditEvent.action == "update") & (AuditEvent.object_type == "Case"))
    assert (audited.object_id, audited.staff_id) == (case.id, worker.id)
    assert audited.detail == f"added travel help {record.id} and visit_travel contact {entry.id}"


def linked(case, worker, name, relationship, **fields):
    """A family member linked to the case: both agree."""
    return families.add_family_member({"name": name, "relationship": relationship, "link_consent_family": True,
                                       "link_consent_person": True, **fields}, worker, case.id)


def test_travel_help_for_a_family_member_goes_in_their_own_log_not_the_case_s(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    mother = linked(case, worker, "Margaret Boyle", "Mother")
    assert "Margaret Boyle (Mother)" in text(client.get(f"/cases/{case.id}")), "offered as the visitor"
    response = client.post(f"/cases/{case.id}/travel", data={
        **VISIT, "family_member": str(mother.id), "apvs": "explained", "travel": "", "cost": "", "paid_by": ""})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "HMP Barlinnie 12/12/2026 Margaret Boyle (Mother) Explained the scheme" in page
    assert ContactEntry.select().count() == 0, "a family member's conversation is never in the prisoner's log"
    entry = FamilyContact.get()
    assert (entry.family_member_id, entry.kind, entry.summary) == (mother.id, "visit_travel", (
        "Travel help for a visit to HMP Barlinnie on 12/12/2026. Assisted Prison Visits Scheme: explained the scheme."))
    assert (TravelHelp.get().family_member_id, TravelHelp.get().case_id) == (mother.id, case.id)
    assert "Margaret" not in response.headers.get("Set-Cookie", ""), "no names in the flash cookie"


def test_only_family_linked_to_the_case_are_offered_or_accepted(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    unlinked = families.add_family_member({"name": "Jean Reid", "relationship": "Sister",
                                           "link_consent_family": True}, worker, case.id)
    assert "Jean Reid" not in text(client.get(f"/cases/{case.id}"))
    before = written()
    response = client.post(f"/cases/{case.id}/travel", data={**VISIT, "family_member": str(unlinked.id)})
    assert response.status_code == 400
    assert "That family member is not linked to this case: both must consent." in text(response)
    assert written() == before


def test_a_family_member_of_another_case_is_refused(client, auth):
    worker = auth.login("keyworker")
    case, other = make_case(keyworker=worker), make_case(name="Sam Reid")
    stranger = linked(other, worker, "Jean Reid", "Sister")
    before = written()
    response = client.post(f"/cases/{case.id}/travel", data={**VISIT, "family_member": str(stranger.id)})
    assert response.status_code == 400 and "That family member is not on this case." in text(response)
    assert written() == before


@pytest.mark.parametrize("change, message", [
    ({"cost": "-5"}, "The cost cannot be negative."),
    ({"cost": "10000.01"}, "The cost cannot be over £10,000.00; check the amount."),
    ({"cost": "twenty"}, "Enter the cost in pounds, for example 23.40."),
    ({"cost": "23.405"}, "Enter the cost in pounds, for example 23.40."),
    ({"cost": "NaN"}, "Enter the cost in pounds, for example 23.40."),
    ({"paid_by": ""}, "Say who paid for the travel."),
    ({"paid_by": "the council"}, "Choose who paid from the list."),
    ({"apvs": "maybe"}, "Choose the help given with the Assisted Prison Visits Scheme from the list."),
    ({"visit_date": "2027-11-25"}, "The visit date is more than a year away; check the year."),
    ({"visit_date": "2025-11-20"}, "The visit date is more than a year ago; check the year."),
    ({"visit_date": "2026-02-30"}, "Enter the visit date."),  # as every required date: _date()
    ({"visit_date": ""}, "Enter the visit date."),
    ({"prison": " "}, "Enter the prison being visited."),
    ({"family_member": "99999999999999999999"}, "That family member is not on this case."),
])
def test_bad_travel_help_is_refused_with_a_message_and_saves_nothing(client, auth, change, message):
    auth.login("keyworker")
    case = make_case()
    before = written()
    response = client.post(f"/cases/{case.id}/travel", data={**VISIT, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert written() == before


@pytest.mark.parametrize("typed, pence", [("£1,200", 120000), ("0", 0), ("10000", 1000000), ("7.5", 750)])
def test_a_cost_is_read_as_pounds(client, auth, typed, pence):
    auth.login("keyworker")
    case = make_case()
    assert client.post(f"/cases/{case.id}/travel", data={**VISIT, "cost": typed}).status_code == 303
    assert TravelHelp.get().cost_pence == pence


def test_reception_cannot_record_travel_help(client, auth):
    auth.login("reception")
    case = make_case()
    assert client.post(f"/cases/{case.id}/travel", data=VISIT).status_code == 403
    assert "Prison-visit travel help" not in text(client.get(f"/cases/{case.id}"))
    assert TravelHelp.select().count() == 0
