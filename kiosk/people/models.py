"""Staff and their sign-ins: who works here, in which role, and which browsers are signed in."""
from flask_login import UserMixin
from peewee import BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from ..clock import utcnow
from ..db import BaseModel

ROLES = ("reception", "keyworker", "manager")
# The roles that read and write case records in full: action plans, contact logs, the desk's case summary.
CASEWORKERS = ("keyworker", "manager")


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

    @property
    def has_two_factor(self):
        return self.totp_confirmed_at is not None

    @property
    def sees_casework(self):
        """Whether this person reads whole case records (reception sees contact details and flags only)."""
        return self.role in CASEWORKERS


class SignIn(BaseModel):
    """A signed-in browser, held on the server so sign-out and time-outs really end it."""
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(StaffUser, backref="sign_ins", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    ended_at = DateTimeField(null=True)
    address = CharField(max_length=64, null=True)
    user_agent = CharField(max_length=200, null=True)

    class Meta:
        table_name = "staff_session"  # its name since the first release
