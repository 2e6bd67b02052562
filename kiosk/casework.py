"""Casework services: cases, eligibility, plans, contacts, family, appointments, flags, linking tickets.

Each write runs in one transaction with its audit row; an edit made from an
older version of a record is refused rather than saved over someone else's.
"""
from dataclasses import dataclass
from datetime import date

from peewee import IntegrityError, fn

from . import audit
from .case_models import (
    FLAG_KINDS, ActionPlanItem, Appointment, AuditEvent, Case, ContactEntry, FamilyMember, SafetyFlag, TicketLink,
)
from .db import database, write_transaction
from .errors import BadInput, NotFound, StaleRecord
from .models import QueueState, StaffUser, Ticket
from .schedule import utcnow

REFERENCE_PREFIX = "GTC-"
CASE_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference",
               "establishment", "sentence_under_four_years", "statutory_order", "release_date",
               "release_date_confirmed", "referral_source", "referral_date", "consent_date", "status",
               "closed_reason", "keyworker")
CONTACT_ONLY_FIELDS = ("name", "preferred_name", "date_of_birth", "phone", "address", "contact_preference")


def get_case(case_id):
    case = Case.get_or_none(Case.id == case_id)
    if case is None:
        raise NotFound("There is no case with that number.")
    return case


def view_case(case_id, what="case"):
    case = get_case(case_id)
    audit.record("view", case, what)
    return case


def _next_reference():
    highest = (Case.select(fn.MAX(Case.id)).scalar() or 0) + 1
    while Case.select().where(Case.reference == f"{REFERENCE_PREFIX}{highest:04d}").exists():
        highest += 1
    return f"{REFERENCE_PREFIX}{highest:04d}"


def _check_dates(data):
    dob, release = data.get("date_of_birth"), data.get("release_date")
    if dob and dob > utcnow().date():
        raise BadInput("The date of birth is in the future.")
    if dob and release and release < dob:
        raise BadInput("The release date is before the date of birth.")


def create_case(data, staff, reference=None):
    _check_dates(data)
    fields = {k: v for k, v in data.items() if k in CASE_FIELDS}
    if fields.get("status") == "closed":
        fields["closed_at"] = utcnow()
    if fields.get("consent_date"):
        fields["consent_recorded_by"] = staff
    with write_transaction():
        reference = (reference or "").strip().upper() or _next_reference()
        if Case.select().where(Case.reference == reference).exists():
            raise BadInput(f"There is already a case {reference}.")
        try:
            with database.atomic():
                case = Case.create(reference=reference, **fields)
        except IntegrityError:
            raise BadInput(f"There is already a case {reference}.") from None
        audit.record("create", case, f"reference {reference}", staff=staff)
    return case


def update_case(case_id, data, expected_version, staff, fields=CASE_FIELDS):
    changes = {k: v for k, v in data.items() if k in fields}
    with write_transaction():
        case = get_case(case_id)
        # Check the dates as they would be saved: reception's form changes the birth date, not the release date.
        _check_dates({"date_of_birth": case.date_of_birth, "release_date": case.release_date, **changes})
        if case.version != expected_version:
            raise StaleRecord("Someone else changed this case while you were editing it. "
                              "Nothing was saved: check their changes below, then make yours again.")
        if "consent_date" in changes and changes["consent_date"] != case.consent_date:
            changes["consent_recorded_by"] = staff if changes["consent_date"] else None
        if changes.get("status") == "closed" and case.status != "closed":
            changes["closed_at"] = utcnow()
        elif "status" in changes and changes["status"] != "closed":
            changes["closed_at"] = None
        changed = sorted(k for k, v in changes.items() if getattr(case, k if k != "keyworker" else "keyworker_id")
                         != (v.id if isinstance(v, StaffUser) else v))
        updated = (Case.update(version=Case.version + 1, updated_at=utcnow(), **changes)
                   .where((Case.id == case_id) & (Case.version == expected_version)).execute())
        if not updated:
            raise StaleRecord("Someone else changed this case while you were saving. Nothing was saved.")
        audit.record("update", case, "changed " + (", ".join(changed) or "nothing"), staff=staff)
    return get_case(case_id)


@dataclass
class Eligibility:
    eligible: bool | None
    words: str
    starts: date | None = None
    ends: date | None = None
    in_window: bool | None = None


def _add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


