"""Several offices: each its own sessions, queue, rooms and devices; staff at one or more."""
from datetime import date, datetime

import pytest

from kiosk.cases import bookings
from kiosk.cases.models import Appointment, TicketLink
from kiosk.dropin import devices
from kiosk.dropin import live
from kiosk.dropin.models import Room, Ticket
from kiosk.offices.models import Office
from kiosk.offices.services import add_office, set_offices

from ..factories import PASSWORD, make_case, make_staff
from ..pages import poll_version, text, unchanged


@pytest.fixture
def offices(app):
    return Office.get_by_id(1), add_office("Paisley")


def kiosk_at(app, office):
    client = app.test_client()
    from flask import g
    g.office_id = office.id  # enrolled by a manager working at that office
    _, token = devices.enrol(f"Kiosk {office.name}", "kiosk", None)
    del g.office_id
    client.set_cookie(devices.COOKIES["kiosk"], token)
    return client


def check_in(client, key):
    response = client.post("/kiosk/check-in", data={"k": key * 32, "visit_for": "self", "name": "Robyn"})
    assert response.status_code == 303, text(response)
    return Ticket.get(Ticket.token == response.headers["Location"].rsplit("/", 1)[1])


def staff_at(app, role, *offices):
    user = make_staff(role)
    set_offices(user, offices)
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_one_office_install_never_sees_offices(client, auth):
    auth.login("reception")
    page = client.get("/staff/queue")
    assert "Switch office" not in text(page)
    assert Office.select().count() == 1 and Office.get().name == "Glasgow"


def test_each_office_numbers_its_own_queue(app, offices):
    glasgow, paisley = offices
    first_glasgow = check_in(kiosk_at(app, glasgow), "a")
    first_paisley = check_in(kiosk_at(app, paisley), "b")
    assert (first_glasgow.number, first_paisley.number) == (1, 1)
    assert first_glasgow.session.office_id == glasgow.id and first_paisley.session.office_id == paisley.id


def test_staff_see_only_their_office_queue_and_cannot_touch_another(app, offices):
    glasgow, paisley = offices
    there = check_in(kiosk_at(app, paisley), "c")
    reception = staff_at(app, "reception", glasgow)
    assert "Robyn" not in text(reception.get("/staff/queue"))
    response = reception.post(f"/staff/tickets/{there.id}", data={"action": "cancel"})
    assert response.status_code == 404
    assert Ticket.get_by_id(there.id).state == "waiting"
    paisley_desk = staff_at(app, "reception", paisley)
    assert "Robyn" in text(paisley_desk.get("/staff/queue"))


def test_a_check_in_at_one_office_leaves_the_others_polls_quiet(app, offices):
    glasgow, paisley = offices
    reception = staff_at(app, "reception", glasgow)
    version = poll_version(reception.get("/staff/queue"))
    before = live.version(glasgow.id)
    check_in(kiosk_at(app, paisley), "d")
    assert live.version(glasgow.id) == before
    assert unchanged(reception.get(f"/staff/queue/live?v={version}"))


def test_rooms_belong_to_an_office(app, offices):
    glasgow, paisley = offices
    worker = staff_at(app, "keyworker", glasgow)
    paisley_room = Room.get((Room.office == paisley.id) & (Room.name == "Room 1"))
    response = worker.post("/staff/desk/room", data={"room": paisley_room.id})
    assert response.status_code == 400
    assert "Room 1" in text(worker.get("/staff/desk"))


def test_the_display_shows_its_own_office(app, offices):
    glasgow, paisley = offices
    ticket = check_in(kiosk_at(app, paisley), "e")
    worker = staff_at(app, "keyworker", paisley)
    room = Room.get((Room.office == paisley.id) & (Room.name == "Room 2"))
    assert worker.post("/staff/desk/room", data={"room": room.id}).status_code == 303
    assert worker.post("/staff/desk/call-next").status_code == 303
    from flask import g
    boards = {}
    for office in offices:
        g.office_id = office.id
        _, token = devices.enrol(f"Display {office.name}", "display", None)
        del g.office_id
        board = app.test_client()
        board.set_cookie(devices.COOKIES["display"], token)
        boards[office.name] = text(board.get("/display/"))
    assert f"{ticket.number} Room 2" in boards["Paisley"]
    assert "Please wait for your number" in boards["Glasgow"]


def test_staff_at_two_offices_switch_between_them(app, offices):
    glasgow, paisley = offices
    check_in(kiosk_at(app, paisley), "f")
    both = staff_at(app, "reception", glasgow, paisley)
    assert "Switch office" in text(both.get("/staff/queue"))
    assert "Robyn" not in text(both.get("/staff/queue"))
    assert both.post("/staff/office", data={"office": paisley.id}).status_code == 303
    assert "Robyn" in text(both.get("/staff/queue"))
    only_glasgow = staff_at(app, "reception", glasgow)
    assert only_glasgow.post("/staff/office", data={"office": paisley.id}).status_code == 400


def test_offices_from_the_command_line(app, runner):
    user = make_staff("keyworker", username="jo")
    result = runner.invoke(args=["add-office", "Greenock"])
    assert result.exit_code == 0 and "Added office Greenock" in result.output
    assert runner.invoke(args=["add-office", "Greenock"]).exit_code != 0
    result = runner.invoke(args=["staff-offices", "jo", "Glasgow", "Greenock"])
    assert result.exit_code == 0, result.output
    assert [link.office.name for link in user.office_links] == ["Glasgow", "Greenock"]
    assert runner.invoke(args=["staff-offices", "jo", "Nowhere"]).exit_code != 0


