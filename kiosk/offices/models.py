"""Offices. Each has its own drop-in sessions, queue, rooms and devices; staff belong to one or more.

A one-office install only ever has the default office and never sees any of this.
"""
from flask import g, has_app_context, has_request_context, session
from peewee import CharField, DateTimeField, ForeignKeyField

from ..clock import utcnow
from ..db import BaseModel
from ..people.models import StaffUser

DEFAULT_OFFICE_ID = 1
DEFAULT_OFFICE_NAME = "Glasgow"


class Office(BaseModel):
    """An office running drop-ins (Glasgow by default)."""
    name = CharField(max_length=60, unique=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "site"  # its name since offices were added


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


def offices_of(user):
    """The offices a member of staff works at, default first; someone with none listed works at the default."""
    offices = list(Office.select().join(StaffOffice).where(StaffOffice.staff == user).order_by(Office.id))
    return offices or [Office.get_by_id(DEFAULT_OFFICE_ID)]
