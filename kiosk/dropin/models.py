"""The drop-in's records: rooms, drop-in sessions, tickets, desks, enrolled devices and the queue's version."""
from peewee import BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utcnow
from ..db import BaseModel
from ..offices.models import current_office_id, office_field
from ..people.models import StaffUser

# Who the visit is for, as the kiosk asks it. Never anything about offences.
VISIT_FOR = {
    "self": "Myself",
    "family": "Family or friend in prison",
    "appointment": "Appointment",
    "info": "Information only",
}
NEEDS = {
    "housing": "Housing",
    "drugs_alcohol": "Drugs and alcohol",
    "health": "Health",
    "money": "Money and benefits",
    "family": "Family contact",
    "visits": "Prison visits",
    "work": "Work and training",
    "other": "Something else",
}
STATES = {
    "waiting": "Waiting",
    "called": "Called",
    "in_progress": "With staff",
    "done": "Seen",
    "no_show": "No-show",
    "left": "Left",
    "cancelled": "Cancelled",
}
ACTIVE_STATES = ("waiting", "called", "in_progress")
# Someone still waiting when the session ends: seen all the same, or not today.
AFTER_CLOSE = {
    "seen_late": "Will be seen today",
    "come_back": "Asked to come back",
    "appointment": "Appointment made",
}


class Room(BaseModel):
    office = office_field("rooms")
    name = CharField(max_length=40)
    position = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("office", "name"), True),)

    @classmethod
    def in_use(cls, office_id=None):
        office_id = office_id or current_office_id()
        return cls.select().where(cls.active & (cls.office == office_id)).order_by(cls.position, cls.name)


class DropInSession(BaseModel):
    """One drop-in (scheduled, or an extra one reception opened) at one office: its times and ticket numbers."""
    office = office_field("dropin_sessions")
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    opens_at = DateTimeField()
    extra = BooleanField(default=False)
    checkin_closed_at = DateTimeField(null=True)
    # Why it closed before its time (closed early, or a closure added for the day): told to those waiting.
    closed_reason = CharField(max_length=120, null=True)
    last_number = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("office", "starts_at", "extra"), True),)

    def accepts_checkins(self, now):
        return self.opens_at <= now < self.ends_at and self.checkin_closed_at is None


class Ticket(BaseModel):
    session = ForeignKeyField(DropInSession, backref="tickets")
    number = IntegerField()
    # The only thing a QR code or a ticket URL carries: random, unguessable.
    token = CharField(max_length=64, unique=True)
    # Set by the kiosk form so a double tap or a resubmission finds the same ticket.
    request_key = CharField(max_length=64, null=True, unique=True)
    visit_for = CharField(max_length=20)
    needs = CharField(max_length=200, default="")
    name = CharField(max_length=40, null=True)
    source = CharField(max_length=20, default="kiosk")
    priority = BooleanField(default=False)
    state = CharField(max_length=20, default="waiting")
    requested_staff = ForeignKeyField(StaffUser, null=True, backref="+")
    room = ForeignKeyField(Room, null=True, backref="+")
    called_by = ForeignKeyField(StaffUser, null=True, backref="+")
    call_count = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    outcome = TextField(null=True)
    # What reception decided for someone still waiting when the session ended (AFTER_CLOSE).
    after_close = CharField(max_length=20, null=True)
    # The language the visitor chose at the kiosk (kiosk.i18n): their ticket's page on the phone speaks it.
    language = CharField(max_length=8, default="en")

    class Meta:
        indexes = (
            (("session", "number"), True),
            (("session", "state"), False),
            (("state", "finished_at"), False),
            (("called_by", "state"), False),  # each desk's poll reads its keyworker's called tickets
        )

    @property
    def need_labels(self):
        return [NEEDS[code] for code in self.need_codes if code in NEEDS]

    @property
    def need_codes(self):
        return [code for code in self.needs.split(",") if code]

    @property
    def state_label(self):
        return STATES.get(self.state, self.state)

    @property
    def visit_for_label(self):
        return VISIT_FOR.get(self.visit_for, self.visit_for)

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES


class DeskAssignment(BaseModel):
    """Which room or desk a member of staff is calling people to in a session."""
    session = ForeignKeyField(DropInSession, backref="desks")
    staff = ForeignKeyField(StaffUser, backref="+")
    room = ForeignKeyField(Room, backref="+")

    class Meta:
        indexes = ((("session", "staff"), True),)


class QueueState(BaseModel):
    """One row per office (its id is the office's) whose version goes up with every queue change.

    dropin/live.py reads and bumps it; polling screens send the version they rendered. The desk version goes
    up with every change but those no keyworker's desk shows apart from the one whose visitor it is (live.bump).
    """
    version = BigIntegerField(default=0)
    desk_version = BigIntegerField(default=0)


class Device(BaseModel):
    """A browser a manager enrolled as an office's kiosk tablet or a wall display."""
    name = CharField(max_length=60)
    kind = CharField(max_length=20)  # kiosk or display
    office = office_field("devices")
    token_hash = CharField(max_length=64, unique=True, null=True)  # set when a browser claims it
    # A one-time enrolment link, so a manager need not sign in on a public tablet.
    link_hash = CharField(max_length=64, unique=True, null=True)
    link_expires_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(StaffUser, null=True, backref="+")
    last_seen_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


MODELS = [Room, DropInSession, Ticket, DeskAssignment, QueueState, Device]
