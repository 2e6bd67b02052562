"""Where the queue meets casework: tickets linked to cases, the visit's entry in the contact log,
and what reception's queue and the keyworker's desk show of a case."""
from peewee import JOIN

from .. import audit
from ..clock import utcnow
from ..dropin import live
from ..dropin.models import Ticket
from ..errors import BadInput, NotFound, Refused
from ..offices.models import current_office_id, works_at
from ..people.models import StaffUser
from ..transactions import write_transaction
from . import families
from .models import FLAG_KINDS, ActionPlanItem, Appointment, Case, ContactEntry, SafetyFlag, TicketLink
from .bookings import expected_cases
from .services import create_case, get_case


def _ticket_here(ticket_id):
    """Only a ticket of this office's queue: another office's is not there to link."""
    from ..dropin.queue import ticket_by_id  # the queue imports this module to record visits
    return ticket_by_id(ticket_id)


def _save_link(ticket, staff, case=None, member=None, appointment=None):
    (TicketLink.insert(ticket=ticket, case=case, family_member=member, appointment=appointment,
                       linked_by=staff, linked_at=utcnow())
     .on_conflict(conflict_target=[TicketLink.ticket],
                  update={TicketLink.case: case.id if case else None,
                          TicketLink.family_member: member.id if member else None,
                          TicketLink.appointment: appointment.id if appointment else None,
                          TicketLink.linked_by: staff.id, TicketLink.linked_at: utcnow()})
     .execute())


def link_ticket(ticket_id, case_id, staff, appointment_id=None):
    """Tie a queue ticket to a case (and to an appointment of it)."""
    with write_transaction():
        live.bump()
        ticket = _ticket_here(ticket_id)
        case = get_case(case_id)
        appointment = None
        if appointment_id:
            appointment = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.case == case))
            if appointment is None:
                raise BadInput("That appointment is not for this case.")
            appointment.status, appointment.ticket = "arrived", ticket
            appointment.save()
            # The visit is for the appointment's keyworker: their Call next takes it, others' pass it over.
            Ticket.update(visit_for="appointment", requested_staff=appointment.keyworker_id).where(
                Ticket.id == ticket.id).execute()
        _save_link(ticket, staff, case=case, appointment=appointment)
        audit.record("update", case, f"linked ticket {ticket.number} ({ticket.id})", staff=staff)
    return case


def link_family_ticket(ticket_id, member_id, staff):
    """Tie a family visitor's ticket to their own family record, never to the prisoner's case: the visit
    goes in their log. Refused once their consent is withdrawn, as nothing more is recorded then."""
    with write_transaction():
        live.bump()
        ticket = _ticket_here(ticket_id)
        member = families.get_family_member(member_id)
        if member.consent_withdrawn_on:
            raise Refused(families.withdrawn_message(member))
        _save_link(ticket, staff, member=member)
        audit.record("update", member, f"linked ticket {ticket.number} ({ticket.id})", staff=staff)
    return member


def family_record_from_ticket(ticket_id, data, staff):
    """A new family record for the family visitor at the desk, their ticket linked to it."""
    with write_transaction():
        member = families.add_family_member(data, staff)
        link_family_ticket(ticket_id, member.id, staff)
    return member


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


NOT_A_CASE_NOTE = "Seen at the drop-in by reception; no case note."


def record_visit(ticket, staff, outcome, now):
    """Called by the queue when a visit is finished: a linked case gets its contact log entry, and a
    family member's visit goes in their own log, never the case's (none once their consent is withdrawn).

    Only caseworkers write the contact log. When someone else presses Done, the log records only
    that the person came in; their note stays on the ticket, which is purged with it."""
    link = TicketLink.get_or_none(TicketLink.ticket == ticket.id)
    if link is None or (link.case_id is None and link.family_member_id is None):
        return None
    kind = "appointment" if link.appointment_id else "drop_in"
    if staff is None or not staff.sees_casework:
        summary = NOT_A_CASE_NOTE
    else:
        summary = outcome or "Seen at the drop-in; no note recorded."
    if link.appointment_id:
        Appointment.update(status="seen").where(Appointment.id == link.appointment_id).execute()
    if link.family_member_id:
        member = link.family_member
        if member.consent_withdrawn_on:
            return None
        entry = families.write_contact(member, "drop_in", now, summary, staff, ticket=ticket.id)
        audit.record("update", member, f"added drop_in contact {entry.id} from ticket {ticket.number}", staff=staff)
        return entry
    entry = ContactEntry.create(case=link.case_id, kind=kind, happened_at=now, summary=summary, staff=staff,
                                ticket=ticket.id)
    audit.record("update", link.case, f"added {kind} contact {entry.id} from ticket {ticket.number}", staff=staff)
    return entry


def todays_appointments(day_start, day_end, keyworker=None):
    """Today's appointments at this office, with keyworkers who work here: outreach happens elsewhere, so it is
    not on the drop-in's list, and another office's reception has its own. Those of one keyworker, for their
    desk, are picked from everyone's: read once per poll key for the queue and every desk drawn for it
    (live.per_poll_key_within)."""
    # Reception's queue and each keyworker's desk show these on every render: SQL built once, and
    # only the columns shown, never a whole case or staff row (a staff row holds the password hash
    # and two-factor secret).
    everyone = live.per_poll_key_within("todays_appointments", (day_start, day_end), lambda: live.select_prepared(
        Appointment, "todays-appointments", _todays_appointments_query, day_start=day_start, day_end=day_end,
        office=current_office_id()))
    return everyone if keyworker is None else [a for a in everyone if a.keyworker.id == keyworker.id]


