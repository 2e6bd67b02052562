"""Bookings: office appointments and outreach (pre-release visits, gate pick-ups, case conferences).

A booking is planned work with a date, a time and a place. When it happens it becomes a contact in
the case's log; when it does not, it is marked missed or cancelled with the reason. Only office
appointments come to the drop-in, so only they are on reception's list for the day.
"""
from datetime import timedelta

from .. import audit
from ..clock import utcnow
from ..dropin import live
from ..dropin.schedule import schedule
from ..errors import BadInput, NotAllowed, NotFound, Refused
from ..offices.models import current_office_id, works_at
from ..transactions import write_transaction
from .models import BOOKING_KINDS, CONFERENCE_ATTENDEES, Appointment, Case, ContactEntry
from .services import get_case

# The contact a booking becomes when it is done.
CONTACT_KIND = {"office": "appointment", "prison_visit": "prison_visit", "gate_pickup": "gate_pickup",
                "case_conference": "case_conference"}
OUTREACH = ("prison_visit", "gate_pickup")  # what plans a release
OPEN = ("booked", "arrived")
SETTLED = {"done": "Done", "missed": "Missed", "cancelled": "Cancelled"}


def _clean(kind, prison, place, attendees):
    """The details each kind needs, with a plain message for what is missing."""
    if kind not in BOOKING_KINDS:
        raise BadInput("Choose what kind of booking this is.")
    if kind in ("prison_visit", "gate_pickup") and not prison:
        raise BadInput("Say which prison.")
    if kind == "gate_pickup" and not place:
        raise BadInput("Say where to meet them at the gate.")
    unknown = set(attendees) - set(CONFERENCE_ATTENDEES)
    if unknown:
        raise BadInput("Choose who attends from the list.")
    if kind == "case_conference" and not attendees:
        raise BadInput("Say who attends the case conference.")
    conference = kind == "case_conference"
    return {"prison": prison if kind in ("prison_visit", "gate_pickup") else None,
            "place": place if kind != "office" else None,
            "attendees": ",".join(a for a in CONFERENCE_ATTENDEES if a in attendees) if conference else None}


def book(case_id, keyworker, starts_at, staff, kind="office", note=None, prison=None, place=None, attendees=()):
    """Book a piece of work; outreach is for caseworkers, an office appointment anyone on staff."""
    if kind != "office" and not (staff and staff.sees_casework):
        raise NotAllowed("Only keyworkers and managers book outreach.")
    details = _clean(kind, prison, place, attendees)
    with write_transaction():
        case = get_case(case_id)
        booking = Appointment.create(case=case, keyworker=keyworker, starts_at=starts_at, note=note, kind=kind,
                                     **details)
        audit.record("update", case, f"booked {kind.replace('_', ' ')} {booking.id}", staff=staff)
    return booking


def get_booking(booking_id):
    booking = Appointment.get_or_none(Appointment.id == booking_id)
    if booking is None:
        raise NotFound("That booking no longer exists.")
    return booking


def settle(booking_id, status, staff, summary=None, reason=None, now=None):
    """A booking done (its contact written to the log), missed or cancelled (with the reason)."""
    if status not in SETTLED:
        raise BadInput("Choose done, missed or cancelled.")
    with write_transaction():
        booking = get_booking(booking_id)
        if booking.status not in OPEN:
            raise Refused(f"This booking is already {booking.status}.")
        if not (staff and staff.sees_casework):
            if status == "done":
                raise NotAllowed("Only keyworkers and managers write in the contact log.")
            if booking.kind != "office":
                raise NotAllowed("Only keyworkers and managers record how outreach went.")
        now = now or utcnow()
        day = schedule().to_local(booking.starts_at).date()
        if status in ("done", "missed") and day > schedule().local_today(now):
            raise Refused(f"This is booked for {day:%d/%m/%Y}: say how it went on the day, or cancel it.")
        if status == "done":
            if not summary:
                raise BadInput("Write what happened; it goes in the contact log.")
            when = min(booking.starts_at, now)
            booking.contact = ContactEntry.create(case=booking.case_id, kind=CONTACT_KIND[booking.kind],
                                                  happened_at=when, summary=summary, staff=staff)
        elif not reason:
            raise BadInput(f"Say why it was {status}.")
        booking.status, booking.reason = status, reason if status != "done" else None
        booking.save()
        audit.record("update", booking.case, f"{booking.kind.replace('_', ' ')} {booking.id} {status}", staff=staff)
    return booking


def case_bookings(case):
    """A case's bookings: coming up first (soonest first), then the rest, newest first."""
    bookings = list(case.appointments.order_by(Appointment.starts_at.desc()))
    coming = sorted((b for b in bookings if b.status in OPEN), key=lambda b: b.starts_at)
    return coming + [b for b in bookings if b.status not in OPEN]


def attendee_labels(booking):
    return [CONFERENCE_ATTENDEES[code] for code in (booking.attendees or "").split(",") if code]


def expected_cases(today, keyworker=None, released_within=timedelta(days=7)):
    """Who may come in today besides office appointments: released in the last week, or marked expected, at
    this office (their keyworker works here; someone with no keyworker yet may come in at any office).
    [(case, why)], with only the columns the lists show. One keyworker's, for their desk, are picked from
    everyone's: read once per poll key for the queue and every desk drawn for it (live.per_poll_key_within)."""
    # Reception's queue and each keyworker's desk ask on every render: SQL built once.
    since = today - released_within
    rows = live.per_poll_key_within("expected_cases", (today, since), lambda: live.select_prepared(
        Case, "expected-cases", _expected_query, today=today, since=since, office=current_office_id()))
    if keyworker is not None:
        rows = [case for case in rows if case.keyworker_id == keyworker.id]
    return [(case, "expected today" if case.expected_on == today else
             f"released {case.release_date:%d/%m}") for case in rows]


def _expected_query(today, since, office):
    return (Case.select(Case.id, Case.reference, Case.name, Case.preferred_name, Case.release_date, Case.expected_on,
                        Case.keyworker)
            .where((Case.status != "closed") & ((Case.expected_on == today) | (Case.release_date.between(since, today)))
                   & (Case.keyworker.is_null() | works_at(Case.keyworker, office)))
            .order_by(Case.name))


def mark_expected(case_id, day, staff):
    """A keyworker expects the person in on a day (None clears it)."""
    with write_transaction():
        case = get_case(case_id)
        Case.update(expected_on=day).where(Case.id == case.id).execute()
        audit.record("update", case, f"expected on {day:%Y-%m-%d}" if day else "no longer expected", staff=staff)