def _age_on(dob, day):
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def eligibility(case, today=None):
    """Adult, sentence under four years, no statutory order; support 3 months before to 12 after release."""
    today = today or date.today()
    if case.date_of_birth and _age_on(case.date_of_birth, today) < 18:
        return Eligibility(False, "Not eligible: under 18 — refer to youth justice services")
    if case.statutory_order:
        return Eligibility(False, "Not eligible: statutory order — refer on")
    if case.sentence_under_four_years is False:
        return Eligibility(False, "Not eligible: sentence of four years or more — refer on")
    if case.sentence_under_four_years is None or case.statutory_order is None:
        return Eligibility(None, "Eligibility not known: record the sentence length and any statutory order")
    if not case.release_date:
        return Eligibility(True, "Eligible; add a release date to work out the support window")
    starts, ends = _add_months(case.release_date, -3), _add_months(case.release_date, 12)
    if today < starts:
        return Eligibility(True, f"Support starts {_day(starts)} (3 months before release)", starts, ends, False)
    if today > ends:
        return Eligibility(True, f"Support window ended {_day(ends)}", starts, ends, False)
    return Eligibility(True, f"In support until {_day(ends)}", starts, ends, True)


def _day(day):
    """14 Nov 2027. Not strftime("%-d"), which Windows (a supported office PC) does not know."""
    return f"{day.day} {day:%b %Y}"


def window_warning(case, today=None):
    """Words to show when work is recorded outside the support window; it never blocks."""
    found = eligibility(case, today)
    if found.eligible is False or found.in_window is False:
        return f"Note: {found.words}. Saved all the same."
    return None


def add_plan_item(case_id, data, staff):
    with write_transaction():
        case = get_case(case_id)
        item = ActionPlanItem.create(case=case, **data)
        audit.record("update", case, f"added action plan item {item.id} ({item.area})", staff=staff)
    return item


def update_plan_item(item_id, data, expected_version, staff):
    with write_transaction():
        item = ActionPlanItem.get_or_none(ActionPlanItem.id == item_id)
        if item is None:
            raise NotFound("That action plan item no longer exists.")
        updated = (ActionPlanItem.update(version=ActionPlanItem.version + 1, updated_at=utcnow(), **data)
                   .where((ActionPlanItem.id == item_id) & (ActionPlanItem.version == expected_version))
                   .execute())
        if not updated:
            raise StaleRecord("Someone else changed this action plan item meanwhile. Nothing was saved.")
        audit.record("update", item.case, f"changed action plan item {item.id}", staff=staff)
    return ActionPlanItem.get_by_id(item_id)


def add_contact(case_id, kind, happened_at, summary, staff, ticket=None):
    with write_transaction():
        case = get_case(case_id)
        entry = ContactEntry.create(case=case, kind=kind, happened_at=happened_at, summary=summary,
                                    staff=staff, ticket=ticket)
        audit.record("update", case, f"added {kind} contact {entry.id}", staff=staff)
    return entry


def add_family_member(case_id, data, staff):
    with write_transaction():
        case = get_case(case_id)
        member = FamilyMember.create(case=case, **data)
        audit.record("update", case, f"added family member {member.id}", staff=staff)
    return member


def view_family_member(member_id):
    member = FamilyMember.get_or_none(FamilyMember.id == member_id)
    if member is None:
        raise NotFound("There is no such family record.")
    audit.record("view", member.case, f"family member {member.id}")
    return member


def add_appointment(case_id, keyworker, starts_at, note, staff):
    with write_transaction():
        case = get_case(case_id)
        appointment = Appointment.create(case=case, keyworker=keyworker, starts_at=starts_at, note=note)
        audit.record("update", case, f"booked appointment {appointment.id}", staff=staff)
    return appointment


def add_flag(case_id, kind, note, staff, other_case=None):
    with write_transaction():
        case = get_case(case_id)
        if kind == "keep_apart" and (other_case is None or other_case.id == case.id):
            raise BadInput("Choose the other case this person must be kept apart from.")
        flag = SafetyFlag.create(case=case, kind=kind, note=note, other_case=other_case, created_by=staff)
        QueueState.bump_all()  # every office's queue shows alerts from flags
        audit.record("update", case, f"added {kind} flag {flag.id}", staff=staff)
    return flag


def clear_flag(flag_id, staff):
    with write_transaction():
        flag = SafetyFlag.get_or_none(SafetyFlag.id == flag_id)
        if flag is None:
            raise NotFound("That flag no longer exists.")
        flag.active = False
        flag.save()
        QueueState.bump_all()
        audit.record("update", flag.case, f"cleared flag {flag.id}", staff=staff)
    return flag


