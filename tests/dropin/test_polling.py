"""What polling costs: one query for "nothing changed", and a fragment whose queries do not grow with the queue."""
import re
from datetime import timedelta

import pytest

from kiosk.audit import AuditEvent
from kiosk.cases import bookings, visits
from kiosk.clock import utcnow
from kiosk.dropin.models import Room, Ticket
from kiosk.dropin.queue import call_next, choose_room, move
from kiosk.dropin.live import bump, poll_key
from kiosk.dropin.schedule import schedule
from kiosk.dropin.sessions import working_session
from kiosk.offices.services import rename_room
from kiosk.people.models import StaffUser

from ..factories import PASSWORD, enrol_device, make_case, make_staff, make_ticket
from ..pages import poll_version, text, unchanged
from ..queries import building_sql, counting_queries


@pytest.fixture
def busy(app, auth):
    worker = auth.login("keyworker")
    choose_room(working_session(), worker, Room.get().id)
    tickets = [make_ticket(name=f"V{i}", needs=["housing"]) for i in range(6)]
    call_next(working_session(), worker)
    return tickets


@pytest.mark.parametrize("path", ["/staff/queue/live", "/staff/desk/live", "/display/live"])
def test_unchanged_poll_is_one_query_and_an_empty_answer(client, busy, path):
    # the desk's key holds what the keyworker's own desk shows: the one its page carries
    version = poll_version(client.get("/staff/desk")) if "desk" in path else poll_key()
    with counting_queries() as sql:
        response = client.get(f"{path}?v={version}")
    assert unchanged(response)
    assert len(sql) == 1, sql


def test_unchanged_ticket_poll_is_one_query(client, busy):
    version = poll_key()
    with counting_queries() as sql:
        response = client.get(f"/t/{busy[-1].token}/live?v={version}")
    assert unchanged(response)
    assert len(sql) == 1, sql


@pytest.mark.parametrize("path", ["/staff/queue/live", "/staff/desk/live", "/display/live"])
def test_changed_fragment_queries_do_not_grow_with_the_queue(client, busy, path):
    client.get(f"{path}?v=stale")  # first sight of this browser: device and session bookkeeping
    client.get(f"{path}?v=stale")  # and of the session cookie it then carries
    make_ticket(name="V0")  # a change, so that neither measure below is a copy of an earlier render
    with counting_queries() as few:
        assert client.get(f"{path}?v=stale").status_code == 200
    for i in range(30):
        make_ticket(name=f"W{i}", needs=["money", "health"])
    worker = make_staff("keyworker")
    choose_room(working_session(), worker, Room.get().id)
    call_next(working_session(), worker)
    with counting_queries() as many:
        response = client.get(f"{path}?v=stale")
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert len(many) == len(few), (few, many)


@pytest.mark.parametrize("path, shows", [("/staff/queue/live", "V0"), ("/staff/desk/live", "V0"),
                                         ("/display/live", "6 waiting")])
def test_a_fragment_drawn_after_a_change_builds_no_sql(client, busy, path, shows):
    """Every screen draws its fragment again after each change (twenty offices: dozens a second), so each read
    it makes has its SQL built the first time and kept (live.prepared): peewee compiles none of them again."""
    client.get(f"{path}?v=stale")
    client.get(f"{path}?v=stale")
    make_ticket(name="V0")
    with building_sql() as built:
        response = client.get(f"{path}?v=stale")
    assert response.status_code == 200 and shows in response.get_data(as_text=True)
    assert built == [], f"SQL built while drawing {path}: {built}"


def test_every_display_gets_the_board_made_once_per_change(app, busy, clock):
    displays = []
    for n in range(3):
        display = app.test_client()
        enrol_device("display", display, f"Wall {n}")
        displays.append(display)
    for display in displays:
        display.get("/display/live?v=stale")  # each display's own first check
    clock.shift(timedelta(minutes=1))
    second = make_staff("keyworker")
    choose_room(working_session(), second, Room.select().order_by(Room.id.desc()).get().id)
    call_next(working_session(), second)
    boards, counted = [], []
    for display in displays:
        with counting_queries() as sql:
            response = display.get("/display/live?v=stale")
        boards.append(response.get_data(as_text=True))
        counted.append(len(sql))
    assert boards[0] == boards[1] == boards[2] and 'id="now-number">2<' in boards[0], boards
    # The others: the key's one read and their enrolment checked again, as before any full answer; the board
    # itself is read and drawn once.
    assert counted[1] == counted[2] == 2 and counted[0] > 2, counted
    make_ticket(name="Late")
    with counting_queries() as sql:
        fresh = displays[1].get("/display/live?v=stale").get_data(as_text=True)
    assert len(sql) > 1 and "5 waiting" in fresh and "4 waiting" in boards[0], "a change makes a new board"


