"""Abuse: markup comes back escaped, SQL is just text, big bodies are refused, CSRF is checked, tokens tell nothing."""
import re

import pytest
from markupsafe import escape

from bench.page_readers import CSRF_RE, csrf_token
from kiosk.cases import services as casework, visits
from kiosk.audit import AuditEvent
from kiosk.cases.models import Case
from kiosk.db import database
from kiosk.dropin.models import Device, Ticket
from kiosk.people.models import StaffUser
from kiosk.web.qr import qr_svg
from kiosk.dropin.queue import move

from ..factories import PASSWORD, make_case, make_staff, make_ticket
from ..pages import text

# At most 60 characters (the shortest limit most text fields have); SHORT fits the 30 of a name.
MARKUP = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
SHORT = '"><script>alert(1)</script>'
SQL = "x'); DROP TABLE ticket;--"
CASE_FORM = {"name": "Alex Morgan", "contact_preference": "phone", "referral_source": "self",
             "status": "active", "closed_reason": "", "keyworker": "0"}


def sign_in(client, role):
    user = make_staff(role)
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return user


def assert_escaped(response, payload=MARKUP):
    body = response.get_data(as_text=True)
    assert payload not in body, "raw markup came back"
    assert str(escape(payload)) in body, "the text is not shown at all"
    assert "<script>alert" not in body and "<img src=x" not in body


def test_markup_in_a_case_and_everything_added_to_it_is_escaped(client):
    worker = sign_in(client, "keyworker")
    fields = {"name": MARKUP, "preferred_name": MARKUP, "address": MARKUP, "establishment": MARKUP}
    assert client.post("/cases/new", data={**CASE_FORM, **fields, "keyworker": str(worker.id)}).status_code == 303
    case = Case.get()
    assert (case.name, case.address) == (MARKUP, MARKUP), "stored as typed"
    posts = {
        "plan": {"area": "health", "goal": MARKUP, "actions": MARKUP, "owner": MARKUP, "status": "not_started"},
        "contacts": {"kind": "phone", "happened_at": "2026-11-23T10:00", "summary": MARKUP},
        "family": {"name": MARKUP, "relationship": MARKUP, "address": MARKUP, "link_consent_family": "y",
                   "link_consent_person": "y"},
        "appointments": {"keyworker": str(worker.id), "day": "2026-11-25", "time": "14:00", "note": MARKUP},
        "flags": {"kind": "two_workers", "note": MARKUP},
    }
    for address, form in posts.items():
        assert client.post(f"/cases/{case.id}/{address}", data=form).status_code == 303, address
    page = client.get(f"/cases/{case.id}")
    assert_escaped(page)
    assert page.get_data(as_text=True).count(str(escape(MARKUP))) >= 10
    for url in (f"/cases/{case.id}/edit", f"/cases/family/{case.family.get().id}", "/cases/mine",
                f"/cases/{case.id}/plan/{case.plan_items.get().id}", "/cases/?q=onerror", "/cases/search?q=script",
                "/cases/family/?q=onerror"):
        assert_escaped(client.get(url))

    closing = {**CASE_FORM, "name": "Alex", "status": "closed", "close_outcome": "other", "closed_reason": MARKUP,
               "version": "1", "keyworker": str(worker.id)}
    assert client.post(f"/cases/{case.id}/edit", data=closing).status_code == 303
    assert_escaped(client.get(f"/cases/{case.id}"))


def test_markup_typed_into_a_search_or_filter_is_escaped(client):
    sign_in(client, "manager")
    assert_escaped(client.get("/cases/", query_string={"q": MARKUP}))
    assert_escaped(client.get("/cases/search", query_string={"q": MARKUP}))
    # The audit log keeps the kind of search, never the words typed.
    assert "alert" not in client.get("/admin/audit").get_data(as_text=True)
    response = client.get("/admin/audit", query_string={"username": SHORT})
    assert response.status_code == 200 and str(escape(SHORT)) in response.get_data(as_text=True)
    assert "<script>alert" not in response.get_data(as_text=True)


def test_markup_in_a_name_on_the_queue_and_in_a_visit_outcome_is_escaped(client):
    sign_in(client, "keyworker")
    response = client.post("/staff/walk-in", data={"visit_for": "self", "name": SHORT}, follow_redirects=True)
    assert_escaped(response, SHORT)  # the queue the walk-in form returns to
    ticket = Ticket.get()
    assert ticket.name == SHORT
    for url in ("/staff/queue", "/staff/queue/live?v=0", f"/staff/tickets/{ticket.id}/link"):
        assert_escaped(client.get(url), SHORT)

    case = make_case()
    client.post(f"/staff/tickets/{ticket.id}/link", data={"case": case.id})
    client.post("/staff/desk/room", data={"room": "1"})
    client.post("/staff/desk/call-next")
    assert_escaped(client.get("/staff/desk"), SHORT)
    assert client.post(f"/staff/tickets/{ticket.id}", data={"action": "finish", "outcome": MARKUP}).status_code == 303
    assert Ticket.get().outcome == MARKUP
    assert_escaped(client.get(f"/cases/{case.id}"))


