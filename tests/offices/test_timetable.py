"""An office's timetable through the database: Scotland's public holidays (kept open or not), its own
closures and extra sessions, other weekly hours, the clock changes, and a change seen at the next request."""
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from flask import g

from kiosk.dropin import devices, live
from kiosk.dropin.sessions import checkin_session, next_opening, why_closed
from kiosk.offices.models import Office, OfficeDay, OfficeHours
from kiosk.offices.services import (add_closure, add_extra_session, add_hours, add_office, keep_holiday_open,
                                    remove_day, remove_hours, update_office)
from kiosk.offices.timetable import timetable

from ..pages import poll_version, text, unchanged
from .test_offices import check_in, kiosk_at

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
ST_ANDREWS_DAY = date(2026, 11, 30)  # a Monday


def london(*parts, fold=0):
    """A wall-clock time in Glasgow, for the frozen clock."""
    return datetime(*parts, tzinfo=LONDON, fold=fold)


def stored(*parts):
    """A UTC instant as the app stores it (naive)."""
    return datetime(*parts)


@contextmanager
def at_office(office):
    """Ask the drop-in functions about one office, as a request from that office's device does."""
    g.office_id = office.id
    try:
        yield
    finally:
        g.pop("office_id", None)


def display_at(app, office):
    with at_office(office):
        _, token = devices.enrol(f"Display {office.name}", "display", None)
    board = app.test_client()
    board.set_cookie(devices.COOKIES["display"], token)
    return board


def weekly(office, *hours, by):
    """Replace an office's weekly drop-ins with (weekday, start, end) ones."""
    for old in OfficeHours.select().where(OfficeHours.office == office.id):
        remove_hours(office.id, old.id, by)
    for weekday, starts, ends in hours:
        add_hours(office.id, weekday, starts, ends, by)


# --- public holidays -------------------------------------------------------------------------------

def test_st_andrews_day_closes_the_kiosk_and_names_the_next_drop_in(app, glasgow, clock):
    clock.move_to(london(2026, 11, 30, 13, 30))  # a Monday, half an hour into the usual drop-in
    page = kiosk_at(app, glasgow).get("/kiosk/")
    assert page.status_code == 200
    assert "We are closed today Saint Andrew's Day" in text(page)
    assert "The next drop-in is Wednesday 2 December, 1pm to 3pm" in text(page)
    assert "Get a ticket" not in text(page)
    assert checkin_session() is None
    assert why_closed() == "Saint Andrew's Day"


def test_a_substitute_holiday_is_closed_and_skipped_with_christmas(app, glasgow, clock):
    clock.move_to(london(2026, 12, 25, 9, 0))  # Christmas morning, a Friday
    assert next_opening() == "Wednesday 30 December, 1pm to 3pm"
    clock.move_to(london(2026, 12, 28, 13, 30))  # Monday: Boxing Day, a Saturday, is kept today
    page = kiosk_at(app, glasgow).get("/kiosk/")
    assert "We are closed today Boxing Day (observed)" in text(page)
    assert "Wednesday 30 December, 1pm to 3pm" in text(page)
    assert checkin_session() is None


def test_a_holiday_kept_open_is_an_ordinary_day_at_that_office_only(app, glasgow, manager, clock):
    paisley = add_office("Paisley")
    keep_holiday_open(glasgow.id, ST_ANDREWS_DAY, manager)
    clock.move_to(london(2026, 11, 30, 12, 0))  # the morning of St Andrew's Day
    glasgow_kiosk, paisley_kiosk = kiosk_at(app, glasgow), kiosk_at(app, paisley)
    assert "The next drop-in is Monday 30 November, 1pm to 3pm" in text(glasgow_kiosk.get("/kiosk/"))

    # Taken back, the holiday closes Glasgow again; kept open once more, it opens as usual.
    change = OfficeDay.get((OfficeDay.office == glasgow.id) & (OfficeDay.day == ST_ANDREWS_DAY))
    remove_day(glasgow.id, change.id, manager)
    assert OfficeDay.select().count() == 0
    assert "The next drop-in is Wednesday 2 December, 1pm to 3pm" in text(glasgow_kiosk.get("/kiosk/"))
    clock.move_to(london(2026, 11, 30, 13, 30))
    assert "We are closed today Saint Andrew's Day" in text(glasgow_kiosk.get("/kiosk/"))
    keep_holiday_open(glasgow.id, ST_ANDREWS_DAY, manager)

    assert "Get a ticket" in text(glasgow_kiosk.get("/kiosk/"))
    assert check_in(kiosk_at(app, glasgow), "a").session.starts_at == stored(2026, 11, 30, 13, 0)
    there = text(paisley_kiosk.get("/kiosk/"))
    assert "We are closed today Saint Andrew's Day" in there and "Get a ticket" not in there
    with at_office(paisley):
        assert checkin_session() is None