@pytest.mark.parametrize("path, fragment", [("/staff/queue", 'id="queue-live"'), ("/staff/desk", 'id="desk-live"'),
                                            ("/display/", 'id="board-live"')])
def test_screens_poll_as_often_as_the_setting_says(make_app, path, fragment):
    app = make_app(POLL_SECONDS=7)
    client = app.test_client()
    enrol_device("display", client)
    make_staff("reception", "rab")
    client.post("/login", data={"username": "rab", "password": PASSWORD})
    page = client.get(path).get_data(as_text=True)
    poller = re.search(rf'<div {fragment}[^>]*>', page)
    assert poller and 'hx-trigger="every 7s' in poller.group(0)


def test_a_redrawn_desk_records_who_it_lists_once_and_then_asks_nothing_more(client, busy, clock):
    """The desk lists who the keyworker expects today; each redraw after a change must not ask the audit
    log again whether they were recorded (it was, by this process), nor record them twice."""
    worker = StaffUser.get(StaffUser.role == "keyworker")
    case = make_case(name="Jordan Expected", keyworker=worker.id)
    bookings.mark_expected(case.id, schedule().local_today(utcnow()), worker)
    shown = (AuditEvent.detail == "shown as expected today") & (AuditEvent.object_id == case.id)
    first = client.get("/staff/desk/live?v=stale")
    assert "Jordan" in first.get_data(as_text=True)
    assert AuditEvent.select().where(shown).count() == 1
    bump()  # another change: the desk is drawn again
    with counting_queries() as sql:
        again = client.get("/staff/desk/live?v=stale")
    assert "Jordan" in again.get_data(as_text=True)
    assert AuditEvent.select().where(shown).count() == 1
    assert not [q for q in sql if "audit" in q.lower()], sql


def test_the_desk_lists_the_first_eight_its_call_next_may_take_and_counts_them_all(client, busy):
    """The desk reads only the few it shows; the count and the "more" line still cover everyone waiting."""
    for i in range(10):
        make_ticket(name=f"Q{i}")
    page = client.get("/staff/desk/live?v=stale").get_data(as_text=True)
    waiting = Ticket.select().where(Ticket.state == "waiting").count()
    assert waiting == 15  # five of the six from `busy` (one was called) and ten more
    assert f'<span class="count">{waiting}</span>' in page
    assert len(re.findall(r'<li><span class="num">', page)) == 8
    assert f"and {waiting - 8} more." in page


def test_desks_drawn_for_the_same_change_read_what_they_share_once(app, client, busy):
    """After a change every keyworker's desk is drawn again, each for its own person; what is read for all of
    them alike (today's drop-in, the office's rooms, which room each keyworker chose and whom each is with,
    today's appointments and who is expected) is read for the first of them only, and read again after the
    next change."""
    other, manager = app.test_client(), make_staff("manager")
    colleague = make_staff("keyworker")
    assert other.post("/login", data={"username": colleague.username, "password": PASSWORD}).status_code == 302
    make_ticket(name="Newcomer")  # a change: both desks are behind
    with counting_queries() as first:
        assert "Newcomer" in client.get("/staff/desk/live?v=stale").get_data(as_text=True)
    with counting_queries() as second:
        page = other.get("/staff/desk/live?v=stale").get_data(as_text=True)
    assert "Newcomer" in page and ">Room 1<" not in page.replace(" ", "")

    def reads(sql, what):
        return [q for q in sql if {"session": '"drop_in_session" AS "t1" WHERE ((("t1"."site_id" = ?) AND ("t1"."opens_at"',
                                   "rooms": 'FROM "room" AS "t1" WHERE ("t1"."active"',
                                   "desks": 'FROM "desk_assignment" AS "t1" INNER JOIN "room"',
                                   "visitors": '"called_by_id" IS NOT NULL',
                                   "appointments": 'FROM "appointment" AS "t1"',
                                   "expected": '("t1"."expected_on" = ?)'}[what]
                in q.replace("%s", "?")]
    alike = ("session", "rooms", "desks", "visitors", "appointments", "expected")
    assert all(reads(first, what) for what in alike), first
    assert not any(reads(second, what) for what in alike), second
    assert len(second) < len(first)

    room = Room.select().where(Room.active).order_by(Room.position).first()
    rename_room(room.office_id, room.id, "Garden room", manager)  # bumps the queue's version
    with counting_queries() as after:
        page = other.get("/staff/desk/live?v=stale").get_data(as_text=True)
    assert all(reads(after, what) for what in alike) and "Garden room" in page