def test_markup_in_staff_and_device_names_is_escaped(client):
    sign_in(client, "manager")
    assert client.post("/admin/devices", data={"name": MARKUP, "kind": "display"}).status_code == 303
    assert_escaped(client.get("/admin/devices"))
    assert client.post("/admin/staff", data={"display_name": MARKUP, "username": "newbie", "role": "reception",
                                             "password": "a long pass phrase"}).status_code == 303
    assert_escaped(client.get("/admin/staff"))
    newbie = app_client(client)
    newbie.post("/login", data={"username": "newbie", "password": "a long pass phrase"})
    assert_escaped(newbie.get("/staff/queue"))  # the name in the top bar


def app_client(client):
    return client.application.test_client()


def test_markup_sent_to_the_kiosk_or_sign_in_comes_back_escaped(client, bare_client):
    make_staff("manager")  # else sign-in goes to the first-run page
    response = client.post("/kiosk/check-in", data={"k": "a" * 32, "visit_for": "self", "name": SHORT})
    assert response.status_code == 400 and "Please use letters only." in text(response)
    assert_escaped(response, SHORT)
    response = bare_client.post("/login", data={"username": SHORT, "password": "whatever it is"})
    assert response.status_code == 400
    assert_escaped(response, SHORT)
    assert Ticket.select().count() == 0


def test_sql_looking_input_is_stored_as_typed(client):
    sign_in(client, "manager")
    client.post("/staff/walk-in", data={"visit_for": "self", "name": SQL})
    assert client.post("/cases/new", data={**CASE_FORM, "name": "Robert'); DROP TABLE \"case\";--"}).status_code == 303
    make_case(name="Other Person")
    assert Ticket.get().name == SQL
    assert Case.get(Case.id == 1).name == "Robert'); DROP TABLE \"case\";--"
    assert {"ticket", "case", "staff_user"} <= set(database.get_tables())

    for q in ("' OR '1'='1", "x' OR 1=1 --", "'; DELETE FROM \"case\";--"):
        page = text(client.get("/cases/", query_string={"q": q}))
        assert "Other Person" not in page and "Robert" not in page, q
    assert "Robert'); DROP TABLE \"case\";--" in text(client.get("/cases/", query_string={"q": "DROP TABLE"}))
    response = client.get("/admin/audit", query_string={"username": "' OR 1=1 --"})
    assert response.status_code == 200 and "Nothing matches." in text(response)
    assert Case.select().count() == 2 and Ticket.select().count() == 1


@pytest.mark.parametrize("url", ["/kiosk/check-in", "/login", "/staff/walk-in", "/cases/new", "/admin/devices"])
def test_an_oversized_body_gets_413(client, url):
    sign_in(client, "manager")
    response = client.post(url, data={"name": "x" * 100_000, "username": "x", "visit_for": "self"})
    assert response.status_code == 413 and "That was too much to send at once." in text(response)
    raw = client.post(url, data=b"x" * 100_000, content_type="application/octet-stream")
    assert raw.status_code in (400, 413)
    assert Ticket.select().count() == 0 and Case.select().count() == 0 and Device.select().count() == 2


@pytest.mark.parametrize("url, form, message", [
    ("/kiosk/check-in", {"k": "a" * 32, "visit_for": "self", "name": "A" * 31}, "30 letters or fewer"),
    ("/staff/walk-in", {"visit_for": "self", "name": "A" * 31}, "30"),
    ("/login", {"username": "a" * 41, "password": "x"}, ""),
    ("/login", {"username": "someone", "password": "x" * 257}, ""),
    ("/cases/new", {**CASE_FORM, "name": "A" * 101}, "100"),
])
def test_a_field_longer_than_allowed_gets_400(client, url, form, message):
    manager = make_staff("manager")
    if url != "/login":
        client.post("/login", data={"username": manager.username, "password": PASSWORD})
    response = client.post(url, data=form)
    assert response.status_code == 400 and message in text(response)
    assert Ticket.select().count() == 0 and Case.select().count() == 0


@pytest.mark.parametrize("url", ["/t/" + "a" * 300, "/t/" + "a" * 300 + "/live", "/t/" + "a" * 300 + "/qr.svg",
                                 "/enrol/" + "a" * 500, "/kiosk/ticket/" + "a" * 300])
def test_an_absurd_token_is_simply_not_found(client, url):
    assert client.get(url).status_code == 404


# A run of 24 or more letters, digits and token punctuation with no space: a signed or random
# token. A case reference or a ticket number is far shorter, so neither is hidden by this.
RANDOM_VALUE_RE = re.compile(r"[A-Za-z0-9_.-]{24,}")


