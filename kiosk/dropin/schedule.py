"""Drop-in session times: which weekdays, when check-in opens, all in naive UTC across BST/GMT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext

from .. import i18n

FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NUMBERS = {name: i for i, full in enumerate(FULL_DAY_NAMES) for name in (full, full[:3])}
SEARCH_DAYS = 400


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # naive UTC
    ends_at: datetime  # naive UTC
    opens_at: datetime  # naive UTC: when check-in opens


def schedule() -> Schedule:
    """The office's drop-in timetable, built from the settings when the app starts."""
    return current_app.extensions["dropin_schedule"]


def _zone(tz: str | ZoneInfo, key: str = "tz") -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(str(tz).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{key}: unknown time zone {tz!r}") from None


class Schedule:
    def __init__(self, weekdays, start: time, end: time,
                 tz: str | ZoneInfo = "Europe/London", opens_before_minutes: int = 15):
        days = tuple(weekdays)
        if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValueError(f"weekdays must be integers 0 (Monday) to 6 (Sunday), got {days!r}")
        if end <= start:
            raise ValueError(f"end {end:%H:%M} must be after start {start:%H:%M}")
        if opens_before_minutes < 0:
            raise ValueError("opens_before_minutes must not be negative")
        self.weekdays = frozenset(days)
        self.start, self.end = start, end
        self.tz = _zone(tz)
        self.opens_before = timedelta(minutes=opens_before_minutes)

    @classmethod
    def from_config(cls, config) -> Schedule:
        start = _parse_time(config.get("DROPIN_START", "13:00"), "DROPIN_START")
        end = _parse_time(config.get("DROPIN_END", "15:00"), "DROPIN_END")
        if end <= start:
            raise ValueError(f"DROPIN_END ({end:%H:%M}) must be after DROPIN_START ({start:%H:%M})")
        return cls(
            _parse_weekdays(config.get("DROPIN_WEEKDAYS", (0, 2, 4))),
            start,
            end,
            _zone(config.get("TIMEZONE", "Europe/London"), "TIMEZONE"),
            _parse_minutes(config.get("CHECKIN_OPENS_BEFORE_MINUTES", 15)),
        )

    def _utc(self, local_date: date, t: time) -> datetime:
        return self.to_utc(datetime.combine(local_date, t))

    def to_utc(self, local: datetime) -> datetime:
        """A wall-clock time in the office (as a form gives it) as the app stores times: naive UTC."""
        return local.replace(tzinfo=self.tz).astimezone(timezone.utc).replace(tzinfo=None)

    def to_local(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(self.tz)

    def local_today(self, now: datetime) -> date:
        return self.to_local(now).date()

    def local_day_bounds(self, local_date: date) -> tuple[datetime, datetime]:
        return self._utc(local_date, time()), self._utc(local_date + timedelta(days=1), time())

    def slot_on(self, local_date: date) -> Slot | None:
        if local_date.weekday() not in self.weekdays:
            return None
        starts = self._utc(local_date, self.start)
        return Slot(starts, self._utc(local_date, self.end), starts - self.opens_before)

    def slot_at(self, now: datetime) -> Slot | None:
        today = self.local_today(now)
        # Check-in for an early session can open on the previous local day.
        for offset in (0, 1):
            slot = self.slot_on(today + timedelta(days=offset))
            if slot and slot.opens_at <= now < slot.ends_at:
                return slot
        return None

    def next_slot(self, now: datetime) -> Slot:
        if not self.weekdays:
            raise ValueError("no drop-in weekdays configured")
        today = self.local_today(now)
        for offset in range(SEARCH_DAYS + 1):
            slot = self.slot_on(today + timedelta(days=offset))
            if slot and slot.opens_at > now:
                return slot
        raise ValueError(f"no drop-in session within {SEARCH_DAYS} days")


def _parse_weekdays(value) -> tuple[int, ...]:
    try:
        items = value.split(",") if isinstance(value, str) else list(value)
    except TypeError:
        raise ValueError(f"DROPIN_WEEKDAYS: expected a list like '0,2,4' or 'mon,wed,fri', got {value!r}") from None
    days = []
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        if text in DAY_NUMBERS:
            days.append(DAY_NUMBERS[text])
        elif text.isdecimal() and 0 <= int(text) <= 6:
            days.append(int(text))
        else:
            raise ValueError(f"DROPIN_WEEKDAYS: {item!r} is not a weekday (use 0-6 or mon..sun)")
    return tuple(days)


def _parse_time(value, key: str) -> time:
    if isinstance(value, time):
        return value
    hours, sep, minutes = str(value).strip().partition(":")
    if sep and hours.isdecimal() and minutes.isdecimal() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if h < 24 and m < 60:
            return time(h, m)
    raise ValueError(f"{key}: expected a time like '13:00', got {value!r}")


def _parse_minutes(value) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdecimal():
        raise ValueError(f"CHECKIN_OPENS_BEFORE_MINUTES: expected a whole number >= 0, got {value!r}")
    return int(text)


def describe_slot(slot: Slot, schedule: Schedule) -> str:
    """ "Monday 23 November, 1pm to 3pm", in the visitor's language (kiosk.i18n)."""
    starts, ends = schedule.to_local(slot.starts_at), schedule.to_local(slot.ends_at)
    return gettext("%(day)s, %(start)s to %(end)s", day=i18n.day_and_date(starts.date()), start=i18n.clock(starts),
                   end=i18n.clock(ends))


def describe_days(schedule: Schedule) -> str:
    """The settings' drop-in days and hours in words: "Monday, Wednesday and Friday, 1pm to 3pm"."""
    return describe_week({day: [(schedule.start, schedule.end)] for day in schedule.weekdays})


def describe_week(weekly) -> str:
    """An office's weekly drop-ins in words, days with the same hours together:
    "Monday, Wednesday and Friday, 1pm to 3pm; Tuesday, 10am to 12pm". `weekly` maps a weekday to its
    [(start, end)] local times."""
    day = date(2000, 1, 1)  # any date: only the clock faces are wanted
    by_times = {}
    for weekday in sorted(weekly):
        for start, end in weekly[weekday]:
            by_times.setdefault((start, end), []).append(weekday)
    return "; ".join(
        gettext("%(day)s, %(start)s to %(end)s", day=i18n.day_names(days),
                start=i18n.clock(datetime.combine(day, start)), end=i18n.clock(datetime.combine(day, end)))
        for (start, end), days in sorted(by_times.items(), key=lambda item: (item[1][0], item[0])))
