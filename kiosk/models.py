"""The drop-in's records: staff, rooms, sessions, tickets and the queue's version counter."""
from flask_login import UserMixin
from peewee import (
    BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField,
    IntegerField, Model, TextField,
)

from .db import database, prepared
from .schedule import utcnow
from .sites import DEFAULT_SITE_ID, current_site_id

ROLES = ("reception", "keyworker", "manager")

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


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Site(BaseModel):
    """An office running drop-ins (Glasgow by default)."""
    name = CharField(max_length=60, unique=True)
    created_at = DateTimeField(default=utcnow)


class StaffUser(UserMixin, BaseModel):
    username = CharField(max_length=40, unique=True)
    display_name = CharField(max_length=60)
    role = CharField(max_length=20)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    password_changed_at = DateTimeField(null=True)
    totp_secret = CharField(max_length=64, null=True)
    totp_confirmed_at = DateTimeField(null=True)
    # The 30-second step of the last code accepted from the app: a code is good once.
    totp_last_step = BigIntegerField(null=True)
    # sha256 of each unused one-time recovery code, comma-separated.
    recovery_codes = TextField(null=True)

    @property
    def is_active(self):
        return self.active

    def has_role(self, *roles):
        return self.role in roles

    @property
    def has_two_factor(self):
        return self.totp_confirmed_at is not None


class StaffSession(BaseModel):
    """A signed-in browser, held on the server so sign-out and time-outs really end it."""
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(StaffUser, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    address = CharField(max_length=64, null=True)
    user_agent = CharField(max_length=200, null=True)


class Device(BaseModel):
    """A browser a manager enrolled as the kiosk tablet or a wall display."""
    name = CharField(max_length=60)
    kind = CharField(max_length=20)  # kiosk or display
    site = ForeignKeyField(Site, default=DEFAULT_SITE_ID, backref="devices")
    token_hash = CharField(max_length=64, unique=True, null=True)  # set when a browser claims it
    # A one-time enrolment link, so a manager need not sign in on a public tablet.
    link_hash = CharField(max_length=64, unique=True, null=True)
    link_expires_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(StaffUser, null=True, backref="+")
    last_seen_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


class StaffSite(BaseModel):
    """An office a member of staff works at; someone with no rows works at the default office."""
    staff = ForeignKeyField(StaffUser, backref="site_links", on_delete="CASCADE")
    site = ForeignKeyField(Site, backref="staff_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("staff", "site"), True),)


class Room(BaseModel):
    site = ForeignKeyField(Site, default=DEFAULT_SITE_ID, backref="rooms")
    name = CharField(max_length=40)
    position = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("site", "name"), True),)

    @classmethod
    def in_use(cls, site_id=None):
        site_id = site_id or current_site_id()
        return cls.select().where(cls.active & (cls.site == site_id)).order_by(cls.position, cls.name)


class DropInSession(BaseModel):
    site = ForeignKeyField(Site, default=DEFAULT_SITE_ID, backref="sessions")
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    opens_at = DateTimeField()
    extra = BooleanField(default=False)
    checkin_closed_at = DateTimeField(null=True)
    last_number = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("site", "starts_at", "extra"), True),)

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

    class Meta:
        indexes = (
            (("session", "number"), True),
            (("session", "state"), False),
            (("state", "finished_at"), False),
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

    Polling screens send the version they rendered; an unchanged version costs
    one primary-key read and a 204.
    """
    version = BigIntegerField(default=0)

    @classmethod
    def current(cls, site_id=None):
        # Every idle poll of every screen runs this, so its SQL is built once per kind of
        # database rather than by the query builder on each call.
        sql, params = prepared("queue-version", lambda site: cls.select(cls.version).where(cls.id == site),
                               site=site_id or current_site_id())
        row = cls._meta.database.execute_sql(sql, params).fetchone()
        return (row[0] if row else 0) or 0

    @classmethod
    def bump(cls, site_id=None):
        cls.update(version=cls.version + 1).where(cls.id == (site_id or current_site_id())).execute()

    @classmethod
    def bump_all(cls):
        """For changes every office's screens show (safety flags on cases, which all offices share)."""
        cls.update(version=cls.version + 1).execute()


MODELS = [Site, StaffUser, StaffSite, Room, DropInSession, Ticket, DeskAssignment, QueueState, StaffSession, Device]
