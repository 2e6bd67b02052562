"""Taking one person out of the records: what goes, what stays (only what the reports count), in the caller's
transaction, with SQLite told to overwrite what it frees so no later backup copies it.

Per table:
- the case row stays, as "Erased record", holding only what the reports count by: when it was opened and
  closed and how it ended, the referral source and date, the release date, its keyworker (which office);
  name, preferred name, date of birth, phone, address, establishment, eligibility answers, consent, the
  closing words and the reference go (the reference could be looked up in letters and other systems);
- contact log entries, action plan items and their ratings, referrals and settled bookings stay for their
  counts (kind and date, area and status, score, partner and status), their words cleared; open bookings
  (not yet happened: no report counts them) and safety flags are deleted, and so is prison-visit travel help;
- family records that only the person told us about (no consent of their own) are deleted with their log;
  a family member who is a client in their own right (their own consent recorded) keeps their record:
  only its link to the case goes, with who they support inside and where (the person's name and prison);
- tickets that name the person (linked to the case or to a deleted family record, or turned into a contact
  or a booking) lose the first name and the visit note; their times, needs, state and link stay for the
  figures, except that a ticket still in the queue is unlinked, so what is done at that visit is not recorded;
- the audit log keeps every row about the case, its detail replaced by "(erased)" (erasure_models.py).
"""
from collections import Counter
from contextlib import contextmanager

from ..audit import AuditEvent
from ..clock import utcnow
from ..db import database, is_sqlite
from ..dropin import live
from ..dropin.models import ACTIVE_STATES, Ticket
from .bookings import OPEN
from .models import (
    ActionPlanItem, Appointment, Case, ContactEntry, FamilyContact, FamilyMember, PlanRating, Referral, SafetyFlag,
    TicketLink, TravelHelp,
)
from .erasure_models import ERASED_DETAIL
from .importing import forget_waiting_uploads

ERASED_NAME = "Erased record"
ERASED_REFERENCE = "ERASED-{}"
NEWLY_CLOSED_OUTCOME = "other"  # an open case erased on request: its support ended for a reason of its own


def own_clients(case):
    """The case's family members who are clients in their own right: their own consent recorded."""
    return FamilyMember.select().where((FamilyMember.case == case) & FamilyMember.consent_date.is_null(False))


def told_about(case):
    """The case's family members known only because the person told us of them: no consent of their own."""
    return FamilyMember.select().where((FamilyMember.case == case) & FamilyMember.consent_date.is_null())


def _naming_tickets(case, member_ids):
    """Tickets whose first name or note is the person's, or a family member's whose record goes."""
    linked = TicketLink.case == case
    if member_ids:
        linked |= TicketLink.family_member.in_(member_ids)
    ids = {t for (t,) in TicketLink.select(TicketLink.ticket).where(linked).tuples()}
    ids |= {t for (t,) in ContactEntry.select(ContactEntry.ticket).where(
        (ContactEntry.case == case) & ContactEntry.ticket.is_null(False)).tuples()}
    ids |= {t for (t,) in Appointment.select(Appointment.ticket).where(
        (Appointment.case == case) & Appointment.ticket.is_null(False)).tuples()}
    if member_ids:
        ids |= {t for (t,) in FamilyContact.select(FamilyContact.ticket).where(
            FamilyContact.family_member.in_(member_ids) & FamilyContact.ticket.is_null(False)).tuples()}
    return ids


def what_goes(case):
    """Counts of what an erasure of this case would delete, clear and keep: for the manager, before it."""
    member_ids = [m.id for m in told_about(case)]
    plan = ActionPlanItem.select(ActionPlanItem.id).where(ActionPlanItem.case == case)
    return {
        "contacts": ContactEntry.select().where(ContactEntry.case == case).count(),
        "plan_items": plan.count(),
        "ratings": PlanRating.select().where(PlanRating.item.in_(plan)).count(),
        "referrals": Referral.select().where(Referral.case == case).count(),
        "open_bookings": Appointment.select().where((Appointment.case == case) & Appointment.status.in_(OPEN)).count(),
        "settled_bookings": Appointment.select().where(
            (Appointment.case == case) & Appointment.status.not_in(OPEN)).count(),
        "flags": SafetyFlag.select().where(SafetyFlag.case == case).count(),
        "travel_help": TravelHelp.select().where(TravelHelp.case == case).count(),
        "family_deleted": len(member_ids),
        "family_unlinked": own_clients(case).count(),
        "tickets": len(_naming_tickets(case, member_ids)),
        "audit_rows": AuditEvent.select().where((AuditEvent.object_type == "Case")
                                                & (AuditEvent.object_id == case.id)).count(),
    }


