"""The audit log: one append-only row for every sign-in, staff and device change, and read or write of a case."""
from flask import has_request_context, request
from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from .clock import utcnow
from .db import BaseModel
from .people.models import StaffUser


class AuditEvent(BaseModel):
    """Append-only (the database refuses updates and deletes): who did what to which record, when (UTC) and from where."""
    at = DateTimeField(default=utcnow, index=True)
    staff = ForeignKeyField(StaffUser, null=True, backref="+")
    username = CharField(max_length=40, null=True)
    action = CharField(max_length=40)
    object_type = CharField(max_length=30, null=True)
    object_id = IntegerField(null=True)
    detail = CharField(max_length=300, null=True)
    address = CharField(max_length=64, null=True)


def record(action, obj=None, detail=None, staff=None, username=None):
    """Write one audit row: who (the signed-in user unless named), what, when (UTC), from where."""
    if staff is None and has_request_context() and current_user.is_authenticated:
        staff = current_user._get_current_object()
    address = request.remote_addr if has_request_context() else "command line"
    return AuditEvent.create(
        at=utcnow(), staff=staff, username=staff.username if staff else username, action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        detail=(detail or "")[:300] or None, address=address)


def already_recorded(staff, obj, detail):
    """Whether this person has an audit row for this record with these words (to log a repeated view once)."""
    return (AuditEvent.select().where((AuditEvent.staff == staff) & (AuditEvent.object_type == type(obj).__name__)
                                      & (AuditEvent.object_id == obj.id) & (AuditEvent.detail == detail))
            .exists())


def events(username=None, action=None, object_type=None, object_id=None, since=None, until=None):
    query = AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if username:
        query = query.where(AuditEvent.username == username)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return query
