"""The kiosk: welcome, the three steps, the ticket, and everything a tablet user might get wrong."""
import re

import pytest

from kiosk.dropin.models import NEEDS, Ticket

from ..factories import enrol_device
from ..pages import start_visit, text

KEY = "0123456789abcdef" * 2
# Words the kiosk must never put in front of a visitor: eligibility is a staff matter.
OFFENCE_WORDS = ("offence", "offense", "offending", "sentence", "conviction", "convicted", "prison order",
                 "licence", "crime")


def check_in_form(**fields):
    """What the name step posts, with fields overridden; None leaves a field out."""
    data = {"k": KEY, "visit_for": "self", "needs": ["housing", "money"], "name": "Sam"}
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def post_check_in(client, **fields):
    return client.post("/kiosk/check-in", data=check_in_form(**fields))


def answer(client, visit_for="self", needs=()):
    """A new visit through the who and needs steps, as the tablet sends them. Returns its key."""
    k = start_visit(client)
    assert client.post("/kiosk/who", data={"k": k, "visit_for": visit_for}).status_code == 303
    if visit_for != "appointment":
        assert client.post("/kiosk/needs", data={"k": k, "needs": list(needs)}).status_code == 303
    return k


def test_welcome_offers_a_ticket_in_session(client):
    response = client.get("/kiosk/")
    assert response.status_code == 200
    assert "Get a ticket" in text(response)
    assert 'href="/kiosk/who"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_welcome_gives_each_visit_its_own_request_key(client):
    assert start_visit(client) != start_visit(client)


def test_outside_session_says_when_the_next_drop_in_is(client, clock):
    clock.to("next day")
    response = client.get("/kiosk/")
    page = text(response)
    assert response.status_code == 200
    assert "closed" in page
    assert "Wednesday 25 November, 1pm to 3pm" in page
    assert "0141 248 1763" in page
    assert "Get a ticket" not in page


def test_check_in_outside_session_is_refused_and_nothing_saved(client, clock):
    clock.to("next day")
    response = post_check_in(client)
    assert response.status_code == 409
    assert "Check-in is closed" in text(response)
    assert Ticket.select().count() == 0


def test_who_step_offers_every_choice(client):
    k = start_visit(client)
    response = client.get("/kiosk/who")
    page = text(response)
    assert response.status_code == 200
    for label in ("Myself", "A family member or friend in prison", "I have an appointment",
                  "I just need information"):
        assert label in page
    assert client.post("/kiosk/who", data={"k": k, "visit_for": "family"}).headers["Location"] == "/kiosk/needs"
    # Someone with an appointment goes straight to the name step.
    assert client.post("/kiosk/who", data={"k": k, "visit_for": "appointment"}).headers["Location"] == "/kiosk/name"


def test_needs_step_offers_every_kind_of_help(client):
    k = start_visit(client)
    client.post("/kiosk/who", data={"k": k, "visit_for": "family"})
    response = client.get("/kiosk/needs")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for code, label in NEEDS.items():
        assert f'value="{code}"' in body
        assert label in text(response)
    assert f'name="k" value="{k}"' in body


def test_name_step_carries_the_choices_so_far_and_no_address_holds_them(client):
    k = answer(client, "family", ["housing", "visits"])
    response = client.get("/kiosk/name")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your first name or initials" in text(response)
    for hidden in (f'name="k" value="{k}"', 'name="visit_for" value="family"',
                   'name="needs" value="housing"', 'name="needs" value="visits"'):
        assert hidden in body
    # Two choices, not three: with the box left empty, Get my ticket is what Skip was.
    tiles = re.findall(r'<(?:button|a) class="tile[^"]*"[^>]*>(.*?)</(?:button|a)>', body, re.S)
    assert [re.sub(r"<svg.*?</svg>", "", tile, flags=re.S).strip() for tile in tiles] == ["Back", "Get my ticket"]
    assert all("<svg" in tile for tile in tiles), "each with its picture"
    # The browser's history keeps addresses: no step's address or link carries an answer.
    for page in ("/kiosk/", "/kiosk/who", "/kiosk/needs", "/kiosk/name"):
        assert not re.search(r'href="[^"]*(?:visit_for|needs|k)=', client.get(page).get_data(as_text=True)), page


