"""Wait estimates and the session's counters, from the queue ahead and recent visit times."""
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from peewee import fn

from . import live
from .models import DeskAssignment, Ticket
from .reads import call_order

RECENT_VISITS = 30
NEAR_END = timedelta(minutes=45)  # in a session's last 45 minutes a ticket says either way whether it will be seen
LATE_GRACE = timedelta(minutes=15)  # staff see people a little after the end; later than this is not today


def average_visit_minutes():
    """Mean time with staff over the most recent finished visits, or the configured guess."""
    # Worked out after every change the queue's figures see (_queue_figures): SQL built once.
    rows = live.select_prepared(Ticket, "recent-visits", lambda: (
        Ticket.select(Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where((Ticket.state == "done") & Ticket.finished_at.is_null(False))
        .order_by(Ticket.finished_at.desc()).limit(RECENT_VISITS)))
    lengths = [(t.finished_at - (t.started_at or t.called_at)).total_seconds() / 60
               for t in rows if (t.started_at or t.called_at)]
    lengths = [m for m in lengths if 0 < m < 180]
    if not lengths:
        return current_app.config["DEFAULT_VISIT_MINUTES"]
    return max(1, round(sum(lengths) / len(lengths)))


def staff_on_duty(session):
    if session is None or session.id is None:
        return 1
    sql, params = live.prepared("desks-staffed", lambda session_id: DeskAssignment.select(fn.COUNT(DeskAssignment.id))
                                .where(DeskAssignment.session == session_id), session_id=session.id)
    return max(1, live.fetch_one(sql, params)[0])


@dataclass
class Estimate:
    position: int          # 1 means next to be called
    minutes: int
    seen_today: bool       # whether the expected call comes before the session ends (give or take LATE_GRACE)
    near_end: bool         # the session's last NEAR_END, when the ticket says so either way

    @property
    def nearly(self):
        """Two people or fewer ahead: nearly their turn."""
        return self.position <= 3


def _minutes_until(place, visit_minutes, on_duty):
    """Minutes until the ticket at this place in the queue (1 = next) is called."""
    return math.ceil((place - 1) * visit_minutes / on_duty)


def estimate(ticket, now, version=None):
    """Where the ticket stands and roughly how long until it is called.

    `version` is the office's queue version when the caller has just read it.
    """
    if ticket.state != "waiting":
        return None
    order, visit_minutes, on_duty = _queue_figures(ticket.session, version)
    position = order.index(ticket.id) + 1 if ticket.id in order else len(order)
    minutes = _minutes_until(position, visit_minutes, on_duty)
    ends = ticket.session.ends_at
    return Estimate(position=position, minutes=minutes, seen_today=now + timedelta(minutes=minutes) < ends + LATE_GRACE,
                    near_end=now >= ends - NEAR_END)


def expected_after_close(session, now):
    """The waiting tickets (ids) whose expected call comes after the session ends, for reception's queue."""
    if session is None or session.id is None:
        return set()
    order, visit_minutes, on_duty = _queue_figures(session)
    return {ticket_id for place, ticket_id in enumerate(order, 1)
            if now + timedelta(minutes=_minutes_until(place, visit_minutes, on_duty)) >= session.ends_at + LATE_GRACE}


def _queue_figures(session, version=None):
    """Call next's order of the waiting tickets, the recent time with staff and the desks staffed.

    Every visitor's ticket page asks for these, and they stay the same until the queue
    changes, so they are worked out once per queue version (every change bumps it).
    """
    def work_out():
        # Only the ids, in Call next's order: a whole ticket per waiting row cost far more than the sort.
        sql, params = live.prepared("call-order", lambda session_id: (
            Ticket.select(Ticket.id).where((Ticket.session == session_id) & (Ticket.state == "waiting"))
            .order_by(*call_order())), session_id=session.id)
        order = [ticket_id for (ticket_id,) in live.execute(sql, params)]
        return order, average_visit_minutes(), staff_on_duty(session)
    return live.per_version("queue_figures", session.office_id, work_out, queue_version=version, scope=session.id)


def wait_words(minutes):
    """The expected wait in plain words, in the visitor's language (kiosk.i18n)."""
    if minutes <= 0:
        return gettext("You should be called very soon")
    if minutes < 10:
        return gettext("About 5 to 10 minutes")
    if minutes < 60:
        return ngettext("About %(num)d minute", "About %(num)d minutes", int(5 * round(minutes / 5)))
    hours, rest = divmod(int(5 * round(minutes / 5)), 60)
    if rest:
        return ngettext("About %(num)d hour %(minutes)d minutes", "About %(num)d hours %(minutes)d minutes", hours,
                        minutes=rest)
    return ngettext("About %(num)d hour", "About %(num)d hours", hours)


@dataclass
class Counters:
    waiting: int
    with_staff: int
    seen: int
    average_wait_minutes: int | None
    longest_waiting_since: object  # datetime of the longest-waiting ticket, for the ticking clock


def counters(session, tickets):
    """The session's figures, from tickets already loaded for the queue."""
    by_state = {}
    for t in tickets:
        by_state[t.state] = by_state.get(t.state, 0) + 1
    waits = [(t.called_at - t.created_at).total_seconds() / 60
             for t in tickets if t.called_at and t.call_count]
    still_waiting = [t.created_at for t in tickets if t.state == "waiting"]
    return Counters(
        waiting=by_state.get("waiting", 0),
        with_staff=by_state.get("called", 0) + by_state.get("in_progress", 0),
        seen=by_state.get("done", 0),
        average_wait_minutes=round(sum(waits) / len(waits)) if waits else None,
        longest_waiting_since=min(still_waiting) if still_waiting else None,
    )

