"""Running offices from the app: refusals that say what is wrong and save nothing, rooms retired and
brought back, a closure or an early close while people wait, every change audited, and the migration
that gives existing offices the settings' timetable."""
import re
from datetime import date, datetime, time, timedelta

import pytest
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
from playhouse.migrate import migrate as apply

from config import TestingConfig
from kiosk import create_app
from kiosk.audit import AuditEvent
from kiosk.db import database, is_sqlite
from kiosk.dropin import live
from kiosk.dropin.models import DropInSession, Room, Ticket
from kiosk.dropin.sessions import close_early, why_closed
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.migrations import SchemaMigration, _foreign_keys_off_on_sqlite, migrate
from kiosk.offices.models import Office, OfficeDay, OfficeHours
from kiosk.offices.services import (add_closure, add_extra_session, add_hours, add_office, add_room,
                                    keep_holiday_open, remove_day, remove_hours, rename_room, set_room_active,
                                    update_office)

from ..factories import make_ticket
from ..pages import text
from .test_offices import check_in, kiosk_at, staff_at
from .test_timetable import london

MONDAY, TUESDAY, WEDNESDAY, FRIDAY = (date(2026, 11, d) for d in (23, 24, 25, 27))
ST_ANDREWS_DAY = date(2026, 11, 30)


def room(office, name):
    return Room.get((Room.office == office.id) & (Room.name == name))


def in_use(office):
    return [r.name for r in Room.in_use(office.id)]


def saved_state():
    """What a refused change must leave as it was: every office's rows, timetable and queue versions."""
    return {"offices": [(o.id, o.name, o.address, o.public_holidays, o.timetable_version)
                        for o in Office.select().order_by(Office.id)],
            "hours": OfficeHours.select().count(), "days": OfficeDay.select().count(),
            "rooms": [(r.id, r.name, r.active) for r in Room.select().order_by(Room.id)],
            "audit": AuditEvent.select().count(),
            "queues": [live.version(o.id) for o in Office.select().order_by(Office.id)]}


# --- refusals ------------------------------------------------------------------------------------

REFUSALS = {
    "a weekly drop-in ending before it starts": (
        lambda o, by: add_hours(o.id, 1, time(12), time(10), by),
        BadInput, "The end (10:00) must be after the start (12:00)."),
    "an extra session ending as it starts": (
        lambda o, by: add_extra_session(o.id, TUESDAY, time(10), time(10), "Clinic", by),
        BadInput, "The end (10:00) must be after the start (10:00)."),
    "two weekly drop-ins overlapping on a Monday": (
        lambda o, by: add_hours(o.id, 0, time(14), time(16), by),
        BadInput, "That overlaps the Monday drop-in, 13:00 to 15:00."),
    "an extra session overlapping Wednesday's drop-in": (
        lambda o, by: add_extra_session(o.id, WEDNESDAY, time(14, 30), time(16), "Clinic", by),
        BadInput, "That overlaps the drop-in on Wednesday 25 November, 13:00 to 15:00."),
    "an extra session on a public holiday": (
        lambda o, by: add_extra_session(o.id, ST_ANDREWS_DAY, time(10), time(12), "Clinic", by),
        BadInput, "Glasgow is closed on Monday 30 November 2026 (Saint Andrew's Day): remove the closure or "
                  "keep the holiday open first."),
    "a room named as another, in other letters": (
        lambda o, by: add_room(o.id, " room 1 ", by),
        BadInput, "This office already has a room or desk called Room 1."),
    "a room renamed as another": (
        lambda o, by: rename_room(o.id, room(o, "Room 2").id, "ROOM 3", by),
        BadInput, "This office already has a room or desk called Room 3."),
    "a room named as a retired one": (
        lambda o, by: add_room(o.id, "interview room", by),
        BadInput, "This office already has a room or desk called Interview room (retired: bring it back instead)."),
    "an office with no name": (
        lambda o, by: add_office("   ", by),
        BadInput, "Give the office a name."),
    "an office named as another": (
        lambda o, by: add_office("paisley", by),
        BadInput, "There is already an office called Paisley."),
    "an office renamed as another": (
        lambda o, by: update_office(o.id, by, name="PAISLEY"),
        BadInput, "There is already an office called Paisley."),
    "a closure on a day that has passed": (
        lambda o, by: add_closure(o.id, MONDAY - timedelta(days=3), "Boiler broken", by),
        BadInput, "That day has passed: choose today or a later day."),
    "a closure with no reason": (
        lambda o, by: add_closure(o.id, WEDNESDAY, "  ", by),
        BadInput, "Say why it is closed: visitors are told."),
    "a second closure on one day": (
        lambda o, by: add_closure(o.id, FRIDAY, "Staff training", by),
        BadInput, "Glasgow is already closed on Friday 27 November 2026."),
    "a holiday kept open that is no holiday": (
        lambda o, by: keep_holiday_open(o.id, TUESDAY, by),
        BadInput, "Tuesday 24 November 2026 is not a public holiday."),
    "taking back a day that has passed": (
        lambda o, by: remove_day(o.id, OfficeDay.get(OfficeDay.reason == "Last week's closure").id, by),
        Refused, "That day has passed: it stays on the record."),
    "a change to an office that is not there": (
        lambda o, by: add_hours(999, 1, time(10), time(12), by),
        NotFound, "There is no such office."),
}


