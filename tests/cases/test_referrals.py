"""Referrals out to partners on the case page, and the partner list managers keep."""
import re

import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import referrals
from kiosk.cases.models import Partner, Referral

from ..factories import make_case, make_staff
from ..pages import text


def partner(name="Clyde Housing Advice", area="accommodation", phone="0141 496 0101", active=True):
    made = referrals.add_partner(name, area, phone, make_staff("manager"))
    return made if active else referrals.set_partner_active(made.id, False, make_staff("manager"))


def written():
    """Referrals and the audited writes to cases: bad input must change neither."""
    return (Referral.select().count(),
            AuditEvent.select().where((AuditEvent.action == "update") & (AuditEvent.object_type == "Case")).count())


def refer(client, case, partner_id, **change):
    data = {"partner": str(partner_id), "area": "", "made_on": "2026-11-23", "note": "Homeless application"}
    return client.post(f"/cases/{case.id}/referrals", data={**data, **change})


def test_a_referral_is_made_moved_on_and_shown_with_its_status(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    housing = partner()
    response = refer(client, case, housing.id)
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}#referrals"
    page = text(client.get(f"/cases/{case.id}"))
    assert "Referral made." in page
    assert (f"Clyde Housing Advice 0141 496 0101 Accommodation 23/11/2026 by {worker.display_name} Made "
            "Homeless application") in page
    assert "Mark accepted Mark declined Change status" in page, "the next steps, one tap each"

    response = client.post(f"/cases/{case.id}/referrals/{Referral.get().id}/status", data={"status": "accepted"})
    assert response.status_code == 303 and response.headers["Location"] == f"/cases/{case.id}#referrals"
    page = text(client.get(f"/cases/{case.id}"))
    assert "Referral marked accepted." in page and "Accepted since Monday 23 November" in page
    assert "Mark attended Mark declined" in page

    client.post(f"/cases/{case.id}/referrals/{Referral.get().id}/status", data={"status": "attended"})
    assert "Attended since Monday 23 November" in text(client.get(f"/cases/{case.id}"))
    assert Referral.get().status == "attended" and Referral.get().staff_id == worker.id

    details = [e.detail for e in AuditEvent.select().where((AuditEvent.object_type == "Case")
                                                           & (AuditEvent.action == "update")
                                                           & (AuditEvent.staff == worker)).order_by(AuditEvent.id)]
    referral = Referral.get()
    assert details == [f"referral {referral.id} made to partner {housing.id} (accommodation)",
                       f"referral {referral.id}: made to accepted", f"referral {referral.id}: accepted to attended"]