SEARCH_MAX_LENGTH = 100  # Case.name's length


def search_cases(text, limit=10):
    """Cases matching a name, reference or date of birth (dd/mm/yyyy or yyyy-mm-dd) as typed."""
    # % and _ are LIKE's wildcards; no name or reference has them.
    text = (text or "").replace("%", "").replace("_", "").strip()
    # Longer than any name can be, it matches nothing; and SQLite refuses a LIKE pattern over 50,000
    # characters with an error, which a pasted page of text would otherwise turn into a 500.
    if not 2 <= len(text) <= SEARCH_MAX_LENGTH:
        return []
    query = Case.select(Case.id, Case.reference, Case.name, Case.preferred_name, Case.date_of_birth, Case.status)
    born = _parse_day(text)
    if born:
        query = query.where(Case.date_of_birth == born)
    else:
        pattern = f"%{text}%"
        query = query.where(Case.name.ilike(pattern) | Case.preferred_name.ilike(pattern)
                            | Case.reference.ilike(pattern))
    results = list(query.order_by(Case.name).limit(limit))
    audit.record("search", None, f"{text!r}: {len(results)} found")
    return results


def _parse_day(text):
    for parse in (lambda t: date.fromisoformat(t),
                  lambda t: date(*reversed([int(p) for p in t.replace(".", "/").split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError, OverflowError):  # OverflowError: a year too big for a date
            continue
    return None


def link_ticket(ticket_id, case_id, staff, family_member_id=None, appointment_id=None):
    """Tie a queue ticket to a case (and to a family member or an appointment of it)."""
    with write_transaction():
        QueueState.bump()
        ticket = Ticket.get_or_none(Ticket.id == ticket_id)
        if ticket is None:
            raise NotFound("That ticket no longer exists.")
        case = get_case(case_id)
        member = FamilyMember.get_or_none((FamilyMember.id == family_member_id) & (FamilyMember.case == case)) \
            if family_member_id else None
        if family_member_id and member is None:
            raise BadInput("That family member is not on this case.")
        appointment = None
        if appointment_id:
            appointment = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.case == case))
            if appointment is None:
                raise BadInput("That appointment is not for this case.")
            appointment.status, appointment.ticket = "arrived", ticket
            appointment.save()
            Ticket.update(visit_for="appointment").where(Ticket.id == ticket.id).execute()
        (TicketLink.insert(ticket=ticket, case=case, family_member=member, appointment=appointment,
                           linked_by=staff, linked_at=utcnow())
         .on_conflict(conflict_target=[TicketLink.ticket],
                      update={TicketLink.case: case.id, TicketLink.family_member: member.id if member else None,
                              TicketLink.appointment: appointment.id if appointment else None,
                              TicketLink.linked_by: staff.id, TicketLink.linked_at: utcnow()})
         .execute())
        audit.record("update", case, f"linked ticket {ticket.number} ({ticket.id})", staff=staff)
    return case


def match_appointment(ticket_id, appointment_id, staff):
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None:
        raise NotFound("That appointment no longer exists.")
    return link_ticket(ticket_id, appointment.case_id, staff, appointment_id=appointment.id)


def create_case_from_ticket(ticket_id, data, staff, reference=None):
    with write_transaction():
        case = create_case(data, staff, reference)
        link_ticket(ticket_id, case.id, staff)
    return case


def record_visit(ticket, staff, outcome, now):
    """Called by the queue when a visit is finished: a linked case gets its contact log entry."""
    link = TicketLink.get_or_none(TicketLink.ticket == ticket.id)
    if link is None or link.case_id is None:
        return None
    kind = "appointment" if link.appointment_id else "drop_in"
    summary = outcome or "Seen at the drop-in; no note recorded."
    if link.family_member_id:
        summary = f"Family visit ({link.family_member.name}). {summary}"
    entry = ContactEntry.create(case=link.case_id, kind=kind, happened_at=now, summary=summary, staff=staff,
                                ticket=ticket.id)
    if link.appointment_id:
        Appointment.update(status="seen").where(Appointment.id == link.appointment_id).execute()
    audit.record("update", link.case, f"added {kind} contact {entry.id} from ticket {ticket.number}", staff=staff)
    return entry


def todays_appointments(day_start, day_end):
    # Reception's queue shows these on every render: only the columns it shows, never a whole
    # case or staff row (a staff row holds the password hash and two-factor secret).
    return list(Appointment.select(Appointment.id, Appointment.starts_at, Appointment.status,
                                   Case.id, Case.reference, Case.name, Case.preferred_name,
                                   StaffUser.id, StaffUser.display_name)
                .join(Case).switch(Appointment).join(StaffUser)
                .where((Appointment.starts_at >= day_start) & (Appointment.starts_at < day_end)
                       & (Appointment.status != "cancelled"))
                .order_by(Appointment.starts_at))


def case_summary(case):
    """What a keyworker needs at the desk: open plan items and the last few contacts."""
    items = list(case.plan_items.where(ActionPlanItem.status.in_(("not_started", "in_progress")))
                 .order_by(ActionPlanItem.review_date.asc(nulls="LAST")))
    contacts = list(case.contacts.order_by(ContactEntry.happened_at.desc()).limit(3))
    flags = list(case.flags.where(SafetyFlag.active))
    return {"items": items, "contacts": contacts, "flags": flags}


def audit_desk_view(case, ticket, staff):
    """The desk shows a case summary on every refresh; audit it once per visit, not once per poll."""
    detail = f"summary at desk for ticket {ticket.id}"
    already = (AuditEvent.select().where((AuditEvent.staff == staff) & (AuditEvent.object_type == "Case")
                                         & (AuditEvent.object_id == case.id) & (AuditEvent.detail == detail))
               .exists())
    if not already:
        audit.record("view", case, detail, staff=staff)


def caseload(staff):
    """A keyworker's open cases with the next review date and the last contact, in three queries."""
    cases = list(Case.select().where((Case.keyworker == staff) & (Case.status != "closed")).order_by(Case.name))
    ids = [c.id for c in cases]
    if not ids:
        return []
    reviews = dict(ActionPlanItem.select(ActionPlanItem.case, fn.MIN(ActionPlanItem.review_date))
                   .where(ActionPlanItem.case.in_(ids) & ActionPlanItem.status.in_(("not_started", "in_progress")))
                   .group_by(ActionPlanItem.case).tuples())
    last = dict(ContactEntry.select(ContactEntry.case, fn.MAX(ContactEntry.happened_at))
                .where(ContactEntry.case.in_(ids)).group_by(ContactEntry.case).tuples())
    return [(case, reviews.get(case.id), last.get(case.id)) for case in cases]


def reviews_due(by_day, staff=None):
    query = (ActionPlanItem.select(ActionPlanItem, Case).join(Case)
             .where(ActionPlanItem.review_date.is_null(False) & (ActionPlanItem.review_date <= by_day)
                    & ActionPlanItem.status.in_(("not_started", "in_progress")) & (Case.status != "closed")))
    if staff is not None:
        query = query.where(Case.keyworker == staff)
    return list(query.order_by(ActionPlanItem.review_date))


def queue_annotations(tickets):
    """For reception's queue: each ticket's case if linked, new or returning, and discreet alerts."""
    by_id = {t.id: t for t in tickets}
    if not by_id:
        return {}, []
    links = list(TicketLink.select(TicketLink, Case).join(Case).where(TicketLink.ticket.in_(list(by_id))))
    case_ids = [link.case_id for link in links]
    if not case_ids:
        return {}, []
    flags = list(SafetyFlag.select().where(SafetyFlag.case.in_(case_ids) & SafetyFlag.active))
    seen_before = {case_id for (case_id,) in ContactEntry.select(ContactEntry.case)
                   .where(ContactEntry.case.in_(case_ids)).distinct().tuples()}
    annotations = {}
    for link in links:
        annotations[link.ticket_id] = {
            "case": link.case, "returning": link.case_id in seen_before, "family": bool(link.family_member_id),
            "flags": [f for f in flags if f.case_id == link.case_id]}
    # In the building: waiting, called, or with someone in a room.
    here = {link.case_id: by_id[link.ticket_id] for link in links if by_id[link.ticket_id].is_active}
    alerts = set()
    for flag in flags:
        ticket = here.get(flag.case_id)
        if ticket is None:
            continue
        if flag.kind == "keep_apart":
            other = here.get(flag.other_case_id)
            if other is not None:
                first, second = sorted((ticket.number, other.number))
                alerts.add(f"Keep apart: {first} and {second} are both here.")
        elif ticket.state in ("waiting", "called"):
            alerts.add(f"{FLAG_KINDS[flag.kind]}: check the case before seeing {ticket.number}.")
    return annotations, sorted(alerts)