@pytest.mark.parametrize("change", REFUSALS)
def test_a_refused_change_says_why_and_saves_nothing(glasgow, manager, clock, change):
    add_office("Paisley")
    set_room_active(glasgow.id, room(glasgow, "Interview room").id, False, manager)
    add_closure(glasgow.id, FRIDAY, "Boiler broken", manager)
    OfficeDay.create(office=glasgow, day=MONDAY - timedelta(days=7), kind="closed", reason="Last week's closure")
    before = saved_state()
    attempt, refusal, message = REFUSALS[change]
    with pytest.raises(Refused) as refused:
        attempt(glasgow, manager)
    assert refused.type is refusal
    assert refused.value.message == message
    assert saved_state() == before


# --- rooms ---------------------------------------------------------------------------------------

def test_rooms_are_added_renamed_retired_and_brought_back(app, glasgow, manager, clock):
    added = add_room(glasgow.id, "Room 4", manager)
    assert in_use(glasgow) == ["Room 1", "Room 2", "Room 3", "Interview room", "Room 4"]
    rename_room(glasgow.id, added.id, "  Family room ", manager)
    assert in_use(glasgow)[-1] == "Family room"

    # A keyworker calls someone to it; then it is retired.
    ticket = check_in(kiosk_at(app, glasgow), "a")
    worker = staff_at(app, "keyworker", glasgow)
    assert worker.post("/staff/desk/room", data={"room": added.id}).status_code == 303
    assert worker.post("/staff/desk/call-next").status_code == 303
    set_room_active(glasgow.id, added.id, False, manager)
    assert "Family room" not in in_use(glasgow)
    assert Ticket.get_by_id(ticket.id).room.name == "Family room"
    assert "Please go to Family room now." in text(app.test_client().get(f"/t/{ticket.token}"))
    other = staff_at(app, "keyworker", glasgow)
    assert other.post("/staff/desk/room", data={"room": added.id}).status_code == 400  # not offered any more

    audited = AuditEvent.select().count()
    again = set_room_active(glasgow.id, added.id, False, manager)
    assert again.active is False and "Family room" not in in_use(glasgow)
    assert AuditEvent.select().count() == audited  # retiring twice is no change

    set_room_active(glasgow.id, added.id, True, manager)
    assert in_use(glasgow) == ["Room 1", "Room 2", "Room 3", "Interview room", "Family room"]
    assert other.post("/staff/desk/room", data={"room": added.id}).status_code == 303


def test_the_last_room_in_use_cannot_be_retired(glasgow, manager, clock):
    for name in ("Room 1", "Room 2", "Room 3"):
        set_room_active(glasgow.id, room(glasgow, name).id, False, manager)
    last = room(glasgow, "Interview room")
    with pytest.raises(Refused, match=re.escape("Keep at least one room or desk in use")):
        set_room_active(glasgow.id, last.id, False, manager)
    assert in_use(glasgow) == ["Interview room"]