@pytest.mark.parametrize("step, fields, message", [
    ("/kiosk/who", {"visit_for": "prisoner"}, "Please choose who the visit is for."),
    ("/kiosk/who", {}, "Please choose who the visit is for."),
    ("/kiosk/needs", {"needs": ["housing", "parole"]}, "Please choose from the help on the screen."),
])
def test_steps_refuse_a_damaged_answer(client, step, fields, message):
    k = start_visit(client)
    if step == "/kiosk/needs":
        client.post("/kiosk/who", data={"k": k, "visit_for": "self"})
    response = client.post(step, data={"k": k, **fields})
    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.parametrize("address", ["/kiosk/who", "/kiosk/needs", "/kiosk/name"])
def test_a_step_out_of_turn_goes_back_to_welcome(client, address):
    start_visit(client)
    if address != "/kiosk/who":
        response = client.get(address)  # who the visit is for is not answered yet
        assert response.status_code == 303 and response.headers["Location"] == "/kiosk/"
    k = start_visit(client)
    client.post("/kiosk/who", data={"k": k, "visit_for": "self"})
    client.post("/kiosk/check-in", data={"k": k, "visit_for": "self"})
    response = client.get(address)  # after the ticket: that visit is over
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/"


def test_a_form_from_an_earlier_visit_starts_a_fresh_one_and_shows_nobody_s_ticket(client):
    first = answer(client, "self", ["housing"])
    made = client.post("/kiosk/check-in", data={"k": first, "visit_for": "self", "needs": "housing", "skip": "1"})
    ticket_page = made.headers["Location"]
    assert client.get(ticket_page).status_code == 200
    client.get("/kiosk/")  # Done, or the ticket timing out: the next visitor's Welcome
    # Back to the last visitor's ticket, or their name step's Skip sent again: neither shows their ticket.
    back = client.get(ticket_page)
    assert back.status_code == 303 and back.headers["Location"] == "/kiosk/"
    for stale in ({"k": first, "visit_for": "self", "needs": "housing", "skip": "1"},
                  {"k": KEY, "visit_for": "self"}):
        response = client.post("/kiosk/check-in", data=stale)
        assert response.status_code == 303 and response.headers["Location"] == "/kiosk/"
        assert client.post("/kiosk/who", data={"k": stale["k"], "visit_for": "info"}).headers["Location"] == "/kiosk/"
    assert Ticket.select().count() == 1
    # The new visitor's own visit goes on as usual.
    k = answer(client, "info")
    assert client.post("/kiosk/check-in", data={"k": k, "visit_for": "info"}).status_code == 303
    assert [t.number for t in Ticket.select().order_by(Ticket.number)] == [1, 2]


def test_a_double_tap_on_the_name_step_still_finds_the_one_ticket(client):
    k = answer(client, "self")
    first = client.post("/kiosk/check-in", data={"k": k, "visit_for": "self"})
    second = client.post("/kiosk/check-in", data={"k": k, "visit_for": "self"})
    assert first.headers["Location"] == second.headers["Location"] != "/kiosk/"
    assert client.get(second.headers["Location"]).status_code == 200
    assert Ticket.select().count() == 1


def test_check_in_makes_a_ticket_and_shows_it(client):
    response = post_check_in(client)
    assert response.status_code == 303
    ticket = Ticket.get()
    assert response.headers["Location"] == f"/kiosk/ticket/{ticket.token}"
    assert (ticket.number, ticket.visit_for, ticket.needs, ticket.name, ticket.source, ticket.request_key) == (
        1, "self", "housing,money", "Sam", "kiosk", KEY)

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert re.search(r'id="ticket-number">\s*1\s*<', page.get_data(as_text=True))
    assert f'<img src="/t/{ticket.token}/qr.svg"' in page.get_data(as_text=True)


def test_numbers_go_up_with_each_visitor(client):
    post_check_in(client)
    post_check_in(client, k="f" * 32)
    assert [t.number for t in Ticket.select().order_by(Ticket.number)] == [1, 2]


def test_double_tap_gives_one_ticket(client):
    first = post_check_in(client)
    second = post_check_in(client)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert Ticket.select().count() == 1