def test_an_office_that_does_not_keep_public_holidays_opens_on_them(app, glasgow, manager, clock):
    paisley = add_office("Paisley")
    update_office(paisley.id, manager, public_holidays=False)
    clock.move_to(london(2026, 11, 30, 13, 30))
    assert "Get a ticket" in text(kiosk_at(app, paisley).get("/kiosk/"))
    assert "Saint Andrew's Day" in text(kiosk_at(app, glasgow).get("/kiosk/"))
    with at_office(paisley):
        assert checkin_session() is not None and why_closed() is None
    clock.move_to(london(2026, 12, 25, 9, 0))
    with at_office(paisley):
        assert next_opening() == "Friday 25 December, 1pm to 3pm"


# --- the clocks changing --------------------------------------------------------------------------

def test_a_night_drop_in_across_the_clock_changes(app, manager, clock):
    night = add_office("Night shelter")
    weekly(night, (6, time(0, 30), time(3, 30)), by=manager)  # Sundays, 00:30 to 03:30 on the wall clock
    hours = timetable(night.id)

    # Spring forward (01:00 GMT becomes 02:00 BST): the drop-in is an hour shorter.
    (spring,) = hours.slots_on(date(2027, 3, 28))
    assert (spring.starts_at, spring.ends_at) == (stored(2027, 3, 28, 0, 30), stored(2027, 3, 28, 2, 30))
    assert spring.opens_at == stored(2027, 3, 28, 0, 15)
    assert spring.ends_at - spring.starts_at == timedelta(hours=2)

    # Fall back (02:00 BST becomes 01:00 GMT): an hour longer; it starts on Saturday in UTC.
    (autumn,) = hours.slots_on(date(2026, 10, 25))
    assert (autumn.starts_at, autumn.ends_at) == (stored(2026, 10, 24, 23, 30), stored(2026, 10, 25, 3, 30))
    assert autumn.opens_at == stored(2026, 10, 24, 23, 15)
    assert autumn.ends_at - autumn.starts_at == timedelta(hours=4)

    kiosk = kiosk_at(app, night)
    first, second = london(2026, 10, 25, 1, 30), london(2026, 10, 25, 1, 30, fold=1)
    assert first.utcoffset() == timedelta(hours=1) and second.utcoffset() == timedelta(0)
    for moment in (first, second):
        clock.move_to(moment)
        assert "Get a ticket" in text(kiosk.get("/kiosk/")), moment
        with at_office(night):
            assert checkin_session() is not None, moment
            assert checkin_session().starts_at == stored(2026, 10, 24, 23, 30)
    clock.move_to(london(2026, 10, 25, 3, 29))
    with at_office(night):
        assert checkin_session() is not None
    clock.move_to(london(2026, 10, 25, 3, 30))
    with at_office(night):
        assert checkin_session() is None

    # 02:40 UTC on 28 March is 03:40 BST: that drop-in has ended, though it began barely two hours ago.
    clock.move_to(datetime(2027, 3, 28, 2, 40, tzinfo=UTC))
    assert "Get a ticket" not in text(kiosk.get("/kiosk/"))
    clock.move_to(datetime(2027, 3, 28, 2, 20, tzinfo=UTC))
    assert "Get a ticket" in text(kiosk.get("/kiosk/"))


# --- offices with other hours ---------------------------------------------------------------------

def test_an_office_with_its_own_hours_opens_and_polls_by_them(app, glasgow, manager, clock):
    paisley = add_office("Paisley")
    weekly(paisley, (1, time(10), time(12)), (3, time(10), time(12)), by=manager)
    clock.move_to(london(2026, 11, 24, 10, 30))  # Tuesday morning
    assert "Get a ticket" in text(kiosk_at(app, paisley).get("/kiosk/"))
    closed = text(kiosk_at(app, glasgow).get("/kiosk/"))
    assert "Get a ticket" not in closed and "Wednesday 25 November, 1pm to 3pm" in closed
    with at_office(glasgow):
        assert checkin_session() is None
        assert next_opening() == "Wednesday 25 November, 1pm to 3pm"
    with at_office(paisley):
        assert checkin_session().starts_at == stored(2026, 11, 24, 10, 0)
        assert next_opening() == "Thursday 26 November, 10am to 12pm"

    # Two minutes before noon, each office's wall screen carries its own key: the slot it is in, or the day.
    clock.move_to(london(2026, 11, 24, 11, 58))
    boards = {office.name: display_at(app, office) for office in (glasgow, paisley)}
    pages = {name: board.get("/display/") for name, board in boards.items()}
    assert "The drop-in is closed" in text(pages["Glasgow"]) and "closed" not in text(pages["Paisley"])
    keys = {name: poll_version(page) for name, page in pages.items()}
    for office in (glasgow, paisley):
        with at_office(office):
            assert keys[office.name] == live.poll_key()
    assert keys["Paisley"].endswith("-202611241000")  # in Paisley's 10am drop-in
    assert keys["Glasgow"].endswith("-20261124")  # no drop-in at Glasgow: the day
    # Noon ends Paisley's drop-in: its wall screen redraws, Glasgow's has nothing new to show.
    clock.move_to(london(2026, 11, 24, 12, 1))
    assert unchanged(boards["Glasgow"].get(f"/display/live?v={keys['Glasgow']}"))
    ended = boards["Paisley"].get(f"/display/live?v={keys['Paisley']}")
    assert ended.status_code == 200 and "The drop-in is closed" in text(ended)

