"""Casework records: cases, action plans, contact logs, family, appointments, safety flags, linked tickets."""
from peewee import (
    BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField,
)

from ..clock import utcnow
from ..db import BaseModel
from ..dropin.models import Ticket
from ..people.models import StaffUser

CONTACT_PREFERENCES = {"phone": "Phone", "letter": "Letter", "in_person": "In person"}
REFERRAL_SOURCES = {"self": "Self", "social_worker": "Social worker",
                    "other_professional": "Other professional", "family": "Family"}
CASE_STATUSES = {"referred": "Referred", "active": "Active", "closed": "Closed"}
PLAN_AREAS = {
    "accommodation": "Accommodation",
    "drugs_alcohol": "Drugs and alcohol",
    "health": "Health",
    "money": "Money and benefits",
    "family": "Family and relationships",
    "ete": "Education, training and employment",
    "offending": "Offending behaviour",
}
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
}
FLAG_KINDS = {"staff_safety": "Staff safety", "two_workers": "Two workers needed",
              "keep_apart": "Keep apart from another case"}
APPOINTMENT_STATUSES = {"booked": "Booked", "arrived": "Arrived", "seen": "Seen", "missed": "Missed",
                        "cancelled": "Cancelled"}


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
    closed_at = DateTimeField(null=True)
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
    case = ForeignKeyField(Case, backref="family", on_delete="CASCADE")
    name = CharField(max_length=100)
    relationship = CharField(max_length=60)
    phone = CharField(max_length=40, null=True)
    address = TextField(null=True)
    consent_date = DateField(null=True)
    created_at = DateTimeField(default=utcnow)


class Appointment(BaseModel):
    case = ForeignKeyField(Case, backref="appointments", on_delete="CASCADE")
    keyworker = ForeignKeyField(StaffUser, backref="+")
    starts_at = DateTimeField(index=True)
    note = CharField(max_length=200, null=True)
    status = CharField(max_length=20, default="booked")
    ticket = ForeignKeyField(Ticket, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class ContactEntry(BaseModel):
    case = ForeignKeyField(Case, backref="contacts", on_delete="CASCADE")
    happened_at = DateTimeField(index=True)
    kind = CharField(max_length=30)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    summary = TextField()
    ticket = ForeignKeyField(Ticket, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class SafetyFlag(BaseModel):
    case = ForeignKeyField(Case, backref="flags", on_delete="CASCADE")
    kind = CharField(max_length=30)
    other_case = ForeignKeyField(Case, null=True, backref="+")
    note = CharField(max_length=200, null=True)
    active = BooleanField(default=True)
    created_by = ForeignKeyField(StaffUser, null=True, backref="+")
    created_at = DateTimeField(default=utcnow)


class TicketLink(BaseModel):
    """Ties a queue ticket to the case (and family member or appointment) reception matched it with."""
    ticket = ForeignKeyField(Ticket, unique=True, backref="+", on_delete="CASCADE")
    case = ForeignKeyField(Case, backref="ticket_links")
    family_member = ForeignKeyField(FamilyMember, null=True, backref="+")
    appointment = ForeignKeyField(Appointment, null=True, backref="+")
    linked_by = ForeignKeyField(StaffUser, null=True, backref="+")
    linked_at = DateTimeField(default=utcnow)


CASE_MODELS = [Case, ActionPlanItem, FamilyMember, Appointment, ContactEntry, SafetyFlag, TicketLink]
