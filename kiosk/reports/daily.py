"""Folding a day of the drop-in into anonymous daily figures (reports.models.DailyFigure).

A day is folded once it is over, before the purge clears its tickets' needs (the daily purge folds every
day not yet folded first), and reports fold any past day still missing when they are asked for one. The
report reads these rows alone, so its cost grows with the days in the period, not the tickets in them.
"""
import math
import statistics
from collections import Counter
from datetime import timedelta

from peewee import JOIN

from ..cases.models import ContactEntry, FamilyContact, TicketLink
from ..clock import utcnow
from ..dropin.models import DropInSession, Ticket
from ..dropin.schedule import schedule
from ..transactions import write_transaction
from .models import DailyFigure

FOLDED = "folded"  # a row marking a day as folded, so a day with no visits is not folded again


def minutes(later, earlier):
    return max(0, round((later - earlier).total_seconds() / 60))


def percentile(values, share):
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def session_key(office_id, session):
    """A drop-in session in a figure's key: its office and local start, which sort in time order."""
    start = schedule().to_local(session.starts_at)
    return f"{office_id}|{start:%Y-%m-%d %H:%M}{' extra' if session.extra else ''}"


def figures_for_day(office_id, day):
    """The day's figures as {(measure, key): value}, from its drop-in sessions' tickets."""
    start, end = schedule().local_day_bounds(day)
    sessions = list(DropInSession.select().where((DropInSession.office == office_id)
                                                 & (DropInSession.starts_at >= start) & (DropInSession.starts_at < end)))
    figures = Counter()
    if not sessions:
        return figures
    tickets = list(Ticket.select(Ticket, TicketLink.case.alias("linked_case"),
                                 TicketLink.family_member.alias("linked_member"))
                   .join(TicketLink, JOIN.LEFT_OUTER, on=(TicketLink.ticket == Ticket.id))
                   .where(Ticket.session.in_([s.id for s in sessions])).objects())
    returning = _returning(tickets, start)
    by_session = {s.id: s for s in sessions}
    waits = {s.id: [] for s in sessions}
    for session in sessions:
        figures["sessions", ""] += 1
        figures["session_visits", session_key(office_id, session)] += 0
    for ticket in tickets:
        session = by_session[ticket.session_id]
        figures["state", ticket.state] += 1
        if ticket.state == "cancelled":
            continue  # a ticket taken back (a wrong tap, a visitor who changed their mind) is not a visit
        figures["visits", ""] += 1
        figures["session_visits", session_key(office_id, session)] += 1
        figures["visit_for", ticket.visit_for] += 1
        for need in ticket.need_codes:
            figures["need", need] += 1
        figures["hour", f"{schedule().to_local(ticket.created_at).hour:02d}"] += 1
        linked = ticket.linked_case or ticket.linked_member
        figures["people", "not_linked" if not linked else "returning" if ticket.id in returning else "new"] += 1
        if ticket.called_at:
            waits[session.id].append(minutes(ticket.called_at, ticket.created_at))
        if ticket.state == "done" and ticket.started_at and ticket.finished_at:
            figures["staff_minutes", ""] += minutes(ticket.finished_at, ticket.started_at)
            figures["staff_seen", ""] += 1
        if ticket.state == "done" and ticket.called_by_id:
            figures["seen_by", str(ticket.called_by_id)] += 1
        if ticket.after_close == "seen_late" or (ticket.started_at and ticket.started_at > session.ends_at):
            figures["seen_late", ""] += 1
    for session_id, session_waits in waits.items():
        if session_waits:
            key = session_key(office_id, by_session[session_id])
            figures["wait_median", key] = round(statistics.median(session_waits))
            figures["wait_p90", key] = percentile(session_waits, 0.9)
            figures["waits_counted", key] = len(session_waits)
    return figures


def _returning(tickets, day_start):
    """The day's linked tickets whose person (a case, or a family record) had a visit or a contact before."""
    cases = {t.linked_case for t in tickets if t.linked_case}
    members = {t.linked_member for t in tickets if t.linked_member}
    before_cases, before_members = set(), set()
    if cases:
        before_cases = {c for (c,) in ContactEntry.select(ContactEntry.case).where(
            ContactEntry.case.in_(cases) & (ContactEntry.happened_at < day_start)).distinct().tuples()}
        before_cases |= {c for (c,) in TicketLink.select(TicketLink.case).join(Ticket).where(
            TicketLink.case.in_(cases) & (Ticket.created_at < day_start)).distinct().tuples()}
    if members:
        before_members = {m for (m,) in FamilyContact.select(FamilyContact.family_member).where(
            FamilyContact.family_member.in_(members) & (FamilyContact.happened_at < day_start)).distinct().tuples()}
        before_members |= {m for (m,) in TicketLink.select(TicketLink.family_member).join(Ticket).where(
            TicketLink.family_member.in_(members) & (Ticket.created_at < day_start)).distinct().tuples()}
    return {t.id for t in tickets if t.linked_case in before_cases or t.linked_member in before_members}


def fold_day(office_id, day):
    """Store the day's figures (again, replacing any earlier fold) and mark it folded."""
    figures = figures_for_day(office_id, day)
    rows = [{"office": office_id, "day": day, "measure": measure, "key": key, "value": value}
            for (measure, key), value in figures.items()]
    rows.append({"office": office_id, "day": day, "measure": FOLDED, "key": "", "value": 1})
    with write_transaction():
        DailyFigure.delete().where((DailyFigure.office == office_id) & (DailyFigure.day == day)).execute()
        DailyFigure.insert_many(rows).execute()
    return figures


def unfolded_days(first_day, last_day, office_id=None):
    """(office, day) pairs with a drop-in session, from first_day to last_day inclusive, not folded yet."""
    start, _ = schedule().local_day_bounds(first_day)
    _, end = schedule().local_day_bounds(last_day)
    query = DropInSession.select(DropInSession.office, DropInSession.starts_at).where(
        (DropInSession.starts_at >= start) & (DropInSession.starts_at < end))
    folded = DailyFigure.select(DailyFigure.office, DailyFigure.day).where(
        (DailyFigure.measure == FOLDED) & (DailyFigure.day >= first_day) & (DailyFigure.day <= last_day))
    if office_id is not None:
        query, folded = query.where(DropInSession.office == office_id), folded.where(DailyFigure.office == office_id)
    held = {(office, schedule().to_local(starts_at).date()) for office, starts_at in query.tuples()}
    return sorted(held - set(folded.tuples()))


def fold_past_days(first_day, office_id=None, now=None, last_day=None):
    """Fold every day with a session from first_day up to last_day (at most yesterday) not folded yet."""
    yesterday = schedule().local_today(now or utcnow()) - timedelta(days=1)
    last_day = min(last_day or yesterday, yesterday)
    if first_day > last_day:
        return []
    missing = unfolded_days(first_day, last_day, office_id)
    for office, day in missing:
        fold_day(office, day)
    return missing