def test_a_stolen_ticket_token_reveals_nothing_personal(app, client, bare_client):
    worker = make_staff("keyworker", name="Kim Keyworker")
    ticket = make_ticket(visit_for="family", needs=["housing", "visits"], name="Samantha")
    case = make_case(name="Alex Morgan", preferred_name="Al", keyworker=worker)
    visits.link_ticket(ticket.id, case.id, worker)
    casework.add_flag(case.id, "staff_safety", "Shouted at staff", worker)
    personal = ("Samantha", "Alex", "Morgan", case.reference, "Kim", "Housing", "Prison visits", "Family",
                "Shouted", "staff safety")

    def assert_nothing_personal(response):
        assert response.status_code == 200
        # Random values (the form token, the ticket's own token) are taken out first: one of
        # them may spell "kim" by chance, and that is nobody's name.
        body = RANDOM_VALUE_RE.sub("<random>", response.get_data(as_text=True))
        assert not [word for word in personal if word.lower() in body.lower()], body

    assert len(ticket.token) >= 32 and make_ticket().token != ticket.token
    for url in (f"/t/{ticket.token}", f"/t/{ticket.token}/live?v=stale", f"/t/{ticket.token}/qr.svg"):
        assert_nothing_personal(bare_client.get(url))
    qr = bare_client.get(f"/t/{ticket.token}/qr.svg").get_data(as_text=True)
    assert qr == qr_svg(f"http://localhost/t/{ticket.token}"), "the QR code holds the address and nothing else"
    assert bare_client.get(f"/kiosk/ticket/{ticket.token}").status_code == 403

    # Called, seen and finished, with an outcome: still only the number and its state.
    move(ticket.id, "call", worker, room_id=1)
    assert_nothing_personal(client.get("/display/"))
    assert_nothing_personal(client.get(f"/kiosk/ticket/{ticket.token}"))
    move(ticket.id, "finish", worker, outcome="Housing form done for Samantha")
    assert_nothing_personal(bare_client.get(f"/t/{ticket.token}"))
    assert "Your visit is finished" in text(bare_client.get(f"/t/{ticket.token}"))


def test_audit_and_staff_tables_are_untouched_by_all_this(client):
    """Bad input leaves no half-made staff or audit rows behind."""
    sign_in(client, "manager")
    before = StaffUser.select().count(), AuditEvent.select().where(AuditEvent.action == "create staff").count()
    client.post("/admin/staff", data={"display_name": MARKUP, "username": SQL, "role": "reception",
                                      "password": "a long pass phrase"})
    assert (StaffUser.select().count(),
            AuditEvent.select().where(AuditEvent.action == "create staff").count()) == before


CSRF_MESSAGE = "This form has expired or was not sent from this app."


def token_on(response):
    """The CSRF token a page gives out, from a form field or the htmx headers on <body>."""
    body = response.get_data(as_text=True)
    if CSRF_RE.search(body):
        return csrf_token(body)
    return re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)


@pytest.fixture
def guarded(guarded_client):
    """An app with CSRF protection on, and a manager signed in on an enrolled kiosk and display."""
    client = guarded_client
    form = {"username": make_staff("manager").username, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 400, "sign-in needs a token too"
    form["csrf_token"] = token_on(client.get("/login"))
    assert client.post("/login", data=form).status_code == 302
    return client.application, client


def written():
    return [model.select().count() for model in (Ticket, Case, Device, StaffUser, AuditEvent)]


def test_every_post_without_a_token_or_with_a_forged_one_gets_400(guarded):
    app, client = guarded
    make_ticket()
    real = token_on(client.get("/staff/queue"))
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    urls = app.url_map.bind("localhost")
    posts = [urls.build(rule.endpoint, {arg: 1 for arg in rule.arguments}) for rule in app.url_map.iter_rules()
             if "POST" in rule.methods]
    assert len(posts) > 30
    before = written()
    for url in posts:
        for headers, form in (({}, {}), ({}, {"csrf_token": forged}), ({"HX-Request": "true"}, {}),
                              ({"HX-Request": "true", "X-CSRFToken": forged}, {})):
            response = client.post(url, data={"visit_for": "self", "name": "Sam", **form}, headers=headers)
            assert response.status_code == 400 and CSRF_MESSAGE in text(response), (url, headers, form)
    assert written() == before
    assert client.get("/staff/queue").status_code == 200, "still signed in: sign-out needs a token as well"


def test_htmx_requests_send_the_pages_token_in_a_header(guarded):
    app, client = guarded
    token = token_on(client.get("/staff/queue"))
    response = client.post("/staff/walk-in", data={"visit_for": "self", "name": "Sam"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "queue-changed"
    assert Ticket.get().name == "Sam"

    # A token from another browser's session is no good here.
    other = app.test_client()
    stranger = token_on(other.get("/login"))
    response = client.post("/staff/walk-in", data={"visit_for": "self", "name": "Jo"},
                           headers={"HX-Request": "true", "X-CSRFToken": stranger})
    assert response.status_code == 400 and response.headers["HX-Retarget"] == "#flash"
    assert Ticket.select().count() == 1
