"""Prison-visit travel help: the visit, the Assisted Prison Visits Scheme claim, the travel and who paid,
each recorded with an entry that says what was done: in the case's contact log for the person, in a family
member's own log for them (never the case's)."""
from datetime import timedelta

from peewee import JOIN

from .. import audit
from ..clock import utcnow
from ..dropin.schedule import schedule
from ..errors import BadInput, Refused
from ..transactions import write_transaction
from . import families
from .models import APVS_HELP, PAID_BY, ContactEntry, FamilyMember, TravelHelp
from .services import get_case

MOST_PENCE = 1_000_000  # £10,000: far beyond any visit's travel; more is a slip of the keyboard
FURTHEST = timedelta(days=366)  # help is for a visit booked, or one just made, not one years off
# How the contact log says who paid, in a sentence.
PAID_BY_WORDS = {"apvs": "the Assisted Prison Visits Scheme", "service": "this service",
                 "visitor": "the visitor", "other": "someone else"}


def pounds(pence):
    return f"£{pence // 100:,}.{pence % 100:02d}"


def summary(record):
    """The contact log's words for a record of travel help."""
    words = [f"Travel help for a visit to {record.prison} on {record.visit_date.strftime('%d/%m/%Y')}.",
             f"Assisted Prison Visits Scheme: {APVS_HELP[record.apvs].lower()}."]
    travel = [record.travel or "", pounds(record.cost_pence) if record.cost_pence is not None else "",
              f"paid by {PAID_BY_WORDS[record.paid_by]}" if record.paid_by else ""]
    if any(travel):
        words.append("Travel: " + ", ".join(part for part in travel if part) + ".")
    return " ".join(words)


def _check(data):
    today = schedule().local_today(utcnow())
    if not (data.get("prison") or "").strip():
        raise BadInput("Enter the prison being visited.")
    visit = data.get("visit_date")
    if visit is None:
        raise BadInput("Enter the date of the visit.")
    if visit > today + FURTHEST:
        raise BadInput("The visit date is more than a year away; check the year.")
    if visit < today - FURTHEST:
        raise BadInput("The visit date is more than a year ago; check the year.")
    if data.get("apvs") not in APVS_HELP:
        raise BadInput("Choose the help given with the Assisted Prison Visits Scheme from the list.")
    if data.get("paid_by") and data["paid_by"] not in PAID_BY:
        raise BadInput("Choose who paid from the list.")
    cost = data.get("cost_pence")
    if cost is not None and cost < 0:
        raise BadInput("The cost cannot be negative.")
    if cost is not None and cost > MOST_PENCE:
        raise BadInput(f"The cost cannot be over {pounds(MOST_PENCE)}; check the amount.")
    if cost and not data.get("paid_by"):
        raise BadInput("Say who paid for the travel.")


def record_travel_help(case_id, data, staff):
    """Record help with a prison visit, for the person or a family member linked to their case, and log it."""
    _check(data)
    with write_transaction():
        case = get_case(case_id)
        member = None
        if data.get("family_member_id"):
            member = FamilyMember.get_or_none((FamilyMember.id == data["family_member_id"])
                                              & (FamilyMember.case == case))
            if member is None:
                raise BadInput("That family member is not on this case.")
            if member.consent_withdrawn_on:
                raise Refused(families.withdrawn_message(member))
            if not member.is_linked:
                raise BadInput("That family member is not linked to this case: both must consent.")
        return _record(case, member, data, staff)


def record_family_travel_help(member_id, data, staff):
    """Record help with a prison visit from the family member's own record, and log it there."""
    _check(data)
    with write_transaction():
        member = families.get_family_member(member_id)
        return _record(families.linked_case(member), member, data, staff)


def _record(case, member, data, staff):
    record = TravelHelp.create(
        case=case, family_member=member, prison=data["prison"].strip(), visit_date=data["visit_date"],
        apvs=data["apvs"], travel=(data.get("travel") or "").strip() or None, cost_pence=data.get("cost_pence"),
        paid_by=data.get("paid_by") or None, staff=staff)
    if member is None:
        entry = ContactEntry.create(case=case, kind="visit_travel", happened_at=utcnow(), staff=staff,
                                    summary=summary(record))
        audit.record("update", case, f"added travel help {record.id} and visit_travel contact {entry.id}",
                     staff=staff)
        return record
    entry = families.write_contact(member, "visit_travel", utcnow(), summary(record), staff)
    audit.record("update", member, f"added travel help {record.id} and visit_travel contact {entry.id}",
                 staff=staff)
    if case is not None:
        audit.record("update", case, f"added travel help {record.id} for family member {member.id}", staff=staff)
    return record


def case_travel_help(case):
    """A case's travel help, latest visit first, with the family member it was for (on the audited case page):
    a family member's only while they are linked to the case."""
    return list(TravelHelp.select(TravelHelp, FamilyMember).join(FamilyMember, JOIN.LEFT_OUTER)
                .where((TravelHelp.case == case) & (TravelHelp.family_member.is_null() | FamilyMember.linked()))
                .order_by(TravelHelp.visit_date.desc(), TravelHelp.id.desc()))
