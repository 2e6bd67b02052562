"""Everything held about one person, gathered for a subject access request: the readable document and the
machine-readable file are both drawn from what gather() returns, so they hold the same things. Other people's
details are withheld or marked as third_parties.py says. Gathering is audited before anything is read.
"""
import json
from datetime import date, datetime

from .. import audit
from ..audit import AuditEvent
from ..clock import utcnow
from ..dropin.models import STATES, VISIT_FOR, Ticket
from ..dropin.schedule import schedule
from ..errors import NotFound
from ..people.models import StaffUser
from ..transactions import write_transaction
from .access_requests import ACTION, HOW_RECEIVED, REQUEST_STATUSES, get_request, local_today
from .eligibility import eligibility
from .models import (
    APPOINTMENT_STATUSES, APVS_HELP, BOOKING_KINDS, CASE_STATUSES, CLOSE_OUTCOMES, CONFERENCE_ATTENDEES,
    CONTACT_KINDS, CONTACT_PREFERENCES, FAMILY_CONTACT_KINDS, FLAG_KINDS, OLD_REFERRAL_SOURCES, PAID_BY,
    PLAN_AREAS, PLAN_STATUSES, RATINGS, REFERRAL_SOURCES, REFERRAL_STATUSES, ActionPlanItem, Appointment, Case,
    ContactEntry, FamilyContact, FamilyMember, Partner, PlanRating, Referral, SafetyFlag, TicketLink, TravelHelp,
)
from .third_parties import WITHHELD, case_detail, family_detail, for_the_manager, staff_text
from .travel import pounds

NOTES = [
    "Dates and times are UK time (Europe/London).",
    "Staff are named as the office knows them. The record of who looked at or changed your record shows each "
    "time a member of staff opened, searched for, listed or changed it: their username, when, and what they "
    "did. The service keeps this log for every record.",
    "Details about other people are left out: family members or friends unless both they and you agreed to "
    "link your records, and anyone else a note or flag names.",
]
# The audit log's actions in words; any other (a newer one) is shown as it is logged.
ACTIONS = {"view": "Looked at", "create": "Created", "update": "Changed", ACTION: "Subject access"}


def _when(moment):
    return schedule().to_local(moment) if moment else None


def _yes_no(flag):
    return {True: "Yes", False: "No", None: "Not known"}[flag]


class _Staff:
    """Staff names by id, read once: the same few people appear on every record."""

    def __init__(self):
        self.names = dict(StaffUser.select(StaffUser.id, StaffUser.display_name).tuples())

    def __call__(self, staff_id):
        return self.names.get(staff_id) if staff_id else None


def gather(request_id, staff, purpose):
    """The document for a request, audited first (`purpose`: what the manager is doing with it)."""
    with write_transaction():
        request = get_request(request_id)
        subject = request.subject
        if subject is None:
            raise NotFound("The record this request was about has been erased: there is nothing left to gather.")
        audit.record(ACTION, subject, f"request {request.id}: {purpose}", staff=staff)
        names = _Staff()
        document = {"request": {"number": request.id, "received_on": request.received_on,
                                "how": HOW_RECEIVED.get(request.how, request.how), "due_by": request.due_on,
                                "status": REQUEST_STATUSES.get(request.status, request.status)},
                    "gathered_at": _when(utcnow()), "gathered_by": staff.display_name, "notes": NOTES}
        if isinstance(subject, Case):
            document.update(about="case", **_case(subject, names))
        else:
            document.update(about="family record", **_family_record(subject, names))
    return document, for_the_manager(subject, document)


def _case(case, names):
    linked = list(case.family.where(FamilyMember.linked()).order_by(FamilyMember.name))
    linked_ids = {member.id for member in linked}
    found = eligibility(case, local_today())
    sources = {**REFERRAL_SOURCES, **OLD_REFERRAL_SOURCES}
    return {
        "person": {
            "reference": case.reference, "name": case.name, "preferred_name": case.preferred_name,
            "date_of_birth": case.date_of_birth, "phone": case.phone, "address": case.address,
            "contact_by": CONTACT_PREFERENCES.get(case.contact_preference), "keyworker": names(case.keyworker_id),
            "status": CASE_STATUSES.get(case.status, case.status), "opened": _when(case.created_at),
            "expected_in_on": case.expected_on, "closed": _when(case.closed_at),
            "how_it_ended": CLOSE_OUTCOMES.get(case.close_outcome), "why_it_closed": staff_text(case.closed_reason)},
        "eligibility": {
            "establishment": case.establishment, "sentence_under_four_years": _yes_no(case.sentence_under_four_years),
            "statutory_order": _yes_no(case.statutory_order), "release_date": case.release_date,
            "release_date_confirmed": _yes_no(case.release_date_confirmed),
            "referred_by": sources.get(case.referral_source, case.referral_source),
            "referral_date": case.referral_date, "consent_given_on": case.consent_date,
            "consent_recorded_by": names(case.consent_recorded_by_id), "eligibility": found.words,
            "support_from": found.starts, "support_until": found.ends},
        "action_plan": _plan(case, names),
        "contact_log": [{"when": _when(e.happened_at), "kind": CONTACT_KINDS.get(e.kind, e.kind),
                         "staff": names(e.staff_id), "summary": staff_text(e.summary)}
                        for e in case.contacts.order_by(ContactEntry.happened_at, ContactEntry.id)],
        "bookings": [{"when": _when(b.starts_at), "kind": BOOKING_KINDS.get(b.kind, b.kind),
                      "status": APPOINTMENT_STATUSES.get(b.status, b.status), "keyworker": names(b.keyworker_id),
                      "prison": b.prison, "place": b.place, "attending": _attendees(b.attendees),
                      "note": staff_text(b.note), "reason": staff_text(b.reason)}
                     for b in case.appointments.order_by(Appointment.starts_at, Appointment.id)],
        "referrals": [{"partner": r.partner.name, "area": PLAN_AREAS.get(r.area, r.area), "made_on": r.made_on,
                       "status": REFERRAL_STATUSES.get(r.status, r.status), "made_by": names(r.staff_id),
                       "note": staff_text(r.note)}
                      for r in Referral.select(Referral, Partner).join(Partner).where(Referral.case == case)
                      .order_by(Referral.made_on, Referral.id)],
        # Travel help for a family member's visit is theirs, even when recorded on the case.
        "travel_help": _travel(TravelHelp.select().where((TravelHelp.case == case)
                                                         & TravelHelp.family_member.is_null()), names),
        "safety_flags": [{"kind": FLAG_KINDS.get(f.kind, f.kind), "active": _yes_no(f.active),
                          "other_person": WITHHELD if f.other_case_id else None, "note": staff_text(f.note),
                          "added": _when(f.created_at), "added_by": names(f.created_by_id)}
                         for f in case.flags.order_by(SafetyFlag.created_at, SafetyFlag.id)],
        "family": [{"name": m.name, "relationship": m.relationship} for m in linked],
        "tickets": _tickets(TicketLink.case == case, names),
        "audit_trail": _audit_trail("Case", case.id, case_detail(linked_ids)),
    }


