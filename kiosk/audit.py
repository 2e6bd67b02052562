"""The audit log: one append-only row for every sign-in, staff and device change, and read or write of a case."""
from flask import current_app, has_request_context, request
from flask_login import current_user
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from .clock import utcnow
from .db import BaseModel, database
from .dropin.schedule import schedule
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


def _who(staff=None):
    """(staff, address): the signed-in user unless named, and where the request came from."""
    if staff is None and has_request_context() and current_user.is_authenticated:
        staff = current_user._get_current_object()
    return staff, request.remote_addr if has_request_context() else "command line"


def record(action, obj=None, detail=None, staff=None, username=None):
    """Write one audit row: who (the signed-in user unless named), what, when (UTC), from where."""
    staff, address = _who(staff)
    return AuditEvent.create(
        at=utcnow(), staff=staff, username=staff.username if staff else username, action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=obj.id if obj is not None else None,
        detail=(detail or "")[:300] or None, address=address)


def record_shown(cases_or_ids, detail, once_a_day=False, object_type="Case"):
    """A "view" row for each case a list put in front of the signed-in user, in one insert: a list of names
    discloses each case as a case page does, and a count would not say whose. Family records listed
    are recorded the same way, with `object_type="FamilyMember"`.

    `once_a_day` is for screens that refresh themselves: each case is recorded once per person and
    local day, at the cost of one query, and nothing is written when every case is already recorded.
    Each process remembers what it has seen recorded today (committed, outside any transaction), so a
    screen showing the same cases again costs no query at all.
    """
    ids = list(dict.fromkeys(c if isinstance(c, int) else c.id for c in cases_or_ids))
    if not ids:
        return 0
    staff, address = _who()
    detail = detail[:300]
    if once_a_day:
        today = schedule().local_today(utcnow())
        known = _recorded_today(staff, object_type, detail, today)
        if known.issuperset(ids):
            return 0
        start, end = schedule().local_day_bounds(today)
        seen = {object_id for (object_id,) in AuditEvent.select(AuditEvent.object_id).where(
            (AuditEvent.staff == staff) & (AuditEvent.object_type == object_type) & AuditEvent.object_id.in_(ids)
            & (AuditEvent.detail == detail) & (AuditEvent.at >= start) & (AuditEvent.at < end)).tuples()}
        committed = not database.in_transaction()
        if committed:
            known.update(seen)
        ids = [case_id for case_id in ids if case_id not in seen]
        if not ids:
            return 0
    at, username = utcnow(), staff.username if staff else None
    AuditEvent.insert_many([{"at": at, "staff": staff, "username": username, "action": "view",
                             "object_type": object_type, "object_id": case_id, "detail": detail, "address": address}
                            for case_id in ids]).execute()
    if once_a_day and committed:
        known.update(ids)
    return len(ids)


def _recorded_today(staff, object_type, detail, today):
    """The ids this process knows are recorded today for this person and these words (a set to add to).
    Only the current day is kept; another day starts an empty set."""
    memo = current_app.extensions.setdefault("audit_shown_today", {})
    if memo.get("day") != today:
        memo.clear()
        memo["day"] = today
    return memo.setdefault((staff.id if staff else None, object_type, detail), set())


def shown_today_already(staff_id, ids, detail, object_type="Case"):
    """Whether this process knows every one of `ids` is recorded today as shown to this person with these
    words (record_shown's memory; nothing is read): a screen sent them again needs no audit row."""
    memo = current_app.extensions.get("audit_shown_today", {})
    if memo.get("day") != schedule().local_today(utcnow()):
        return not ids
    return memo.get((staff_id, object_type, detail[:300]), set()).issuperset(ids)


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
