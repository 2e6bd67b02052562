"""Casework records: cases, action plans and their ratings, contact logs, families (with their own consent and
log), bookings (office appointments and outreach), referrals, prison-visit travel help, safety flags, linked tickets."""
from peewee import (
    BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField,
)

from ..clock import utcnow
from ..db import BaseModel
from ..dropin.models import Ticket
from ..people.models import StaffUser

CONTACT_PREFERENCES = {"phone": "Phone", "letter": "Letter", "in_person": "In person"}
REFERRAL_SOURCES = {
    "throughcare_officer": "Prison throughcare support officer",
    "prison_social_work": "Prison social work",
    "community_justice": "Community justice social work",
    "partner": "A partner organisation",
    "self": "Self",
    "family": "Family",
}
# Sources the first releases offered: still shown on the cases that have them, no longer offered.
OLD_REFERRAL_SOURCES = {"social_worker": "Social worker", "other_professional": "Other professional"}
CASE_STATUSES = {"referred": "Referred", "active": "Active", "closed": "Closed"}
CLOSE_OUTCOMES = {
    "completed": "Support completed",
    "moved_away": "Moved away",
    "declined": "Declined further support",
    "returned_to_custody": "Returned to custody",
    "lost_contact": "Lost contact",
    "other": "Other",
}
PLAN_AREAS = {
    "accommodation": "Accommodation",
    "drugs_alcohol": "Drugs and alcohol",
    "health": "Health",
    "money": "Money and benefits",
    "family": "Family and relationships",
    "ete": "Education, training and employment",
    "offending": "Offending behaviour",
    "prison_visits": "Prison visits and travel",
}
# Where the person is in a plan area, rated when an item is reviewed or closed: two taps, five steps.
RATINGS = {1: "In crisis", 2: "Struggling", 3: "Getting there", 4: "Coping", 5: "Doing well"}
PLAN_STATUSES = {"not_started": "Not started", "in_progress": "In progress", "achieved": "Achieved",
                 "stopped": "Stopped"}
OPEN_PLAN_STATUSES = ("not_started", "in_progress")  # an item still being worked on
CONTACT_KINDS = {
    "drop_in": "Drop-in",
    "appointment": "Appointment",
    "phone": "Phone",
    "letter": "Letter",
    "prison_visit": "Prison visit",
    "gate_pickup": "Gate pick-up",
    "case_conference": "Case conference",
    "liaison": "Liaison (police or another professional)",
    "visit_travel": "Prison-visit travel help",
}
# A family member's own contact log: their conversations, never entries in the prisoner's log.
FAMILY_CONTACT_KINDS = {
    "drop_in": "Drop-in",
    "phone": "Phone",
    "letter": "Letter",
    "in_person": "In person",
    "visit_travel": "Prison-visit travel help",
    "liaison": "Liaison (prison or another professional)",
}
FLAG_KINDS = {"staff_safety": "Staff safety", "two_workers": "Two workers needed",
              "keep_apart": "Keep apart from another case"}
APPOINTMENT_STATUSES = {"booked": "Booked", "arrived": "Arrived", "seen": "Seen", "done": "Done",
                        "missed": "Missed", "cancelled": "Cancelled"}
# A booking is an appointment at the office (the queue and reception see these) or outreach.
BOOKING_KINDS = {"office": "Office appointment", "prison_visit": "Pre-release visit",
                 "gate_pickup": "Gate pick-up", "case_conference": "Case conference"}
CONFERENCE_ATTENDEES = {"person": "The person", "throughcare_officer": "Prison throughcare officer",
                        "social_work": "Social work", "partners": "Partner organisations"}
REFERRAL_STATUSES = {"made": "Made", "accepted": "Accepted", "attended": "Attended", "declined": "Declined"}
APVS_HELP = {"not_needed": "Not needed", "explained": "Explained the scheme", "claim_helped": "Helped with the claim",
             "claim_sent": "Claim sent", "claim_paid": "Claim paid"}
PAID_BY = {"apvs": "Assisted Prison Visits Scheme", "service": "This service", "visitor": "The visitor",
           "other": "Someone else"}


