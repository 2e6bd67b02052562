"""The session cookie is signed, not encrypted: whoever sees it (a shared browser's storage, a proxy's
log) can read it. Messages shown after an action travel in it, so they name no visitor."""
from kiosk.dropin.models import Ticket

from ..factories import make_case
from ..pages import session_cookie, start_visit, text


def test_adding_a_walk_in_names_them_nowhere_in_the_cookie(client, auth):
    auth.login("reception")
    response = client.post("/staff/walk-in", data={"name": "Jo Whitelaw", "visit_for": "self"})
    assert response.status_code == 303
    assert "Whitelaw" not in session_cookie(client), "the message waits in the cookie until it is shown"
    ticket = Ticket.get()
    assert f"Added {ticket.number} to the queue." in text(client.get("/staff/queue"))
    assert "Jo Whitelaw" in text(client.get("/staff/queue")), "the name is on the queue, where it belongs"


def test_adding_a_family_member_names_them_nowhere_in_the_cookie(client, auth):
    auth.login("keyworker")
    case = make_case()
    response = client.post(f"/cases/{case.id}/family", data={"name": "Mary Quarrier", "relationship": "Mother",
                                                            "link_consent_family": "y", "link_consent_person": "y"})
    assert response.status_code == 303
    assert "Quarrier" not in session_cookie(client)
    page = text(client.get(f"/cases/{case.id}"))
    assert "Family member added." in page and "Mary Quarrier (Mother)" in page
    response = client.post("/cases/family/new", data={"name": "Jean Quarrier", "relationship": "Sister"})
    assert response.status_code == 303 and "Quarrier" not in session_cookie(client)
    assert "Family record added." in text(client.get(response.headers["Location"]))


def test_the_kiosk_cookie_forgets_the_answers_once_the_ticket_is_made(client):
    key = start_visit(client)
    client.post("/kiosk/who", data={"k": key, "visit_for": "self"})
    client.post("/kiosk/needs", data={"k": key, "needs": ["housing"]})
    assert "housing" in session_cookie(client), "the answers wait in the cookie between steps"
    response = client.post("/kiosk/check-in", data={"k": key, "visit_for": "self", "needs": ["housing"],
                                                   "name": "Jo Whitelaw"})
    assert response.status_code == 303
    cookie = session_cookie(client)
    assert "housing" not in cookie and "Whitelaw" not in cookie and "self" not in cookie