def _attendees(codes):
    return ", ".join(CONFERENCE_ATTENDEES.get(code, code) for code in (codes or "").split(",") if code) or None


def _plan(case, names):
    items = list(case.plan_items.order_by(ActionPlanItem.created_at, ActionPlanItem.id))
    ratings = {}
    for rating in (PlanRating.select().where(PlanRating.item.in_([i.id for i in items]))
                   .order_by(PlanRating.rated_at, PlanRating.id)) if items else ():
        ratings.setdefault(rating.item_id, []).append(
            {"when": _when(rating.rated_at), "rating": f"{rating.score} of 5: {RATINGS.get(rating.score, '')}",
             "by": names(rating.staff_id)})
    return [{"area": PLAN_AREAS.get(i.area, i.area), "goal": staff_text(i.goal), "actions": staff_text(i.actions),
             "who_does_them": staff_text(i.owner), "status": PLAN_STATUSES.get(i.status, i.status),
             "review_date": i.review_date, "added": _when(i.created_at), "ratings": ratings.get(i.id, [])}
            for i in items]


def _travel(query, names):
    return [{"visit_date": t.visit_date, "prison": t.prison, "assisted_prison_visits_scheme": APVS_HELP.get(t.apvs),
             "travel": staff_text(t.travel), "cost": pounds(t.cost_pence) if t.cost_pence is not None else None,
             "paid_by": PAID_BY.get(t.paid_by), "recorded_by": names(t.staff_id), "recorded": _when(t.created_at)}
            for t in query.order_by(TravelHelp.visit_date, TravelHelp.id)]


def _tickets(linked_to, names):
    """Queue tickets linked to them at any office: what they asked for, and the visit's note while it is kept."""
    return [{"number": t.number, "date": _when(t.created_at).date(), "state": STATES.get(t.state, t.state),
             "visit_for": VISIT_FOR.get(t.visit_for), "help_asked_for": ", ".join(t.need_labels) or None,
             "name_given": t.name, "seen_by": names(t.called_by_id), "note": staff_text(t.outcome)}
            for t in Ticket.select().join(TicketLink, on=(TicketLink.ticket == Ticket.id)).where(linked_to)
            .order_by(Ticket.created_at, Ticket.id)]


def _audit_trail(object_type, object_id, detail):
    """Who looked at or changed the record: username, when, what; never the computer's address."""
    return [{"when": _when(e.at), "staff": e.username, "action": ACTIONS.get(e.action, e.action),
             "what": detail(e.detail)}
            for e in AuditEvent.select().where((AuditEvent.object_type == object_type)
                                               & (AuditEvent.object_id == object_id))
            .order_by(AuditEvent.at, AuditEvent.id)]


def _family_record(member, names):
    linked = member.is_linked
    return {
        "person": {
            "name": member.name, "relationship": member.relationship, "phone": member.phone,
            "address": member.address, "supporting": staff_text(member.in_custody), "prison": member.prison,
            "consent_given_on": member.consent_date, "consent_withdrawn_on": member.consent_withdrawn_on,
            "agrees_to_link_with_the_case": _yes_no(member.link_consent_family),
            "record_opened": _when(member.created_at)},
        # The case, and the person in custody's say on the link, are theirs unless both agreed.
        "linked_case": {"reference": member.case.reference, "name": member.case.display_name} if linked else None,
        "contact_log": [{"when": _when(e.happened_at), "kind": FAMILY_CONTACT_KINDS.get(e.kind, e.kind),
                         "staff": names(e.staff_id), "summary": staff_text(e.summary)}
                        for e in member.contacts.order_by(FamilyContact.happened_at, FamilyContact.id)],
        "travel_help": _travel(TravelHelp.select().where(TravelHelp.family_member == member), names),
        "tickets": _tickets(TicketLink.family_member == member, names),
        "audit_trail": _audit_trail("FamilyMember", member.id, family_detail(linked)),
    }


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a subject access document")


def as_json(document):
    """The machine-readable file: the same content, each redaction flag a field, times with their UTC offset."""
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2)