class Case(BaseModel):
    reference = CharField(max_length=20, unique=True)
    name = CharField(max_length=100)
    preferred_name = CharField(max_length=60, null=True)
    date_of_birth = DateField(null=True, index=True)
    phone = CharField(max_length=40, null=True)
    address = TextField(null=True)
    contact_preference = CharField(max_length=20, default="phone")
    establishment = CharField(max_length=100, null=True)
    sentence_under_four_years = BooleanField(null=True)
    statutory_order = BooleanField(null=True)
    release_date = DateField(null=True)
    release_date_confirmed = BooleanField(default=False)
    referral_source = CharField(max_length=30, default="self")
    referral_date = DateField(null=True)
    consent_date = DateField(null=True)
    consent_recorded_by = ForeignKeyField(StaffUser, null=True, backref="+")
    status = CharField(max_length=20, default="referred")
    closed_reason = CharField(max_length=200, null=True)
    close_outcome = CharField(max_length=30, null=True)  # one of CLOSE_OUTCOMES once closed
    closed_at = DateTimeField(null=True)
    expected_on = DateField(null=True, index=True)  # a keyworker expects them in on this day
    keyworker = ForeignKeyField(StaffUser, null=True, backref="cases")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # Goes up with every save; an edit made from an older version is refused, not saved over.
    version = IntegerField(default=1)

    @property
    def display_name(self):
        return f"{self.preferred_name} ({self.name})" if self.preferred_name else self.name

    @property
    def short_name(self):
        """What a shared screen (reception's queue) shows: the name they go by, else the first name."""
        return self.preferred_name or self.name.split()[0]


class ActionPlanItem(BaseModel):
    case = ForeignKeyField(Case, backref="plan_items", on_delete="CASCADE")
    area = CharField(max_length=30)
    goal = TextField()
    actions = TextField(null=True)
    owner = CharField(max_length=100, null=True)  # who does the actions, in the office's words
    status = CharField(max_length=20, default="not_started")
    review_date = DateField(null=True, index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)

    @classmethod
    def open(cls):
        """The condition for items still being worked on, for queries."""
        return cls.status.in_(OPEN_PLAN_STATUSES)


class FamilyMember(BaseModel):
    """A family member or friend of someone in custody: a client in their own right, with their own consent
    and contact log. Their record is linked to the person's case only while both agree (families.linked_case)."""
    case = ForeignKeyField(Case, null=True, backref="family", on_delete="SET NULL")  # the record outlives a case
    name = CharField(max_length=100)
    relationship = CharField(max_length=60)
    phone = CharField(max_length=40, null=True)
    address = TextField(null=True)
    consent_date = DateField(null=True)
    created_at = DateTimeField(default=utcnow)
    consent_withdrawn_on = DateField(null=True)  # nothing more is recorded from then; the retention clock starts
    link_consent_family = BooleanField(default=False)  # they agree to their record being linked to the case
    link_consent_person = BooleanField(default=False)  # and the person in custody agrees too
    in_custody = CharField(max_length=100, null=True)  # who they support inside, in their words
    prison = CharField(max_length=100, null=True)
    updated_at = DateTimeField(default=utcnow)

    @classmethod
    def linked(cls):
        """The condition for records linked to their case, for queries: both agree, consent not withdrawn."""
        return (cls.case.is_null(False) & (cls.link_consent_family == True)  # noqa: E712
                & (cls.link_consent_person == True) & cls.consent_withdrawn_on.is_null())  # noqa: E712

    @property
    def is_linked(self):
        return bool(self.case_id and self.link_consent_family and self.link_consent_person
                    and self.consent_withdrawn_on is None)