def test_another_offices_visitor_is_not_there_to_see_or_link(app, offices):
    glasgow, paisley = offices
    there = check_in(kiosk_at(app, paisley), "d")
    case = make_case()
    booked = Appointment.create(case=case, keyworker=make_staff("keyworker"), starts_at=there.created_at)
    reception = staff_at(app, "reception", glasgow)
    for response in (reception.get(f"/staff/tickets/{there.id}/link"),
                     reception.get(f"/staff/tickets/{there.id}/link?q={case.name.split()[0]}"),
                     reception.post(f"/staff/tickets/{there.id}/link", data={"case": case.id}),
                     reception.post(f"/staff/tickets/{there.id}/appointment", data={"appointment": booked.id})):
        assert response.status_code == 404 and "Robyn" not in text(response)
    assert Appointment.get_by_id(booked.id).status == "booked", "nor is another office's visitor matched to it"
    keyworker = staff_at(app, "keyworker", glasgow)
    assert "Robyn" not in text(keyworker.get(f"/cases/new?ticket={there.id}"))
    assert TicketLink.select().count() == 0


def test_taken_off_an_office_ends_their_sign_ins_there(app, offices):
    glasgow, paisley = offices
    check_in(kiosk_at(app, paisley), "e")
    user = make_staff("reception")
    set_offices(user, [glasgow, paisley])
    browser = app.test_client()
    browser.post("/login", data={"username": user.username, "password": PASSWORD})
    browser.post("/staff/office", data={"office": paisley.id})
    assert "Robyn" in text(browser.get("/staff/queue"))
    set_offices(user, [glasgow])
    response = browser.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert browser.get("/staff/queue/live?v=stale").status_code == 401
    # Given an office, nobody is signed out.
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": PASSWORD})
    set_offices(user, [glasgow, paisley])
    assert other.get("/staff/queue").status_code == 200


def test_reception_hands_visitors_only_to_keyworkers_of_its_own_office(app, offices):
    glasgow, paisley = offices
    ticket = check_in(kiosk_at(app, paisley), "e")
    check_in(kiosk_at(app, glasgow), "f")  # someone waiting at each office, so each queue offers its list
    here = make_staff("keyworker", name="Pat Paisley")
    set_offices(here, [paisley])
    away = make_staff("keyworker", name="Gail Glasgow")
    set_offices(away, [glasgow])
    unlisted = make_staff("keyworker", name="Una Unlisted")  # no office listed: works at the default one
    reception = staff_at(app, "reception", paisley)
    page = text(reception.get("/staff/queue"))
    assert "Pat Paisley" in page and "Gail Glasgow" not in page and "Una Unlisted" not in page
    glasgow_page = text(staff_at(app, "reception", glasgow).get("/staff/queue"))
    assert "Gail Glasgow" in glasgow_page and "Una Unlisted" in glasgow_page and "Pat Paisley" not in glasgow_page

    for elsewhere in (away, unlisted):
        refused = reception.post(f"/staff/tickets/{ticket.id}", data={"action": "hand", "keyworker": elsewhere.id,
                                                                       "expected_state": "waiting"})
        assert refused.status_code in (400, 409) and "works at this office" in text(refused)
        assert Ticket.get_by_id(ticket.id).requested_staff_id is None
    handed = reception.post(f"/staff/tickets/{ticket.id}", data={"action": "hand", "keyworker": here.id,
                                                                  "expected_state": "waiting"})
    assert handed.status_code in (200, 303) and Ticket.get_by_id(ticket.id).requested_staff_id == here.id
    assert "For Pat Paisley" in text(reception.get("/staff/queue"))


def test_each_offices_reception_expects_only_the_people_of_keyworkers_working_there(app, offices):
    glasgow, paisley = offices
    here, there = make_staff("keyworker", name="Kim Glasgow"), make_staff("keyworker", name="Pat Paisley")
    set_offices(there, [paisley])
    booked_here, booked_there = make_case(name="Alex Morgan", keyworker=here), make_case(name="Bo Reid", keyworker=there)
    bookings.book(booked_here.id, here, datetime(2026, 11, 23, 14, 0), here)
    bookings.book(booked_there.id, there, datetime(2026, 11, 23, 15, 0), there)
    released_there = make_case(name="Cy Long", keyworker=there, release_date=date(2026, 11, 20))
    unassigned = make_case(name="Dee Shaw", release_date=date(2026, 11, 21))  # no keyworker yet: either office
    glasgow_queue = text(staff_at(app, "reception", glasgow).get("/staff/queue"))
    paisley_queue = text(staff_at(app, "reception", paisley).get("/staff/queue"))
    assert f"2:00pm · Alex ({booked_here.reference}) with Kim Glasgow" in glasgow_queue
    assert f"3:00pm · Bo ({booked_there.reference}) with Pat Paisley" in paisley_queue
    assert "Bo (" not in glasgow_queue and "Cy (" not in glasgow_queue, "another office's people"
    assert "Alex (" not in paisley_queue
    assert f"Cy ({released_there.reference})" in paisley_queue
    assert f"Dee ({unassigned.reference})" in glasgow_queue and f"Dee ({unassigned.reference})" in paisley_queue
