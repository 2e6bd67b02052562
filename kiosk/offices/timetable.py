"""An office's timetable: its weekly drop-ins, Scotland's public holidays (unless kept open), its own
closures and its extra sessions, as the slots the kiosk, the queue and the screens work from.

Each process keeps one copy per office, read again when the office's `timetable_version` moves
(every change in offices.services bumps it), so a change made in one process is seen by all at
their next request. All times are naive UTC, as the app stores them; the office's hours are local.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from flask import current_app, g

from ..dropin.schedule import Schedule, Slot, schedule
from .models import Office, OfficeDay, OfficeHours, current_office_id

SEARCH_DAYS = 400


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Scotland's public holidays in a year (substitute days included), from the holidays library."""
    return dict(holidays.country_holidays("GB", subdiv="SCT", years=year, language="en_GB"))


@dataclass(frozen=True)
class OfficeFacts:
    """What visitors and screens are told about an office."""
    id: int
    name: str
    address: str
    phone: str
    public_base_url: str


@dataclass(frozen=True)
class Change:
    kind: str
    starts: time | None
    ends: time | None
    reason: str


class Timetable:
    """One office's drop-ins, from its weekly hours and its dated changes."""

    def __init__(self, clock: Schedule, hours, opens_before_minutes: int, days=(), public_holidays_closed=True,
                 office: OfficeFacts | None = None):
        self.clock = clock
        self.office = office
        self.opens_before = timedelta(minutes=opens_before_minutes)
        self.public_holidays_closed = public_holidays_closed
        self.weekly: dict[int, list[tuple[time, time]]] = {}
        for weekday, starts, ends in hours:
            self.weekly.setdefault(weekday, []).append((starts, ends))
        for times in self.weekly.values():
            times.sort()
        self.changes: dict[date, list[Change]] = {}
        for day, change in days:
            self.changes.setdefault(day, []).append(change)

    @property
    def weekdays(self):
        return frozenset(self.weekly)

    # --- one day ---------------------------------------------------------------------------------

    def holiday(self, day: date) -> str | None:
        """The public holiday on a day that closes the office, if any."""
        if not self.public_holidays_closed:
            return None
        name = public_holidays(day.year).get(day)
        if name and any(c.kind == "open" for c in self.changes.get(day, ())):
            return None
        return name

    def closure(self, day: date) -> str | None:
        """Why the office has no drop-in on a day it would have one: a closure's reason or a holiday's name."""
        for change in self.changes.get(day, ()):
            if change.kind == "closed":
                return change.reason or "Closed"
        return self.holiday(day)

    def slots_on(self, day: date) -> list[Slot]:
        """The drop-ins on a local date, in order: none when it is closed or a holiday."""
        if self.closure(day):
            return []
        times = list(self.weekly.get(day.weekday(), ()))
        times += [(c.starts, c.ends) for c in self.changes.get(day, ()) if c.kind == "extra"]
        slots = []
        for starts, ends in sorted(times):
            starts_at = self.clock.to_utc(datetime.combine(day, starts))
            slots.append(Slot(starts_at, self.clock.to_utc(datetime.combine(day, ends)),
                              starts_at - self.opens_before))
        return slots

    def usual_slots_on(self, day: date) -> list[Slot]:
        """The week's drop-ins on a date, whatever closes it: what a closure or a holiday takes away."""
        times = self.weekly.get(day.weekday(), ())
        return [Slot(self.clock.to_utc(datetime.combine(day, s)), self.clock.to_utc(datetime.combine(day, e)),
                     self.clock.to_utc(datetime.combine(day, s)) - self.opens_before) for s, e in times]

    # --- over time -------------------------------------------------------------------------------

    def slot_at(self, now: datetime) -> Slot | None:
        """The drop-in whose check-in window holds `now`, if any (check-in may open the day before)."""
        today = self.clock.local_today(now)
        for offset in (0, 1):
            for slot in self.slots_on(today + timedelta(days=offset)):
                if slot.opens_at <= now < slot.ends_at:
                    return slot
        return None

    def next_slot(self, now: datetime) -> Slot | None:
        """The next drop-in whose check-in opens after `now`, skipping closures and holidays."""
        today = self.clock.local_today(now)
        for offset in range(SEARCH_DAYS + 1):
            for slot in self.slots_on(today + timedelta(days=offset)):
                if slot.opens_at > now:
                    return slot
        return None

    def closure_today(self, now: datetime) -> str | None:
        """Why there is no drop-in today, when today would have had one (or has a closure all the same)."""
        day = self.clock.local_today(now)
        reason = self.closure(day)
        if reason and (self.usual_slots_on(day) or any(c.kind == "closed" for c in self.changes.get(day, ()))):
            return reason
        return None


def timetable(office_id: int | None = None) -> Timetable:
    """The office's timetable (this request's office by default): this process's copy while the office's
    version is unchanged, one small read to learn that, at most once per request."""
    office_id = office_id or current_office_id()
    seen = g.setdefault("timetables", {})
    if office_id in seen:
        return seen[office_id]
    version = Office.select(Office.timetable_version).where(Office.id == office_id).scalar()
    cache = current_app.extensions.setdefault("timetables", {})
    cached = cache.get(office_id)
    if cached is None or cached[0] != version or version is None:
        cached = cache[office_id] = (version, load(office_id))
    seen[office_id] = cached[1]
    return cached[1]


def load(office_id: int) -> Timetable:
    """An office's timetable read from the database (an office that does not exist has no drop-ins)."""
    office = Office.get_or_none(Office.id == office_id)
    if office is None:
        return Timetable(schedule(), (), 0, public_holidays_closed=False)
    hours = [(h.weekday, h.starts, h.ends) for h in OfficeHours.select().where(OfficeHours.office == office_id)]
    days = [(d.day, Change(d.kind, d.starts, d.ends, d.reason))
            for d in OfficeDay.select().where(OfficeDay.office == office_id)]
    facts = OfficeFacts(office.id, office.name, office.address, office.phone or current_app.config["SERVICE_PHONE"],
                        office.public_base_url or current_app.config.get("PUBLIC_BASE_URL") or "")
    return Timetable(schedule(), hours, office.opens_before_minutes, days, office.public_holidays, facts)


def office_facts(office_id: int | None = None) -> OfficeFacts:
    return timetable(office_id).office


def forget(office_id: int):
    """This request's copy is out of date (the office was changed in it)."""
    if "timetables" in g:
        g.timetables.pop(office_id, None)
