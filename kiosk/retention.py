"""Keeping records no longer than needed: the purge of old tickets' free text (daily: kiosk/housekeeping.py)."""
from datetime import timedelta
from typing import NamedTuple

from peewee import fn

from . import audit
from .cases.erasure_models import Erasure
from .cases.models import Case, FamilyMember
from .clock import utcnow
from .dropin.models import DropInSession, Ticket
from .dropin.schedule import schedule
from .reports.daily import fold_past_days
from .transactions import write_transaction


class Purged(NamedTuple):
    cleared: int  # tickets whose names, notes and needs went
    cases: list  # closed before the review cutoff
    families: list  # family records whose consent was withdrawn before it


def purge(ticket_days, case_years, now=None):
    """Remove first names, outcome notes, the needs asked for and the kiosk's request key from tickets
    older than ticket_days (a ticket's address already leads nowhere a week after its drop-in).

    Closed cases older than case_years and not yet anonymised, and family records whose consent was
    withdrawn as long ago (withdrawal starts their clock), are listed for a person to review, never
    deleted here: what to keep is a decision for the service, record by record (a manager anonymises
    cases from /cases/retention: cases/erasure.py).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=ticket_days)
    # What the reports count of each past day is kept first, in anonymous figures the purge leaves alone.
    first = DropInSession.select(fn.MIN(DropInSession.starts_at)).scalar()
    if first is not None:
        fold_past_days(schedule().to_local(first).date(), now=now)
    with write_transaction():
        cleared = (Ticket.update(name=None, outcome=None, needs="", request_key=None)
                   .where((Ticket.created_at < cutoff)
                          & (Ticket.name.is_null(False) | Ticket.outcome.is_null(False) | (Ticket.needs != "")
                             | Ticket.request_key.is_null(False)))
                   .execute())
        if cleared:
            audit.record("purge", None, f"cleared names, notes and needs from {cleared} tickets before {cutoff:%Y-%m-%d}")
    review_before = now - timedelta(days=round(365.25 * case_years))
    anonymised = Erasure.select(Erasure.case_number).where(Erasure.status == "done")
    to_review = list(Case.select(Case.id, Case.reference, Case.closed_at)
                     .where((Case.status == "closed") & (Case.closed_at < review_before) & Case.id.not_in(anonymised))
                     .order_by(Case.closed_at))
    families = list(FamilyMember.select(FamilyMember.id, FamilyMember.consent_withdrawn_on)
                    .where(FamilyMember.consent_withdrawn_on < review_before.date())
                    .order_by(FamilyMember.consent_withdrawn_on, FamilyMember.id))
    return Purged(cleared, to_review, families)
