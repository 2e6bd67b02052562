"""Offices run from the app: adding one, its details, weekly hours, rooms, closures, holidays kept open and
extra sessions, and saying who works at which. Each change is one transaction, audited, and bumps the
office's timetable version (every process reads it again) and its queue version (every screen redraws)."""
from datetime import datetime, timedelta

from flask import current_app
from peewee import fn

from .. import audit
from ..clock import utcnow
from ..dropin import live
from ..dropin.models import DropInSession, QueueState, Room
from ..dropin.schedule import schedule
from ..dropin.sessions import saved
from ..errors import BadInput, NotFound, Refused
from ..people import sign_in
from ..transactions import write_transaction
from .models import DAY_KINDS, Office, OfficeDay, OfficeHours, StaffOffice, offices_of
from .timetable import forget, load, public_holidays, timetable

DEFAULT_ROOMS = ("Room 1", "Room 2", "Room 3", "Interview room")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def add_office(name, by=None, **details):
    """A new office with its own queue, the usual rooms, and the settings' drop-in days and hours."""
    name = (name or "").strip()
    if not name:
        raise BadInput("Give the office a name.")
    with write_transaction():
        _office_name_free(name)
        office = Office.create(name=name)
        furnish(office)
        if details:
            Office.update(**details).where(Office.id == office.id).execute()
        office = Office.get_by_id(office.id)
        audit.record("add office", office, office.name, staff=by)
    return office


def _same_name(a, b):
    """Names compared as people read them: "İnverness" and "i̇nverness", "Straße" and "STRASSE" are one."""
    return a.strip().casefold() == b.strip().casefold()


def _office_name_free(name, office_id=None):
    # In Python, not SQL: SQLite's LOWER() knows only A to Z, and the unique index is on the exact name.
    for other_id, other in Office.select(Office.id, Office.name).tuples():
        if other_id != office_id and _same_name(other, name):
            raise BadInput(f"There is already an office called {other}.")


