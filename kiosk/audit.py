"""The audit log: one append-only row for every read and write of a case record."""
from flask import has_request_context, request
from flask_login import current_user

from .case_models import AuditEvent
from .schedule import utcnow


def record(action, obj=None, detail=None, staff=None, username=None):
    """Write one audit row: who (the signed-in user), what, when (UTC), from where."""
    if staff is None and has_request_context() and current_user.is_authenticated:
        staff = current_user._get_current_object()
    address = request.remote_addr if has_request_context() else "command line"
    return AuditEvent.create(
        at=utcnow(), staff=staff, username=staff.username if staff else username, action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        detail=(detail or "")[:300] or None, address=address)


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