def test_a_change_of_hours_is_seen_at_the_next_request(app, glasgow, manager, clock):
    paisley = add_office("Paisley")
    clock.move_to(london(2026, 11, 24, 10, 30))  # Tuesday: no drop-in at Glasgow
    kiosk = kiosk_at(app, glasgow)
    assert "Get a ticket" not in text(kiosk.get("/kiosk/"))  # this process now holds Glasgow's timetable
    versions = {o.id: (o.timetable_version, live.version(o.id)) for o in (glasgow, paisley)}

    added = add_hours(glasgow.id, 1, time(10), time(12), manager)
    assert "Get a ticket" in text(kiosk.get("/kiosk/"))
    assert Office.get_by_id(glasgow.id).timetable_version == versions[glasgow.id][0] + 1
    assert live.version(glasgow.id) > versions[glasgow.id][1]
    assert (Office.get_by_id(paisley.id).timetable_version, live.version(paisley.id)) == versions[paisley.id]

    remove_hours(glasgow.id, added.id, manager)
    assert "Get a ticket" not in text(kiosk.get("/kiosk/"))
    assert (Office.get_by_id(paisley.id).timetable_version, live.version(paisley.id)) == versions[paisley.id]


def test_a_change_of_details_is_seen_at_the_next_request(app, manager, clock):
    paisley = add_office("Paisley")
    clock.move_to(london(2026, 11, 30, 13, 30))  # St Andrew's Day
    kiosk = kiosk_at(app, paisley)
    assert "Saint Andrew's Day" in text(kiosk.get("/kiosk/"))  # this process now holds Paisley's timetable
    update_office(paisley.id, manager, public_holidays=False)
    assert "Get a ticket" in text(kiosk.get("/kiosk/"))


def test_a_display_keeps_its_own_offices_key_when_it_is_checked_again(app, manager, clock):
    paisley = add_office("Paisley")
    weekly(paisley, (1, time(10), time(12)), by=manager)
    clock.move_to(london(2026, 11, 24, 10, 30))  # Tuesday: Paisley's drop-in is on, Glasgow has none
    board = display_at(app, paisley)
    board.get("/display/")
    clock.move_to(london(2026, 11, 24, 10, 40))  # past the display's five-minute re-check
    fragment = board.get("/display/live?v=old")
    with at_office(paisley):
        assert poll_version(fragment) == live.poll_key()


# --- closures and extra sessions ------------------------------------------------------------------

def test_an_extra_session_opens_the_kiosk_and_a_closure_is_skipped_and_explained(app, glasgow, manager, clock):
    # Monday 23 November, 1:30pm: add a Tuesday morning session and close Wednesday.
    add_extra_session(glasgow.id, date(2026, 11, 24), time(10), time(12), "Housing clinic", manager)
    add_closure(glasgow.id, date(2026, 11, 25), "Staff training", manager)
    kiosk = kiosk_at(app, glasgow)

    clock.to("after closing")
    assert next_opening() == "Tuesday 24 November, 10am to 12pm"
    assert "The next drop-in is Tuesday 24 November, 10am to 12pm" in text(kiosk.get("/kiosk/"))

    clock.move_to(london(2026, 11, 24, 10, 30))
    assert "Get a ticket" in text(kiosk.get("/kiosk/"))
    assert check_in(kiosk_at(app, glasgow), "e").session.starts_at == stored(2026, 11, 24, 10, 0)

    clock.move_to(london(2026, 11, 24, 12, 30))
    assert next_opening() == "Friday 27 November, 1pm to 3pm"  # Wednesday is closed
    assert why_closed() is None  # nothing unusual about a Tuesday afternoon

    clock.move_to(london(2026, 11, 25, 13, 30))
    page = text(kiosk.get("/kiosk/"))
    assert "We are closed today Staff training" in page and "Get a ticket" not in page
    assert "Friday 27 November, 1pm to 3pm" in page
    assert why_closed() == "Staff training"
    assert checkin_session() is None

