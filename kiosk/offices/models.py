"""Offices. Each has its own drop-in sessions, queue, rooms and devices; staff belong to one or more.

A one-office install only ever has the default office and never sees any of this.
"""
from flask import g, has_app_context, has_request_context, session
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TimeField, Value

from ..clock import utcnow
from ..db import BaseModel
from ..people.models import StaffUser

DEFAULT_OFFICE_ID = 1
DEFAULT_OFFICE_NAME = "Glasgow"


class Office(BaseModel):
    """An office running drop-ins (Glasgow by default): what visitors are told of it, and its timetable
    (OfficeHours each week, OfficeDay for holidays kept open, closures and extra sessions)."""
    name = CharField(max_length=60, unique=True)
    created_at = DateTimeField(default=utcnow)
    address = CharField(max_length=120, default="")
    phone = CharField(max_length=30, default="")
    # Where visitors' phones reach the app, for the ticket's QR code; empty: the address the kiosk used.
    public_base_url = CharField(max_length=200, default="")
    opens_before_minutes = IntegerField(default=15)
    # Closed on Scotland's public holidays unless a holiday is kept open (OfficeDay "open").
    public_holidays = BooleanField(default=True)
    # Bumped with every change to the office or its timetable: each process's copy is read again.
    timetable_version = IntegerField(default=0)

    class Meta:
        table_name = "site"  # its name since offices were added


class OfficeHours(BaseModel):
    """One weekly drop-in: a weekday (0 Monday) and its local start and end."""
    office = ForeignKeyField(Office, column_name="site_id", object_id_name="office_id", backref="hours",
                             on_delete="CASCADE")
    weekday = IntegerField()
    starts = TimeField(formats=["%H:%M:%S", "%H:%M"])
    ends = TimeField(formats=["%H:%M:%S", "%H:%M"])

    class Meta:
        table_name = "office_hours"
        indexes = ((("office", "weekday", "starts"), True),)


DAY_KINDS = {
    "closed": "Closed",  # the whole day, with a reason visitors are told
    "open": "Open as usual on a public holiday",
    "extra": "Extra session",
}


class OfficeDay(BaseModel):
    """A date that differs from the week: closed (why), a public holiday kept open, or an extra session."""
    office = ForeignKeyField(Office, column_name="site_id", object_id_name="office_id", backref="days",
                             on_delete="CASCADE")
    day = DateField()
    kind = CharField(max_length=10)
    starts = TimeField(null=True, formats=["%H:%M:%S", "%H:%M"])
    ends = TimeField(null=True, formats=["%H:%M:%S", "%H:%M"])
    reason = CharField(max_length=120, default="")
    created_by = ForeignKeyField(StaffUser, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "office_day"
        indexes = ((("office", "day"), False),)


class StaffOffice(BaseModel):
    """An office a member of staff works at; someone with no rows works at the default office."""
    staff = ForeignKeyField(StaffUser, backref="office_links", on_delete="CASCADE")
    office = ForeignKeyField(Office, column_name="site_id", object_id_name="office_id", backref="staff_links",
                             on_delete="CASCADE")

    class Meta:
        table_name = "staff_site"
        indexes = ((("staff", "office"), True),)


def office_field(backref):
    """The column that says which office a row belongs to (site_id in the database)."""
    return ForeignKeyField(Office, column_name="site_id", object_id_name="office_id", default=DEFAULT_OFFICE_ID,
                           backref=backref)


def current_office_id():
    """The office this request is about: the enrolled device's, else the one staff chose, else the default."""
    if has_app_context() and "office_id" in g:
        return g.office_id
    if has_request_context():
        return session.get("office_id", DEFAULT_OFFICE_ID)
    return DEFAULT_OFFICE_ID


def use_office(office_id):
    g.office_id = office_id


def works_at(staff_field, office_id):
    """A condition on `staff_field` (a member of staff's id): they work at the office, being listed there, or
    listed nowhere when it is the default office."""
    listed_here = staff_field.in_(StaffOffice.select(StaffOffice.staff).where(StaffOffice.office == office_id))
    # Compared in SQL, not here: the same statement serves every office when its SQL is built once (live.prepared).
    default_and_unlisted = (Value(office_id) == DEFAULT_OFFICE_ID) & staff_field.not_in(StaffOffice.select(StaffOffice.staff))
    return listed_here | default_and_unlisted


def offices_of(user):
    """The offices a member of staff works at, default first; someone with none listed works at the default."""
    offices = list(Office.select().join(StaffOffice).where(StaffOffice.staff == user).order_by(Office.id))
    return offices or [Office.get_by_id(DEFAULT_OFFICE_ID)]
