"""Erasing a person's records: on their request (one manager asks, a second confirms), or by anonymising a
closed case whose retention period has ended (policy, so one manager does it). erasure_scrub.py does the
erasing itself; erasure_models.py keeps the record that it was done, by case number and never by name."""
import re
from datetime import timedelta

from .. import audit
from ..clock import utcnow
from ..dropin.models import DropInSession
from ..dropin.schedule import schedule
from ..errors import BadInput, NotAllowed, NotFound, Refused
from ..reports.daily import fold_past_days
from ..transactions import write_transaction
from .access_requests import SubjectAccessRequest
from .erasure_models import ERASURE_REASONS, RETENTION_ENDED, Erasure
from .erasure_scrub import overwriting_what_is_freed, scrub, told_about
from .models import Case, FamilyMember
from .services import get_case

DETAILS_MAX_LENGTH = 300
NAMED = ("Leave the person's name and date of birth out of the reason: it is kept after their records go. "
         "Their case is named by its number.")


def _day(moment):
    return f"{schedule().to_local(moment):%d/%m/%Y}"


def erasure_of(case_id):
    """The case's erasure waiting for a second manager or done, if any (a withdrawn one is history)."""
    return (Erasure.select().where((Erasure.case_number == case_id) & Erasure.status.in_(("waiting", "done")))
            .order_by(Erasure.id.desc()).first())


def holds(case):
    """Why the case's records must stay for now, in words for the manager. An open subject access request holds
    them: destroying what a request asks for is an offence (Data Protection Act 2018, s.173), so it is answered
    first. The app records no legal holds of its own (litigation, police requests): the manager weighs those."""
    about = (SubjectAccessRequest.case == case.id) | SubjectAccessRequest.family_member.in_(
        told_about(case).select(FamilyMember.id))
    return [f"A subject access request received on {r.received_on:%d/%m/%Y} is still open: answer it first."
            for r in SubjectAccessRequest.select().where(about & (SubjectAccessRequest.status == "open"))
            .order_by(SubjectAccessRequest.received_on)]


def _names_the_person(text, case):
    """Whether the words give the person's name (any part of three letters or more) or date of birth."""
    words = set(re.findall(r"\w+", text.casefold()))
    names = set(re.findall(r"\w{3,}", f"{case.name} {case.preferred_name or ''}".casefold()))
    born = case.date_of_birth
    dates = {f"{born:%d/%m/%Y}", born.isoformat(), f"{born.day}/{born.month}/{born.year}"} if born else set()
    return bool(words & names) or any(d in text for d in dates)


def request_erasure(case_id, reason, details, staff):
    """A manager asks for the person's records to be erased; it waits for a second manager to confirm."""
    _a_manager(staff)
    if reason not in ERASURE_REASONS:
        raise BadInput("Choose why the records are to be erased.")
    details = (details or "").strip() or None
    if reason == "other" and not details:
        raise BadInput("Say which reason under Article 17 applies.")
    if details and len(details) > DETAILS_MAX_LENGTH:
        raise BadInput(f"Keep the reason to {DETAILS_MAX_LENGTH} characters.")
    with write_transaction():
        case = get_case(case_id)
        not_asked_already(case)
        if details and _names_the_person(details, case):
            raise BadInput(NAMED)
        erasure = Erasure.create(case_number=case.id, reason=reason, details=details, requested_by=staff,
                                 requested_at=utcnow())
        audit.record("ask to erase", erasure, f"case {case.id}: {reason}", staff=staff)
    return erasure


def not_asked_already(case):
    """Refuses, saying why, when the case is erased already or an erasure of it waits for a second manager."""
    found = erasure_of(case.id)
    if found is not None and found.status == "done":
        raise Refused(f"This case's records were already erased on {_day(found.confirmed_at)}.")
    if found is not None:
        raise Refused(f"An erasure of this case is already waiting for a second manager "
                      f"(asked for on {_day(found.requested_at)}).")


def _a_manager(staff):
    if staff is None or staff.role != "manager":
        raise NotAllowed("Only managers ask for, confirm or withdraw an erasure.")


def _waiting(case_id, request_id):
    erasure = Erasure.get_or_none((Erasure.id == request_id) & (Erasure.case_number == case_id))
    if erasure is None:
        raise NotFound("There is no such erasure request for this case.")
    if erasure.status == "done":
        raise Refused(f"This case's records were already erased on {_day(erasure.confirmed_at)}.")
    if erasure.status != "waiting":
        raise Refused("That erasure request was withdrawn; ask again if it is still wanted.")
    return erasure


def _fold_past_days():
    """The drop-in's past days kept as anonymous figures before anything goes, as the purge does, so they stay
    the same (a family record deleted takes its ticket links with it)."""
    first = DropInSession.select(DropInSession.starts_at).order_by(DropInSession.starts_at).scalar()
    if first is not None:
        fold_past_days(schedule().to_local(first).date())


def confirm_erasure(case_id, request_id, staff):
    """A second manager confirms: the records are erased at once, in one transaction, and it is recorded."""
    _a_manager(staff)
    with overwriting_what_is_freed(), write_transaction():
        erasure = _waiting(case_id, request_id)
        if erasure.requested_by_id == staff.id:
            raise NotAllowed("A second manager must confirm this erasure: you asked for it.")
        case = get_case(case_id)
        _no_holds(case)
        _fold_past_days()
        now = utcnow()
        # Marked done before the scrub: the audit log lets a case's details be blanked only after this.
        Erasure.update(status="done", confirmed_by=staff, confirmed_at=now).where(Erasure.id == erasure.id).execute()
        done = what_was_done(scrub(case, now))
        Erasure.update(done=done).where(Erasure.id == erasure.id).execute()
        audit.record("erase", erasure, f"case {case.id} erased on request, asked for by "
                     f"{erasure.requested_by.username} on {erasure.requested_at:%Y-%m-%d} ({erasure.reason})",
                     staff=staff)
    return Erasure.get_by_id(erasure.id)