# --- closing while people wait -------------------------------------------------------------------

@pytest.fixture
def two_waiting(app, glasgow, clock):
    """Wednesday 25 November, 1:20pm: two people checked in at the kiosk and waiting."""
    clock.move_to(london(2026, 11, 25, 13, 20))
    return [check_in(kiosk_at(app, glasgow), key) for key in ("a", "b")]


def test_a_closure_for_today_ends_the_drop_in_and_everyone_is_told(app, glasgow, manager, two_waiting):
    reception = staff_at(app, "reception", glasgow)
    assert "still waiting" not in text(reception.get("/staff/queue"))
    version = live.version(glasgow.id)

    add_closure(glasgow.id, WEDNESDAY, "Staff training", manager)

    now = datetime(2026, 11, 25, 13, 20)  # naive UTC, as stored (GMT in November)
    dropin = DropInSession.get_by_id(two_waiting[0].session_id)
    assert (dropin.ends_at, dropin.checkin_closed_at, dropin.closed_reason) == (now, now, "Staff training")
    assert live.version(glasgow.id) > version
    assert [Ticket.get_by_id(t.id).state for t in two_waiting] == ["waiting", "waiting"]

    kiosk = text(kiosk_at(app, glasgow).get("/kiosk/"))
    assert "We are closed today Staff training" in kiosk and "Get a ticket" not in kiosk
    assert "Friday 27 November, 1pm to 3pm" in kiosk
    phone = text(app.test_client().get(f"/t/{two_waiting[0].token}"))
    assert "The drop-in is closing early today: Staff training." in phone
    assert "The next drop-in" not in phone  # nobody is sent away before reception decides for them
    assert "The drop-in has ended. Please stay for now" in phone
    queue = text(reception.get("/staff/queue"))
    assert "The drop-in ended at 1:20pm. 2 people are still waiting." in queue
    assert "Closed early at 1:20pm: Staff training." in queue


def test_closing_early_shortens_the_drop_in_and_tells_those_waiting_why(app, glasgow, two_waiting):
    ticket = two_waiting[0]
    close_early(ticket.session, ticket.created_at + timedelta(minutes=30), "Fire drill")

    assert DropInSession.get_by_id(ticket.session_id).ends_at == datetime(2026, 11, 25, 13, 50)
    phone = text(app.test_client().get(f"/t/{ticket.token}"))
    assert "The drop-in is closing early today: Fire drill." in phone and "has ended" not in phone
    kiosk = text(kiosk_at(app, glasgow).get("/kiosk/"))
    assert "We are closed today Fire drill" in kiosk and "Get a ticket" not in kiosk
    assert why_closed() == "Fire drill"
    assert "Closing early at 1:50pm: Fire drill." in text(staff_at(app, "reception", glasgow).get("/staff/queue"))


# --- every change audited ------------------------------------------------------------------------