def test_a_signed_in_screen_reads_its_sign_in_and_account_in_one_statement(client, busy):
    make_ticket(name="Another")
    with counting_queries() as sql:
        assert client.get("/staff/desk/live?v=stale").status_code == 200
    sign_ins = [q for q in sql if 'FROM "staff_session"' in q and "queue_state" not in q]
    assert len(sign_ins) == 1 and 'JOIN "staff_user"' in sign_ins[0], sql
    assert not [q for q in sql if q.lstrip("('").startswith('SELECT "t1"."id", "t1"."username"')], sql


def test_the_desk_reads_its_visitor_and_what_they_are_linked_to_in_one_statement(client, busy):
    """Every desk is drawn again after each change: the ticket the keyworker is with and the case it is linked to
    come in one read, and the desk still shows the case; a ticket linked to nothing shows no case."""
    worker = StaffUser.get(StaffUser.role == "keyworker")
    current = Ticket.get(Ticket.state == "called")
    with counting_queries() as unlinked:
        page = client.get("/staff/desk/live?v=stale").get_data(as_text=True)
    assert f">{current.number}<" in page.replace(" ", "") and "/cases/" not in page
    case = make_case(name="Morgan Linked", keyworker=worker.id)
    visits.link_ticket(current.id, case.id, worker)  # a change: the desk is drawn again
    with counting_queries() as linked:
        page = client.get("/staff/desk/live?v=stale").get_data(as_text=True)
    assert case.reference in page
    visitor_reads = [q for q in linked if 'FROM "ticket" AS "t1"' in q and '"called_by_id"' in q.split("WHERE")[-1]]
    assert len(visitor_reads) == 1 and 'JOIN "ticket_link"' in visitor_reads[0], linked
    assert not [q for q in linked if q.lstrip("('").startswith('SELECT "t1"."id", "t1"."ticket_id"')], linked
    assert len([q for q in unlinked if '"called_by_id"' in q and '"queue_state"' not in q]) == 1, unlinked


def test_desks_drawn_for_the_same_change_each_list_their_own_keyworkers_appointments_and_expected(app, client, busy):
    """Today's appointments and who is expected are read once for every desk drawn after a change: each desk
    still lists only its own keyworker's."""
    kim = StaffUser.get(StaffUser.role == "keyworker")  # the keyworker signed in on `client`
    colleague = make_staff("keyworker", name="Lou Colleague")
    other = app.test_client()
    assert other.post("/login", data={"username": colleague.username, "password": PASSWORD}).status_code == 302
    today = schedule().local_today(utcnow())
    ada, ben = make_case(name="Ada Kimscase", keyworker=kim.id), make_case(name="Ben Louscase", keyworker=colleague.id)
    bookings.mark_expected(ada.id, today, kim)
    bookings.mark_expected(ben.id, today, colleague)
    cy, di = make_case(name="Cy Kimsbooking"), make_case(name="Di Lousbooking")
    later = utcnow().replace(second=0, microsecond=0) + timedelta(hours=1)
    bookings.book(cy.id, kim, later, kim)
    bookings.book(di.id, colleague, later, colleague)
    make_ticket(name="Newcomer")  # a change: both desks are drawn for the same key
    # The words on each desk, as "Name (reference)": a name as short as "Di" can turn up inside a CSRF token.
    kims = text(client.get("/staff/desk/live?v=stale"))
    lous = text(other.get("/staff/desk/live?v=stale"))
    assert "Ada (" in kims and "Cy (" in kims and "Ben (" not in kims and "Di (" not in kims
    assert "Ben (" in lous and "Di (" in lous and "Ada (" not in lous and "Cy (" not in lous