def scrub(case, now=None):
    """Erase the person's details from `case` and everything hanging from it, keeping what the reports count.
    Runs in the caller's transaction, after the erasure's row says done (the audit log's door needs that).
    Returns counts of what was done."""
    now = now or utcnow()
    done = Counter()
    dropped = [m.id for m in told_about(case)]
    kept = [m.id for m in own_clients(case)]
    tickets = _naming_tickets(case, dropped)
    if tickets:
        done["tickets"] = (Ticket.update(name=None, outcome=None, request_key=None)
                           .where(Ticket.id.in_(list(tickets))).execute())
        # Someone still in the queue is seen as anyone is, but what is done then is no longer the case's.
        still_here = Ticket.select(Ticket.id).where(Ticket.id.in_(list(tickets)) & Ticket.state.in_(ACTIVE_STATES))
        TicketLink.delete().where(TicketLink.ticket.in_(still_here)).execute()
    # Travel help is nobody's figure: the person's goes, a family client's own stays theirs.
    done["travel_help"] = TravelHelp.delete().where(
        (TravelHelp.case == case) & (TravelHelp.family_member.is_null()
                                     | TravelHelp.family_member.not_in(kept or [0]))).execute()
    if kept:
        TravelHelp.update(case=None).where((TravelHelp.case == case) & TravelHelp.family_member.in_(kept)).execute()
        done["family_unlinked"] = (FamilyMember.update(case=None, link_consent_family=False, link_consent_person=False,
                                                       in_custody=None, prison=None, updated_at=now)
                                   .where(FamilyMember.id.in_(kept)).execute())
    if dropped:
        # Their own log, travel help and ticket links go with them (ON DELETE CASCADE).
        done["family_deleted"] = FamilyMember.delete().where(FamilyMember.id.in_(dropped)).execute()
    done["contacts"] = ContactEntry.update(summary="").where(ContactEntry.case == case).execute()
    done["plan_items"] = (ActionPlanItem.update(goal="", actions=None, owner=None, updated_at=now)
                          .where(ActionPlanItem.case == case).execute())
    done["referrals"] = Referral.update(note=None).where(Referral.case == case).execute()
    done["flags"] = SafetyFlag.delete().where(SafetyFlag.case == case).execute()
    still_to_come = Appointment.select(Appointment.id).where((Appointment.case == case) & Appointment.status.in_(OPEN))
    TicketLink.update(appointment=None).where(TicketLink.appointment.in_(still_to_come)).execute()
    done["open_bookings"] = Appointment.delete().where(Appointment.id.in_(still_to_come)).execute()
    done["settled_bookings"] = (Appointment.update(note=None, prison=None, place=None, attendees=None, reason=None)
                                .where(Appointment.case == case).execute())
    _anonymise_case_row(case, now)
    # Only the erased case's own rows can be changed, only this way: see erasure_models.py.
    done["audit_rows"] = (AuditEvent.update(detail=ERASED_DETAIL)
                          .where((AuditEvent.object_type == "Case") & (AuditEvent.object_id == case.id)
                                 & AuditEvent.detail.is_null(False) & (AuditEvent.detail != ERASED_DETAIL))
                          .execute())
    done["uploads_waiting"] = forget_waiting_uploads()
    live.bump_all()  # queues and desks that showed a linked ticket's name draw it again without
    return done


def _anonymise_case_row(case, now):
    reference, tries = ERASED_REFERENCE.format(case.id), 1
    while Case.select().where((Case.reference == reference) & (Case.id != case.id)).exists():
        tries += 1  # someone typed a reference in that shape by hand
        reference = f"{ERASED_REFERENCE.format(case.id)}-{tries}"
    closing = {} if case.status == "closed" else {"status": "closed", "closed_at": now,
                                                  "close_outcome": NEWLY_CLOSED_OUTCOME}
    Case.update(reference=reference, name=ERASED_NAME, preferred_name=None, date_of_birth=None, phone=None,
                address=None, contact_preference="phone", establishment=None, sentence_under_four_years=None,
                statutory_order=None, consent_date=None, consent_recorded_by=None, closed_reason=None,
                expected_on=None, updated_at=now, version=Case.version + 1, **closing
                ).where(Case.id == case.id).execute()


@contextmanager
def overwriting_what_is_freed():
    """SQLite leaves deleted and overwritten text in the file's free space and free pages until they are
    reused, and a backup (its online backup copies every page) would carry it on. For the erasure this
    connection overwrites what it frees with zeros; afterwards the write-ahead log, which still holds the
    pages as they were, is folded into the file and emptied. PostgreSQL's pg_dump copies live rows only."""
    if not is_sqlite():
        yield
        return
    before = database.execute_sql("PRAGMA secure_delete").fetchone()[0]
    database.execute_sql("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA secure_delete = {int(before)}")
    if not database.in_transaction():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
