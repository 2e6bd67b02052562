"""Drop-in schedule: check-in windows, next session and clock changes (all times naive UTC)."""

from datetime import date, datetime, time, timedelta

import pytest

from kiosk.dropin.schedule import Schedule, Slot, describe_slot
from kiosk.clock import utcnow


@pytest.fixture
def sched():
    return Schedule.from_config({})  # Mon/Wed/Fri 13:00-15:00 Europe/London, opens 15 min early


def utc(*args):
    return datetime(*args)


def test_winter_monday_checkin_opens_fifteen_minutes_before(sched):
    s = sched
    assert s.slot_at(utc(2026, 1, 12, 12, 50)) is not None
    assert s.slot_at(utc(2026, 1, 12, 12, 45)) is not None  # opening instant counts
    assert s.slot_at(utc(2026, 1, 12, 12, 40)) is None
    assert s.slot_at(utc(2026, 1, 12, 14, 59)) is not None
    assert s.slot_at(utc(2026, 1, 12, 15, 0)) is None  # closes at the end time exactly


def test_summer_monday_is_an_hour_earlier_in_utc(sched):
    slot = sched.slot_on(date(2026, 6, 15))
    assert slot == Slot(utc(2026, 6, 15, 12), utc(2026, 6, 15, 14), utc(2026, 6, 15, 11, 45))
    assert sched.slot_at(utc(2026, 6, 15, 12, 50)) == slot
    assert sched.slot_at(utc(2026, 6, 15, 14, 30)) is None  # 15:30 BST, after closing


def test_spring_clock_change(sched):
    assert sched.slot_on(date(2026, 3, 27)).starts_at == utc(2026, 3, 27, 13)  # Friday, GMT
    assert sched.slot_on(date(2026, 3, 29)) is None  # Sunday of the change
    monday = sched.slot_on(date(2026, 3, 30))
    assert (monday.starts_at, monday.ends_at) == (utc(2026, 3, 30, 12), utc(2026, 3, 30, 14))
    assert sched.next_slot(utc(2026, 3, 27, 16)) == monday


def test_autumn_clock_change(sched):
    assert sched.slot_on(date(2026, 10, 23)).starts_at == utc(2026, 10, 23, 12)  # Friday, BST
    assert sched.slot_on(date(2026, 10, 25)) is None
    monday = sched.slot_on(date(2026, 10, 26))
    assert (monday.starts_at, monday.ends_at) == (utc(2026, 10, 26, 13), utc(2026, 10, 26, 15))
    assert sched.next_slot(utc(2026, 10, 23, 15)) == monday
    assert sched.slot_at(utc(2026, 10, 26, 12, 50)) == monday


def test_local_day_bounds_on_clock_change_days(sched):
    start, end = sched.local_day_bounds(date(2026, 3, 29))
    assert (start, end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 23))
    assert end - start == timedelta(hours=23)
    start, end = sched.local_day_bounds(date(2026, 10, 25))
    assert (start, end) == (utc(2026, 10, 24, 23), utc(2026, 10, 26, 0))
    assert end - start == timedelta(hours=25)


def test_local_today_and_to_local(sched):
    # 23:30 UTC on a summer Monday is already Tuesday in Glasgow.
    assert sched.local_today(utc(2026, 6, 15, 23, 30)) == date(2026, 6, 16)
    assert sched.local_today(utc(2026, 1, 12, 23, 30)) == date(2026, 1, 12)
    local = sched.to_local(utc(2026, 6, 15, 12))
    assert (local.hour, local.utcoffset()) == (13, timedelta(hours=1))


def test_tuesday_next_slot_is_wednesday(sched):
    assert sched.slot_at(utc(2026, 1, 13, 13)) is None
    assert sched.next_slot(utc(2026, 1, 13, 13)).starts_at == utc(2026, 1, 14, 13)


def test_friday_at_closing_time_next_slot_is_monday(sched):
    now = utc(2026, 1, 16, 15)  # 15:00 GMT exactly
    assert sched.slot_at(now) is None
    assert sched.next_slot(now).starts_at == utc(2026, 1, 19, 13)


def test_next_slot_skips_session_whose_checkin_is_open(sched):
    before = sched.next_slot(utc(2026, 1, 12, 12, 44))
    assert before.starts_at == utc(2026, 1, 12, 13)
    now = utc(2026, 1, 12, 12, 46)
    assert sched.slot_at(now) == before
    assert sched.next_slot(now).starts_at == utc(2026, 1, 14, 13)


def test_next_slot_needs_weekdays():
    with pytest.raises(ValueError):
        Schedule([], time(13), time(15)).next_slot(utc(2026, 1, 12))


def test_end_must_be_after_start():
    with pytest.raises(ValueError):
        Schedule([0], time(15), time(13))
    with pytest.raises(ValueError):
        Schedule([0], time(13), time(13))


@pytest.mark.parametrize("days", ["mon,wed,fri", "0, 2, 4", "Monday,Wednesday,Friday", [4, 0, 2]])
def test_from_config_accepts_strings(days):
    s = Schedule.from_config({"DROPIN_WEEKDAYS": days, "DROPIN_START": "13:30", "DROPIN_END": "16:00",
                              "TIMEZONE": "Europe/London", "CHECKIN_OPENS_BEFORE_MINUTES": "30"})
    assert s.weekdays == {0, 2, 4}
    assert (s.start, s.end, s.tz.key) == (time(13, 30), time(16), "Europe/London")
    slot = s.slot_on(date(2026, 1, 12))
    assert slot.opens_at == utc(2026, 1, 12, 13)


@pytest.mark.parametrize("key, value", [
    ("DROPIN_WEEKDAYS", "mon,funday"),
    ("DROPIN_WEEKDAYS", "7"),
    ("DROPIN_WEEKDAYS", 3),
    ("DROPIN_START", "1pm"),
    ("DROPIN_END", "25:00"),
    ("DROPIN_END", "12:00"),  # before the default 13:00 start
    ("TIMEZONE", "Scotland/Glasgow"),
    ("CHECKIN_OPENS_BEFORE_MINUTES", "-5"),
    ("CHECKIN_OPENS_BEFORE_MINUTES", "ten"),
])
def test_from_config_rejects_bad_values(key, value):
    with pytest.raises(ValueError, match=key):
        Schedule.from_config({key: value})


def test_describe_slot(sched):
    assert describe_slot(sched.slot_on(date(2026, 11, 25)), sched) == "Wednesday 25 November, 1pm to 3pm"
    assert describe_slot(sched.slot_on(date(2026, 6, 5)), sched) == "Friday 5 June, 1pm to 3pm"
    odd = Schedule([0], time(11, 30), time(12, 5))
    assert describe_slot(odd.slot_on(date(2026, 1, 12)), odd) == "Monday 12 January, 11:30am to 12:05pm"


def test_utcnow_is_naive():
    assert utcnow().tzinfo is None


def test_describe_days_follows_the_configured_days():
    from kiosk.dropin.schedule import describe_days
    assert describe_days(Schedule.from_config({})) == "Monday, Wednesday and Friday, 1pm to 3pm"
    assert describe_days(Schedule.from_config({"DROPIN_WEEKDAYS": "tue", "DROPIN_START": "10:30",
                                               "DROPIN_END": "12:00"})) == "Tuesday, 10:30am to 12pm"