def _at_a_desk(app, name):
    """Another keyworker signed in on a browser of their own, at a room: (the browser, the keyworker)."""
    worker = make_staff("keyworker", name=name)
    browser = app.test_client()
    assert browser.post("/login", data={"username": worker.username, "password": PASSWORD}).status_code == 302
    choose_room(working_session(), worker, Room.get().id)
    return browser, worker


def test_another_keyworkers_start_done_and_no_show_leave_a_desk_as_it_was(app, client, busy):
    """What one keyworker does with their own visitor changes no other desk: those desks' polls stay empty, while
    the keyworker's own desk and reception's queue show it. Whatever changes who is waiting still reaches every desk."""
    kims_key = poll_version(client.get("/staff/desk"))
    other, lou = _at_a_desk(app, "Lou Colleague")
    assert not unchanged(client.get(f"/staff/desk/live?v={kims_key}"))  # Lou chose a room: Kim's waiting list
    ticket = call_next(working_session(), lou)
    changed = client.get(f"/staff/desk/live?v={kims_key}")
    assert "Waiting 4" in text(changed)  # of the five waiting, Lou has called one
    kims_key, lous_key, queue_key = poll_version(changed), poll_version(other.get("/staff/desk")), poll_key()

    for action, lou_sees in (("start", "With you now"), ("finish", "Call next")):
        move(ticket.id, action, lou)
        assert unchanged(client.get(f"/staff/desk/live?v={kims_key}")), action
        lous = other.get(f"/staff/desk/live?v={lous_key}")
        assert lou_sees in text(lous), action
        lous_key = poll_version(lous)
        assert poll_key() != queue_key  # reception's queue shows it
        queue_key = poll_key()

    ticket = call_next(working_session(), lou)  # someone leaves the waiting list: every desk shows it
    changed = client.get(f"/staff/desk/live?v={kims_key}")
    assert not unchanged(changed)
    kims_key = poll_version(changed)
    move(ticket.id, "no_show", lou)
    assert unchanged(client.get(f"/staff/desk/live?v={kims_key}"))
    assert "Call next" in text(other.get(f"/staff/desk/live?v={lous_key}"))

    # Reception starts Kim's own visitor: Kim's desk shows it, Lou's does not change.
    lous_key = poll_version(other.get("/staff/desk"))
    kims_ticket = Ticket.get((Ticket.state == "called") & (Ticket.called_by == StaffUser.get(StaffUser.role == "keyworker")))
    move(kims_ticket.id, "start", make_staff("reception"))
    assert "With you now" in text(client.get(f"/staff/desk/live?v={kims_key}"))
    assert unchanged(other.get(f"/staff/desk/live?v={lous_key}"))


def test_a_finished_visit_for_an_appointment_shows_as_seen_on_its_keyworkers_desk(app, client, busy):
    """A finish that writes to a case reaches every desk: another keyworker sees someone for Kim's appointment,
    and Kim's list of who is expected today says they were seen."""
    kim = StaffUser.get(StaffUser.role == "keyworker")
    other, lou = _at_a_desk(app, "Lou Colleague")
    case = make_case(name="Ada Booked", keyworker=kim.id)
    appointment = bookings.book(case.id, kim, utcnow().replace(second=0, microsecond=0) + timedelta(hours=1), kim)
    ticket = make_ticket(name="Ada")
    visits.link_ticket(ticket.id, case.id, kim, appointment.id)
    move(ticket.id, "call", lou)
    kims = client.get("/staff/desk/live?v=stale")
    assert "Arrived" in text(kims).split("Expected today")[-1]
    move(ticket.id, "finish", lou)
    kims = client.get(f"/staff/desk/live?v={poll_version(kims)}")
    assert "Seen" in text(kims).split("Expected today")[-1]
