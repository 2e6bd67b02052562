"""Releases coming up and support windows ending: what keyworkers plan the throughcare year by."""
from datetime import timedelta

from peewee import JOIN

from ..people.models import StaffUser
from .bookings import OPEN, OUTREACH
from .eligibility import add_months
from .models import Appointment, Case

RELEASES_AHEAD = timedelta(weeks=12)
WINDOWS_ENDING_WITHIN = timedelta(weeks=4)
RELEASE_WARNING_DAYS = 28


def release_plans(case_ids):
    """{case id: {kind: the soonest open or done booking}} for pre-release visits and gate pick-ups."""
    plans = {}
    if not case_ids:
        return plans
    for booking in (Appointment.select(Appointment.id, Appointment.case, Appointment.kind, Appointment.starts_at,
                                       Appointment.status)
                    .where(Appointment.case.in_(list(case_ids)) & Appointment.kind.in_(OUTREACH)
                           & Appointment.status.in_((*OPEN, "done")))
                    .order_by(Appointment.starts_at)):
        plans.setdefault(booking.case_id, {}).setdefault(booking.kind, booking)
    return plans


def release_warning(case, today):
    """Words for the case page when release is near and no pre-release visit or gate pick-up is planned."""
    if case.status == "closed" or not case.release_date or case.release_date_confirmed:
        return None
    days = (case.release_date - today).days
    if not 0 <= days <= RELEASE_WARNING_DAYS or release_plans([case.id]).get(case.id):
        return None
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return (f"Release is {when} ({case.release_date:%d/%m/%Y}) and nothing is planned: "
            "book a pre-release visit or a gate pick-up.")


def _listed():
    """The columns the lists show, never a whole staff row (it holds the password hash)."""
    return (Case.select(Case.id, Case.reference, Case.name, Case.preferred_name, Case.establishment,
                        Case.release_date, Case.release_date_confirmed, StaffUser.id, StaffUser.display_name)
            .join(StaffUser, JOIN.LEFT_OUTER, on=Case.keyworker)
            .where(Case.status != "closed"))


def upcoming_releases(today, keyworker=None):
    """Cases released in the next 12 weeks, soonest first, each with its plans: [(case, plans)]."""
    query = _listed().where(Case.release_date.between(today, today + RELEASES_AHEAD)
                            & (Case.release_date_confirmed == False))  # noqa: E712 - a SQL comparison
    if keyworker is not None:
        query = query.where(Case.keyworker == keyworker)
    cases = list(query.order_by(Case.release_date, Case.name))
    plans = release_plans([c.id for c in cases])
    return [(case, plans.get(case.id, {})) for case in cases]


def windows_ending(today, keyworker=None):
    """Cases whose support window (to 12 months after release) ends in the next 4 weeks: [(case, ends)]."""
    # The window ends 12 months after release: so release fell 12 months before the days in question
    # (a day or two wider at month ends, which the exact check below trims).
    slack = timedelta(days=3)
    query = _listed().where(Case.release_date.between(add_months(today, -12) - slack,
                                                      add_months(today + WINDOWS_ENDING_WITHIN, -12) + slack))
    if keyworker is not None:
        query = query.where(Case.keyworker == keyworker)
    found = [(case, add_months(case.release_date, 12)) for case in query]
    return sorted(((c, ends) for c, ends in found if today <= ends <= today + WINDOWS_ENDING_WITHIN),
                  key=lambda pair: (pair[1], pair[0].name))