def _todays_appointments_query(day_start, day_end, office):
    return (Appointment.select(Appointment.id, Appointment.starts_at, Appointment.status,
                               Case.id, Case.reference, Case.name, Case.preferred_name,
                               StaffUser.id, StaffUser.display_name)
            .join(Case).switch(Appointment).join(StaffUser)
            .where((Appointment.starts_at >= day_start) & (Appointment.starts_at < day_end)
                   & (Appointment.kind == "office") & (Appointment.status != "cancelled")
                   & works_at(Appointment.keyworker, office))
            .order_by(Appointment.starts_at))


def case_summary(case):
    """What a keyworker needs at the desk: open plan items and the last few contacts."""
    items = list(case.plan_items.where(ActionPlanItem.open())
                 .order_by(ActionPlanItem.review_date.asc(nulls="LAST")))
    contacts = list(case.contacts.order_by(ContactEntry.happened_at.desc()).limit(3))
    flags = list(case.flags.where(SafetyFlag.active))
    return {"items": items, "contacts": contacts, "flags": flags}


def desk_summary(case, ticket, staff):
    """The case summary at the desk. The desk refreshes itself: audited once per visit, not once per poll."""
    detail = f"summary at desk for ticket {ticket.id}"
    if not audit.already_recorded(staff, case, detail):
        audit.record("view", case, detail, staff=staff)
    return case_summary(case)


def cases_named(tickets, annotations, appointments, expected=()):
    """The cases reception's queue names: those linked to a ticket still in the building, today's
    appointments and who else is expected (finished tickets are listed without their case)."""
    linked = [annotations[t.id]["case"].id for t in tickets
              if t.is_active and t.id in annotations and annotations[t.id]["case"] is not None]
    return list(dict.fromkeys(linked + [a.case.id for a in appointments] + [case.id for case, _ in expected]))


def expected_besides(appointments, today, keyworker=None):
    """Who else may come in today (released this week, or a keyworker expects them), besides appointments."""
    booked = {a.case.id for a in appointments}
    return [(case, why) for case, why in expected_cases(today, keyworker) if case.id not in booked]


def _queue_links_query(session_id):
    return (TicketLink.select(TicketLink, Case).join(Case, JOIN.LEFT_OUTER)
            .where(TicketLink.ticket.in_(Ticket.select(Ticket.id).where(Ticket.session == session_id))))


def _linked_cases(session_id):
    """The cases linked to a ticket of the session, as a subquery."""
    return (TicketLink.select(TicketLink.case)
            .where(TicketLink.ticket.in_(Ticket.select(Ticket.id).where(Ticket.session == session_id))))


QUEUE_SHOWN = "shown in the queue"


def record_queue_shown(case_ids):
    """Audit the cases the queue put in front of this person. The queue refreshes every few seconds,
    so each case is recorded once a day per person, and a screen with nothing new costs one query."""
    audit.record_shown(case_ids, QUEUE_SHOWN, once_a_day=True)


def record_expected_shown(case_ids):
    """Audit the cases a keyworker's desk lists as expected today, once a day per person and case."""
    audit.record_shown(case_ids, "shown as expected today", once_a_day=True)


def record_desk_shown(case_id):
    """Audit a linked case named at the desk without its summary (to reception, or for a family visit):
    once a day per person and case, as the desk refreshes itself."""
    audit.record_shown([case_id], "shown at the desk", once_a_day=True)


def record_family_desk_shown(member):
    """Audit a family visitor's record named at the desk (and their person's case, if linked), once a day."""
    audit.record_shown([member.id], "shown at the desk", once_a_day=True, object_type="FamilyMember")
    if member.is_linked:
        record_desk_shown(member.case_id)


def queue_annotations(tickets):
    """For reception's queue, given its drop-in session's tickets: each ticket's case if linked, new or returning,
    and discreet alerts; a family visitor's ticket is marked as linked to their family record (its id only:
    nothing of the record is shown).

    Every queue drawn after a change asks, so its three reads go by the session, their SQL built once."""
    by_id = {t.id: t for t in tickets}
    if not by_id:
        return {}, []
    session_id = tickets[0].session_id
    links = [link for link in live.select_prepared(TicketLink, "queue-links", _queue_links_query, session_id=session_id)
             if link.ticket_id in by_id]
    annotations = {link.ticket_id: {"case": None, "family": link.family_member_id, "returning": False, "flags": []}
                   for link in links if link.case_id is None}
    links = [link for link in links if link.case_id is not None]
    case_ids = [link.case_id for link in links]
    if not case_ids:
        return annotations, []
    flags = [f for f in live.select_prepared(SafetyFlag, "queue-flags", lambda session_id: SafetyFlag.select().where(
        SafetyFlag.case.in_(_linked_cases(session_id)) & SafetyFlag.active), session_id=session_id)
        if f.case_id in case_ids]
    sql, params = live.prepared("queue-cases-seen-before", lambda session_id: ContactEntry.select(ContactEntry.case)
                                .where(ContactEntry.case.in_(_linked_cases(session_id))).distinct(),
                                session_id=session_id)
    seen_before = {case_id for (case_id,) in live.execute(sql, params)}
    for link in links:
        annotations[link.ticket_id] = {
            "case": link.case, "returning": link.case_id in seen_before, "family": None,
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