CHANGES = {
    "details": lambda o, by: update_office(o.id, by, address="12 High Street", public_holidays=False),
    "weekly hours added": lambda o, by: add_hours(o.id, 1, time(10), time(12), by),
    "weekly hours removed": lambda o, by: remove_hours(o.id, OfficeHours.get(OfficeHours.office == o.id).id, by),
    "room added": lambda o, by: add_room(o.id, "Room 5", by),
    "room renamed": lambda o, by: rename_room(o.id, room(o, "Room 1").id, "Front desk", by),
    "room retired": lambda o, by: set_room_active(o.id, room(o, "Room 1").id, False, by),
    "closure": lambda o, by: add_closure(o.id, WEDNESDAY, "Staff training", by),
    "holiday kept open": lambda o, by: keep_holiday_open(o.id, ST_ANDREWS_DAY, by),
    "extra session": lambda o, by: add_extra_session(o.id, TUESDAY, time(10), time(12), "Clinic", by),
    "day taken back": lambda o, by: remove_day(o.id, OfficeDay.get(OfficeDay.office == o.id).id, by),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_is_audited_and_read_again_by_every_process(glasgow, manager, clock, change):
    paisley = add_office("Paisley", manager)
    assert AuditEvent.get(AuditEvent.action == "add office").detail == "Paisley"
    add_closure(paisley.id, FRIDAY, "Boiler broken", manager)
    audited = AuditEvent.select().count()
    versions = {o.id: (Office.get_by_id(o.id).timetable_version, live.version(o.id)) for o in (glasgow, paisley)}

    CHANGES[change](paisley, manager)

    new = list(AuditEvent.select().order_by(AuditEvent.id).offset(audited))
    assert len(new) == 1
    assert (new[0].object_type, new[0].object_id) == ("Office", paisley.id)
    assert new[0].detail.startswith("Paisley: ")
    timetable_version, queue_version = versions[paisley.id]
    assert Office.get_by_id(paisley.id).timetable_version == timetable_version + 1
    assert live.version(paisley.id) > queue_version  # its screens redraw
    assert (Office.get_by_id(glasgow.id).timetable_version, live.version(glasgow.id)) == versions[glasgow.id]


# --- the migration -------------------------------------------------------------------------------

ADDED_BY_0014 = ("address", "phone", "public_base_url", "opens_before_minutes", "public_holidays",
                 "timetable_version")


def back_to_0013():
    """Undo 0014: no weekly hours or dated changes, the office's details back in the settings."""
    migrator = SqliteMigrator(database) if is_sqlite() else PostgresqlMigrator(database)
    with _foreign_keys_off_on_sqlite():
        database.drop_tables([OfficeDay, OfficeHours])
        apply(*[migrator.drop_column("site", column) for column in ADDED_BY_0014],
              migrator.drop_column("drop_in_session", "closed_reason"))
    SchemaMigration.delete().where(SchemaMigration.name == "0014_office_timetables").execute()


def rows(table, leave_out=()):
    cursor = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
    names = [column[0] for column in cursor.description]
    return [{k: v for k, v in zip(names, row) if k not in leave_out} for row in cursor.fetchall()]


def test_the_migration_gives_every_office_the_settings_timetable_and_keeps_the_rest(app, glasgow, manager, clock):
    paisley = add_office("Paisley")
    rename_room(paisley.id, room(paisley, "Room 2").id, "Front desk", manager)
    set_room_active(paisley.id, room(paisley, "Room 3").id, False, manager)
    make_ticket(name="Robyn")  # Monday's drop-in at Glasgow, stored
    check_in(kiosk_at(app, paisley), "c")  # and Paisley's
    back_to_0013()
    assert "phone" not in {c.name for c in database.get_columns("site")}
    before = {"site": rows("site"), "room": rows("room"), "drop_in_session": rows("drop_in_session"),
              "ticket": rows("ticket")}
    assert len(before["site"]) == 2 and len(before["drop_in_session"]) == 2

    upgraded = create_app(TestingConfig, SQLITE_PATH=app.config["SQLITE_PATH"], DROPIN_WEEKDAYS="tue,thu",
                          DROPIN_START="10:00", SERVICE_PHONE="0141 000 0000")
    with upgraded.app_context():
        assert [m.name for m in SchemaMigration.select().where(SchemaMigration.name.startswith("0014"))] == [
            "0014_office_timetables"]
        for office in Office.select():
            hours = {(h.weekday, h.starts, h.ends) for h in office.hours}
            assert hours == {(1, time(10), time(15)), (3, time(10), time(15))}, office.name
            assert (office.phone, office.opens_before_minutes, office.public_holidays) == ("0141 000 0000", 15, True)
            assert (office.address, office.timetable_version, list(office.days)) == ("", 0, [])
        assert rows("site", ADDED_BY_0014) == before["site"]
        assert rows("room") == before["room"]
        assert rows("drop_in_session", ("closed_reason",)) == before["drop_in_session"]
        assert {r["closed_reason"] for r in rows("drop_in_session")} == {None}
        assert rows("ticket") == before["ticket"]
        assert migrate() == []