def test_any_status_can_be_corrected_and_the_same_one_again_changes_nothing(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    referral = referrals.make_referral(case.id, partner().id, None, case.created_at.date(), None, worker)
    url = f"/cases/{case.id}/referrals/{referral.id}/status"
    assert client.post(url, data={"status": "declined"}).status_code == 303
    assert client.post(url, data={"status": "made"}).status_code == 303
    before = written()
    assert client.post(url, data={"status": "made"}).status_code == 303
    assert written() == before and Referral.get().status == "made"


def test_the_area_is_the_partners_unless_another_is_chosen(client, auth):
    auth.login("keyworker")
    case = make_case()
    housing = partner()
    refer(client, case, housing.id)
    refer(client, case, housing.id, area="money")
    assert [r.area for r in Referral.select().order_by(Referral.id)] == ["accommodation", "money"]


@pytest.mark.parametrize("change, message", [
    ({"partner": "999"}, "Choose a partner from the list."),
    ({"partner": ""}, "Choose a partner from the list."),
    ({"partner": "inactive"}, "Govan Recovery Hub is no longer taking referrals; choose another partner."),
    ({"made_on": "2026-11-24"}, "The referral date is in the future"),
    ({"made_on": "2026-02-30"}, "Enter the date made."),  # as every required date: _date()
    ({"made_on": ""}, "Enter the date made."),
    ({"area": "gardening"}, "Choose the area of the action plan from the list."),
    ({"note": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_a_bad_referral_is_refused_with_a_message_and_saves_nothing(client, auth, change, message):
    auth.login("keyworker")
    case = make_case()
    housing = partner()
    closed = partner("Govan Recovery Hub", "drugs_alcohol", active=False)
    if change.get("partner") == "inactive":
        change["partner"] = str(closed.id)
    before = written()
    response = refer(client, case, housing.id, **change)
    assert response.status_code == 400
    assert message in text(response)
    assert written() == before


def test_an_unknown_status_or_another_cases_referral_is_refused(client, auth):
    worker = auth.login("keyworker")
    case, other = make_case(keyworker=worker), make_case(name="Sam Reid")
    referral = referrals.make_referral(case.id, partner().id, None, case.created_at.date(), None, worker)
    before = written()
    response = client.post(f"/cases/{case.id}/referrals/{referral.id}/status", data={"status": "lost"})
    assert response.status_code == 400 and "Choose the referral's status from the list." in text(response)
    response = client.post(f"/cases/{other.id}/referrals/{referral.id}/status", data={"status": "accepted"})
    assert response.status_code == 404
    assert written() == before and Referral.get().status == "made"


def test_inactive_partners_are_not_offered_but_their_referrals_still_show(client, auth):
    worker = auth.login("keyworker")
    case = make_case(keyworker=worker)
    old = partner("Govan Recovery Hub", "drugs_alcohol")
    referrals.make_referral(case.id, old.id, None, case.created_at.date(), None, worker)
    referrals.set_partner_active(old.id, False, make_staff("manager"))
    partner("Clyde Housing Advice")
    body = client.get(f"/cases/{case.id}").get_data(as_text=True)
    offered = re.search(r'<select id="referral-partner" name="partner">(.*?)</select>', body, re.S).group(1)
    assert 'label="Accommodation"' in offered and "Clyde Housing Advice" in offered
    assert "Govan Recovery Hub" not in offered
    assert "Govan Recovery Hub (no longer on the list)" in text(client.get(f"/cases/{case.id}"))


def test_reception_sees_no_referrals_and_cannot_make_one(client, auth):
    auth.login("reception")
    case = make_case()
    assert "Referrals to partners" not in text(client.get(f"/cases/{case.id}"))
    assert refer(client, case, partner().id).status_code == 403
    assert Referral.select().count() == 0


def test_the_partner_list_is_for_managers_only(client, auth):
    auth.login("keyworker")
    assert client.get("/admin/partners").status_code == 403
    assert client.post("/admin/partners", data={"name": "Anyone", "area": "health"}).status_code == 403
    assert Partner.select().count() == 0


def test_a_manager_adds_a_partner_and_takes_it_off_the_list(client, auth):
    manager = auth.login("manager")
    assert "Partners" in text(client.get("/admin/staff")), "linked with the other admin pages"
    response = client.post("/admin/partners", data={"name": " Clyde Housing Advice ", "area": "accommodation",
                                                    "phone": "0141 496 0101"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/partners"
    page = text(client.get("/admin/partners"))
    assert "Partner added." in page
    assert "Clyde Housing Advice Accommodation 0141 496 0101 Yes Take off the list" in page
    housing = Partner.get()
    assert client.post(f"/admin/partners/{housing.id}/active", data={"active": "no"}).status_code == 303
    page = text(client.get("/admin/partners"))
    assert "Clyde Housing Advice is no longer offered for new referrals." in page
    assert "Clyde Housing Advice Off the list Accommodation 0141 496 0101 No Put back on the list" in page
    client.post(f"/admin/partners/{housing.id}/active", data={"active": "no"})  # pressed twice: no change
    client.post(f"/admin/partners/{housing.id}/active", data={"active": "yes"})
    assert Partner.get().active
    rows = [(e.action, e.object_type, e.object_id, e.detail, e.staff_id)
            for e in AuditEvent.select().where(AuditEvent.action == "change partners").order_by(AuditEvent.id)]
    assert rows == [("change partners", "Partner", housing.id, detail, manager.id) for detail in (
        "added Clyde Housing Advice (accommodation)", "inactive: Clyde Housing Advice", "active: Clyde Housing Advice")]
    assert '<option value="change partners"' in client.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"name": "Clyde Housing Advice", "area": "health"}, "There is already a partner called Clyde Housing Advice."),
    ({"name": " ", "area": "health"}, "Enter the partner's name."),
    ({"name": "Anyone", "area": "gardening"}, "Not a valid choice."),
    ({"name": "Anyone", "area": "health", "phone": "ring them"}, "Use digits and spaces only."),
])
def test_a_bad_partner_is_refused_with_a_message(client, auth, data, message):
    auth.login("manager")
    partner()
    response = client.post("/admin/partners", data=data)
    assert response.status_code == 400 and message in text(response)
    assert Partner.select().count() == 1


def test_changing_a_partner_that_is_not_there_is_a_404(client, auth):
    auth.login("manager")
    assert client.post("/admin/partners/999/active", data={"active": "no"}).status_code == 404
    assert client.post(f"/admin/partners/{partner().id}/active", data={"active": "maybe"}).status_code == 400