class ContactEntry(BaseModel):
    case = ForeignKeyField(Case, backref="contacts", on_delete="CASCADE")
    happened_at = DateTimeField(index=True)
    kind = CharField(max_length=30)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    summary = TextField()
    ticket = ForeignKeyField(Ticket, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class FamilyContact(BaseModel):
    """An entry in a family member's own contact log (FAMILY_CONTACT_KINDS)."""
    family_member = ForeignKeyField(FamilyMember, backref="contacts", on_delete="CASCADE")
    happened_at = DateTimeField(index=True)
    kind = CharField(max_length=30)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    summary = TextField()
    ticket = ForeignKeyField(Ticket, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class Appointment(BaseModel):
    """A booking: an office appointment, or outreach (a pre-release visit, a gate pick-up, a case conference)."""
    case = ForeignKeyField(Case, backref="appointments", on_delete="CASCADE")
    keyworker = ForeignKeyField(StaffUser, backref="+")
    starts_at = DateTimeField(index=True)
    note = CharField(max_length=200, null=True)
    status = CharField(max_length=20, default="booked")
    ticket = ForeignKeyField(Ticket, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)
    kind = CharField(max_length=20, default="office")
    prison = CharField(max_length=100, null=True)  # the prison visited, or released from
    place = CharField(max_length=200, null=True)  # where: the meeting point, the conference's venue
    attendees = CharField(max_length=200, null=True)  # a conference's: CONFERENCE_ATTENDEES codes, comma-separated
    reason = CharField(max_length=200, null=True)  # why it was missed or cancelled
    contact = ForeignKeyField(ContactEntry, null=True, backref="+")  # the log entry it became when done


class SafetyFlag(BaseModel):
    case = ForeignKeyField(Case, backref="flags", on_delete="CASCADE")
    kind = CharField(max_length=30)
    other_case = ForeignKeyField(Case, null=True, backref="+")
    note = CharField(max_length=200, null=True)
    active = BooleanField(default=True)
    created_by = ForeignKeyField(StaffUser, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class PlanRating(BaseModel):
    """Where the person was in an action plan item's area when it was reviewed or closed (RATINGS)."""
    item = ForeignKeyField(ActionPlanItem, backref="ratings", on_delete="CASCADE")
    score = IntegerField()
    rated_at = DateTimeField(default=utcnow, index=True)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")


class Partner(BaseModel):
    """An organisation people are referred to; managers keep the list."""
    name = CharField(max_length=100, unique=True)
    area = CharField(max_length=30)  # a PLAN_AREAS code: what they help with
    phone = CharField(max_length=40, null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class Referral(BaseModel):
    """A referral out to a partner, and how it went (REFERRAL_STATUSES)."""
    case = ForeignKeyField(Case, backref="referrals", on_delete="CASCADE")
    partner = ForeignKeyField(Partner, backref="referrals")
    area = CharField(max_length=30)
    made_on = DateField()
    status = CharField(max_length=20, default="made")
    note = CharField(max_length=200, null=True)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class TravelHelp(BaseModel):
    """Help with visiting someone in prison: the visit, the Assisted Prison Visits Scheme claim, the travel."""
    case = ForeignKeyField(Case, null=True, backref="travel_help", on_delete="CASCADE")
    family_member = ForeignKeyField(FamilyMember, null=True, backref="travel_help", on_delete="CASCADE")
    prison = CharField(max_length=100)
    visit_date = DateField()
    apvs = CharField(max_length=20, default="not_needed")  # APVS_HELP
    travel = CharField(max_length=200, null=True)  # what was arranged
    cost_pence = IntegerField(null=True)
    paid_by = CharField(max_length=20, null=True)  # PAID_BY
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class TicketLink(BaseModel):
    """Ties a queue ticket to the case (and appointment) reception matched it with, or, for a family visit,
    to the family record alone: a family member's visit is theirs, never the prisoner's case's."""
    ticket = ForeignKeyField(Ticket, unique=True, backref="+", on_delete="CASCADE")
    case = ForeignKeyField(Case, null=True, backref="ticket_links")
    family_member = ForeignKeyField(FamilyMember, null=True, backref="+", on_delete="CASCADE")
    appointment = ForeignKeyField(Appointment, null=True, backref="+")
    linked_by = ForeignKeyField(StaffUser, null=True, backref="+")
    linked_at = DateTimeField(default=utcnow)


CASE_MODELS = [Case, ActionPlanItem, FamilyMember, ContactEntry, Appointment, SafetyFlag, TicketLink,
               PlanRating, Partner, Referral, TravelHelp, FamilyContact]
