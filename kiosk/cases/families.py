"""Families as clients in their own right: their record (with or without a case), their consent given and
withdrawn, both sides' consent to linking it to the person's case, and their own contact log.

A family member's conversations go in their log, never in the prisoner's. Every read and write of a family
record is audited as a FamilyMember; a case it shows is audited as shown.
"""
import re

from peewee import fn

from .. import audit
from ..clock import utcnow
from ..dropin.schedule import schedule
from ..errors import BadInput, NotFound, Refused
from ..transactions import write_transaction
from .models import FAMILY_CONTACT_KINDS, FamilyContact, FamilyMember, TravelHelp
from .services import SEARCH_MAX_LENGTH, get_case

FAMILY_FIELDS = ("name", "relationship", "phone", "address", "consent_date", "in_custody", "prison",
                 "link_consent_family", "link_consent_person")


def withdrawn_message(member):
    return f"Consent was withdrawn on {member.consent_withdrawn_on:%d/%m/%Y}: nothing more is recorded."


def linked_case(member):
    """The person's case, only while both agree to the link and the family member's consent stands."""
    return member.case if member.is_linked else None


def get_family_member(member_id):
    member = FamilyMember.get_or_none(FamilyMember.id == member_id)
    if member is None:
        raise NotFound("There is no such family record.")
    return member


def view_family_member(member_id, what="family record"):
    member = get_family_member(member_id)
    audit.record("view", member, what)
    return member


def _not_to_come(day, what):
    if day is not None and day > schedule().local_today(utcnow()):
        raise BadInput(f"{what} cannot be on a day still to come.")


def add_family_member(data, staff, case_id=None):
    """A family record: for someone who came in on their own, or added from the person's case page (whose
    name and establishment become who they support, in case the link is never agreed)."""
    fields = {name: data[name] for name in FAMILY_FIELDS if name in data}
    _not_to_come(fields.get("consent_date"), "Consent")
    with write_transaction():
        case = get_case(case_id) if case_id else None
        if case is not None:
            fields["in_custody"] = fields.get("in_custody") or case.name
            fields["prison"] = fields.get("prison") or case.establishment
        member = FamilyMember.create(case=case, **fields)
        audit.record("create", member, f"family record for case {case.id}" if case else "family record",
                     staff=staff)
        if case is not None:
            audit.record("update", case, f"added family member {member.id}", staff=staff)
    return member


def _change(member, detail, staff, **changes):
    FamilyMember.update(updated_at=utcnow(), **changes).where(FamilyMember.id == member.id).execute()
    audit.record("update", member, detail, staff=staff)
    return get_family_member(member.id)


def give_consent(member_id, on, staff):
    """Consent given on a day; given again after a withdrawal, it is a new consent and the clock stops."""
    _not_to_come(on, "Consent")
    with write_transaction():
        member = get_family_member(member_id)
        withdrawn = member.consent_withdrawn_on
        if withdrawn and on <= withdrawn:
            raise BadInput(f"Consent was withdrawn on {withdrawn:%d/%m/%Y}: "
                           "consent given again must be dated after that.")
        return _change(member, f"consent given on {on:%Y-%m-%d}", staff, consent_date=on, consent_withdrawn_on=None)


def withdraw_consent(member_id, on, staff):
    """Consent withdrawn: nothing more is recorded, the link ends, and the retention clock starts."""
    _not_to_come(on, "A withdrawal")
    with write_transaction():
        member = get_family_member(member_id)
        if member.consent_withdrawn_on:
            raise Refused(f"Consent was already withdrawn on {member.consent_withdrawn_on:%d/%m/%Y}.")
        if member.consent_date and on < member.consent_date:
            raise BadInput(f"That is before consent was given ({member.consent_date:%d/%m/%Y}).")
        # Their agreement to the link goes with their consent: consent given again asks for it again.
        return _change(member, f"consent withdrawn on {on:%Y-%m-%d}", staff, consent_withdrawn_on=on,
                       link_consent_family=False)


def record_link_consent(member_id, side, agrees, staff, case=None):
    """One side's say on linking the record to the person's case: `side` is "family" (the family member) or
    "person" (the person in custody, whose `case` is named when the record has none or it changes)."""
    with write_transaction():
        member = get_family_member(member_id)
        if agrees and member.consent_withdrawn_on:
            raise Refused(withdrawn_message(member))
        say = "agrees" if agrees else "does not agree"
        if side == "family":
            return _change(member, f"family member {say} to the link", staff, link_consent_family=agrees)
        case = case or member.case
        if agrees and case is None:
            raise BadInput("Give the reference of the case of the person they support.")
        on_case = f" on case {case.id}" if case else ""
        return _change(member, f"person{on_case} {say} to the link", staff, link_consent_person=agrees, case=case)


def write_contact(member, kind, happened_at, summary, staff, ticket=None):
    """An entry in the family member's own log, in the caller's transaction; refused once consent is withdrawn."""
    if member.consent_withdrawn_on:
        raise Refused(withdrawn_message(member))
    if kind not in FAMILY_CONTACT_KINDS:
        raise BadInput("Choose the type of contact from the list.")
    return FamilyContact.create(family_member=member, kind=kind, happened_at=happened_at, summary=summary,
                                staff=staff, ticket=ticket)


def add_family_contact(member_id, kind, happened_at, summary, staff):
    with write_transaction():
        member = get_family_member(member_id)
        entry = write_contact(member, kind, happened_at, summary, staff)
        audit.record("update", member, f"added {kind} contact {entry.id}", staff=staff)
    return entry


def search_family(text, limit=20):
    """Family records by name, or by phone number however it is spaced."""
    text = (text or "").replace("%", "").replace("_", "").strip()
    if not 2 <= len(text) <= SEARCH_MAX_LENGTH:
        return []
    digits = re.sub(r"[\s()+-]", "", text)
    query = FamilyMember.select()
    if digits.isdigit():
        kind = "phone"
        query = query.where(fn.REPLACE(FamilyMember.phone, " ", "").contains(digits))
    else:
        kind = "name"
        query = query.where(FamilyMember.name.ilike(f"%{text}%"))
    results = list(query.order_by(FamilyMember.name, FamilyMember.id).limit(limit))
    # As with cases, the audit log keeps what kind of search it was and whom it showed, never the words.
    audit.record("search", None, f"family records by {kind}: {len(results)} found")
    audit.record_shown(results, f"family search result (by {kind})", object_type="FamilyMember")
    return results


def family_page(member_id, full):
    """What the family record shows, audited as one view; `full` (caseworkers) adds their log and travel help."""
    member = view_family_member(member_id)
    case = linked_case(member)
    if case is not None:
        audit.record_shown([case], f"shown on family record {member.id}")
    page = {"member": member, "linked": case}
    if full:
        page["contacts"] = list(member.contacts.order_by(FamilyContact.happened_at.desc(), FamilyContact.id.desc()))
        page["travel_help"] = list(member.travel_help.order_by(TravelHelp.visit_date.desc(), TravelHelp.id.desc()))
    return page