def withdraw_erasure(case_id, request_id, staff):
    """Either manager withdraws a request still waiting; nothing was erased."""
    _a_manager(staff)
    with write_transaction():
        erasure = _waiting(case_id, request_id)
        Erasure.update(status="withdrawn", withdrawn_by=staff, withdrawn_at=utcnow()).where(
            Erasure.id == erasure.id).execute()
        audit.record("withdraw erasure", erasure, f"case {case_id}: nothing erased", staff=staff)
    return Erasure.get_by_id(erasure.id)


def _no_holds(case):
    found = holds(case)
    if found:
        raise Refused(" ".join(found))


def waiting_erasures():
    """Requests waiting for a second manager, oldest first, with their cases (audited as shown)."""
    waiting = list(Erasure.select().where(Erasure.status == "waiting").order_by(Erasure.requested_at, Erasure.id))
    cases = {c.id: c for c in Case.select().where(Case.id.in_([e.case_number for e in waiting]))} if waiting else {}
    audit.record_shown(list(cases), "listed in erasures waiting")
    return [(erasure, cases.get(erasure.case_number)) for erasure in waiting]


def finished_erasures(limit=50):
    """Erasures and anonymisings done, newest first: the record the service keeps of them."""
    return list(Erasure.select().where(Erasure.status == "done")
                .order_by(Erasure.confirmed_at.desc(), Erasure.id.desc()).limit(limit))


def _review_before(years, now):
    return now - timedelta(days=round(365.25 * years))  # as retention.purge counts it


def due_for_anonymising(years, now=None):
    """Closed cases whose retention period has ended and that are not anonymised yet, longest closed first."""
    erased = Erasure.select(Erasure.case_number).where(Erasure.status == "done")
    before = _review_before(years, now or utcnow())
    return list(Case.select().where((Case.status == "closed") & (Case.closed_at < before) & Case.id.not_in(erased))
                .order_by(Case.closed_at, Case.id))


def retention_list(years):
    """due_for_anonymising(), audited as a view of each case listed."""
    due = due_for_anonymising(years)
    audit.record_shown(due, "listed for retention review")
    return due


def anonymise(case_ids, staff, years, now=None):
    """Anonymise closed cases whose retention period has ended, all in one transaction: a case already
    anonymised is passed over; one not due, or held, refuses the lot with the reason."""
    _a_manager(staff)
    case_ids = list(dict.fromkeys(case_ids))
    if not case_ids:
        raise BadInput("Choose at least one case to anonymise.")
    done = []
    with overwriting_what_is_freed(), write_transaction():
        _fold_past_days()
        now = now or utcnow()
        for case_id in case_ids:
            case = get_case(case_id)
            found = erasure_of(case.id)
            if found is not None and found.status == "done":
                continue
            if found is not None:
                raise Refused(f"An erasure of {case.reference} is waiting for a second manager: "
                              "confirm or withdraw it first.")
            if case.status != "closed" or case.closed_at is None or case.closed_at >= _review_before(years, now):
                raise Refused(f"{case.reference} is not due for anonymising: its retention period has not ended.")
            _no_holds(case)
            erasure = Erasure.create(case_number=case.id, kind="retention", reason=RETENTION_ENDED, status="done",
                                     requested_by=staff, requested_at=now, confirmed_by=staff, confirmed_at=now)
            closed = case.closed_at
            Erasure.update(done=what_was_done(scrub(case, now))).where(Erasure.id == erasure.id).execute()
            audit.record("anonymise", erasure, f"case {case.id}: retention period ended (closed {closed:%Y-%m-%d})",
                         staff=staff)
            done.append(erasure)
    return done


_WORDS = {
    "family_deleted": ("family record deleted", "family records deleted"),
    "flags": ("safety flag deleted", "safety flags deleted"),
    "open_bookings": ("booking still to come deleted", "bookings still to come deleted"),
    "travel_help": ("travel help record deleted", "travel help records deleted"),
    "contacts": ("contact log entry's words cleared", "contact log entries' words cleared"),
    "plan_items": ("action plan item's words cleared", "action plan items' words cleared"),
    "referrals": ("referral note cleared", "referral notes cleared"),
    "settled_bookings": ("past booking's details cleared", "past bookings' details cleared"),
    "tickets": ("ticket's first name and note cleared", "tickets' first names and notes cleared"),
    "family_unlinked": ("family client unlinked (their own record kept)",
                        "family clients unlinked (their own records kept)"),
    "audit_rows": ("audit row's detail erased (the row kept)", "audit rows' details erased (the rows kept)"),
    "uploads_waiting": ("caseload upload not yet imported discarded", "caseload uploads not yet imported discarded"),
}


def what_was_done(counts):
    """The erasure's counts in words: the name, contact details and eligibility always go with the case row."""
    parts = [f"{counts[key]} {one if counts[key] == 1 else many}" for key, (one, many) in _WORDS.items()
             if counts.get(key)]
    return "; ".join(["Name, contact details, date of birth, prison, eligibility and reference erased", *parts]) + "."