def _defaults():
    config = current_app.config
    return {"phone": config.get("SERVICE_PHONE", ""), "public_base_url": config.get("PUBLIC_BASE_URL", ""),
            "opens_before_minutes": schedule().opens_before.seconds // 60}


def furnish(office):
    """A new office's queue counter, the usual rooms, and the settings' weekly drop-ins and holidays."""
    Office.update(public_holidays=bool(current_app.config.get("PUBLIC_HOLIDAYS", True)), **_defaults()).where(
        Office.id == office.id).execute()
    QueueState.create(id=office.id, version=0)
    for position, room in enumerate(DEFAULT_ROOMS):
        Room.create(office=office, name=room, position=position)
    default_hours(office)


def default_hours(office):
    """The weekly drop-ins the settings name (DROPIN_WEEKDAYS, DROPIN_START, DROPIN_END)."""
    week = schedule()
    for weekday in sorted(week.weekdays):
        OfficeHours.create(office=office, weekday=weekday, starts=week.start, ends=week.end)


def _changing(office_id):
    """Inside a write transaction: lock the office's queue row, redraw its screens, and have every process
    read its timetable again."""
    live.bump(office_id)
    Office.update(timetable_version=Office.timetable_version + 1).where(Office.id == office_id).execute()
    forget(office_id)


def get_office(office_id):
    office = Office.get_or_none(Office.id == office_id)
    if office is None:
        raise NotFound("There is no such office.")
    return office


def update_office(office_id, by, **details):
    """Name, address, phone, the address on QR codes and how early check-in opens."""
    with write_transaction():
        office = get_office(office_id)
        if "name" in details:
            details["name"] = (details["name"] or "").strip()
            if not details["name"]:
                raise BadInput("Give the office a name.")
            _office_name_free(details["name"], office.id)
        changed = [key for key, value in details.items() if getattr(office, key) != value]
        if not changed:
            return office
        _changing(office.id)
        Office.update(**details).where(Office.id == office.id).execute()
        office = Office.get_by_id(office.id)
        audit.record("change office", office, f"{office.name}: {', '.join(changed)} changed", staff=by)
    return office


# --- weekly hours ------------------------------------------------------------------------------------

def add_hours(office_id, weekday, starts, ends, by):
    """Another weekly drop-in; refused when it ends before it starts or overlaps one on the same day."""
    if weekday not in range(7):
        raise BadInput("Choose a day of the week.")
    if ends <= starts:
        raise BadInput(f"The end ({ends:%H:%M}) must be after the start ({starts:%H:%M}).")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        for other in OfficeHours.select().where((OfficeHours.office == office.id) & (OfficeHours.weekday == weekday)):
            if starts < other.ends and other.starts < ends:
                raise BadInput(f"That overlaps the {DAY_NAMES[weekday]} drop-in, "
                               f"{other.starts:%H:%M} to {other.ends:%H:%M}.")
        hours = OfficeHours.create(office=office, weekday=weekday, starts=starts, ends=ends)
        audit.record("change office hours", office, f"{office.name}: added {DAY_NAMES[weekday]} "
                                                f"{starts:%H:%M}-{ends:%H:%M}", staff=by)
    return hours


def remove_hours(office_id, hours_id, by):
    """Stop a weekly drop-in. Today's session, if it has begun, carries on: what is stored stays."""
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        hours = OfficeHours.get_or_none((OfficeHours.id == hours_id) & (OfficeHours.office == office.id))
        if hours is None:
            raise NotFound("That weekly drop-in is no longer on the list.")
        hours.delete_instance()
        audit.record("change office hours", office, f"{office.name}: removed {DAY_NAMES[hours.weekday]} "
                                                f"{hours.starts:%H:%M}-{hours.ends:%H:%M}", staff=by)


# --- rooms and desks ---------------------------------------------------------------------------------

def _room_name_free(office_id, name, room_id=None):
    for taken in Room.select().where(Room.office == office_id):
        if taken.id != room_id and _same_name(taken.name, name):
            retired = "" if taken.active else " (retired: bring it back instead)"
            raise BadInput(f"This office already has a room or desk called {taken.name}{retired}.")


def add_room(office_id, name, by):
    name = (name or "").strip()
    if not name:
        raise BadInput("Give the room or desk a name.")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        _room_name_free(office.id, name)
        last = Room.select(fn.MAX(Room.position)).where(Room.office == office.id).scalar()
        room = Room.create(office=office, name=name, position=(last or 0) + 1)
        audit.record("change rooms", office, f"{office.name}: added {name}", staff=by)
    return room


def _room(office_id, room_id):
    room = Room.get_or_none((Room.id == room_id) & (Room.office == office_id))
    if room is None:
        raise NotFound("There is no such room or desk at this office.")
    return room


def rename_room(office_id, room_id, name, by):
    name = (name or "").strip()
    if not name:
        raise BadInput("Give the room or desk a name.")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        room = _room(office.id, room_id)
        _room_name_free(office.id, name, room.id)
        before, room.name = room.name, name
        room.save()
        audit.record("change rooms", office, f"{office.name}: renamed {before} to {name}", staff=by)
    return room


def set_room_active(office_id, room_id, active, by):
    """Retire a room (no longer offered for calls; the calls made to it keep its name) or bring it back.
    Saying the same twice changes nothing. The last room in use cannot be retired."""
    with write_transaction():
        office = get_office(office_id)
        room = _room(office.id, room_id)
        if room.active == active:
            return room
        _changing(office.id)
        if not active and Room.select().where((Room.office == office.id) & Room.active).count() <= 1:
            raise Refused("Keep at least one room or desk in use: keyworkers call people to it.")
        room.active = active
        room.save()
        audit.record("change rooms", office, f"{office.name}: {'brought back' if active else 'retired'} {room.name}", staff=by)
    return room


# --- dated changes: closures, holidays kept open, extra sessions -------------------------------------

def add_closure(office_id, day, reason, by, now=None):
    """Close the office for a day, with the reason visitors are told. Added for today, it also ends the
    drop-in that is on: check-in closes, and the people waiting are told on their phones and the display,
    and reception decides for each of them."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("Say why it is closed: visitors are told.")
    today = schedule().local_today(now)
    if day < today:
        raise BadInput("That day has passed: choose today or a later day.")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        if OfficeDay.select().where((OfficeDay.office == office.id) & (OfficeDay.day == day)
                                    & (OfficeDay.kind == "closed")).exists():
            raise BadInput(f"{office.name} is already closed on {day:%A %-d %B %Y}.")
        change = OfficeDay.create(office=office, day=day, kind="closed", reason=reason, created_by=by)
        ended = _end_todays_sessions(office.id, now, reason) if day == today else 0
        audit.record("add closure", office, f"{office.name}: closed {day.isoformat()} ({reason})"
                     + (f"; {ended} drop-in ended early" if ended else ""), staff=by)
    return change


def _end_todays_sessions(office_id, now, reason):
    """The drop-ins of today that have not ended: stored (so their end is kept) and ended now."""
    start, end = schedule().local_day_bounds(schedule().local_today(now))
    ended = 0
    stored = {s.starts_at: s for s in DropInSession.select().where(
        (DropInSession.office == office_id) & (DropInSession.starts_at >= start - timedelta(hours=1))
        & (DropInSession.starts_at < end))}
    # Read afresh, not this process's copy: inside the transaction the version has already moved.
    for slot in load(office_id).usual_slots_on(schedule().local_today(now)):
        if slot.starts_at not in stored and slot.opens_at <= now < slot.ends_at:
            stored[slot.starts_at] = saved(DropInSession(office=office_id, starts_at=slot.starts_at,
                                                         ends_at=slot.ends_at, opens_at=slot.opens_at))
    for session in stored.values():
        if session.opens_at <= now < session.ends_at:
            session.ends_at = now
            session.checkin_closed_at = session.checkin_closed_at or now
            session.closed_reason = reason[:120]
            session.save()
            ended += 1
    return ended


def keep_holiday_open(office_id, day, by):
    """Open as usual on a public holiday (this office does not keep it)."""
    name = public_holidays(day.year).get(day)
    if name is None:
        raise BadInput(f"{day:%A %-d %B %Y} is not a public holiday.")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        if not OfficeDay.select().where((OfficeDay.office == office.id) & (OfficeDay.day == day)
                                        & (OfficeDay.kind == "open")).exists():
            OfficeDay.create(office=office, day=day, kind="open", reason=name, created_by=by)
            audit.record("keep holiday open", office, f"{office.name}: open on {day.isoformat()} ({name})", staff=by)


def add_extra_session(office_id, day, starts, ends, reason, by, now=None):
    """A one-off drop-in on a date, refused when it overlaps another drop-in that day."""
    now = now or utcnow()
    if ends <= starts:
        raise BadInput(f"The end ({ends:%H:%M}) must be after the start ({starts:%H:%M}).")
    if schedule().to_utc(datetime.combine(day, ends)) <= now:
        raise BadInput("That time has passed: choose a later one.")
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        table = load(office.id)  # afresh: inside the transaction the version has already moved
        closed = table.closure(day)
        if closed:
            raise BadInput(f"{office.name} is closed on {day:%A %-d %B %Y} ({closed}): "
                           "remove the closure or keep the holiday open first.")
        for slot in table.slots_on(day):
            local_start = schedule().to_local(slot.starts_at).time()
            local_end = schedule().to_local(slot.ends_at).time()
            if starts < local_end and local_start < ends:
                raise BadInput(f"That overlaps the drop-in on {day:%A %-d %B}, {local_start:%H:%M} to "
                               f"{local_end:%H:%M}.")
        change = OfficeDay.create(office=office, day=day, kind="extra", starts=starts, ends=ends,
                                  reason=(reason or "").strip(), created_by=by)
        audit.record("add extra session", office, f"{office.name}: {day.isoformat()} {starts:%H:%M}-{ends:%H:%M}", staff=by)
    return change


def remove_day(office_id, day_id, by, now=None):
    """Take back a closure, a holiday kept open or an extra session. A drop-in already ended early stays
    ended (its people have been told); days that have passed are kept as the record."""
    now = now or utcnow()
    with write_transaction():
        office = get_office(office_id)
        _changing(office.id)
        change = OfficeDay.get_or_none((OfficeDay.id == day_id) & (OfficeDay.office == office.id))
        if change is None:
            raise NotFound("That change is no longer on the list.")
        if change.day < schedule().local_today(now):
            raise Refused("That day has passed: it stays on the record.")
        change.delete_instance()
        audit.record("remove office day", office, f"{office.name}: {DAY_KINDS[change.kind].lower()} on "
                                              f"{change.day.isoformat()} taken back", staff=by)


def upcoming_days(office_id, now=None, weeks=52):
    """What differs from the usual week in the coming weeks: the office's changes and the public holidays
    that fall on its drop-in days, each as (date, kind, OfficeDay or None, holiday name or None)."""
    now = now or utcnow()
    today = schedule().local_today(now)
    until = today + timedelta(weeks=weeks)
    table = timetable(office_id)
    rows = []
    changes = list(OfficeDay.select().where((OfficeDay.office == office_id) & (OfficeDay.day >= today)
                                            & (OfficeDay.day <= until)).order_by(OfficeDay.day, OfficeDay.starts))
    kept_open = {c.day: c for c in changes if c.kind == "open"}
    for change in changes:
        if change.kind != "open":
            rows.append((change.day, change.kind, change, None))
    if table.public_holidays_closed:
        for year in range(today.year, until.year + 1):
            for day, name in public_holidays(year).items():
                if today <= day <= until and table.usual_slots_on(day):
                    rows.append((day, "open" if day in kept_open else "holiday", kept_open.get(day), name))
    return sorted(rows, key=lambda row: (row[0], row[1]))


# --- who works where ---------------------------------------------------------------------------------

def set_offices(user, offices):
    """The offices someone works at, replaced in one go: never a moment with none listed. Taken off
    an office, they are signed out everywhere, so no open screen keeps showing its queue."""
    before = {o.id for o in offices_of(user)}
    with write_transaction():
        StaffOffice.delete().where(StaffOffice.staff == user).execute()
        for office in offices:
            StaffOffice.create(staff=user, office=office)
        after = offices_of(user)
        ended = sign_in.end_all(user) if before - {o.id for o in after} else 0
        audit.record("change offices", user, f"{user.username}: {', '.join(o.name for o in after)}"
                     + (f"; {ended} sign-ins ended" if ended else ""))