@pytest.mark.parametrize("fields, message", [
    ({"k": None}, "Please start again from the welcome screen."),
    ({"k": "0123456789abcdef"}, "Please start again from the welcome screen."),
    ({"k": "0123456789ABCDEF" * 2}, "Please start again from the welcome screen."),
    ({"k": KEY + "0"}, "Please start again from the welcome screen."),
    ({"visit_for": None}, "Please choose who the visit is for."),
    ({"visit_for": "prisoner"}, "Please choose who the visit is for."),
    ({"needs": ["housing", "parole"]}, "Please choose from the help on the screen."),
    ({"name": "Sam2"}, "Please use letters only."),
    ({"name": "4"}, "Please use letters only."),
    ({"name": "<b>Sam</b>"}, "Please use letters only."),
    ({"name": "A" * 31}, "Please use 30 letters or fewer."),
])
def test_bad_input_is_refused_and_nothing_saved(client, fields, message):
    response = post_check_in(client, **fields)
    assert 400 <= response.status_code < 500
    assert message in text(response)
    assert Ticket.select().count() == 0


def test_a_refused_name_keeps_the_other_choices(client):
    response = post_check_in(client, name="Sam2")
    body = response.get_data(as_text=True)
    assert f'name="k" value="{KEY}"' in body
    assert 'name="needs" value="money"' in body


@pytest.mark.parametrize("name", ["Sam", "Sam2"])
def test_skip_ignores_a_typed_name(client, name):
    response = client.post("/kiosk/check-in", data=check_in_form(name=name, skip="1"))
    assert response.status_code == 303
    assert Ticket.get().name is None


def test_names_people_really_have_are_accepted(client):
    for n, name in enumerate(["Siobhán", "J.M.", "Mary-Kate", "O'Neill", "Ann Marie"]):
        assert post_check_in(client, k=f"{n:032x}", name=name).status_code == 303
    assert Ticket.select().count() == 5


def kiosk_pages(client):
    pages = [client.get("/kiosk/")]
    k = start_visit(client)
    pages.append(client.get("/kiosk/who"))
    client.post("/kiosk/who", data={"k": k, "visit_for": "self"})
    pages.append(client.get("/kiosk/needs"))
    client.post("/kiosk/needs", data={"k": k, "needs": "housing"})
    pages.append(client.get("/kiosk/name"))
    client.post("/kiosk/who", data={"k": k, "visit_for": "appointment"})
    pages.append(client.get("/kiosk/name"))
    pages.append(post_check_in(client, k=k, name="Sam2"))
    pages.append(client.get(post_check_in(client, k=k).headers["Location"]))
    return pages


def test_no_kiosk_page_asks_about_offences(client, clock):
    pages = kiosk_pages(client)
    clock.to("next day")
    pages.append(client.get("/kiosk/"))
    assert len(pages) == 8
    for response in pages:
        assert response.status_code in (200, 400)
        page = text(response).lower()
        assert [word for word in OFFENCE_WORDS if word in page] == [], response.request.path


def test_the_kiosk_ticket_never_shows_the_name(client):
    response = post_check_in(client, name="Zebedee")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Zebedee" not in page.get_data(as_text=True)


def test_unknown_kiosk_ticket_is_not_found(client):
    response = client.get("/kiosk/ticket/no-such-ticket")
    assert response.status_code == 404
    assert Ticket.select().count() == 0


@pytest.mark.parametrize("setting, printed", [(False, False), (True, True)])
def test_the_kiosk_prints_the_ticket_by_itself_only_when_set_to(make_app, setting, printed):
    kiosk = make_app(KIOSK_AUTO_PRINT=setting).test_client()
    enrol_device("kiosk", kiosk)
    page = kiosk.get(post_check_in(kiosk).headers["Location"])
    assert page.status_code == 200
    assert ('data-auto-print="1"' in page.get_data(as_text=True)) is printed


def test_the_kiosk_words_cover_every_code_the_queue_knows():
    from kiosk.dropin.models import NEEDS, VISIT_FOR
    from kiosk.web.checkin.words import NEED_WORDS, VISIT_FOR_WORDS
    assert list(NEED_WORDS) == list(NEEDS) and list(VISIT_FOR_WORDS) == list(VISIT_FOR)
    assert [str(w) for w in NEED_WORDS.values()] == list(NEEDS.values()), "reception reads what the visitor tapped"
