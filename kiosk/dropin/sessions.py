"""Drop-in sessions: which one takes check-ins, which one staff are working, and opening and closing check-in.

A drop-in session is stored when something first happens in it (a ticket, a desk, a
closed check-in); until then it is worked out from the schedule, and reads never write.
"""
from datetime import datetime, time, timedelta, timezone

from ..clock import utcnow
from ..errors import Refused
from ..offices.models import current_office_id
from ..offices.timetable import timetable
from ..transactions import write_transaction
from . import live
from .models import DropInSession
from .schedule import Slot, describe_slot, schedule


def _session_for_slot(slot):
    """This office's stored session for a scheduled slot, or an unsaved one: reads never write."""
    office_id = current_office_id()
    found = DropInSession.get_or_none(
        (DropInSession.office == office_id) & (DropInSession.starts_at == slot.starts_at)
        & (DropInSession.extra == False)  # noqa: E712
    )
    return found or DropInSession(office=office_id, starts_at=slot.starts_at, ends_at=slot.ends_at,
                                  opens_at=slot.opens_at)


def _running(now):
    """This office's stored session whose check-in window contains now, newest first."""
    # Every staff screen's poll after a change asks: SQL built once.
    found = live.select_prepared(DropInSession, "running-session", _running_query, office=current_office_id(), now=now)
    return found[0] if found else None


def _running_query(office, now):
    return (DropInSession.select()
            .where((DropInSession.office == office) & (DropInSession.opens_at <= now) & (DropInSession.ends_at > now))
            .order_by(DropInSession.starts_at.desc()).limit(1))


def checkin_session(now=None):
    """The session taking check-ins now, or None when the kiosk should say closed."""
    now = now or utcnow()
    running = _running(now)
    if running is None:
        slot = timetable().slot_at(now)
        running = _session_for_slot(slot) if slot else None
    if running is not None and running.accepts_checkins(now):
        return running
    return None


def working_session(now=None):
    """The session staff are working: the one on now, else today's latest.

    Staff go on seeing people after check-in closes, so the queue stays on
    screen until the end of the day.
    """
    now = now or utcnow()
    running = _running(now)
    if running is not None:
        return running
    slot = timetable().slot_at(now)
    if slot:
        return _session_for_slot(slot)
    # Today's by when it starts: a drop-in just after midnight may have opened check-in the day before.
    day_start, day_end = schedule().local_day_bounds(schedule().local_today(now))
    return (DropInSession.select()
            .where((DropInSession.office == current_office_id()) & (DropInSession.starts_at >= day_start)
                   & (DropInSession.starts_at < day_end) & (DropInSession.opens_at <= now))
            .order_by(DropInSession.starts_at.desc()).first())


def today_bounds(now=None):
    """Naive-UTC start and end of today in the office's time zone."""
    sched = schedule()
    return sched.local_day_bounds(sched.local_today(now or utcnow()))


def saved(session):
    """Store a session that was only computed from the schedule. Call inside a write transaction."""
    if session.id is None:
        existing = DropInSession.get_or_none(
            (DropInSession.office == session.office_id) & (DropInSession.starts_at == session.starts_at)
            & (DropInSession.extra == session.extra))
        if existing:
            return existing
        session.save(force_insert=True)
    return session


def close_checkin(session, now=None):
    now = now or utcnow()
    with write_transaction():
        live.bump(session.office_id)
        session = saved(session)
        if session.checkin_closed_at is not None:
            raise Refused("Check-in is already closed for this session.")
        session.checkin_closed_at = now
        session.save()
    return session


def reopen_checkin(session, now=None):
    now = now or utcnow()
    with write_transaction():
        live.bump(session.office_id)
        session = saved(session)
        if now >= session.ends_at:
            raise Refused("This session has ended; open an extra session instead.")
        session.checkin_closed_at = None
        session.save()
    return session


def open_extra_session(until_local: time, now=None):
    """Reception opens check-in now until a local time today."""
    now = now or utcnow()
    sched = schedule()
    local_now = sched.to_local(now)
    end_local = datetime.combine(local_now.date(), until_local, tzinfo=sched.tz)
    ends_at = end_local.astimezone(timezone.utc).replace(tzinfo=None)
    if ends_at <= now + timedelta(minutes=5):
        raise Refused("Choose an end time at least five minutes from now.")
    with write_transaction():
        live.bump()
        if _running(now) is not None:
            raise Refused("A session is already open.")
        return DropInSession.create(office=current_office_id(), starts_at=now, opens_at=now, ends_at=ends_at,
                                    extra=True)


def next_opening(now=None):
    """Plain words for the kiosk's closed screen: when the next drop-in is (closures and holidays skipped),
    or None when the office has none in the coming year."""
    now = now or utcnow()
    slot = timetable().next_slot(now)
    upcoming = (DropInSession.select()
                .where((DropInSession.office == current_office_id()) & (DropInSession.extra == True)  # noqa: E712
                       & (DropInSession.opens_at > now))
                .order_by(DropInSession.opens_at).first())
    if upcoming and (slot is None or upcoming.opens_at < slot.opens_at):
        slot = Slot(starts_at=upcoming.starts_at, ends_at=upcoming.ends_at, opens_at=upcoming.opens_at)
    return describe_slot(slot, schedule()) if slot else None


def why_closed(now=None):
    """Why the kiosk is closed when a visitor might expect it open: today's session closed early (its
    reason), or today closed or a holiday. None on an ordinary day with no drop-in now."""
    now = now or utcnow()
    start, end = today_bounds(now)
    early = (DropInSession.select(DropInSession.closed_reason)
             .where((DropInSession.office == current_office_id()) & (DropInSession.starts_at >= start)
                    & (DropInSession.starts_at < end) & DropInSession.closed_reason.is_null(False))
             .order_by(DropInSession.starts_at.desc()).first())
    if early is not None:
        return early.closed_reason
    return timetable().closure_today(now)


def close_early(session, until, reason, now=None):
    """End a drop-in before its time: at `until` (naive UTC, not before now, before its end) with a reason
    the people waiting are told on their phones and the wall display. Check-in closes now; reception then
    says for each person still waiting whether they are seen today."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Say why it is closing early: visitors are told.")
    with write_transaction():
        live.bump(session.office_id)
        session = saved(session)
        if now >= session.ends_at:
            raise Refused("This drop-in has already ended.")
        until = max(until, now)
        if until >= session.ends_at:
            raise Refused(f"Choose a time before the drop-in's end, {schedule().to_local(session.ends_at):%H:%M}.")
        session.ends_at = until
        session.checkin_closed_at = session.checkin_closed_at or now
        session.closed_reason = reason[:120]
        session.save()
    return session
